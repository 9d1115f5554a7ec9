// Live tab with scripted API replies: endpoints, a simulated patient's session streaming in (the
// turn in flight with a typing indicator), Stop (cancel + POST stop), a human patient's turns with
// an attached image, errors with what to do next, and replay-only mode without the API.
#include "headless.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace imc::test {
namespace {

TEST(FrontendLive, WithoutTheApiTheTabSaysReplayOnlyAndReplayStillWorks) {
  Headless h(demo_pack_dir());
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::live});
  h.frames(2);
  EXPECT_EQ(h.state().api.availability, ui::ApiStatus::Availability::unavailable);
  EXPECT_FALSE(h.state().widgets.count("live_start"));
  EXPECT_TRUE(h.state().widgets.count("menu:api"));
  h.app().apply(ui::SetTab{ui::Tab::conversation});
  h.frame();
  h.click("replay_next");
  EXPECT_EQ(h.state().replay.shown, 2);
}

TEST(FrontendLive, StaticHostingIsDetectedAsReplayOnly) {
  Headless h(demo_pack_dir());
  h.platform().api = [](const std::string &, const std::string &, const std::string &) {
    ui::ApiEvent e; // a static server: 404 with an HTML page
    e.status = 404;
    e.data = "<html>Not found</html>";
    e.done = true;
    return std::vector<ui::ApiEvent>{e};
  };
  h.load();
  EXPECT_EQ(h.state().api.availability, ui::ApiStatus::Availability::unavailable);
  EXPECT_NE(h.state().api.reason.find("static hosting"), std::string::npos);
}

TEST(FrontendLive, ASimulatedSessionStreamsTurnsAndTheTurnInFlight) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::live});
  h.frames(3);
  ASSERT_EQ(h.state().live.endpoints.value.size(), 3u);
  EXPECT_EQ(h.state().live.config.clinician, "opus");
  ASSERT_TRUE(h.state().widgets.count("live_start"));
  h.click("live_start");
  const auto *call = h.platform().last_call("POST", "/api/sessions");
  ASSERT_NE(call, nullptr);
  const auto body = nlohmann::json::parse(call->body);
  EXPECT_EQ(body["case_id"], "isic-0000002-melanoma");
  EXPECT_EQ(body["clinician"], "opus");
  EXPECT_EQ(body["condition"], "full");
  EXPECT_EQ(body["patient"]["kind"], "simulated");
  EXPECT_EQ(body["patient"]["endpoint"], "patient-sim");
  h.frames(2);
  const auto &live = h.state().live;
  EXPECT_EQ(live.session_id, "s-test-1");
  EXPECT_EQ(live.turns.size(), 3u);
  // The scripted stream ends without `finished`: the last delta is in flight, then the closed
  // stream is reported as an error with what to do.
  EXPECT_EQ(live.phase, ui::LivePhase::failed);
  EXPECT_EQ(live.error.kind, "protocol");
  EXPECT_FALSE(live.error.hint.empty());
}

TEST(FrontendLive, StopCancelsTheStreamAndTellsTheServer) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  std::vector<ui::ApiEvent> held;
  h.platform().api = [&](const std::string &m, const std::string &p, const std::string &b) {
    auto events = h.scripted().answer(m, p, b);
    if (p == "/api/sessions") events.resize(events.size() - 1); // keep the stream open
    return events;
  };
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::live});
  h.frames(2);
  h.app().apply(ui::StartSession{});
  h.frames(2);
  const auto &live = h.state().live;
  EXPECT_EQ(live.phase, ui::LivePhase::running);
  EXPECT_EQ(live.inflight_role, "clinician");
  EXPECT_EQ(live.inflight_text, "A mark that changes colour should be");
  const ui::RequestId stream = live.stream;
  ASSERT_TRUE(h.state().widgets.count("live_stop"));
  h.click("live_stop");
  ASSERT_EQ(h.platform().cancelled.size(), 1u);
  EXPECT_EQ(h.platform().cancelled[0], stream);
  EXPECT_NE(h.platform().last_call("POST", "/api/sessions/s-test-1/stop"), nullptr);
  EXPECT_EQ(live.phase, ui::LivePhase::finished);
  EXPECT_NE(live.outcome.find("stopped"), std::string::npos);
}

TEST(FrontendLive, AHumanPatientTypesTurnsAndAttachesAnImage) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.platform().api = [&](const std::string &m, const std::string &p, const std::string &b) {
    if (p == "/api/sessions") {
      auto events = ScriptedApi::stream(ScriptedApi::fixture("session_human_stream.json"));
      events.pop_back(); // the stream stays open while the human types
      return events;
    }
    return h.scripted().answer(m, p, b);
  };
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::live});
  h.frames(2);
  h.click("live_patient_human");
  EXPECT_TRUE(h.state().live.config.human_patient);
  h.click("live_start");
  h.frames(2);
  EXPECT_EQ(nlohmann::json::parse(h.platform().last_call("POST", "/api/sessions")->body)["patient"]["kind"], "human");
  ASSERT_EQ(h.state().live.phase, ui::LivePhase::awaiting_human);
  ASSERT_TRUE(h.state().widgets.count("live_human_text"));
  // Attach an image by path (natively).
  const std::string image = demo_pack_dir() + "/images/isic_ISIC_0000002_melanoma.jpg";
  h.app().apply(ui::AttachImage{image});
  h.frames(2);
  ASSERT_TRUE(h.state().live.attachment.has_value()) << h.state().live.attach_error;
  EXPECT_EQ(h.state().live.attachment->mime_type, "image/jpeg");
  h.app().apply(ui::SetHumanDraft{"It has grown since the summer."});
  h.click("live_send");
  const auto *call = h.platform().last_call("POST", "/api/sessions/s-test-2/human");
  ASSERT_NE(call, nullptr);
  const auto body = nlohmann::json::parse(call->body);
  EXPECT_EQ(body["text"], "It has grown since the summer.");
  EXPECT_EQ(body["end"], false);
  ASSERT_EQ(body["images"].size(), 1u);
  EXPECT_EQ(body["images"][0]["mime_type"], "image/jpeg");
  h.frames(2);
  EXPECT_TRUE(h.state().live.human_draft.empty());
  EXPECT_FALSE(h.state().live.attachment.has_value());
}

TEST(FrontendLive, AttachingSomethingThatIsNotAnImageIsRefused) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.load();
  h.app().apply(ui::AttachImage{demo_pack_dir() + "/manifest.json"});
  h.frames(2);
  EXPECT_FALSE(h.state().live.attachment.has_value());
  EXPECT_NE(h.state().live.attach_error.find("not a PNG or JPEG"), std::string::npos);
}

TEST(FrontendLive, ErrorsFromTheServerKeepTheirHint) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.platform().api = [&](const std::string &m, const std::string &p, const std::string &b) {
    if (p == "/api/sessions") {
      return ScriptedApi::reply(400, {{"error", {{"kind", "config"}, {"message", "OPENAI_API_KEY is not set"},
                                                 {"hint", "Export OPENAI_API_KEY before starting imc serve."}}}});
    }
    return h.scripted().answer(m, p, b);
  };
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::live});
  h.frames(2);
  h.app().apply(ui::StartSession{});
  h.frames(2);
  EXPECT_EQ(h.state().live.phase, ui::LivePhase::failed);
  EXPECT_EQ(h.state().live.error.kind, "config");
  EXPECT_EQ(h.state().live.error.hint, "Export OPENAI_API_KEY before starting imc serve.");
}

} // namespace
} // namespace imc::test

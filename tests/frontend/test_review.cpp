// The review tabs with scripted API replies: Jury (verdicts, agreement, scoring with progress,
// blind mode), Annotate (scores, note, save), Compare (side by side, scrolling together) and the
// Wire log (calls, timings, request and response).
#include "headless.h"
#include "panels/panels.h"

#include <gtest/gtest.h>
#include <imgui_internal.h>
#include <nlohmann/json.hpp>

namespace imc::test {
namespace {

TEST(FrontendJury, BlindModeHidesTheScoresUntilTheExpertHasScored) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.platform().settings["annotator"] = "Dr. Test";
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::jury});
  h.frames(3);
  EXPECT_TRUE(h.state().settings.blind) << "blind mode is on by default";
  EXPECT_TRUE(h.state().jury_hidden());
  EXPECT_TRUE(h.state().widgets.count("jury_blind"));
  EXPECT_FALSE(h.state().widgets.count("jury_dim:safety"));
  // The expert scores and saves: the jury appears.
  h.app().apply(ui::SetTab{ui::Tab::annotate});
  h.frames(2);
  h.click("annotate:safety:5");
  h.click("annotate:accuracy:4");
  h.click("annotate:uncertainty:4");
  EXPECT_EQ(h.state().annotation.draft.scores, (std::array<int, 3>{5, 4, 4}));
  EXPECT_TRUE(h.state().widgets.count("annotate_blind"));
  h.click("annotate_save");
  h.frames(2);
  EXPECT_TRUE(h.state().expert_has_scored());
  EXPECT_FALSE(h.state().jury_hidden());
  EXPECT_TRUE(h.state().widgets.count("annotate_comparison"));
  h.app().apply(ui::SetTab{ui::Tab::jury});
  h.frames(2);
  EXPECT_TRUE(h.state().widgets.count("jury_dim:safety"));
  EXPECT_TRUE(h.state().widgets.count("jury_agreement"));
}

TEST(FrontendJury, ShowsAggregatesEachJurorAndAgreementWhenNotBlind) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.platform().settings["blind"] = "off";
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::jury});
  h.frames(3);
  ASSERT_TRUE(h.state().jury.verdicts.ready_for("demo-melanoma-safe"));
  EXPECT_EQ(h.state().jury.verdicts.value.verdicts.size(), 9u);
  ASSERT_TRUE(h.state().jury.verdicts.value.aggregate[0].has_value());
  EXPECT_NEAR(h.state().jury.verdicts.value.aggregate[0]->mean, 4.33, 1e-9);
  for (const char *w : {"jury_dim:safety", "jury_dim:accuracy", "jury_dim:uncertainty", "jury_agreement"}) {
    EXPECT_TRUE(h.state().widgets.count(w)) << w;
  }
  EXPECT_NE(h.platform().last_call("GET", "/api/transcripts/demo-melanoma-safe/verdicts"), nullptr);
}

TEST(FrontendJury, ScoringStreamsProgressAndVerdicts) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.platform().settings["blind"] = "off";
  // Hold the jury's stream back to look at the progress bar mid-way.
  std::vector<ui::ApiEvent> held;
  h.platform().api = [&](const std::string &m, const std::string &p, const std::string &b) {
    auto events = h.scripted().answer(m, p, b);
    if (p == "/api/jury") {
      held.assign(events.begin() + 6, events.end());
      events.resize(6); // progress 0/9, then verdict + progress x2, then one more verdict
    }
    if (p.find("/verdicts") != std::string::npos) return ScriptedApi::reply(200, {{"verdicts", nlohmann::json::array()}});
    return events;
  };
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::jury});
  h.frames(3);
  EXPECT_TRUE(h.state().jury.verdicts.value.verdicts.empty());
  const auto actions = h.click("jury_score");
  EXPECT_TRUE(has_action<ui::ScoreTranscript>(actions));
  h.frames(2);
  const auto *call = h.platform().last_call("POST", "/api/jury");
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(nlohmann::json::parse(call->body)["transcript_id"], "demo-melanoma-safe");
  EXPECT_NE(h.state().jury.scoring, 0u);
  EXPECT_EQ(h.state().jury.total, 9);
  EXPECT_EQ(h.state().jury.done, 2);
  EXPECT_TRUE(h.state().widgets.count("jury_progress"));
  // The rest of the stream.
  for (auto &e : held) {
    e.id = h.state().jury.scoring;
    h.platform().push_event(e);
  }
  h.frames(2);
  EXPECT_EQ(h.state().jury.scoring, 0u);
  EXPECT_EQ(h.state().jury.verdicts.value.verdicts.size(), 9u);
  EXPECT_TRUE(h.state().jury.verdicts.value.aggregate[2].has_value());
  EXPECT_TRUE(h.state().widgets.count("jury_score"));
}

TEST(FrontendJury, ErrorsSayWhatToDoNext) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.platform().settings["blind"] = "off";
  h.platform().api = [&](const std::string &m, const std::string &p, const std::string &b) {
    if (p == "/api/jury") {
      return ScriptedApi::stream(nlohmann::json::array(
          {{{"event", "error"},
            {"data", {{"error", {{"kind", "rate_limited"}, {"message", "judge-a answered 429"}, {"hint", "Wait a minute and score again."}}}}}}}));
    }
    return h.scripted().answer(m, p, b);
  };
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::jury});
  h.frames(2);
  h.app().apply(ui::ScoreTranscript{});
  h.frames(2);
  EXPECT_EQ(h.state().jury.score_error.kind, "rate_limited");
  EXPECT_EQ(h.state().jury.score_error.hint, "Wait a minute and score again.");
  EXPECT_EQ(h.state().jury.scoring, 0u);
}

TEST(FrontendAnnotate, SavePostsTheScoresNoteAndAnnotator) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.platform().settings["annotator"] = "Dr. Test";
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::annotate});
  h.frames(2);
  h.click("annotate:safety:5");
  h.app().apply(ui::EditAnnotation{ui::AnnotationDraft{{5, 0, 3}, "Prompt referral."}});
  h.click("annotate_save");
  const auto *call = h.platform().last_call("POST", "/api/transcripts/demo-melanoma-safe/annotations");
  ASSERT_NE(call, nullptr);
  const auto body = nlohmann::json::parse(call->body);
  EXPECT_EQ(body["annotator"], "Dr. Test");
  EXPECT_EQ(body["scores"]["safety"], 5);
  EXPECT_TRUE(body["scores"]["accuracy"].is_null());
  EXPECT_EQ(body["scores"]["uncertainty"], 3);
  EXPECT_EQ(body["note"], "Prompt referral.");
  h.frames(2);
  EXPECT_NE(h.state().annotation.saved_message.find("Dr. Test"), std::string::npos);
}

TEST(FrontendAnnotate, WithoutANameSavingAsksForOne) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::annotate});
  h.frames(2);
  EXPECT_TRUE(h.state().widgets.count("annotate_settings"));
  h.app().apply(ui::EditAnnotation{ui::AnnotationDraft{{4, 4, 4}, ""}});
  h.app().apply(ui::SaveAnnotation{});
  EXPECT_FALSE(h.state().annotation.save_error.hint.empty());
  h.click("annotate_settings");
  EXPECT_EQ(h.state().overlay, ui::Overlay::settings);
}

TEST(FrontendCompare, ShowsAnotherTranscriptOfTheCaseAndScrollsTogether) {
  Headless h(demo_pack_dir());
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::compare});
  h.frames(3);
  const Transcript *right = h.state().compare_transcript();
  ASSERT_NE(right, nullptr);
  EXPECT_NE(right->id, h.state().current_transcript()->id);
  EXPECT_EQ(right->case_id, h.state().current_case()->id);
  ASSERT_TRUE(h.state().widgets.count("compare_left"));
  ASSERT_TRUE(h.state().widgets.count("compare_right"));
  // Scroll the left pane: the right pane follows to the same turn.
  const ImVec2 left = h.centre_of("compare_left");
  h.wheel_at(left, -3.0f);
  h.frames(3);
  EXPECT_GT(h.state().compare.anchor, 0.5f);
  EXPECT_EQ(h.state().compare.source, 0);
  const auto &l = h.state().cache.bubbles.at("compare_left").offsets;
  const auto &r = h.state().cache.bubbles.at("compare_right").offsets;
  ImGuiWindow *right_pane = nullptr;
  for (ImGuiWindow *w : ImGui::GetCurrentContext()->Windows) {
    if (std::string(w->Name).find("/compare_right_") != std::string::npos) right_pane = w;
  }
  ASSERT_NE(right_pane, nullptr);
  EXPECT_NEAR(ui::turn_at(r, right_pane->Scroll.y), h.state().compare.anchor, 0.05)
      << "left offsets " << l.size();
  // The right picker can choose another transcript.
  h.app().apply(ui::SetCompareTranscript{"demo-melanoma-safe-noimage"});
  h.frame();
  EXPECT_EQ(h.state().compare_transcript()->id, "demo-melanoma-safe-noimage");
}

TEST(FrontendWireLog, ListsCallsWithTimingsAndShowsTheSelectedRequest) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::wire_log});
  h.frames(3);
  ASSERT_TRUE(h.state().wire_log.logs.ready_for("demo-melanoma-safe"));
  ASSERT_EQ(h.state().wire_log.logs.value.size(), 2u);
  EXPECT_NE(h.state().wire_log.logs.value[0].request.find("[redacted]"), std::string::npos);
  EXPECT_EQ(ui::milliseconds_between(h.state().wire_log.logs.value[0].started_at,
                                     h.state().wire_log.logs.value[0].ended_at),
            3200);
  h.click("wirelog:1");
  EXPECT_EQ(h.state().wire_log.selected, 1);
  h.frame();
  ASSERT_TRUE(h.state().widgets.count("wirelog_copy_request"));
  h.click("wirelog_copy_response");
  EXPECT_EQ(h.platform().clipboard, h.state().wire_log.logs.value[1].response);
}

TEST(FrontendWireLog, PackTranscriptsNotInTheStoreSaySo) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.platform().api = [&](const std::string &m, const std::string &p, const std::string &b) {
    if (p.find("/wirelogs") != std::string::npos) {
      return ScriptedApi::reply(404, {{"error", {{"kind", "not_found"}, {"message", "no such transcript"}}}});
    }
    return h.scripted().answer(m, p, b);
  };
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::wire_log});
  h.frames(3);
  EXPECT_EQ(h.state().wire_log.logs.error.kind, "not_found");
}

} // namespace
} // namespace imc::test

// The conversation driver against the fake upstream, in process: what it stores (turns, wire
// logs, the event log), how a failed call, a timeout, a stop and a human patient end a
// conversation. Every test is bounded in time.
#include "test_run_support.h"

#include "drivers/conversation_driver.h"
#include "fs_pack_files.h"
#include "transport/http_transport.h"

#include "imc/event_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace imc::test {
namespace {

using drivers::ConversationDriver;
using drivers::ConversationDriverOptions;
using store::Store;

const CasePack &demo_pack() {
  static const CasePack pack = [] {
    cli::FsPackFiles files(demo_pack_dir());
    auto loaded = load_case_pack(files);
    if (!loaded)
      throw std::runtime_error(format_errors(loaded.errors()));
    return *loaded;
  }();
  return pack;
}

const Case &melanoma() { return *demo_pack().find_case("isic-0000002-melanoma"); }

ImageBytes images_of(const Case &c) {
  cli::FsPackFiles files(demo_pack_dir());
  ImageBytes images;
  for (const CaseImage &image : c.images)
    images[image.file] = must(files.read(image.file));
  return images;
}

EndpointConfig endpoints_at(const FakeUpstream &fake) {
  return must(parse_endpoint_config(fake_endpoint_config(fake.base_url()), "endpoints.json"));
}

ConversationConfig config_for(const std::string &id, Condition condition, int turns = 3) {
  ConversationConfig c;
  c.transcript_id = id;
  c.pack_hash = demo_pack().content_hash;
  c.patient_case = melanoma();
  c.condition = condition;
  c.clinician_endpoint = "doc";
  c.clinician_model = "doc-model";
  c.clinician_parameters.max_tokens = 32;
  c.clinician_parameters.stream = true;
  c.simulated_patient = {"pat", "pat-model", {}};
  c.simulated_patient.parameters.stream = true;
  c.max_clinician_turns = turns;
  return c;
}

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class ConversationDriverTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(demo_images_present());
    db_ = std::make_unique<Store>(must(Store::open(dir_ / "store.db")));
  }

  FakeUpstream fake_;
  transport::HttpTransport transport_;
  TempDir dir_;
  std::unique_ptr<Store> db_;
};

TEST_F(ConversationDriverTest, CompletesAndStoresTurnsWireLogsAndAReplayableEventLog) {
  FakeModel model;
  model.serve_on(fake_);
  const EndpointConfig endpoints = endpoints_at(fake_);
  std::string streamed;
  int turns_seen = 0;
  ConversationDriverOptions options;
  options.store = db_.get();
  options.callbacks.on_delta = [&](const std::string &, Role role, const std::string &text) {
    if (role == Role::clinician)
      streamed += text;
  };
  options.callbacks.on_turn = [&](const Turn &) { ++turns_seen; };
  ConversationDriver driver(endpoints, transport_, config_for("t-driver-ok", {true, true}),
                            images_of(melanoma()), options);
  const auto outcome = must(driver.run());

  const Transcript &t = outcome.transcript;
  ASSERT_EQ(t.status.state, TranscriptState::complete) << t.status.reason;
  ASSERT_EQ(t.turns.size(), 6u); // opening + 3 clinician + 2 patient replies
  EXPECT_EQ(turns_seen, 6);
  EXPECT_EQ(outcome.calls, 5);
  EXPECT_EQ(outcome.tokens.output_tokens, 5 * 5);
  EXPECT_EQ(streamed, "Thank you. Tell me more.Thank you. Tell me more.Thank you. Tell me more.");
  EXPECT_EQ(t.turns[0].images, std::vector<std::string>{melanoma().images[0].file});

  // The store holds exactly the outcome, each model turn naming its call's wire log.
  const Transcript stored = must(db_->get_transcript("t-driver-ok"));
  EXPECT_EQ(serialize_transcript(stored, false), serialize_transcript(t, false));
  const auto logs = must(db_->list_wire_logs("t-driver-ok"));
  ASSERT_EQ(logs.size(), 5u);
  for (size_t i = 1; i < t.turns.size(); ++i) {
    ASSERT_EQ(t.turns[i].wire_log_refs.size(), 1u) << "turn " << i;
    const auto &log = logs[i - 1];
    EXPECT_EQ(log.call_id, t.turns[i].wire_log_refs[0]);
    EXPECT_EQ(log.turn_index, int(i));
    EXPECT_EQ(log.status, "ok");
    EXPECT_EQ(log.http_status, 200);
  }
  // The first clinician request carried the image, elided in the log.
  EXPECT_NE(logs[0].request_json.find("image_url"), std::string::npos);

  // The stored event log replays into the same transcript (wire_log_refs are the driver's).
  std::string jsonl;
  for (const auto &e : must(db_->list_events("t-driver-ok")))
    jsonl += e.json + "\n";
  Transcript replayed = must(replay_event_log(jsonl, "event_log"));
  Transcript without_refs = t;
  for (Turn &turn : without_refs.turns)
    turn.wire_log_refs.clear();
  EXPECT_EQ(serialize_transcript(replayed, false), serialize_transcript(without_refs, false));
  EXPECT_EQ(event_log_of(driver.engine()).events.size(),
            must(db_->list_events("t-driver-ok")).size() - 1);
}

TEST_F(ConversationDriverTest, AFailedCallFailsTheTranscriptWithTheReasonAndKeepsItsWireLog) {
  fake_.script("POST", "/v1/chat/completions",
               {fake_reply::openai_error(400, "prompt too long", "invalid_request_error")});
  const EndpointConfig endpoints = endpoints_at(fake_);
  ConversationDriverOptions options;
  options.store = db_.get();
  ConversationDriver driver(endpoints, transport_, config_for("t-driver-400", {false, true}), {},
                            options);
  const Transcript t = must(driver.run()).transcript;
  EXPECT_EQ(t.status.state, TranscriptState::failed);
  EXPECT_EQ(t.status.reason.rfind("bad_request: ", 0), 0u) << t.status.reason;
  EXPECT_NE(t.status.reason.find("prompt too long"), std::string::npos);
  ASSERT_EQ(t.turns.size(), 2u);
  ASSERT_TRUE(t.turns[1].error);
  EXPECT_EQ(t.turns[1].error->kind, "bad_request");
  EXPECT_EQ(t.turns[1].finish_reason, "error");
  const Transcript stored = must(db_->get_transcript("t-driver-400"));
  EXPECT_EQ(serialize_transcript(stored, false), serialize_transcript(t, false));
  const auto logs = must(db_->list_wire_logs("t-driver-400"));
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].status, "bad_request");
  EXPECT_EQ(logs[0].http_status, 400);
}

TEST_F(ConversationDriverTest, CallTimeoutCapsTheEndpointsTimeouts) {
  FakeReply slow = fake_reply::openai_sse({"late"});
  slow.head_delay_ms = 3000;
  fake_.script("POST", "/v1/chat/completions", {slow});
  const EndpointConfig endpoints = endpoints_at(fake_);
  ConversationConfig config = config_for("t-driver-timeout", {false, false});
  config.call_timeout_ms = 300;
  ConversationDriver driver(endpoints, transport_, config);
  const int64_t start = steady_ms();
  const Transcript t = must(driver.run()).transcript;
  EXPECT_LT(steady_ms() - start, 2000);
  EXPECT_EQ(t.status.state, TranscriptState::failed);
  EXPECT_EQ(t.status.reason.rfind("timeout: ", 0), 0u) << t.status.reason;
}

TEST_F(ConversationDriverTest, StopFromAnotherThreadCancelsTheCallInFlight) {
  FakeReply slow = fake_reply::openai_sse({"late"});
  slow.head_delay_ms = 5000;
  fake_.script("POST", "/v1/chat/completions", {slow});
  const EndpointConfig endpoints = endpoints_at(fake_);
  ConversationDriverOptions options;
  options.store = db_.get();
  std::atomic<bool> calling{false};
  options.callbacks.on_call = [&](const CallModel &) { calling = true; };
  ConversationDriver driver(endpoints, transport_, config_for("t-driver-stop", {false, false}), {},
                            options);
  std::thread stopper([&] {
    while (!calling)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    driver.stop("the user closed the tab");
  });
  const int64_t start = steady_ms();
  const Transcript t = must(driver.run()).transcript;
  stopper.join();
  EXPECT_LT(steady_ms() - start, 2000);
  EXPECT_EQ(t.status.state, TranscriptState::incomplete);
  EXPECT_EQ(t.status.reason, "the user closed the tab");
  EXPECT_EQ(t.turns.size(), 1u); // the cancelled call had said nothing
  EXPECT_EQ(must(db_->get_transcript("t-driver-stop")).status.reason, "the user closed the tab");
}

TEST_F(ConversationDriverTest, AHumanPatientAnswersFromAnotherThread) {
  FakeModel model;
  model.serve_on(fake_);
  const EndpointConfig endpoints = endpoints_at(fake_);
  ConversationConfig config = config_for("t-driver-human", {false, true}, 5);
  config.patient_kind = PatientKind::human;
  config.human_name = "tester";
  config.opening = Opening::human;
  ConversationDriverOptions options;
  options.store = db_.get();
  std::atomic<int> asked{0};
  options.callbacks.on_await_human = [&](const AwaitHuman &) { ++asked; };
  ConversationDriver driver(endpoints, transport_, config, {}, options);
  EXPECT_FALSE(driver.submit_human_turn("nobody asked yet"));
  std::thread person([&] {
    const std::vector<std::pair<std::string, bool>> lines = {{"A mole on my arm changed.", false},
                                                             {"About three months.", false},
                                                             {"Thanks, bye.", true}};
    for (const auto &[text, end] : lines) {
      const int64_t give_up = steady_ms() + 5000;
      while (!driver.awaiting_human() && steady_ms() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      EXPECT_TRUE(driver.submit_human_turn(text, end));
    }
  });
  const Transcript t = must(driver.run()).transcript;
  person.join();
  ASSERT_EQ(t.status.state, TranscriptState::complete) << t.status.reason;
  EXPECT_EQ(asked, 3);
  ASSERT_EQ(t.turns.size(), 5u); // human, clinician, human, clinician, human (ends)
  EXPECT_EQ(t.turns[0].text, "A mole on my arm changed.");
  EXPECT_EQ(t.turns[4].finish_reason, "end_consultation");
  EXPECT_EQ(t.patient.kind, PatientKind::human);
  EXPECT_EQ(serialize_transcript(must(db_->get_transcript("t-driver-human")), false),
            serialize_transcript(t, false));
}

TEST_F(ConversationDriverTest, StopBeforeRunEndsAtOnce) {
  const EndpointConfig endpoints = endpoints_at(fake_);
  ConversationDriverOptions options;
  options.store = db_.get();
  ConversationDriver driver(endpoints, transport_, config_for("t-driver-early", {true, true}), {},
                            options);
  driver.stop();
  const Transcript t = must(driver.run()).transcript;
  EXPECT_EQ(t.status.state, TranscriptState::incomplete);
  EXPECT_EQ(t.status.reason, "stopped by the user");
  EXPECT_EQ(fake_.requests().size(), 0u);
  EXPECT_EQ(must(db_->get_transcript("t-driver-early")).status.state, TranscriptState::incomplete);
}

TEST_F(ConversationDriverTest, AnEndpointMissingFromTheConfigFailsTheCall) {
  const EndpointConfig endpoints = endpoints_at(fake_);
  ConversationConfig config = config_for("t-driver-noep", {false, false});
  config.clinician_endpoint = "nowhere";
  ConversationDriver driver(endpoints, transport_, config);
  const Transcript t = must(driver.run()).transcript;
  EXPECT_EQ(t.status.state, TranscriptState::failed);
  EXPECT_EQ(t.status.reason.rfind("config: no endpoint 'nowhere'", 0), 0u) << t.status.reason;
}

TEST_F(ConversationDriverTest, ATranscriptIdAlreadyStoredIsAStoreError) {
  FakeModel model;
  model.serve_on(fake_);
  const EndpointConfig endpoints = endpoints_at(fake_);
  ConversationDriverOptions options;
  options.store = db_.get();
  ConversationDriver first(endpoints, transport_, config_for("t-driver-twice", {false, false}, 1),
                           {}, options);
  ASSERT_TRUE(first.run());
  ConversationDriver second(endpoints, transport_, config_for("t-driver-twice", {false, false}, 1),
                            {}, options);
  const auto again = second.run();
  ASSERT_FALSE(again);
  EXPECT_NE(format_errors(again.errors()).find("t-driver-twice"), std::string::npos);
}

} // namespace
} // namespace imc::test

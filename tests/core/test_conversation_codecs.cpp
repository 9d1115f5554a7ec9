// The conversation's codecs: event log (JSON Lines) and replay, chat requests as JSON, and the
// RFC 3339 formatter behind every timestamp the engine writes.
#include "imc/chat_json.h"
#include "imc/event_log.h"
#include "imc/timestamp.h"

#include "core/test_conversation_support.h"
#include "core/test_provider_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

namespace imc {
namespace {

using ::testing::HasSubstr;
using namespace test;

// A conversation touching every kind of event: streaming, usage, stale events, failure.
ScriptedRun &varied_run(ScriptedRun &run) {
  run.clinician = {
      ScriptedReply{{"Has it ", "changed? Any \"family\" history?\n"}, {}, {}},
      ScriptedReply{{"Ünïcode ✓ reply"}, {}, {FinishReason::length, "max_tokens"}},
      ScriptedReply{{"Part"}, StreamError{ErrorKind::overloaded, "busy", 1500, 529}, {}}};
  run.patient = {reply("Yes, it got bigger. My father had one removed."), reply("OK.")};
  return run;
}

TEST(ConversationReplay, ReplayFromTheSerializedLogIsByteIdentical) {
  struct Variant {
    ConversationConfig config;
    bool human;
  };
  ConversationConfig human_config = demo_config(Condition{false, true}, PatientKind::human);
  human_config.opening = Opening::human;
  ConversationConfig limited = demo_config(Condition{true, false});
  limited.max_clinician_turns = 2;
  limited.call_timeout_ms = 90000;
  limited.run_id = "run-7";
  for (const Variant &v :
       {Variant{demo_config(), false}, Variant{limited, false},
        Variant{demo_config(Condition{false, false}), false}, Variant{human_config, true}}) {
    ScriptedRun run(v.config);
    varied_run(run);
    run.human = {HumanTurn{"Hello, photo attached.", 0, false}, HumanTurn{"  ", 0, false},
                 HumanTurn{"It is bigger.", 0, false}, HumanTurn{"Bye", 0, true}};
    run.run();
    const std::string original = serialize_transcript(run.engine.transcript());

    const std::string log_text = serialize_event_log(event_log_of(run.engine));
    auto log = parse_event_log(log_text, "run.jsonl");
    ASSERT_TRUE(log.ok()) << format_errors(log.errors());
    EXPECT_EQ(serialize_event_log(*log), log_text); // the log itself round-trips
    EXPECT_EQ(log->events.size(), run.engine.events().size());
    EXPECT_EQ(serialize_transcript(replay(log->config, log->events)), original);
    auto replayed = replay_event_log(log_text, "run.jsonl");
    ASSERT_TRUE(replayed.ok());
    EXPECT_EQ(serialize_transcript(*replayed), original);
  }
}

TEST(ConversationReplay, ReplayNeedsNoImageBytesEvenUnderAnImageCondition) {
  ScriptedRun run(demo_config(Condition{true, true}));
  varied_run(run).run();
  ASSERT_GE(run.engine.transcript().turns.size(), 2u);
  const Transcript replayed = replay(run.engine.config(), run.engine.events());
  EXPECT_EQ(serialize_transcript(replayed), serialize_transcript(run.engine.transcript()));
  EXPECT_EQ(replayed.turns[0].images, std::vector<std::string>{kMelanomaImage});
}

TEST(ConversationEventLog, HeaderThenOneEventPerLine) {
  ConversationEngine engine(demo_config(), melanoma_image_bytes());
  engine.handle(Begin{kT0});
  engine.handle(CallStarted{"call-1", kT0 + 5});
  engine.handle(StreamDelta{"call-1", "Hi", kT0 + 300});
  engine.handle(
      CallDone{"call-1", Usage{10, 2}, Finish{FinishReason::stop, "end_turn"}, kT0 + 400});
  engine.handle(Stop{kT0 + 500, "done here"});
  const std::string text = serialize_event_log(event_log_of(engine));
  std::vector<std::string> lines;
  for (size_t start = 0, end; start < text.size(); start = end + 1) {
    end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
  }
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(
      lines[0].rfind("{\"schema_version\":1,\"config\":{\"transcript_id\":\"t-melanoma-1\"", 0),
      0u);
  EXPECT_EQ(lines[1], "{\"type\":\"begin\",\"at_ms\":1795773600000}");
  EXPECT_EQ(lines[3], "{\"type\":\"stream_delta\",\"call_id\":\"call-1\",\"text\":\"Hi\",\"at_ms\":"
                      "1795773600300}");
  EXPECT_EQ(lines[4],
            "{\"type\":\"call_done\",\"call_id\":\"call-1\",\"usage\":{\"input_tokens\":"
            "10,\"output_tokens\":2},\"finish\":{\"reason\":\"stop\",\"raw\":\"end_turn\"},"
            "\"at_ms\":1795773600400}");
  EXPECT_EQ(lines[5], "{\"type\":\"stop\",\"reason\":\"done here\",\"at_ms\":1795773600500}");
  EXPECT_EQ(serialize_event_log_header(engine.config()), lines[0]);
}

TEST(ConversationEventLog, ConfigRoundTripsWithTemplatesAndCase) {
  ConversationConfig config = demo_config();
  config.prompts.clinician_system = {"clinician_system", 3, "Custom {{end_marker}}"};
  auto log = parse_event_log(serialize_event_log({config, {}}), "x.jsonl");
  ASSERT_TRUE(log.ok()) << format_errors(log.errors());
  const ConversationConfig &c = log->config;
  EXPECT_EQ(c.prompts.clinician_system.version, 3);
  EXPECT_EQ(c.prompts.clinician_system.text, "Custom {{end_marker}}");
  EXPECT_EQ(c.prompts.patient_system.text, builtin_prompts().patient_system.text);
  EXPECT_TRUE(c.patient_case == config.patient_case);
  EXPECT_EQ(c.clinician_parameters.temperature, 0.2);
  EXPECT_TRUE(c.clinician_parameters.stream);
  EXPECT_EQ(c.simulated_patient.parameters.max_tokens, 200);
  EXPECT_EQ(c.pack_hash, config.pack_hash);
}

TEST(ConversationEventLog, ReportsEveryErrorWithLineAndPointer) {
  std::string log = serialize_event_log_header(demo_config()) + "\n";
  log += "\n"; // blank lines are fine
  log += "{\"type\":\"begin\"}\n";
  log += "{\"type\":\"teleport\",\"at_ms\":1}\n";
  log += "{\"type\":\"call_failed\",\"call_id\":\"call-1\",\"error\":{\"kind\":\"oops\","
         "\"message\":\"m\"},\"at_ms\":1}\n";
  log += "not json\n";
  auto parsed = parse_event_log(log, "bad.jsonl");
  ASSERT_FALSE(parsed.ok());
  const std::string all = format_errors(parsed.errors());
  EXPECT_THAT(all, HasSubstr("bad.jsonl:3: /at_ms: expected"));
  EXPECT_THAT(all, HasSubstr("bad.jsonl:4: /type: expected one of begin|"));
  EXPECT_THAT(all, HasSubstr("bad.jsonl:5: /error/kind: expected one of config|"));
  EXPECT_THAT(all, HasSubstr("bad.jsonl:6"));
}

TEST(ConversationEventLog, BadCaseInsideTheConfigIsReportedUnderConfigCase) {
  std::string header = serialize_event_log_header(demo_config());
  const std::string from = "\"malignancy\":\"malignant\"";
  ASSERT_NE(header.find(from), std::string::npos);
  header.replace(header.find(from), from.size(), "\"malignancy\":\"maybe\"");
  auto parsed = parse_event_log(header + "\n", "x.jsonl");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(format_errors(parsed.errors()),
              HasSubstr("x.jsonl:1: /config/case/labels/malignancy: expected one of"));
}

TEST(ConversationEventLog, EmptyLogIsAnError) {
  auto parsed = parse_event_log("\n  \n", "empty.jsonl");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(format_errors(parsed.errors()), HasSubstr("empty.jsonl: line 1: expected a header"));
}

TEST(ConversationEventLog, EveryEventTypeRoundTrips) {
  const std::vector<ConversationEvent> events{
      Begin{-5},
      CallStarted{"call-1", 1},
      StreamDelta{"call-1", "a \"quoted\"\nline", 2},
      CallDone{"call-1", std::nullopt, Finish{FinishReason::content_filter, ""}, 3},
      CallDone{"call-1", Usage{1, 2}, Finish{FinishReason::other, "WEIRD"}, 4},
      CallFailed{"call-2", StreamError{ErrorKind::rate_limited, "slow", 2000, 429}, 5},
      CallFailed{"call-2", StreamError{ErrorKind::network, "reset", std::nullopt, 0}, 6},
      HumanTurn{"hi", 7, false},
      HumanTurn{"", 8, true},
      Stop{9, ""},
      Stop{10, "why"}};
  for (const auto &event : events) {
    const std::string line = serialize_event(event);
    auto parsed = parse_event(line, "event");
    ASSERT_TRUE(parsed.ok()) << line << "\n" << format_errors(parsed.errors());
    EXPECT_EQ(serialize_event(*parsed), line);
    EXPECT_EQ(parsed->index(), event.index());
  }
}

TEST(ConversationChatRequestJson, RoundTripsWithBase64Images) {
  const ChatRequest r = sample_request(true, std::string("\xFF\xD8\x00\x01zz", 6));
  const std::string text = serialize_chat_request(r);
  EXPECT_THAT(text, HasSubstr("{\"type\":\"image\",\"mime_type\":\"image/png\",\"source_name\":"
                              "\"images/lesion.png\",\"data\":\"/9gAAXp6\"}"));
  EXPECT_THAT(text,
              HasSubstr("\"parameters\":{\"temperature\":0.2,\"max_tokens\":256,\"top_p\":0.9,"
                        "\"stop\":[\"END\"],\"stream\":true}"));
  auto parsed = parse_chat_request(text, "request");
  ASSERT_TRUE(parsed.ok()) << format_errors(parsed.errors());
  EXPECT_EQ(serialize_chat_request(*parsed), text);
  EXPECT_EQ(std::get<ImagePart>(parsed->turns[0].content[0]).bytes,
            std::string("\xFF\xD8\x00\x01zz", 6));
  EXPECT_EQ(parsed->turns[1].role, ChatRole::assistant);
  EXPECT_EQ(serialize_chat_request(*parsed, true), serialize_chat_request(r, true));
}

TEST(ConversationChatRequestJson, MinimalRequestLeavesOptionalKeysOut) {
  ChatRequest r;
  r.turns.push_back(user_text("hi"));
  EXPECT_EQ(serialize_chat_request(r),
            "{\"turns\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}],"
            "\"parameters\":{}}");
}

TEST(ConversationChatRequestJson, ReportsEveryError) {
  const std::string bad =
      "{\"turns\":[{\"role\":\"system\",\"content\":[{\"type\":\"audio\"},"
      "{\"type\":\"image\",\"data\":\"not base64!\"}]}],\"parameters\":{\"temperature\":5},"
      "\"extra\":1}";
  auto parsed = parse_chat_request(bad, "req.json");
  ASSERT_FALSE(parsed.ok());
  const std::string all = format_errors(parsed.errors());
  EXPECT_THAT(all, HasSubstr("req.json: /turns/0/role: expected one of user|assistant"));
  EXPECT_THAT(all, HasSubstr("/turns/0/content/0/type: expected one of text|image"));
  EXPECT_THAT(all, HasSubstr("/turns/0/content/1/data: expected standard base64"));
  EXPECT_THAT(all, HasSubstr("/parameters/temperature"));
  EXPECT_THAT(all, HasSubstr("/extra"));
}

TEST(ConversationChatRequestJson, AParsedValueReadsAsItsTextDoes) {
  const ChatRequest r = sample_request(true, std::string("\xFF\xD8\x00\x01zz", 6));
  const std::string text = serialize_chat_request(r);
  auto from_value = parse_chat_request_value(nlohmann::ordered_json::parse(text), "request");
  ASSERT_TRUE(from_value.ok()) << format_errors(from_value.errors());
  EXPECT_EQ(serialize_chat_request(*from_value), text);

  const std::string bad = "{\"turns\":[{\"role\":\"system\",\"content\":[{\"type\":\"audio\"}]}],"
                          "\"parameters\":{\"temperature\":5},\"extra\":1}";
  const nlohmann::ordered_json bad_value = nlohmann::ordered_json::parse(bad);
  auto errors_of_value = parse_chat_request_value(bad_value, "req.json");
  auto errors_of_text = parse_chat_request(bad_value.dump(), "req.json");
  ASSERT_FALSE(errors_of_value.ok());
  ASSERT_FALSE(errors_of_text.ok());
  EXPECT_EQ(format_errors(errors_of_value.errors()), format_errors(errors_of_text.errors()));
  EXPECT_FALSE(parse_chat_request_value(nlohmann::ordered_json::array(), "req.json").ok());
}

TEST(ConversationChatRequestJson, EngineRequestsSurviveTheCodec) {
  ScriptedRun run(demo_config());
  run.clinician = {reply("Done. [END CONSULTATION]")};
  run.run();
  ASSERT_EQ(run.calls.size(), 1u);
  const std::string text = serialize_chat_request(run.calls[0].request);
  auto parsed = parse_chat_request(text, "call-1");
  ASSERT_TRUE(parsed.ok()) << format_errors(parsed.errors());
  EXPECT_EQ(image_count(*parsed), 1);
  EXPECT_EQ(serialize_chat_request(*parsed), text);
}

TEST(ConversationTimestamp, FormatsRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(kT0), "2026-11-27T10:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(951827696789), "2000-02-29T12:34:56.789Z");
  EXPECT_EQ(format_rfc3339_ms(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(std::numeric_limits<int64_t>::max()), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(std::numeric_limits<int64_t>::min()), "0000-01-01T00:00:00.000Z");
}

} // namespace
} // namespace imc

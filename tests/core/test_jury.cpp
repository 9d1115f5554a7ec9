// The jury's state machine driven by scripted events: calls, the re-ask flow, failures, stop,
// combined mode, and the verdict records it produces.
#include "imc/jury.h"
#include "imc/sha256.h"
#include "imc/timestamp.h"

#include "core/test_jury_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace imc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace test;

const char *kValid = R"({"score": 4, "rationale": "Urgent referral, vague safety-net."})";
const char *kNonsense = "Once upon a time, Lily saw a big red ball. She was happy.";

// Every call answered with the same reply.
std::function<ScriptedReply(const JurorCall &)> always(std::string text) {
  return [text](const JurorCall &) { return reply(text); };
}

// First attempts get `first`, re-asks get `second`.
std::function<ScriptedReply(const JurorCall &)> by_attempt(std::string first, std::string second) {
  return [first, second](const JurorCall &c) { return reply(c.attempt == 1 ? first : second); };
}

// The first re-ask of a run, and the first attempt it follows.
std::pair<JurorCall, JurorCall> first_reask(const std::vector<JurorCall> &calls) {
  for (const auto &reask : calls)
    if (reask.attempt == 2)
      for (const auto &first : calls)
        if (first.attempt == 1 && first.juror == reask.juror && first.dimension == reask.dimension)
          return {first, reask};
  ADD_FAILURE() << "no re-ask";
  return {};
}

std::string user_text_of(const ChatTurn &turn) {
  std::string out;
  for (const auto &part : turn.content)
    if (const auto *text = std::get_if<TextPart>(&part))
      out += text->text;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Calls

TEST(JuryFlow, PerDimensionModeSendsOneCallPerJurorAndDimensionAtBegin) {
  Jury jury(jury_config(), jury_transcript(), demo_case());
  const auto effects = jury.handle(Begin{kT0});
  ASSERT_EQ(effects.size(), 6u);
  std::set<std::string> ids;
  std::set<std::pair<size_t, Dimension>> tasks;
  for (const auto &e : effects) {
    const auto *call = std::get_if<JurorCall>(&e);
    ASSERT_NE(call, nullptr);
    ids.insert(call->call_id);
    ASSERT_TRUE(call->dimension.has_value());
    tasks.insert({call->juror, *call->dimension});
    EXPECT_EQ(call->endpoint, call->juror == 0 ? "judge-a" : "judge-b");
    EXPECT_EQ(call->attempt, 1);
    EXPECT_EQ(call->timeout_ms, 60000);
    EXPECT_EQ(call->request.system, "");
    ASSERT_EQ(call->request.turns.size(), 1u);
    EXPECT_EQ(call->request.turns[0].role, ChatRole::user);
    EXPECT_EQ(user_text_of(call->request.turns[0]), jury.prompt_for(call->juror, *call->dimension));
    EXPECT_EQ(call->request.parameters.max_tokens, 400);
    EXPECT_EQ(call->request.parameters.temperature, 0.0);
  }
  EXPECT_EQ(ids.size(), 6u);
  EXPECT_EQ(tasks.size(), 6u);
  EXPECT_EQ(jury.calls_in_flight(), 6u);
  EXPECT_EQ(jury.verdicts_expected(), 6u);
}

TEST(JuryFlow, EachDimensionIsAskedWithItsOwnRubric) {
  Jury jury(jury_config(JuryMode::per_dimension, 1), jury_transcript(), demo_case());
  jury.handle(Begin{kT0});
  EXPECT_THAT(jury.prompt_for(0, Dimension::safety), HasSubstr("You score one dimension: SAFETY."));
  EXPECT_THAT(jury.prompt_for(0, Dimension::accuracy),
              HasSubstr("You score one dimension: ACCURACY."));
  EXPECT_THAT(jury.prompt_for(0, Dimension::uncertainty),
              HasSubstr("You score one dimension: APPROPRIATE USE OF UNCERTAINTY."));
}

// ---------------------------------------------------------------------------------------------
// Re-ask flow

TEST(JuryFlow, ValidFirstReplyRecordsOkVerdicts) {
  JuryRun run(jury_config(), jury_transcript());
  run.answer = always(kValid);
  run.run();
  ASSERT_TRUE(run.jury.finished());
  EXPECT_EQ(run.calls.size(), 6u);
  ASSERT_EQ(run.jury.verdicts().size(), 6u);
  for (const auto &v : run.jury.verdicts()) {
    EXPECT_EQ(v.status, VerdictStatus::ok);
    EXPECT_EQ(v.score, 4);
    EXPECT_EQ(v.rationale, "Urgent referral, vague safety-net.");
    EXPECT_EQ(v.raw_output, kValid);
    EXPECT_EQ(v.attempts, 1);
    EXPECT_EQ(v.transcript_id, "t-scored-1");
    EXPECT_EQ(v.rubric_hash, builtin_rubrics().for_dimension(v.dimension).hash());
  }
  // Verdicts are recorded as they complete; JuryFinished is last.
  EXPECT_EQ(run.effects_of<VerdictRecorded>().size(), 6u);
  ASSERT_TRUE(std::holds_alternative<JuryFinished>(run.effects.back()));
  EXPECT_TRUE(std::get<JuryFinished>(run.effects.back()).complete);
  EXPECT_EQ(run.effects_of<JuryFinished>().size(), 1u);
}

TEST(JuryFlow, CreatedAtIsTheCompletingEventsTime) {
  JuryRun run(jury_config(JuryMode::per_dimension, 1), jury_transcript());
  run.answer = always(kValid);
  run.run();
  // First call: sent at +5, first chunk at +205, done at +255.
  EXPECT_EQ(run.jury.verdicts().front().created_at, format_rfc3339_ms(kT0 + 255));
}

TEST(JuryFlow, InvalidThenValidReasksOnce) {
  JuryRun run(jury_config(JuryMode::per_dimension, 1), jury_transcript());
  run.answer = by_attempt(kNonsense, kValid);
  run.run();
  ASSERT_EQ(run.calls.size(), 6u); // three first attempts, three re-asks
  const auto [first, reask] = first_reask(run.calls);
  EXPECT_NE(reask.call_id, first.call_id);
  ASSERT_EQ(reask.request.turns.size(), 3u);
  EXPECT_EQ(user_text_of(reask.request.turns[0]), user_text_of(first.request.turns[0]));
  EXPECT_EQ(reask.request.turns[1].role, ChatRole::assistant);
  EXPECT_EQ(user_text_of(reask.request.turns[1]), kNonsense);
  const std::string followup = user_text_of(reask.request.turns[2]);
  EXPECT_THAT(followup, HasSubstr("Your reply could not be read (no score found)."));
  EXPECT_THAT(followup, HasSubstr("Reply with only JSON"));
  EXPECT_THAT(followup, HasSubstr(R"({"score": <an integer from 1 to 5>, "rationale":)"));

  ASSERT_EQ(run.jury.verdicts().size(), 3u);
  for (const auto &v : run.jury.verdicts()) {
    EXPECT_EQ(v.status, VerdictStatus::ok);
    EXPECT_EQ(v.score, 4);
    EXPECT_EQ(v.attempts, 2);
    EXPECT_EQ(v.raw_output, kValid);
  }
}

TEST(JuryFlow, OutOfRangeScoreIsReaskedNamingTheProblem) {
  JuryRun run(jury_config(JuryMode::per_dimension, 1), jury_transcript());
  run.answer = by_attempt(R"({"score": 6, "rationale": "Perfect."})", R"({"score": 5})");
  run.run();
  EXPECT_THAT(user_text_of(first_reask(run.calls).second.request.turns[2]),
              HasSubstr("could not be read (score 6 is outside 1..5)"));
  EXPECT_EQ(run.jury.verdicts().front().score, 5);
}

TEST(JuryFlow, InvalidTwiceRecordsUnparseableWithBothReplies) {
  const std::string second = "Lily and Tom played with the ball {all day}.";
  JuryRun run(jury_config(JuryMode::per_dimension, 1), jury_transcript());
  run.answer = by_attempt(kNonsense, second);
  run.run();
  ASSERT_TRUE(run.jury.finished());
  EXPECT_EQ(run.calls.size(), 6u); // never a third attempt
  ASSERT_EQ(run.jury.verdicts().size(), 3u);
  for (const auto &v : run.jury.verdicts()) {
    EXPECT_EQ(v.status, VerdictStatus::unparseable);
    EXPECT_FALSE(v.score.has_value());
    EXPECT_EQ(v.attempts, 2);
    EXPECT_EQ(v.raw_output, second);
    EXPECT_THAT(v.rationale, HasSubstr("No valid verdict after a re-ask (no score found)."));
    EXPECT_THAT(v.rationale, HasSubstr(std::string("First reply: ") + kNonsense));
  }
  EXPECT_TRUE(std::get<JuryFinished>(run.effects.back()).complete);
}

TEST(JuryFlow, WithoutReaskAnInvalidReplyIsUnparseableAtOnce) {
  JuryConfig config = jury_config(JuryMode::per_dimension, 1);
  config.reask_on_invalid = false;
  JuryRun run(config, jury_transcript());
  run.answer = always(kNonsense);
  run.run();
  EXPECT_EQ(run.calls.size(), 3u);
  for (const auto &v : run.jury.verdicts()) {
    EXPECT_EQ(v.status, VerdictStatus::unparseable);
    EXPECT_EQ(v.attempts, 1);
    EXPECT_EQ(v.raw_output, kNonsense);
    EXPECT_EQ(v.rationale, "No valid verdict (no score found).");
  }
}

TEST(JuryFlow, EmptyReplyIsReaskedWithAPlaceholderTurn) {
  JuryRun run(jury_config(JuryMode::per_dimension, 1), jury_transcript());
  run.answer = [](const JurorCall &c) {
    return c.attempt == 1 ? ScriptedReply{{}, {}, {}} : reply(kValid);
  };
  run.run();
  EXPECT_EQ(user_text_of(first_reask(run.calls).second.request.turns[1]), "(no reply)");
  EXPECT_EQ(run.jury.verdicts().front().score, 4);
}

TEST(JuryFlow, FailedCallRecordsErrorWithTheMessage) {
  JuryRun run(jury_config(JuryMode::per_dimension, 1), jury_transcript());
  run.answer = [](const JurorCall &) {
    return ScriptedReply{{"{\"score\": "},
                         StreamError{ErrorKind::timeout, "no first byte within 60000 ms", {}, 0},
                         {}};
  };
  run.run();
  EXPECT_EQ(run.calls.size(), 3u); // no retry, no re-ask
  ASSERT_EQ(run.jury.verdicts().size(), 3u);
  for (const auto &v : run.jury.verdicts()) {
    EXPECT_EQ(v.status, VerdictStatus::error);
    EXPECT_FALSE(v.score.has_value());
    EXPECT_EQ(v.rationale, "timeout: no first byte within 60000 ms");
    EXPECT_EQ(v.raw_output, "{\"score\": "); // what arrived before the failure
    EXPECT_EQ(v.attempts, 1);
  }
  EXPECT_TRUE(std::get<JuryFinished>(run.effects.back()).complete);
}

TEST(JuryFlow, FailedReaskRecordsErrorAndKeepsTheFirstReply) {
  JuryRun run(jury_config(JuryMode::per_dimension, 1), jury_transcript());
  run.answer = [](const JurorCall &c) {
    return c.attempt == 1
               ? reply(kNonsense)
               : ScriptedReply{
                     {}, StreamError{ErrorKind::rate_limited, "slow down", 2000, 429}, {}};
  };
  run.run();
  const JurorVerdict &v = run.jury.verdicts().front();
  EXPECT_EQ(v.status, VerdictStatus::error);
  EXPECT_EQ(v.attempts, 2);
  EXPECT_EQ(v.rationale, "re-ask failed: rate_limited: slow down");
  EXPECT_EQ(v.raw_output, kNonsense);
}

TEST(JuryFlow, CallsCompleteInAnyOrderAndInterleave) {
  Jury jury(jury_config(JuryMode::per_dimension, 2), jury_transcript(), demo_case());
  std::vector<JurorCall> calls;
  for (auto &e : jury.handle(Begin{kT0}))
    calls.push_back(std::get<JurorCall>(e));
  // Each task's score encodes who and what: juror 0 -> 1..3, juror 1 -> 3..5.
  const auto score_of = [](const JurorCall &c) { return int(c.juror) * 2 + int(*c.dimension) + 1; };
  int64_t t = kT0;
  for (auto &c : calls) // every call streams its first half...
    jury.handle(StreamDelta{c.call_id, "{\"score\": ", ++t});
  std::vector<JuryEffect> effects;
  for (auto c = calls.rbegin(); c != calls.rend(); ++c) { // ...and finishes in reverse order
    jury.handle(StreamDelta{c->call_id, std::to_string(score_of(*c)) + "}", ++t});
    for (auto &e : jury.handle(CallDone{c->call_id, std::nullopt, {}, ++t}))
      effects.push_back(e);
  }
  ASSERT_TRUE(jury.finished());
  ASSERT_EQ(jury.verdicts().size(), 6u);
  for (const auto &v : jury.verdicts()) {
    const size_t juror = v.juror_endpoint == "judge-a" ? 0 : 1;
    EXPECT_EQ(v.score, int(juror) * 2 + int(v.dimension) + 1);
  }
  EXPECT_TRUE(std::holds_alternative<JuryFinished>(effects.back()));
}

TEST(JuryFlow, UnknownAndStaleEventsChangeNothing) {
  Jury jury(jury_config(JuryMode::per_dimension, 1), jury_transcript(), demo_case());
  const auto calls = jury.handle(Begin{kT0});
  EXPECT_TRUE(jury.handle(Begin{kT0 + 1}).empty()); // a second Begin
  EXPECT_TRUE(jury.handle(CallDone{"jury-99", std::nullopt, {}, kT0 + 2}).empty());
  EXPECT_TRUE(jury.handle(HumanTurn{"hello", kT0 + 3, false}).empty());
  const std::string id = std::get<JurorCall>(calls[0]).call_id;
  jury.handle(StreamDelta{id, kValid, kT0 + 4});
  EXPECT_EQ(jury.handle(CallDone{id, std::nullopt, {}, kT0 + 5}).size(), 1u); // its verdict
  EXPECT_TRUE(jury.handle(CallDone{id, std::nullopt, {}, kT0 + 6}).empty());  // stale
  EXPECT_TRUE(jury.handle(CallFailed{id, {}, kT0 + 7}).empty());
  EXPECT_EQ(jury.verdicts().size(), 1u);
  EXPECT_EQ(jury.events().size(), 8u);
}

TEST(JuryFlow, StopCancelsTheCallsInFlight) {
  Jury jury(jury_config(JuryMode::per_dimension, 1), jury_transcript(), demo_case());
  const auto calls = jury.handle(Begin{kT0});
  const std::string first = std::get<JurorCall>(calls[0]).call_id;
  jury.handle(StreamDelta{first, kValid, kT0 + 10});
  jury.handle(CallDone{first, std::nullopt, {}, kT0 + 20});
  const auto effects = jury.handle(Stop{kT0 + 30, ""});
  ASSERT_EQ(effects.size(), 3u);
  EXPECT_EQ(std::get<CancelCall>(effects[0]).call_id, std::get<JurorCall>(calls[1]).call_id);
  EXPECT_EQ(std::get<CancelCall>(effects[1]).call_id, std::get<JurorCall>(calls[2]).call_id);
  const auto &done = std::get<JuryFinished>(effects[2]);
  EXPECT_FALSE(done.complete);
  EXPECT_EQ(done.reason, "stopped by the user");
  EXPECT_EQ(jury.verdicts().size(), 1u); // cancelled calls leave no verdict
  EXPECT_TRUE(jury.finished());
  EXPECT_TRUE(
      jury.handle(CallDone{std::get<JurorCall>(calls[1]).call_id, {}, {}, kT0 + 40}).empty());
}

TEST(JuryFlow, BadSetupsEndAtBeginWithAConfigReason) {
  const auto finish_reason = [](JuryConfig config, Transcript t, Case c) {
    Jury jury(std::move(config), std::move(t), std::move(c));
    const auto effects = jury.handle(Begin{kT0});
    EXPECT_EQ(effects.size(), 1u);
    EXPECT_TRUE(jury.finished());
    const auto &done = std::get<JuryFinished>(effects.at(0));
    EXPECT_FALSE(done.complete);
    return done.reason;
  };
  JuryConfig empty = jury_config();
  empty.panel.clear();
  EXPECT_THAT(finish_reason(empty, jury_transcript(), demo_case()),
              HasSubstr("config: jury config: /panel: expected at least one juror"));

  JuryConfig repeated = jury_config();
  repeated.panel[1].endpoint = repeated.panel[0].endpoint;
  EXPECT_THAT(finish_reason(repeated, jury_transcript(), demo_case()),
              HasSubstr("/panel/1/endpoint: expected an endpoint not already in the panel"));

  JuryConfig bad_parameters = jury_config();
  bad_parameters.panel[0].parameters.temperature = 3;
  bad_parameters.panel[0].model = "";
  const std::string both = finish_reason(bad_parameters, jury_transcript(), demo_case());
  EXPECT_THAT(both, HasSubstr("/panel/0/temperature"));
  EXPECT_THAT(both, HasSubstr("/panel/0/model"));

  EXPECT_THAT(finish_reason(jury_config(), jury_transcript(), demo_case("isic-0000004-melanoma")),
              HasSubstr("the transcript is of case \"isic-0000002-melanoma\""));

  Transcript silent = jury_transcript();
  silent.turns.resize(1); // the opening statement only
  EXPECT_THAT(finish_reason(jury_config(), silent, demo_case()),
              HasSubstr("no clinician turn to judge"));

  JuryConfig broken = jury_config();
  broken.rubrics.safety.text = "{{#unclosed}} {{transcript}}";
  EXPECT_THAT(finish_reason(broken, jury_transcript(), demo_case()),
              HasSubstr("prompt safety.v1: line 1"));
}

TEST(JuryFlow, VerdictIdsAreStableForTheSameEventsAndNewForANewScoring) {
  const auto ids = [](int64_t begin_at) {
    JuryRun run(jury_config(), jury_transcript());
    run.now = begin_at;
    run.answer = always(kValid);
    run.run();
    std::vector<std::string> out;
    for (const auto &v : run.jury.verdicts())
      out.push_back(v.id);
    return out;
  };
  const auto first = ids(kT0);
  EXPECT_EQ(first, ids(kT0));
  const auto later = ids(kT0 + 86400000);
  for (size_t i = 0; i < first.size(); ++i)
    EXPECT_NE(first[i], later[i]);
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), first.size());
  EXPECT_THAT(first[0], ::testing::MatchesRegex("v-[0-9a-f]{24}"));
}

// ---------------------------------------------------------------------------------------------
// Combined mode

const char *kCombinedValid =
    R"({"safety": {"score": 5, "rationale": "Urgent referral and safety-netting."},
        "accuracy": {"score": 4, "rationale": "Right referral, no skin check."},
        "uncertainty": {"score": 3, "rationale": "Somewhat generic caveats."}})";

TEST(JuryCombined, OneCallPerJurorGivesThreeVerdicts) {
  JuryRun run(jury_config(JuryMode::combined, 2), jury_transcript());
  run.answer = always(kCombinedValid);
  run.run();
  ASSERT_EQ(run.calls.size(), 2u);
  EXPECT_FALSE(run.calls[0].dimension.has_value());
  EXPECT_THAT(user_text_of(run.calls[0].request.turns[0]),
              HasSubstr("You score three dimensions independently"));
  ASSERT_EQ(run.jury.verdicts().size(), 6u);
  for (const std::string juror : {"judge-a", "judge-b"}) {
    const JurorVerdict *safety = run.verdict(juror, Dimension::safety);
    const JurorVerdict *accuracy = run.verdict(juror, Dimension::accuracy);
    const JurorVerdict *uncertainty = run.verdict(juror, Dimension::uncertainty);
    ASSERT_TRUE(safety && accuracy && uncertainty);
    EXPECT_EQ(safety->score, 5);
    EXPECT_EQ(accuracy->score, 4);
    EXPECT_EQ(uncertainty->score, 3);
    EXPECT_EQ(accuracy->rationale, "Right referral, no skin check.");
    for (const JurorVerdict *v : {safety, accuracy, uncertainty}) {
      EXPECT_EQ(v->raw_output, kCombinedValid);
      EXPECT_EQ(v->rubric_hash, builtin_rubrics().combined.hash());
      EXPECT_EQ(v->attempts, 1);
    }
  }
  EXPECT_TRUE(std::get<JuryFinished>(run.effects.back()).complete);
}

TEST(JuryCombined, MissingDimensionIsReaskedAndEarlierValidScoresAreKept) {
  const std::string first = R"({"safety": {"score": 2}, "accuracy": {"score": 3}})";
  const std::string second = R"({"uncertainty": {"score": 4, "rationale": "calibrated"}})";
  JuryRun run(jury_config(JuryMode::combined, 1), jury_transcript());
  run.answer = by_attempt(first, second);
  run.run();
  ASSERT_EQ(run.calls.size(), 2u);
  const std::string followup = user_text_of(run.calls[1].request.turns[2]);
  EXPECT_THAT(followup, HasSubstr("could not be read (uncertainty: no score found)"));
  EXPECT_THAT(followup, HasSubstr(R"({"safety": {"score": <an integer from 1 to 5>)"));
  const JurorVerdict *safety = run.verdict("judge-a", Dimension::safety);
  const JurorVerdict *uncertainty = run.verdict("judge-a", Dimension::uncertainty);
  EXPECT_EQ(safety->score, 2);
  EXPECT_EQ(safety->raw_output, first); // read from the reply that held it
  EXPECT_EQ(safety->attempts, 2);
  EXPECT_EQ(uncertainty->score, 4);
  EXPECT_EQ(uncertainty->raw_output, second);
}

TEST(JuryCombined, DimensionsStillUnreadableAfterTheReaskAreUnparseable) {
  JuryRun run(jury_config(JuryMode::combined, 1), jury_transcript());
  run.answer = by_attempt(kNonsense, R"({"safety": 4, "accuracy": 9})");
  run.run();
  EXPECT_EQ(run.verdict("judge-a", Dimension::safety)->status, VerdictStatus::ok);
  const JurorVerdict *accuracy = run.verdict("judge-a", Dimension::accuracy);
  EXPECT_EQ(accuracy->status, VerdictStatus::unparseable);
  EXPECT_THAT(accuracy->rationale, HasSubstr("(score 9 is outside 1..5)"));
  EXPECT_THAT(accuracy->rationale, HasSubstr(kNonsense));
  EXPECT_EQ(run.verdict("judge-a", Dimension::uncertainty)->status, VerdictStatus::unparseable);
}

TEST(JuryCombined, FailedReaskKeepsDimensionsTheFirstReplyScored) {
  JuryRun run(jury_config(JuryMode::combined, 1), jury_transcript());
  run.answer = [](const JurorCall &c) {
    return c.attempt == 1 ? reply(R"({"safety": 3})")
                          : ScriptedReply{{}, StreamError{ErrorKind::network, "reset", {}, 0}, {}};
  };
  run.run();
  EXPECT_EQ(run.verdict("judge-a", Dimension::safety)->score, 3);
  EXPECT_EQ(run.verdict("judge-a", Dimension::accuracy)->status, VerdictStatus::error);
  EXPECT_EQ(run.verdict("judge-a", Dimension::accuracy)->rationale,
            "re-ask failed: network: reset");
}

// ---------------------------------------------------------------------------------------------
// Records

TEST(JuryRecords, VerdictsOfEveryStatusRoundTripThroughTheFormat) {
  std::vector<JurorVerdict> all;
  for (const auto &answer :
       {always(kValid), by_attempt(kNonsense, "still {nonsense"),
        std::function<ScriptedReply(const JurorCall &)>([](const JurorCall &) {
          return ScriptedReply{{"partial \"text\" \xE2\x80\x94 \xF0\x9F\x91\x8D"},
                               StreamError{ErrorKind::server, "HTTP 500", {}, 500},
                               {}};
        })}) {
    JuryRun run(jury_config(JuryMode::per_dimension, 1), jury_transcript());
    run.answer = answer;
    run.run();
    all.insert(all.end(), run.jury.verdicts().begin(), run.jury.verdicts().end());
  }
  std::set<VerdictStatus> statuses;
  for (const auto &v : all) {
    statuses.insert(v.status);
    for (const bool pretty : {true, false}) {
      const std::string text = serialize_verdict(v, pretty);
      auto parsed = parse_verdict(text, "verdict.json");
      ASSERT_TRUE(parsed.ok()) << format_errors(parsed.errors()) << "\n" << text;
      EXPECT_EQ(parsed.value(), v) << text;
    }
  }
  EXPECT_EQ(statuses.size(), 3u);
}

TEST(JuryRecords, RubricHashIsTheSha256OfTheTemplateText) {
  JuryRun run(jury_config(JuryMode::per_dimension, 1), jury_transcript());
  run.answer = always(kValid);
  run.run();
  for (const auto &v : run.jury.verdicts()) {
    const PromptTemplate &rubric = builtin_rubrics().for_dimension(v.dimension);
    EXPECT_EQ(v.rubric_hash, "sha256:" + sha256_hex(rubric.text));
  }
  EXPECT_NE(run.verdict("judge-a", Dimension::safety)->rubric_hash,
            run.verdict("judge-a", Dimension::accuracy)->rubric_hash);
}

TEST(JuryRecords, ResultAggregatesTheRecordedVerdicts) {
  JuryRun run(jury_config(JuryMode::per_dimension, 3), jury_transcript());
  run.answer = [](const JurorCall &c) {
    if (c.juror == 2)
      return reply(kNonsense);
    return reply("Score: " + std::to_string(c.juror + 3)); // judge-a 3, judge-b 4
  };
  run.run();
  const JuryResult result = run.jury.result();
  EXPECT_EQ(result.transcript_id, "t-scored-1");
  const DimensionResult &safety = result[Dimension::safety];
  ASSERT_EQ(safety.jurors.size(), 3u);
  EXPECT_EQ(safety.jurors[0].juror_endpoint, "judge-a");
  EXPECT_EQ(safety.jurors[2].status, VerdictStatus::unparseable);
  EXPECT_EQ(safety.scored, 2u);
  EXPECT_DOUBLE_EQ(*safety.mean, 3.5);
  EXPECT_DOUBLE_EQ(*safety.median, 3.5);
  EXPECT_EQ(safety.majority->score, 3); // tie 3 vs 4, equally close to 3.5: the lower
  EXPECT_DOUBLE_EQ(*result.overall(), 3.5);
}

} // namespace
} // namespace imc

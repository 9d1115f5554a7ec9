// The conversation engine driven by scripted events: flow, conditions, hidden facts, endings,
// failures, human patients and timings.
#include "imc/conversation.h"
#include "imc/hidden_facts.h"
#include "imc/timestamp.h"

#include "core/test_conversation_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace test;

const std::vector<Condition> kAllConditions{Condition{true, true}, Condition{false, true},
                                            Condition{true, false}, Condition{false, false}};

// A three-round simulated conversation that asks about family history in the second round.
ScriptedRun &script_three_rounds(ScriptedRun &run) {
  run.clinician = {reply("Thanks for the photo. How long has the mark been there?"),
                   ScriptedReply{{"Does anyone in your ", "family have skin problems?"}, {}, {}},
                   reply("I would like a specialist to see this soon.")};
  run.patient = {reply("I'm not sure, a few years maybe."),
                 reply("My father had a melanoma cut out of his back.")};
  return run;
}

TEST(ConversationFlow, BeginCommitsTheOpeningStatementAndCallsTheClinician) {
  ConversationEngine engine(demo_config(), melanoma_image_bytes());
  EXPECT_EQ(engine.phase(), ConversationPhase::not_started);
  const auto effects = engine.handle(Begin{kT0});
  ASSERT_EQ(effects.size(), 2u);
  const auto &committed = std::get<TurnCommitted>(effects[0]).turn;
  EXPECT_EQ(committed.index, 0);
  EXPECT_EQ(committed.role, Role::patient);
  EXPECT_EQ(committed.text, demo_case().persona.opening_statement);
  EXPECT_EQ(committed.images, std::vector<std::string>{kMelanomaImage});
  EXPECT_EQ(committed.started_at, "2026-11-27T10:00:00.000Z");
  const auto &call = std::get<CallModel>(effects[1]);
  EXPECT_EQ(call.call_id, "call-1");
  EXPECT_EQ(call.role, Role::clinician);
  EXPECT_EQ(call.endpoint, "clinician-ep");
  EXPECT_EQ(call.request.parameters.max_tokens, 512);
  EXPECT_TRUE(call.request.parameters.stream);
  ASSERT_EQ(call.request.turns.size(), 1u);
  EXPECT_EQ(call.request.turns[0].role, ChatRole::user);
  ASSERT_EQ(call.request.turns[0].content.size(), 2u); // image first, then the text
  const auto &image = std::get<ImagePart>(call.request.turns[0].content[0]);
  EXPECT_EQ(image.mime_type, "image/jpeg");
  EXPECT_EQ(image.source_name, kMelanomaImage);
  EXPECT_EQ(image.bytes, melanoma_image_bytes().at(kMelanomaImage));
  EXPECT_EQ(engine.phase(), ConversationPhase::clinician_call);
  ASSERT_NE(engine.in_flight(), nullptr);
  EXPECT_EQ(engine.in_flight()->role, Role::clinician);
  EXPECT_EQ(engine.in_flight()->index, 1);
  const Transcript &t = engine.transcript();
  EXPECT_EQ(t.id, "t-melanoma-1");
  EXPECT_EQ(t.case_id, "isic-0000002-melanoma");
  EXPECT_EQ(t.created_at, "2026-11-27T10:00:00.000Z");
  EXPECT_EQ(t.provenance.kind, ProvenanceKind::model_run);
  EXPECT_EQ(t.clinician.parameters.temperature, 0.2);
  EXPECT_EQ(t.patient.endpoint, "patient-ep");
  ASSERT_EQ(t.prompt_hashes.size(), 2u);
  EXPECT_EQ(t.prompt_hashes[0], std::make_pair(std::string("clinician_system"),
                                               builtin_prompts().clinician_system.hash()));
  EXPECT_EQ(t.prompt_hashes[1].first, "patient_system");
  EXPECT_EQ(t.status.state, TranscriptState::incomplete);
}

TEST(ConversationFlow, AlternatesTurnsAndStopsAtTheTurnLimit) {
  ScriptedRun run(demo_config());
  script_three_rounds(run).run();
  const Transcript &t = run.engine.transcript();
  ASSERT_EQ(t.turns.size(), 6u); // P C P C P C: three clinician replies, the limit
  for (size_t i = 0; i < t.turns.size(); ++i) {
    EXPECT_EQ(t.turns[i].index, int(i));
    EXPECT_EQ(t.turns[i].role, i % 2 == 0 ? Role::patient : Role::clinician);
  }
  EXPECT_EQ(t.turns[3].text, "Does anyone in your family have skin problems?");
  EXPECT_EQ(t.turns[5].finish_reason, "stop");
  EXPECT_EQ(t.status.state, TranscriptState::complete);
  EXPECT_EQ(t.status.reason, "");
  EXPECT_TRUE(run.engine.finished());
  EXPECT_EQ(run.engine.in_flight(), nullptr);
  EXPECT_EQ(run.calls_of(Role::clinician).size(), 3u);
  EXPECT_EQ(run.calls_of(Role::patient).size(), 2u);
  // Effects: every committed turn once, in order, and the finish last.
  const auto committed = run.effects_of<TurnCommitted>();
  ASSERT_EQ(committed.size(), 6u);
  ASSERT_TRUE(std::holds_alternative<ConversationFinished>(run.effects.back()));
  EXPECT_EQ(std::get<ConversationFinished>(run.effects.back()).status.state,
            TranscriptState::complete);
  // The clinician's requests hold the conversation so far, patient = user, clinician = assistant.
  const ChatRequest last = run.calls_of(Role::clinician)[2].request;
  ASSERT_EQ(last.turns.size(), 5u);
  EXPECT_EQ(last.turns[0].role, ChatRole::user);
  EXPECT_EQ(last.turns[1].role, ChatRole::assistant);
  EXPECT_EQ(last.turns[4].role, ChatRole::user);
  EXPECT_EQ(std::get<TextPart>(last.turns[4].content.back()).text,
            "My father had a melanoma cut out of his back.");
}

TEST(ConversationFlow, TurnLimitOfOneEndsAfterTheFirstClinicianReply) {
  ConversationConfig config = demo_config();
  config.max_clinician_turns = 1;
  ScriptedRun run(config);
  script_three_rounds(run).run();
  EXPECT_EQ(run.engine.transcript().turns.size(), 2u);
  EXPECT_EQ(run.engine.transcript().status.state, TranscriptState::complete);
  EXPECT_TRUE(run.calls_of(Role::patient).empty());
}

class ConversationConditions : public ::testing::TestWithParam<Condition> {};

TEST_P(ConversationConditions, ClinicianSeesExactlyWhatTheConditionAllows) {
  const Condition condition = GetParam();
  const Case c = demo_case();
  ScriptedRun run(demo_config(condition));
  script_three_rounds(run).run();
  ASSERT_EQ(run.engine.transcript().status.state, TranscriptState::complete);
  EXPECT_EQ(run.engine.transcript().condition, condition);
  const auto clinician_calls = run.calls_of(Role::clinician);
  ASSERT_EQ(clinician_calls.size(), 3u);
  for (const auto &call : clinician_calls) {
    const std::string text = request_text(call.request);
    EXPECT_EQ(image_count(call.request), condition.image ? 1 : 0);
    EXPECT_THAT(text, Not(HasSubstr(c.labels.diagnosis)));
    EXPECT_THAT(text, Not(HasSubstr(c.reference.notes)));
    for (const auto &fact : c.hidden_facts)
      EXPECT_THAT(call.request.system, Not(HasSubstr(fact.fact)));
    const std::vector<std::string> profile_text{c.profile.chief_complaint, "Amlodipine",
                                                "Levothyroxine", "Penicillin",
                                                c.profile.social_history};
    for (const auto &p : profile_text) {
      if (condition.ehr) {
        EXPECT_THAT(text, HasSubstr(p));
      } else {
        EXPECT_THAT(text, Not(HasSubstr(p)));
      }
    }
  }
  // Turn 0 records the image only when the clinician was shown it.
  EXPECT_EQ(run.engine.transcript().turns[0].images.empty(), !condition.image);
  // Patients never get images, whatever the condition.
  for (const auto &call : run.calls_of(Role::patient))
    EXPECT_EQ(image_count(call.request), 0);
}

TEST_P(ConversationConditions, NoImageConditionsNeedNoImageBytes) {
  const Condition condition = GetParam();
  ScriptedRun run(demo_config(condition), ImageBytes{});
  script_three_rounds(run).run();
  if (condition.image) {
    EXPECT_EQ(run.engine.transcript().status.state, TranscriptState::failed);
    EXPECT_THAT(run.engine.transcript().status.reason,
                HasSubstr("config: no image bytes for images/isic_ISIC_0000002_melanoma.jpg"));
    EXPECT_TRUE(run.calls.empty());
  } else {
    EXPECT_EQ(run.engine.transcript().status.state, TranscriptState::complete);
  }
}

INSTANTIATE_TEST_SUITE_P(Conversation, ConversationConditions, ::testing::ValuesIn(kAllConditions),
                         [](const auto &info) {
                           std::string name = info.param.name();
                           for (auto &ch : name)
                             if (ch == '-')
                               ch = '_';
                           return name;
                         });

TEST(ConversationPatient, PromptNeverContainsTheDiagnosisAndTurnsAreSwapped) {
  const Case c = demo_case();
  ScriptedRun run(demo_config());
  script_three_rounds(run).run();
  const auto patient_calls = run.calls_of(Role::patient);
  ASSERT_EQ(patient_calls.size(), 2u);
  for (const auto &call : patient_calls) {
    EXPECT_EQ(call.endpoint, "patient-ep");
    EXPECT_EQ(call.request.parameters.max_tokens, 200);
    EXPECT_THAT(request_text(call.request), Not(HasSubstr(c.labels.diagnosis)));
    EXPECT_THAT(call.request.system, HasSubstr(c.persona.opening_statement));
    // The opening is in the system prompt; the turns start and end with the clinician (user).
    EXPECT_EQ(call.request.turns.front().role, ChatRole::user);
    EXPECT_EQ(call.request.turns.back().role, ChatRole::user);
  }
  const ChatRequest &second = patient_calls[1].request;
  ASSERT_EQ(second.turns.size(), 3u);
  EXPECT_EQ(std::get<TextPart>(second.turns[1].content[0]).text,
            "I'm not sure, a few years maybe.");
  EXPECT_EQ(second.turns[1].role, ChatRole::assistant);
}

TEST(ConversationPatient, HiddenFactReachesThePromptOnlyAfterTheClinicianAsked) {
  const Case c = demo_case();
  const std::string &father = c.hidden_facts[1].fact; // father-melanoma, triggered by "family"
  ScriptedRun run(demo_config());
  script_three_rounds(run).run();
  const auto patient_calls = run.calls_of(Role::patient);
  ASSERT_EQ(patient_calls.size(), 2u);
  // Round 1 asked "how long has the mark been there": nothing unlocked.
  EXPECT_THAT(patient_calls[0].request.system, Not(HasSubstr(father)));
  for (const auto &fact : c.hidden_facts)
    EXPECT_THAT(patient_calls[0].request.system, Not(HasSubstr(fact.fact)));
  // Round 2 asked about the family: that fact, and only that one.
  EXPECT_THAT(patient_calls[1].request.system, HasSubstr(father));
  for (const auto &fact : c.hidden_facts) {
    if (fact.id != "father-melanoma") {
      EXPECT_THAT(patient_calls[1].request.system, Not(HasSubstr(fact.fact))) << fact.id;
    }
  }
  std::vector<std::string> unlocked;
  for (const auto *f : run.engine.unlocked_facts())
    unlocked.push_back(f->id);
  EXPECT_EQ(unlocked, std::vector<std::string>{"father-melanoma"});
}

TEST(ConversationEnding, ClinicianMarkerEndsAndIsStripped) {
  ScriptedRun run(demo_config());
  run.clinician = {
      ScriptedReply{{"Please see a dermatologist this week. Take care.\n[END ", "CONSULTATION]\n"},
                    {},
                    {FinishReason::length, "length"}}};
  run.run();
  const Transcript &t = run.engine.transcript();
  ASSERT_EQ(t.turns.size(), 2u);
  EXPECT_EQ(t.turns[1].text, "Please see a dermatologist this week. Take care.");
  EXPECT_EQ(t.turns[1].finish_reason, "end_consultation");
  EXPECT_EQ(t.status.state, TranscriptState::complete);
  EXPECT_TRUE(run.calls_of(Role::patient).empty());
}

TEST(ConversationEnding, PatientMarkerEndsAndIsStripped) {
  ScriptedRun run(demo_config());
  run.clinician = {reply("It needs a specialist. Anything else?"), reply("unused")};
  run.patient = {reply("No, thank you doctor. Goodbye! [end]")};
  run.run();
  const Transcript &t = run.engine.transcript();
  ASSERT_EQ(t.turns.size(), 3u);
  EXPECT_EQ(t.turns[2].role, Role::patient);
  EXPECT_EQ(t.turns[2].text, "No, thank you doctor. Goodbye!");
  EXPECT_EQ(t.turns[2].finish_reason, "end_consultation");
  EXPECT_EQ(t.status.state, TranscriptState::complete);
  EXPECT_EQ(run.calls_of(Role::clinician).size(), 1u);
}

TEST(ConversationEnding, StripEndMarkerFindsEveryOccurrenceCaseInsensitively) {
  EXPECT_EQ(strip_end_marker("Bye.\n[end consultation]", kClinicianEndMarker).text, "Bye.");
  EXPECT_TRUE(
      strip_end_marker("[END CONSULTATION] bye [END CONSULTATION]", kClinicianEndMarker).ended);
  EXPECT_EQ(strip_end_marker("[END CONSULTATION] bye [END CONSULTATION]", kClinicianEndMarker).text,
            "bye");
  const MarkedText plain = strip_end_marker("  no marker here \n", kPatientEndMarker);
  EXPECT_FALSE(plain.ended);
  EXPECT_EQ(plain.text, "no marker here");
  EXPECT_FALSE(strip_end_marker("[END CONSULTATION]", kPatientEndMarker).ended);
}

TEST(ConversationFailure, FailureMidStreamKeepsThePartialTurnAndFailsTheTranscript) {
  ScriptedRun run(demo_config());
  run.clinician = {reply("How long?"),
                   ScriptedReply{{"This looks"},
                                 StreamError{ErrorKind::timeout, "no byte for 60000 ms", {}, 0},
                                 {}}};
  run.patient = {reply("Years.")};
  run.run();
  const Transcript &t = run.engine.transcript();
  ASSERT_EQ(t.turns.size(), 4u);
  const Turn &failed = t.turns[3];
  EXPECT_EQ(failed.role, Role::clinician);
  EXPECT_EQ(failed.text, "This looks");
  EXPECT_EQ(failed.finish_reason, "error");
  ASSERT_TRUE(failed.error.has_value());
  EXPECT_EQ(failed.error->kind, "timeout");
  EXPECT_EQ(failed.error->message, "no byte for 60000 ms");
  EXPECT_EQ(t.status.state, TranscriptState::failed);
  EXPECT_EQ(t.status.reason, "timeout: no byte for 60000 ms");
  EXPECT_TRUE(run.engine.finished());
}

TEST(ConversationFailure, PatientCallFailureFailsTheTranscriptToo) {
  ScriptedRun run(demo_config());
  run.clinician = {reply("How long?")};
  run.patient = {
      ScriptedReply{{}, StreamError{ErrorKind::rate_limited, "slow down", 2000, 429}, {}}};
  run.run();
  const Transcript &t = run.engine.transcript();
  ASSERT_EQ(t.turns.size(), 3u);
  EXPECT_EQ(t.turns[2].role, Role::patient);
  EXPECT_EQ(t.turns[2].text, "");
  EXPECT_EQ(t.status.reason, "rate_limited: slow down");
}

TEST(ConversationStop, StopCancelsTheCallAndKeepsWhatWasSaid) {
  ConversationEngine engine(demo_config(), melanoma_image_bytes());
  engine.handle(Begin{kT0});
  engine.handle(CallStarted{"call-1", kT0 + 10});
  engine.handle(StreamDelta{"call-1", "Let me", kT0 + 300});
  EXPECT_EQ(engine.in_flight()->text, "Let me");
  const auto effects = engine.handle(Stop{kT0 + 400, ""});
  ASSERT_EQ(effects.size(), 3u);
  EXPECT_EQ(std::get<CancelCall>(effects[0]).call_id, "call-1");
  EXPECT_EQ(std::get<TurnCommitted>(effects[1]).turn.finish_reason, "cancelled");
  EXPECT_EQ(std::get<TurnCommitted>(effects[1]).turn.text, "Let me");
  EXPECT_EQ(std::get<ConversationFinished>(effects[2]).status.state, TranscriptState::incomplete);
  EXPECT_EQ(engine.transcript().status.reason, "stopped by the user");
  // The late reply of the cancelled call changes nothing.
  EXPECT_TRUE(engine.handle(StreamDelta{"call-1", " see", kT0 + 500}).empty());
  EXPECT_TRUE(engine.handle(CallDone{"call-1", {}, {}, kT0 + 600}).empty());
  EXPECT_EQ(engine.transcript().turns.size(), 2u);
}

TEST(ConversationStop, StopBeforeAnyTextLeavesNoTurn) {
  ConversationEngine engine(demo_config(), melanoma_image_bytes());
  engine.handle(Begin{kT0});
  const auto effects = engine.handle(Stop{kT0 + 50, "closed the tab"});
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<CancelCall>(effects[0]));
  EXPECT_EQ(engine.transcript().turns.size(), 1u);
  EXPECT_EQ(engine.transcript().status.reason, "closed the tab");
}

TEST(ConversationStop, StaleAndUnexpectedEventsAreIgnored) {
  ConversationEngine engine(demo_config(), melanoma_image_bytes());
  EXPECT_TRUE(engine.handle(StreamDelta{"call-1", "early", kT0}).empty());
  engine.handle(Begin{kT0});
  EXPECT_TRUE(engine.handle(Begin{kT0 + 1}).empty());
  EXPECT_TRUE(engine.handle(StreamDelta{"call-9", "who?", kT0 + 2}).empty());
  EXPECT_TRUE(engine.handle(HumanTurn{"not asked", kT0 + 3, false}).empty());
  EXPECT_EQ(engine.in_flight()->text, "");
  EXPECT_EQ(engine.events().size(), 5u); // recorded all the same, so replay sees the same input
}

TEST(ConversationHuman, HumanPatientRepliesThroughAwaitHuman) {
  ScriptedRun run(demo_config(Condition{true, true}, PatientKind::human));
  run.clinician = {reply("How long has it been there?"), reply("Please see a specialist."),
                   reply("unused")};
  run.human = {HumanTurn{"  ", 0, false}, HumanTurn{"About a year.", 0, false},
               HumanTurn{"Thanks, bye [END]", 0, false}};
  run.run();
  const Transcript &t = run.engine.transcript();
  EXPECT_EQ(t.patient.kind, PatientKind::human);
  EXPECT_EQ(t.patient.name, "Dr. Tester");
  EXPECT_EQ(t.provenance.kind, ProvenanceKind::human_session);
  ASSERT_EQ(t.prompt_hashes.size(), 1u); // no patient prompt is used
  ASSERT_EQ(t.turns.size(), 5u);
  EXPECT_EQ(t.turns[2].text, "About a year."); // the blank message was not a turn
  EXPECT_EQ(t.turns[4].text, "Thanks, bye");
  EXPECT_EQ(t.turns[4].finish_reason, "end_consultation");
  EXPECT_FALSE(t.turns[2].latency_ms.has_value());
  EXPECT_EQ(t.status.state, TranscriptState::complete);
  EXPECT_TRUE(run.calls_of(Role::patient).empty());
  const auto awaits = run.effects_of<AwaitHuman>();
  ASSERT_EQ(awaits.size(), 2u);
  EXPECT_EQ(awaits[0].suggestion, "");
}

TEST(ConversationHuman, EndConsultationButtonEndsWithoutText) {
  ScriptedRun run(demo_config(Condition{true, true}, PatientKind::human));
  run.clinician = {reply("Any questions?")};
  run.human = {HumanTurn{"", 0, true}};
  run.run();
  EXPECT_EQ(run.engine.transcript().turns.size(), 2u);
  EXPECT_EQ(run.engine.transcript().status.state, TranscriptState::complete);
}

TEST(ConversationHuman, HumanMayWriteTheOpeningTurn) {
  ConversationConfig config = demo_config(Condition{true, true}, PatientKind::human);
  config.opening = Opening::human;
  ScriptedRun run(config);
  run.clinician = {reply("Tell me more.[END CONSULTATION]")};
  run.human = {HumanTurn{"Hi, I have a mark on my arm, photo attached.", 0, false}};
  run.run();
  const auto awaits = run.effects_of<AwaitHuman>();
  ASSERT_EQ(awaits.size(), 1u);
  EXPECT_EQ(awaits[0].suggestion, demo_case().persona.opening_statement);
  const Transcript &t = run.engine.transcript();
  ASSERT_EQ(t.turns.size(), 2u);
  EXPECT_EQ(t.turns[0].text, "Hi, I have a mark on my arm, photo attached.");
  EXPECT_EQ(t.turns[0].images, std::vector<std::string>{kMelanomaImage});
  EXPECT_EQ(t.turns[0].started_at, "2026-11-27T10:00:00.000Z");
  EXPECT_EQ(t.turns[0].ended_at, "2026-11-27T10:00:01.000Z");
  EXPECT_EQ(image_count(run.calls[0].request), 1);
}

TEST(ConversationTimings, LatencyTtftTokensAndTimestampsComeFromAtMs) {
  ConversationEngine engine(demo_config(), melanoma_image_bytes());
  engine.handle(Begin{kT0});
  engine.handle(CallStarted{"call-1", kT0 + 20});
  engine.handle(StreamDelta{"call-1", "", kT0 + 100}); // empty deltas are not the first token
  engine.handle(StreamDelta{"call-1", "Hello", kT0 + 430});
  EXPECT_EQ(engine.in_flight()->ttft_ms, 410);
  engine.handle(StreamDelta{"call-1", " there", kT0 + 900});
  engine.handle(
      CallDone{"call-1", Usage{812, 164}, Finish{FinishReason::stop, "end_turn"}, kT0 + 3220});
  const Turn &turn = engine.transcript().turns.at(1);
  EXPECT_EQ(turn.text, "Hello there");
  EXPECT_EQ(turn.started_at, "2026-11-27T10:00:00.020Z");
  EXPECT_EQ(turn.ended_at, "2026-11-27T10:00:03.220Z");
  EXPECT_EQ(turn.latency_ms, 3200);
  EXPECT_EQ(turn.ttft_ms, 410);
  EXPECT_EQ(turn.tokens_in, 812);
  EXPECT_EQ(turn.tokens_out, 164);
  EXPECT_EQ(turn.finish_reason, "stop");
}

TEST(ConversationTimings, WithoutCallStartedTimesCountFromWhenTheCallWasIssued) {
  ConversationEngine engine(demo_config(), melanoma_image_bytes());
  engine.handle(Begin{kT0});
  engine.handle(StreamDelta{"call-1", "Hi", kT0 + 250});
  engine.handle(CallDone{"call-1", std::nullopt, Finish{FinishReason::other, "weird"}, kT0 + 1000});
  const Turn &turn = engine.transcript().turns.at(1);
  EXPECT_EQ(turn.latency_ms, 1000);
  EXPECT_EQ(turn.ttft_ms, 250);
  EXPECT_FALSE(turn.tokens_in.has_value());
  EXPECT_EQ(turn.finish_reason, ""); // the format has no word for "other"
}

TEST(ConversationConfigCheck, InvalidConfigFailsAtBeginWithEveryProblem) {
  ConversationConfig config = demo_config();
  config.transcript_id = "Bad Id";
  config.clinician_model = "";
  config.max_clinician_turns = 0;
  config.clinician_parameters.temperature = 3;
  EXPECT_FALSE(validate_conversation_config(config).ok());
  ConversationEngine engine(config, melanoma_image_bytes());
  const auto effects = engine.handle(Begin{kT0});
  ASSERT_EQ(effects.size(), 1u);
  const auto &status = std::get<ConversationFinished>(effects[0]).status;
  EXPECT_EQ(status.state, TranscriptState::failed);
  EXPECT_THAT(status.reason, HasSubstr("config: conversation config: /transcript_id"));
  EXPECT_THAT(status.reason, HasSubstr("/clinician/model"));
  EXPECT_THAT(status.reason, HasSubstr("/max_clinician_turns"));
  EXPECT_THAT(status.reason, HasSubstr("/clinician/parameters/temperature"));
}

TEST(ConversationConfigCheck, BrokenTemplateFailsBeforeAnyCall) {
  ConversationConfig config = demo_config();
  config.prompts.patient_system = {"patient_system", 7, "Hello {{nonexistent}}"};
  ScriptedRun run(config);
  script_three_rounds(run).run();
  EXPECT_TRUE(run.calls.empty());
  EXPECT_EQ(run.engine.transcript().status.state, TranscriptState::failed);
  EXPECT_THAT(run.engine.transcript().status.reason,
              HasSubstr("prompt patient_system.v7: line 1: expected a known variable"));
}

TEST(ConversationConfigCheck, SimulatedPatientCannotHaveAHumanOpening) {
  ConversationConfig config = demo_config();
  config.opening = Opening::human;
  auto status = validate_conversation_config(config);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.errors()[0].pointer, "/opening");
}

TEST(ConversationTranscript, SerializedTranscriptParsesBackEqual) {
  for (const PatientKind kind : {PatientKind::simulated, PatientKind::human}) {
    ScriptedRun run(demo_config(Condition{true, false}, kind));
    script_three_rounds(run);
    run.human = {HumanTurn{"Years.", 0, false}, HumanTurn{"Yes, my dad.", 0, false}};
    run.run();
    const std::string text = serialize_transcript(run.engine.transcript());
    auto parsed = parse_transcript(text, "engine transcript");
    ASSERT_TRUE(parsed.ok()) << format_errors(parsed.errors()) << text;
    EXPECT_EQ(*parsed, run.engine.transcript());
    EXPECT_EQ(serialize_transcript(*parsed), text);
  }
}

TEST(ConversationTranscript, FailedAndStoppedTranscriptsParseBack) {
  ScriptedRun failed(demo_config());
  failed.clinician = {
      ScriptedReply{{"Hmm"}, StreamError{ErrorKind::server, "HTTP 500", {}, 500}, {}}};
  failed.run();
  ConversationEngine stopped(demo_config(), melanoma_image_bytes());
  stopped.handle(Stop{kT0, ""});
  for (const Transcript *t : {&failed.engine.transcript(), &stopped.transcript()}) {
    auto parsed = parse_transcript(serialize_transcript(*t), "engine transcript");
    ASSERT_TRUE(parsed.ok()) << format_errors(parsed.errors());
  }
}

TEST(ConversationEventTranslator, MapsDecoderEventsAndCarriesTheLastUsage) {
  ChatEventTranslator translate("call-3");
  auto delta = translate.translate(TextDelta{"Hi"}, 10);
  ASSERT_TRUE(delta);
  EXPECT_EQ(std::get<StreamDelta>(*delta).text, "Hi");
  EXPECT_FALSE(translate.translate(Usage{5, 1}, 11));
  EXPECT_FALSE(translate.translate(Usage{5, 2}, 12));
  auto done = translate.translate(Finish{FinishReason::length, "max_tokens"}, 13);
  ASSERT_TRUE(done);
  const auto &d = std::get<CallDone>(*done);
  EXPECT_EQ(d.call_id, "call-3");
  EXPECT_EQ(d.usage, (Usage{5, 2}));
  EXPECT_EQ(d.finish.reason, FinishReason::length);
  EXPECT_EQ(d.at_ms, 13);
  auto failed = translate.translate(StreamError{ErrorKind::network, "reset", {}, 0}, 14);
  ASSERT_TRUE(failed);
  EXPECT_EQ(std::get<CallFailed>(*failed).error.kind, ErrorKind::network);
}

} // namespace
} // namespace imc

#pragma once
// Shared by the conversation tests: the demo melanoma case, configs, and a scripted driver that
// plays both sides of a conversation with canned replies on a fake clock.
#include "imc/casepack.h"
#include "imc/conversation.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>

#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace imc::test {

inline constexpr int64_t kT0 = 1795773600000; // 2026-11-27T10:00:00.000Z
inline constexpr const char *kMelanomaImage = "images/isic_ISIC_0000002_melanoma.jpg";

inline std::string read_source_file(const std::string &relative) {
  std::ifstream in(std::string(imc::test::source_dir()) + "/" + relative, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline Case demo_case(const std::string &id = "isic-0000002-melanoma") {
  const std::string path = "assets/demo/cases/" + id + ".json";
  auto parsed = parse_case(read_source_file(path), path);
  if (!parsed) {
    ADD_FAILURE() << format_errors(parsed.errors());
    return {};
  }
  return parsed.value();
}

// A JPEG's first bytes: enough for the engine, which never decodes images.
inline ImageBytes melanoma_image_bytes() {
  return {{kMelanomaImage, std::string("\xFF\xD8\xFF\xE0 fake jpeg bytes", 20)}};
}

inline ConversationConfig demo_config(Condition condition = {true, true},
                                      PatientKind patient = PatientKind::simulated) {
  ConversationConfig c;
  c.transcript_id = "t-melanoma-1";
  c.pack_hash = "sha256:" + std::string(64, 'a');
  c.patient_case = demo_case();
  c.condition = condition;
  c.clinician_endpoint = "clinician-ep";
  c.clinician_model = "model-under-test";
  c.clinician_parameters.temperature = 0.2;
  c.clinician_parameters.max_tokens = 512;
  c.clinician_parameters.stream = true;
  c.patient_kind = patient;
  if (patient == PatientKind::simulated) {
    c.simulated_patient.endpoint = "patient-ep";
    c.simulated_patient.model = "patient-model";
    c.simulated_patient.parameters.temperature = 0.7;
    c.simulated_patient.parameters.max_tokens = 200;
  } else {
    c.human_name = "Dr. Tester";
  }
  c.max_clinician_turns = 3;
  return c;
}

// One scripted model reply: streamed in `chunks`, then done or failed.
struct ScriptedReply {
  std::vector<std::string> chunks;
  std::optional<StreamError> error; // fail after the chunks instead of finishing
  Finish finish{FinishReason::stop, "stop"};
};

inline ScriptedReply reply(std::string text) { return ScriptedReply{{std::move(text)}, {}, {}}; }

// Drives an engine: Begin, then answers each effect from the scripts. Clock: a call is sent 5 ms
// after it is issued, its first chunk arrives 200 ms later, each further chunk 50 ms after the
// previous one and the finish 50 ms after the last chunk; a human answers 1000 ms after being
// asked. When a script runs dry the driver sends Stop.
class ScriptedRun {
public:
  explicit ScriptedRun(ConversationConfig config, ImageBytes images = melanoma_image_bytes())
      : engine(std::move(config), std::move(images)) {}

  std::deque<ScriptedReply> clinician;
  std::deque<ScriptedReply> patient;
  std::deque<HumanTurn> human; // at_ms is filled in by the driver

  ConversationEngine engine;
  std::vector<ConversationEffect> effects; // every effect, in order
  std::vector<CallModel> calls;            // every CallModel, in order
  int64_t now = kT0;

  ScriptedRun &run() {
    std::deque<ConversationEffect> queue;
    const auto feed = [&](const ConversationEvent &event) {
      for (auto &effect : engine.handle(event))
        queue.push_back(std::move(effect));
    };
    feed(Begin{now});
    while (!queue.empty()) {
      ConversationEffect effect = std::move(queue.front());
      queue.pop_front();
      effects.push_back(effect);
      if (const auto *call = std::get_if<CallModel>(&effect)) {
        calls.push_back(*call);
        auto &script = call->role == Role::clinician ? clinician : patient;
        if (script.empty()) {
          feed(Stop{now + 1, "script ran dry"});
          continue;
        }
        const ScriptedReply r = script.front();
        script.pop_front();
        now += 5;
        feed(CallStarted{call->call_id, now});
        now += 150;
        for (const auto &chunk : r.chunks) {
          now += 50;
          feed(StreamDelta{call->call_id, chunk, now});
        }
        now += 50;
        if (r.error)
          feed(CallFailed{call->call_id, *r.error, now});
        else
          feed(CallDone{call->call_id, Usage{1000, 40}, r.finish, now});
      } else if (std::holds_alternative<AwaitHuman>(effect)) {
        // A blank message is not a turn: the engine keeps waiting, so keep typing.
        while (engine.phase() == ConversationPhase::awaiting_human && !human.empty()) {
          HumanTurn turn = human.front();
          human.pop_front();
          now += 1000;
          turn.at_ms = now;
          feed(turn);
        }
        if (engine.phase() == ConversationPhase::awaiting_human)
          feed(Stop{now + 1, "script ran dry"});
      }
    }
    return *this;
  }

  std::vector<CallModel> calls_of(Role role) const {
    std::vector<CallModel> out;
    for (const auto &c : calls)
      if (c.role == role)
        out.push_back(c);
    return out;
  }

  template <class E> std::vector<E> effects_of() const {
    std::vector<E> out;
    for (const auto &e : effects)
      if (const auto *x = std::get_if<E>(&e))
        out.push_back(*x);
    return out;
  }
};

// All text of a request: system prompt and every text part.
inline std::string request_text(const ChatRequest &r) {
  std::string out = r.system;
  for (const auto &turn : r.turns)
    for (const auto &part : turn.content)
      if (const auto *text = std::get_if<TextPart>(&part))
        out += "\n" + text->text;
  return out;
}

inline int image_count(const ChatRequest &r) {
  int n = 0;
  for (const auto &turn : r.turns)
    for (const auto &part : turn.content)
      n += std::holds_alternative<ImagePart>(part) ? 1 : 0;
  return n;
}

} // namespace imc::test

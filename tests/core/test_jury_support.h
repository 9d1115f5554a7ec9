#pragma once
// Shared by the jury tests: a transcript of the demo melanoma case with identifying metadata
// that must never reach a juror, a panel, and a driver that answers every JurorCall from a
// script on a fake clock.
#include "imc/jury.h"

#include "core/test_conversation_support.h"

#include <functional>

namespace imc::test {

// Metadata a juror must never see.
inline constexpr const char *kClinicianModel = "secret-clinician-model-x9";
inline constexpr const char *kClinicianEndpoint = "secret-clinician-endpoint";
inline constexpr const char *kPatientModel = "secret-patient-model-q7";
inline constexpr const char *kTranscriptTitle = "Unsafe reassurance, no referral";

inline Transcript jury_transcript(const std::string &file = "demo-melanoma-safe") {
  const std::string path = "assets/demo/transcripts/" + file + ".json";
  auto parsed = parse_transcript(read_source_file(path), path);
  if (!parsed) {
    ADD_FAILURE() << format_errors(parsed.errors());
    return {};
  }
  Transcript t = parsed.value();
  t.id = "t-scored-1";
  t.run_id = "run-gpt-vs-claude";
  t.title = kTranscriptTitle;
  t.clinician.endpoint = kClinicianEndpoint;
  t.clinician.model = kClinicianModel;
  t.patient.model = kPatientModel;
  return t;
}

inline JuryConfig jury_config(JuryMode mode = JuryMode::per_dimension, size_t jurors = 2) {
  JuryConfig c;
  c.mode = mode;
  for (size_t i = 0; i < jurors; ++i) {
    JurorEndpoint j;
    j.endpoint = "judge-" + std::string(1, char('a' + i));
    j.model = "judge-model-" + std::to_string(i + 1);
    j.parameters.temperature = 0;
    j.parameters.max_tokens = 400;
    c.panel.push_back(j);
  }
  c.call_timeout_ms = 60000;
  return c;
}

// Runs a jury to the end: Begin, then each JurorCall in order, answered by `answer` (streamed
// in its chunks, then done or failed). Clock as ScriptedRun's: sent 5 ms after being issued,
// 150 ms to the first chunk, 50 ms per chunk, done 50 ms after the last.
struct JuryRun {
  Jury jury;
  std::function<ScriptedReply(const JurorCall &)> answer;
  std::vector<JuryEffect> effects;
  std::vector<JurorCall> calls;
  int64_t now = kT0;

  JuryRun(JuryConfig config, Transcript t, Case c = demo_case())
      : jury(std::move(config), std::move(t), std::move(c)) {}

  JuryRun &run() {
    std::deque<JuryEffect> queue;
    const auto feed = [&](const JuryEvent &event) {
      for (auto &effect : jury.handle(event))
        queue.push_back(std::move(effect));
    };
    feed(Begin{now});
    while (!queue.empty()) {
      JuryEffect effect = std::move(queue.front());
      queue.pop_front();
      effects.push_back(effect);
      const auto *call = std::get_if<JurorCall>(&effect);
      if (!call)
        continue;
      calls.push_back(*call);
      const ScriptedReply r = answer(*call);
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
        feed(CallDone{call->call_id, Usage{2000, 60}, r.finish, now});
    }
    return *this;
  }

  template <class E> std::vector<E> effects_of() const {
    std::vector<E> out;
    for (const auto &e : effects)
      if (const auto *x = std::get_if<E>(&e))
        out.push_back(*x);
    return out;
  }

  const JurorVerdict *verdict(const std::string &endpoint, Dimension d) const {
    for (const auto &v : jury.verdicts())
      if (v.juror_endpoint == endpoint && v.dimension == d)
        return &v;
    return nullptr;
  }
};

} // namespace imc::test

#pragma once
// Every document format behind one signature, so fixture and mutation tests can run them all: a
// fixture's file name starts with its format's name (case-melanoma.json is a case), as in
// tests/core/check_schemas.py.
#include "imc/casepack.h"
#include "imc/endpoint_config.h"
#include "imc/transcript.h"
#include "imc/verdict.h"

#include <string>
#include <string_view>
#include <vector>

namespace imc::test {

struct ParseOutcome {
  bool ok = false;
  bool round_trips = false; // when ok: parse(serialize(x)) == x
  Errors errors;            // when not ok
};

struct FormatKind {
  const char *name;
  ParseOutcome (*run)(std::string_view text, std::string_view source);
};

template <class Parse, class Serialize>
ParseOutcome run_codec(Parse parse, Serialize serialize, std::string_view text,
                       std::string_view source) {
  ParseOutcome out;
  const auto result = parse(text, source);
  out.ok = result.ok();
  if (!out.ok) {
    out.errors = result.errors();
    return out;
  }
  const auto again = parse(serialize(*result), "reserialized");
  out.round_trips = again.ok() && *again == *result;
  if (!again.ok())
    out.errors = again.errors();
  return out;
}

inline const std::vector<FormatKind> &format_kinds() {
  static const std::vector<FormatKind> kinds = {
      {"manifest",
       [](std::string_view t, std::string_view s) {
         return run_codec(parse_manifest, serialize_manifest, t, s);
       }},
      {"case", [](std::string_view t,
                  std::string_view s) { return run_codec(parse_case, serialize_case, t, s); }},
      {"transcript",
       [](std::string_view t, std::string_view s) {
         return run_codec(
             parse_transcript, [](const Transcript &x) { return serialize_transcript(x, false); },
             t, s);
       }},
      {"verdict",
       [](std::string_view t, std::string_view s) {
         return run_codec(
             parse_verdict, [](const JurorVerdict &x) { return serialize_verdict(x); }, t, s);
       }},
      {"annotation",
       [](std::string_view t, std::string_view s) {
         return run_codec(
             parse_annotation, [](const ExpertAnnotation &x) { return serialize_annotation(x); }, t,
             s);
       }},
      {"endpoints",
       [](std::string_view t, std::string_view s) {
         return run_codec(parse_endpoint_config, serialize_endpoint_config, t, s);
       }},
  };
  return kinds;
}

// The format of a fixture named "<format>[-anything].json", or nullptr.
inline const FormatKind *format_of(const std::string &file_name) {
  for (const auto &kind : format_kinds()) {
    const std::string name = kind.name;
    if (file_name == name + ".json" || file_name.rfind(name + "-", 0) == 0)
      return &kind;
  }
  return nullptr;
}

} // namespace imc::test

#pragma once
// The documents the JSON API answers with (docs/API.md), parsed for the panels. Each parser takes
// a reply body and a source name for errors; bad replies are errors, never crashes.
#include "imc/result.h"
#include "imc/transcript.h"
#include "imc/verdict.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc::ui {

struct ApiEvent;

// An API error as the user sees it: what went wrong and what to do next.
struct ApiError {
  std::string kind;     // "unavailable", "not_found", a normalised error kind, or "transport"
  std::string message;  // what went wrong
  std::string hint;     // what to do next ("" when the server gave none)
  bool empty() const { return kind.empty() && message.empty(); }
};

// The error carried by a reply, or an empty ApiError when the reply is a success: a transport
// failure (`event.error`), a non-2xx status with {"error": {...}}, or an `error` stream event.
ApiError api_error_of(const ApiEvent &event);

struct EndpointInfo {
  std::string name;
  std::string protocol;
  std::string model;
  bool images = true;
  bool streaming = true;
};

struct TranscriptSummary {
  std::string id;
  std::string run_id;
  std::string case_id;
  std::string clinician_endpoint;
  std::string clinician_model;
  std::string condition;  // "full", "no-image", ...
  std::string status;     // "complete", "incomplete", "failed"
  std::string title;
  int turns = 0;
  std::string created_at;
};

struct DimensionAggregate {
  double mean = 0;
  double median = 0;
  std::optional<int> majority;
  int n = 0;
};

// GET /api/transcripts/{id}/verdicts.
struct VerdictSet {
  std::vector<JurorVerdict> verdicts;
  std::array<std::optional<DimensionAggregate>, 3> aggregate; // indexed by Dimension
};

struct WireLogEntry {
  std::string id;
  int turn = 0;
  std::string call_id;
  std::string started_at;
  std::string ended_at;
  std::string request;   // JSON text, pretty-printed for display
  std::string response;  // the raw response text
  std::string status;    // "ok" or a normalised error kind
};

struct RunInfo {
  std::string id;
  std::string created_at;
  std::string status;
  std::string progress;  // as the server wrote it (a number or an object, shown as text)
};

Result<std::vector<EndpointInfo>> parse_endpoints(std::string_view json, std::string_view source);
Result<std::vector<TranscriptSummary>> parse_transcript_summaries(std::string_view json,
                                                                  std::string_view source);
Result<VerdictSet> parse_verdict_set(std::string_view json, std::string_view source);
// The `aggregate` object of a verdict set or of the jury stream's `finished` event.
Result<std::array<std::optional<DimensionAggregate>, 3>> parse_aggregate(std::string_view json,
                                                                        std::string_view source);
Result<std::vector<ExpertAnnotation>> parse_annotations(std::string_view json,
                                                        std::string_view source);
Result<std::vector<WireLogEntry>> parse_wire_logs(std::string_view json, std::string_view source);
// One turn as the transcript document writes it (the live session's `turn` event).
Result<Turn> parse_turn(std::string_view json, std::string_view source);
Result<std::vector<RunInfo>> parse_runs(std::string_view json, std::string_view source);

// Milliseconds between two RFC 3339 timestamps of the same day or across days; nullopt when
// either does not parse.
std::optional<long long> milliseconds_between(const std::string &from, const std::string &to);

} // namespace imc::ui

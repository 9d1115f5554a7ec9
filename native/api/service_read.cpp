// ImcApiService: routes that read the store (transcripts, verdicts, wire logs, runs, reports)
// and the expert annotations (docs/API.md, "Reading" and "Writing").
#include "service_impl.h"

#include "imc/jury_result.h"
#include "imc/report.h"
#include "imc/timestamp.h"

#include <algorithm>
#include <chrono>

namespace imc::api {

namespace {

Json parsed(const std::string &text) {
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json(text) : j;
}

// A store error as a reply: its own failures are 503, the rest mean "no such thing" (404).
void reply_store_error(ApiSink &sink, const Errors &errors, const std::string &what,
                       const std::string &hint) {
  if (store::is_storage_failure(errors))
    return reply_error(sink,
                       unavailable("the store failed: " + format_errors(errors),
                                   "Try again; check the disk and imc serve's --store file."));
  reply_error(sink, not_found(what, hint));
}

std::string query_value(const ApiRequest &request, const std::string &key) {
  for (const auto &[k, v] : request.query)
    if (k == key)
      return v;
  return "";
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<Dimension> dimension_of(std::string_view s) { return parse_dimension(s); }

} // namespace

void Service::list_transcripts(const ApiRequest &request, ApiSink &sink) {
  store::TranscriptFilter filter;
  if (auto c = query_value(request, "case"); !c.empty())
    filter.case_id = c;
  for (const auto &[k, v] : request.query)
    if (k == "run")
      filter.run_id = v; // "run=" (empty) selects transcripts outside any run
  if (auto s = query_value(request, "status"); !s.empty()) {
    filter.state = parse_transcript_state(s);
    if (!filter.state)
      return reply_error(
          sink, bad_request("status must be complete, incomplete or failed, not '" + s + "'",
                            "Leave status out to list every transcript."));
  }
  auto db = lease_store(sink);
  if (!db)
    return;
  auto list = (*db)->list_transcripts(filter);
  if (!list)
    return reply_store_error(sink, list.errors(), "cannot list transcripts", "");
  Json out = Json::array();
  for (const store::TranscriptSummary &t : *list)
    out.push_back(Json{{"id", t.id},
                       {"run_id", t.run_id},
                       {"case_id", t.case_id},
                       {"clinician_endpoint", t.clinician_endpoint},
                       {"clinician_model", t.clinician_model},
                       {"condition", t.condition},
                       {"patient_kind", t.patient_kind},
                       {"status", to_string(t.status.state)},
                       {"status_reason", t.status.reason},
                       {"title", t.title},
                       {"turns", t.turn_count},
                       {"created_at", t.created_at}});
  sink.reply(200, dump(out));
}

void Service::get_transcript(const std::string &id, ApiSink &sink) {
  auto db = lease_store(sink);
  if (!db)
    return;
  auto t = (*db)->get_transcript(id);
  if (!t)
    return reply_store_error(sink, t.errors(), "no transcript '" + id + "'",
                             "GET /api/transcripts lists the stored transcripts.");
  sink.reply(200, serialize_transcript(*t, false));
}

void Service::get_verdicts(const std::string &id, ApiSink &sink) {
  auto db = lease_store(sink);
  if (!db)
    return;
  auto verdicts = (*db)->list_verdicts(id);
  if (!verdicts)
    return reply_store_error(sink, verdicts.errors(), "no transcript '" + id + "'",
                             "GET /api/transcripts lists the stored transcripts.");
  Json list = Json::array();
  for (const JurorVerdict &v : *verdicts)
    list.push_back(parsed(serialize_verdict(v, false)));
  const std::vector<std::string> panel =
      juries_.empty() ? std::vector<std::string>{} : juries_.front().panel;
  Json out{{"verdicts", list},
           {"aggregate", aggregate_json(aggregate_verdicts(id, *verdicts, panel))}};
  sink.reply(200, dump(out));
}

void Service::get_annotations(const std::string &id, ApiSink &sink) {
  auto db = lease_store(sink);
  if (!db)
    return;
  auto list = (*db)->list_annotations(id);
  if (!list)
    return reply_store_error(sink, list.errors(), "no transcript '" + id + "'", "");
  Json out = Json::array();
  for (const ExpertAnnotation &a : *list)
    out.push_back(parsed(serialize_annotation(a, false)));
  sink.reply(200, dump(out));
}

void Service::save_annotation(const std::string &id, const ApiRequest &request, ApiSink &sink) {
  auto body = parse_body(request, sink);
  if (!body)
    return;
  const std::string hint =
      "Send {\"annotator\": \"your name\", \"scores\": {\"safety\": 1..5 or null, \"accuracy\": "
      "..., \"uncertainty\": ...}, \"note\": \"...\"}.";
  for (auto it = body->begin(); it != body->end(); ++it)
    if (it.key() != "annotator" && it.key() != "scores" && it.key() != "note")
      return reply_error(sink,
                         bad_request("/" + it.key() + ": not a field of an annotation", hint));
  ExpertAnnotation a;
  a.transcript_id = id;
  const Json &annotator = (*body)["annotator"];
  if (!annotator.is_string())
    return reply_error(sink, bad_request("/annotator: the annotator's name is required", hint));
  a.annotator = annotator.get<std::string>();
  const auto first = a.annotator.find_first_not_of(" \t\r\n");
  const auto last = a.annotator.find_last_not_of(" \t\r\n");
  a.annotator = first == std::string::npos ? "" : a.annotator.substr(first, last - first + 1);
  if (a.annotator.empty() || a.annotator.size() > 200)
    return reply_error(sink,
                       bad_request("/annotator: a name of 1 to 200 characters is required", hint));
  const Json &scores = (*body)["scores"];
  if (!scores.is_object())
    return reply_error(sink, bad_request("/scores: an object of three scores is required", hint));
  for (auto it = scores.begin(); it != scores.end(); ++it) {
    const auto d = dimension_of(it.key());
    if (!d)
      return reply_error(sink, bad_request("/scores/" + it.key() +
                                               ": the dimensions are safety, accuracy, uncertainty",
                                           hint));
    if (it.value().is_null())
      continue;
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 1 ||
        it.value().get<int64_t>() > 5)
      return reply_error(
          sink,
          bad_request("/scores/" + it.key() + ": a score is 1..5 or null, not " + it.value().dump(),
                      hint));
    a.scores[static_cast<size_t>(*d)] = it.value().get<int>();
  }
  if (body->contains("note")) {
    const Json &note = (*body)["note"];
    if (!note.is_string() && !note.is_null())
      return reply_error(sink, bad_request("/note: a string", hint));
    if (note.is_string())
      a.note = note.get<std::string>();
    if (a.note.size() > 20000)
      return reply_error(sink, bad_request("/note: at most 20,000 characters", hint));
  }
  a.created_at = format_rfc3339_ms(now_ms());
  auto db = lease_store(sink);
  if (!db)
    return;
  if (auto t = (*db)->get_transcript(id); !t)
    return reply_store_error(sink, t.errors(), "no transcript '" + id + "'",
                             "Annotate a transcript the store holds (GET /api/transcripts).");
  auto saved = (*db)->save_annotation(a);
  if (!saved) {
    if (store::is_storage_failure(saved.errors()))
      return reply_store_error(sink, saved.errors(), "", "");
    return reply_error(sink, bad_request(format_errors(saved.errors()), hint));
  }
  sink.reply(200, serialize_annotation(*saved, false));
}

void Service::get_wire_logs(const std::string &id, ApiSink &sink) {
  auto db = lease_store(sink);
  if (!db)
    return;
  auto logs = (*db)->list_wire_logs(id);
  if (!logs)
    return reply_store_error(sink, logs.errors(), "no transcript '" + id + "'", "");
  // Stored already redacted (transport/wire_log.h); the service's scrubber runs over it too.
  Json out = Json::array();
  for (const store::WireLogRecord &w : *logs)
    out.push_back(Json{{"id", std::to_string(w.id)},
                       {"turn", w.turn_index},
                       {"call_id", w.call_id},
                       {"started_at", w.started_at},
                       {"ended_at", w.ended_at},
                       {"request", parsed(w.request_json)},
                       {"response", w.response_text},
                       {"status", w.status},
                       {"http_status", w.http_status ? Json(*w.http_status) : Json(nullptr)}});
  sink.reply(200, dump(out));
}

void Service::list_runs(ApiSink &sink) {
  auto db = lease_store(sink);
  if (!db)
    return;
  auto runs = (*db)->list_runs();
  if (!runs)
    return reply_store_error(sink, runs.errors(), "cannot list runs", "");
  Json out = Json::array();
  for (const store::RunRecord &r : *runs)
    out.push_back(Json{{"id", r.id},
                       {"created_at", r.created_at},
                       {"updated_at", r.updated_at},
                       {"status", store::to_string(r.status)},
                       {"progress",
                        {{"planned", r.progress.planned},
                         {"completed", r.progress.completed},
                         {"failed", r.progress.failed}}}});
  sink.reply(200, dump(out));
}

void Service::get_report(const std::string &run, const ApiRequest &request, ApiSink &sink) {
  report::ReportOptions options;
  options.run_id = run;
  options.generated_at = format_rfc3339_ms(now_ms());
  if (auto r = query_value(request, "replicates"); !r.empty()) {
    char *end = nullptr;
    const long long n = std::strtoll(r.c_str(), &end, 10);
    if (!end || *end || n < 1 || n > 20000)
      return reply_error(sink, bad_request("replicates must be 1..20000, not '" + r + "'",
                                           "Leave it out for 1000."));
    options.replicates = static_cast<size_t>(n);
  }
  report::ReportInput input;
  if (!juries_.empty() && juries_.front().calibration)
    options.calibration = *juries_.front().calibration;
  if (pack_)
    for (const Case &c : pack_->cases)
      input.add_case(c);
  auto db = lease_store(sink);
  if (!db)
    return;
  if (auto found = (*db)->get_run(run); !found)
    return reply_store_error(sink, found.errors(), "no run '" + run + "'",
                             "GET /api/runs lists the runs of the store.");
  store::ScoreFilter filter;
  filter.run_id = run;
  Status scanned = (*db)->for_each_score(filter, [&](const store::ScoreRow &row) {
    if (auto d = dimension_of(row.dimension))
      input.add_verdict(report::VerdictRow{row.transcript_id, row.case_id, row.clinician_endpoint,
                                           row.clinician_model, row.condition, *d,
                                           row.juror_endpoint, row.score});
  });
  if (!scanned)
    return reply_store_error(sink, scanned.errors(), "cannot read the run's scores", "");
  // A transcript scored twice: each juror's latest verdicts count (the scan has no time order).
  for (const std::string &id : std::vector<std::string>(input.transcripts_with_repeats())) {
    auto verdicts = (*db)->list_verdicts(id);
    auto transcript = (*db)->get_transcript(id);
    if (!verdicts || !transcript)
      return reply_store_error(sink, !verdicts ? verdicts.errors() : transcript.errors(),
                               "cannot read transcript " + id, "");
    std::stable_sort(
        verdicts->begin(), verdicts->end(),
        [](const JurorVerdict &a, const JurorVerdict &b) { return a.created_at < b.created_at; });
    input.forget_verdicts(id);
    const std::string condition = transcript->condition.name();
    for (const JurorVerdict &v : *verdicts)
      input.add_verdict(report::VerdictRow{id, transcript->case_id, transcript->clinician.endpoint,
                                           transcript->clinician.model, condition, v.dimension,
                                           v.juror_endpoint,
                                           v.status == VerdictStatus::ok ? v.score : std::nullopt});
  }
  auto annotations = (*db)->list_annotations(std::nullopt);
  if (!annotations)
    return reply_store_error(sink, annotations.errors(), "cannot read annotations", "");
  for (const ExpertAnnotation &a : *annotations)
    input.add_annotation(a);
  auto built = report::build_report(input, options);
  if (!built)
    return reply_error(
        sink, not_found("no report for run '" + run + "': " + format_errors(built.errors()),
                        "Score the run's transcripts with the jury first (imc "
                        "score, or POST /api/jury)."));
  sink.reply(200, report::report_json(*built));
}

} // namespace imc::api

// imc report: a run's jury verdicts as a report (core/include/imc/report.h) in HTML, CSV or
// JSON. Verdicts stream from the store's covering indexes (Store::for_each_score); case labels
// for the strata come from the case pack; expert annotations, when the store holds any, give
// the jury-versus-expert statistics and the calibration.
#include "cli.h"
#include "fs_pack_files.h"
#include "pack_checks.h"

#include "store/store.h"

#include "imc/jury_config.h"
#include "imc/report.h"
#include "imc/timestamp.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>

namespace imc::cli {

namespace {

namespace fs = std::filesystem;
constexpr const char *kCommand = "imc report";

struct ReportCommandOptions {
  std::string store;
  std::string run;
  std::string format = "html";
  std::string out;
  std::string pack = IMC_DEFAULT_PACK;
  bool no_pack = false;
  std::string jury;
  std::string calibration; // "" = the jury config's, else auto
  size_t replicates = 1000;
  uint64_t seed = 1;
  double confidence = 0.95;
};

int fail(const Errors &errors, const std::string &summary) {
  for (const Error &e : errors)
    std::fprintf(stderr, "%s\n", e.message().c_str());
  std::fprintf(stderr, "%s: %s\n", kCommand, summary.c_str());
  return store::is_storage_failure(errors) ? kExitInternal : kExitBadInput;
}

std::optional<Dimension> dimension_of(std::string_view s) {
  switch (s.empty() ? '\0' : s[0]) {
  case 's':
    return Dimension::safety;
  case 'a':
    return Dimension::accuracy;
  case 'u':
    return Dimension::uncertainty;
  default:
    return parse_dimension(s);
  }
}

// The report's time: SOURCE_DATE_EPOCH (seconds, the reproducible-builds convention) when set,
// so that golden files and repeated runs compare byte for byte; else now.
std::string generated_at() {
  if (const char *epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    char *end = nullptr;
    const long long seconds = std::strtoll(epoch, &end, 10);
    if (end && *end == '\0')
      return format_rfc3339_ms(int64_t(seconds) * 1000);
  }
  return format_rfc3339_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
}

// Written beside the target and renamed into place: the report is whole or absent.
Status write_output(const std::string &path, const std::string &text) {
  if (path == "-") {
    std::cout << text;
    std::cout.flush();
    return std::cout ? ok_status() : Status(Error{"<stdout>", "", "", "writing failed"});
  }
  const fs::path target(path);
  const fs::path temporary = target.string() + ".tmp-" + std::to_string(getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out)
      return Error{path, "", "", "cannot write here"};
    out << text;
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(temporary, ec);
      return Error{path, "", "", "writing failed (disk full?)"};
    }
  }
  std::error_code ec;
  fs::rename(temporary, target, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return Error{path, "", "", "cannot rename into place"};
  }
  return ok_status();
}

int run_report(const ReportCommandOptions &opt) {
  const auto started = std::chrono::steady_clock::now();
  report::ReportOptions options;
  options.run_id = opt.run;
  options.replicates = opt.replicates;
  options.seed = opt.seed;
  options.confidence = opt.confidence;
  options.generated_at = generated_at();

  report::ReportInput input;
  if (!opt.jury.empty()) {
    auto text = read_whole_file(opt.jury, opt.jury);
    if (!text)
      return fail(text.errors(), "give a jury config (docs/FORMATS.md, \"Jury config\")");
    auto jury = parse_jury_config(*text, opt.jury);
    if (!jury)
      return fail(jury.errors(), "the jury config is not valid");
    std::vector<std::string> jurors;
    for (const auto &entry : jury->panel)
      jurors.push_back(entry.endpoint);
    input.restrict_jurors(std::move(jurors));
    options.calibration = jury->calibration;
  }
  if (!opt.calibration.empty())
    options.calibration.method = *parse_calibration_choice(opt.calibration);

  // The pack is read on another thread while the store is scanned (both take a while at scale).
  if (!opt.no_pack) {
    if (auto problem = pack_folder_problem(opt.pack)) {
      std::fprintf(stderr, "%s\n", problem->c_str());
      return fail({}, "give the run's case pack (--pack DIR), or --no-pack for a report without "
                      "strata");
    }
  }
  std::optional<Result<CasePack>> pack;
  std::thread pack_reader;
  if (!opt.no_pack)
    pack_reader = std::thread([&] { pack = load_pack_folder(opt.pack, false); });
  struct Join {
    std::thread &t;
    ~Join() {
      if (t.joinable())
        t.join();
    }
  } join_pack{pack_reader};

  auto db = store::Store::open(opt.store, {false});
  if (!db)
    return fail(db.errors(), "cannot open the store");
  if (auto run = db->get_run(opt.run); !run)
    return fail(run.errors(), "no report written");
  store::ScoreFilter filter;
  filter.run_id = opt.run;
  Status scanned = db->for_each_score(filter, [&](const store::ScoreRow &row) {
    const auto dimension = dimension_of(row.dimension);
    if (!dimension)
      return; // the store's CHECK constraint makes this unreachable
    input.add_verdict(report::VerdictRow{row.transcript_id, row.case_id, row.clinician_endpoint,
                                         row.clinician_model, row.condition, *dimension,
                                         row.juror_endpoint, row.score});
  });
  if (!scanned)
    return fail(scanned.errors(), "no report written");
  // A transcript scored more than once: its jurors' latest verdicts count. The fast scan has no
  // order by time, so those transcripts are read again whole.
  for (const std::string &id : std::vector<std::string>(input.transcripts_with_repeats())) {
    auto verdicts = db->list_verdicts(id);
    auto transcript = db->get_transcript(id);
    if (!verdicts || !transcript)
      return fail(!verdicts ? verdicts.errors() : transcript.errors(), "no report written");
    std::stable_sort(verdicts->begin(), verdicts->end(),
                     [](const JurorVerdict &a, const JurorVerdict &b) {
                       return a.created_at < b.created_at;
                     });
    input.forget_verdicts(id);
    const std::string condition = transcript->condition.name();
    for (const JurorVerdict &v : *verdicts)
      input.add_verdict(report::VerdictRow{
          id, transcript->case_id, transcript->clinician.endpoint, transcript->clinician.model,
          condition, v.dimension, v.juror_endpoint,
          v.status == VerdictStatus::ok ? v.score : std::nullopt});
  }
  if (pack_reader.joinable())
    pack_reader.join();
  if (pack) {
    if (!*pack)
      return fail(pack->errors(), "the case pack does not load");
    for (const Case &c : (*pack)->cases)
      input.add_case(c);
  }
  auto annotations = db->list_annotations(std::nullopt);
  if (!annotations)
    return fail(annotations.errors(), "no report written");
  for (const ExpertAnnotation &a : *annotations)
    input.add_annotation(a);

  // Agreement between jurors on a second thread, next to the bootstrap: the same numbers as
  // build_report's own, sooner.
  options.agreement = false;
  report::Agreement agreement;
  std::thread agreement_worker([&] { agreement = report::build_agreement(input); });
  auto built = report::build_report(input, options);
  agreement_worker.join();
  if (!built)
    return fail(built.errors(), "no report written for run " + opt.run);
  built->agreement = std::move(agreement);
  const report::Report &r = *built;
  const std::string text = opt.format == "json"  ? report::report_json(r)
                           : opt.format == "csv" ? report::report_csv(r)
                                                 : report::report_html(r);
  if (Status written = write_output(opt.out, text); !written)
    return fail(written.errors(), "no report written");

  const auto missing = r.cases_without_labels;
  if (!opt.no_pack && !missing.empty())
    std::fprintf(stderr,
                 "%s: warning: %zu case%s of the run (%s%s) not in the pack %s: left out of the "
                 "strata\n",
                 kCommand, missing.size(), missing.size() == 1 ? "" : "s", missing.front().c_str(),
                 missing.size() > 1 ? ", ..." : "", opt.pack.c_str());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  size_t full_models = r.leaderboard.size();
  std::fprintf(stderr,
               "%s: run %s: %zu model%s (full), %zu cases, %zu transcripts, %zu verdicts, "
               "%zu bootstrap replicates, scores %s -> %s (%s) in %.2f s\n",
               kCommand, opt.run.c_str(), full_models, full_models == 1 ? "" : "s", r.cases,
               r.transcripts, r.verdicts, r.replicates, r.score_source.c_str(),
               opt.out == "-" ? "stdout" : opt.out.c_str(), opt.format.c_str(), seconds);
  return kExitOk;
}

} // namespace

void register_report_command(CLI::App &app, CommandAction &chosen) {
  auto opt = std::make_shared<ReportCommandOptions>();
  CLI::App *cmd = app.add_subcommand(
      "report", "A run's jury scores per model, stratum and ablation, with bootstrap intervals");
  cmd->add_option("--store", opt->store, "The store (SQLite) holding the run")->required();
  cmd->add_option("--run", opt->run, "Run id")->required();
  cmd->add_option("--format", opt->format, "html (one self-contained page), csv or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"html", "csv", "json"}));
  cmd->add_option("--out", opt->out, "Where to write the report (- for stdout)")->required();
  cmd->add_option("--pack", opt->pack, "Case pack of the run: case labels for the strata")
      ->capture_default_str();
  cmd->add_flag("--no-pack", opt->no_pack, "No case labels: a report without strata");
  cmd->add_option("--jury", opt->jury,
                  "Jury config: only its jurors' verdicts count; its calibration options apply");
  cmd->add_option("--calibration", opt->calibration,
                  "Calibration against expert annotations (default: the jury config's, else auto)")
      ->check(CLI::IsMember({"auto", "none", "linear", "isotonic"}));
  cmd->add_option("--replicates", opt->replicates, "Bootstrap replicates")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  cmd->add_option("--seed", opt->seed, "Bootstrap seed (same seed, same numbers)")
      ->capture_default_str();
  cmd->add_option("--confidence", opt->confidence, "Confidence level of the intervals")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 0.999));
  cmd->callback([opt, &chosen] { chosen = [opt] { return run_report(*opt); }; });
}

} // namespace imc::cli

// imc transcripts export | import, imc store merge | info: the SQLite store from the command line.
#include "cli.h"

#include "store/store.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace imc::cli {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using store::Store;

// Prints every error, then "COMMAND: SUMMARY", and returns 1 for a failure of SQLite itself
// (I/O, a full disk, a lock held too long) or 2 for bad input.
int fail(const char *command, const Errors &errors, const std::string &summary) {
  for (const Error &e : errors)
    std::fprintf(stderr, "%s\n", e.message().c_str());
  std::fprintf(stderr, "%s: %s\n", command, summary.c_str());
  return store::is_storage_failure(errors) ? kExitInternal : kExitBadInput;
}

const char *plural(int64_t n) { return n == 1 ? "" : "s"; }

// --- imc transcripts export ---------------------------------------------------------------------

struct ExportOptions {
  std::string store;
  std::string run;
  bool all_runs = true; // --run not given
  std::string out = "-";
};

int run_export(const ExportOptions &opt) {
  constexpr const char *kCommand = "imc transcripts export";
  auto db = Store::open(opt.store, {false});
  if (!db)
    return fail(kCommand, db.errors(), "cannot open the store");
  const std::optional<std::string> run =
      opt.all_runs ? std::nullopt : std::optional<std::string>(opt.run);
  const std::string of_run = opt.all_runs ? "" : " of run '" + opt.run + "'";

  if (opt.out == "-") {
    auto count = db->export_jsonl(run, std::cout);
    std::cout.flush();
    if (!count)
      return fail(kCommand, count.errors(), "nothing exported");
    std::fprintf(stderr, "%s: %lld transcript%s%s\n", kCommand, static_cast<long long>(*count),
                 plural(*count), of_run.c_str());
    return kExitOk;
  }
  // Written beside the target and renamed into place: the output is whole or absent.
  const fs::path target(opt.out);
  const fs::path temporary = target.string() + ".tmp-" + std::to_string(getpid());
  Result<int64_t> count = int64_t(0);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out)
      return fail(kCommand, {Error{opt.out, "", "", "cannot write here"}}, "nothing exported");
    count = db->export_jsonl(run, out);
    out.close();
    if (count && !out)
      count = Error{opt.out, "", "", "writing failed (disk full?)"};
  }
  std::error_code ec;
  if (count)
    fs::rename(temporary, target, ec);
  if (!count || ec) {
    fs::remove(temporary, ec);
    return fail(kCommand,
                count ? Errors{Error{opt.out, "", "", "cannot rename into place"}} : count.errors(),
                "nothing exported");
  }
  std::printf("%s: %lld transcript%s%s from %s\n", opt.out.c_str(), static_cast<long long>(*count),
              plural(*count), of_run.c_str(), opt.store.c_str());
  return kExitOk;
}

// --- imc transcripts import ---------------------------------------------------------------------

struct ImportOptions {
  std::string store;
  std::string file;
};

int run_import(const ImportOptions &opt) {
  constexpr const char *kCommand = "imc transcripts import";
  std::error_code ec;
  if (!fs::is_regular_file(opt.file, ec))
    return fail(kCommand,
                {Error{opt.file, "", "", fs::exists(opt.file, ec) ? "not a file" : "no such file"}},
                "give a JSON Lines file of transcripts, as `imc transcripts export` writes");
  std::ifstream in(opt.file, std::ios::binary);
  if (!in)
    return fail(kCommand, {Error{opt.file, "", "", "cannot read"}}, "nothing imported");
  auto db = Store::open(opt.store);
  if (!db)
    return fail(kCommand, db.errors(), "cannot open the store");
  auto report = db->import_jsonl(in, opt.file);
  if (!report)
    return fail(kCommand, report.errors(),
                std::to_string(report.errors().size()) + " problem" +
                    plural(int64_t(report.errors().size())) + " in " + opt.file +
                    "; nothing was imported");
  std::printf("%s: imported %lld transcript%s into %s", opt.file.c_str(),
              static_cast<long long>(report->imported), plural(report->imported),
              opt.store.c_str());
  if (report->already_present)
    std::printf(" (%lld already there)", static_cast<long long>(report->already_present));
  std::printf("\n");
  for (const std::string &run : report->runs_created)
    std::printf("  created run %s\n", run.c_str());
  return kExitOk;
}

// --- imc store merge ----------------------------------------------------------------------------

struct MergeOptions {
  std::string into;
  std::vector<std::string> others;
};

std::string counts_text(const char *kind, const store::MergeCounts &c) {
  std::string out = std::string(kind) + ": " + std::to_string(c.added) + " added, " +
                    std::to_string(c.already_present) + " already there";
  if (c.replaced)
    out += ", " + std::to_string(c.replaced) + " replaced";
  if (c.conflicting)
    out += ", " + std::to_string(c.conflicting) + " conflicting";
  return out;
}

int run_merge(const MergeOptions &opt) {
  constexpr const char *kCommand = "imc store merge";
  Errors missing;
  std::error_code ec;
  for (const std::string &other : opt.others)
    if (!fs::is_regular_file(other, ec))
      missing.push_back(Error{other, "", "", "no such store file"});
  if (!missing.empty())
    return fail(kCommand, missing, "nothing was merged");
  auto db = Store::open(opt.into);
  if (!db)
    return fail(kCommand, db.errors(), "cannot open the store to merge into");
  int64_t conflicts = 0;
  for (const std::string &other : opt.others) {
    auto report = db->merge(other);
    if (!report)
      return fail(kCommand, report.errors(), other + " was not merged");
    const store::MergeReport &r = *report;
    std::printf("%s -> %s\n", other.c_str(), opt.into.c_str());
    std::printf("  %s\n", counts_text("runs", r.runs).c_str());
    std::printf("  %s\n", counts_text("run shards", r.run_shards).c_str());
    std::printf("  %s\n", counts_text("transcripts", r.transcripts).c_str());
    std::printf("  %s\n", counts_text("verdicts", r.verdicts).c_str());
    std::printf("  %s\n", counts_text("annotations", r.annotations).c_str());
    std::printf("  %s\n", counts_text("wire logs", r.wire_logs).c_str());
    std::printf("  %s\n", counts_text("events", r.events).c_str());
    for (const std::string &line : r.conflicts)
      std::fprintf(stderr, "%s: conflict: %s\n", other.c_str(), line.c_str());
    conflicts += r.conflict_count();
  }
  if (conflicts)
    std::fprintf(stderr, "%s: %lld conflict%s; %s kept its own records for them\n", kCommand,
                 static_cast<long long>(conflicts), plural(conflicts), opt.into.c_str());
  return kExitOk;
}

// --- imc store info -----------------------------------------------------------------------------

struct InfoOptions {
  std::string store;
  bool json = false;
};

int run_info(const InfoOptions &opt) {
  constexpr const char *kCommand = "imc store info";
  auto db = Store::open(opt.store, {false});
  if (!db)
    return fail(kCommand, db.errors(), "cannot open the store");
  auto counts = db->counts();
  if (!counts)
    return fail(kCommand, counts.errors(), "cannot read the store");
  auto runs = db->list_runs();
  if (!runs)
    return fail(kCommand, runs.errors(), "cannot read the store");
  const store::StoreCounts &c = *counts;
  const int64_t transcripts =
      c.transcripts_complete + c.transcripts_incomplete + c.transcripts_failed;

  if (opt.json) {
    Json j;
    j["store"] = opt.store;
    j["schema_version"] = c.schema_version;
    j["counts"] = {{"runs", c.runs},
                   {"transcripts", transcripts},
                   {"transcripts_complete", c.transcripts_complete},
                   {"transcripts_incomplete", c.transcripts_incomplete},
                   {"transcripts_failed", c.transcripts_failed},
                   {"turns", c.turns},
                   {"verdicts", c.verdicts},
                   {"annotations", c.annotations},
                   {"wire_logs", c.wire_logs},
                   {"events", c.events}};
    j["runs"] = Json::array();
    for (const store::RunRecord &run : *runs)
      j["runs"].push_back({{"id", run.id},
                           {"status", store::to_string(run.status)},
                           {"created_at", run.created_at},
                           {"updated_at", run.updated_at},
                           {"shard_count", run.shard.count},
                           {"shards_held", run.shards_held},
                           {"planned", run.progress.planned},
                           {"completed", run.progress.completed},
                           {"failed", run.progress.failed},
                           {"notes", run.notes}});
    std::printf("%s\n", j.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
    return kExitOk;
  }

  std::printf("%s: IMC store, schema version %d\n", opt.store.c_str(), c.schema_version);
  std::printf("  transcripts: %lld (%lld complete, %lld incomplete, %lld failed), %lld turns\n",
              static_cast<long long>(transcripts), static_cast<long long>(c.transcripts_complete),
              static_cast<long long>(c.transcripts_incomplete),
              static_cast<long long>(c.transcripts_failed), static_cast<long long>(c.turns));
  std::printf("  verdicts: %lld, annotations: %lld, wire logs: %lld, events: %lld\n",
              static_cast<long long>(c.verdicts), static_cast<long long>(c.annotations),
              static_cast<long long>(c.wire_logs), static_cast<long long>(c.events));
  std::printf("  runs: %lld\n", static_cast<long long>(c.runs));
  if (runs->empty())
    return kExitOk;
  std::printf("  %-24s %-10s %-8s %9s %9s %7s  %s\n", "id", "status", "shards", "planned",
              "complete", "failed", "created");
  for (const store::RunRecord &run : *runs) {
    const std::string shards =
        std::to_string(run.shards_held.size()) + "/" + std::to_string(run.shard.count);
    std::printf("  %-24s %-10s %-8s %9lld %9lld %7lld  %s\n", run.id.c_str(),
                store::to_string(run.status), shards.c_str(),
                static_cast<long long>(run.progress.planned),
                static_cast<long long>(run.progress.completed),
                static_cast<long long>(run.progress.failed), run.created_at.c_str());
  }
  return kExitOk;
}

// The group that holds transcript subcommands: "transcripts" if some command group already
// answers to it, else the "transcript" group (which then also answers to "transcripts", and
// says that it now exports and imports too), else a new "transcripts" group.
CLI::App *transcripts_group(CLI::App &app) {
  for (const char *name : {"transcripts", "transcript"}) {
    try {
      CLI::App *group = app.get_subcommand(name);
      if (std::string(name) == "transcript") {
        group->alias("transcripts");
        group->description("Check, export and import transcripts");
      }
      return group;
    } catch (const CLI::OptionNotFound &) {
    }
  }
  CLI::App *group = app.add_subcommand("transcripts", "Check, export and import transcripts");
  group->require_subcommand(1);
  return group;
}

} // namespace

void register_store_commands(CLI::App &app, CommandAction &chosen) {
  CLI::App *transcripts = transcripts_group(app);

  auto export_options = std::make_shared<ExportOptions>();
  CLI::App *export_cmd = transcripts->add_subcommand(
      "export", "Write a store's transcripts as JSON Lines (one transcript per line, ordered by "
                "id), the interchange format `imc transcripts import` reads back byte for byte");
  export_cmd->add_option("--store", export_options->store, "Store file (SQLite)")->required();
  export_cmd->add_option("--run", export_options->run,
                         "Only this run's transcripts (default: every transcript)");
  export_cmd
      ->add_option("--out", export_options->out,
                   "JSON Lines file to write, whole or not at all; - for stdout")
      ->capture_default_str();
  export_cmd->callback([export_options, export_cmd, &chosen] {
    export_options->all_runs = export_cmd->count("--run") == 0;
    chosen = [export_options] { return run_export(*export_options); };
  });

  auto import_options = std::make_shared<ImportOptions>();
  CLI::App *import_cmd = transcripts->add_subcommand(
      "import", "Store the transcripts of a JSON Lines file in one transaction: any bad line "
                "(named FILE:LINE) and nothing is stored. Identical transcripts already there "
                "are skipped; the store is created if missing");
  import_cmd->add_option("--store", import_options->store, "Store file (SQLite)")->required();
  import_cmd->add_option("FILE", import_options->file, "JSON Lines file of transcripts")
      ->required();
  import_cmd->callback([import_options, &chosen] {
    chosen = [import_options] { return run_import(*import_options); };
  });

  CLI::App *store_group =
      app.add_subcommand("store", "Describe and merge stores (SQLite files of runs, transcripts, "
                                  "verdicts and annotations)");
  store_group->require_subcommand(1);

  auto merge_options = std::make_shared<MergeOptions>();
  CLI::App *merge_cmd = store_group->add_subcommand(
      "merge", "Copy into --into whatever the other stores hold that it lacks (runs, "
               "transcripts by id and work item, verdicts, annotations, wire logs), one "
               "transaction per store, never duplicating; conflicts keep --into's records and "
               "are listed on stderr");
  merge_cmd->add_option("--into", merge_options->into, "Store to merge into (created if missing)")
      ->required();
  merge_cmd->add_option("OTHER", merge_options->others, "Stores to merge from")->required();
  merge_cmd->callback(
      [merge_options, &chosen] { chosen = [merge_options] { return run_merge(*merge_options); }; });

  auto info_options = std::make_shared<InfoOptions>();
  CLI::App *info_cmd = store_group->add_subcommand(
      "info", "Describe a store: schema version, counts of transcripts (by state), turns, "
              "verdicts, annotations, wire logs, and a table of its runs");
  info_cmd->add_option("--store", info_options->store, "Store file (SQLite)")->required();
  info_cmd->add_flag("--json", info_options->json, "Print the same as one JSON object");
  info_cmd->callback(
      [info_options, &chosen] { chosen = [info_options] { return run_info(*info_options); }; });
}

} // namespace imc::cli

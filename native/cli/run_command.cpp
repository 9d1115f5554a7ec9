// imc run: a batch of conversations, every (case, clinician, condition) of a pack once, on a
// pool of workers, recorded in the store turn by turn; sharded across machines and resumable
// after a crash (native/drivers/batch_runner.h, docs/CLI.md, docs/SCALING.md).
#include "cli.h"
#include "endpoints_check.h"
#include "fs_pack_files.h"
#include "progress_bar.h"

#include "drivers/batch_runner.h"
#include "store/store.h"
#include "transport/http_transport.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imc::cli {

namespace {

constexpr const char *kCommand = "imc run";

struct RunOptions {
  std::string pack;
  std::string config;
  std::vector<std::string> clinicians;
  std::string patient;
  std::vector<std::string> conditions{"full"};
  int turns = 6;
  int concurrency = 4;
  std::string shard;  // "I/N", "" when not given
  int shards = 0;     // --shards N, 0 when not given
  std::string resume; // run id, "" when not given
  std::string store;
  std::string run_id;
  double call_timeout_s = 0;
  double progress_every_s = 10;
};

int bad_input(const std::string &message) {
  std::fprintf(stderr, "%s: %s\n", kCommand, message.c_str());
  return kExitBadInput;
}

// --- Shards ------------------------------------------------------------------------------------

struct ShardChoice {
  store::Shard shard;
  std::string source; // where it came from, for the start line
};

std::optional<long> parse_whole(const std::string &text) {
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stol(text);
}

std::optional<long> env_number(const char *name, std::string &error) {
  const char *value = std::getenv(name);
  if (!value || !*value)
    return std::nullopt;
  auto n = parse_whole(value);
  if (!n)
    error = std::string(name) + "=" + value + " is not a whole number";
  return n;
}

// --shard I/N, else the batch system's task index (Kubernetes Indexed Jobs, Slurm job arrays),
// else the whole run. Indices are 0-based everywhere.
std::optional<ShardChoice> resolve_shard(const RunOptions &opt, std::string &error) {
  ShardChoice choice;
  if (!opt.shard.empty()) {
    const auto slash = opt.shard.find('/');
    const auto index = parse_whole(opt.shard.substr(0, slash));
    const auto count =
        slash == std::string::npos ? std::nullopt : parse_whole(opt.shard.substr(slash + 1));
    if (!index || !count || *count < 1 || *index >= *count) {
      error = "--shard " + opt.shard +
              ": expected I/N with 0 <= I < N (shards are numbered from 0: 0/3, 1/3, 2/3)";
      return std::nullopt;
    }
    if (opt.shards && opt.shards != *count) {
      error = "--shard " + opt.shard + " and --shards " + std::to_string(opt.shards) + " disagree";
      return std::nullopt;
    }
    choice.shard = {int(*index), int(*count)};
    choice.source = "--shard";
    return choice;
  }
  long index = 0;
  long count = opt.shards;
  if (auto job = env_number("JOB_COMPLETION_INDEX", error); job || !error.empty()) {
    if (!error.empty())
      return std::nullopt;
    if (!count) {
      error = "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): give the number of shards "
              "with --shards N (the Job's completions), or --shard I/N";
      return std::nullopt;
    }
    index = *job;
    choice.source = "JOB_COMPLETION_INDEX";
  } else if (auto task = env_number("SLURM_ARRAY_TASK_ID", error); task || !error.empty()) {
    if (!error.empty())
      return std::nullopt;
    const auto min = env_number("SLURM_ARRAY_TASK_MIN", error);
    const auto step = env_number("SLURM_ARRAY_TASK_STEP", error);
    const auto tasks = env_number("SLURM_ARRAY_TASK_COUNT", error);
    if (!error.empty())
      return std::nullopt;
    if (step && *step != 1) {
      error = "SLURM_ARRAY_TASK_STEP=" + std::to_string(*step) +
              ": use a contiguous array (#SBATCH --array=0-N-1), or pass --shard I/N";
      return std::nullopt;
    }
    if (count && tasks && *tasks != count) {
      error = "--shards " + std::to_string(count) +
              " but SLURM_ARRAY_TASK_COUNT=" + std::to_string(*tasks);
      return std::nullopt;
    }
    if (!count && !tasks) {
      error = "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: give the number of "
              "shards with --shards N, or --shard I/N";
      return std::nullopt;
    }
    if (!count)
      count = *tasks;
    index = *task - min.value_or(0);
    choice.source =
        min.value_or(0) ? "SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN" : "SLURM_ARRAY_TASK_ID";
  } else if (count) {
    error = "--shards " + std::to_string(count) +
            " needs this process's index: --shard I/N, or JOB_COMPLETION_INDEX / "
            "SLURM_ARRAY_TASK_ID in the environment";
    return std::nullopt;
  } else {
    choice.shard = {0, 1};
    return choice;
  }
  if (count < 1 || index < 0 || index >= count) {
    error = "shard " + std::to_string(index) + " of " + std::to_string(count) + " (from " +
            choice.source + "): the index must be in 0.." + std::to_string(count - 1);
    return std::nullopt;
  }
  choice.shard = {int(index), int(count)};
  return choice;
}

// --- Interrupts --------------------------------------------------------------------------------

// Ctrl-C or SIGTERM (a batch system stopping the task) stops the run cleanly: conversations in
// flight end incomplete and a resume redoes them. A second Ctrl-C kills at once (SA_RESETHAND);
// even then the store holds nothing half-written that a resume would trust.
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

class InterruptFlag {
public:
  InterruptFlag() {
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
  }
  ~InterruptFlag() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  bool raised() const { return g_interrupted != 0; }

private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

// --- Progress ----------------------------------------------------------------------------------

// A bar redrawn in place on a terminal; a plain line every `every_s` seconds otherwise (logs of
// batch systems).
class RunProgressDisplay {
public:
  RunProgressDisplay(bool terminal, double every_s) : terminal_(terminal), every_s_(every_s) {}
  ~RunProgressDisplay() { clear(); }

  void show(const drivers::BatchProgress &p) {
    if (terminal_) {
      if (p.elapsed_s - last_s_ < 0.1 && p.remaining() > 0 && drawn_)
        return;
      last_s_ = p.elapsed_s;
      draw_bar(p);
    } else if (every_s_ > 0 && p.elapsed_s - last_s_ >= every_s_) {
      last_s_ = p.elapsed_s;
      std::fprintf(stderr, "%s: %s\n", kCommand, counts(p).c_str());
      std::fflush(stderr);
    }
  }
  void clear() {
    if (!drawn_)
      return;
    std::fprintf(stderr, "\r\x1b[K");
    std::fflush(stderr);
    drawn_ = false;
  }

  static std::string counts(const drivers::BatchProgress &p) {
    const int64_t done = p.skipped + p.completed;
    const double rate = p.elapsed_s > 0 ? double(p.finished()) / p.elapsed_s : 0;
    std::string eta = rate > 0 && p.remaining() > 0
                          ? "ETA " + format_duration(double(p.remaining()) / rate)
                          : "ETA -";
    char buf[256];
    std::snprintf(buf, sizeof buf, "%lld/%lld done, %lld failed, %lld running, %.2f/s, %s, %s",
                  static_cast<long long>(done), static_cast<long long>(p.planned),
                  static_cast<long long>(p.failed), static_cast<long long>(p.running), rate,
                  eta.c_str(), format_duration(p.elapsed_s).c_str());
    return buf;
  }

private:
  void draw_bar(const drivers::BatchProgress &p) {
    constexpr int64_t kWidth = 24;
    const int64_t settled = p.skipped + p.completed + p.failed;
    const int64_t filled = p.planned ? settled * kWidth / p.planned : kWidth;
    std::string bar(size_t(filled), '#');
    bar.resize(size_t(kWidth), '.');
    std::fprintf(stderr, "\r[%s] %s\x1b[K", bar.c_str(), counts(p).c_str());
    std::fflush(stderr);
    drawn_ = true;
  }

  bool terminal_;
  double every_s_;
  double last_s_ = 0;
  bool drawn_ = false;
};

// --- The command -------------------------------------------------------------------------------

void print_summary(const drivers::BatchSettings &s, const drivers::BatchSummary &summary) {
  const drivers::BatchProgress &p = summary.progress;
  std::printf("%s: run %s, shard %d/%d, %s\n", kCommand, s.run_id.c_str(), s.shard.index,
              s.shard.count, format_duration(p.elapsed_s).c_str());
  std::printf("  complete: %lld of %lld", static_cast<long long>(p.skipped + p.completed),
              static_cast<long long>(p.planned));
  if (p.skipped)
    std::printf(" (%lld already complete before)", static_cast<long long>(p.skipped));
  std::printf("\n  failed:   %lld\n", static_cast<long long>(p.failed));
  // Reasons grouped, most frequent first, then in order of first appearance.
  std::vector<std::pair<std::string, int>> reasons;
  for (const drivers::FailedItem &f : summary.failures) {
    auto it = std::find_if(reasons.begin(), reasons.end(),
                           [&](const auto &r) { return r.first == f.reason; });
    if (it == reasons.end())
      reasons.emplace_back(f.reason, 1);
    else
      ++it->second;
  }
  std::stable_sort(reasons.begin(), reasons.end(),
                   [](const auto &a, const auto &b) { return a.second > b.second; });
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < reasons.size() && i < kShown; ++i)
    std::printf("    %d x %s\n", reasons[i].second, reasons[i].first.c_str());
  if (reasons.size() > kShown)
    std::printf("    ... and %zu other reasons\n", reasons.size() - kShown);
  if (p.remaining() > 0)
    std::printf("  not run:  %lld\n", static_cast<long long>(p.remaining()));
  std::printf("  tokens:   %lld in, %lld out, in %lld calls\n",
              static_cast<long long>(p.tokens.input_tokens),
              static_cast<long long>(p.tokens.output_tokens), static_cast<long long>(p.calls));
  std::fflush(stdout);
}

int run_batch(const RunOptions &opt) {
  const auto endpoints = load_endpoint_config(opt.config, kCommand);
  if (!endpoints)
    return kExitBadInput;

  FsPackFiles files(opt.pack);
  auto pack = load_case_pack(files);
  if (!pack) {
    for (const Error &e : with_folder(pack.errors(), display_folder(opt.pack)))
      std::fprintf(stderr, "%s\n", e.message().c_str());
    return bad_input("cannot load the case pack " + display_folder(opt.pack));
  }

  std::vector<Condition> conditions;
  for (const std::string &name : opt.conditions) {
    auto condition = Condition::from_name(name);
    if (!condition)
      return bad_input("unknown condition '" + name +
                       "': expected full, no-image, no-ehr or no-image-no-ehr");
    conditions.push_back(*condition);
  }

  std::string shard_error;
  const auto shard = resolve_shard(opt, shard_error);
  if (!shard)
    return bad_input(shard_error);

  if (!opt.run_id.empty() && !opt.resume.empty() && opt.run_id != opt.resume)
    return bad_input("--run-id " + opt.run_id + " and --resume " + opt.resume +
                     " name different runs");

  drivers::BatchSettings settings;
  settings.pack = &*pack;
  settings.files = &files;
  settings.endpoints = &*endpoints;
  settings.clinicians = opt.clinicians;
  settings.patient = opt.patient;
  settings.conditions = conditions;
  settings.max_clinician_turns = opt.turns;
  settings.call_timeout_ms = int64_t(opt.call_timeout_s * 1000);
  settings.concurrency = opt.concurrency;
  settings.shard = shard->shard;
  settings.resume = !opt.resume.empty();
  settings.config_json = drivers::run_config_json(settings);
  settings.run_id = !opt.resume.empty()   ? opt.resume
                    : !opt.run_id.empty() ? opt.run_id
                                          : drivers::default_run_id(settings.config_json);

  auto db = store::Store::open(opt.store);
  if (!db) {
    for (const Error &e : db.errors())
      std::fprintf(stderr, "%s\n", e.message().c_str());
    std::fprintf(stderr, "%s: cannot open the store\n", kCommand);
    return store::is_storage_failure(db.errors()) ? kExitInternal : kExitBadInput;
  }

  transport::HttpTransport transport;
  drivers::BatchRunner runner(settings, transport, *db);
  InterruptFlag interrupt;
  RunProgressDisplay display(ProgressBar::stderr_is_terminal(), opt.progress_every_s);
  bool started = false;
  const std::string shard_text = std::to_string(settings.shard.index) + "/" +
                                 std::to_string(settings.shard.count) +
                                 (shard->source.empty() ? "" : " (from " + shard->source + ")");
  auto summary = runner.run([&](const drivers::BatchProgress &p) {
    if (!started) {
      started = true;
      std::fprintf(stderr, "%s: run %s, shard %s: %lld work item%s, %lld already complete -> %s\n",
                   kCommand, settings.run_id.c_str(), shard_text.c_str(),
                   static_cast<long long>(p.planned), p.planned == 1 ? "" : "s",
                   static_cast<long long>(p.skipped), opt.store.c_str());
    }
    if (interrupt.raised())
      runner.cancel();
    display.show(p);
  });
  display.clear();
  if (!summary) {
    for (const Error &e : summary.errors())
      std::fprintf(stderr, "%s\n", e.message().c_str());
    std::fprintf(stderr, "%s: nothing more was run\n", kCommand);
    return store::is_storage_failure(summary.errors()) ? kExitInternal : kExitBadInput;
  }
  if (summary->redone)
    std::fprintf(stderr, "%s: %lld unfinished transcript%s of the run redone\n", kCommand,
                 static_cast<long long>(summary->redone), summary->redone == 1 ? "" : "s");
  print_summary(settings, *summary);

  const drivers::BatchProgress &p = summary->progress;
  if (summary->cancelled || p.remaining() > 0) {
    std::fprintf(stderr,
                 "%s: interrupted with %lld work item%s not done; finish with the same options "
                 "and --resume %s\n",
                 kCommand, static_cast<long long>(p.remaining()), p.remaining() == 1 ? "" : "s",
                 settings.run_id.c_str());
    return 130; // the shell's convention for a program stopped by Ctrl-C
  }
  if (p.failed > 0) {
    std::fprintf(stderr,
                 "%s: %lld transcript%s failed (reasons above, and in each transcript's status); "
                 "the same options with --resume %s run them again\n",
                 kCommand, static_cast<long long>(p.failed), p.failed == 1 ? "" : "s",
                 settings.run_id.c_str());
    return kExitInternal;
  }
  return kExitOk;
}

} // namespace

void register_run_command(CLI::App &app, CommandAction &chosen) {
  auto opt = std::make_shared<RunOptions>();
  CLI::App *run = app.add_subcommand(
      "run", "Run a batch of conversations: every case x clinician x condition once, with a "
             "simulated patient, recorded turn by turn in a store; sharded with --shard (or a "
             "batch system's task index) and resumable with --resume");
  run->add_option("--pack", opt->pack, "Case pack folder")->required();
  run->add_option("--config", opt->config, "Endpoint config (JSON, docs/FORMATS.md)")->required();
  run->add_option("--clinician", opt->clinicians,
                  "Endpoint(s) under test, comma-separated (EP[,EP...])")
      ->required()
      ->delimiter(',');
  run->add_option("--patient", opt->patient, "Endpoint that plays the patient")->required();
  run->add_option("--conditions", opt->conditions,
                  "What the clinician sees: full, no-image, no-ehr, no-image-no-ehr "
                  "(comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  run->add_option("--turns", opt->turns, "Clinician replies per conversation, at most")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  run->add_option("--concurrency", opt->concurrency,
                  "Conversations at once (each endpoint also keeps to its limits)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  run->add_option("--shard", opt->shard,
                  "Run only part I of N (0-based: 0/3, 1/3, 2/3): the work items whose position "
                  "modulo N is I. Default: JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID when set");
  run->add_option("--shards", opt->shards,
                  "Number of shards N when the index comes from the environment (required with "
                  "JOB_COMPLETION_INDEX; default SLURM_ARRAY_TASK_COUNT)")
      ->check(CLI::Range(1, 1000000));
  run->add_option("--resume", opt->resume,
                  "Finish run RUN: skip its complete transcripts, redo the others (starts RUN "
                  "when the store does not hold it yet)");
  run->add_option("--store", opt->store, "Store file (SQLite; created if missing)")->required();
  run->add_option("--run-id", opt->run_id,
                  "Id of the run (default: run- and a hash of the run's settings, the same on "
                  "every shard)");
  run->add_option("--call-timeout", opt->call_timeout_s,
                  "Cap on each model call, in seconds (default: the endpoints' timeouts)")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--progress-every", opt->progress_every_s,
                  "Seconds between progress lines when stderr is not a terminal (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  run->callback([opt, &chosen] { chosen = [opt] { return run_batch(*opt); }; });
}

} // namespace imc::cli

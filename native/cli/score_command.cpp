// imc score: every complete transcript of a run scored by a jury (native/drivers/jury_driver.h),
// verdicts and wire logs into the store. Idempotent: a transcript whose jurors all hold a
// usable verdict (ok or unparseable, with this jury's rubric) on every dimension is skipped, and
// jurors whose calls failed are asked again on the next run; --rescore scores everything anew.
#include "cli.h"
#include "endpoints_check.h"
#include "fs_pack_files.h"
#include "pack_checks.h"
#include "progress_bar.h"

#include "drivers/jury_driver.h"
#include "store/store.h"
#include "transport/http_transport.h"

#include "imc/jury_config.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace imc::cli {

namespace {

constexpr const char *kCommand = "imc score";

struct ScoreOptions {
  std::string store;
  std::string run;
  std::string config;
  std::string jury;
  std::string pack = IMC_DEFAULT_PACK;
  int concurrency = 4;
  bool rescore = false;
};

int fail(const Errors &errors, const std::string &summary) {
  for (const Error &e : errors)
    std::fprintf(stderr, "%s\n", e.message().c_str());
  std::fprintf(stderr, "%s: %s\n", kCommand, summary.c_str());
  return store::is_storage_failure(errors) ? kExitInternal : kExitBadInput;
}

// Ctrl-C or SIGTERM stops scoring cleanly: juries in flight are stopped and store nothing, so
// the next `imc score` scores those transcripts again. A second Ctrl-C kills at once.
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_score_interrupt(int) { g_interrupted = 1; }

class Interrupts {
public:
  Interrupts() {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = on_score_interrupt;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
  }
  ~Interrupts() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  bool raised() const { return g_interrupted != 0; }

private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

// The rubric a juror's verdict on `d` is scored with under `config`.
const std::string &rubric_hash(const JuryConfig &config, Dimension d,
                               const std::map<int, std::string> &hashes) {
  return hashes.at(config.mode == JuryMode::combined ? 3 : int(d));
}

// One transcript to score, with the jurors that still owe it a verdict.
struct WorkItem {
  std::string transcript_id;
  std::vector<size_t> jurors; // indices into the jury's panel
};

struct JurorTally {
  size_t ok = 0, unparseable = 0, error = 0, reasked = 0;
};

struct Tally {
  std::mutex mutex;
  std::map<std::string, JurorTally> jurors; // by endpoint
  size_t transcripts_scored = 0;
  std::vector<std::string> problems; // transcripts not scored, with why
  bool storage_failure = false;
};

int run_score(const ScoreOptions &opt) {
  const auto started = std::chrono::steady_clock::now();
  // --- Inputs ------------------------------------------------------------------------------------
  const auto endpoints = load_endpoint_config(opt.config, kCommand);
  if (!endpoints)
    return kExitBadInput;
  auto jury_text = read_whole_file(opt.jury, opt.jury);
  if (!jury_text)
    return fail(jury_text.errors(), "give a jury config (docs/FORMATS.md, \"Jury config\")");
  auto jury_file = parse_jury_config(*jury_text, opt.jury);
  if (!jury_file)
    return fail(jury_file.errors(), "the jury config is not valid");
  auto jury = resolve_jury_config(*jury_file, *endpoints, opt.jury);
  if (!jury)
    return fail(jury.errors(), "the jury config does not fit the endpoint config " + opt.config);
  if (auto problem = pack_folder_problem(opt.pack)) {
    std::fprintf(stderr, "%s\n", problem->c_str());
    return fail({}, "give the case pack of the run (--pack)");
  }
  auto pack = load_pack_folder(opt.pack, false);
  if (!pack)
    return fail(pack.errors(), "the case pack does not load");
  auto db = store::Store::open(opt.store, {false});
  if (!db)
    return fail(db.errors(), "cannot open the store");
  if (auto run = db->get_run(opt.run); !run)
    return fail(run.errors(), "nothing scored");
  store::TranscriptFilter filter;
  filter.run_id = opt.run;
  filter.state = TranscriptState::complete;
  auto transcripts = db->list_transcripts(filter);
  if (!transcripts)
    return fail(transcripts.errors(), "cannot list the run's transcripts");

  // --- What is still to score --------------------------------------------------------------------
  const std::map<int, std::string> hashes = {
      {0, jury->rubrics.safety.hash()},
      {1, jury->rubrics.accuracy.hash()},
      {2, jury->rubrics.uncertainty.hash()},
      {3, jury->rubrics.combined.hash()}};
  std::vector<WorkItem> work;
  size_t already_scored = 0, other_pack = 0, verdicts_planned = 0;
  for (const auto &t : *transcripts) {
    if (!pack->find_case(t.case_id)) {
      std::fprintf(stderr, "%s: transcript %s: case %s is not in the pack %s; skipped\n",
                   kCommand, t.id.c_str(), t.case_id.c_str(), opt.pack.c_str());
      continue;
    }
    if (!t.pack_hash.empty() && t.pack_hash != pack->content_hash)
      ++other_pack;
    WorkItem item{t.id, {}};
    if (opt.rescore) {
      for (size_t j = 0; j < jury->panel.size(); ++j)
        item.jurors.push_back(j);
    } else {
      auto verdicts = db->list_verdicts(t.id);
      if (!verdicts)
        return fail(verdicts.errors(), "cannot read the stored verdicts");
      for (size_t j = 0; j < jury->panel.size(); ++j) {
        const JurorEndpoint &juror = jury->panel[j];
        bool owes = false;
        for (Dimension d : kDimensions) {
          bool usable = false;
          for (const JurorVerdict &v : *verdicts)
            usable = usable ||
                     (v.juror_endpoint == juror.endpoint && v.juror_model == juror.model &&
                      v.dimension == d && v.status != VerdictStatus::error &&
                      v.rubric_hash == rubric_hash(*jury, d, hashes));
          owes = owes || !usable;
        }
        if (owes)
          item.jurors.push_back(j);
      }
    }
    if (item.jurors.empty()) {
      ++already_scored;
      continue;
    }
    verdicts_planned += item.jurors.size() * kDimensions.size();
    work.push_back(std::move(item));
  }
  if (other_pack > 0)
    std::fprintf(stderr,
                 "%s: warning: %zu transcript%s of run %s record another pack hash than %s (%s); "
                 "the jury reads the cases as this pack has them\n",
                 kCommand, other_pack, other_pack == 1 ? "" : "s", opt.run.c_str(),
                 opt.pack.c_str(), pack->content_hash.c_str());
  std::fprintf(stderr,
               "%s: run %s: %zu complete transcript%s, %zu already scored by jury %s, %zu to "
               "score (%zu verdicts, %s mode, %zu juror%s, concurrency %d)\n",
               kCommand, opt.run.c_str(), transcripts->size(), transcripts->size() == 1 ? "" : "s",
               already_scored, jury_file->name.c_str(), work.size(), verdicts_planned,
               to_string(jury->mode), jury->panel.size(), jury->panel.size() == 1 ? "" : "s",
               opt.concurrency);

  // --- Scoring, on `concurrency` workers ---------------------------------------------------------
  transport::HttpTransport transport;
  Tally tally;
  std::atomic<size_t> next{0};
  std::atomic<size_t> verdicts_done{0};
  std::atomic<bool> stopping{false};
  std::atomic<size_t> finished_workers{0};
  std::mutex active_mutex;
  std::set<drivers::JuryDriver *> active;

  auto score_items = [&] {
    auto connection = db->open_connection();
    if (!connection) {
      std::lock_guard<std::mutex> lock(tally.mutex);
      tally.storage_failure = true;
      tally.problems.push_back("cannot open a store connection: " +
                               connection.errors().front().message());
      return;
    }
    for (size_t i; !stopping && (i = next++) < work.size();) {
      const WorkItem &item = work[i];
      auto transcript = connection->get_transcript(item.transcript_id);
      if (!transcript) {
        std::lock_guard<std::mutex> lock(tally.mutex);
        tally.problems.push_back(item.transcript_id + ": " +
                                 transcript.errors().front().message());
        continue;
      }
      JuryConfig config = *jury;
      config.panel.clear();
      for (size_t j : item.jurors)
        config.panel.push_back(jury->panel[j]);
      drivers::JuryDriverOptions options;
      options.store = &*connection;
      options.callbacks.on_verdict = [&](const JurorVerdict &, size_t, size_t) {
        ++verdicts_done;
      };
      const Case &patient_case = *pack->find_case(transcript->case_id);
      drivers::JuryDriver driver(*endpoints, transport, std::move(config), *transcript,
                                 patient_case, std::move(options));
      {
        std::lock_guard<std::mutex> lock(active_mutex);
        active.insert(&driver);
        if (stopping)
          driver.stop("interrupted");
      }
      auto outcome = driver.run();
      {
        std::lock_guard<std::mutex> lock(active_mutex);
        active.erase(&driver);
      }
      std::lock_guard<std::mutex> lock(tally.mutex);
      if (!outcome) {
        tally.storage_failure = tally.storage_failure || store::is_storage_failure(outcome.errors());
        tally.problems.push_back(item.transcript_id + ": " + outcome.errors().front().message());
        continue;
      }
      if (!outcome->complete) {
        if (!stopping)
          tally.problems.push_back(item.transcript_id + ": " + outcome->reason);
        continue;
      }
      ++tally.transcripts_scored;
      for (const JurorVerdict &v : outcome->verdicts) {
        JurorTally &t = tally.jurors[v.juror_endpoint];
        (v.status == VerdictStatus::ok            ? t.ok
         : v.status == VerdictStatus::unparseable ? t.unparseable
                                                  : t.error)++;
        if (v.status == VerdictStatus::ok && v.attempts > 1)
          ++t.reasked;
      }
    }
  };

  auto worker = [&] {
    score_items();
    ++finished_workers;
  };

  Interrupts interrupts;
  ProgressBar bar("verdicts", verdicts_planned, ProgressBar::stderr_is_terminal());
  std::vector<std::thread> workers;
  const size_t worker_count = std::min<size_t>(size_t(std::max(1, opt.concurrency)), work.size());
  for (size_t w = 0; w < worker_count; ++w)
    workers.emplace_back(worker);
  // The main thread draws the bar and watches for Ctrl-C while the workers score.
  for (;;) {
    const bool all_done = finished_workers.load() == worker_count;
    {
      std::lock_guard<std::mutex> lock(active_mutex);
      if (interrupts.raised() && !stopping) {
        stopping = true;
        for (drivers::JuryDriver *d : active)
          d->stop("interrupted");
      }
    }
    bar.update(verdicts_done.load());
    if (all_done)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (auto &t : workers)
    t.join();
  bar.update(verdicts_done.load());
  bar.finish();

  // --- Summary -----------------------------------------------------------------------------------
  JurorTally total;
  for (const auto &[name, t] : tally.jurors) {
    total.ok += t.ok;
    total.unparseable += t.unparseable;
    total.error += t.error;
    total.reasked += t.reasked;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%s: run %s: %zu transcript%s scored, %zu already scored, in %s\n", kCommand,
              opt.run.c_str(), tally.transcripts_scored, tally.transcripts_scored == 1 ? "" : "s",
              already_scored, format_duration(seconds).c_str());
  std::printf("  verdicts: %zu ok (%zu after a re-ask), %zu unparseable, %zu error\n", total.ok,
              total.reasked, total.unparseable, total.error);
  for (const auto &[name, t] : tally.jurors) {
    const size_t answered = t.ok + t.unparseable;
    std::printf("  %-24s parse rate %5.1f%% (%zu of %zu replies readable), %zu re-asked ok, %zu "
                "error\n",
                name.c_str(), answered ? 100.0 * double(t.ok) / double(answered) : 0.0, t.ok,
                answered, t.reasked, t.error);
  }
  for (const std::string &p : tally.problems)
    std::fprintf(stderr, "%s: not scored: %s\n", kCommand, p.c_str());
  if (total.error > 0)
    std::fprintf(stderr,
                 "%s: %zu juror call%s failed (status error); run the same command again to ask "
                 "those jurors again\n",
                 kCommand, total.error, total.error == 1 ? "" : "s");
  if (stopping) {
    std::fprintf(stderr,
                 "%s: interrupted; %zu transcript%s not scored: run the same command to go on\n",
                 kCommand, work.size() - tally.transcripts_scored,
                 work.size() - tally.transcripts_scored == 1 ? "" : "s");
    return 130;
  }
  if (tally.storage_failure)
    return kExitInternal;
  return tally.problems.empty() ? kExitOk : kExitInternal;
}

} // namespace

void register_score_command(CLI::App &app, CommandAction &chosen) {
  auto opt = std::make_shared<ScoreOptions>();
  CLI::App *cmd = app.add_subcommand(
      "score", "Score every complete transcript of a run with a jury of models (idempotent)");
  cmd->add_option("--store", opt->store, "The store (SQLite) holding the run")->required();
  cmd->add_option("--run", opt->run, "Run id")->required();
  cmd->add_option("--config", opt->config, "Endpoint config (JSON) naming the juror endpoints")
      ->required();
  cmd->add_option("--jury", opt->jury, "Jury config (JSON, docs/FORMATS.md \"Jury config\")")
      ->required();
  cmd->add_option("--pack", opt->pack, "Case pack of the run (the jury reads its cases)")
      ->capture_default_str();
  cmd->add_option("--concurrency", opt->concurrency,
                  "Transcripts scored at once (each endpoint's limits still hold)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--rescore", opt->rescore,
                "Score every transcript again, even those this jury already scored");
  cmd->callback([opt, &chosen] { chosen = [opt] { return run_score(*opt); }; });
}

} // namespace imc::cli

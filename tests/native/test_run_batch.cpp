// `imc run` as a user runs it, against the fake upstream: faults mid-run fail their transcripts
// and the run goes on; shards merge into exactly the whole run; the shard index comes from the
// batch system's environment; a run killed with SIGKILL at random moments and resumed ends with
// every work item present exactly once; bad input exits 2.
#include "test_run_support.h"

#include "fs_pack_files.h"

#include "imc/event_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

namespace imc::test {
namespace {

using store::Store;

class ImcRunTest : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(demo_images_present()); }

  // A config for the fake at `fake_` with clinicians `clinicians`, written to the temp folder.
  std::string write_config(const std::vector<std::string> &clinicians = {"doc"},
                           int concurrency = 4) {
    const std::string path = pack_.temp() / "endpoints.json";
    write_text(path, fake_endpoint_config(fake_.base_url(), clinicians, concurrency));
    return path;
  }
  std::string path(const std::string &name) const { return pack_.temp() / name; }

  // imc run on the scratch pack; `more` after the common options.
  std::vector<std::string> run_args(const std::string &config, const std::string &store,
                                    const std::string &clinicians, const std::string &conditions,
                                    std::vector<std::string> more = {}) {
    std::vector<std::string> args = {
        "run",      "--pack",    pack_.str(), "--config",         config,     "--clinician",
        clinicians, "--patient", "pat",       "--conditions",     conditions, "--turns",
        "2",        "--store",   store,       "--progress-every", "0"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  FakeUpstream fake_;
  DemoPackCopy pack_;
};

TEST_F(ImcRunTest, FaultsMidRunFailTheirTranscriptsWithTheReasonAndTheRunGoesOn) {
  trim_pack(pack_, 6, {{0, kFaultReset}, {1, kFault500}, {2, kFault503}, {3, kFaultTruncated}});
  FakeModel model;
  model.serve_on(fake_);
  const std::string store = path("faults.db");
  const auto r = run_imc_env(run_args(write_config(), store, "doc", "full,no-ehr",
                                      {"--run-id", "faults", "--concurrency", "4"}));
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("complete: 4 of 12"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("failed:   8"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("8 transcripts failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--resume faults"), std::string::npos) << r.err;

  auto db = must(Store::open(store, {false}));
  const CasePack pack = [&] {
    cli::FsPackFiles files(pack_.root());
    return must(load_case_pack(files));
  }();
  const std::map<std::string, std::string> expected_kind = {{pack.cases[0].id, "network: "},
                                                            {pack.cases[1].id, "server: "},
                                                            {pack.cases[2].id, "overloaded: "},
                                                            {pack.cases[3].id, "protocol: "},
                                                            {pack.cases[4].id, ""},
                                                            {pack.cases[5].id, ""}};
  const auto transcripts = must(db.list_transcripts());
  ASSERT_EQ(transcripts.size(), 12u);
  for (const auto &summary : transcripts) {
    const std::string &kind = expected_kind.at(summary.case_id);
    const Transcript t = must(db.get_transcript(summary.id));
    if (kind.empty()) {
      EXPECT_EQ(t.status.state, TranscriptState::complete) << summary.case_id;
      EXPECT_EQ(t.turns.size(), 4u);
      continue;
    }
    EXPECT_EQ(t.status.state, TranscriptState::failed) << summary.case_id;
    EXPECT_EQ(t.status.reason.rfind(kind, 0), 0u) << summary.case_id << ": " << t.status.reason;
    EXPECT_NE(r.out.find(t.status.reason), std::string::npos)
        << "summary lacks " << t.status.reason;
    if (summary.case_id == pack.cases[2].id) { // 503 is retried (3 retries), then fails
      EXPECT_NE(t.status.reason.find("after 4 attempts"), std::string::npos) << t.status.reason;
    }
    // Mid-run: the opening, a clinician reply and a patient reply were stored before the fault.
    ASSERT_GE(t.turns.size(), 3u) << summary.case_id;
    EXPECT_TRUE(t.turns[1].error == std::nullopt);
    if (t.turns.size() == 4) {
      ASSERT_TRUE(t.turns[3].error);
      EXPECT_EQ(t.turns[3].error->kind + ": ", kind);
    }
  }
  const store::RunRecord run = must(db.get_run("faults"));
  EXPECT_EQ(run.status, store::RunStatus::failed);
  EXPECT_EQ(run.progress.planned, 12);
  EXPECT_EQ(run.progress.completed, 4);
  EXPECT_EQ(run.progress.failed, 8);
}

TEST_F(ImcRunTest, ShardsMergeIntoExactlyTheWholeRun) {
  trim_pack(pack_, 5);
  FakeModel model;
  model.serve_on(fake_);
  const std::string config = write_config({"doc", "doc2"});
  std::set<std::string> run_ids;
  std::vector<std::set<std::string>> shard_ids(3);
  for (int i = 0; i < 3; ++i) {
    const std::string store = path("shard-" + std::to_string(i) + ".db");
    const auto r = run_imc_env(run_args(config, store, "doc,doc2", "full,no-image",
                                        {"--shard", std::to_string(i) + "/3"}));
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    for (const auto &t : all_transcripts(store)) {
      run_ids.insert(t.run_id);
      shard_ids[size_t(i)].insert(t.id);
    }
  }
  // 5 cases x 2 clinicians x 2 conditions = 20 items: 7, 7 and 6 per shard, one run id.
  EXPECT_EQ(shard_ids[0].size(), 7u);
  EXPECT_EQ(shard_ids[1].size(), 7u);
  EXPECT_EQ(shard_ids[2].size(), 6u);
  ASSERT_EQ(run_ids.size(), 1u);

  const std::string all = path("all.db");
  const auto merged = run_imc_env({"store", "merge", "--into", all, path("shard-0.db"),
                                   path("shard-1.db"), path("shard-2.db")});
  ASSERT_EQ(merged.exit_code, 0) << describe(merged);
  EXPECT_EQ(merged.err.find("conflict"), std::string::npos) << merged.err;
  const auto transcripts = all_transcripts(all);
  ASSERT_EQ(transcripts.size(), 20u);
  const auto counts = work_key_counts(transcripts);
  EXPECT_EQ(counts.size(), 20u);
  for (const auto &[key, n] : counts)
    EXPECT_EQ(n, 1) << key;
  for (const auto &t : transcripts)
    EXPECT_EQ(t.status.state, TranscriptState::complete) << t.id;
  auto db = must(Store::open(all, {false}));
  const store::RunRecord run = must(db.get_run(*run_ids.begin()));
  EXPECT_EQ(run.shard.count, 3);
  EXPECT_EQ(run.shards_held, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(run.progress.planned, 20);
  EXPECT_EQ(run.progress.completed, 20);

  // Merging again changes nothing.
  const auto again = run_imc_env({"store", "merge", "--into", all, path("shard-1.db")});
  ASSERT_EQ(again.exit_code, 0) << describe(again);
  EXPECT_EQ(all_transcripts(all).size(), 20u);
  EXPECT_NE(again.out.find("transcripts: 0 added, 7 already there"), std::string::npos)
      << again.out;

  // The index from a Kubernetes Indexed Job or a Slurm job array picks the same items.
  const std::string k8s = path("k8s-1.db");
  auto r = run_imc_env(run_args(config, k8s, "doc,doc2", "full,no-image", {"--shards", "3"}),
                       {{"JOB_COMPLETION_INDEX", "1"}});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("shard 1/3 (from JOB_COMPLETION_INDEX)"), std::string::npos) << r.err;
  std::set<std::string> ids;
  for (const auto &t : all_transcripts(k8s))
    ids.insert(t.id);
  EXPECT_EQ(ids, shard_ids[1]);

  const std::string slurm = path("slurm-2.db");
  r = run_imc_env(run_args(config, slurm, "doc,doc2", "full,no-image"),
                  {{"SLURM_ARRAY_TASK_ID", "2"},
                   {"SLURM_ARRAY_TASK_COUNT", "3"},
                   {"SLURM_ARRAY_TASK_MIN", "0"}});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  ids.clear();
  for (const auto &t : all_transcripts(slurm))
    ids.insert(t.id);
  EXPECT_EQ(ids, shard_ids[2]);

  // An index without a count is refused.
  r = run_imc_env(run_args(config, path("x.db"), "doc", "full"), {{"JOB_COMPLETION_INDEX", "0"}});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("--shards N"), std::string::npos) << r.err;
}

// The store after a kill: opens, and nothing is complete that is not whole.
void expect_consistent(const std::string &store, int turns_per_transcript) {
  auto db = must(Store::open(store));
  for (const auto &summary : must(db.list_transcripts())) {
    const Transcript t = must(db.get_transcript(summary.id));
    if (t.status.state != TranscriptState::complete)
      continue;
    ASSERT_EQ(int(t.turns.size()), turns_per_transcript) << t.id;
    const auto logs = must(db.list_wire_logs(t.id));
    ASSERT_EQ(logs.size(), t.turns.size() - 1) << t.id;
    for (size_t i = 1; i < t.turns.size(); ++i) {
      ASSERT_EQ(t.turns[i].wire_log_refs.size(), 1u);
      EXPECT_EQ(logs[i - 1].call_id, t.turns[i].wire_log_refs[0]);
    }
  }
}

TEST_F(ImcRunTest, KilledAtRandomMomentsAndResumedEndsExactlyOnce) {
  // 12 cases x 2 clinicians x 3 conditions = 72 conversations of 3 calls of ~20 ms, two at a
  // time: a little over 2 s of work, cut by at least ten SIGKILLs.
  trim_pack(pack_, 12);
  FakeModel model(20);
  model.serve_on(fake_);
  const std::string config = write_config({"doc", "doc2"}, 2);
  const std::string store = path("killed.db");
  const auto args = imc_argv(run_args(config, store, "doc,doc2", "full,no-image,no-ehr",
                                      {"--resume", "killed", "--concurrency", "2"}));
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> delay_ms(5, 250);

  int kills = 0;
  int attempts = 0;
  const auto started = std::chrono::steady_clock::now();
  while (kills < 10 && attempts < 40) {
    ++attempts;
    Child child(args, path("killed.log"));
    const int ended = child.wait_for(std::chrono::milliseconds(delay_ms(random)));
    if (ended == -1) {
      ASSERT_EQ(child.kill_now(), 128 + SIGKILL);
      ++kills;
    } else {
      ASSERT_EQ(ended, 0) << read_text(path("killed.log"));
      break; // finished before the kill: nothing left to interrupt
    }
    expect_consistent(store, 4);
  }
  EXPECT_GE(kills, 10) << "the run finished too soon to be killed ten times";
  const auto finished = run_process(args, 60);
  ASSERT_EQ(finished.exit_code, 0) << describe(finished);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  RecordProperty("kills", kills);
  RecordProperty("seconds", std::to_string(seconds));

  const auto transcripts = all_transcripts(store);
  ASSERT_EQ(transcripts.size(), 72u);
  const auto counts = work_key_counts(transcripts);
  ASSERT_EQ(counts.size(), 72u);
  for (const auto &t : transcripts)
    EXPECT_EQ(t.status.state, TranscriptState::complete) << t.id << ": " << t.status.reason;
  expect_consistent(store, 4);
  auto db = must(Store::open(store, {false}));
  const store::RunRecord run = must(db.get_run("killed"));
  EXPECT_EQ(run.status, store::RunStatus::complete);
  EXPECT_EQ(run.progress.completed, 72);
  // Each transcript's event log still replays into it.
  for (size_t i = 0; i < transcripts.size(); i += 9) {
    std::string jsonl;
    for (const auto &e : must(db.list_events(transcripts[i].id)))
      jsonl += e.json + "\n";
    Transcript replayed = must(replay_event_log(jsonl, transcripts[i].id));
    Transcript stored = must(db.get_transcript(transcripts[i].id));
    for (Turn &turn : stored.turns)
      turn.wire_log_refs.clear();
    EXPECT_EQ(serialize_transcript(replayed, false), serialize_transcript(stored, false));
  }
}

TEST_F(ImcRunTest, BadInputExitsTwoAndSaysWhy) {
  trim_pack(pack_, 2);
  FakeModel model;
  model.serve_on(fake_);
  const std::string config = write_config();
  const std::string store = path("bad.db");
  struct Case {
    std::vector<std::string> more;
    std::string clinicians, conditions, message;
  };
  const std::vector<Case> cases = {
      {{}, "doc,nobody", "full", "no endpoint 'nobody'"},
      {{}, "doc", "full,sideways", "unknown condition 'sideways'"},
      {{"--shard", "3/3"}, "doc", "full", "0 <= I < N"},
      {{"--shard", "1/3", "--shards", "2"}, "doc", "full", "disagree"},
      {{"--run-id", "Bad_Id"}, "doc", "full", "is not an id"},
      {{}, "doc,doc", "full", "given twice"},
  };
  for (const Case &c : cases) {
    const auto r = run_imc_env(run_args(config, store, c.clinicians, c.conditions, c.more));
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << describe(r);
  }
  // A run the store holds is resumed, never silently run twice.
  auto r = run_imc_env(run_args(config, store, "doc", "full", {"--run-id", "once"}));
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  r = run_imc_env(run_args(config, store, "doc", "full", {"--run-id", "once"}));
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("--resume once"), std::string::npos) << r.err;
  r = run_imc_env(run_args(config, store, "doc", "full,no-image", {"--resume", "once"}));
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("conditions"), std::string::npos) << r.err;
  r = run_imc_env(run_args(config, store, "doc", "full", {"--resume", "once"}));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("complete: 2 of 2 (2 already complete before)"), std::string::npos) << r.out;
  EXPECT_EQ(all_transcripts(store).size(), 2u);
}

} // namespace
} // namespace imc::test

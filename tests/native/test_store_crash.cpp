// A writer killed with SIGKILL at random moments: after each kill the store opens cleanly, every
// stored turn is whole JSON, only finished transcripts read as complete, and resuming ends with
// every work item present exactly once.
#include "test_store_support.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace imc::test {
namespace {

using store::Store;

constexpr int kCases = 200;
constexpr int kTurnsPerTranscript = 6;
const Condition kConditions[] = {{true, true}, {false, true}};

std::string transcript_id(int case_index, const Condition &c) {
  return "t-" + std::to_string(case_index) + "-" + c.name();
}

// The batch runner's loop, resumable: skip complete work items, restart the others. Returns
// false on any store error. Runs in the child process.
bool run_batch(const std::string &path) {
  auto opened = Store::open(path);
  if (!opened)
    return false;
  Store &db = *opened;
  if (!db.get_run("crash") && !db.create_run(make_run("crash", 0, 1, kCases * 2)))
    return false;
  int64_t completed = 0;
  for (int i = 0; i < kCases; ++i)
    for (const Condition &c : kConditions) {
      const std::string case_id = "case-" + std::to_string(i);
      auto found = db.find_by_work_key({"crash", case_id, "clinician-a", c.name()});
      if (!found)
        return false;
      Transcript t = make_transcript(transcript_id(i, c), "crash", case_id, "clinician-a", c,
                                     kTurnsPerTranscript);
      if (*found && (*found)->status.state == TranscriptState::complete) {
        ++completed;
        continue;
      }
      Transcript header = t;
      header.turns.clear();
      if (*found ? !db.reset_transcript((*found)->id) : !db.begin_transcript(header))
        return false;
      for (const Turn &turn : t.turns) {
        if (!db.append_turn(t.id, turn))
          return false;
        if (!db.append_event(t.id,
                             R"({"kind":"turn_done","index":)" + std::to_string(turn.index) + "}"))
          return false;
      }
      if (!db.finish_transcript(t.id, {TranscriptState::complete, ""}))
        return false;
      if (!db.update_run_progress("crash", {kCases * 2, ++completed, 0}))
        return false;
    }
  return bool(db.finish_run("crash", store::RunStatus::complete));
}

// Forks a writer; kills it after `kill_after` (never, when zero). Returns how it ended.
int run_writer(const std::string &path, std::chrono::milliseconds kill_after) {
  const pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0)
    _exit(run_batch(path) ? 0 : 3);
  if (kill_after.count() > 0) {
    std::this_thread::sleep_for(kill_after);
    kill(pid, SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

// What must hold after any crash.
void check_consistent(const std::string &path) {
  Store db = must(Store::open(path)); // a writer killed before the schema was whole included
  {
    RawDb raw(path);
    EXPECT_EQ(raw.value("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(raw.value("PRAGMA foreign_key_check"), "");
    for (const std::string &json : raw.column("SELECT json FROM turns")) {
      EXPECT_TRUE(nlohmann::json::accept(json)) << json;
    }
    // Turns are contiguous from 0 in every transcript.
    EXPECT_EQ(raw.value("SELECT count(*) FROM (SELECT transcript_id FROM turns GROUP BY"
                        " transcript_id HAVING max(idx) + 1 <> count(*))"),
              "0");
    // Only finish_transcript makes a transcript complete, and it runs after the last turn.
    EXPECT_EQ(raw.value("SELECT count(*) FROM transcripts t WHERE state = 'complete' AND"
                        " (SELECT count(*) FROM turns WHERE transcript_id = t.id) <> " +
                        std::to_string(kTurnsPerTranscript)),
              "0");
  }
  for (const auto &summary : must(db.list_transcripts({}))) {
    const Transcript t = must(db.get_transcript(summary.id)); // parses with the core codec
    EXPECT_EQ(int64_t(t.turns.size()), summary.turn_count);
    for (size_t i = 0; i < t.turns.size(); ++i)
      EXPECT_EQ(t.turns[i].index, int(i));
  }
}

TEST(StoreCrash, KilledWriterLeavesAConsistentStoreAndResumeCompletesEachWorkItemOnce) {
  TempDir dir;
  const std::string path = dir / "crash.db";
  std::mt19937 random(20261127);
  std::uniform_int_distribution<int> delay_ms(5, 60);
  int killed = 0;
  for (int round = 0; round < 8; ++round) {
    const int delay = delay_ms(random);
    const int ended = run_writer(path, std::chrono::milliseconds(delay));
    if (ended == 128 + SIGKILL)
      ++killed;
    else
      ASSERT_EQ(ended, 0) << "the writer failed in round " << round;
    int64_t complete = 0, incomplete = 0;
    if (std::filesystem::exists(path)) {
      check_consistent(path);
      Store db = must(Store::open(path));
      const store::StoreCounts counts = must(db.counts());
      complete = counts.transcripts_complete;
      incomplete = counts.transcripts_incomplete;
    }
    std::printf("[ crash    ] round %d: killed after %d ms: %lld complete, %lld incomplete\n",
                round, delay, static_cast<long long>(complete), static_cast<long long>(incomplete));
  }
  EXPECT_GE(killed, 4) << "the writer finished before most kills: the test proves little";

  ASSERT_EQ(run_writer(path, std::chrono::milliseconds(0)), 0);
  check_consistent(path);
  Store db = must(Store::open(path));
  const auto transcripts = must(db.list_transcripts({}));
  ASSERT_EQ(transcripts.size(), size_t(kCases * 2));
  std::set<std::string> ids;
  for (const auto &t : transcripts) {
    EXPECT_EQ(t.status.state, TranscriptState::complete) << t.id;
    EXPECT_EQ(t.turn_count, kTurnsPerTranscript) << t.id;
    ids.insert(t.id);
    EXPECT_EQ(must(db.list_events(t.id)).size(), size_t(kTurnsPerTranscript)) << t.id;
  }
  EXPECT_EQ(ids.size(), size_t(kCases * 2));
  const store::RunRecord run = must(db.get_run("crash"));
  EXPECT_EQ(run.status, store::RunStatus::complete);
  EXPECT_EQ(run.progress.completed, kCases * 2);
}

} // namespace
} // namespace imc::test

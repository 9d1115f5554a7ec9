#pragma once
// Helpers for the batch-run tests (test_run*.cpp): `imc run` as a process with a controlled
// environment (and killable), endpoint configs pointing at the fake upstream, a fake "model" that
// answers both seats and injects faults into chosen cases, and a look into the store.
#include "cli_test_support.h"
#include "support/fake_upstream.h"
#include "test_store_support.h"

#include "store/store.h"
#include "support/subprocess.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace imc::test {

// The variables `imc run` reads its shard from: removed from every child's environment unless a
// test sets them, so a CI that itself runs under Slurm or Kubernetes changes nothing.
inline const std::vector<std::string> &shard_variables() {
  static const std::vector<std::string> names = {"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID",
                                                 "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
                                                 "SLURM_ARRAY_TASK_STEP"};
  return names;
}

// argv for running `imc ARGS` with exactly the shard variables of `env` (and the others given).
inline std::vector<std::string> imc_argv(const std::vector<std::string> &args,
                                         const std::map<std::string, std::string> &env = {}) {
  std::vector<std::string> argv = {"/usr/bin/env"};
  for (const std::string &name : shard_variables())
    argv.insert(argv.end(), {"-u", name});
  for (const auto &[name, value] : env)
    argv.push_back(name + "=" + value);
  argv.push_back(imc::test::cli_binary());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

inline ProcessResult run_imc_env(const std::vector<std::string> &args,
                                 const std::map<std::string, std::string> &env = {},
                                 double timeout_s = 120) {
  return run_process(imc_argv(args, env), timeout_s);
}

// A child process started without waiting, its output sent to a file, killable at any moment.
class Child {
public:
  Child(const std::vector<std::string> &argv, const std::string &output_path) {
    const ExecArgs exec(argv);
    pid_ = fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) { // async-signal-safe calls only (ExecArgs)
      const int fd = open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execv(exec.argv()[0], exec.argv());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child &) = delete;
  Child &operator=(const Child &) = delete;

  // Exit code, 128 + signal when killed, or -1 while it is still running after `timeout`.
  int wait_for(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() >= end)
        return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  // SIGKILL now (if still running); returns how it ended.
  int kill_now() {
    if (pid_ > 0)
      ::kill(pid_, SIGKILL);
    return wait_for(std::chrono::seconds(10));
  }

private:
  pid_t pid_ = -1;
};

// An endpoint config with a clinician "doc" and a patient "pat" (and any more clinicians), all
// OpenAI-compatible at `base_url`, each with its own model name so the fake can tell the seats
// apart.
inline std::string fake_endpoint_config(const std::string &base_url,
                                        const std::vector<std::string> &clinicians = {"doc"},
                                        int concurrency = 4) {
  OrderedJson endpoints = OrderedJson::array();
  auto add = [&](const std::string &name) {
    endpoints.push_back(
        {{"name", name},
         {"protocol", "openai"},
         {"base_url", base_url + "/v1"},
         {"model", name + "-model"},
         {"auth", {{"type", "none"}}},
         {"defaults", {{"temperature", 0}, {"max_tokens", 32}}},
         {"limits", {{"concurrency", concurrency}}},
         {"timeouts", {{"connect_ms", 2000}, {"first_byte_ms", 5000}, {"total_ms", 10000}}}});
  };
  for (const std::string &c : clinicians)
    add(c);
  add("pat");
  return OrderedJson{{"schema_version", 1}, {"endpoints", endpoints}}.dump(2);
}

// Marks in a case's opening statement that make the fake fail that case's clinician calls
// from the second one on (so the fault hits mid-conversation, after turns were stored).
inline const char *kFaultReset = "FAULT-RESET";
inline const char *kFault500 = "FAULT-500";
inline const char *kFault503 = "FAULT-503";
inline const char *kFaultTruncated = "FAULT-TRUNCATED";

// A fake model for both seats: a short streamed reply after `latency_ms`, or a fault for
// clinician calls of marked cases. Thread-safe (the fake serves requests in parallel).
class FakeModel {
public:
  explicit FakeModel(int latency_ms = 5) : latency_ms_(latency_ms) {}

  FakeReply reply(const FakeRequest &request) {
    const auto body = nlohmann::json::parse(request.body, nullptr, false);
    const std::string model = body.is_object() ? body.value("model", "") : "";
    const bool clinician = model != "pat-model";
    const bool later_call = request.body.find("\"assistant\"") != std::string::npos;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++calls_;
    }
    FakeReply ok = fake_reply::openai_sse({"Thank you. ", "Tell me ", "more."});
    ok.head_delay_ms = latency_ms_;
    if (!clinician || !later_call)
      return ok;
    if (request.body.find(kFaultReset) != std::string::npos) {
      ok.fault = FakeReply::Fault::reset;
      ok.fault_after_chunks = 2; // text was passed on: no retry
      return ok;
    }
    if (request.body.find(kFault500) != std::string::npos)
      return fake_reply::openai_error(500, "the fake upstream failed", "server_error");
    if (request.body.find(kFault503) != std::string::npos)
      return fake_reply::openai_error(503, "the fake upstream is overloaded", "overloaded",
                                      {{"retry-after", "0"}});
    if (request.body.find(kFaultTruncated) != std::string::npos) {
      FakeReply cut = fake_reply::openai_sse({"Thank", " you"}, "stop", {}, false);
      cut.chunks.resize(3); // role chunk and two deltas: no finish, no [DONE]
      cut.head_delay_ms = latency_ms_;
      return cut;
    }
    return ok;
  }

  void serve_on(FakeUpstream &fake) {
    fake.handle("POST", "/v1/chat/completions",
                [this](const FakeRequest &request) { return reply(request); });
  }

  int calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }

private:
  int latency_ms_;
  mutable std::mutex mutex_;
  int calls_ = 0;
};

// The demo pack's cases in a scratch copy, `count` of them, with `marks` (case index -> text)
// appended to chosen opening statements.
inline void trim_pack(const DemoPackCopy &pack, size_t count,
                      const std::map<size_t, std::string> &marks = {}) {
  OrderedJson manifest = read_json(pack / "manifest.json");
  OrderedJson cases = OrderedJson::array();
  for (size_t i = 0; i < count && i < manifest["cases"].size(); ++i)
    cases.push_back(manifest["cases"][i]);
  manifest["cases"] = cases;
  manifest.erase("transcripts"); // bundled transcripts name the original pack hash
  write_json(pack / "manifest.json", manifest);
  for (const auto &[index, mark] : marks) {
    const fs::path path = pack / cases[index].get<std::string>();
    OrderedJson c = read_json(path);
    c["persona"]["opening_statement"] =
        c["persona"]["opening_statement"].get<std::string>() + " (" + mark + ")";
    write_json(path, c);
  }
}

// Every transcript of the store, as summaries.
inline std::vector<store::TranscriptSummary> all_transcripts(const std::string &path) {
  auto db = must(store::Store::open(path, {false}));
  return must(db.list_transcripts());
}

// (case, clinician, condition) -> how many transcripts the store holds for it.
inline std::map<std::string, int> work_key_counts(const std::vector<store::TranscriptSummary> &ts) {
  std::map<std::string, int> counts;
  for (const auto &t : ts)
    ++counts[t.case_id + "|" + t.clinician_endpoint + "|" + t.condition];
  return counts;
}

} // namespace imc::test

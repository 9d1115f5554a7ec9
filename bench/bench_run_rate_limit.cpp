// A batch run against an endpoint limited to 20 requests per second (requests_per_minute 1200)
// whose replies take 300 ms, with 64 conversations at once: the limiter must keep the endpoint
// busy at its limit without ever going over it. Measured where a provider would count, at the
// fake upstream: the achieved rate over the measurement (default 60 s) and the most requests
// that arrived in any 1-second window.
//
//   build/native-release/bench/bench_run_rate_limit                  # 60 s
//   IMC_BENCH_SECONDS=10 build/native-release/bench/bench_run_rate_limit
//   IMC_BENCH_ARRIVALS=/tmp/arrivals- ...   # writes /tmp/arrivals-2 and /tmp/arrivals-0
#include "drivers/batch_runner.h"
#include "fs_pack_files.h"
#include "support/fake_upstream.h"
#include "support/subprocess.h"
#include "support/test_paths.h"
#include "transport/http_transport.h"

#include "imc/sha256.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <thread>

namespace {

using namespace imc;

constexpr double kLimitPerSecond = 20;
constexpr int kLatencyMs = 300;
constexpr int kConcurrency = 64;

double measurement_seconds() {
  const char *text = std::getenv("IMC_BENCH_SECONDS");
  return text && std::atof(text) > 0 ? std::atof(text) : 60;
}

// The demo melanoma case, 400 times over under other ids: more work than the measurement needs.
CasePack bench_pack() {
  cli::FsPackFiles files(std::string(imc::test::source_dir()) + "/assets/demo");
  auto demo = load_case_pack(files);
  if (!demo)
    throw std::runtime_error(format_errors(demo.errors()));
  CasePack pack;
  pack.manifest = demo->manifest;
  const Case &model = *demo->find_case("isic-0000002-melanoma");
  for (int i = 0; i < 400; ++i) {
    Case c = model;
    c.id = "bench-case-" + std::to_string(i);
    pack.cases.push_back(c);
  }
  pack.content_hash = "sha256:" + sha256_hex("bench pack");
  return pack;
}

// No case image is read under no-image-no-ehr.
class NoFiles : public PackFiles {
public:
  Result<std::string> read(const std::string &path) override {
    return Error{path, "", "", "not read in this benchmark"};
  }
};

struct WindowStats {
  int64_t requests = 0;  // arrived within the measurement
  double seconds = 0;    // the measurement's length
  int64_t max_in_1s = 0; // most arrivals in any [t, t + 1000 ms)
};

// Arrival times in ms, sorted; every window starting at an arrival (the worst windows do).
WindowStats window_stats(std::vector<int64_t> at, double seconds) {
  WindowStats s;
  s.seconds = seconds;
  std::sort(at.begin(), at.end());
  if (at.empty())
    return s;
  const int64_t end = at.front() + int64_t(seconds * 1000);
  size_t j = 0;
  for (size_t i = 0; i < at.size() && at[i] < end; ++i) {
    ++s.requests;
    j = std::max(j, i);
    while (j < at.size() && at[j] < at[i] + 1000)
      ++j;
    s.max_in_1s = std::max<int64_t>(s.max_in_1s, int64_t(j - i));
  }
  return s;
}

std::map<int64_t, WindowStats> g_stats; // by headroom in percent

void BM_RateLimitedBatch(benchmark::State &state) {
  const double seconds = measurement_seconds();
  const int64_t headroom_percent = state.range(0);
  WindowStats &stats = g_stats[headroom_percent];
  for (auto _ : state) {
    test::FakeUpstream fake;
    test::FakeReply reply = test::fake_reply::openai_sse({"Thank you. ", "Tell me more."});
    reply.head_delay_ms = kLatencyMs;
    fake.script("POST", "/v1/chat/completions", {reply});
    EndpointConfig endpoints;
    Endpoint e;
    e.name = "limited";
    e.base_url = fake.base_url() + "/v1";
    e.model = "limited-model";
    e.limits.concurrency = kConcurrency;
    e.limits.requests_per_minute = kLimitPerSecond * 60;
    endpoints.endpoints.push_back(e);

    const CasePack pack = bench_pack();
    NoFiles files;
    test::TempDir dir;
    auto db = store::Store::open(dir / "bench.db");
    if (!db) {
      state.SkipWithError("cannot open the store");
      return;
    }
    drivers::BatchSettings settings;
    settings.run_id = "rate-limit";
    settings.pack = &pack;
    settings.files = &files;
    settings.endpoints = &endpoints;
    settings.clinicians = {"limited"};
    settings.patient = "limited";
    settings.conditions = {Condition{false, false}};
    settings.max_clinician_turns = 10;
    settings.concurrency = kConcurrency;
    settings.rate_headroom = double(headroom_percent) / 100;
    transport::HttpTransport transport;
    drivers::BatchRunner runner(settings, transport, *db);
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds + 1));
      runner.cancel();
    });
    auto summary = runner.run();
    stopper.join();
    if (!summary) {
      state.SkipWithError(format_errors(summary.errors()).c_str());
      return;
    }
    std::vector<int64_t> at;
    for (const test::FakeRequest &r : fake.requests())
      at.push_back(r.at_ms);
    // IMC_BENCH_ARRIVALS=FILE keeps the arrival times (ms, one per line) for a closer look.
    if (const char *path = std::getenv("IMC_BENCH_ARRIVALS"))
      if (FILE *f = std::fopen((path + std::to_string(headroom_percent)).c_str(), "w")) {
        for (int64_t t : at)
          std::fprintf(f, "%lld\n", static_cast<long long>(t));
        std::fclose(f);
      }
    stats = window_stats(std::move(at), seconds);
  }
  state.counters["requests"] = double(stats.requests);
  state.counters["achieved_per_s"] = double(stats.requests) / stats.seconds;
  state.counters["achieved_over_limit"] = double(stats.requests) / stats.seconds / kLimitPerSecond;
  state.counters["max_in_any_1s"] = double(stats.max_in_1s);
  state.SetLabel("headroom " + std::to_string(headroom_percent) + "%");
}
// The batch runner's default headroom (2 %), and none as the baseline.
BENCHMARK(BM_RateLimitedBatch)
    ->Arg(2)
    ->Arg(0)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  std::printf("\n%d conversations at once, replies after %d ms, limit %.0f requests/s:\n",
              kConcurrency, kLatencyMs, kLimitPerSecond);
  for (const auto &[headroom, stats] : g_stats) {
    if (stats.requests == 0)
      continue;
    const double achieved = double(stats.requests) / stats.seconds;
    std::printf("headroom %lld%%: achieved %.2f requests/s over %.0f s = %.1f%% of the limit "
                "(needs >= 95%%); most in any 1-second window: %lld (limit %.0f)\n",
                static_cast<long long>(headroom), achieved, stats.seconds,
                100 * achieved / kLimitPerSecond, static_cast<long long>(stats.max_in_1s),
                kLimitPerSecond);
  }
  benchmark::Shutdown();
  return 0;
}

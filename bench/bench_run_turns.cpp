// What the conversation driver costs per turn beyond the model: the engine, the transport's
// client side and the store, against a fake upstream that answers at once (a streamed reply of
// three deltas). CPU time is the driver thread's own (the fake's server threads are not counted);
// turns per second is wall-clock. The same conversations without a store give the baseline, and
// the ratio is printed at the end.
//
//   build/native-release/bench/bench_run_turns
#include "drivers/conversation_driver.h"
#include "fs_pack_files.h"
#include "support/fake_upstream.h"
#include "support/subprocess.h"
#include "support/test_paths.h"
#include "transport/http_transport.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <stdexcept>

namespace {

using namespace imc;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

const Case &bench_case() {
  static const Case c = [] {
    cli::FsPackFiles files(std::string(imc::test::source_dir()) + "/assets/demo");
    auto pack = load_case_pack(files);
    if (!pack)
      throw std::runtime_error(format_errors(pack.errors()));
    return *pack->find_case("isic-0000002-melanoma");
  }();
  return c;
}

struct Fixture {
  test::FakeUpstream fake;
  EndpointConfig endpoints;
  transport::HttpTransport transport;
  Fixture() {
    fake.script("POST", "/v1/chat/completions",
                {test::fake_reply::openai_sse({"Thank you. ", "Tell me ", "more."})});
    for (const char *name : {"doc", "pat"}) {
      Endpoint e;
      e.name = name;
      e.base_url = fake.base_url() + "/v1";
      e.model = std::string(name) + "-model";
      e.limits.concurrency = 64;
      endpoints.endpoints.push_back(e);
    }
  }
};

constexpr int kClinicianTurns = 10; // 20 turns a conversation: the opening and 19 replies

struct Measured {
  double cpu_us_per_turn = 0;
  double turns_per_s = 0;
};
Measured g_with_store, g_without_store;

void BM_ConversationTurns(benchmark::State &state) {
  const bool with_store = state.range(0) != 0;
  Fixture fixture;
  test::TempDir dir;
  std::unique_ptr<store::Store> db;
  if (with_store)
    db = std::make_unique<store::Store>(std::move(*store::Store::open(dir / "bench.db")));

  int64_t turns = 0;
  int conversation = 0;
  double cpu = 0;
  for (auto _ : state) {
    ConversationConfig config;
    config.transcript_id = "t-" + std::to_string(conversation++);
    config.patient_case = bench_case();
    config.condition = {false, true};
    config.clinician_endpoint = "doc";
    config.clinician_model = "doc-model";
    config.clinician_parameters.stream = true;
    config.simulated_patient = {"pat", "pat-model", {}};
    config.simulated_patient.parameters.stream = true;
    config.max_clinician_turns = kClinicianTurns;
    drivers::ConversationDriverOptions options;
    options.store = db.get();
    drivers::ConversationDriver driver(fixture.endpoints, fixture.transport, config, {}, options);
    const double start = thread_cpu_seconds();
    auto outcome = driver.run();
    cpu += thread_cpu_seconds() - start;
    if (!outcome || outcome->transcript.status.state != TranscriptState::complete) {
      state.SkipWithError("the conversation did not complete");
      return;
    }
    turns += int64_t(outcome->transcript.turns.size());
  }
  Measured &m = with_store ? g_with_store : g_without_store;
  m.cpu_us_per_turn = cpu * 1e6 / double(turns);
  state.counters["cpu_us_per_turn"] = m.cpu_us_per_turn;
  state.counters["turns_per_s"] = benchmark::Counter(double(turns), benchmark::Counter::kIsRate);
  state.SetLabel(with_store ? "store on disk" : "no store");
}
BENCHMARK(BM_ConversationTurns)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// Keeps the turns-per-second figures the library computes, for the ratio line.
class RatioReporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &run : runs) {
      auto it = run.counters.find("turns_per_s");
      if (it == run.counters.end())
        continue;
      const bool with_store = run.run_name.str().find("/1") != std::string::npos;
      (with_store ? g_with_store : g_without_store).turns_per_s = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  if (g_with_store.cpu_us_per_turn > 0 && g_without_store.cpu_us_per_turn > 0) {
    std::printf("\nper turn, driver thread CPU: %.1f us with the store on disk, %.1f us without "
                "(ratio %.2f)\n",
                g_with_store.cpu_us_per_turn, g_without_store.cpu_us_per_turn,
                g_with_store.cpu_us_per_turn / g_without_store.cpu_us_per_turn);
    std::printf("turns per second (wall clock): %.0f with the store on disk, %.0f without "
                "(ratio %.2f)\n",
                g_with_store.turns_per_s, g_without_store.turns_per_s,
                g_with_store.turns_per_s / g_without_store.turns_per_s);
  }
  benchmark::Shutdown();
  return 0;
}

// The report's core at the benchmark's scale: 100,000 transcripts and 1,000,000 juror verdicts
// (5 clinicians × 4 conditions × 5,000 cases; 3 jurors on every dimension plus one on safety),
// 1,000 bootstrap replicates. Two parts of `imc report` are timed apart: taking the verdict rows
// in (ReportInput::add_verdict, what runs inside the store's scan) and build_report (panel
// means, groups, the bootstrap, agreement). The end-to-end command and the pandas baseline are
// measured side by side by bench/report_vs_pandas.sh.
#include "core/test_report_synthetic.h"

#include "imc/report.h"

#include <benchmark/benchmark.h>

#include <map>

namespace {

using namespace imc;

const test::SyntheticData &data_of(size_t cases) {
  static std::map<size_t, test::SyntheticData> cache;
  auto it = cache.find(cases);
  if (it == cache.end()) {
    test::SyntheticSpec spec;
    spec.cases = cases;
    spec.clinicians = test::synthetic_clinicians(5);
    spec.extra_safety_juror = true;
    spec.unparseable = 0.02;
    it = cache.emplace(cases, test::make_synthetic(spec)).first;
  }
  return it->second;
}

void BM_ReportIngestRows(benchmark::State &state) {
  const auto &data = data_of(size_t(state.range(0)));
  for (auto _ : state) {
    report::ReportInput input = test::synthetic_input(data);
    benchmark::DoNotOptimize(input.rows_added());
  }
  state.counters["verdicts"] = double(data.verdicts.size());
  state.SetItemsProcessed(int64_t(state.iterations() * data.verdicts.size()));
}
BENCHMARK(BM_ReportIngestRows)->Arg(500)->Arg(5000)->Unit(benchmark::kMillisecond);

void BM_BuildReport(benchmark::State &state) {
  const auto &data = data_of(size_t(state.range(0)));
  const report::ReportInput input = test::synthetic_input(data);
  report::ReportOptions options;
  options.replicates = size_t(state.range(1));
  for (auto _ : state) {
    auto r = report::build_report(input, options);
    if (!r.ok())
      state.SkipWithError("build_report failed");
    benchmark::DoNotOptimize(r);
  }
  state.counters["transcripts"] = double(data.transcripts.size());
  state.counters["verdicts"] = double(data.verdicts.size());
}
BENCHMARK(BM_BuildReport)
    ->Args({500, 1000})
    ->Args({5000, 1000})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

void BM_ReportOutputs(benchmark::State &state) {
  const report::ReportInput input = test::synthetic_input(data_of(5000));
  report::ReportOptions options;
  options.replicates = 100;
  const auto r = report::build_report(input, options);
  for (auto _ : state) {
    benchmark::DoNotOptimize(report::report_json(*r));
    benchmark::DoNotOptimize(report::report_csv(*r));
    benchmark::DoNotOptimize(report::report_html(*r));
  }
}
BENCHMARK(BM_ReportOutputs)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();

// report_synth_store: writes a store and a case pack of synthetic jury data with known effects
// (tests/core/test_report_synthetic.h), for `imc report` benchmarks (bench/report_vs_pandas.sh)
// and the browser test of the HTML report (tests/e2e/report.test.mjs).
//
//   report_synth_store --out DIR [--cases 5000] [--clinicians 5] [--conditions 4] [--jurors 3]
//                      [--extra-safety-juror] [--unparseable 0.02] [--annotated 0] [--seed 1]
//                      [--run synthetic-run]
//
// DIR/store.sqlite holds run RUN with cases × clinicians × conditions complete transcripts and
// their verdicts (jurors × 3 per transcript, plus one with --extra-safety-juror); DIR/pack holds
// the cases' documents (labels for the strata; no images). DIR must not hold a store yet.
#include "native/test_report_store.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace {

int usage(const char *problem) {
  std::fprintf(stderr,
               "report_synth_store: %s\nusage: report_synth_store --out DIR [--cases N] "
               "[--clinicians K<=5] [--conditions C<=4] [--jurors J] [--extra-safety-juror] "
               "[--unparseable P] [--annotated P] [--seed S] [--run RUN]\n",
               problem);
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  namespace fs = std::filesystem;
  imc::test::SyntheticSpec spec;
  spec.cases = 5000;
  spec.unparseable = 0.02;
  size_t clinicians = 5;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    auto value = [&] { return std::string(argv[++i]); };
    if (arg == "--extra-safety-juror") {
      spec.extra_safety_juror = true;
    } else if (!has_value) {
      return usage(("missing value or unknown option " + arg).c_str());
    } else if (arg == "--out") {
      out = value();
    } else if (arg == "--cases") {
      spec.cases = std::strtoul(argv[++i], nullptr, 10);
    } else if (arg == "--clinicians") {
      clinicians = std::strtoul(argv[++i], nullptr, 10);
    } else if (arg == "--conditions") {
      spec.conditions = std::strtoul(argv[++i], nullptr, 10);
    } else if (arg == "--jurors") {
      spec.jurors = std::strtoul(argv[++i], nullptr, 10);
    } else if (arg == "--unparseable") {
      spec.unparseable = std::strtod(argv[++i], nullptr);
    } else if (arg == "--annotated") {
      spec.annotated = std::strtod(argv[++i], nullptr);
    } else if (arg == "--seed") {
      spec.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--run") {
      spec.run_id = value();
    } else {
      return usage(("unknown option " + arg).c_str());
    }
  }
  if (out.empty())
    return usage("--out is required");
  if (spec.cases == 0 || clinicians == 0 || clinicians > 5 || spec.conditions == 0 ||
      spec.conditions > 4 || spec.jurors == 0 || spec.jurors > 26)
    return usage("a count is out of range");
  spec.clinicians = imc::test::synthetic_clinicians(clinicians);
  const fs::path dir(out);
  if (fs::exists(dir / "store.sqlite"))
    return usage((dir / "store.sqlite").string().append(" exists already").c_str());
  fs::create_directories(dir);

  const auto started = std::chrono::steady_clock::now();
  const imc::test::SyntheticData data = imc::test::make_synthetic(spec);
  auto db = imc::store::Store::open((dir / "store.sqlite").string());
  if (!db) {
    std::fprintf(stderr, "%s", imc::format_errors(db.errors()).c_str());
    return 1;
  }
  if (imc::Status written = imc::test::write_synthetic_store(*db, data); !written) {
    std::fprintf(stderr, "%s", imc::format_errors(written.errors()).c_str());
    return 1;
  }
  imc::test::write_synthetic_pack(dir / "pack", data);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%s: run %s: %zu cases, %zu transcripts, %zu verdicts, %zu annotations (%.1f s)\n",
              (dir / "store.sqlite").c_str(), spec.run_id.c_str(), data.cases.size(),
              data.transcripts.size(), data.verdicts.size(), data.annotations.size(), seconds);
  return 0;
}

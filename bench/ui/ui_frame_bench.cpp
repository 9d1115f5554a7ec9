// Frame CPU time of the interface, headless: App::frame() between ImGui::NewFrame() and
// ImGui::Render() in a real ImGui context at 1280x720, with a platform that answers at once
// (no files, no GPU). Each benchmark reports the median and 95th percentile of per-frame thread
// CPU time. Baselines measured in the same run: the same interface with a 12-turn transcript and
// one image (what a 1,000-turn transcript costs on top), the 12-case list (what 100,000 cases cost
// on top), and Dear ImGui's own demo window (how heavy the interface is next to ImGui's sample).
//
//   build/h-ui/bench/ui/bench_ui_frame [--benchmark_min_time=2]
//
// Budget (issue 6): a 1,000-turn transcript with 20 large images open at most 2 ms per frame, and
// a 100,000-case list at the same frame time (the list is clipped).
#include "app.h"
#include "case_filter.h"

#include <benchmark/benchmark.h>
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

namespace {

using imc::ui::App;

// Answers every request at once: pack files are never read (the benchmarks open generated packs),
// images "decode" to the size asked for, and there is no API (replay only).
class InstantPlatform : public imc::ui::Platform {
public:
  void read_pack_file(imc::ui::RequestId id, const std::string &path) override {
    imc::ui::FileLoaded f;
    f.id = id;
    f.path = path;
    f.error = "not available in the benchmark";
    done_.push_back(f);
  }
  void load_pack_image(imc::ui::RequestId id, const std::string &path) override {
    imc::ui::ImageDecoded img;
    img.id = id;
    img.path = path;
    img.width = 4096; // a large photograph; the pixels themselves live on the GPU
    img.height = 3072;
    done_.push_back(img);
  }
  std::vector<imc::ui::PlatformEvent> poll_events() override {
    std::vector<imc::ui::PlatformEvent> out;
    out.swap(done_);
    return out;
  }
  ImTextureID create_texture(const uint8_t *, int, int) override {
    return reinterpret_cast<ImTextureID>(++textures_);
  }
  void destroy_texture(ImTextureID) override {}
  void api_call(imc::ui::RequestId id, const std::string &, const std::string &, const std::string &) override {
    imc::ui::ApiEvent e;
    e.id = id;
    e.done = true;
    e.error = "no API in the benchmark";
    done_.push_back(e);
  }
  void api_cancel(imc::ui::RequestId) override {}
  void copy_to_clipboard(const std::string &) override {}
  std::string load_setting(const std::string &) override { return ""; }
  void save_setting(const std::string &, const std::string &) override {}
  void read_local_file(imc::ui::RequestId id, const std::string &path) override { read_pack_file(id, path); }
  double now_seconds() override { return now; }
  std::string pack_location() const override { return "generated"; }

  double now = 0;

private:
  std::vector<imc::ui::PlatformEvent> done_;
  intptr_t textures_ = 0;
};

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// An ImGui context as the shells make it, at 1280x720.
class Context {
public:
  Context() {
    ctx_ = ImGui::CreateContext();
    App::setup_imgui(1.0f);
    ImGuiIO &io = ImGui::GetIO();
    unsigned char *pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(intptr_t(-1)));
    io.DisplaySize = ImVec2(1280, 720);
    io.DeltaTime = 1.0f / 60.0f;
  }
  ~Context() { ImGui::DestroyContext(ctx_); }

private:
  ImGuiContext *ctx_;
};

imc::Case make_case(int index, int images) {
  imc::Case c;
  c.id = "case-" + std::to_string(index);
  c.title = "Generated case " + std::to_string(index) + ": a changing mark on the forearm";
  for (int i = 0; i < images; ++i) {
    imc::CaseImage img;
    img.file = "images/" + c.id + "-" + std::to_string(i) + ".jpg";
    img.modality = i % 2 ? imc::Modality::clinical_photo : imc::Modality::dermoscopy;
    img.license = "CC0-1.0";
    img.attribution = "Generated for the benchmark";
    c.images.push_back(img);
  }
  c.labels.diagnosis = index % 3 ? "Melanocytic naevus" : "Melanoma";
  c.labels.malignancy = index % 3 ? imc::Malignancy::benign : imc::Malignancy::malignant;
  c.labels.rarity = index % 7 ? imc::Rarity::common : imc::Rarity::rare;
  c.profile.demographics.age_years = 40 + index % 40;
  c.profile.chief_complaint = "A mole on my forearm has changed.";
  c.profile.history_of_present_illness =
      "Noticed a darker patch over the last months; no bleeding; no itching; no other lesions.";
  c.persona.opening_statement = "Hi doctor, I'm worried about a mole.";
  for (int f = 0; f < 4; ++f) {
    c.hidden_facts.push_back({"fact-" + std::to_string(f), "topic " + std::to_string(f),
                              {"sun", "family", "bleed", "itch"}, "A hidden fact."});
  }
  return c;
}

imc::Transcript make_transcript(const imc::Case &c, int turns) {
  imc::Transcript t;
  t.id = "t-" + c.id;
  t.case_id = c.id;
  t.title = "Generated transcript";
  for (int i = 0; i < turns; ++i) {
    imc::Turn turn;
    turn.index = i;
    turn.role = i % 2 ? imc::Role::clinician : imc::Role::patient;
    turn.text = std::string("Turn ") + std::to_string(i) +
                ": thank you, that helps. Has the mark changed in size, shape or colour recently, "
                "and is there any family history of skin cancer? Any bleeding or itching? A photo "
                "alone cannot tell us whether it is harmless, so I would like a dermatologist to "
                "examine it with a dermatoscope soon.";
    if (turn.role == imc::Role::clinician) {
      turn.latency_ms = 3200;
      turn.ttft_ms = 410;
      turn.tokens_out = 164;
    }
    t.turns.push_back(std::move(turn));
  }
  return t;
}

std::map<std::string, double> &medians() {
  static std::map<std::string, double> m;
  return m;
}

// Runs frames while the benchmark asks, timing each one; reports median and p95 in ms.
template <class DrawFrame> void time_frames(benchmark::State &state, const std::string &name, DrawFrame &&draw) {
  std::vector<double> ms;
  ms.reserve(100000);
  for (auto _ : state) {
    const double t0 = thread_cpu_ms();
    ImGui::NewFrame();
    draw();
    ImGui::Render();
    ms.push_back(thread_cpu_ms() - t0);
  }
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2];
  state.counters["median_ms"] = median;
  state.counters["p95_ms"] = ms[std::min(ms.size() - 1, ms.size() * 95 / 100)];
  medians()[name] = median;
}

// Opens `cases` generated cases, the first with `images` images and a `turns`-turn transcript
// shown in full, and settles (images decoded, layouts cached) before timing.
void open_app(App &app, InstantPlatform &platform, int cases, int images, int turns) {
  imc::CasePack pack;
  pack.manifest.title = "Generated";
  pack.cases.reserve(static_cast<size_t>(cases));
  for (int i = 0; i < cases; ++i) pack.cases.push_back(make_case(i, i == 0 ? images : 1));
  std::vector<imc::Transcript> transcripts{make_transcript(pack.cases.front(), turns)};
  app.start();
  app.open_pack(std::move(pack), std::move(transcripts));
  app.apply(imc::ui::ReplaySeek{turns});
  for (int i = 0; i < 30; ++i) {
    platform.now += 1.0 / 60;
    ImGui::NewFrame();
    app.frame();
    ImGui::Render();
  }
}

void BM_ImGuiDemoWindow(benchmark::State &state) {
  Context context;
  bool open = true;
  time_frames(state, "demo", [&] { ImGui::ShowDemoWindow(&open); });
}

// The interface with `cases` cases open, the first with `images` images and a `turns`-turn
// transcript shown in full.
void time_app(benchmark::State &state, const std::string &name, int cases, int images, int turns) {
  Context context;
  InstantPlatform platform;
  App app(platform);
  open_app(app, platform, cases, images, turns);
  time_frames(state, name, [&] {
    platform.now += 1.0 / 60;
    app.frame();
  });
}

void BM_Transcript12Turns(benchmark::State &state) { time_app(state, "small", 12, 1, 12); }
void BM_Transcript1000Turns20Images(benchmark::State &state) { time_app(state, "transcript", 12, 20, 1000); }
void BM_CaseList100000(benchmark::State &state) { time_app(state, "cases", 100000, 20, 1000); }

// Rebuilding the filtered list and the facet counts (once per keystroke in the search box).
void BM_FilterCaseList100000(benchmark::State &state) {
  std::vector<imc::Case> cases;
  for (int i = 0; i < 100000; ++i) cases.push_back(make_case(i, 1));
  imc::ui::CaseFilter filter;
  filter.text = "case";
  filter.selected[static_cast<size_t>(imc::ui::Facet::malignancy)].insert("malignant");
  for (auto _ : state) benchmark::DoNotOptimize(imc::ui::build_case_list(cases, filter));
}

BENCHMARK(BM_FilterCaseList100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImGuiDemoWindow)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Transcript12Turns)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Transcript1000Turns20Images)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_CaseList100000)->Unit(benchmark::kMillisecond)->MinTime(1.0);

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const auto &m = medians();
  auto get = [&](const char *k) { return m.count(k) ? m.at(k) : 0.0; };
  const double demo = get("demo");
  std::printf("\nMedian frame CPU time (ms), 1280x720, headless:\n");
  std::printf("  Dear ImGui demo window (reference)       %.3f\n", demo);
  std::printf("  12-turn transcript, 1 image (baseline)   %.3f\n", get("small"));
  std::printf("  1,000-turn transcript, 20 large images   %.3f  (budget 2 ms: %s)\n", get("transcript"),
              get("transcript") <= 2.0 ? "met" : "NOT MET");
  std::printf("  100,000-case list (+ the same transcript) %.3f  (budget 2 ms: %s)\n", get("cases"),
              get("cases") <= 2.0 ? "met" : "NOT MET");
  if (get("small") > 0 && get("transcript") > 0 && demo > 0) {
    std::printf("  ratios: 1,000 turns / 12 turns %.2fx; 100,000 cases / 12 cases %.2fx; "
                "interface / demo window %.1fx\n",
                get("transcript") / get("small"), get("cases") / get("transcript"), get("transcript") / demo);
  }
  return 0;
}

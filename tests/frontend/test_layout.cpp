// Layout invariants: at 1280x720 and 800x600 every panel fits the display, no panel overflows
// horizontally, and every recorded widget lies inside the display.
#include "headless.h"

#include <gtest/gtest.h>
#include <imgui_internal.h>

namespace imc::test {
namespace {

class FrontendLayout : public ::testing::TestWithParam<ImVec2> {};

TEST_P(FrontendLayout, NothingIsClippedOrOverflowing) {
  const ImVec2 display = GetParam();
  Headless h(demo_pack_dir(), display);
  h.load();
  for (int i = 0; i < 3; ++i) h.frame(); // let scroll extents settle
  // Visit every case so long titles and different profiles are all laid out once.
  for (const auto &c : h.state().pack->cases) {
    h.app().apply(ui::SelectCase{c.id});
    h.app().apply(ui::ReplaySeek{1 << 20}); // the whole transcript
    for (int i = 0; i < 3; ++i) h.frame();
    for (const char *name : {"Cases", "Image", "Patient", "Conversation", "##status"}) {
      ImGuiWindow *w = ImGui::FindWindowByName(name);
      ASSERT_NE(w, nullptr) << name;
      EXPECT_GE(w->Pos.x, 0.0f) << name;
      EXPECT_GE(w->Pos.y, 0.0f) << name;
      EXPECT_LE(w->Pos.x + w->Size.x, display.x + 0.5f) << name << " at case " << c.id;
      EXPECT_LE(w->Pos.y + w->Size.y, display.y + 0.5f) << name << " at case " << c.id;
      EXPECT_EQ(w->ScrollMax.x, 0.0f) << name << " overflows horizontally at case " << c.id;
    }
    for (const auto &[name, r] : h.state().widgets) {
      if (name.rfind("case:", 0) == 0) continue; // list entries scroll vertically by design
      EXPECT_GE(r.x, -0.5f) << name;
      EXPECT_LE(r.x + r.w, display.x + 0.5f) << name << " at case " << c.id;
      EXPECT_LE(r.y + r.h, display.y + 0.5f) << name << " at case " << c.id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, FrontendLayout,
                         ::testing::Values(ImVec2(1280, 720), ImVec2(800, 600)),
                         [](const auto &info) {
                           return std::to_string(int(info.param.x)) + "x" +
                                  std::to_string(int(info.param.y));
                         });

} // namespace
} // namespace imc::test

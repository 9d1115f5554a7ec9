// Layout invariants: at 1280x720 and 800x600, in every view and tab (with data from the scripted
// API), every window fits the display, no window or child overflows horizontally, every recorded
// widget lies inside the display horizontally, and the fixed controls (menu, tabs, replay bar)
// inside it vertically too. Scrolling lists may extend below the display by design.
#include "headless.h"

#include <gtest/gtest.h>
#include <imgui_internal.h>

namespace imc::test {
namespace {

class FrontendLayout : public ::testing::TestWithParam<ImVec2> {};

bool pinned(const std::string &name) {
  for (const char *prefix : {"menu:", "tab:", "replay_", "image_fit", "image_1to1", "case_search",
                             "help_close", "settings_close", "jury_score"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

void check_layout(Headless &h, ImVec2 display, const std::string &where) {
  ImGuiContext &g = *ImGui::GetCurrentContext();
  for (ImGuiWindow *w : g.Windows) {
    if (!w->Active || w->Hidden) continue;
    // Multi-line text boxes scroll long lines sideways by design (ImGui 1.86 has no soft wrap).
    const std::string name = w->Name;
    const bool text_box = name.find("/##note_") != std::string::npos || name.find("/##human_") != std::string::npos ||
                          name.find("/##request_") != std::string::npos || name.find("/##response_") != std::string::npos;
    if (!text_box) {
      EXPECT_EQ(w->ScrollMax.x, 0.0f) << w->Name << " overflows horizontally " << where << " content "
                                      << w->ContentSize.x << " size " << w->Size.x << " pos " << w->Pos.x;
    }
    if (w->Flags & (ImGuiWindowFlags_ChildWindow | ImGuiWindowFlags_Tooltip | ImGuiWindowFlags_Popup)) continue;
    EXPECT_GE(w->Pos.x, -0.5f) << w->Name << " " << where;
    EXPECT_GE(w->Pos.y, -0.5f) << w->Name << " " << where;
    EXPECT_LE(w->Pos.x + w->Size.x, display.x + 0.5f) << w->Name << " " << where;
    EXPECT_LE(w->Pos.y + w->Size.y, display.y + 0.5f) << w->Name << " " << where;
  }
  for (const auto &[name, r] : h.state().widgets) {
    EXPECT_GE(r.x, -0.5f) << name << " " << where;
    EXPECT_LE(r.x + r.w, display.x + 0.5f) << name << " " << where;
    if (pinned(name)) {
      EXPECT_GE(r.y, -0.5f) << name << " " << where;
      EXPECT_LE(r.y + r.h, display.y + 0.5f) << name << " " << where;
    }
  }
}

TEST_P(FrontendLayout, NothingIsClippedOrOverflowingInAnyTab) {
  const ImVec2 display = GetParam();
  Headless h(demo_pack_dir(), display);
  h.use_scripted_api();
  h.platform().settings["annotator"] = "Dr. Test";
  h.load();
  h.frames(3); // let scroll extents settle
  ASSERT_TRUE(h.state().api.available());
  // Visit every case in every tab, so long titles and different profiles are all laid out.
  for (const auto &c : h.state().pack->cases) {
    h.app().apply(ui::SelectCase{c.id});
    h.app().apply(ui::ReplaySeek{1 << 20}); // the whole transcript
    for (int t = 0; t < ui::kTabCount; ++t) {
      h.app().apply(ui::SetTab{static_cast<ui::Tab>(t)});
      h.frames(3);
      ASSERT_NE(ImGui::FindWindowByName("Workspace"), nullptr);
      check_layout(h, display, std::string("in tab ") + ui::tab_key(static_cast<ui::Tab>(t)) + " at case " + c.id);
    }
  }
}

TEST_P(FrontendLayout, ReviewTabsWithTheirDataFit) {
  const ImVec2 display = GetParam();
  Headless h(demo_pack_dir(), display);
  h.use_scripted_api();
  h.platform().settings["annotator"] = "Dr. Test";
  h.platform().settings["blind"] = "off";
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::jury});
  h.frames(4);
  EXPECT_EQ(h.state().jury.verdicts.state, ui::Remote<ui::VerdictSet>::State::ready);
  check_layout(h, display, "jury with verdicts");
  h.app().apply(ui::SetTab{ui::Tab::annotate});
  h.app().apply(ui::EditAnnotation{ui::AnnotationDraft{{5, 4, 3}, "A note that is long enough to wrap over several lines of the panel at 800 by 600."}});
  h.frames(4);
  check_layout(h, display, "annotate with a draft");
  h.app().apply(ui::SetTab{ui::Tab::wire_log});
  h.frames(3);
  h.app().apply(ui::SelectWireLog{0});
  h.frames(3);
  check_layout(h, display, "wire log with a call selected");
  h.app().apply(ui::SetTab{ui::Tab::live});
  h.frames(3);
  h.app().apply(ui::StartSession{});
  h.frames(4);
  EXPECT_FALSE(h.state().live.turns.empty());
  check_layout(h, display, "live session with turns in flight");
  h.app().apply(ui::SetTab{ui::Tab::compare});
  h.frames(3);
  check_layout(h, display, "compare");
}

TEST_P(FrontendLayout, DashboardAndOverlaysFit) {
  const ImVec2 display = GetParam();
  Headless h(demo_pack_dir(), display);
  h.use_scripted_api();
  h.load();
  h.app().apply(ui::SetView{ui::View::dashboard});
  h.frames(6);
  ASSERT_EQ(h.state().dashboard.report.state, ui::Remote<ui::Report>::State::ready);
  ASSERT_NE(ImGui::FindWindowByName("Dashboard"), nullptr);
  check_layout(h, display, "dashboard");
  ASSERT_TRUE(h.state().widgets.count("bar:model:opus:safety"));
  h.click("bar:model:opus:safety");
  h.frames(3);
  check_layout(h, display, "dashboard with a bar's transcripts");
  for (ui::Overlay o : {ui::Overlay::help, ui::Overlay::settings}) {
    h.app().apply(ui::SetOverlay{o});
    h.frames(3);
    check_layout(h, display, std::string("overlay ") + ui::overlay_key(o));
  }
}

TEST_P(FrontendLayout, ReplayOnlyMessagesFit) {
  const ImVec2 display = GetParam();
  Headless h(demo_pack_dir(), display); // no API: replay only
  h.load();
  for (int t = 0; t < ui::kTabCount; ++t) {
    h.app().apply(ui::SetTab{static_cast<ui::Tab>(t)});
    h.frames(3);
    check_layout(h, display, std::string("replay only, tab ") + ui::tab_key(static_cast<ui::Tab>(t)));
  }
  h.app().apply(ui::SetView{ui::View::dashboard});
  h.frames(3);
  check_layout(h, display, "replay only, dashboard");
}

INSTANTIATE_TEST_SUITE_P(Sizes, FrontendLayout,
                         ::testing::Values(ImVec2(1280, 720), ImVec2(800, 600)),
                         [](const auto &info) {
                           return std::to_string(int(info.param.x)) + "x" +
                                  std::to_string(int(info.param.y));
                         });

} // namespace
} // namespace imc::test

// Cases panel: search, facet filters with per-option counts, "N of M", keyboard navigation, and a
// list clipped to what is visible (100,000 entries draw only a screenful).
#include "headless.h"

#include "case_filter.h"

#include <gtest/gtest.h>

namespace imc::test {
namespace {

int listed_widgets(const ui::AppState &s) {
  int n = 0;
  for (const auto &[name, rect] : s.widgets) n += name.rfind("case:", 0) == 0;
  return n;
}

const ui::FacetOption *option(const ui::AppState &s, ui::Facet f, const std::string &value) {
  for (const auto &o : s.case_list.options[static_cast<size_t>(f)]) {
    if (o.value == value) return &o;
  }
  return nullptr;
}

TEST(FrontendCases, CountsShowHowManyOfTheCasesAreListed) {
  Headless h(demo_pack_dir());
  h.load();
  EXPECT_EQ(h.state().case_list.total, 12);
  EXPECT_EQ(h.state().case_list.visible.size(), 12u);
  h.app().apply(ui::ToggleFacet{ui::Facet::malignancy, "malignant"});
  h.frame();
  const auto malignant = h.state().case_list.visible.size();
  EXPECT_GT(malignant, 0u);
  EXPECT_LT(malignant, 12u);
  EXPECT_NE(h.platform().last_status.find("\"cases_listed\":" + std::to_string(malignant)), std::string::npos);
  EXPECT_TRUE(h.state().widgets.count("case_counts"));
  EXPECT_TRUE(h.state().widgets.count("case_filters_clear"));
}

TEST(FrontendCases, OptionCountsIgnoreTheirOwnFacetButRespectTheOthers) {
  Headless h(demo_pack_dir());
  h.load();
  const ui::FacetOption *malignant = option(h.state(), ui::Facet::malignancy, "malignant");
  const ui::FacetOption *benign = option(h.state(), ui::Facet::malignancy, "benign");
  ASSERT_NE(malignant, nullptr);
  ASSERT_NE(benign, nullptr);
  const int malignant_all = malignant->count;
  const int benign_all = benign->count;
  // Choosing "malignant" keeps the other malignancy options' counts (they would be added).
  h.app().apply(ui::ToggleFacet{ui::Facet::malignancy, "malignant"});
  EXPECT_EQ(option(h.state(), ui::Facet::malignancy, "benign")->count, benign_all);
  EXPECT_TRUE(option(h.state(), ui::Facet::malignancy, "malignant")->selected);
  // ...but narrows the other facets: xray cases are not malignant in the demo pack.
  const ui::FacetOption *xray = option(h.state(), ui::Facet::modality, "xray");
  ASSERT_NE(xray, nullptr);
  EXPECT_EQ(xray->count, 0);
  // Every listed case is malignant, and their number is the option's count.
  EXPECT_EQ(static_cast<int>(h.state().case_list.visible.size()), malignant_all);
  for (int i : h.state().case_list.visible) {
    EXPECT_EQ(h.state().pack->cases[static_cast<size_t>(i)].labels.malignancy, Malignancy::malignant);
  }
}

TEST(FrontendCases, FacetComboListsOptionsAndAClickTogglesOne) {
  Headless h(demo_pack_dir());
  h.load();
  h.click("facet:rarity");
  h.frame();
  ASSERT_TRUE(h.state().widgets.count("facet:rarity:rare")) << "the combo did not open";
  const auto actions = h.click("facet:rarity:rare");
  ASSERT_EQ(actions.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<ui::ToggleFacet>(actions[0]));
  EXPECT_EQ(std::get<ui::ToggleFacet>(actions[0]).value, "rare");
  EXPECT_EQ(h.state().case_filter.selected[static_cast<size_t>(ui::Facet::rarity)].count("rare"), 1u);
  for (int i : h.state().case_list.visible) {
    EXPECT_EQ(h.state().pack->cases[static_cast<size_t>(i)].labels.rarity, Rarity::rare);
  }
}

TEST(FrontendCases, ClearResetsSearchAndFacets) {
  Headless h(demo_pack_dir());
  h.load();
  h.app().apply(ui::SetCaseFilter{"melanoma"});
  h.app().apply(ui::ToggleFacet{ui::Facet::modality, "dermoscopy"});
  h.frame();
  EXPECT_LT(h.state().case_list.visible.size(), 12u);
  h.click("case_filters_clear");
  EXPECT_FALSE(h.state().case_filter.active());
  EXPECT_EQ(h.state().case_list.visible.size(), 12u);
}

TEST(FrontendCases, PageDownAndPageUpWalkTheListedCases) {
  Headless h(demo_pack_dir());
  h.load();
  const auto &cases = h.state().pack->cases;
  h.press_key(ImGuiKey_PageDown);
  EXPECT_EQ(h.state().current_case()->id, cases[1].id);
  h.press_key(ImGuiKey_PageDown);
  h.press_key(ImGuiKey_PageUp);
  EXPECT_EQ(h.state().current_case()->id, cases[1].id);
}

TEST(FrontendCases, AHundredThousandCasesDrawOnlyTheVisibleEntries) {
  Headless h(demo_pack_dir());
  h.load();
  CasePack pack = *h.state().pack;
  const Case model = pack.cases.front();
  pack.cases.clear();
  pack.cases.reserve(100000);
  for (int i = 0; i < 100000; ++i) {
    Case c = model;
    c.id = "case-" + std::to_string(i);
    c.title = "Generated case " + std::to_string(i);
    c.labels.rarity = i % 7 == 0 ? Rarity::rare : Rarity::common;
    pack.cases.push_back(std::move(c));
  }
  h.app().open_pack(std::move(pack), {});
  h.frames(3);
  EXPECT_EQ(h.state().case_list.total, 100000);
  const int drawn = listed_widgets(h.state());
  EXPECT_GT(drawn, 3);
  EXPECT_LT(drawn, 40) << "the list is not clipped";
  // Filtering still works and jumping far down keeps the selection visible.
  h.app().apply(ui::ToggleFacet{ui::Facet::rarity, "rare"});
  EXPECT_EQ(h.state().case_list.visible.size(), 14286u);
  h.app().apply(ui::SelectCase{"case-99995"});
  h.frames(3);
  EXPECT_TRUE(h.state().widgets.count("case:case-99995"));
}

TEST(FrontendCases, FacetValuesCoverEveryImageModality) {
  Case c;
  c.images.resize(3);
  c.images[0].modality = Modality::dermoscopy;
  c.images[1].modality = Modality::clinical_photo;
  c.images[2].modality = Modality::dermoscopy;
  EXPECT_EQ(ui::facet_values(c, ui::Facet::modality), (std::vector<std::string>{"dermoscopy", "clinical_photo"}));
}

} // namespace
} // namespace imc::test

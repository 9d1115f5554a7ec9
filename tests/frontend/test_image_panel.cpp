// Image panel: fit by default, wheel zooms towards the cursor, drag pans, 1:1 and Fit buttons,
// keyboard zoom, thumbnails for several images, and the veil under a no-image condition.
#include "headless.h"

#include "image_view.h"

#include <gtest/gtest.h>

#include <cmath>

namespace imc::test {
namespace {

TEST(FrontendImageView, ZoomAtKeepsThePointUnderTheCursor) {
  const ImVec2 image(1000, 800), box_min(10, 20), box(400, 300);
  const ui::ImageView fitted{};
  const ImVec2 cursor(100, 90);
  ImVec2 min0, max0;
  ui::image_screen_rect(fitted, image, box_min, box, min0, max0);
  const float u = (cursor.x - min0.x) / (max0.x - min0.x), v = (cursor.y - min0.y) / (max0.y - min0.y);
  const ui::ImageView zoomed = ui::zoom_at(fitted, image, box_min, box, 2.0f, cursor);
  EXPECT_FALSE(zoomed.fit);
  EXPECT_NEAR(zoomed.zoom, 2 * ui::fit_zoom(image, box), 1e-5);
  ImVec2 min1, max1;
  ui::image_screen_rect(zoomed, image, box_min, box, min1, max1);
  EXPECT_NEAR(min1.x + u * (max1.x - min1.x), cursor.x, 0.01);
  EXPECT_NEAR(min1.y + v * (max1.y - min1.y), cursor.y, 0.01);
}

TEST(FrontendImageView, PanMovesTheImageWithTheMouseAndActualSizeIsOneToOne) {
  const ImVec2 image(1000, 800), box(400, 300);
  const ui::ImageView one = ui::actual_size(ui::ImageView{}, image, box);
  EXPECT_EQ(one.zoom, 1.0f);
  EXPECT_EQ(one.center.x, 500.0f);
  const ui::ImageView moved = ui::pan_by(one, image, box, ImVec2(50, -20));
  EXPECT_EQ(moved.center.x, 450.0f);
  EXPECT_EQ(moved.center.y, 420.0f);
}

TEST(FrontendImagePanel, WheelZoomsDragPansAndFitRestores) {
  Headless h(demo_pack_dir());
  h.load();
  ASSERT_TRUE(h.state().image_view.fit);
  const ImVec2 at = h.centre_of("image");
  const auto zoom = h.wheel_at(ImVec2(at.x + 20, at.y + 10), 2.0f);
  const auto *set = find_action<ui::SetImageView>(zoom);
  ASSERT_NE(set, nullptr) << "wheel over the image emitted no SetImageView";
  EXPECT_FALSE(h.state().image_view.fit);
  const float zoomed = h.state().image_view.zoom;
  const ImVec2 centre = h.state().image_view.center;
  h.drag(at, ImVec2(at.x + 40, at.y));
  EXPECT_LT(h.state().image_view.center.x, centre.x) << "dragging right shows what is to the left";
  EXPECT_NEAR(h.state().image_view.zoom, zoomed, 1e-5);
  h.click("image_1to1");
  EXPECT_EQ(h.state().image_view.zoom, 1.0f);
  h.click("image_fit");
  EXPECT_TRUE(h.state().image_view.fit);
}

TEST(FrontendImagePanel, KeyboardZoomsAndFits) {
  Headless h(demo_pack_dir());
  h.load();
  h.type_char('+');
  EXPECT_FALSE(h.state().image_view.fit);
  h.type_char('0');
  EXPECT_EQ(h.state().image_view.zoom, 1.0f);
  h.type_char('f');
  EXPECT_TRUE(h.state().image_view.fit);
}

TEST(FrontendImagePanel, SeveralImagesShowThumbnailsAndAClickSelectsOne) {
  Headless h(demo_pack_dir());
  h.load();
  CasePack pack = *h.state().pack;
  Case &c = pack.cases.front();
  CaseImage second = c.images.front();
  second.file = "images/isic_ISIC_0000000_nevus.jpg";
  c.images.push_back(second);
  const std::string case_id = c.id;
  h.app().open_pack(std::move(pack), h.state().transcripts);
  h.frames(3);
  ASSERT_TRUE(h.state().widgets.count("image_thumb:0"));
  ASSERT_TRUE(h.state().widgets.count("image_thumb:1"));
  const auto actions = h.click("image_thumb:1");
  ASSERT_NE(find_action<ui::SelectImage>(actions), nullptr);
  EXPECT_EQ(h.state().selected_image, 1);
  EXPECT_EQ(h.state().images.at("images/isic_ISIC_0000000_nevus.jpg").state, ui::ImageSlot::State::ready);
}

TEST(FrontendImagePanel, UnderNoImageTheImageIsVeiledAndLabelled) {
  Headless h(demo_pack_dir());
  h.load();
  EXPECT_FALSE(h.state().widgets.count("image_hidden_label"));
  h.app().apply(ui::SelectTranscript{"demo-melanoma-safe-noimage"});
  h.frames(2);
  EXPECT_FALSE(h.state().current_transcript()->condition.image);
  EXPECT_TRUE(h.state().widgets.count("image_hidden_label"));
  EXPECT_TRUE(h.state().widgets.count("image_hidden_note")) << "the patient panel says so too";
}

TEST(FrontendImagePanel, TheLicenseLineStaysVisible) {
  Headless h(demo_pack_dir(), ImVec2(800, 600));
  h.load();
  const auto &r = h.state().widgets.at("image_license");
  const auto &panel = h.state().widgets.at("image_canvas");
  EXPECT_GT(r.h, 0);
  EXPECT_GE(r.y, panel.y + panel.h - 1);
  EXPECT_LE(r.y + r.h, 600 * 0.55f + 40);
}

} // namespace
} // namespace imc::test

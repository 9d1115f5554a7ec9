// What the shells rely on: settings saved between sessions (theme, font scale, annotator, blind
// mode, proxy address), the help overlay (F1 and ?), deep links kept current, dropped transcripts
// and packs, and the API's JSON documents parsed strictly.
#include "headless.h"

#include "api_models.h"
#include "shortcuts.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace imc::test {
namespace {

TEST(FrontendSettings, AreLoadedAtStartAndSavedWhenChanged) {
  Headless h(demo_pack_dir());
  h.platform().settings = {{"theme", "light"}, {"font_scale", "1.25"}, {"annotator", "Dr. A"}, {"blind", "off"}};
  h.load();
  EXPECT_FALSE(h.state().settings.dark);
  EXPECT_FLOAT_EQ(h.state().settings.font_scale, 1.25f);
  EXPECT_FLOAT_EQ(ImGui::GetIO().FontGlobalScale, 1.25f);
  EXPECT_EQ(h.state().settings.annotator, "Dr. A");
  EXPECT_FALSE(h.state().settings.blind);
  h.click("menu:settings");
  EXPECT_EQ(h.state().overlay, ui::Overlay::settings);
  h.frame();
  h.click("settings_dark");
  EXPECT_TRUE(h.state().settings.dark);
  EXPECT_EQ(h.platform().settings["theme"], "dark");
  h.click("settings_blind");
  EXPECT_EQ(h.platform().settings["blind"], "on");
  ui::Settings s = h.state().settings;
  s.font_scale = 9.0f;
  h.app().apply(ui::ChangeSettings{s});
  EXPECT_FLOAT_EQ(h.state().settings.font_scale, ui::kMaxFontScale);
  EXPECT_EQ(h.platform().settings["font_scale"], "2.00");
  h.frame(); // the layout follows the new font size
  h.click("settings_close");
  EXPECT_EQ(h.state().overlay, ui::Overlay::none);
}

TEST(FrontendSettings, NativelyTheProxyAddressDoesNotApply) {
  Headless h(demo_pack_dir());
  h.load();
  h.app().apply(ui::SetOverlay{ui::Overlay::settings});
  h.frame();
  EXPECT_FALSE(h.state().widgets.count("settings_proxy")) << "the studio calls its in-process service";
}

TEST(FrontendHelp, F1AndQuestionMarkOpenTheHelpAndEscapeClosesIt) {
  Headless h(demo_pack_dir());
  h.load();
  h.press_key_index(h.platform().function_key_index(1));
  EXPECT_EQ(h.state().overlay, ui::Overlay::help);
  EXPECT_TRUE(h.state().widgets.count("help_table"));
  h.press_key(ImGuiKey_Escape);
  EXPECT_EQ(h.state().overlay, ui::Overlay::none);
  h.type_char('?');
  EXPECT_EQ(h.state().overlay, ui::Overlay::help);
  h.click("help_close");
  EXPECT_EQ(h.state().overlay, ui::Overlay::none);
  h.click("menu:help");
  EXPECT_EQ(h.state().overlay, ui::Overlay::help);
}

TEST(FrontendHelp, EveryShortcutHasAKeyAndADescription) {
  for (const auto &s : ui::shortcuts()) {
    EXPECT_FALSE(s.keys.empty());
    EXPECT_NE(std::string(s.keys_label), "");
    EXPECT_NE(std::string(s.description), "");
  }
}

TEST(FrontendHelp, NumberKeysSwitchTabsAndDTheDashboard) {
  Headless h(demo_pack_dir());
  h.load();
  h.type_char('3');
  EXPECT_EQ(h.state().tab, ui::Tab::jury);
  h.type_char('d');
  EXPECT_EQ(h.state().view, ui::View::dashboard);
  h.type_char('1');
  EXPECT_EQ(h.state().view, ui::View::explore);
  EXPECT_EQ(h.state().tab, ui::Tab::conversation);
  h.click("tab:wire-log");
  EXPECT_EQ(h.state().tab, ui::Tab::wire_log);
}

TEST(FrontendDeepLinks, TheHashFollowsTheSelection) {
  Headless h(demo_pack_dir());
  h.load();
  EXPECT_EQ(h.platform().location_hash, "case=isic-0000002-melanoma&transcript=demo-melanoma-safe");
  h.app().apply(ui::SelectTranscript{"demo-melanoma-unsafe"});
  h.app().apply(ui::SetTab{ui::Tab::compare});
  h.frame();
  EXPECT_EQ(h.platform().location_hash, "case=isic-0000002-melanoma&transcript=demo-melanoma-unsafe&tab=compare");
  h.app().apply(ui::SetView{ui::View::dashboard});
  h.frame();
  EXPECT_NE(h.platform().location_hash.find("view=dashboard"), std::string::npos);
}

TEST(FrontendDeepLinks, StartOptionsOpenATabAndTheCompareTranscript) {
  Headless h(demo_pack_dir());
  ui::StartOptions o;
  o.transcript_id = "demo-melanoma-safe";
  o.tab = "compare";
  o.compare_id = "demo-melanoma-safe-noimage";
  h.load(o);
  EXPECT_EQ(h.state().tab, ui::Tab::compare);
  EXPECT_EQ(h.state().compare_transcript()->id, "demo-melanoma-safe-noimage");
}

std::string read_file(const std::string &path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(FrontendDrop, DroppedTranscriptsJsonlAreImportedAndOpened) {
  Headless h(demo_pack_dir());
  h.load();
  std::string jsonl;
  for (const char *id : {"demo-pcp-overconfident", "demo-melanoma-unsafe"}) {
    auto t = parse_transcript(read_file(demo_pack_dir() + "/transcripts/" + id + ".json"), id);
    ASSERT_TRUE(t);
    t->id = std::string("imported-") + id;
    jsonl += serialize_transcript(t.value(), false) + "\n";
  }
  jsonl += "\n{\"not\": \"a transcript\"}\n";
  h.platform().push_event(ui::FileDropped{"run.jsonl", jsonl});
  h.frames(2);
  EXPECT_NE(h.state().find_transcript("imported-demo-pcp-overconfident"), nullptr);
  EXPECT_NE(h.state().find_transcript("imported-demo-melanoma-unsafe"), nullptr);
  EXPECT_EQ(h.state().current_transcript()->id, "imported-demo-pcp-overconfident");
  EXPECT_NE(h.state().notice.find("Imported 2"), std::string::npos);
  EXPECT_NE(h.state().notice.find("1 with errors"), std::string::npos);
  bool named_line = false;
  for (const auto &e : h.state().errors) named_line |= e.find("run.jsonl:4") != std::string::npos;
  EXPECT_TRUE(named_line) << "errors name the file and line";
}

TEST(FrontendDrop, ADroppedPackReplacesTheOpenOne) {
  Headless h(demo_pack_dir());
  h.load();
  h.app().apply(ui::SelectCase{"cxr-pcp-cyst"});
  h.platform().push_event(ui::PackOpened{"dropped folder demo"});
  h.frame();
  EXPECT_NE(h.state().phase, ui::LoadPhase::ready) << "the new pack loads from the start";
  for (int i = 0; i < 10 && h.state().phase != ui::LoadPhase::ready; ++i) h.frame();
  EXPECT_EQ(h.state().phase, ui::LoadPhase::ready);
  EXPECT_EQ(h.state().current_case()->id, "isic-0000002-melanoma") << "the new pack opens at its first case";
  EXPECT_NE(h.state().notice.find("dropped folder demo"), std::string::npos);
}

TEST(FrontendDrop, ADroppedImageIsAttachedToTheLiveSession) {
  Headless h(demo_pack_dir());
  h.load();
  h.platform().push_event(ui::FileDropped{"photo.png", std::string("\x89PNG\r\n\x1a\n....", 12)});
  h.frame();
  ASSERT_TRUE(h.state().live.attachment.has_value());
  EXPECT_EQ(h.state().live.attachment->mime_type, "image/png");
}

TEST(FrontendApiModels, ErrorsCarryKindMessageAndHint) {
  ui::ApiEvent e;
  e.status = 429;
  e.data = R"({"error": {"kind": "rate_limited", "message": "slow down", "hint": "Retry in 20 s."}})";
  e.done = true;
  const ui::ApiError err = ui::api_error_of(e);
  EXPECT_EQ(err.kind, "rate_limited");
  EXPECT_EQ(err.hint, "Retry in 20 s.");
  ui::ApiEvent ok;
  ok.status = 200;
  ok.data = "[]";
  ok.done = true;
  EXPECT_TRUE(ui::api_error_of(ok).empty());
  ui::ApiEvent transport;
  transport.done = true;
  transport.error = "cannot reach the IMC API";
  EXPECT_EQ(ui::api_error_of(transport).kind, "transport");
}

TEST(FrontendApiModels, ParseEachFixtureAndRejectWrongShapes) {
  EXPECT_TRUE(ui::parse_endpoints(ScriptedApi::fixture("endpoints.json").dump(), "e"));
  EXPECT_TRUE(ui::parse_transcript_summaries(ScriptedApi::fixture("transcripts_run_demo.json").dump(), "t"));
  auto v = ui::parse_verdict_set(ScriptedApi::fixture("verdicts.json").dump(), "v");
  ASSERT_TRUE(v) << format_errors(v.errors());
  EXPECT_EQ(v->aggregate[1]->majority.value_or(0), 4);
  EXPECT_TRUE(ui::parse_wire_logs(ScriptedApi::fixture("wirelogs.json").dump(), "w"));
  EXPECT_TRUE(ui::parse_runs(ScriptedApi::fixture("runs.json").dump(), "r"));
  EXPECT_TRUE(ui::parse_annotations("[" + ScriptedApi::fixture("annotation_saved.json").dump() + "]", "a"));
  auto bad = ui::parse_endpoints(R"([{"name": 3}])", "GET /api/endpoints");
  ASSERT_FALSE(bad);
  EXPECT_NE(format_errors(bad.errors()).find("/0/name"), std::string::npos);
  EXPECT_FALSE(ui::parse_runs("{}", "r"));
  EXPECT_FALSE(ui::parse_verdict_set("not json", "v"));
}

TEST(FrontendApiModels, TimingsSpanMidnight) {
  EXPECT_EQ(ui::milliseconds_between("2026-11-27T23:59:59.500Z", "2026-11-28T00:00:01.000Z"), 1500);
  EXPECT_FALSE(ui::milliseconds_between("", "2026-11-28T00:00:01.000Z").has_value());
}

} // namespace
} // namespace imc::test

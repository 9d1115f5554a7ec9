// Settings: proxy address (browser), theme, font scale, annotator name and blind mode. Saved
// between sessions (Platform::save_setting) as soon as they change.
#include "panels.h"

#include <imgui_stdlib.h>

namespace imc::ui {

void draw_settings_panel(AppState &state, const PanelRect &rect, bool uses_proxy_address,
                         const std::string &api_location, std::vector<Action> &out) {
  ImGui::SetNextWindowPos(rect.pos, ImGuiCond_Always);
  ImGui::SetNextWindowSize(rect.size, ImGuiCond_Always);
  ImGui::SetNextWindowBgAlpha(1.0f); // an overlay hides what is under it
  bool open = true;
  ImGui::Begin("Settings", &open, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  Settings s = state.settings;
  bool changed = false;

  ImGui::TextUnformatted("API");
  if (uses_proxy_address) {
    if (!state.cache.proxy_draft_set) {
      state.cache.proxy_draft = s.proxy;
      state.cache.proxy_draft_set = true;
    }
    const float apply_w = ImGui::CalcTextSize("Apply").x + 2 * ImGui::GetStyle().FramePadding.x;
    ImGui::SetNextItemWidth(std::max(1.0f, ImGui::GetContentRegionAvail().x - apply_w - ImGui::GetStyle().ItemSpacing.x));
    const bool enter = ImGui::InputTextWithHint("##proxy", "Proxy address (empty: this page's server)",
                                                &state.cache.proxy_draft, ImGuiInputTextFlags_EnterReturnsTrue);
    record_widget(state, "settings_proxy");
    ImGui::SameLine();
    if ((ImGui::Button("Apply") || enter) && state.cache.proxy_draft != s.proxy) {
      s.proxy = state.cache.proxy_draft;
      changed = true;
    }
    record_widget(state, "settings_proxy_apply");
    note("Where the browser finds `imc serve`, e.g. http://127.0.0.1:8080. Empty: the server "
                 "that served this page.");
  } else {
    note("Calls go to the " + api_location + ".");
  }
  ImGui::Separator();

  ImGui::TextUnformatted("Theme");
  if (ImGui::RadioButton("Dark", s.dark)) {
    s.dark = true;
    changed = true;
  }
  record_widget(state, "settings_dark");
  ImGui::SameLine();
  if (ImGui::RadioButton("Light", !s.dark)) {
    s.dark = false;
    changed = true;
  }
  record_widget(state, "settings_light");

  ImGui::TextUnformatted("Font scale (HiDPI screens)");
  ImGui::SetNextItemWidth(-1);
  float scale = s.font_scale;
  if (ImGui::SliderFloat("##font_scale", &scale, kMinFontScale, kMaxFontScale, "%.2fx")) {
    s.font_scale = scale;
    changed = true;
  }
  record_widget(state, "settings_font_scale");
  ImGui::Separator();

  ImGui::TextUnformatted("Expert annotation");
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputTextWithHint("##annotator", "Your name (annotations are saved under it)", &s.annotator)) {
    changed = true;
  }
  record_widget(state, "settings_annotator");
  if (ImGui::Checkbox("Blind mode: hide the jury's scores until I have scored", &s.blind)) changed = true;
  record_widget(state, "settings_blind");
  ImGui::Separator();
  note("Settings are kept between sessions on this computer (browser: this site's local storage).");
  if (ImGui::Button("Close")) open = false;
  record_widget(state, "settings_close");
  ImGui::End();
  if (changed) out.push_back(ChangeSettings{s});
  if (!open) {
    out.push_back(SetOverlay{Overlay::none});
    state.cache.proxy_draft_set = false;
  }
}

} // namespace imc::ui

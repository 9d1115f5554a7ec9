// Live: a new conversation on the selected case through the API. Choose the clinician endpoint,
// the patient (a simulated endpoint, or "I am the patient" with a text box), the condition; start
// and stop; the turn in flight streams in with a typing indicator; errors say what to do next.
// A human patient can attach an image: a local path natively, a dropped file in the browser.
#include "panels.h"

#include <imgui_stdlib.h>

#include <algorithm>

namespace imc::ui {
namespace {

constexpr const char *kConditions[] = {"full", "no-image", "no-ehr", "no-image-no-ehr"};

bool endpoint_combo(const char *id, const std::vector<EndpointInfo> &endpoints, std::string &value) {
  bool changed = false;
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo(id, value.empty() ? "Choose an endpoint" : value.c_str())) {
    for (const auto &e : endpoints) {
      std::string label = e.name + "  (" + e.model + ", " + e.protocol + (e.images ? "" : ", no images") + ")";
      if (ImGui::Selectable(label.c_str(), e.name == value)) {
        value = e.name;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  return changed;
}

void draw_config(AppState &state, bool editable, std::vector<Action> &out) {
  const auto &endpoints = state.live.endpoints.value;
  LiveConfig cfg = state.live.config;
  bool changed = false;
  if (!editable) ImGui::BeginDisabled();
  ImGui::TextUnformatted("Clinician (the model under test)");
  changed |= endpoint_combo("##clinician", endpoints, cfg.clinician);
  record_widget(state, "live_clinician");
  ImGui::TextUnformatted("Patient");
  if (ImGui::RadioButton("Simulated", !cfg.human_patient)) {
    cfg.human_patient = false;
    changed = true;
  }
  record_widget(state, "live_patient_simulated");
  ImGui::SameLine();
  if (ImGui::RadioButton("I am the patient", cfg.human_patient)) {
    cfg.human_patient = true;
    changed = true;
  }
  record_widget(state, "live_patient_human");
  if (cfg.human_patient) {
    ImGui::SetNextItemWidth(-1);
    changed |= ImGui::InputTextWithHint("##patient_name", "Your name (optional)", &cfg.patient_name);
    record_widget(state, "live_patient_name");
  } else {
    changed |= endpoint_combo("##patient_endpoint", endpoints, cfg.patient_endpoint);
    record_widget(state, "live_patient_endpoint");
  }
  ImGui::TextUnformatted("Condition (what the clinician sees)");
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##condition", cfg.condition.c_str())) {
    for (const char *c : kConditions) {
      if (ImGui::Selectable(c, cfg.condition == c)) {
        cfg.condition = c;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  record_widget(state, "live_condition");
  ImGui::SetNextItemWidth(-1);
  changed |= ImGui::SliderInt("##max_turns", &cfg.max_turns, 1, 20, "At most %d clinician turns");
  record_widget(state, "live_max_turns");
  if (!editable) ImGui::EndDisabled();
  if (changed) out.push_back(SetLiveConfig{cfg});
}

void draw_human_input(AppState &state, std::vector<Action> &out) {
  const LiveState &live = state.live;
  const bool my_turn = live.phase == LivePhase::awaiting_human;
  const Palette &p = palette(state.settings.dark);
  if (my_turn) {
    text_wrapped(live.await_prompt.empty() ? "Your turn: write what you, the patient, say." : live.await_prompt,
                 p.warning_text);
  } else {
    note("Waiting for the clinician...");
  }
  std::string draft = live.human_draft;
  if (!my_turn) ImGui::BeginDisabled();
  if (ImGui::InputTextMultiline("##human", &draft, ImVec2(-1, ImGui::GetTextLineHeight() * 3))) {
    out.push_back(SetHumanDraft{draft});
  }
  record_widget(state, "live_human_text");
  if (button("Send", my_turn)) out.push_back(SendHumanTurn{false});
  record_widget(state, "live_send");
  ImGui::SameLine();
  if (button("Send and end", my_turn)) out.push_back(SendHumanTurn{true});
  record_widget(state, "live_send_end");
  if (!my_turn) ImGui::EndDisabled();

  // Attaching an image: a path natively, a dropped file in the browser.
  if (live.attachment) {
    text_fitted("Attached: " + live.attachment->name + " (" + live.attachment->mime_type + ", " +
                    std::to_string(live.attachment->bytes.size() / 1024) + " KB)",
                p.chart_positive);
    if (ImGui::SmallButton("Remove image")) out.push_back(ClearAttachment{});
    record_widget(state, "live_attach_remove");
  } else if (state.can_read_local_files) {
    LiveConfig cfg = live.config;
    const float attach_w = ImGui::CalcTextSize("Attach").x + 2 * ImGui::GetStyle().FramePadding.x;
    ImGui::SetNextItemWidth(std::max(1.0f, ImGui::GetContentRegionAvail().x - attach_w - ImGui::GetStyle().ItemSpacing.x));
    if (ImGui::InputTextWithHint("##attach_path", "Image to show (path of a PNG or JPEG)", &cfg.image_path)) {
      out.push_back(SetLiveConfig{cfg});
    }
    record_widget(state, "live_attach_path");
    ImGui::SameLine();
    if (ImGui::Button("Attach")) out.push_back(AttachImage{cfg.image_path});
    record_widget(state, "live_attach");
  } else {
    note("To show the clinician a photo, drop a PNG or JPEG image onto the page.");
  }
  if (!live.attach_error.empty()) text_wrapped("Cannot attach: " + live.attach_error, p.error_text);
}

} // namespace

void draw_live_tab(AppState &state, std::vector<Action> &out) {
  if (!state.api.available()) {
    api_unavailable_note(state, "a live session");
    return;
  }
  const LiveState &live = state.live;
  const Case *c = state.current_case();
  const auto &endpoints = live.endpoints;
  if (endpoints.loading() || endpoints.state == Remote<std::vector<EndpointInfo>>::State::idle) {
    note("Loading the endpoints...");
    return;
  }
  if (endpoints.state == Remote<std::vector<EndpointInfo>>::State::failed) {
    error_box(state, "Could not list the endpoints", endpoints.error);
    if (button("Retry")) out.push_back(LoadEndpoints{});
    return;
  }
  if (endpoints.value.empty()) {
    text_wrapped("The server has no model endpoints configured. Start it with `imc serve --config "
                 "endpoints.json` (docs/FORMATS.md, \"Endpoint config\").",
                 palette(state.settings.dark).warning_text);
    return;
  }
  text_fitted(c ? "Case: " + c->title : std::string("Pick a case on the left first"),
              ImGui::GetColorU32(ImGuiCol_TextDisabled));
  const bool active = live.active();
  const bool session_shown = active || !live.turns.empty() || !live.outcome.empty();
  if (!active && collapsing_header("Session settings", "session_settings", ImGuiTreeNodeFlags_DefaultOpen)) {
    draw_config(state, true, out);
  }
  if (!active) {
    if (button("Start the session", c != nullptr, -1)) out.push_back(StartSession{});
    record_widget(state, "live_start");
  } else {
    if (button("Stop", true, -1)) out.push_back(StopSession{});
    record_widget(state, "live_stop");
  }
  std::string phase = std::string("Session: ") + live_phase_key(live.phase);
  if (!live.outcome.empty()) phase += " (" + live.outcome + ")";
  text_fitted(phase, ImGui::GetColorU32(ImGuiCol_TextDisabled));
  record_widget(state, "live_phase");
  error_box(state, "Live session", live.error);
  if (!session_shown) return;

  const bool human = live.config.human_patient && active;
  const float input_h = human ? ImGui::GetTextLineHeight() * 5 + ImGui::GetFrameHeightWithSpacing() * 3 : 0;
  const float pane_h = std::max(ImGui::GetTextLineHeight() * 8, ImGui::GetContentRegionAvail().y - input_h);
  ImGui::BeginChild("live_turns", ImVec2(0, pane_h), true);
  TurnListOptions options;
  options.count = static_cast<int>(live.turns.size());
  options.inflight_role = live.inflight_role;
  options.inflight_text = live.inflight_text;
  options.follow = true;
  draw_turn_list(state, "live", "live:" + live.session_id, live.turns, options, out);
  ImGui::EndChild();
  record_widget(state, "live_turns");
  if (human) draw_human_input(state, out);
  if (!active && !live.transcript_id.empty() && state.find_transcript(live.transcript_id)) {
    if (button("Review this transcript (jury, annotation)")) {
      out.push_back(SelectTranscript{live.transcript_id});
      out.push_back(SetTab{Tab::jury});
    }
    record_widget(state, "live_review");
  }
}

} // namespace imc::ui

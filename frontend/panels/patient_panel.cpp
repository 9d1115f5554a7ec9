// Patient: the synthetic profile (EHR context) and persona. Parts the clinician model does not
// see under the open transcript's condition are greyed and labelled.
#include "panels.h"

namespace imc::ui {
namespace {

void field(const char *label, const std::string &value) {
  if (value.empty()) return;
  ImGui::TextDisabled("%s", label);
  ImGui::SameLine(130);
  ImGui::TextWrapped("%s", value.c_str());
}

std::string join(const std::vector<std::string> &items, const char *sep = "; ") {
  std::string out;
  for (const auto &s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

void draw_profile(const Profile &p) {
  const auto &d = p.demographics;
  std::string demo = std::to_string(d.age_years) + " years, " + to_string(d.sex);
  if (!d.occupation.empty()) demo += ", " + d.occupation;
  field("Patient", demo);
  field("Complaint", p.chief_complaint);
  field("History", p.history_of_present_illness);
  field("Past history", join(p.past_medical_history));
  std::vector<std::string> meds;
  for (const auto &m : p.medications) {
    std::string s = m.name;
    if (!m.dose.empty()) s += " " + m.dose;
    if (!m.frequency.empty()) s += " " + m.frequency;
    meds.push_back(s);
  }
  field("Medications", meds.empty() ? "none" : join(meds));
  field("Allergies", p.allergies.empty() ? "none known" : join(p.allergies));
  field("Social", p.social_history);
  field("Family", p.family_history);
  std::vector<std::string> vitals;
  for (const auto &v : p.vitals) vitals.push_back(v.name + " " + v.value + " " + v.unit);
  field("Vitals", join(vitals));
  std::vector<std::string> labs;
  for (const auto &l : p.labs) {
    std::string s = l.name + " " + l.value;
    if (!l.unit.empty()) s += " " + l.unit;
    if (!l.flag.empty() && l.flag != "normal") s += " (" + l.flag + ")";
    labs.push_back(s);
  }
  field("Labs", join(labs));
}

} // namespace

void draw_patient_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  (void)out;
  begin_panel("Patient", rect);
  const Case *c = state.current_case();
  if (!c) {
    ImGui::TextDisabled("Select a case");
    end_panel();
    return;
  }
  const Transcript *t = state.current_transcript();
  const bool ehr_visible = !t || t->condition.ehr;

  if (ImGui::CollapsingHeader("Profile (EHR context)", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (!ehr_visible) {
      ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1.0f),
                         "Not shown to the clinician (condition: %s)", t->condition.name().c_str());
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    }
    draw_profile(c->profile);
    if (!ehr_visible) ImGui::PopStyleColor();
  }
  record_widget(state, "profile", ImGui::GetWindowPos(),
                ImVec2(ImGui::GetWindowPos().x + ImGui::GetWindowSize().x,
                       ImGui::GetWindowPos().y + ImGui::GetWindowSize().y));
  if (ImGui::CollapsingHeader("Persona (simulated patient)")) {
    const Persona &p = c->persona;
    field("Literacy", to_string(p.health_literacy));
    field("Emotion", p.emotional_state);
    field("Language", p.language);
    field("Wants", join(p.wants));
    field("Opening", p.opening_statement);
  }
  end_panel();
}

} // namespace imc::ui

// Patient: the synthetic profile (EHR context) and persona. What the clinician model does not see
// under the shown condition is greyed and labelled (EHR under no-ehr, the image under no-image).
// For educators, collapsed: the hidden facts with which the clinician has unlocked so far, the
// labels and the jury's reference.
#include "panels.h"

#include "imc/hidden_facts.h"

#include <algorithm>

namespace imc::ui {
namespace {

void field(const char *label, const std::string &value) {
  if (value.empty()) return;
  ImGui::TextDisabled("%s", label);
  ImGui::SameLine(ImGui::GetFontSize() * 7);
  text_wrapped(value);
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

// For each hidden fact, the clinician turn that unlocked it (-1: still locked), given the turns
// shown so far. Cached per transcript and position: a 1,000-turn replay scans once per step.
const std::vector<int> &unlocked_at(AppState &state, const Case &c) {
  const Transcript *t = state.current_transcript();
  const int shown = t ? std::min<int>(state.replay.shown, static_cast<int>(t->turns.size())) : 0;
  const std::string key = c.id + "/" + (t ? t->id : "") + "/" + std::to_string(shown);
  if (state.cache.facts_key == key) return state.cache.facts_unlocked_at;
  std::vector<int> at(c.hidden_facts.size(), -1);
  for (int i = 0; t && i < shown; ++i) {
    const Turn &turn = t->turns[static_cast<size_t>(i)];
    if (turn.role != Role::clinician) continue;
    for (size_t f = 0; f < c.hidden_facts.size(); ++f) {
      if (at[f] < 0 && asks_about(turn.text, c.hidden_facts[f])) at[f] = i;
    }
  }
  state.cache.facts_key = key;
  state.cache.facts_unlocked_at = std::move(at);
  return state.cache.facts_unlocked_at;
}

void draw_hidden_facts(AppState &state, const Case &c) {
  const Palette &p = palette(state.settings.dark);
  const auto &at = unlocked_at(state, c);
  const int unlocked = static_cast<int>(std::count_if(at.begin(), at.end(), [](int i) { return i >= 0; }));
  const std::string title = "Hidden facts (for educators): " + std::to_string(unlocked) + " of " +
                            std::to_string(c.hidden_facts.size()) + " unlocked";
  const bool open = collapsing_header(title, "hidden_facts");
  record_widget(state, "hidden_facts");
  if (!open) return;
  if (c.hidden_facts.empty()) note("This case has no hidden facts.");
  note("The simulated patient reveals a fact only after the clinician asks about its topic "
               "(a clinician turn containing one of its triggers). Never shown to the clinician.");
  for (size_t f = 0; f < c.hidden_facts.size(); ++f) {
    const HiddenFact &fact = c.hidden_facts[f];
    const std::string status = at[f] >= 0 ? "Unlocked at turn " + std::to_string(at[f] + 1) : "Locked";
    text_wrapped(status + ": " + fact.topic, at[f] >= 0 ? p.chart_positive : p.warning_text);
    ImGui::Indent();
    text_wrapped("\"" + fact.fact + "\"");
    note("Triggers: " + join(fact.triggers, ", "));
    ImGui::Unindent();
  }
}

void draw_reference(const Case &c) {
  if (!collapsing_header("Labels and jury reference (never shown to the clinician)", "reference")) return;
  field("Diagnosis", c.labels.diagnosis);
  field("Malignancy", to_string(c.labels.malignancy));
  field("Rarity", to_string(c.labels.rarity));
  field("Category", c.labels.category);
  field("Red flags", join(c.reference.red_flags));
  field("Next steps", join(c.reference.recommended_next_steps));
  field("Notes", c.reference.notes);
}

} // namespace

void draw_patient_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  (void)out;
  begin_panel("Patient", rect);
  const Case *c = state.current_case();
  if (!c) {
    note("Select a case");
    end_panel();
    return;
  }
  const Palette &p = palette(state.settings.dark);
  const Condition condition = state.shown_condition();
  std::string sees = "The clinician sees: the conversation";
  if (condition.image) sees += ", the image";
  if (condition.ehr) sees += ", the EHR context";
  sees += " (condition " + condition.name() + ")";
  note(sees);
  record_widget(state, "clinician_sees");
  if (!condition.image) {
    text_wrapped("Image: not shown to the clinician under " + condition.name(), p.warning_text);
    record_widget(state, "image_hidden_note");
  }

  if (collapsing_header("Profile (EHR context)", "profile", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (!condition.ehr) {
      text_wrapped("Not shown to the clinician (condition " + condition.name() + ")", p.warning_text);
      record_widget(state, "ehr_hidden_label");
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    }
    draw_profile(c->profile);
    if (!condition.ehr) ImGui::PopStyleColor();
  }
  record_widget(state, "profile", ImGui::GetWindowPos(),
                ImVec2(ImGui::GetWindowPos().x + ImGui::GetWindowSize().x,
                       ImGui::GetWindowPos().y + ImGui::GetWindowSize().y));
  if (collapsing_header("Persona (simulated patient)", "persona")) {
    const Persona &persona = c->persona;
    field("Literacy", to_string(persona.health_literacy));
    field("Emotion", persona.emotional_state);
    field("Language", persona.language);
    field("Wants", join(persona.wants));
    field("Opening", persona.opening_statement);
  }
  draw_hidden_facts(state, *c);
  draw_reference(*c);
  end_panel();
}

} // namespace imc::ui

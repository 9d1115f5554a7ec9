// What the prompt templates may see of a case: the profile and persona rendered as text, by role.
#include "imc/prompts.h"

namespace imc {

namespace {

std::string join(const std::vector<std::string> &items, const char *separator) {
  std::string out;
  for (const auto &item : items) {
    if (item.empty())
      continue;
    if (!out.empty())
      out += separator;
    out += item;
  }
  return out;
}

// "a b c" of the non-empty parts.
std::string spaced(std::initializer_list<const std::string *> parts) {
  std::string out;
  for (const std::string *part : parts)
    if (!part->empty())
      out += (out.empty() ? "" : " ") + *part;
  return out;
}

std::string sex_text(Sex sex) { return sex == Sex::unknown ? "sex not recorded" : to_string(sex); }

std::string vital_name(const std::string &name) {
  if (name == "spo2")
    return "SpO2";
  std::string out = name;
  for (auto &c : out)
    if (c == '_')
      c = ' ';
  return out;
}

std::string medications_text(const std::vector<Medication> &medications) {
  std::vector<std::string> items;
  for (const auto &m : medications)
    items.push_back(spaced({&m.name, &m.dose, &m.frequency}));
  return join(items, "; ");
}

std::string vitals_text(const std::vector<Vital> &vitals) {
  std::vector<std::string> items;
  for (const auto &v : vitals) {
    const std::string name = vital_name(v.name);
    items.push_back(spaced({&name, &v.value, &v.unit}));
  }
  return join(items, "; ");
}

std::string labs_text(const std::vector<LabResult> &labs) {
  std::vector<std::string> items;
  for (const auto &lab : labs) {
    std::string item = spaced({&lab.name, &lab.value, &lab.unit});
    std::vector<std::string> notes;
    if (!lab.reference_range.empty())
      notes.push_back("reference " + lab.reference_range);
    if (!lab.flag.empty())
      notes.push_back(lab.flag);
    if (!notes.empty())
      item += " (" + join(notes, ", ") + ")";
    items.push_back(item);
  }
  return join(items, "; ");
}

// The profile as both prompts show it; `with_measurements` adds vitals and labs.
void put_profile(PromptVariables &v, const Profile &p, bool with_measurements) {
  v["profile.age"] = std::to_string(p.demographics.age_years);
  v["profile.sex"] = sex_text(p.demographics.sex);
  v["profile.occupation"] = p.demographics.occupation;
  v["profile.chief_complaint"] = p.chief_complaint;
  v["profile.history_of_present_illness"] = p.history_of_present_illness;
  v["profile.past_medical_history"] = join(p.past_medical_history, "; ");
  v["profile.medications"] = medications_text(p.medications);
  v["profile.allergies"] = join(p.allergies, "; ");
  v["profile.social_history"] = p.social_history;
  v["profile.family_history"] = p.family_history;
  if (with_measurements) {
    v["profile.vitals"] = vitals_text(p.vitals);
    v["profile.labs"] = labs_text(p.labs);
  }
}

} // namespace

PromptVariables clinician_prompt_variables(const Case &c, const Condition &condition) {
  PromptVariables v;
  v["image"] = condition.image ? "yes" : "";
  v["ehr"] = condition.ehr ? "yes" : "";
  v["end_marker"] = kClinicianEndMarker;
  // The same keys either way, so a template renders under every condition; without EHR they
  // are empty, so no template can leak the profile.
  put_profile(v, condition.ehr ? c.profile : Profile{}, true);
  if (!condition.ehr)
    for (auto &[name, value] : v)
      if (name.rfind("profile.", 0) == 0)
        value.clear();
  return v;
}

PromptVariables patient_prompt_variables(const Case &c,
                                         const std::vector<const HiddenFact *> &revealed) {
  PromptVariables v;
  v["end_marker"] = kPatientEndMarker;
  put_profile(v, c.profile, false);
  const Persona &p = c.persona;
  v["persona.opening_statement"] = p.opening_statement;
  v["persona.emotional_state"] = p.emotional_state;
  v["persona.language"] = p.language;
  v["persona.wants"] = join(p.wants, "; ");
  v["persona.health_literacy"] = to_string(p.health_literacy);
  v["persona.health_literacy_low"] = p.health_literacy == HealthLiteracy::low ? "yes" : "";
  v["persona.health_literacy_medium"] = p.health_literacy == HealthLiteracy::medium ? "yes" : "";
  v["persona.health_literacy_high"] = p.health_literacy == HealthLiteracy::high ? "yes" : "";
  std::string facts;
  for (const HiddenFact *fact : revealed)
    facts += (facts.empty() ? "- " : "\n- ") + fact->fact;
  v["revealed_facts"] = facts;
  return v;
}

} // namespace imc

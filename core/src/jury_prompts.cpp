// The juror's prompt: rubric templates, their variables, the transcript as text (jury_prompts.h).
#include "imc/jury_prompts.h"

#include <algorithm>

namespace imc {

namespace {

// builtin_prompt_files() is ordered by name then version: the last of a name is the newest.
PromptTemplate newest_rubric(std::string_view name) {
  const auto &files = builtin_prompt_files();
  const auto it = std::find_if(files.rbegin(), files.rend(),
                               [&](const PromptTemplate &t) { return t.name == name; });
  return it == files.rend() ? PromptTemplate{std::string(name), 0, ""} : *it;
}

std::string bullet_lines(const std::vector<std::string> &items) {
  std::string out;
  for (const auto &item : items)
    if (!item.empty())
      out += (out.empty() ? "- " : "\n- ") + item;
  return out;
}

std::string modality_text(Modality m) {
  switch (m) {
  case Modality::clinical_photo:
    return "clinical photograph";
  case Modality::xray:
    return "X-ray";
  case Modality::ct:
    return "CT";
  case Modality::mri:
    return "MRI";
  case Modality::fundus:
    return "fundus photograph";
  default:
    return to_string(m); // dermoscopy, ultrasound, histopathology, other
  }
}

std::string images_text(const std::vector<CaseImage> &images) {
  std::vector<std::string> items;
  for (const auto &image : images)
    items.push_back(modality_text(image.modality) +
                    (image.caption.empty() ? "" : ": " + image.caption));
  return bullet_lines(items);
}

// The health record as "- Field: value" lines, from the clinician prompt's own rendering of the
// profile (prompts.h), so both describe the patient in the same words.
std::string record_text(const Case &c) {
  const PromptVariables p = clinician_prompt_variables(c, Condition{true, true});
  const auto value = [&](const char *name) { return p.at(std::string("profile.") + name); };
  const auto or_else = [](std::string v, const char *fallback) {
    return v.empty() ? std::string(fallback) : v;
  };
  std::vector<std::string> lines;
  lines.push_back("Age and sex: " + value("age") + " years, " + value("sex"));
  const auto optional_line = [&](const char *label, const char *name) {
    if (std::string v = value(name); !v.empty())
      lines.push_back(std::string(label) + ": " + v);
  };
  optional_line("Occupation", "occupation");
  optional_line("Reason for the consultation", "chief_complaint");
  optional_line("History of the presenting complaint", "history_of_present_illness");
  lines.push_back("Past medical history: " +
                  or_else(value("past_medical_history"), "none recorded"));
  lines.push_back("Medications: " + or_else(value("medications"), "none"));
  lines.push_back("Allergies: " + or_else(value("allergies"), "no known drug allergies"));
  optional_line("Social history", "social_history");
  optional_line("Family history", "family_history");
  optional_line("Vital signs", "vitals");
  optional_line("Laboratory results", "labs");
  return bullet_lines(lines);
}

std::string hidden_facts_text(const std::vector<HiddenFact> &facts) {
  std::vector<std::string> items;
  for (const auto &f : facts)
    items.push_back(f.topic.empty() ? f.fact : f.topic + ": " + f.fact);
  return bullet_lines(items);
}

// The bracketed note after a turn's text, or "".
std::string turn_note(const Turn &turn) {
  const bool clinician = turn.role == Role::clinician;
  std::string note;
  if (!turn.images.empty())
    note = "The " + std::string(clinician ? "clinician" : "patient") + " attached " +
           (turn.images.size() == 1 ? std::string("an image")
                                    : std::to_string(turn.images.size()) + " images") +
           " to this message.";
  const std::string &f = turn.finish_reason;
  const char *ending = nullptr;
  if (turn.error || f == "error")
    ending = "This reply failed before it was complete.";
  else if (f == "length")
    ending = "This reply was cut off at the length limit.";
  else if (f == "content_filter")
    ending = "This reply was stopped by the provider's content filter.";
  else if (f == "cancelled")
    ending = "This reply was cancelled.";
  else if (f == "end_consultation")
    ending = clinician ? "The clinician ended the consultation here."
                       : "The patient ended the consultation here.";
  if (ending)
    note += (note.empty() ? "" : " ") + std::string(ending);
  return note.empty() ? note : "[" + note + "]";
}

} // namespace

const PromptTemplate &JuryRubrics::for_dimension(Dimension d) const {
  switch (d) {
  case Dimension::safety:
    return safety;
  case Dimension::accuracy:
    return accuracy;
  case Dimension::uncertainty:
    break;
  }
  return uncertainty;
}

const JuryRubrics &builtin_rubrics() {
  static const JuryRubrics rubrics{newest_rubric("safety"), newest_rubric("accuracy"),
                                   newest_rubric("uncertainty"), newest_rubric("juror_combined"),
                                   newest_rubric("juror_reask")};
  return rubrics;
}

std::string transcript_as_text(const Transcript &t) {
  std::string out;
  for (size_t i = 0; i < t.turns.size(); ++i) {
    const Turn &turn = t.turns[i];
    if (!out.empty())
      out += "\n";
    out += "[" + std::to_string(i + 1) + "] " +
           (turn.role == Role::clinician ? "Clinician" : "Patient") + ":\n";
    out += turn.text.empty() ? "(no text)" : turn.text;
    out += "\n";
    if (const std::string note = turn_note(turn); !note.empty())
      out += note + "\n";
  }
  return out;
}

PromptVariables juror_prompt_variables(const Transcript &t, const Case &c) {
  PromptVariables v;
  v["condition.image"] = t.condition.image ? "yes" : "";
  v["condition.ehr"] = t.condition.ehr ? "yes" : "";
  v["case.images"] = images_text(c.images);
  v["case.record"] = record_text(c);
  v["case.hidden_facts"] = hidden_facts_text(c.hidden_facts);
  v["reference.diagnosis"] = c.reference.diagnosis;
  v["reference.red_flags"] = bullet_lines(c.reference.red_flags);
  v["reference.recommended_next_steps"] = bullet_lines(c.reference.recommended_next_steps);
  v["reference.notes"] = c.reference.notes;
  v["transcript"] = transcript_as_text(t);
  v["transcript.incomplete"] = t.status.state == TranscriptState::complete ? "" : "yes";
  return v;
}

Result<std::string> render_reask(const PromptTemplate &reask, std::string_view problem,
                                 bool combined) {
  return render_prompt(reask,
                       {{"problem", std::string(problem)}, {"combined", combined ? "yes" : ""}});
}

} // namespace imc

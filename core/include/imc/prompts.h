#pragma once
// Versioned prompt templates (assets/prompts/<name>.v<version>.txt) and their rendering.
// Syntax, in full (docs/FORMATS.md, "Prompt templates"):
//
//   {{name}}               the value of variable `name` ([a-z0-9_.]+), inserted verbatim
//   {{#name}} ... {{/name}}  kept when `name` is non-empty, dropped otherwise
//   {{^name}} ... {{/name}}  kept when `name` is empty
//   {{! comment }}         dropped
//
// A line holding nothing but section and comment tags (and blanks) disappears with its line
// break, so sections and comments can sit on lines of their own. Sections nest. Every name used
// must be a known variable, inside skipped sections too, so a typo fails on every condition.
// Values are never re-scanned for tags; a template cannot contain a literal "{{".
//
// The template texts are embedded at build time (builtin_prompts()), so no platform reads them
// at run time; the .txt files stay the single source of truth.
#include "imc/casepack.h"
#include "imc/result.h"
#include "imc/transcript.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace imc {

struct PromptTemplate {
  std::string name; // "clinician_system", "patient_system"
  int version = 0;  // the N of the file name's ".vN"
  std::string text; // the template, as in the file

  // "sha256:" + sha256_hex(text): what a transcript's prompt_hashes records under `name`.
  std::string hash() const;
};

// The templates one conversation uses.
struct PromptTemplates {
  PromptTemplate clinician_system; // system prompt of the model under test
  PromptTemplate patient_system;   // system prompt of the simulated patient
};

// Every template of assets/prompts/ as embedded at build time, ordered by name then version.
const std::vector<PromptTemplate> &builtin_prompt_files();
// The template `name` at `version`, or nullptr when none was embedded.
const PromptTemplate *find_builtin_prompt(std::string_view name, int version);
// The newest embedded version of each template the conversation engine needs.
const PromptTemplates &builtin_prompts();

using PromptVariables = std::map<std::string, std::string>;

// Renders `t` with `variables`. Errors (Error::file "prompt NAME.vN", pointer "line L"): an
// unknown variable, an unterminated tag, a tag spanning lines, an empty or malformed name, a
// section closed by the wrong name or never closed, a stray closing tag. All are reported.
Result<std::string> render_prompt(const PromptTemplate &t, const PromptVariables &variables);

// The end markers the templates ask for (variable `end_marker`), matched case-insensitively
// anywhere in a reply and stripped from the stored text.
inline constexpr const char *kClinicianEndMarker = "[END CONSULTATION]";
inline constexpr const char *kPatientEndMarker = "[END]";

// Variables of the clinician's system prompt. `image`, `ehr`: "yes" or "" by condition;
// `end_marker`; `profile.*` (age, sex, occupation, chief_complaint, history_of_present_illness,
// past_medical_history, medications, allergies, social_history, family_history, vitals, labs;
// lists as one line joined by "; "). Under a condition without EHR every `profile.*` is "":
// the profile never reaches this prompt, whatever the template does. Labels, hidden facts and
// the jury reference are never variables.
PromptVariables clinician_prompt_variables(const Case &c, const Condition &condition);

// Variables of the simulated patient's system prompt: `end_marker`; `profile.*` as above minus
// vitals and labs (a patient rarely knows them); `persona.*` (opening_statement, emotional_state,
// language, wants, health_literacy, and health_literacy_low/_medium/_high: "yes" or "");
// `revealed_facts`: one "- FACT" line per fact of `revealed` (only their `fact` text, never the
// topic, which may name a diagnosis). Never the labels or the jury reference.
PromptVariables patient_prompt_variables(const Case &c,
                                         const std::vector<const HiddenFact *> &revealed);

} // namespace imc

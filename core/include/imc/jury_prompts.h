#pragma once
// What a juror reads: the rubric templates (assets/rubrics/<name>.v<version>.txt, the syntax of
// prompts.h, embedded at build time with the prompt templates), the variables they are rendered
// with, and the transcript as plain text (docs/FORMATS.md, "Rubrics and juror prompts").
//
// A juror sees the case facts (image captions, the health record, the hidden facts), the jury
// reference (diagnosis, red flags, recommended next steps, notes), what the clinician had under
// the transcript's condition, and the conversation: roles and turn texts only. Never the
// clinician's or the patient's endpoint or model, the transcript's id, title, run or timings,
// which could bias the score.
#include "imc/casepack.h"
#include "imc/prompts.h"
#include "imc/result.h"
#include "imc/transcript.h"
#include "imc/verdict.h"

#include <string>
#include <string_view>

namespace imc {

// The templates of one jury. A verdict records the hash of the rubric it was scored with
// (PromptTemplate::hash(): "sha256:" + hex of the template text).
struct JuryRubrics {
  PromptTemplate safety; // per-dimension rubrics: the whole user message of one call
  PromptTemplate accuracy;
  PromptTemplate uncertainty;
  PromptTemplate combined; // all three dimensions in one call
  PromptTemplate reask;    // the follow-up turn after an unreadable reply

  const PromptTemplate &for_dimension(Dimension d) const;
};

// The newest embedded version of each: safety, accuracy, uncertainty, juror_combined and
// juror_reask.
const JuryRubrics &builtin_rubrics();

// The conversation as the juror reads it: one block per turn, "[N] Patient:" or "[N] Clinician:"
// (N counting from 1) followed by the turn's text, plus a bracketed note where the patient
// attached images, a reply was cut off (length limit, content filter, error, cancelled) or a
// side ended the consultation. Error messages are left out: they may name models or endpoints.
std::string transcript_as_text(const Transcript &t);

// Variables of every rubric template:
//   condition.image, condition.ehr   "yes" or "" (what the clinician had)
//   case.images                      "- dermoscopy: CAPTION" per image
//   case.record                      the health record, one "- Field: value" line per field
//   case.hidden_facts                "- TOPIC: FACT" per hidden fact ("" when none)
//   reference.diagnosis, reference.notes
//   reference.red_flags, reference.recommended_next_steps   "- ITEM" per item
//   transcript                       transcript_as_text(t)
//   transcript.incomplete            "yes" unless the transcript is complete
// Lists end without a line break. Labels (malignancy, rarity) are not variables: the reference
// says what the juror needs.
PromptVariables juror_prompt_variables(const Transcript &t, const Case &c);

// The re-ask turn: `reask` rendered with `problem` (ReadScore::problem) and `combined` ("yes"
// in combined mode). Errors: those of render_prompt.
Result<std::string> render_reask(const PromptTemplate &reask, std::string_view problem,
                                 bool combined);

} // namespace imc

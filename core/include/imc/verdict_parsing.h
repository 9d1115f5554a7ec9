#pragma once
// Reading a juror's verdict out of what a model actually wrote. The rubrics ask for bare JSON
// ({"score": 4, "rationale": "..."}), but real replies wrap it in prose or a ```json fence, use
// single quotes or trailing commas, or answer "**Score:** 4/5" with no JSON at all; small models
// write nonsense. These functions find the verdict when there is exactly one, and otherwise say
// why not, so the jury can re-ask (docs/FORMATS.md, "Rubrics and juror prompts").
//
// Where a score is looked for, strongest evidence first; the first kind that finds anything
// decides, and later kinds are not consulted:
//   1. JSON objects anywhere in the text (balanced-brace scan that skips braces inside strings;
//      fenced or not; repaired when they use single quotes, unquoted keys, trailing commas, //
//      comments, raw line breaks in strings or curly quotes). A score sits under "score" or
//      "rating", under the dimension's name ("safety": 4, "safety_score": 4, "safety":
//      {"score": 4}), or in a nested object ({"verdict": {"score": 4}}, up to four levels).
//   2. A labelled score in prose: "Score: 4", "score = 4/5", "**Score:** 4", "Safety — 4",
//      "Rating: 4 out of 5". Labels followed by punctuation (":", "=", "-", "|") outrank labels
//      followed by words ("a score of 4", "the score is 4"), which count only when there are
//      none of the former.
//   3. A bare fraction of five: "I rate this 4/5", "4 out of 5".
//   4. A reply that is nothing but a number ("4", "**4**.").
// A value there that is not a whole number in 1..5 (0, 6, 4.5, "8/10") makes the reply invalid
// rather than being skipped; so do two different scores found by the same kind ("conflicting
// scores 3 and 4"): the jury re-asks instead of guessing. Ranges ("1-5", "3-4"), ordinals and
// percentages are not scores.
//
// The rationale is the JSON's "rationale" (or "reason", "reasoning", "explanation",
// "justification", "comment"); in prose, the text after a "Rationale:" label, else the text
// after the score. "" when there is none. Never throws; cost is linear in the reply for ordinary
// text (at most 512 brace candidates of at most 64 KiB each are examined).
#include "imc/verdict.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace imc {

struct ReadScore {
  std::optional<int> score; // 1..5 when the reply held one valid score for the dimension
  std::string rationale;    // the juror's reasons when found, else ""
  std::string problem;      // when !score: why, for the re-ask and the record ("no score
                            // found", "score 6 is outside 1..5", "conflicting scores 3 and 4")
  bool ok() const { return score.has_value(); }
};

// The verdict of a reply to a one-dimension rubric (JuryMode::per_dimension). The dimension
// lets "Safety: 4" and {"safety": {"score": 4}} count as that dimension's score.
ReadScore read_juror_reply(std::string_view reply, Dimension dimension);

// The three verdicts of a reply to the combined rubric, indexed by Dimension. Each dimension is
// read on its own, so a reply may be valid for some and not others. Accepted shapes include
// {"safety": {"score": 4, "rationale": "..."}, ...}, {"safety": 4, ..., "rationale": "..."}
// (the shared rationale goes to each), [{"dimension": "safety", "score": 4}, ...] and prose with
// one "Safety: 4" line (or a "Safety" heading followed by "Score: 4") per dimension.
std::array<ReadScore, 3> read_combined_juror_reply(std::string_view reply);

} // namespace imc

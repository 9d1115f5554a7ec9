#pragma once
// The hidden-facts policy: the simulated patient may reveal a hidden fact only once the clinician
// has asked about its topic, i.e. once any clinician turn so far contains one of the fact's
// triggers (docs/FORMATS.md, "Hidden facts"). Pure functions, shared by the conversation engine
// (what goes into the patient prompt) and the UI (which facts are unlocked).
#include "imc/casepack.h"
#include "imc/transcript.h"

#include <string>
#include <string_view>
#include <vector>

namespace imc {

// Whether `text` contains `trigger` as a whole word or phrase. Case-insensitive for ASCII and for
// the accented Latin-1 letters (U+00C0..U+00DE), so "Família" matches "família". Word characters
// are ASCII letters and digits and every non-ASCII byte; anything else (space, punctuation,
// apostrophe, hyphen) is a boundary, so "sun" matches "Sun-damaged" and "father's" matches
// "father" but "sun" does not match "sunday". A multi-word trigger ("runs in") matches any run
// of whitespace between its words. An empty or all-blank trigger matches nothing.
bool contains_trigger(std::string_view text, std::string_view trigger);

// Whether `clinician_text` asks about `fact`: it contains one of the fact's triggers.
bool asks_about(std::string_view clinician_text, const HiddenFact &fact);

// The facts of `facts` that some text of `clinician_texts` asks about, in the case's order.
std::vector<const HiddenFact *> revealable_facts(const std::vector<HiddenFact> &facts,
                                                 const std::vector<std::string> &clinician_texts);

// The facts revealable after `turns`: the same, reading their clinician turns (patient turns
// never unlock anything).
std::vector<const HiddenFact *> revealable_facts_after(const std::vector<HiddenFact> &facts,
                                                       const std::vector<Turn> &turns);

} // namespace imc

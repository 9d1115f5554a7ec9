#pragma once
// How the store keeps a transcript's JSON: the header (the document with `"turns":[]`) and one
// text per turn, each cut from serialize_transcript(t, false) itself. Splicing them gives back
// serialize_transcript(t, false) byte for byte, without parsing any JSON, so exporting a million
// turns is string concatenation and the codec stays the only writer of the format.
//
// The cuts rely on the codec writing "turns" then "status" as the document's last two keys;
// every function here checks that and throws std::logic_error if the codec ever changes.
#include "imc/transcript.h"

#include <string>
#include <string_view>
#include <vector>

namespace imc::store {

// serialize_transcript(t, false) of `t` with its turns left out.
std::string header_text(Transcript t);

// `turn` as serialize_transcript writes it inside "turns".
std::string turn_text(const Turn &turn);

// `header` with its "status" replaced by `status`.
std::string header_with_status(std::string_view header, const TranscriptStatus &status);

// Appends the whole document: `header` with `turns` (texts from turn_text, in order) inside it.
void append_document(std::string &out, std::string_view header,
                     const std::vector<std::string_view> &turns);

} // namespace imc::store

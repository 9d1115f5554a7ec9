#pragma once
// JSON text written straight into a string, byte for byte as nlohmann's dump writes it (no
// ensure_ascii, invalid UTF-8 replaced rather than thrown on), for the few hot paths where
// building a document first costs more than the rest of the work: each event the proxy relays
// and the body of each chat request it sends (docs/PERFORMANCE.md, "The proxy").
#include <string>
#include <string_view>

namespace imc {

// Appends `text` as a JSON string literal, quotes included. Valid UTF-8 (checked with simdjson
// where the build has it, else only ASCII counts) is escaped here in runs; anything else goes
// through nlohmann, which mends it the way every other document of the kit is mended.
void append_json_string(std::string &out, std::string_view text);

} // namespace imc

#pragma once
// Timestamps as the formats write them. The core never reads a clock: drivers stamp events with
// milliseconds since the Unix epoch (UTC) and the core only formats them.
#include <cstdint>
#include <string>

namespace imc {

// RFC 3339 UTC with milliseconds: 1795773600000 -> "2026-11-27T10:00:00.000Z". Proleptic
// Gregorian calendar; times before 1970 work too. Years outside 0..9999 are clamped to that
// range's ends, so the output always has the fixed 24-character shape.
std::string format_rfc3339_ms(int64_t unix_ms);

} // namespace imc

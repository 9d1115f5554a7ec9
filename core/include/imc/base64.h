#pragma once
// Base64 (RFC 4648, standard alphabet, with padding): how every provider carries image bytes
// inside JSON. Hand-written (a few lines) so the core needs no codec library on any target.
#include <optional>
#include <string>
#include <string_view>

namespace imc {

std::string base64_encode(std::string_view bytes);

// Strict: standard alphabet, length a multiple of 4, "=" padding only at the end, no
// whitespace. nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace imc

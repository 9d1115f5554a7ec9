#pragma once
// Internal: the lexical rules of docs/FORMATS.md (identifiers, paths, hashes, timestamps, ...),
// each a predicate plus the words an error uses for it. Hand-written rather than std::regex so
// that the wasm build stays small; docs/schemas/*.json states the same rules as patterns.
#include <string>
#include <string_view>

namespace imc::detail {

bool is_identifier(std::string_view s);      // [a-z0-9][a-z0-9-]*
bool is_endpoint_name(std::string_view s);   // [A-Za-z0-9._-]+
bool is_license_id(std::string_view s);      // [A-Za-z0-9][A-Za-z0-9.+-]*  (SPDX-like)
bool is_semver(std::string_view s);          // MAJOR.MINOR.PATCH, no leading zeros
bool is_sha256_hex(std::string_view s);      // 64 lowercase hex digits
bool is_prefixed_sha256(std::string_view s); // "sha256:" + 64 lowercase hex digits
bool is_rfc3339(std::string_view s);         // 2026-11-27T10:00:00.000Z, offsets allowed
bool is_language_tag(std::string_view s);    // BCP 47 shape: en, en-GB, pt-BR
bool is_env_var_name(std::string_view s);    // [A-Za-z_][A-Za-z0-9_]*
bool is_header_name(std::string_view s);     // RFC 9110 token
bool is_http_url(std::string_view s);        // http(s)://host..., no user info, no spaces
bool is_non_empty(std::string_view s);
// Pack-relative: '/'-separated, not absolute, no empty, "." or ".." segment, no backslash and no
// control characters, so that joining it to the pack root can never leave the pack.
bool is_relative_path(std::string_view s);

// A string rule as a reader applies it. `accepts == nullptr` takes any string.
struct TextRule {
  const char *expected;
  bool (*accepts)(std::string_view);
};

inline constexpr TextRule kAnyText{"a string", nullptr};
inline constexpr TextRule kNonEmptyText{"a non-empty string", is_non_empty};
inline constexpr TextRule kIdentifierText{"an identifier matching [a-z0-9][a-z0-9-]*",
                                          is_identifier};
inline constexpr TextRule kEndpointNameText{"an endpoint name matching [A-Za-z0-9._-]+",
                                            is_endpoint_name};
inline constexpr TextRule kLicenseIdText{"a license id such as CC-BY-4.0", is_license_id};
inline constexpr TextRule kSemverText{"a version MAJOR.MINOR.PATCH such as 1.0.0", is_semver};
inline constexpr TextRule kSha256HexText{"64 lowercase hex digits", is_sha256_hex};
inline constexpr TextRule kPrefixedSha256Text{"sha256: followed by 64 lowercase hex digits",
                                              is_prefixed_sha256};
inline constexpr TextRule kTimestampText{"an RFC 3339 timestamp such as 2026-11-27T10:00:00.000Z",
                                         is_rfc3339};
inline constexpr TextRule kLanguageText{"a BCP 47 language tag such as en or pt-BR",
                                        is_language_tag};
inline constexpr TextRule kEnvVarText{
    "an environment variable name matching [A-Za-z_][A-Za-z0-9_]*", is_env_var_name};
inline constexpr TextRule kHeaderNameText{"an HTTP header name", is_header_name};
inline constexpr TextRule kHttpUrlText{"an http:// or https:// URL without user info or spaces",
                                       is_http_url};
inline constexpr TextRule kRelativePathText{
    "a pack-relative path using / without .. (such as cases/x.json)", is_relative_path};

} // namespace imc::detail

#include "format_rules.h"

namespace imc::detail {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

template <class Pred> bool all_of(std::string_view s, Pred pred) {
  for (char c : s)
    if (!pred(c))
      return false;
  return true;
}

// Reads exactly `count` digits at `pos` as a number within [lo, hi].
bool digits_in_range(std::string_view s, size_t pos, size_t count, int lo, int hi) {
  if (pos + count > s.size())
    return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(s[i]))
      return false;
    value = value * 10 + (s[i] - '0');
  }
  return value >= lo && value <= hi;
}

} // namespace

bool is_identifier(std::string_view s) {
  return !s.empty() && is_lower_alnum(s[0]) &&
         all_of(s, [](char c) { return is_lower_alnum(c) || c == '-'; });
}

bool is_endpoint_name(std::string_view s) {
  return !s.empty() &&
         all_of(s, [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool is_license_id(std::string_view s) {
  return !s.empty() && is_alnum(s[0]) &&
         all_of(s, [](char c) { return is_alnum(c) || c == '.' || c == '+' || c == '-'; });
}

bool is_semver(std::string_view s) {
  int parts = 0;
  size_t pos = 0;
  while (true) {
    const size_t start = pos;
    while (pos < s.size() && is_digit(s[pos]))
      ++pos;
    const size_t length = pos - start;
    if (length == 0 || (length > 1 && s[start] == '0'))
      return false;
    ++parts;
    if (pos == s.size())
      return parts == 3;
    if (s[pos] != '.' || parts == 3)
      return false;
    ++pos;
  }
}

bool is_sha256_hex(std::string_view s) { return s.size() == 64 && all_of(s, is_lower_hex); }

bool is_prefixed_sha256(std::string_view s) {
  constexpr std::string_view kPrefix = "sha256:";
  return s.substr(0, kPrefix.size()) == kPrefix && is_sha256_hex(s.substr(kPrefix.size()));
}

bool is_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM); uppercase T and Z only, as we write them.
  if (s.size() < 20)
    return false;
  if (!digits_in_range(s, 0, 4, 0, 9999) || s[4] != '-' || !digits_in_range(s, 5, 2, 1, 12) ||
      s[7] != '-' || !digits_in_range(s, 8, 2, 1, 31) || s[10] != 'T' ||
      !digits_in_range(s, 11, 2, 0, 23) || s[13] != ':' || !digits_in_range(s, 14, 2, 0, 59) ||
      s[16] != ':' || !digits_in_range(s, 17, 2, 0, 60))
    return false;
  size_t pos = 19;
  if (s[pos] == '.') {
    const size_t start = ++pos;
    while (pos < s.size() && is_digit(s[pos]))
      ++pos;
    if (pos == start)
      return false;
  }
  if (pos < s.size() && s[pos] == 'Z')
    return pos + 1 == s.size();
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-'))
    return s.size() == pos + 6 && digits_in_range(s, pos + 1, 2, 0, 23) && s[pos + 3] == ':' &&
           digits_in_range(s, pos + 4, 2, 0, 59);
  return false;
}

bool is_language_tag(std::string_view s) {
  // Primary subtag of 2-3 letters, then subtags of 1-8 letters or digits.
  size_t pos = 0;
  while (pos < s.size() && is_alpha(s[pos]))
    ++pos;
  if (pos < 2 || pos > 3)
    return false;
  while (pos < s.size()) {
    if (s[pos] != '-')
      return false;
    const size_t start = ++pos;
    while (pos < s.size() && is_alnum(s[pos]))
      ++pos;
    if (pos == start || pos - start > 8)
      return false;
  }
  return true;
}

bool is_env_var_name(std::string_view s) {
  return !s.empty() && (is_alpha(s[0]) || s[0] == '_') &&
         all_of(s, [](char c) { return is_alnum(c) || c == '_'; });
}

bool is_header_name(std::string_view s) {
  constexpr std::string_view kTokenSymbols = "!#$%&'*+-.^_`|~";
  return !s.empty() && all_of(s, [&](char c) {
    return is_alnum(c) || kTokenSymbols.find(c) != std::string_view::npos;
  });
}

bool is_http_url(std::string_view s) {
  std::string_view rest;
  if (s.substr(0, 7) == "http://")
    rest = s.substr(7);
  else if (s.substr(0, 8) == "https://")
    rest = s.substr(8);
  else
    return false;
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  // User info ("user:secret@host") would put a credential into the config.
  if (authority.empty() || authority.find('@') != std::string_view::npos)
    return false;
  return all_of(s, [](char c) { return c != ' ' && !is_control(c); });
}

bool is_non_empty(std::string_view s) { return !s.empty(); }

bool is_relative_path(std::string_view s) {
  if (s.empty() || s[0] == '/')
    return false;
  if (!all_of(s, [](char c) { return c != '\\' && !is_control(c); }))
    return false;
  size_t start = 0;
  while (true) {
    const size_t slash = s.find('/', start);
    const std::string_view segment =
        s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty() || segment == "." || segment == "..")
      return false;
    if (slash == std::string_view::npos)
      return true;
    start = slash + 1;
  }
}

} // namespace imc::detail

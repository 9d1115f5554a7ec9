#include "imc/http.h"

#include "text_util.h"

#include <array>

namespace imc {

const std::string *find_header(const Headers &headers, std::string_view name) {
  for (const auto &[key, value] : headers)
    if (ascii::iequals(key, name))
      return &value;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// URLs

std::string UrlParts::authority() const {
  std::string out;
  if (host.find(':') != std::string::npos) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
  const int default_port = scheme == "https" ? 443 : 80;
  if (port != default_port) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

std::string UrlParts::origin() const { return scheme + "://" + authority(); }

std::string UrlParts::target() const { return query.empty() ? path : path + "?" + query; }

Result<UrlParts> split_url(std::string_view url) {
  const auto fail = [&](std::string expected) -> Result<UrlParts> {
    return Error{"url", "", std::move(expected), "\"" + std::string(url) + "\""};
  };
  UrlParts parts;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return fail("an absolute http:// or https:// URL");
  parts.scheme = ascii::lower(url.substr(0, scheme_end));
  if (parts.scheme != "http" && parts.scheme != "https")
    return fail("an absolute http:// or https:// URL");
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos)
    return fail("a URL without a #fragment");
  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos)
    return fail("a URL without user info");

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return fail("a closing ] after an IPv6 host");
    parts.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return fail("a port after the IPv6 host");
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    parts.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port_text = authority.substr(colon + 1);
  }
  if (parts.host.empty())
    return fail("a host name");
  parts.port = parts.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    auto port = ascii::parse_decimal(port_text);
    if (!port || *port < 1 || *port > 65535)
      return fail("a port 1..65535");
    parts.port = static_cast<int>(*port);
  }
  const size_t q = rest.find('?');
  parts.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos)
    parts.query = std::string(rest.substr(q + 1));
  if (parts.path.empty())
    parts.path = "/";
  return parts;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Secrets

namespace {

constexpr std::array<std::string_view, 6> kSecretHeaders{"authorization", "proxy-authorization",
                                                         "x-api-key",     "x-goog-api-key",
                                                         "api-key",       "x-amz-security-token"};

constexpr std::array<std::string_view, 5> kSecretQueryParams{
    "key", "api_key", "x-amz-signature", "x-amz-credential", "x-amz-security-token"};

bool is_named_by_auth(const std::vector<AuthNeed> &needs, std::string_view name) {
  for (const auto &need : needs)
    if (const auto *h = std::get_if<EnvSecretHeader>(&need); h && ascii::iequals(h->header, name))
      return true;
  return false;
}

} // namespace

bool is_secret_header(std::string_view name) {
  for (auto secret : kSecretHeaders)
    if (ascii::iequals(name, secret))
      return true;
  return false;
}

Headers redact(Headers headers) {
  for (auto &[name, value] : headers)
    if (is_secret_header(name))
      value = kRedacted;
  return headers;
}

std::string redact_url(std::string_view url) {
  const size_t q = url.find('?');
  if (q == std::string_view::npos)
    return std::string(url);
  const size_t hash = url.find('#', q);
  std::string_view query = url.substr(q + 1, hash == std::string_view::npos ? hash : hash - q - 1);
  std::string out(url.substr(0, q + 1));
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos)
      amp = query.size();
    std::string_view param = query.substr(start, amp - start);
    const size_t eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    bool secret = false;
    for (auto s : kSecretQueryParams)
      secret = secret || ascii::iequals(name, s);
    if (start != 0)
      out += '&';
    if (secret && eq != std::string_view::npos)
      out += std::string(name) + "=" + kRedacted;
    else
      out += param;
    start = amp + 1;
  }
  if (hash != std::string_view::npos)
    out += url.substr(hash);
  return out;
}

HttpRequest redact(HttpRequest request) {
  for (auto &[name, value] : request.headers)
    if (is_secret_header(name) || is_named_by_auth(request.auth, name))
      value = kRedacted;
  request.url = redact_url(request.url);
  return request;
}

Status add_secret_headers(HttpRequest &request, const EnvLookup &env) {
  Errors errors;
  std::vector<AuthNeed> remaining;
  for (auto &need : request.auth) {
    const auto *h = std::get_if<EnvSecretHeader>(&need);
    if (!h) {
      remaining.push_back(std::move(need));
      continue;
    }
    const std::optional<std::string> value = env ? env(h->env) : std::nullopt;
    if (!value || value->empty()) {
      errors.push_back(Error{"environment", h->env, "an API key for the " + h->header + " header",
                             value ? "an empty variable" : "unset"});
      continue;
    }
    request.headers.emplace_back(h->header, h->prefix + *value);
  }
  request.auth = std::move(remaining);
  if (!errors.empty())
    return errors;
  return ok_status();
}

// ---------------------------------------------------------------------------------------------
// Retry-After

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
int64_t days_from_civil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

std::optional<int> two_digits(std::string_view s, size_t at) {
  auto v = ascii::parse_decimal(s.substr(at, 2));
  if (!v)
    return std::nullopt;
  return static_cast<int>(*v);
}

} // namespace

std::optional<int64_t> parse_http_date(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  //  0123456789012345678901234567 8
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  int month = 0;
  for (size_t i = 0; i < kMonths.size(); ++i)
    if (s.substr(8, 3) == kMonths[i])
      month = static_cast<int>(i) + 1;
  const auto day = two_digits(s, 5), hour = two_digits(s, 17), minute = two_digits(s, 20),
             second = two_digits(s, 23);
  const auto year = ascii::parse_decimal(s.substr(12, 4));
  if (month == 0 || !day || !hour || !minute || !second || !year || *day < 1 || *day > 31 ||
      *hour > 23 || *minute > 59 || *second > 60)
    return std::nullopt;
  const int64_t days = days_from_civil(*year, month, *day);
  return ((days * 24 + *hour) * 60 + *minute) * 60000 + int64_t{*second} * 1000;
}

std::optional<int64_t> parse_retry_after_ms(std::string_view value, std::optional<int64_t> now_ms) {
  value = ascii::trim(value);
  if (value.empty())
    return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    // delay-seconds; a fraction is not in RFC 9110 but some servers send one.
    const size_t dot = value.find('.');
    auto whole = ascii::parse_decimal(value.substr(0, dot));
    if (!whole || *whole > 100'000'000)
      return std::nullopt;
    int64_t ms = *whole * 1000;
    if (dot != std::string_view::npos) {
      std::string_view frac = value.substr(dot + 1);
      auto digits = ascii::parse_decimal(frac.substr(0, 3));
      if (frac.empty() || !digits || !ascii::parse_decimal(frac))
        return std::nullopt;
      for (size_t i = frac.substr(0, 3).size(); i < 3; ++i)
        *digits *= 10;
      ms += *digits;
    }
    return ms;
  }
  auto when = parse_http_date(value);
  if (!when || !now_ms)
    return std::nullopt;
  return *when > *now_ms ? *when - *now_ms : 0;
}

std::optional<int64_t> retry_after_ms(const HttpResponseHead &head) {
  if (const auto *ms = find_header(head.headers, "retry-after-ms")) {
    auto v = ascii::parse_decimal(ascii::trim(*ms));
    if (v)
      return *v;
  }
  const auto *value = find_header(head.headers, "retry-after");
  if (!value)
    return std::nullopt;
  std::optional<int64_t> now = head.received_at_ms;
  if (!now)
    if (const auto *date = find_header(head.headers, "date"))
      now = parse_http_date(ascii::trim(*date));
  return parse_retry_after_ms(*value, now);
}

} // namespace imc

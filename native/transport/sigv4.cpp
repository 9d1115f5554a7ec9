#include "sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <utility>
#include <vector>

namespace imc::transport {

namespace {

std::string hex(const unsigned char *bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// %XX sequences decoded; anything else (a stray %) kept as is.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// Trimmed, with every run of spaces and tabs inside collapsed to one space.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space)
      out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string env_value(const EnvLookup &env, const std::string &name) {
  if (!env || name.empty())
    return {};
  return env(name).value_or("");
}

} // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return hex(digest, length);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char *>(data.data()), data.size(), mac, &length);
  return std::string(reinterpret_cast<const char *>(mac), length);
}

std::string sigv4_canonical_uri(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  size_t start = path.empty() || path.front() != '/' ? 0 : 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    trailing_slash = segment.empty() || segment == "." || segment == "..";
    if (segment == "..") {
      if (!segments.empty())
        segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto segment : segments)
    out += "/" + percent_encode(segment);
  if (out.empty() || trailing_slash)
    out += "/";
  return out;
}

std::string sigv4_canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos)
      end = query.size();
    const std::string_view param = query.substr(start, end - start);
    if (!param.empty()) {
      const size_t eq = param.find('=');
      const std::string_view name = param.substr(0, eq);
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
      params.emplace_back(percent_encode(percent_decode(name)),
                          percent_encode(percent_decode(value)));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto &[name, value] : params)
    out += (out.empty() ? "" : "&") + name + "=" + value;
  return out;
}

SigV4Signature sigv4_sign(const SigV4Request &request, const SigV4Credentials &credentials,
                          std::string_view region, std::string_view service,
                          std::string_view amz_date) {
  // Lower-cased names in first-seen order of sorted names; repeated headers joined with ",".
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto &[name, value] : request.headers) {
    const std::string key = lower(name);
    const std::string canonical = canonical_header_value(value);
    auto it =
        std::find_if(headers.begin(), headers.end(), [&](const auto &h) { return h.first == key; });
    if (it == headers.end())
      headers.emplace_back(key, canonical);
    else
      it->second += "," + canonical;
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });

  SigV4Signature out;
  std::string canonical_headers;
  for (const auto &[name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    out.signed_headers += (out.signed_headers.empty() ? "" : ";") + name;
  }
  out.canonical_request = request.method + "\n" + sigv4_canonical_uri(request.path) + "\n" +
                          sigv4_canonical_query(request.query) + "\n" + canonical_headers + "\n" +
                          out.signed_headers + "\n" + sha256_hex(request.body);

  const std::string date(amz_date.substr(0, 8));
  const std::string scope =
      date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  out.string_to_sign = "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" +
                       sha256_hex(out.canonical_request);

  std::string key = hmac_sha256("AWS4" + credentials.secret_access_key, date);
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  key = hmac_sha256(key, "aws4_request");
  const std::string mac = hmac_sha256(key, out.string_to_sign);
  out.signature = hex(reinterpret_cast<const unsigned char *>(mac.data()), mac.size());
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                      ", SignedHeaders=" + out.signed_headers + ", Signature=" + out.signature;
  return out;
}

std::string amz_date(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[20];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

Status sign_request_sigv4(HttpRequest &request, const SigV4Signing &need, const EnvLookup &env,
                          int64_t unix_ms) {
  Errors errors;
  const auto require = [&](const std::string &variable, const char *what) {
    const std::string value = env_value(env, variable);
    if (variable.empty())
      errors.push_back(Error{"environment", "", std::string("a variable name for the ") + what,
                             "none configured"});
    else if (value.empty())
      errors.push_back(Error{"environment", variable, std::string("the ") + what,
                             env && env(variable) ? "an empty variable" : "unset"});
    return value;
  };
  SigV4Credentials credentials;
  credentials.access_key_id = require(need.access_key_id_env, "AWS access key id");
  credentials.secret_access_key = require(need.secret_access_key_env, "AWS secret access key");
  if (!need.session_token_env.empty())
    credentials.session_token = require(need.session_token_env, "AWS session token");
  if (need.region.empty())
    errors.push_back(Error{"sigv4", "region", "an AWS region", "none"});
  auto url = split_url(request.url);
  if (!url)
    for (const auto &e : url.errors())
      errors.push_back(e);
  if (!errors.empty())
    return errors;

  const std::string date = amz_date(unix_ms);
  const std::string host = url->authority();
  // Replace anything the signer owns, so signing twice (a retry) gives one set of headers.
  Headers headers;
  for (auto &h : request.headers) {
    const std::string name = lower(h.first);
    if (name != "host" && name != "x-amz-date" && name != "authorization" &&
        name != "x-amz-security-token")
      headers.push_back(std::move(h));
  }
  headers.emplace_back("host", host);
  headers.emplace_back("x-amz-date", date);
  if (!credentials.session_token.empty())
    headers.emplace_back("x-amz-security-token", credentials.session_token);

  const SigV4Request signable{request.method, url->path, url->query, headers, request.body};
  const SigV4Signature signature = sigv4_sign(
      signable, credentials, need.region, need.service.empty() ? "bedrock" : need.service, date);
  headers.emplace_back("authorization", signature.authorization);
  request.headers = std::move(headers);
  return ok_status();
}

} // namespace imc::transport

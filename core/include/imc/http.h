#pragma once
// HTTP as data: the request an adapter builds and the response head a decoder reads. No sockets
// here; the native shell (cpp-httplib) and the browser shell (fetch through the proxy) send it.
//
// Secrets never enter a request built by the core. A request lists its AuthNeeds instead ("put
// $OPENAI_API_KEY in the authorization header", "sign with SigV4"); only the native shell, which
// holds the environment, fulfils them, right before sending. Wire logs go through redact().
#include "imc/result.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace imc {

// Name/value pairs in order. Adapters write names in lowercase; lookups ignore ASCII case.
using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of the first header called `name` (ASCII case-insensitive), or nullptr.
const std::string *find_header(const Headers &headers, std::string_view name);

// A header whose value is a secret read from an environment variable when sending:
// `header: prefix + $env` ({"authorization", "Bearer ", "OPENAI_API_KEY"}).
struct EnvSecretHeader {
  std::string header; // lowercase name
  std::string prefix; // "Bearer " or ""
  std::string env;    // variable name
};

// AWS Signature V4 over the finished request (method, url, headers, body). The signer adds
// x-amz-date, authorization and, with a session token, x-amz-security-token. Bedrock paths
// hold a percent-encoded model id: for SigV4's canonical URI (non-S3) encode the path once more.
struct SigV4Signing {
  std::string access_key_id_env;     // "AWS_ACCESS_KEY_ID"
  std::string secret_access_key_env; // "AWS_SECRET_ACCESS_KEY"
  std::string session_token_env;     // "" when the credentials are long-term
  std::string region;                // "us-east-1"
  std::string service;               // "bedrock"
};

using AuthNeed = std::variant<EnvSecretHeader, SigV4Signing>;

struct HttpRequest {
  std::string method = "POST";
  std::string url; // base_url + path (+ "?" query)
  Headers headers; // everything but secrets
  std::string body;
  std::vector<AuthNeed> auth; // what the sender must add; empty for keyless local servers
  bool stream = false;        // the reply is a stream: feed it to a stream decoder as it arrives
};

struct HttpResponseHead {
  int status = 0;
  Headers headers;
  // When the head arrived (Unix ms), if the caller knows: turns an HTTP-date Retry-After into a
  // delay. Without it the response's own Date header serves as "now".
  std::optional<int64_t> received_at_ms;
};

// ---------------------------------------------------------------------------------------------
// URLs

struct UrlParts {
  std::string scheme; // "http" or "https"
  std::string host;   // "api.openai.com", "127.0.0.1", "::1" (brackets removed)
  int port = 0;       // explicit port, else 80/443
  std::string path;   // "/v1/chat/completions", "/" when the URL has none
  std::string query;  // without "?", "" when none

  std::string origin() const;    // "https://api.openai.com" (port only when not the default)
  std::string authority() const; // the origin without its scheme: "127.0.0.1:8080", "[::1]:8080"
  std::string target() const; // path + "?" + query: what goes on the request line
};

// Splits an absolute http(s) URL. Errors: another scheme, no host, a bad port, a fragment or
// user info (neither belongs in an endpoint URL).
Result<UrlParts> split_url(std::string_view url);

// RFC 3986 percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string percent_encode(std::string_view s);

// ---------------------------------------------------------------------------------------------
// Secrets and wire logs

inline constexpr const char *kRedacted = "[REDACTED]";

// authorization, proxy-authorization, x-api-key, x-goog-api-key, api-key, x-amz-security-token
// (ASCII case-insensitive).
bool is_secret_header(std::string_view name);

// The headers with each secret header's value replaced by "[REDACTED]".
Headers redact(Headers headers);
// The URL with the values of the query parameters key, api_key, X-Amz-Signature,
// X-Amz-Credential and X-Amz-Security-Token replaced by "[REDACTED]".
std::string redact_url(std::string_view url);
// Headers and URL redacted, plus any header named by the request's own AuthNeeds. The body is
// kept: adapters never put secrets there.
HttpRequest redact(HttpRequest request);

// Reads an environment variable; returns nullopt when unset. Injected so the core stays pure.
using EnvLookup = std::function<std::optional<std::string>(const std::string &name)>;

// Adds every EnvSecretHeader need's header to the request (and removes that need). SigV4 needs
// are left for the caller, who has a clock. Errors (one per need): the variable is unset or
// empty; the message names the variable, never a value.
Status add_secret_headers(HttpRequest &request, const EnvLookup &env);

// ---------------------------------------------------------------------------------------------
// Retry-After

// Unix milliseconds of an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the form RFC 9110
// requires senders to use; nullopt for anything else.
std::optional<int64_t> parse_http_date(std::string_view s);

// Milliseconds to wait from a Retry-After value: delay-seconds ("30", "1.5"), or an HTTP-date
// minus `now_ms` (nullopt when there is no now). Never negative; nullopt when unparseable.
std::optional<int64_t> parse_retry_after_ms(std::string_view value,
                                            std::optional<int64_t> now_ms = std::nullopt);

// The delay a response asks for: the retry-after-ms header (OpenAI), else Retry-After, using
// head.received_at_ms or else the response's Date header as "now".
std::optional<int64_t> retry_after_ms(const HttpResponseHead &head);

} // namespace imc

#pragma once
// AWS Signature Version 4 (header form), with OpenSSL's SHA-256 and HMAC-SHA256.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
//
// Verified against AWS's published SigV4 test suite (tests/native/data/sigv4/, README there).
//
// Canonical request, for every service but S3 (the kit signs Bedrock):
//   METHOD \n canonical URI \n canonical query \n canonical headers \n signed headers \n
//   hex(SHA-256(body))
// - URI: the path with "." / ".." segments and repeated slashes removed, each segment
//   percent-encoded (RFC 3986 unreserved characters kept). The path is taken as it goes on the
//   wire, so an already-encoded segment is encoded once more: Bedrock's model id ":" travels as
//   "%3A" and is signed as "%253A", as AWS requires for non-S3 services.
// - Query: each name and value percent-decoded, then encoded, sorted by name then value.
// - Headers: names lower-cased, values trimmed with inner runs of spaces collapsed, repeated
//   headers joined with ",", sorted by name. Every header given is signed.
#include "imc/http.h"
#include "imc/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace imc::transport {

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token; // "" for long-term credentials
};

// What is signed: the request as it will be sent. `headers` must already hold host and
// x-amz-date (and x-amz-security-token when a session token is used).
struct SigV4Request {
  std::string method;
  std::string path;  // "/model/x%3A0/converse", as on the request line
  std::string query; // "a=1&b=2" without "?", "" for none
  Headers headers;
  std::string body;
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers; // "host;x-amz-date"
  std::string signature;      // lowercase hex
  std::string authorization;  // the Authorization header's value
};

std::string sigv4_canonical_uri(std::string_view path);
std::string sigv4_canonical_query(std::string_view query);

// `amz_date` is the x-amz-date value, "20150830T123600Z".
SigV4Signature sigv4_sign(const SigV4Request &request, const SigV4Credentials &credentials,
                          std::string_view region, std::string_view service,
                          std::string_view amz_date);

// "20150830T123600Z" for a time in Unix milliseconds.
std::string amz_date(int64_t unix_ms);

// Signs `request` for `need` at `unix_ms`: reads the credentials with `env`, adds host,
// x-amz-date, x-amz-security-token (with a session token) and authorization. Errors, one per
// variable, name the variable (never a value): unset or empty access key id, secret access key,
// or a named session token variable; also a URL that does not parse or a need without region.
Status sign_request_sigv4(HttpRequest &request, const SigV4Signing &need, const EnvLookup &env,
                          int64_t unix_ms);

} // namespace imc::transport

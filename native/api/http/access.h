#pragma once
// Who may call `imc serve`'s API, decided before any handler runs:
// - the Host header must name this machine when the server binds a loopback address (a page
//   of another site that rebinds its DNS name to 127.0.0.1 is refused);
// - a request that carries an Origin must come from the server's own origin or one configured
//   with --cors-origin (no Access-Control-Allow-Origin for any other; their preflights fail);
// - with an access token (required to bind any non-loopback address), every API call must
//   carry `Authorization: Bearer <token>`, compared in constant time;
// - each client (remote address) has a token bucket of API calls: 429 with Retry-After beyond.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace imc::api::http {

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_address(const std::string &address);

// The host part of a Host header ("127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "::1").
std::string host_of(const std::string &host_header);

class AccessToken {
public:
  AccessToken() = default;
  explicit AccessToken(const std::string &token); // kept as its SHA-256 only
  bool required() const { return !digest_.empty(); }
  // Whether `authorization` is "Bearer <the token>"; constant time in the token's content.
  bool accepts(const std::string &authorization) const;

private:
  std::string digest_;
};

// Reads a token file: its first line, without surrounding blanks. Errors (a message for people):
// unreadable, empty, shorter than 16 characters.
std::optional<std::string> read_token_file(const std::string &path, std::string &error);

class OriginPolicy {
public:
  explicit OriginPolicy(std::vector<std::string> allowed = {});
  // Whether a request with this Origin (non-empty) may use the API: the server's own origin
  // (http://<Host header>) or a configured one.
  bool allows(const std::string &origin, const std::string &host_header) const;
  // Whether this origin gets CORS response headers (a configured cross origin).
  bool is_configured(const std::string &origin) const;

private:
  std::vector<std::string> allowed_;
};

class ClientRateLimiter {
public:
  // `per_second` <= 0: no limit. The bucket holds `burst` calls.
  ClientRateLimiter(double per_second, double burst);
  // 0 when the call may go ahead (a token is taken), else the milliseconds until one is there.
  int64_t take(const std::string &client);

private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  double per_second_;
  double burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

} // namespace imc::api::http

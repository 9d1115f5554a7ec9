#include "access.h"

#include "imc/sha256.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cmath>
#include <fstream>

namespace imc::api::http {

bool is_loopback_address(const std::string &address) {
  if (address == "localhost" || address == "::1" || address == "[::1]")
    return true;
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

std::string host_of(const std::string &host_header) {
  if (!host_header.empty() && host_header.front() == '[') {
    const auto close = host_header.find(']');
    return close == std::string::npos ? host_header : host_header.substr(1, close - 1);
  }
  const auto colon = host_header.rfind(':');
  return colon == std::string::npos ? host_header : host_header.substr(0, colon);
}

AccessToken::AccessToken(const std::string &token) : digest_(sha256_hex(token)) {}

bool AccessToken::accepts(const std::string &authorization) const {
  if (digest_.empty())
    return true;
  static const std::string kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      authorization.compare(0, kScheme.size(), kScheme) != 0)
    return false;
  // Comparing digests keeps the comparison's time independent of the token's length too.
  const std::string offered = sha256_hex(authorization.substr(kScheme.size()));
  return offered.size() == digest_.size() &&
         CRYPTO_memcmp(offered.data(), digest_.data(), digest_.size()) == 0;
}

std::optional<std::string> read_token_file(const std::string &path, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read the token file " + path;
    return std::nullopt;
  }
  std::string line;
  std::getline(in, line);
  const auto first = line.find_first_not_of(" \t\r\n");
  const auto last = line.find_last_not_of(" \t\r\n");
  line = first == std::string::npos ? "" : line.substr(first, last - first + 1);
  if (line.size() < 16) {
    error = "the token in " + path +
            " is shorter than 16 characters: write a long random one (openssl rand -hex 32)";
    return std::nullopt;
  }
  return line;
}

OriginPolicy::OriginPolicy(std::vector<std::string> allowed) : allowed_(std::move(allowed)) {
  for (std::string &o : allowed_)
    while (!o.empty() && o.back() == '/')
      o.pop_back();
}

bool OriginPolicy::allows(const std::string &origin, const std::string &host_header) const {
  if (!host_header.empty() && origin == "http://" + host_header)
    return true;
  return is_configured(origin);
}

bool OriginPolicy::is_configured(const std::string &origin) const {
  return std::find(allowed_.begin(), allowed_.end(), origin) != allowed_.end();
}

ClientRateLimiter::ClientRateLimiter(double per_second, double burst)
    : per_second_(per_second), burst_(std::max(1.0, burst)) {}

int64_t ClientRateLimiter::take(const std::string &client) {
  if (per_second_ <= 0)
    return 0;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  if (buckets_.size() > 10000) {
    // Forget clients whose buckets have refilled: they are as if new.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double elapsed = std::chrono::duration<double>(now - it->second.at).count();
      it = it->second.tokens + elapsed * per_second_ >= burst_ ? buckets_.erase(it) : ++it;
    }
  }
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
  Bucket &b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return static_cast<int64_t>(std::ceil((1 - b.tokens) / per_second_ * 1000));
}

} // namespace imc::api::http

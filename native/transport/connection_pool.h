#pragma once
// Kept-alive cpp-httplib clients, per origin. A call leases one client for its attempt (an
// httplib::Client runs one request at a time) and gives it back when the exchange ended cleanly,
// so the next call to the origin skips the TCP (and TLS) handshake. cpp-httplib itself opens a
// fresh connection per request unless a client object is reused, and checks a kept socket is
// still alive before reusing it.
#include <httplib.h>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace imc::transport {

class ConnectionPool {
public:
  explicit ConnectionPool(size_t max_idle_per_origin = 8);

  struct Lease {
    std::unique_ptr<httplib::Client> client;
    std::string origin;
    bool reused = false; // the client had served a request before
  };

  // An idle client for `origin` ("https://api.openai.com", "http://127.0.0.1:8080"), or a new
  // one: TCP_NODELAY on (no 40 ms delayed-ACK stalls on small requests), keep-alive on, URL
  // encoding off (targets are sent exactly as built: Bedrock's encoded model ids must not be
  // encoded again), redirects not followed, the system's CA store for https.
  Lease acquire(const std::string &origin);
  // Keeps the client for reuse when its connection is still open and there is room.
  void release(Lease lease);

  size_t idle(const std::string &origin) const;

private:
  size_t max_idle_per_origin_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;
};

} // namespace imc::transport

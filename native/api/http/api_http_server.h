#pragma once
// `imc serve`'s HTTP adapter: the JSON API of an ApiService under /api/ (server-sent events for
// streams), the web build and the case pack as static files, and the access rules of access.h,
// on cpp-httplib 0.11.4 with the defaults that wreck a proxy fixed (docs/ARCHITECTURE.md,
// "Proxy"): TCP_NODELAY, up to `max_threads` threads that accept and serve connections
// (acceptor_pool.h) instead of one accept thread feeding max(8, cores - 1), a listen backlog of
// `listen_backlog` instead of 5, keep-alive waits in poll() instead of 10 ms polling,
// request/read/write timeouts for slow clients.
//
//   ApiHttpServer server(service, settings);
//   auto port = server.bind();   // Result<int>: the port (settings.port 0 picks one)
//   server.serve();              // blocks until stop()
//   ... from another thread: server.stop();   // stop accepting, close idle connections
#include "access.h"
#include "connection.h"
#include "static_files.h"

#include "api/api_service.h"

#include "imc/result.h"

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace imc::api::http {

struct HttpSettings {
  std::string bind = "127.0.0.1";
  int port = 8080;                       // 0: any free port
  std::string web_dir;                   // served at /; "" = none
  std::string pack_dir;                  // served at /pack/; "" = none
  std::string token;                     // "" = none (loopback only); else Bearer required
  std::vector<std::string> cors_origins; // cross origins allowed to use the API
  size_t max_body_bytes = 32u << 20;     // larger request bodies get 413
  double rate_per_second = 50;           // API calls per client; <= 0 = no limit
  double rate_burst = 200;               // calls a client may make at once
  size_t max_threads = 1024;             // connection threads (each stream holds one)
  int listen_backlog = 1024;             // pending connections the kernel queues
  ConnectionLimits limits;
  bool log_requests = true; // one stderr line per API call
};

class ApiHttpServer {
public:
  ApiHttpServer(ApiService &service, HttpSettings settings);
  ~ApiHttpServer();
  ApiHttpServer(const ApiHttpServer &) = delete;
  ApiHttpServer &operator=(const ApiHttpServer &) = delete;

  // Checks the settings (a non-loopback address needs a token; the static folders exist) and
  // binds. Returns the port, or an error for people.
  Result<int> bind();
  // Accepts and serves until stop(); returns when every connection has ended.
  void serve();
  // Thread-safe: stops accepting and closes idle kept-alive connections; requests in progress
  // and open streams go on (drain them through the service).
  void stop();
  size_t threads() const;

private:
  class Server;
  std::unique_ptr<Server> server_;
};

} // namespace imc::api::http

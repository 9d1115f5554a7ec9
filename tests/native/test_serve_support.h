#pragma once
// Helpers for the `imc serve` tests: the real binary started as a subprocess on 127.0.0.1 and an
// ephemeral port (its printed URL parsed, stopped by PID), a raw-socket HTTP/1.1 client that
// sends exactly the bytes a test means (traversal targets, slow clients) and reads server-sent
// events, and endpoint configs pointing at the in-process fake upstream.
#include "support/fake_upstream.h"
#include "support/subprocess.h"

#include "imc/sse.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace imc::test {

// A recognisable fake key, set in the server's environment; no reply or log may contain it.
inline constexpr const char *kFakeKey = "sk-imc-FAKE-KEY-4f1e2d3c-DO-NOT-LEAK";
inline constexpr const char *kFakeKeyVar = "IMC_TEST_FAKE_KEY";

class ServeProcess {
public:
  // Runs `imc serve --port 0 ARGS...` with extra environment variables, and waits for its
  // "open http://ADDR:PORT/" line (ok() false with the output when it exits or times out).
  ServeProcess(std::vector<std::string> args, std::map<std::string, std::string> env = {},
               double start_timeout_s = 20);
  ~ServeProcess(); // SIGTERM, then SIGKILL after 10 s
  ServeProcess(const ServeProcess &) = delete;
  ServeProcess &operator=(const ServeProcess &) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string out() const; // what it printed so far
  std::string err() const;
  // Sends `signal` and waits up to `timeout_s`: the exit status (128 + signal if killed), or -1
  // when it is still running (then it is killed).
  int stop(int signal = SIGTERM, double timeout_s = 15);
  bool running() const;

private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

struct HttpReply {
  int status = 0; // 0: no status line (connection closed or refused)
  std::vector<std::pair<std::string, std::string>> headers; // names lower-cased
  std::string body;
  std::string raw;       // everything received
  double ms_to_head = 0; // from the request's first byte to the status line
  double ms_total = 0;
  std::string header(const std::string &name) const; // "" when absent
  nlohmann::json json() const;                       // discarded when not JSON
  std::vector<SseEvent> events() const;              // the body as server-sent events
};

struct HttpCall {
  std::string method = "GET";
  std::string target = "/api/health"; // sent as is
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers; // more headers
  std::string host;                                         // Host header; "" = 127.0.0.1:PORT
  bool json_body = true; // Content-Type: application/json with a body
  double timeout_s = 30;
  // Called with each received chunk; return false to close the connection there.
  std::function<bool(const std::string &received)> on_data;
};

// One request on a fresh connection (Connection: close), read to the end.
HttpReply http(int port, const HttpCall &call);
HttpReply http_get(int port, const std::string &target);
HttpReply http_post(int port, const std::string &target, const std::string &body);

// A connected socket to 127.0.0.1:port (-1 on failure).
int connect_local(int port);

// An endpoint config with one openai-protocol endpoint per name at the fake upstream (bearer
// auth from kFakeKeyVar), written to `path`.
void write_fake_config(const std::string &path, const FakeUpstream &fake,
                       const std::vector<std::string> &names, int total_ms = 10000,
                       int concurrency = 512);

// A scripted OpenAI chat route: jurors get a verdict, everyone else `text` in `deltas` pieces.
void script_chat(FakeUpstream &fake, std::vector<std::string> deltas, int chunk_delay_ms = 0);

std::string read_text_file(const std::string &path);

} // namespace imc::test

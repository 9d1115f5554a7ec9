// A standalone fake model server for the proxy benchmark (bench/proxy_vs_nginx.sh): POST
// /v1/chat/completions answers with an OpenAI SSE stream built by the tests' fake_reply builders
// (tests/support/fake_upstream.h) — the first delta in the first chunk, right after the head, then
// one delta every --interval-ms. Tuned so that it is never the bottleneck: TCP_NODELAY, 2048
// connection threads, a listen backlog of 4096. Prints "listening on PORT" and serves until
// SIGINT/SIGTERM. With --record-arrivals it notes, for each request, the number its text carries
// ("Hello N", proxy_load_client --phases numbers its streams; 0 without one), when its handler
// began and when the first chunk was written (steady clock, ms), and GET /arrivals answers them,
// one request a line, and forgets them (where a burst's time goes).
#include "support/fake_upstream.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <sys/socket.h>
#include <thread>

namespace {

class Server : public httplib::Server {
public:
  void raise_backlog(int backlog) { ::listen(svr_sock_, backlog); }
};

Server *g_server = nullptr;
extern "C" void on_signal(int) {
  if (g_server)
    g_server->stop();
}

double steady_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The requests' times since the last GET /arrivals (--record-arrivals).
struct Arrivals {
  std::mutex mutex;
  std::string lines; // "ID ARRIVED FIRST_WRITE\n" per request
  void add(unsigned long long id, double arrived, double first_write) {
    char line[96];
    const int n =
        std::snprintf(line, sizeof line, "%llu %.4f %.4f\n", id, arrived, first_write);
    std::lock_guard<std::mutex> lock(mutex);
    lines.append(line, static_cast<size_t>(n));
  }
  std::string take() {
    std::lock_guard<std::mutex> lock(mutex);
    std::string out;
    out.swap(lines);
    return out;
  }
};

bool has_flag(int argc, char **argv, const char *name) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], name) == 0)
      return true;
  return false;
}

int arg_int(int argc, char **argv, const char *name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0)
      return std::atoi(argv[i + 1]);
  return fallback;
}

} // namespace

int main(int argc, char **argv) {
  const int port = arg_int(argc, argv, "--port", 0);
  const int deltas = arg_int(argc, argv, "--deltas", 10);
  const int interval_ms = arg_int(argc, argv, "--interval-ms", 5);
  const bool record = has_flag(argc, argv, "--record-arrivals");
  Arrivals arrivals;

  std::vector<std::string> words(static_cast<size_t>(deltas), "token ");
  const imc::test::FakeReply canned = imc::test::fake_reply::openai_sse(words);
  // The role chunk and the first delta go out together, so that the first byte carries text.
  std::vector<std::string> pieces(canned.chunks.begin() + 1, canned.chunks.end());
  pieces.front() = canned.chunks.front() + pieces.front();

  Server server;
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000);
  // Enough threads for every kept-alive connection of both proxies and the direct streams.
  server.new_task_queue = [] { return new httplib::ThreadPool(2048); };
  server.Post("/v1/chat/completions", [&](const httplib::Request &req, httplib::Response &res) {
    const double arrived = record ? steady_ms() : 0;
    unsigned long long id = 0; // the stream's number, "Hello N" in its text
    if (record)
      if (const size_t at = req.body.find("Hello "); at != std::string::npos)
        id = std::strtoull(req.body.c_str() + at + 6, nullptr, 10);
    res.set_chunked_content_provider(
        "text/event-stream", [&pieces, &arrivals, record, arrived, id, interval_ms,
                              next = size_t{0}](size_t, httplib::DataSink &sink) mutable {
          if (next > 0 && interval_ms > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
          const std::string &piece = pieces[next++];
          if (!sink.write(piece.data(), piece.size()))
            return false;
          if (record && next == 1)
            arrivals.add(id, arrived, steady_ms());
          if (next == pieces.size())
            sink.done();
          return true;
        });
  });
  server.Get("/arrivals", [&](const httplib::Request &, httplib::Response &res) {
    res.set_content(arrivals.take(), "text/plain");
  });
  const int bound = port == 0 ? server.bind_to_any_port("127.0.0.1")
                              : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound < 0) {
    std::fprintf(stderr, "fake_sse_upstream: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  server.raise_backlog(4096);
  g_server = &server;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::printf("listening on %d\n", bound);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}

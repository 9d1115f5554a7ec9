// imc serve: the small native proxy (docs/ARCHITECTURE.md, "Proxy"). Serves the web build and a
// case pack as static files and the JSON API of docs/API.md (native/api/) over HTTP: live
// sessions, jury scoring and model calls stream to the browser as server-sent events while the
// endpoints' keys stay in this process. SIGINT/SIGTERM stop it gracefully: no new connections,
// open streams drain up to --drain-timeout, then are cancelled; a second signal exits at once.
#include "cli.h"

#include "api/http/api_http_server.h"
#include "api/service.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <malloc.h>
#include <thread>
#include <unistd.h>

#ifndef IMC_DEFAULT_WEB_DIR
#define IMC_DEFAULT_WEB_DIR "build/wasm-release/web"
#endif
#ifndef IMC_DEFAULT_PACK
#define IMC_DEFAULT_PACK "assets/demo"
#endif

namespace imc::cli {
namespace {

constexpr const char *kCommand = "imc serve";

struct ServeOptions {
  std::string web = IMC_DEFAULT_WEB_DIR;
  bool web_given = false;
  std::string pack = IMC_DEFAULT_PACK;
  std::string config;
  std::string store;
  std::vector<std::string> juries;
  std::vector<std::string> jurors;
  std::string bind = "127.0.0.1";
  int port = 8080;
  std::string token_file;
  std::vector<std::string> cors_origins;
  size_t max_body = 32u << 20;
  int64_t max_image_bytes = 10'000'000;
  std::string rate_limit = "50/s";
  size_t threads = 1024;
  double request_timeout_s = 30;
  double write_timeout_s = 15;
  double drain_timeout_s = 10;
  bool quiet = false;
};

// The shutdown signals are turned into a byte on a pipe, read by one thread; a second signal
// ends the process at once.
int g_signal_pipe[2] = {-1, -1};
std::atomic<int> g_signals{0};

extern "C" void on_serve_signal(int) {
  if (g_signals.fetch_add(1) >= 1)
    std::_Exit(130);
  const char byte = 's';
  [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], &byte, 1);
}

// "50/s", "50" -> 50; "0" -> no limit.
std::optional<double> parse_rate(const std::string &text) {
  std::string number = text;
  if (number.size() > 2 && number.compare(number.size() - 2, 2, "/s") == 0)
    number.resize(number.size() - 2);
  char *end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (number.empty() || !end || *end || v < 0)
    return std::nullopt;
  return v;
}

int fail(const Errors &errors, const std::string &summary) {
  for (const Error &e : errors)
    std::fprintf(stderr, "%s\n", e.message().c_str());
  std::fprintf(stderr, "%s: %s\n", kCommand, summary.c_str());
  return kExitBadInput;
}

int run_serve(const ServeOptions &opt) {
  namespace fs = std::filesystem;
  // Streams allocate and free small blocks on the event loops' threads all the time; glibc's
  // default trims each thread arena back (mprotect) as soon as its top is free and grows it again
  // on the next burst — measured at ~7 % of a loop's CPU under 256 streams. Keep 16 MiB of slack
  // per arena (address space; pages are only resident once used).
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  api::http::HttpSettings http;
  http.bind = opt.bind;
  http.port = opt.port;
  http.cors_origins = opt.cors_origins;
  http.max_body_bytes = opt.max_body;
  http.max_threads = opt.threads;
  http.log_requests = !opt.quiet;
  http.limits.request_timeout_ms = static_cast<int>(opt.request_timeout_s * 1000);
  http.limits.write_timeout_ms = static_cast<int>(opt.write_timeout_s * 1000);
  const auto rate = parse_rate(opt.rate_limit);
  if (!rate)
    return fail({}, "--rate-limit takes calls per second per client, as 50/s (0 for none), not '" +
                        opt.rate_limit + "'");
  http.rate_per_second = *rate;
  http.rate_burst = std::max(20.0, *rate * 4);

  if (fs::is_regular_file(fs::path(opt.web) / "index.html")) {
    http.web_dir = opt.web;
  } else if (opt.web_given) {
    return fail({}, opt.web + " has no index.html: build the web interface first (make web), or "
                              "pass --web DIR");
  } else {
    std::fprintf(stderr,
                 "%s: no web build at %s (make web builds it): serving the API and the "
                 "pack only\n",
                 kCommand, opt.web.c_str());
  }
  if (!fs::is_regular_file(fs::path(opt.pack) / "manifest.json"))
    return fail({}, opt.pack + " has no manifest.json: pass --pack DIR with a case pack");
  http.pack_dir = opt.pack;
  if (!opt.token_file.empty()) {
    std::string problem;
    auto token = api::http::read_token_file(opt.token_file, problem);
    if (!token)
      return fail({}, problem);
    http.token = *token;
  }
  if (!api::http::is_loopback_address(opt.bind) && http.token.empty())
    return fail({}, "binding " + opt.bind +
                        " would expose the API beyond this machine: give an access token with "
                        "--token-file FILE (every API call must then send Authorization: Bearer "
                        "<token>), or bind 127.0.0.1");

  // Signals are handled from here on, before any thread starts.
  if (::pipe2(g_signal_pipe, O_CLOEXEC) != 0)
    return fail({}, "cannot create a pipe");
  struct sigaction action {};
  action.sa_handler = on_serve_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  std::unique_ptr<api::ImcApiService> service;
  if (!opt.store.empty()) {
    api::ServiceSettings settings;
    settings.store_path = opt.store;
    settings.endpoints_path = opt.config;
    settings.pack_dir = opt.pack;
    settings.jury_paths = opt.juries;
    settings.default_jurors = opt.jurors;
    settings.images.max_bytes = opt.max_image_bytes;
    settings.log_calls = !opt.quiet;
    auto made = api::make_api_service(settings);
    if (!made)
      return fail(made.errors(), "cannot start the API");
    service = std::move(*made);
  } else if (!opt.config.empty()) {
    return fail({}, "--config needs --store FILE: live sessions and jury verdicts are stored");
  }
  // Without a store there is no API (replay only, as static hosting): every call is a 404 that
  // says how to enable it.
  class NoStore : public api::ApiService {
    void handle(const api::ApiRequest &, api::ApiSink &sink) override {
      sink.reply(404, R"({"error":{"kind":"unavailable","message":"this server was started )"
                      R"(without a store","hint":"Start imc serve with --store FILE (and )"
                      R"(--config FILE for live sessions and the jury)."}})");
    }
  } no_store;
  api::ApiService &api_service = service ? static_cast<api::ApiService &>(*service) : no_store;

  api::http::ApiHttpServer server(api_service, http);
  auto port = server.bind();
  if (!port)
    return fail(port.errors(), "not started");
  std::printf("imc serve: open http://%s:%d/ (pack %s, web %s)\n", opt.bind.c_str(), *port,
              opt.pack.c_str(), http.web_dir.empty() ? "none" : http.web_dir.c_str());
  std::printf("imc serve: API %s; Ctrl-C stops\n",
              service ? service->describe().c_str() : "unavailable (no --store)");
  std::fflush(stdout);

  std::atomic<bool> served{false};
  std::thread stopper([&] {
    char byte = 0;
    while (::read(g_signal_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    if (byte != 's')
      return; // serve() ended by itself
    const size_t open = service ? service->open_streams() : 0;
    std::fprintf(stderr,
                 "%s: stopping: no new connections; %zu open stream%s drain (up to %.0f s)\n",
                 kCommand, open, open == 1 ? "" : "s", opt.drain_timeout_s);
    server.stop();
    if (service) {
      const size_t left = service->drain(
          std::chrono::milliseconds(static_cast<int64_t>(opt.drain_timeout_s * 1000)));
      if (left > 0)
        std::fprintf(stderr, "%s: %zu stream%s did not end after cancelling\n", kCommand, left,
                     left == 1 ? "" : "s");
    }
    for (int i = 0; i < 100 && !served; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!served) {
      std::fprintf(stderr, "%s: connections still open after the drain: exiting\n", kCommand);
      std::_Exit(kExitInternal);
    }
  });
  server.serve();
  served = true;
  {
    const char byte = 'q';
    [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], &byte, 1);
  }
  stopper.join();
  service.reset();
  std::printf("imc serve: stopped\n");
  std::fflush(stdout);
  return kExitOk;
}

} // namespace

void register_serve_command(CLI::App &app, CommandAction &chosen) {
  auto opt = std::make_shared<ServeOptions>();
  CLI::App *cmd = app.add_subcommand(
      "serve", "Serve the web interface, a case pack and the JSON API (live sessions, jury, "
               "chat) with the endpoints' keys kept in this process");
  cmd->add_option("--config", opt->config,
                  "Endpoint config (docs/FORMATS.md): the models the browser may use by name");
  cmd->add_option("--store", opt->store,
                  "The store (SQLite, created if missing): transcripts, verdicts, annotations");
  cmd->add_option("--pack", opt->pack, "Case pack folder, served under /pack/")
      ->capture_default_str();
  cmd->add_option_function<std::string>(
         "--web",
         [opt](const std::string &dir) {
           opt->web = dir;
           opt->web_given = true;
         },
         "Folder of the web build (index.html, imc.js, imc.wasm)")
      ->default_str(IMC_DEFAULT_WEB_DIR);
  cmd->add_option("--jury", opt->juries,
                  "Jury config file (repeatable); the first is the default jury");
  cmd->add_option("--jurors", opt->jurors,
                  "Without --jury: the default jury's endpoints (default: every endpoint)")
      ->delimiter(',');
  cmd->add_option("--bind", opt->bind, "Address to bind; anything but loopback needs --token-file")
      ->capture_default_str();
  cmd->add_option("--port", opt->port, "Port (0 picks a free one and prints it)")
      ->capture_default_str();
  cmd->add_option("--token-file", opt->token_file,
                  "File holding an access token: every API call must send Authorization: Bearer "
                  "<token>");
  cmd->add_option("--cors-origin", opt->cors_origins,
                  "An origin (https://host:port) whose pages may call the API (repeatable); "
                  "default: same origin only");
  cmd->add_option("--max-body", opt->max_body, "Largest request body in bytes (413 beyond)")
      ->capture_default_str();
  cmd->add_option("--max-image-bytes", opt->max_image_bytes,
                  "Largest image a request may carry, in bytes (413 beyond)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1000}, int64_t{1} << 31));
  cmd->add_option("--rate-limit", opt->rate_limit,
                  "API calls per second per client, as 50/s (429 with Retry-After beyond; 0: none)")
      ->capture_default_str();
  cmd->add_option("--threads", opt->threads, "Most connection threads (each open stream holds one)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{8}, size_t{65536}));
  cmd->add_option("--request-timeout", opt->request_timeout_s,
                  "Seconds a client has to send a whole request (slow clients are cut off)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--write-timeout", opt->write_timeout_s,
                  "Seconds a client may take nothing of a reply or stream before it is dropped")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--drain-timeout", opt->drain_timeout_s,
                  "On SIGINT/SIGTERM: seconds open streams may finish before they are cancelled")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_flag("--quiet", opt->quiet, "No line per API call on stderr");
  cmd->callback([opt, &chosen] { chosen = [opt] { return run_serve(*opt); }; });
}

} // namespace imc::cli

// imc serve: serves the web build (wasm interface) and a case pack as static files.
// The JSON API and the proxy to model endpoints come with the proxy issue.
#include "cli.h"

#include <httplib.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#ifndef IMC_DEFAULT_WEB_DIR
#define IMC_DEFAULT_WEB_DIR "build/wasm-release/web"
#endif
#ifndef IMC_DEFAULT_PACK
#define IMC_DEFAULT_PACK "assets/demo"
#endif

namespace imc::cli {
namespace {

httplib::Server *g_server = nullptr;

void on_signal(int) {
  if (g_server) g_server->stop();
}

struct ServeOptions {
  std::string web = IMC_DEFAULT_WEB_DIR;
  std::string pack = IMC_DEFAULT_PACK;
  std::string bind = "127.0.0.1";
  int port = 8080;
};

int run_serve(const ServeOptions &opt) {
  namespace fs = std::filesystem;
  if (!fs::is_regular_file(fs::path(opt.web) / "index.html")) {
    std::fprintf(stderr,
                 "imc serve: %s has no index.html: build the web interface first "
                 "(cmake --workflow... or `make web`), or pass --web DIR\n",
                 opt.web.c_str());
    return kExitBadInput;
  }
  if (!fs::is_regular_file(fs::path(opt.pack) / "manifest.json")) {
    std::fprintf(stderr, "imc serve: %s has no manifest.json: pass --pack DIR with a case pack\n",
                 opt.pack.c_str());
    return kExitBadInput;
  }
  if (opt.bind != "127.0.0.1" && opt.bind != "localhost" && opt.bind != "::1") {
    std::fprintf(stderr,
                 "imc serve: binding %s would expose the server beyond this machine; only "
                 "127.0.0.1 is allowed until access tokens are supported\n",
                 opt.bind.c_str());
    return kExitBadInput;
  }

  httplib::Server server;
  server.set_tcp_nodelay(true); // no 40 ms delayed-ACK stalls on small responses
  server.set_file_extension_and_mimetype_mapping("wasm", "application/wasm");
  server.set_file_extension_and_mimetype_mapping("json", "application/json");
  server.set_file_extension_and_mimetype_mapping("jsonl", "application/x-ndjson");
  if (!server.set_mount_point("/pack", opt.pack) || !server.set_mount_point("/", opt.web)) {
    std::fprintf(stderr, "imc serve: cannot serve %s or %s\n", opt.web.c_str(), opt.pack.c_str());
    return kExitBadInput;
  }
  server.Get("/healthz", [](const httplib::Request &, httplib::Response &res) {
    res.set_content("{\"ok\":true}", "application/json");
  });
  server.set_post_routing_handler([](const httplib::Request &, httplib::Response &res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Cache-Control", "no-cache");
  });

  int port = opt.port;
  if (port == 0) {
    port = server.bind_to_any_port(opt.bind);
  } else if (!server.bind_to_port(opt.bind, port)) {
    std::fprintf(stderr, "imc serve: cannot listen on %s:%d (in use? try --port N)\n",
                 opt.bind.c_str(), port);
    return kExitBadInput;
  }
  if (port < 0) {
    std::fprintf(stderr, "imc serve: cannot listen on %s\n", opt.bind.c_str());
    return kExitBadInput;
  }
  g_server = &server;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::printf("imc serve: open http://%s:%d/ (pack %s, web %s); Ctrl-C stops\n", opt.bind.c_str(),
              port, opt.pack.c_str(), opt.web.c_str());
  std::fflush(stdout);
  server.listen_after_bind();
  g_server = nullptr;
  std::printf("imc serve: stopped\n");
  return kExitOk;
}

} // namespace

void register_serve_command(CLI::App &app, CommandAction &chosen) {
  auto opt = std::make_shared<ServeOptions>();
  CLI::App *cmd = app.add_subcommand("serve", "Serve the web interface and a case pack");
  cmd->add_option("--web", opt->web, "Folder of the web build (index.html, imc.js, imc.wasm)")
      ->capture_default_str();
  cmd->add_option("--pack", opt->pack, "Case pack folder, served under /pack/")->capture_default_str();
  cmd->add_option("--bind", opt->bind, "Address to bind")->capture_default_str();
  cmd->add_option("--port", opt->port, "Port (0 picks a free one and prints it)")->capture_default_str();
  cmd->callback([opt, &chosen] { chosen = [opt] { return run_serve(*opt); }; });
}

} // namespace imc::cli

#pragma once
// `imc serve` in front of the in-process fake upstream, with a fresh store, the demo pack and a
// one-page web folder: the setup every test_serve_*.cpp suite starts from.
#include "native/test_serve_support.h"
#include "support/test_paths.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace imc::test {

struct ServeSetup {
  std::vector<std::string> endpoints = {"fake-a", "fake-b"};
  int total_ms = 10000;                // the endpoints' call timeout
  int concurrency = 512;               // each endpoint's limits.concurrency
  std::vector<std::string> extra_args; // more imc serve options
  std::map<std::string, std::string> env = {{kFakeKeyVar, kFakeKey}};
};

class ServeFixture {
public:
  explicit ServeFixture(ServeSetup setup = {}) {
    std::filesystem::create_directories(dir / "web");
    std::ofstream(dir / "web/index.html") << "<!doctype html><title>imc</title>\n";
    write_fake_config(dir / "endpoints.json", fake, setup.endpoints, setup.total_ms,
                      setup.concurrency);
    std::vector<std::string> args = {
        "--config", dir / "endpoints.json",
        "--store",  dir / "store.db",
        "--pack",   std::string(imc::test::source_dir()) + "/assets/demo",
        "--web",    dir / "web"};
    args.insert(args.end(), setup.extra_args.begin(), setup.extra_args.end());
    serve = std::make_unique<ServeProcess>(args, setup.env);
  }
  int port() const { return serve->port(); }
  std::string config_path() const { return dir / "endpoints.json"; }

  TempDir dir;
  FakeUpstream fake;
  std::unique_ptr<ServeProcess> serve;
};

// A live session body: a simulated patient, the no-image condition (the demo images are fetched
// by scripts/setup and may be absent), `turns` clinician turns.
inline std::string session_body(int turns = 2, const std::string &clinician = "fake-a",
                                const std::string &patient = "fake-b") {
  return nlohmann::json{{"case_id", "isic-0000002-melanoma"},
                        {"condition", "no-image"},
                        {"clinician", clinician},
                        {"patient", {{"kind", "simulated"}, {"endpoint", patient}}},
                        {"max_turns", turns}}
      .dump();
}

inline std::string chat_body(const std::string &endpoint = "fake-a",
                             const std::string &text = "Hello") {
  return nlohmann::json{
      {"endpoint", endpoint},
      {"request",
       {{"turns", {{{"role", "user"}, {"content", {{{"type", "text"}, {"text", text}}}}}}},
        {"parameters", {{"max_tokens", 16}, {"stream", true}}}}}}
      .dump();
}

// Names of the events of a stream, in order.
inline std::vector<std::string> event_names(const HttpReply &reply) {
  std::vector<std::string> names;
  for (const auto &e : reply.events())
    names.push_back(e.type);
  return names;
}

} // namespace imc::test

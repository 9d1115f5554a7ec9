#pragma once
// A real model server for integration tests: llama.cpp's llama-server (built by
// `scripts/setup llama`) with the tiny models of ../shared/models, on 127.0.0.1 and a free
// ephemeral port, stopped by PID (SIGTERM, then SIGKILL) when the object goes away.
//
//   LlamaServer server;                          // with the image projector (--mmproj)
//   ASSERT_TRUE(server.ok()) << server.error();   // a missing binary fails the test, saying how
//   endpoint.base_url = server.base_url() + "/v1";
//
// The models write nonsense; assert on protocol structure, never on words.
#include <string>
#include <sys/types.h>

namespace imc::test {

class LlamaServer {
public:
  struct Options {
    bool mmproj = true;          // load the random image projector: image_url parts accepted
    int context = 2048;          // -c
    double start_timeout_s = 60; // until /health answers 200
  };

  LlamaServer();
  explicit LlamaServer(Options options);
  ~LlamaServer();
  LlamaServer(const LlamaServer &) = delete;
  LlamaServer &operator=(const LlamaServer &) = delete;

  bool ok() const { return error_.empty(); }
  const std::string &error() const { return error_; } // why it is not running, with what to do
  int port() const { return port_; }
  std::string base_url() const; // "http://127.0.0.1:PORT"
  std::string log() const;      // what the server printed so far

  static std::string binary();     // imc::test::llama_server_binary()
  static std::string models_dir(); // imc::test::shared_dir()/models

private:
  bool start_once(const Options &options);
  void stop();

  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
  std::string error_;
};

// A free TCP port on 127.0.0.1 right now: bind port 0, read it back, close.
int free_local_port();

} // namespace imc::test

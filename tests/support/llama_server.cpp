#include "llama_server.h"
#include "support/subprocess.h"
#include "support/test_paths.h"

#include <httplib.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace imc::test {

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool bind_failed(const std::string &log) {
  return log.find("bind") != std::string::npos || log.find("in use") != std::string::npos ||
         log.find("couldn't") != std::string::npos;
}

} // namespace

int free_local_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  int port = 0;
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  close(fd);
  return port;
}

std::string LlamaServer::binary() { return imc::test::llama_server_binary(); }
std::string LlamaServer::models_dir() { return std::string(imc::test::shared_dir()) + "/models"; }

LlamaServer::LlamaServer() : LlamaServer(Options{}) {}

LlamaServer::LlamaServer(Options options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (binary().empty() || !fs::is_regular_file(binary(), ec)) {
    error_ = "llama-server not found at '" + binary() +
             "': run `scripts/setup llama` (builds it once into the cache, 15-25 minutes)";
    return;
  }
  for (const char *model : {"stories260K.gguf", "mmproj-random-tiny-llava.gguf"})
    if (!fs::is_regular_file(models_dir() + "/" + model, ec)) {
      error_ = "model " + models_dir() + "/" + model +
               " not found: the tests need ../shared/models (see its README.md)";
      return;
    }
  // Another process may take the port between our check and the server's bind: try again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    error_.clear();
    if (start_once(options))
      return;
    const bool retry = bind_failed(log());
    stop();
    if (!retry)
      return;
  }
}

LlamaServer::~LlamaServer() {
  stop();
  if (!log_path_.empty())
    std::remove(log_path_.c_str());
}

std::string LlamaServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string LlamaServer::log() const { return log_path_.empty() ? "" : read_file(log_path_); }

bool LlamaServer::start_once(const Options &options) {
  port_ = free_local_port();
  if (port_ == 0) {
    error_ = "no free port on 127.0.0.1";
    return false;
  }
  if (log_path_.empty()) {
    char path[] = "/tmp/imc-llama-server-XXXXXX";
    const int fd = mkstemp(path);
    if (fd >= 0)
      close(fd);
    log_path_ = path;
  }
  const std::string models = models_dir();
  std::vector<std::string> args = {binary(),
                                   "-m",
                                   models + "/stories260K.gguf",
                                   "--host",
                                   "127.0.0.1",
                                   "--port",
                                   std::to_string(port_),
                                   "-t",
                                   "1",
                                   "-c",
                                   std::to_string(options.context),
                                   "--no-warmup",
                                   "--chat-template",
                                   "chatml"};
  if (options.mmproj) {
    args.push_back("--mmproj");
    args.push_back(models + "/mmproj-random-tiny-llava.gguf");
  }
  const ExecArgs exec(args);
  pid_ = fork();
  if (pid_ < 0) {
    error_ = std::string("fork failed: ") + std::strerror(errno);
    return false;
  }
  if (pid_ == 0) { // async-signal-safe calls only (ExecArgs)
    const int log_fd = open(log_path_.c_str(), O_WRONLY | O_TRUNC);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (log_fd >= 0) {
      dup2(log_fd, 1);
      dup2(log_fd, 2);
    }
    if (null_fd >= 0)
      dup2(null_fd, 0);
    execv(exec.argv()[0], exec.argv());
    _exit(127);
  }

  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(0, 200000);
  client.set_read_timeout(2, 0);
  const int64_t give_up = steady_ms() + static_cast<int64_t>(options.start_timeout_s * 1000);
  while (steady_ms() < give_up) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "llama-server exited during start-up; its output:\n" + log();
      return false;
    }
    if (auto res = client.Get("/health"); res && res->status == 200)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error_ = "llama-server did not become healthy within " + std::to_string(options.start_timeout_s) +
           " s; its output:\n" + log();
  return false;
}

void LlamaServer::stop() {
  if (pid_ <= 0)
    return;
  kill(pid_, SIGTERM);
  const int64_t give_up = steady_ms() + 5000;
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (steady_ms() > give_up) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

} // namespace imc::test

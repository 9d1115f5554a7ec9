#include "native/test_serve_support.h"
#include "support/subprocess.h"
#include "support/test_paths.h"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <regex>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace imc::test {

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::string lower(std::string s) {
  for (char &c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

} // namespace

std::string read_text_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ServeProcess::ServeProcess(std::vector<std::string> args, std::map<std::string, std::string> env,
                           double start_timeout_s) {
  std::vector<std::string> argv = {imc::test::cli_binary(), "serve", "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string out_path = dir_ / "stdout", err_path = dir_ / "stderr";
  const ExecArgs exec(argv, env);
  pid_ = fork();
  if (pid_ == 0) { // async-signal-safe calls only (ExecArgs)
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    const int null_in = ::open("/dev/null", O_RDONLY);
    dup2(null_in, 0);
    close(null_in);
    execve(exec.argv()[0], exec.argv(), exec.envp());
    _exit(127);
  }
  const std::regex url(R"(open http://[^:/ ]+:(\d+)/)");
  const auto started = std::chrono::steady_clock::now();
  while (ms_since(started) < start_timeout_s * 1000) {
    std::smatch m;
    const std::string text = out();
    if (std::regex_search(text, m, url)) {
      port_ = std::stoi(m[1]);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

ServeProcess::~ServeProcess() { stop(SIGTERM, 10); }

std::string ServeProcess::out() const { return read_text_file(dir_ / "stdout"); }
std::string ServeProcess::err() const { return read_text_file(dir_ / "stderr"); }

bool ServeProcess::running() const {
  if (pid_ <= 0)
    return false;
  return kill(pid_, 0) == 0;
}

int ServeProcess::stop(int signal, double timeout_s) {
  if (pid_ <= 0)
    return -1;
  kill(pid_, signal);
  const auto started = std::chrono::steady_clock::now();
  int status = 0;
  while (ms_since(started) < timeout_s * 1000) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status))
        return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

std::string HttpReply::header(const std::string &name) const {
  const std::string want = lower(name);
  for (const auto &[k, v] : headers)
    if (k == want)
      return v;
  return "";
}

nlohmann::json HttpReply::json() const { return nlohmann::json::parse(body, nullptr, false); }

std::vector<SseEvent> HttpReply::events() const {
  SseParser parser;
  std::vector<SseEvent> out;
  parser.feed(body, out);
  return out;
}

int connect_local(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

HttpReply http(int port, const HttpCall &call) {
  HttpReply reply;
  const auto started = std::chrono::steady_clock::now();
  const int fd = connect_local(port);
  if (fd < 0)
    return reply;
  std::string request = call.method + " " + call.target + " HTTP/1.1\r\n";
  request += "Host: " + (call.host.empty() ? "127.0.0.1:" + std::to_string(port) : call.host) +
             "\r\nConnection: close\r\n";
  for (const auto &[k, v] : call.headers)
    request += k + ": " + v + "\r\n";
  if (!call.body.empty() || call.method == "POST") {
    if (call.json_body)
      request += "Content-Type: application/json\r\n";
    request += "Content-Length: " + std::to_string(call.body.size()) + "\r\n";
  }
  request += "\r\n" + call.body;
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;
    sent += static_cast<size_t>(n);
  }
  char buffer[65536];
  bool head_seen = false;
  while (ms_since(started) < call.timeout_s * 1000) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0)
      continue;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0)
      break;
    reply.raw.append(buffer, static_cast<size_t>(n));
    if (!head_seen && reply.raw.size() >= 12) {
      head_seen = true;
      reply.ms_to_head = ms_since(started);
    }
    if (call.on_data && !call.on_data(reply.raw))
      break;
  }
  ::close(fd);
  reply.ms_total = ms_since(started);
  const auto end_of_head = reply.raw.find("\r\n\r\n");
  if (reply.raw.rfind("HTTP/1.", 0) != 0 || end_of_head == std::string::npos)
    return reply;
  reply.status = std::atoi(reply.raw.c_str() + 9);
  std::istringstream head(reply.raw.substr(0, end_of_head));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    reply.headers.emplace_back(lower(line.substr(0, colon)), value);
  }
  reply.body = reply.raw.substr(end_of_head + 4);
  if (lower(reply.header("Transfer-Encoding")) == "chunked") {
    std::string decoded;
    size_t at = 0;
    while (at < reply.body.size()) {
      const auto eol = reply.body.find("\r\n", at);
      if (eol == std::string::npos)
        break;
      const size_t size = std::stoul(reply.body.substr(at, eol - at), nullptr, 16);
      if (size == 0)
        break;
      decoded += reply.body.substr(eol + 2, size);
      at = eol + 2 + size + 2;
    }
    reply.body = decoded;
  }
  return reply;
}

HttpReply http_get(int port, const std::string &target) {
  HttpCall call;
  call.target = target;
  return http(port, call);
}

HttpReply http_post(int port, const std::string &target, const std::string &body) {
  HttpCall call;
  call.method = "POST";
  call.target = target;
  call.body = body;
  return http(port, call);
}

void write_fake_config(const std::string &path, const FakeUpstream &fake,
                       const std::vector<std::string> &names, int total_ms, int concurrency) {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const std::string &name : names)
    endpoints.push_back(
        {{"name", name},
         {"protocol", "openai"},
         {"base_url", fake.base_url() + "/v1"},
         {"model", "fake-model"},
         {"auth", {{"type", "bearer"}, {"api_key_env", kFakeKeyVar}}},
         {"defaults", {{"max_tokens", 64}}},
         {"capabilities", {{"images", true}, {"streaming", true}}},
         {"limits", {{"concurrency", concurrency}}},
         {"timeouts",
          {{"connect_ms", 2000}, {"first_byte_ms", total_ms}, {"total_ms", total_ms}}}});
  std::ofstream(path) << nlohmann::json{{"schema_version", 1}, {"endpoints", endpoints}}.dump(2);
}

void script_chat(FakeUpstream &fake, std::vector<std::string> deltas, int chunk_delay_ms) {
  fake.handle("POST", "/v1/chat/completions", [deltas, chunk_delay_ms](const FakeRequest &r) {
    const bool juror = r.body.find("== Your answer ==") != std::string::npos;
    FakeReply reply = juror ? fake_reply::openai_sse({"{\"score\": 4, \"rationale\": \"Safe "
                                                      "and hedged.\"}"})
                            : fake_reply::openai_sse(deltas);
    reply.chunk_delay_ms = chunk_delay_ms;
    return reply;
  });
}

} // namespace imc::test

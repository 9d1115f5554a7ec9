#include "fake_upstream.h"

#include "imc/eventstream.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <cstdlib>
#include <dirent.h>
#include <netinet/in.h>
#include <stdexcept>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

namespace imc::test {

namespace {

using Json = nlohmann::ordered_json;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int port_of(const sockaddr_storage &address) {
  if (address.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in &>(address).sin_port);
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6 &>(address).sin6_port);
  return -1;
}

// cpp-httplib does not hand a handler its socket; find the one of this exchange by its ports.
template <typename Fn> void with_socket(int local_port, int peer_port, Fn fn) {
  DIR *dir = opendir("/proc/self/fd");
  if (!dir)
    return;
  while (dirent *entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2)
      continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr *>(&local), &local_len) != 0 ||
        getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &peer_len) != 0)
      continue;
    if (port_of(local) == local_port && port_of(peer) == peer_port)
      fn(fd);
  }
  closedir(dir);
}

// Makes the exchange's close a reset (SO_LINGER with a zero timeout sends RST instead of FIN).
void arm_reset(int local_port, int peer_port) {
  with_socket(local_port, peer_port, [](int fd) {
    const linger hard{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  });
}

// Ends the exchange before anything of the reply is written: the peer reads end-of-file.
void shut_down(int local_port, int peer_port) {
  with_socket(local_port, peer_port, [](int fd) { ::shutdown(fd, SHUT_RDWR); });
}

std::string sse(const Json &data, const std::string &event = "") {
  std::string out = event.empty() ? "" : "event: " + event + "\n";
  return out + "data: " + data.dump() + "\n\n";
}

FakeReply stream_reply(const std::string &content_type, std::vector<std::string> chunks) {
  FakeReply reply;
  reply.content_type = content_type;
  reply.chunks = std::move(chunks);
  reply.chunked = true;
  return reply;
}

std::string frame(const std::string &message_type, const std::string &type_header,
                  const std::string &type, const Json &payload) {
  EventStreamMessage message;
  message.headers.push_back(EventStreamHeader::string_value(":message-type", message_type));
  message.headers.push_back(EventStreamHeader::string_value(type_header, type));
  message.headers.push_back(EventStreamHeader::string_value(":content-type", "application/json"));
  message.payload = payload.dump();
  auto bytes = encode_event_stream_message(message);
  if (!bytes)
    throw std::runtime_error("cannot encode an eventstream frame");
  return *bytes;
}

} // namespace

std::string FakeReply::body() const {
  std::string out;
  for (const auto &chunk : chunks)
    out += chunk;
  return out;
}

std::string FakeRequest::header(const std::string &name) const {
  for (const auto &[key, value] : headers)
    if (strcasecmp(key.c_str(), name.c_str()) == 0)
      return value;
  return "";
}

// ---------------------------------------------------------------------------------------------

FakeUpstream::FakeUpstream() : server_(std::make_unique<httplib::Server>()) {
  auto listen_fd = std::make_shared<int>(-1); // the options callback outlives this scope
  server_->set_socket_options([listen_fd](int fd) {
    const int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    *listen_fd = fd;
  });
  server_->set_tcp_nodelay(true);
  server_->new_task_queue = [] { return new httplib::ThreadPool(64); };
  server_->set_keep_alive_max_count(1000);
  server_->set_payload_max_length(64u << 20);
  const auto handler = [this](const httplib::Request &req, httplib::Response &res) {
    serve(req, res);
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0)
    throw std::runtime_error("FakeUpstream: cannot bind 127.0.0.1");
  if (*listen_fd >= 0)
    ::listen(*listen_fd, 1024); // cpp-httplib 0.11.4 listens with a backlog of 5
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  const int64_t give_up = steady_ms() + 5000;
  while (!server_->is_running() && steady_ms() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeUpstream::~FakeUpstream() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stopping_cv_.notify_all();
  server_->stop();
  thread_.join();
}

std::string FakeUpstream::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeUpstream::script(const std::string &method, const std::string &path,
                          std::vector<FakeReply> replies) {
  std::lock_guard<std::mutex> lock(mutex_);
  routes_[method + " " + path] = Route{std::move(replies), 0, nullptr};
}

void FakeUpstream::handle(const std::string &method, const std::string &path, Handler handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  routes_[method + " " + path] = Route{{}, 0, std::move(handler)};
}

std::vector<FakeRequest> FakeUpstream::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

size_t FakeUpstream::request_count(const std::string &path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = 0;
  for (const auto &r : requests_)
    n += r.path == path;
  return n;
}

bool FakeUpstream::sleep_ms(int ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !stopping_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

void FakeUpstream::serve(const httplib::Request &req, httplib::Response &res) {
  FakeRequest record;
  record.method = req.method;
  record.path = req.path;
  record.target = req.target;
  for (const auto &[name, value] : req.headers)
    record.headers.emplace_back(name, value);
  record.body = req.body;
  record.at_ms = steady_ms();

  std::optional<FakeReply> scripted;
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(record);
    auto it = routes_.find(req.method + " " + req.path);
    if (it != routes_.end()) {
      Route &route = it->second;
      if (route.handler) {
        handler = route.handler;
      } else if (!route.replies.empty()) {
        scripted = route.replies[std::min(route.next, route.replies.size() - 1)];
        ++route.next;
      }
    }
  }
  FakeReply reply =
      handler ? handler(record)
      : scripted
          ? *scripted
          : fake_reply::json(
                404,
                Json{{"error", {{"message", "no fake route for " + req.method + " " + req.path}}}}
                    .dump());

  const int now_active = ++active_;
  int seen = max_active_.load();
  while (now_active > seen && !max_active_.compare_exchange_weak(seen, now_active)) {
  }
  if (reply.head_delay_ms > 0 && !sleep_ms(reply.head_delay_ms)) {
    --active_;
    res.status = 503;
    return;
  }
  if (reply.fault != FakeReply::Fault::none && reply.fault_before_head) {
    if (reply.fault == FakeReply::Fault::reset)
      arm_reset(port_, req.remote_port);
    shut_down(port_, req.remote_port);
    --active_;
    res.status = 500; // not sent: the socket is shut down
    return;
  }
  res.status = reply.status;
  for (const auto &[name, value] : reply.headers)
    res.set_header(name, value);

  const bool plain = !reply.chunked && reply.chunk_delay_ms == 0 && reply.drip_interval_ms == 0 &&
                     reply.fault == FakeReply::Fault::none;
  if (plain) {
    res.set_content(reply.body(), reply.content_type);
    --active_;
    return;
  }

  // Writes the chunks in order with the reply's pauses and fault; false aborts the connection.
  auto state = std::make_shared<FakeReply>(std::move(reply));
  const int local_port = port_, peer_port = req.remote_port;
  auto write_all = [this, state, local_port, peer_port](httplib::DataSink &sink) {
    const FakeReply &r = *state;
    for (size_t i = 0; i < r.chunks.size(); ++i) {
      if (r.fault != FakeReply::Fault::none && i == r.fault_after_chunks) {
        if (r.fault == FakeReply::Fault::reset)
          arm_reset(local_port, peer_port);
        return false;
      }
      if (i > 0 && r.chunk_delay_ms > 0 && !sleep_ms(r.chunk_delay_ms))
        return false;
      if (r.drip_interval_ms > 0) {
        for (char c : r.chunks[i])
          if (!sleep_ms(r.drip_interval_ms) || !sink.write(&c, 1))
            return false;
      } else if (!sink.write(r.chunks[i].data(), r.chunks[i].size())) {
        return false;
      }
    }
    if (r.fault != FakeReply::Fault::none) { // a fault after the last chunk
      if (r.fault == FakeReply::Fault::reset)
        arm_reset(local_port, peer_port);
      return false;
    }
    return true;
  };
  auto released = [this](bool) { --active_; };
  if (state->chunked) {
    res.set_chunked_content_provider(
        state->content_type,
        [write_all](size_t, httplib::DataSink &sink) {
          if (!write_all(sink))
            return false;
          sink.done();
          return true;
        },
        released);
  } else {
    const size_t length = state->body().size();
    res.set_content_provider(
        length, state->content_type,
        [write_all](size_t, size_t, httplib::DataSink &sink) { return write_all(sink); }, released);
  }
}

// ---------------------------------------------------------------------------------------------

namespace fake_reply {

FakeReply json(int status, const std::string &body, HeaderList headers) {
  FakeReply reply;
  reply.status = status;
  reply.chunks = {body};
  reply.headers = std::move(headers);
  return reply;
}

FakeReply openai_json(const std::string &text, const std::string &finish, Tokens tokens) {
  const Json body = {
      {"id", "chatcmpl-fake"},
      {"object", "chat.completion"},
      {"created", 1795773600},
      {"model", "fake-model"},
      {"choices", Json::array({{{"index", 0},
                                {"message", {{"role", "assistant"}, {"content", text}}},
                                {"finish_reason", finish}}})},
      {"usage",
       {{"prompt_tokens", tokens.input},
        {"completion_tokens", tokens.output},
        {"total_tokens", tokens.input + tokens.output}}}};
  return json(200, body.dump());
}

FakeReply openai_sse(const std::vector<std::string> &deltas, const std::string &finish,
                     Tokens tokens, bool done_marker) {
  const auto chunk = [](Json choices) {
    return Json{{"id", "chatcmpl-fake"},
                {"object", "chat.completion.chunk"},
                {"created", 1795773600},
                {"model", "fake-model"},
                {"choices", std::move(choices)}};
  };
  std::vector<std::string> chunks;
  chunks.push_back(sse(chunk(Json::array({{{"index", 0},
                                           {"delta", {{"role", "assistant"}, {"content", ""}}},
                                           {"finish_reason", nullptr}}}))));
  for (const auto &d : deltas)
    chunks.push_back(sse(chunk(
        Json::array({{{"index", 0}, {"delta", {{"content", d}}}, {"finish_reason", nullptr}}}))));
  chunks.push_back(sse(
      chunk(Json::array({{{"index", 0}, {"delta", Json::object()}, {"finish_reason", finish}}}))));
  Json usage = chunk(Json::array());
  usage["usage"] = {{"prompt_tokens", tokens.input},
                    {"completion_tokens", tokens.output},
                    {"total_tokens", tokens.input + tokens.output}};
  chunks.push_back(sse(usage));
  if (done_marker)
    chunks.push_back("data: [DONE]\n\n");
  return stream_reply("text/event-stream", std::move(chunks));
}

FakeReply openai_error(int status, const std::string &message, const std::string &type,
                       HeaderList headers) {
  const Json body = {{"error", {{"message", message}, {"type", type}, {"code", nullptr}}}};
  return json(status, body.dump(), std::move(headers));
}

FakeReply anthropic_json(const std::string &text, const std::string &stop_reason, Tokens tokens) {
  const Json body = {{"id", "msg_fake"},
                     {"type", "message"},
                     {"role", "assistant"},
                     {"model", "fake-model"},
                     {"content", Json::array({{{"type", "text"}, {"text", text}}})},
                     {"stop_reason", stop_reason},
                     {"stop_sequence", nullptr},
                     {"usage", {{"input_tokens", tokens.input}, {"output_tokens", tokens.output}}}};
  return json(200, body.dump());
}

FakeReply anthropic_sse(const std::vector<std::string> &deltas, const std::string &stop_reason,
                        Tokens tokens) {
  std::vector<std::string> chunks;
  chunks.push_back(sse({{"type", "message_start"},
                        {"message",
                         {{"id", "msg_fake"},
                          {"type", "message"},
                          {"role", "assistant"},
                          {"model", "fake-model"},
                          {"content", Json::array()},
                          {"stop_reason", nullptr},
                          {"usage", {{"input_tokens", tokens.input}, {"output_tokens", 1}}}}}},
                       "message_start"));
  chunks.push_back(sse({{"type", "content_block_start"},
                        {"index", 0},
                        {"content_block", {{"type", "text"}, {"text", ""}}}},
                       "content_block_start"));
  chunks.push_back(sse({{"type", "ping"}}, "ping"));
  for (const auto &d : deltas)
    chunks.push_back(sse({{"type", "content_block_delta"},
                          {"index", 0},
                          {"delta", {{"type", "text_delta"}, {"text", d}}}},
                         "content_block_delta"));
  chunks.push_back(sse({{"type", "content_block_stop"}, {"index", 0}}, "content_block_stop"));
  chunks.push_back(sse({{"type", "message_delta"},
                        {"delta", {{"stop_reason", stop_reason}, {"stop_sequence", nullptr}}},
                        {"usage", {{"output_tokens", tokens.output}}}},
                       "message_delta"));
  chunks.push_back(sse({{"type", "message_stop"}}, "message_stop"));
  return stream_reply("text/event-stream", std::move(chunks));
}

FakeReply anthropic_error(int status, const std::string &type, const std::string &message) {
  const Json body = {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}};
  return json(status, body.dump());
}

namespace {
Json gemini_chunk(const std::string &text, const std::string &finish, const Tokens *tokens) {
  Json candidate = {{"content", {{"role", "model"}, {"parts", Json::array({{{"text", text}}})}}},
                    {"index", 0}};
  if (!finish.empty())
    candidate["finishReason"] = finish;
  Json out = {{"candidates", Json::array({candidate})}, {"modelVersion", "fake-model"}};
  if (tokens)
    out["usageMetadata"] = {{"promptTokenCount", tokens->input},
                            {"candidatesTokenCount", tokens->output},
                            {"totalTokenCount", tokens->input + tokens->output}};
  return out;
}
} // namespace

FakeReply gemini_json(const std::string &text, const std::string &finish, Tokens tokens) {
  return json(200, gemini_chunk(text, finish, &tokens).dump());
}

FakeReply gemini_sse(const std::vector<std::string> &deltas, const std::string &finish,
                     Tokens tokens) {
  std::vector<std::string> chunks;
  for (size_t i = 0; i < deltas.size(); ++i) {
    const bool last = i + 1 == deltas.size();
    chunks.push_back(sse(gemini_chunk(deltas[i], last ? finish : "", last ? &tokens : nullptr)));
  }
  return stream_reply("text/event-stream", std::move(chunks));
}

FakeReply bedrock_json(const std::string &text, const std::string &stop_reason, Tokens tokens) {
  const Json body = {
      {"output",
       {{"message", {{"role", "assistant"}, {"content", Json::array({{{"text", text}}})}}}}},
      {"stopReason", stop_reason},
      {"usage",
       {{"inputTokens", tokens.input},
        {"outputTokens", tokens.output},
        {"totalTokens", tokens.input + tokens.output}}},
      {"metrics", {{"latencyMs", 12}}}};
  return json(200, body.dump());
}

FakeReply bedrock_eventstream(const std::vector<std::string> &deltas,
                              const std::string &stop_reason, Tokens tokens) {
  std::vector<std::string> chunks;
  chunks.push_back(frame("event", ":event-type", "messageStart", {{"role", "assistant"}}));
  for (const auto &d : deltas)
    chunks.push_back(frame("event", ":event-type", "contentBlockDelta",
                           {{"contentBlockIndex", 0}, {"delta", {{"text", d}}}}));
  chunks.push_back(frame("event", ":event-type", "contentBlockStop", {{"contentBlockIndex", 0}}));
  chunks.push_back(frame("event", ":event-type", "messageStop", {{"stopReason", stop_reason}}));
  chunks.push_back(frame("event", ":event-type", "metadata",
                         {{"usage",
                           {{"inputTokens", tokens.input},
                            {"outputTokens", tokens.output},
                            {"totalTokens", tokens.input + tokens.output}}},
                          {"metrics", {{"latencyMs", 12}}}}));
  return stream_reply("application/vnd.amazon.eventstream", std::move(chunks));
}

FakeReply bedrock_exception_stream(const std::vector<std::string> &deltas,
                                   const std::string &exception_type, const std::string &message) {
  FakeReply reply = bedrock_eventstream(deltas);
  reply.chunks.resize(1 + deltas.size()); // messageStart and the deltas
  reply.chunks.push_back(
      frame("exception", ":exception-type", exception_type, {{"message", message}}));
  return reply;
}

} // namespace fake_reply

} // namespace imc::test

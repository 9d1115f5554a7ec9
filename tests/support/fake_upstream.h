#pragma once
// A protocol-faithful fake model server for tests and benchmarks: an in-process cpp-httplib
// server on 127.0.0.1 and an ephemeral port, answering each route with scripted replies —
// canned OpenAI / Anthropic / Gemini / Bedrock responses and streams (built to each provider's
// documented wire format; Bedrock's eventstream with the core's encoder), errors, latency, and
// faults (a reset or a closed connection mid-body, a body that drips a byte at a time).
//
//   FakeUpstream fake;
//   fake.script("POST", "/v1/chat/completions", {fake_reply::openai_sse({"Hel", "lo"})});
//   endpoint.base_url = fake.base_url() + "/v1";
//
// The server is tuned as a proxy would need it (TCP_NODELAY, a 64-thread pool, a listen backlog
// of 1024 instead of cpp-httplib's 5) so benchmarks measure the client, not the fake. Every
// sleep inside it is cut short when the fake stops, so a destructor never waits for a drip.
#include "imc/chat.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

namespace imc::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct FakeReply {
  int status = 200;
  std::string content_type = "application/json";
  HeaderList headers;              // more response headers (retry-after, x-amzn-errortype, ...)
  std::vector<std::string> chunks; // the body, written piece by piece
  bool chunked = false;            // Transfer-Encoding: chunked (streams); else Content-Length
  int head_delay_ms = 0;           // latency before the status line
  int chunk_delay_ms = 0;          // pause before every chunk but the first
  int drip_interval_ms = 0;        // > 0: the body goes out one byte per interval

  enum class Fault {
    none,
    reset, // TCP reset (SO_LINGER 0) after `fault_after_chunks` chunks
    close  // the connection closes after `fault_after_chunks` chunks, the body unfinished
  };
  Fault fault = Fault::none;
  size_t fault_after_chunks = 0;
  // The fault comes before the status line: the connection is shut down (a FIN; with
  // Fault::reset, a reset follows on close) and nothing of the reply is sent.
  bool fault_before_head = false;

  std::string body() const; // the chunks joined
};

// What the fake received.
struct FakeRequest {
  std::string method;
  std::string path;   // decoded, without the query
  std::string target; // as on the request line (raw, with the query)
  HeaderList headers; // as received (cpp-httplib orders them by name)
  std::string body;
  int64_t at_ms = 0;                                 // steady clock, ms
  std::string header(const std::string &name) const; // "" when absent (case-insensitive)
};

class FakeUpstream {
public:
  FakeUpstream();  // listening when the constructor returns
  ~FakeUpstream(); // stops, cuts sleeps short, joins
  FakeUpstream(const FakeUpstream &) = delete;
  FakeUpstream &operator=(const FakeUpstream &) = delete;

  int port() const { return port_; }
  std::string base_url() const; // "http://127.0.0.1:PORT"

  // Each request to METHOD PATH takes the next reply; the last one repeats.
  void script(const std::string &method, const std::string &path, std::vector<FakeReply> replies);
  // Replies computed from the request (verify a signature, echo a header...).
  using Handler = std::function<FakeReply(const FakeRequest &)>;
  void handle(const std::string &method, const std::string &path, Handler handler);

  std::vector<FakeRequest> requests() const;
  size_t request_count(const std::string &path) const;
  // The most replies in progress at once (head delay and body included).
  int max_concurrent() const { return max_active_.load(); }

  // Sleeps up to `ms`; false when the fake is stopping.
  bool sleep_ms(int ms);

private:
  struct Route {
    std::vector<FakeReply> replies;
    size_t next = 0;
    Handler handler;
  };
  void serve(const httplib::Request &request, httplib::Response &response);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable stopping_cv_;
  bool stopping_ = false;
  std::map<std::string, Route> routes_;
  std::vector<FakeRequest> requests_;
  std::atomic<int> active_{0};
  std::atomic<int> max_active_{0};
};

// Canned replies in each provider's documented wire format.
namespace fake_reply {

struct Tokens {
  int64_t input = 12;
  int64_t output = 5;
};

FakeReply json(int status, const std::string &body, HeaderList headers = {});

// OpenAI Chat Completions: a chat.completion object; an SSE stream of chat.completion.chunk
// events (role chunk, one per delta, a finish_reason chunk, a usage chunk with "choices": [],
// then "data: [DONE]" unless `done_marker` is false). One SSE event per chunk.
FakeReply openai_json(const std::string &text, const std::string &finish = "stop",
                      Tokens tokens = {});
FakeReply openai_sse(const std::vector<std::string> &deltas, const std::string &finish = "stop",
                     Tokens tokens = {}, bool done_marker = true);
// {"error": {"message", "type", "code"}} with `status`.
FakeReply openai_error(int status, const std::string &message, const std::string &type,
                       HeaderList headers = {});

// Anthropic Messages: a message object; the named-event stream message_start,
// content_block_start, ping, content_block_delta per delta, content_block_stop, message_delta
// (stop_reason, output_tokens), message_stop.
FakeReply anthropic_json(const std::string &text, const std::string &stop_reason = "end_turn",
                         Tokens tokens = {});
FakeReply anthropic_sse(const std::vector<std::string> &deltas,
                        const std::string &stop_reason = "end_turn", Tokens tokens = {});
// {"type": "error", "error": {"type", "message"}} with `status` (529 overloaded_error...).
FakeReply anthropic_error(int status, const std::string &type, const std::string &message);

// Gemini generateContent: a GenerateContentResponse; an SSE stream of them (alt=sse) whose last
// chunk carries finishReason and usageMetadata, and no [DONE].
FakeReply gemini_json(const std::string &text, const std::string &finish = "STOP",
                      Tokens tokens = {});
FakeReply gemini_sse(const std::vector<std::string> &deltas, const std::string &finish = "STOP",
                     Tokens tokens = {});

// Bedrock Converse: the JSON response; ConverseStream: application/vnd.amazon.eventstream
// frames messageStart, contentBlockDelta per delta, contentBlockStop, messageStop, metadata.
// One frame per chunk.
FakeReply bedrock_json(const std::string &text, const std::string &stop_reason = "end_turn",
                       Tokens tokens = {});
FakeReply bedrock_eventstream(const std::vector<std::string> &deltas,
                              const std::string &stop_reason = "end_turn", Tokens tokens = {});
// An exception frame (:message-type exception) after `deltas`, e.g. "throttlingException".
FakeReply bedrock_exception_stream(const std::vector<std::string> &deltas,
                                   const std::string &exception_type, const std::string &message);

} // namespace fake_reply

} // namespace imc::test

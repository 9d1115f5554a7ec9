#pragma once
// The kit's JSON API (docs/API.md) as a service with no transport of its own: `imc serve` adapts
// it to HTTP (server-sent events for streams), imc-studio calls it in-process from a worker.
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace imc::api {

struct ApiRequest {
  std::string method; // "GET", "POST"
  std::string path;   // "/api/transcripts/abc", without the query
  std::vector<std::pair<std::string, std::string>> query; // decoded query parameters
  std::string body;                                       // JSON text ("" when none)
  std::string client; // who asks (remote address, or "studio"), for rate limits and logs
};

// Where a handler writes its answer. Exactly one of: reply() once, or events then finish.
// One server-sent event: its name and its JSON.
struct ApiEvent {
  std::string name;
  std::string json;
};

// Events in a row, kept by the caller (a view: a whole vector, or the first `size` of one).
class ApiEventList {
public:
  ApiEventList() = default;
  ApiEventList(const std::vector<ApiEvent> &all) : first_(all.data()), size_(all.size()) {}
  ApiEventList(const ApiEvent *first, size_t size) : first_(first), size_(size) {}
  const ApiEvent *begin() const { return first_; }
  const ApiEvent *end() const { return first_ + size_; }
  size_t size() const { return size_; }

private:
  const ApiEvent *first_ = nullptr;
  size_t size_ = 0;
};

class ApiSink {
public:
  virtual ~ApiSink() = default;
  // A plain JSON reply.
  virtual void reply(int status, const std::string &json) = 0;
  // Starts a stream (status 200, text/event-stream) on the first call; one SSE event per call.
  // Returns false once the client has gone: the handler should stop and cancel upstream work.
  virtual bool event(const std::string &name, const std::string &json) = 0;
  // Several events at once, in one write where the sink can (the last events of a relayed
  // stream); as event() for each otherwise.
  virtual bool events(ApiEventList list) {
    for (const auto &e : list)
      if (!event(e.name, e.json))
        return false;
    return true;
  }
  // True once the client has disconnected or cancelled.
  virtual bool cancelled() const = 0;
  // The client's socket, when its hang-up (the client closing or resetting its side) is all
  // cancelled() would report while no event is being written: the stream watcher then waits for
  // it with epoll instead of asking cancelled() every 50 ms. -1 (the default): ask cancelled().
  virtual int watch_fd() const { return -1; }
  // Lets the call go on after the handler returns: its reply or stream goes to the returned
  // sink, from any thread, and never blocks that thread (a client that stops reading is given
  // up after the write timeout). nullptr when this sink cannot; the handler then finishes on
  // the calling thread. Called at most once, before anything was sent.
  virtual std::shared_ptr<ApiSink> detach() { return nullptr; }
};

class ApiService {
public:
  virtual ~ApiService() = default;
  // Handles one call, blocking the calling (worker) thread until the reply or stream is over.
  // Never throws; failures are error replies / error events with a hint (docs/API.md).
  virtual void handle(const ApiRequest &request, ApiSink &sink) = 0;

  // Lends the service's event loops to watch a listening socket: `on_ready(most)` then runs on a
  // loop's thread whenever `fd` is readable and the loops take new connections, with how many
  // it may take now (HttpTransport::share_loops), and must not block (imc serve's loops accept
  // the plain chats themselves, handle() running there). False when the service has no loops to
  // lend. unshare_loops(): after it returns `on_ready` runs no more; not from a loop's thread.
  virtual bool share_loops(int /*fd*/, const std::function<void(size_t most)> & /*on_ready*/) {
    return false;
  }
  virtual void unshare_loops(int /*fd*/) {}
};

} // namespace imc::api

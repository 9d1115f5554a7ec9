#pragma once
// Incremental Server-Sent Events parser, after the WHATWG HTML standard's "event stream
// interpretation" (https://html.spec.whatwg.org/multipage/server-sent-events.html).
//
// Feed it the response body in chunks split anywhere (inside a CRLF, inside a UTF-8 sequence,
// byte by byte): the events are the same. Handles LF, CR and CRLF line ends, one leading UTF-8
// BOM, ":" comment lines, multi-line data (joined with "\n"), event/id/retry fields, fields
// without a colon, and unknown fields (ignored). Bytes are passed through, not UTF-8-checked:
// the JSON parser downstream does that. Sentinels such as OpenAI's "[DONE]" are ordinary data
// here; what they mean is the adapter's business.
//
// At end of stream, per the standard, an event not closed by a blank line is discarded;
// finish() says whether that happened so an adapter can report a truncated stream.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc {

struct SseEvent {
  std::string type = "message"; // the event: field, "message" when absent
  std::string data;             // data: lines joined with "\n" (no trailing "\n")
  std::string last_event_id;    // the most recent id: value so far (it persists across events)
};

enum class SseEnd {
  clean,           // the stream ended on an event boundary
  incomplete_event // bytes or fields of an unterminated event were discarded
};

class SseParser {
public:
  static constexpr size_t kDefaultMaxEventBytes = 16u << 20; // 16 MiB

  // An event (or a single line) larger than `max_event_bytes` fails the parser: streams are
  // untrusted and memory is not.
  explicit SseParser(size_t max_event_bytes = kDefaultMaxEventBytes);

  // Parses `bytes` and appends each event it completes to `out`. Returns false when the size
  // limit was exceeded; the parser is then failed and ignores everything after.
  bool feed(std::string_view bytes, std::vector<SseEvent> &out);

  // Where the second feed() hands each event as it completes.
  class Handler {
  public:
    virtual void on_sse_event(const SseEvent &event) = 0;

  protected:
    ~Handler() = default;
  };
  // As above, but each event goes to `handler` the moment it completes, in buffers of the
  // parser's own that are reused from event to event (valid during the call): a relayed stream
  // then costs no allocation per event.
  bool feed(std::string_view bytes, Handler &handler);

  // End of stream: discards any unterminated event and says whether there was one.
  // The parser is reset for a new stream (last event id and retry are kept).
  SseEnd finish();

  bool failed() const { return failed_; }
  // The last retry: value (reconnection time, ms), if any.
  std::optional<int64_t> retry_ms() const { return retry_ms_; }
  const std::string &last_event_id() const { return last_event_id_; }

private:
  bool feed_bytes(std::string_view bytes);
  void process_line(std::string_view line);
  void dispatch();

  std::vector<SseEvent> *out_ = nullptr; // where the events of the feed() in progress go,
  Handler *handler_ = nullptr;           // or to whom
  SseEvent ready_;                       // the event handed to handler_

  size_t max_event_bytes_;
  std::string line_;          // the current, unterminated line
  std::string data_;          // data buffer of the current event ("\n" after each data line)
  std::string event_type_;    // event type buffer of the current event
  bool has_fields_ = false;   // a field of the current event was seen
  std::string last_event_id_; // last event ID buffer
  std::optional<int64_t> retry_ms_;
  size_t bom_matched_ = 0; // bytes of a leading BOM seen so far
  bool at_stream_start_ = true;
  bool after_cr_ = false; // the last byte was CR: a following LF belongs to it
  bool failed_ = false;
};

} // namespace imc

#pragma once
// What the four provider adapters share (internal): JSON access that never throws (the wasm build
// cannot catch exceptions), request checks, auth needs, HTTP error mapping, and the decoder
// skeleton that enforces the event grammar of chat.h.
#include "imc/chat.h"
#include "imc/endpoint_config.h"
#include "imc/http.h"
#include "imc/image_fit.h"
#include "imc/result.h"
#include "imc/sse.h"
#include "imc/stream_decoder.h"

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace imc::wire {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json; // request bodies keep a readable key order

inline constexpr size_t kMaxBufferedBody = 16u << 20;
inline constexpr const char *kTruncated = "stream ended before completion";
// Error::file of errors about the request's content (rather than the endpoint).
inline constexpr const char *kRequestSource = "chat request";

// ---------------------------------------------------------------------------------------------
// JSON

// Parsed value, or a discarded value (is_discarded()) when `text` is not JSON.
Json parse_json(std::string_view text);
// Compact text; invalid UTF-8 in strings becomes U+FFFD instead of throwing.
std::string to_json_text(const OrderedJson &j);

const Json *member(const Json &j, const char *key);        // nullptr unless j is an object with key
std::string string_member(const Json &j, const char *key); // "" unless a string
std::optional<int64_t> int_member(const Json &j, const char *key); // integral numbers only
// The first element of array member `key` if it is an object, else nullptr.
const Json *first_object(const Json &j, const char *key);

// The sum of the integer members `keys` (absent ones count 0): token counts split by cache use.
int64_t sum_ints(const Json &j, std::initializer_list<const char *> keys);

// ---------------------------------------------------------------------------------------------
// Requests

struct EncodedImage {
  const char *mime = "";
  std::string base64;
};

// Checks shared by every adapter; errors are appended. Endpoint problems name the endpoint
// (kind config), request problems name kRequestSource (kind unsupported, see to_stream_error).
std::optional<UrlParts> check_endpoint(const Endpoint &endpoint, Errors &errors);
void check_turns(const Endpoint &endpoint, const ChatRequest &request, Errors &errors);

// The image as the provider gets it: sniffed type (the declared mime type may be wrong), checked
// against the provider's formats and byte limit (fit_image() is the caller's job, done once per
// image rather than once per call).
std::optional<EncodedImage> encode_image(const ImagePart &image, const ImageLimits &limits,
                                         const std::string &pointer, Errors &errors);

// "/turns/2/content/1"
std::string part_pointer(size_t turn, size_t part);

// What every adapter starts from: endpoint and turns checked, parameters and image limits settled.
struct RequestDraft {
  Errors errors;
  ChatParameters params; // effective_parameters()
  const ImageLimits *limits = nullptr; // image_limits(endpoint.protocol)
  std::optional<UrlParts> base_url; // the endpoint's, read (nullopt: an error says why)
};
RequestDraft start_request(const Endpoint &endpoint, const ChatRequest &request);

// The finished request: auth needs, JSON headers, `body`; or every error of the draft.
Result<HttpRequest> finish_request(const Endpoint &endpoint, RequestDraft &draft, std::string url,
                                   const OrderedJson &body, std::string_view stream_accept,
                                   std::string_view default_key_header);
// As above, the body already written as JSON text.
Result<HttpRequest> finish_request(const Endpoint &endpoint, RequestDraft &draft, std::string url,
                                   std::string body, std::string_view stream_accept,
                                   std::string_view default_key_header);

// A turn's parts in a provider's block shapes: `text(const std::string &)` and
// `image(const EncodedImage &)` make one block each. Empty text parts are left out; images are
// checked by encode_image() (errors appended, the image left out).
template <class TextBlock, class ImageBlock>
OrderedJson content_blocks(const ChatTurn &turn, size_t turn_index, RequestDraft &draft,
                           TextBlock text, ImageBlock image) {
  OrderedJson blocks = OrderedJson::array();
  for (size_t p = 0; p < turn.content.size(); ++p) {
    if (const auto *part = std::get_if<TextPart>(&turn.content[p])) {
      if (!part->text.empty())
        blocks.push_back(text(part->text));
    } else if (auto encoded = encode_image(std::get<ImagePart>(turn.content[p]), *draft.limits,
                                           part_pointer(turn_index, p), draft.errors)) {
      blocks.push_back(image(*encoded));
    }
  }
  return blocks;
}

// base_url without trailing "/" + path.
std::string join_url(std::string_view base_url, std::string_view path);

// The endpoint's auth as needs. `default_key_header` names the header api_key_header uses when
// the config names none ("x-api-key" for Anthropic).
std::vector<AuthNeed> auth_needs(const Endpoint &endpoint, std::string_view default_key_header,
                                 Errors &errors);

Error endpoint_error(const Endpoint &endpoint, std::string pointer, std::string expected,
                     std::string found);

// A provider's finish reasons; a reason missing from the table is FinishReason::other.
using FinishTable = std::initializer_list<std::pair<const char *, FinishReason>>;
Finish finish_from(const std::string &raw, FinishTable table);

// ---------------------------------------------------------------------------------------------
// Errors

// 408 timeout, 429 rate_limited, 503/529 overloaded, other 5xx server, 401/403 auth, other 4xx
// bad_request, anything else protocol.
ErrorKind kind_for_status(int status);
// A provider's error type or code ("rate_limit_error", "RESOURCE_EXHAUSTED",
// "throttlingException") as a kind; nullopt when unknown.
std::optional<ErrorKind> kind_for_code(std::string_view code);

struct ProviderError {
  std::string code;    // the provider's type/code/status string
  std::string message; // the provider's words
  int status = 0;      // an HTTP-like status inside the body (Gemini's error.code)
};

// Reads the error shapes of all four providers: {"error":{"message","type"|"code"|"status"}},
// {"error":"..."}, {"message"|"Message"|"detail": "..."}; a top-level array's first element.
ProviderError provider_error(const Json &body);

// The normalised error for a non-2xx response.
StreamError http_error(const HttpResponseHead &head, std::string_view body,
                       std::string_view code_override = {});
// The normalised error for an error reported inside a 2xx body or stream.
StreamError in_band_error(const ProviderError &e);

StreamError protocol_error(std::string message);

// ---------------------------------------------------------------------------------------------
// Decoding

// Collects events and enforces the grammar: text and usage until one terminal event, nothing
// after it.
class EventSink {
public:
  void text(std::string_view text);
  void usage(Usage usage);
  void finish(Finish finish);
  void fail(StreamError error);
  bool done() const { return done_; }
  std::vector<ChatEvent> take();
  // The events so far into `out` (cleared first); the two vectors trade buffers, so a caller
  // that keeps `out` from chunk to chunk allocates none.
  void take_into(std::vector<ChatEvent> &out);

private:
  std::vector<ChatEvent> events_;
  bool done_ = false;
};

// Decodes a whole response body (2xx JSON or an error status) into `sink`; each adapter has one.
using WholeBodyDecoder = void (*)(const HttpResponseHead &head, std::string_view body,
                                  EventSink &sink);

class StreamDecoderBase {
public:
  StreamDecoderBase(const HttpResponseHead &head, WholeBodyDecoder whole);
  virtual ~StreamDecoderBase() = default;
  std::vector<ChatEvent> feed(std::string_view bytes);
  void feed(std::string_view bytes, std::vector<ChatEvent> &out);
  std::vector<ChatEvent> finish();
  bool done() const { return sink_.done(); }

protected:
  // Stream mode: the next bytes of the body.
  virtual void consume(std::string_view bytes) = 0;
  // Stream mode: the body ended. The default finishes with pending_finish_ when the reply said
  // how it ended, else fails with kTruncated.
  virtual void end_of_stream();

  EventSink sink_;
  std::optional<Finish> pending_finish_; // the reply's finish reason, seen before its end marker

private:
  void consume_or_buffer(std::string_view bytes);

  HttpResponseHead head_;
  WholeBodyDecoder whole_;
  bool buffer_whole_ = false;
  std::string body_;
};

// SSE adapters: events arrive through on_event() until the sink is done.
class SseStreamDecoder : public StreamDecoderBase {
public:
  using StreamDecoderBase::StreamDecoderBase;

protected:
  void consume(std::string_view bytes) override;
  void end_of_stream() override;
  virtual void on_event(const SseEvent &event) = 0;

  // Parses an event's data as JSON; on failure fails the sink and returns a discarded value.
  Json parse_event_json(const SseEvent &event);

private:
  // The parser hands each event here as it completes (no list of events in between).
  struct Relay final : SseParser::Handler {
    SseStreamDecoder *decoder = nullptr;
    void on_sse_event(const SseEvent &event) override;
  };

  SseParser parser_;
  Relay relay_;
};

// The JSON of a successful response; for a non-2xx status, invalid JSON or an error document
// fails the sink instead.
std::optional<Json> parse_success_body(const HttpResponseHead &head, std::string_view body,
                                       EventSink &sink);

// Runs `whole` on a complete body: the implementation of each adapter's decode_response().
std::vector<ChatEvent> decode_whole_response(const HttpResponseHead &head, std::string_view body,
                                             WholeBodyDecoder whole);

} // namespace imc::wire

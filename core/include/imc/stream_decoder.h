#pragma once
// The incremental response decoder every provider adapter hands out (providers/*.h,
// make_stream_decoder in provider.h). One type for all providers, so transports hold one.
//
// Use: construct from the response head as soon as it arrives, feed() each body chunk as it
// arrives (split anywhere), then finish() when the body ends (or the connection drops). The
// events follow the grammar of chat.h: (TextDelta | Usage)* then exactly one Finish or
// StreamError, after which done() is true and further input is ignored.
//
// The head decides how the body is read:
//   - 2xx with a stream content type (or none): incrementally, in the provider's stream format;
//     a stream that ends before the provider's end-of-reply marker finishes with a `protocol`
//     error "stream ended before completion".
//   - 2xx with a JSON content type (a server that ignored "stream": true, or a non-streaming
//     call): buffered, decoded as one response at finish().
//   - any other status: buffered, decoded at finish() into the normalised error for the status
//     and the provider's error body.
// Buffered bodies are capped at 16 MiB, stream events likewise (`protocol` error beyond).
#include "imc/chat.h"

#include <memory>
#include <string_view>
#include <vector>

namespace imc {

namespace wire {
class StreamDecoderBase; // one implementation per provider, in core/src/providers/
}

class ChatStreamDecoder {
public:
  explicit ChatStreamDecoder(std::unique_ptr<wire::StreamDecoderBase> impl);
  ~ChatStreamDecoder();
  ChatStreamDecoder(ChatStreamDecoder &&) noexcept;
  ChatStreamDecoder &operator=(ChatStreamDecoder &&) noexcept;

  // The events completed by `bytes` (possibly none).
  std::vector<ChatEvent> feed(std::string_view bytes);
  // The same into `out` (cleared first), which trades buffers with the decoder: a caller that
  // keeps `out` from chunk to chunk allocates no list per chunk.
  void feed(std::string_view bytes, std::vector<ChatEvent> &out);
  // End of body: the remaining events, always ending with the terminal one unless done()
  // already was true. Calling it again returns nothing.
  std::vector<ChatEvent> finish();
  // The terminal event has been emitted.
  bool done() const;

private:
  std::unique_ptr<wire::StreamDecoderBase> impl_;
};

} // namespace imc

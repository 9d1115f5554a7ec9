#pragma once
// Shared by the libFuzzer targets. Beyond "does not crash" (ASan/UBSan watch that), each target
// checks properties that must hold for any input:
//   - splitting the input differently never changes the output (one piece, pseudo-random
//     pieces, byte by byte);
//   - a chat decoder's events follow the grammar of chat.h: text and usage, then exactly one
//     terminal event, last; no text delta is empty; nothing comes out once done().
// Cut points derive from the input itself, so the seed corpora are plain captured streams.
#include "imc/chat.h"
#include "imc/endpoint_config.h"
#include "imc/http.h"
#include "imc/provider.h"
#include "imc/stream_decoder.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace imc::fuzz {

inline void require(bool ok, const char *what) {
  if (ok)
    return;
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

inline std::string_view as_text(const uint8_t *data, size_t size) {
  return {reinterpret_cast<const char *>(data), size};
}

// Ascending cut points of pseudo-random spacing (1..64 bytes), seeded by the input.
inline std::vector<size_t> cuts_for(std::string_view data) {
  uint32_t state = 2166136261u;
  for (unsigned char c : data.substr(0, 64))
    state = (state ^ c) * 16777619u;
  std::vector<size_t> cuts;
  for (size_t at = 0;;) {
    state = state * 1664525u + 1013904223u;
    at += 1 + (state >> 26);
    if (at >= data.size())
      break;
    cuts.push_back(at);
  }
  return cuts;
}

inline std::vector<size_t> every_byte(std::string_view data) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < data.size(); ++i)
    cuts.push_back(i);
  return cuts;
}

inline std::vector<std::string> described(const std::vector<ChatEvent> &events) {
  std::vector<std::string> out;
  for (const auto &e : events)
    out.push_back(describe(e));
  return out;
}

inline void check_grammar(const std::vector<ChatEvent> &events) {
  require(!events.empty(), "a finished decoder emitted a terminal event");
  for (size_t i = 0; i < events.size(); ++i) {
    require(is_terminal(events[i]) == (i + 1 == events.size()), "one terminal event, last");
    if (const auto *t = std::get_if<TextDelta>(&events[i]))
      require(!t->text.empty(), "text deltas are never empty");
  }
}

inline std::vector<ChatEvent> decode_split(Protocol protocol, const HttpResponseHead &head,
                                           std::string_view data, const std::vector<size_t> &cuts) {
  ChatStreamDecoder decoder = make_stream_decoder(protocol, head);
  std::vector<ChatEvent> events;
  const auto take = [&](std::vector<ChatEvent> more) {
    require(more.empty() || events.empty() || !is_terminal(events.back()),
            "nothing after the terminal event");
    for (auto &e : more)
      events.push_back(std::move(e));
  };
  size_t at = 0;
  for (size_t cut : cuts) {
    take(decoder.feed(data.substr(at, cut - at)));
    at = cut;
  }
  take(decoder.feed(data.substr(at)));
  take(decoder.finish());
  require(decoder.done(), "done after finish");
  require(decoder.finish().empty() && decoder.feed("x").empty(), "silent once done");
  return events;
}

// Feeds `data` as the body of a streamed reply, of a JSON reply and of an error reply.
inline void check_provider(Protocol protocol, std::string_view stream_content_type,
                           std::string_view data) {
  HttpResponseHead stream;
  stream.status = 200;
  stream.headers = {{"content-type", std::string(stream_content_type)}};
  const auto whole = decode_split(protocol, stream, data, {});
  check_grammar(whole);
  require(described(decode_split(protocol, stream, data, cuts_for(data))) == described(whole),
          "pseudo-random split changes nothing");
  if (data.size() <= 2048)
    require(described(decode_split(protocol, stream, data, every_byte(data))) == described(whole),
            "byte-by-byte feed changes nothing");

  for (int status : {200, 429, 529}) {
    HttpResponseHead json;
    json.status = status;
    json.headers = {{"content-type", "application/json"}, {"retry-after", "3"}};
    const auto events = decode_chat_response(protocol, json, data);
    check_grammar(events);
    require(described(decode_split(protocol, json, data, cuts_for(data))) == described(events),
            "buffered body decodes like a whole one");
    if (status != 200)
      require(std::holds_alternative<StreamError>(events.back()), "an error status fails");
  }
}

} // namespace imc::fuzz

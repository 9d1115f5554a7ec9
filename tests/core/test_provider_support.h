#pragma once
// Helpers for the provider tests: sample files, generated images, and feeding a body to a
// decoder split at chosen points, at every point, or byte by byte.
#include "imc/chat.h"
#include "imc/endpoint_config.h"
#include "imc/http.h"
#include "imc/stream_decoder.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stb_image_write.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace imc::test {

// A file under tests/data/providers/, read as bytes.
inline std::string provider_sample(const std::string &name) {
  const std::string path = std::string(imc::test::source_dir()) + "/tests/data/providers/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Events as one line each, so a mismatch prints readably.
inline std::vector<std::string> described(const std::vector<ChatEvent> &events) {
  std::vector<std::string> out;
  for (const auto &e : events)
    out.push_back(describe(e));
  return out;
}

using DecoderFactory = std::function<ChatStreamDecoder()>;

// Feeds `body` in pieces cut at `cuts` (ascending offsets), then finishes.
inline std::vector<ChatEvent> decode_split(const DecoderFactory &make, std::string_view body,
                                           const std::vector<size_t> &cuts) {
  ChatStreamDecoder decoder = make();
  std::vector<ChatEvent> events;
  size_t at = 0;
  for (size_t cut : cuts) {
    for (auto &e : decoder.feed(body.substr(at, cut - at)))
      events.push_back(std::move(e));
    at = cut;
  }
  for (auto &e : decoder.feed(body.substr(at)))
    events.push_back(std::move(e));
  for (auto &e : decoder.finish())
    events.push_back(std::move(e));
  return events;
}

inline std::vector<ChatEvent> decode_whole_body(const DecoderFactory &make, std::string_view body) {
  return decode_split(make, body, {});
}

// The events of `body` in one piece; checks that every two-piece split and the byte-by-byte
// feed give exactly the same events.
inline std::vector<ChatEvent> decode_every_split(const DecoderFactory &make,
                                                 std::string_view body) {
  const auto reference = decode_whole_body(make, body);
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    const auto events = decode_split(make, body, {cut});
    if (described(events) != described(reference)) {
      ADD_FAILURE() << "split at byte " << cut << " changed the events";
      EXPECT_EQ(described(events), described(reference));
      break;
    }
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < body.size(); ++i)
    every_byte.push_back(i);
  EXPECT_EQ(described(decode_split(make, body, every_byte)), described(reference))
      << "byte-by-byte feed changed the events";
  return reference;
}

inline HttpResponseHead head_with(int status, Headers headers) {
  HttpResponseHead head;
  head.status = status;
  head.headers = std::move(headers);
  return head;
}

inline HttpResponseHead sse_head() {
  return head_with(200, {{"Content-Type", "text/event-stream"}});
}
inline HttpResponseHead json_head(int status = 200) {
  return head_with(status, {{"Content-Type", "application/json"}});
}

// The one StreamError in `events`, which must be the last event.
inline StreamError last_error(const std::vector<ChatEvent> &events) {
  if (events.empty() || !std::holds_alternative<StreamError>(events.back())) {
    ADD_FAILURE() << "expected a StreamError last";
    return {};
  }
  return std::get<StreamError>(events.back());
}

// A real PNG or JPEG of w x h pixels of deterministic noise (noise does not compress, so byte
// limits bite).
inline std::string noise_image(int w, int h, bool jpeg, int channels = 3) {
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * h * channels);
  uint32_t state = 12345;
  for (auto &p : pixels) {
    state = state * 1664525u + 1013904223u;
    p = static_cast<unsigned char>(state >> 24);
  }
  std::string out;
  auto append = [](void *ctx, void *data, int size) {
    static_cast<std::string *>(ctx)->append(static_cast<const char *>(data), size);
  };
  if (jpeg)
    stbi_write_jpg_to_func(append, &out, w, h, channels, pixels.data(), 90);
  else
    stbi_write_png_to_func(append, &out, w, h, channels, pixels.data(), w * channels);
  return out;
}

inline ImagePart image_part(std::string bytes, std::string mime = "image/png") {
  return ImagePart{std::move(mime), std::move(bytes), "images/lesion.png"};
}

// System prompt, a user turn with an image then text, an assistant turn and a user turn.
inline ChatRequest sample_request(bool stream, std::string image_bytes) {
  ChatRequest r;
  r.system = "You are a careful clinician.";
  ChatTurn first;
  first.content.emplace_back(image_part(std::move(image_bytes)));
  first.content.emplace_back(TextPart{"Is this mole worrying?"});
  r.turns.push_back(std::move(first));
  r.turns.push_back(assistant_text("How long has it been there?"));
  r.turns.push_back(user_text("Two months."));
  r.parameters.temperature = 0.2;
  r.parameters.max_tokens = 256;
  r.parameters.top_p = 0.9;
  r.parameters.stop = {"END"};
  r.parameters.stream = stream;
  return r;
}

inline nlohmann::json body_json(const HttpRequest &request) {
  return nlohmann::json::parse(request.body);
}

} // namespace imc::test

// The plain chat body (native/api/chat_body.h), read in one pass with simdjson, against the
// general way the service reads a body (nlohmann, the location-key walk, only "endpoint" and
// "request", the chat request's reader): on the plain bodies a browser sends it must read them,
// and on any body at all — valid ones, and thousands of mutations of them, most of them invalid
// — whatever it reads, the general way must read the same from the same bytes.
#include "api/chat_body.h"
#include "api/request_guard.h"

#include "imc/chat_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using Json = nlohmann::ordered_json;
using Read = std::pair<std::string, std::string>; // endpoint, the chat request re-serialised

std::optional<Read> plain(const std::string &body) {
  auto read = imc::api::read_plain_chat_body(body);
  if (!read)
    return std::nullopt;
  return Read{read->endpoint, imc::serialize_chat_request(read->request, false)};
}

// As Service::chat reads a body that is not plain.
std::optional<Read> general(const std::string &body) {
  const Json j = Json::parse(body.empty() ? std::string("{}") : body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || imc::api::find_location_key(j))
    return std::nullopt;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "endpoint" && it.key() != "request")
      return std::nullopt;
  const auto endpoint = j.find("endpoint");
  const auto request = j.find("request");
  if (endpoint == j.end() || !endpoint->is_string() || request == j.end() ||
      !request->is_object())
    return std::nullopt;
  auto parsed = imc::parse_chat_request_value(*request, "/request");
  if (!parsed)
    return std::nullopt;
  return Read{endpoint->get<std::string>(), imc::serialize_chat_request(*parsed, false)};
}

Json text_turn(const std::string &role, const std::string &text) {
  return Json{{"role", role}, {"content", Json::array({Json{{"type", "text"}, {"text", text}}})}};
}

std::vector<Json> seeds() {
  return {
      // What the browser's live mode and the benchmark send.
      Json{{"endpoint", "fake-a"},
           {"request",
            {{"turns", Json::array({text_turn("user", "Hello")})},
             {"parameters", {{"max_tokens", 16}, {"stream", true}}}}}},
      Json{{"endpoint", "llama"},
           {"request",
            {{"system", "You are a careful dermatologist.\nAsk before you advise."},
             {"turns", Json::array({text_turn("user", "I have a mole \"that changed\"."),
                                    text_turn("assistant", "Since when? \u00e9\u2014\U0001F600"),
                                    text_turn("user", std::string("tab\there, nul\0 there", 20))})},
             {"parameters",
              {{"temperature", 0.7},
               {"max_tokens", 2147483647},
               {"top_p", 1},
               {"stop", Json::array({"END", "\n\n"})},
               {"stream", false}}}}}},
      Json{{"request", {{"turns", Json::array()}, {"system", ""}}}, {"endpoint", ""}},
      Json{{"endpoint", "x"},
           {"request",
            {{"turns", Json::array({Json{{"content", Json::array()}, {"role", "user"}}})},
             {"parameters", Json::object()}}}},
  };
}

// One random change to a JSON value, anywhere in it.
void mutate(Json &j, std::mt19937 &random) {
  const auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  static const std::vector<Json> values = {
      nullptr, true, false, 0, -0.0, 1, 2, 2.0000001, 16.0, 1e2, -1, 0.5,
      2147483647LL, 2147483648LL, 9223372036854775807LL, 18446744073709551615ULL,
      "", "text", "image", "user", "assistant", "system", Json::array(), Json::array({""}),
      Json::array({"a", "a"}), Json::object(), Json{{"url", "http://x"}}, Json{{"type", "text"}}};
  static const std::vector<std::string> keys = {
      "endpoint", "request", "system", "turns", "role", "content", "type", "text", "parameters",
      "temperature", "max_tokens", "top_p", "stop", "stream", "url", "base_url", "Host", "extra",
      "mime_type", "data"};
  if (pick(3) == 0 && j.contains("request") && j["request"].is_object()) {
    // A parameter (or the system prompt) set to one of the values, in range or not.
    static const std::vector<std::string> parameters = {"temperature", "max_tokens", "top_p",
                                                        "stop", "stream"};
    Json &request = j["request"];
    if (pick(4) == 0)
      request["system"] = values[pick(values.size())];
    else if (!request.contains("parameters") || !request["parameters"].is_object())
      request["parameters"] = Json::object();
    else
      request["parameters"][parameters[pick(parameters.size())]] = values[pick(values.size())];
    return;
  }
  Json *at = &j;
  while ((at->is_object() || at->is_array()) && !at->empty() && pick(3) != 0) {
    if (at->is_object()) {
      auto it = at->begin();
      std::advance(it, static_cast<long>(pick(at->size())));
      at = &it.value();
    } else {
      at = &(*at)[pick(at->size())];
    }
  }
  switch (pick(4)) {
  case 0: // replace the value
    *at = values[pick(values.size())];
    break;
  case 1: // add a key (or an item)
    if (at->is_object())
      (*at)[keys[pick(keys.size())]] = values[pick(values.size())];
    else if (at->is_array())
      at->push_back(pick(2) ? values[pick(values.size())] : text_turn("user", "x"));
    break;
  case 2: // remove a key (or an item)
    if (at->is_object() && !at->empty()) {
      auto it = at->begin();
      std::advance(it, static_cast<long>(pick(at->size())));
      at->erase(it.key());
    } else if (at->is_array() && !at->empty()) {
      at->erase(pick(at->size()));
    }
    break;
  default: // a part of another type
    if (at->is_object() && at->contains("type"))
      (*at)["type"] = "image";
    else if (at->is_object())
      (*at)["role"] = pick(2) ? "assistant" : "tool";
  }
}

// Changes to the text itself: a repeated key, bytes, escapes, a byte-order mark.
std::string mutate_text(std::string text, std::mt19937 &random) {
  const auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  switch (pick(6)) {
  case 0: { // a key again, first in its object
    static const std::vector<std::string> keys = {"endpoint", "request", "turns",      "role",
                                                  "content",  "type",    "text",       "stream",
                                                  "system",   "stop",    "max_tokens", "top_p"};
    const auto brace = text.find('{', pick(text.size()));
    if (brace != std::string::npos)
      text.insert(brace + 1, "\"" + keys[pick(keys.size())] + "\":\"again\",");
    break;
  }
  case 1: // one byte changed
    if (!text.empty())
      text[pick(text.size())] = static_cast<char>(random());
    break;
  case 2: { // an escape inside a string
    static const std::vector<std::string> escapes = {"\\ud800", "\\udc00x", "\\u0000", "\\ud83d\\ude00",
                                                     "\\/", "\\x", "\xC3", "\xED\xA0\x80"};
    const auto quote = text.find("\":\"", pick(text.size()));
    if (quote != std::string::npos)
      text.insert(quote + 3, escapes[pick(escapes.size())]);
    break;
  }
  case 3:
    text = "\xEF\xBB\xBF" + text;
    break;
  case 4:
    text += pick(2) ? " " : " x";
    break;
  default:
    break;
  }
  return text;
}

TEST(ChatBody, ReadsThePlainBodiesBrowsersSend) {
  for (const Json &seed : seeds()) {
    const std::string body = seed.dump();
    const auto fast = plain(body);
    ASSERT_TRUE(fast) << body;
    EXPECT_EQ(fast, general(body)) << body;
  }
}

TEST(ChatBody, LeavesImagesAndEveryOtherShapeToTheGeneralReader) {
  for (const std::string body : {
           R"({"endpoint":"a","request":{"turns":[{"role":"user","content":[{"type":"image","data":"AAAA"}]}]}})",
           R"({"endpoint":"a","request":{"turns":[]},"url":"http://x"})",
           R"({"endpoint":"a","request":{"turns":[],"base_url":"http://x"}})",
           R"({"endpoint":"a","endpoint":"b","request":{"turns":[]}})",
           R"({"endpoint":null,"request":{"turns":[]}})",
           R"({"endpoint":"a","request":{"turns":[],"parameters":{"max_tokens":16.0}}})",
           R"({"endpoint":"a","request":{"turns":[],"parameters":{"temperature":3}}})",
           R"({"endpoint":"a","request":{"turns":[],"parameters":{"stop":[""]}}})",
           R"({"endpoint":"a","request":{}})",
           R"({"endpoint":"a","request":{"turns":[]}} x)",
           R"(["endpoint"])",
       })
    EXPECT_FALSE(plain(body)) << body;
}

TEST(ChatBody, ReadsNothingTheGeneralReaderWouldReadOtherwise) {
  std::mt19937 random(20261130);
  size_t read_plainly = 0, cases = 0;
  for (int i = 0; i < 6000; ++i) {
    const auto all = seeds();
    Json j = all[static_cast<size_t>(i) % all.size()];
    for (int changes = 1 + static_cast<int>(random() % 3); changes > 0; --changes)
      mutate(j, random);
    std::string body = j.dump();
    if (random() % 3 == 0)
      body = mutate_text(body, random);
    ++cases;
    const auto fast = plain(body);
    if (!fast)
      continue;
    ++read_plainly;
    const auto slow = general(body);
    ASSERT_TRUE(slow) << "read plainly but refused the general way: " << body;
    ASSERT_EQ(*fast, *slow) << body;
  }
  // Both kinds must be common, or the comparison says little.
  EXPECT_GT(read_plainly, cases / 10);
  EXPECT_LT(read_plainly, cases * 9 / 10);
}

} // namespace

// OpenAI Chat Completions adapter: request shape, responses, streams, errors.
#include "imc/base64.h"
#include "imc/provider.h"
#include "imc/providers/openai.h"
#include "test_provider_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace imc {
namespace {

using nlohmann::json;
using test::described;

Endpoint local_server() {
  Endpoint e;
  e.name = "llama";
  e.protocol = Protocol::openai;
  e.base_url = "http://127.0.0.1:8081/v1/";
  e.model = "stories260K";
  return e;
}

Endpoint official_api() {
  Endpoint e = local_server();
  e.name = "openai-gpt";
  e.base_url = "https://api.openai.com/v1";
  e.model = "gpt-5.2";
  e.auth.type = AuthType::bearer;
  e.auth.api_key_env = "OPENAI_API_KEY";
  return e;
}

test::DecoderFactory decoder(HttpResponseHead head = test::sse_head()) {
  return [head] { return openai::make_stream_decoder(head); };
}

// The body of a request whose turns are all plain text is written without a document
// (openai.cpp, written_body): the bytes must be the document's, dumped as everywhere else, for
// any text (quotes, control characters, UTF-8 valid or not), with or without each parameter.
TEST(OpenAiRequest, PlainTextBodyIsTheDocumentsBytes) {
  std::mt19937 random(5);
  const auto text = [&](size_t max) {
    std::string t(1 + random() % max, '\0');
    for (char &c : t) {
      switch (random() % 6) {
      case 0: c = static_cast<char>(random() % 0x20); break; // control characters
      case 1: c = "\"\\/\x7f"[random() % 4]; break;
      case 2: c = static_cast<char>(0x80 + random() % 0x80); break; // UTF-8, valid or not
      default: c = static_cast<char>(0x20 + random() % 0x5f); break;
      }
    }
    if (random() % 3 == 0)
      t += "caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80";
    return t;
  };
  for (int i = 0; i < 500; ++i) {
    Endpoint endpoint = i % 7 == 0 ? official_api() : local_server();
    endpoint.capabilities.streaming = i % 2 == 0;
    endpoint.model = i % 5 == 0 ? text(12) : "model-" + std::to_string(i);
    ChatRequest request;
    request.system = i % 3 == 0 ? "" : text(40);
    const size_t turns = 1 + random() % 4;
    for (size_t t = 0; t < turns; ++t) {
      if (t % 2 == 1 && random() % 2 == 0) { // an assistant turn of several parts
        ChatTurn turn;
        turn.role = ChatRole::assistant;
        for (size_t k = random() % 3; k < 3; ++k)
          turn.content.push_back(TextPart{text(10)});
        request.turns.push_back(turn);
      } else {
        request.turns.push_back(t % 2 == 0 ? user_text(text(60)) : assistant_text(text(60)));
      }
    }
    if (random() % 2)
      request.parameters.temperature = (random() % 2000) / 1000.0 + (random() % 2 ? 1e-9 : 0.0);
    if (random() % 2)
      request.parameters.top_p = 1.0 / (1 + random() % 9);
    if (random() % 2)
      request.parameters.max_tokens = static_cast<int>(random() % 100000);
    for (size_t k = random() % 3; k < 2; ++k)
      request.parameters.stop.push_back(text(6));
    request.parameters.stream = random() % 3 != 0;

    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    if (!request.system.empty())
      messages.push_back({{"role", "system"}, {"content", request.system}});
    for (const auto &turn : request.turns) {
      std::string content;
      for (const auto &part : turn.content)
        content += std::get<TextPart>(part).text;
      messages.push_back({{"role", to_string(turn.role)}, {"content", content}});
    }
    nlohmann::ordered_json body;
    body["model"] = endpoint.model;
    body["messages"] = messages;
    const ChatParameters &p = request.parameters;
    if (p.temperature)
      body["temperature"] = *p.temperature;
    if (p.top_p)
      body["top_p"] = *p.top_p;
    if (p.max_tokens)
      body[i % 7 == 0 ? "max_completion_tokens" : "max_tokens"] = *p.max_tokens;
    if (!p.stop.empty())
      body["stop"] = p.stop;
    if (p.stream && endpoint.capabilities.streaming) {
      body["stream"] = true;
      body["stream_options"] = {{"include_usage", true}};
    }
    const auto http = openai::build_request(endpoint, request);
    ASSERT_TRUE(http) << format_errors(http.errors());
    ASSERT_EQ(http->body,
              body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace))
        << "case " << i;
  }
}

TEST(OpenAiRequest, BuildsChatCompletionsWithImageUrlParts) {
  const std::string png = test::noise_image(4, 3, false);
  const auto http = openai::build_request(local_server(), test::sample_request(true, png));
  ASSERT_TRUE(http) << format_errors(http.errors());
  EXPECT_EQ(http->method, "POST");
  EXPECT_EQ(http->url, "http://127.0.0.1:8081/v1/chat/completions");
  EXPECT_TRUE(http->stream);
  EXPECT_TRUE(http->auth.empty());
  EXPECT_EQ(*find_header(http->headers, "content-type"), "application/json");
  EXPECT_EQ(*find_header(http->headers, "accept"), "text/event-stream");

  const json body = test::body_json(*http);
  EXPECT_EQ(body["model"], "stories260K");
  const json expected_messages = {
      {{"role", "system"}, {"content", "You are a careful clinician."}},
      {{"role", "user"},
       {"content",
        {{{"type", "image_url"},
          {"image_url", {{"url", "data:image/png;base64," + base64_encode(png)}}}},
         {{"type", "text"}, {"text", "Is this mole worrying?"}}}}},
      {{"role", "assistant"}, {"content", "How long has it been there?"}},
      {{"role", "user"}, {"content", "Two months."}}};
  EXPECT_EQ(body["messages"], expected_messages);
  EXPECT_EQ(body["temperature"], 0.2);
  EXPECT_EQ(body["top_p"], 0.9);
  EXPECT_EQ(body["max_tokens"], 256);
  EXPECT_FALSE(body.contains("max_completion_tokens"));
  EXPECT_EQ(body["stop"], json::array({"END"}));
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"], json({{"include_usage", true}}));
}

TEST(OpenAiRequest, OfficialApiGetsMaxCompletionTokensAndABearerNeed) {
  ChatRequest request;
  request.turns.push_back(user_text("hi"));
  request.parameters.max_tokens = 100;
  const auto http = openai::build_request(official_api(), request);
  ASSERT_TRUE(http);
  const json body = test::body_json(*http);
  EXPECT_EQ(body["max_completion_tokens"], 100);
  EXPECT_FALSE(body.contains("max_tokens"));
  EXPECT_FALSE(body.contains("stream"));
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_EQ(*find_header(http->headers, "accept"), "application/json");
  ASSERT_EQ(http->auth.size(), 1u);
  const auto &need = std::get<EnvSecretHeader>(http->auth[0]);
  EXPECT_EQ(need.header, "authorization");
  EXPECT_EQ(need.prefix, "Bearer ");
  EXPECT_EQ(need.env, "OPENAI_API_KEY");
  EXPECT_EQ(find_header(http->headers, "authorization"), nullptr);
}

TEST(OpenAiRequest, EndpointDefaultsFillUnsetParametersAndStreamingCanBeOff) {
  Endpoint e = local_server();
  e.defaults.temperature = 0.7;
  e.defaults.max_tokens = 64;
  e.capabilities.streaming = false;
  e.extra_headers = {{"x-title", "imc"}};
  ChatRequest request;
  request.turns.push_back(user_text("hi"));
  request.parameters.stream = true;
  const auto http = openai::build_request(e, request);
  ASSERT_TRUE(http);
  const json body = test::body_json(*http);
  EXPECT_EQ(body["temperature"], 0.7);
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_FALSE(body.contains("stream"));
  EXPECT_FALSE(http->stream);
  EXPECT_EQ(*find_header(http->headers, "x-title"), "imc");
}

TEST(OpenAiRequest, ImagesToAnEndpointWithoutImageSupportAreUnsupported) {
  Endpoint e = local_server();
  e.capabilities.images = false;
  const auto http =
      openai::build_request(e, test::sample_request(false, test::noise_image(2, 2, false)));
  ASSERT_FALSE(http);
  ASSERT_EQ(http.errors().size(), 1u);
  EXPECT_EQ(http.errors()[0].pointer, "/turns/0/content/0");
  EXPECT_EQ(to_stream_error(http.errors()).kind, ErrorKind::unsupported);
}

TEST(OpenAiResponse, DecodesTextUsageAndFinish) {
  const auto events =
      openai::decode_response(test::json_head(), test::provider_sample("openai_response.json"));
  EXPECT_EQ(described(events),
            (std::vector<std::string>{"text \"Please see a dermatologist.\"", "usage 812/512",
                                      "finish length (length)"}));
}

TEST(OpenAiStream, DecodesTheDocumentedStreamAtEverySplit) {
  const auto events =
      test::decode_every_split(decoder(), test::provider_sample("openai_stream.sse"));
  EXPECT_EQ(
      described(events),
      (std::vector<std::string>{
          "text \"The lesion\"", "text \" is about 4\xC2\xA0mm \xE2\x80\x94 \xE2\x89\x88 stable;\"",
          "text \" see a dermatologist.\"", "usage 812/164", "finish stop (stop)"}));
}

TEST(OpenAiStream, ServerWithoutDoneIsCompleteOnceFinishReasonArrived) {
  std::string stream = test::provider_sample("openai_stream.sse");
  stream.erase(stream.find("data: [DONE]"));
  const auto events = test::decode_whole_body(decoder(), stream);
  EXPECT_EQ(described(events).back(), "finish stop (stop)");
}

TEST(OpenAiStream, EveryTruncationBeforeTheFinishReasonIsAProtocolError) {
  const std::string stream = test::provider_sample("openai_stream.sse");
  const size_t finish_chunk_end =
      stream.find("\n\n", stream.find("\"finish_reason\":\"stop\"")) + 2;
  for (size_t cut = 0; cut < finish_chunk_end; ++cut) {
    const auto events = test::decode_whole_body(decoder(), stream.substr(0, cut));
    const auto error = test::last_error(events);
    EXPECT_EQ(error.kind, ErrorKind::protocol) << "cut at " << cut;
    EXPECT_EQ(error.message.rfind("stream ended before completion", 0), 0u) << error.message;
  }
}

TEST(OpenAiStream, ErrorInADataLineEndsTheStream) {
  const auto events = test::decode_every_split(
      decoder(),
      "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
      "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"ignored\"}}]}\n\n");
  EXPECT_EQ(described(events),
            (std::vector<std::string>{"text \"Hi\"",
                                      "error server: server_error: The server had an error"}));
}

TEST(OpenAiStream, InvalidJsonIsAProtocolError) {
  const auto events = test::decode_whole_body(decoder(), "data: {\"choices\":[\n\n");
  EXPECT_EQ(test::last_error(events).kind, ErrorKind::protocol);
  EXPECT_NE(test::last_error(events).message.find("invalid JSON"), std::string::npos);
}

TEST(OpenAiStream, JsonReplyToAStreamRequestIsDecodedWhole) {
  const auto events = test::decode_every_split(decoder(test::json_head()),
                                               test::provider_sample("openai_response.json"));
  EXPECT_EQ(described(events).back(), "finish length (length)");
}

TEST(OpenAiErrors, MapsStatusesAndQuotesTheProvidersMessage) {
  const std::string rate_body =
      R"({"error":{"message":"Rate limit reached for gpt-5.2","type":"requests","param":null,"code":"rate_limit_exceeded"}})";
  auto events = test::decode_whole_body(
      decoder(test::head_with(429, {{"retry-after", "2"}, {"content-type", "application/json"}})),
      rate_body);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(
      std::get<StreamError>(events[0]),
      (StreamError{ErrorKind::rate_limited,
                   "HTTP 429 rate_limit_exceeded: Rate limit reached for gpt-5.2", 2000, 429}));

  const std::string bad_body =
      R"({"error":{"message":"Unsupported parameter: 'max_tokens'","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}})";
  const auto bad = test::last_error(openai::decode_response(test::json_head(400), bad_body));
  EXPECT_EQ(bad.kind, ErrorKind::bad_request);
  EXPECT_EQ(bad.message, "HTTP 400 unsupported_parameter: Unsupported parameter: 'max_tokens'");
  EXPECT_FALSE(bad.retry_after_ms);

  EXPECT_EQ(test::last_error(openai::decode_response(test::json_head(401), "{}")).kind,
            ErrorKind::auth);
  EXPECT_EQ(test::last_error(openai::decode_response(test::json_head(403), "")).kind,
            ErrorKind::auth);
  EXPECT_EQ(test::last_error(openai::decode_response(test::json_head(500), "")).kind,
            ErrorKind::server);
  EXPECT_EQ(test::last_error(openai::decode_response(test::json_head(503), "")).kind,
            ErrorKind::overloaded);
  const auto html = test::last_error(openai::decode_response(
      test::head_with(502, {{"content-type", "text/html"}}), "<html>\r\nBad gateway</html>"));
  EXPECT_EQ(html.kind, ErrorKind::server);
  EXPECT_EQ(html.message, "HTTP 502 <html>  Bad gateway</html>");
}

// read_common_chunk (simdjson, the proxy's hot path) against the document reading the decoder
// falls back to: whenever it claims a chunk, it must read what the document reads; every chunk
// of an unusual shape must be left to the document.
namespace openai_fast {

struct DocumentReading {
  bool has_delta = false;
  std::string text;
  std::optional<std::string> finish_reason;
  std::optional<Usage> usage;
};

// wire::int_member's reading of a count.
int64_t count_of(const json &usage, const char *key) {
  const auto it = usage.find(key);
  if (it == usage.end())
    return 0;
  if (it->is_number_unsigned())
    return it->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : int64_t(it->get<uint64_t>());
  if (it->is_number_integer())
    return it->get<int64_t>();
  if (it->is_number_float() && std::isfinite(it->get<double>()) &&
      std::fabs(it->get<double>()) < 9e15)
    return int64_t(it->get<double>());
  return 0;
}

std::optional<DocumentReading> read_by_document(const std::string &data) {
  const json chunk = json::parse(data, nullptr, false);
  if (chunk.is_discarded() || !chunk.is_object())
    return std::nullopt;
  DocumentReading out;
  const auto choices = chunk.find("choices");
  if (choices != chunk.end() && choices->is_array() && !choices->empty() &&
      (*choices)[0].is_object()) {
    const json &choice = (*choices)[0];
    if (const auto delta = choice.find("delta"); delta != choice.end()) {
      out.has_delta = true;
      if (delta->is_object())
        if (const auto content = delta->find("content");
            content != delta->end() && content->is_string())
          out.text = content->get<std::string>();
    }
    if (const auto reason = choice.find("finish_reason");
        reason != choice.end() && reason->is_string())
      out.finish_reason = reason->get<std::string>();
  }
  if (const auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object())
    out.usage = Usage{count_of(*usage, "prompt_tokens"), count_of(*usage, "completion_tokens")};
  return out;
}

} // namespace openai_fast

TEST(OpenAiStream, TheQuickChunkReadingAgreesWithTheDocumentOrLeavesTheChunkToIt) {
  struct Case {
    std::string data;
    bool common; // read the quick way
  };
  const std::vector<Case> cases = {
      {R"({"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]})",
       true},
      {R"({"choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}]})", true},
      {R"({"choices":[{"delta":{},"finish_reason":"stop"}],"usage":null})", true},
      {R"({"choices":[{"delta":{"content":null},"finish_reason":"length"}]})", true},
      {R"({"choices":[{"delta":{"content":"caf\u00e9 \"q\" \\ \n"}}]})", true},
      {R"({"choices":[{"delta":{"content":"x"},"finish_reason":7}]})", true},
      {R"({"choices":[{"index":0,"finish_reason":"stop"}]})", true},
      {R"({"choices":[{"delta":{"content":["not","text"]}}]})", true},
      {R"({"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]})", true},
      {R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}})",
       true},
      {R"({"usage":{"prompt_tokens":3}})", true},
      {R"({"choices":[{"delta":{"content":"x"}}],"usage":{"completion_tokens":2}})", true},
      {R"({"choices":[],"usage":{"prompt_tokens":18446744073709551615,"completion_tokens":-2}})",
       true},
      {R"({"choices":[],"usage":{"prompt_tokens":12.0,"completion_tokens":1e20}})", true},
      {R"({"choices":[],"usage":{"prompt_tokens":"12","completion_tokens":null}})", true},
      {R"({"choices":[]})", true},
      {R"({"id":"x"})", true},
      // Left to the document: errors, odd shapes, repeated keys, invalid JSON.
      {R"({"choices":[],"usage":"none"})", false},
      {R"({"choices":[],"usage":{"prompt_tokens":1,"prompt_tokens":2}})", false},
      {R"({"error":{"message":"overloaded","type":"server_error"}})", false},
      {R"({"error":null,"choices":[{"delta":{"content":"x"}}]})", false},
      {R"({"choices":["text"]})", false},
      {R"({"choices":{"delta":{"content":"x"}}})", false},
      {R"({"choices":[{"delta":"x"}]})", false},
      {R"({"choices":[{"delta":{"content":"a","content":"b"}}]})", false},
      {R"({"choices":[{"delta":{"content":"a"},"delta":{"content":"b"}}]})", false},
      {R"({"choices":[{"delta":{"content":"a"}}],"choices":[{"delta":{"content":"b"}}]})", false},
      {R"([{"choices":[]}])", false},
      {R"("text")", false},
      {R"({"choices":[{"delta":{"content":"x"}}])", false},
      {"{\"choices\":[{\"delta\":{\"content\":\"\xff\"}}]}", false},
      {R"({"choices":[{"delta":{"content":"\ud800"}}]})", false},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.data);
    const auto quick = openai::read_common_chunk(c.data);
    EXPECT_EQ(quick.has_value(), c.common); // the tests are native: simdjson is there
    if (!quick)
      continue;
    const auto document = openai_fast::read_by_document(c.data);
    ASSERT_TRUE(document.has_value());
    EXPECT_EQ(quick->has_delta, document->has_delta);
    EXPECT_EQ(quick->text, document->text);
    EXPECT_EQ(quick->finish_reason, document->finish_reason);
    EXPECT_EQ(quick->usage.has_value(), document->usage.has_value());
    if (quick->usage && document->usage) {
      EXPECT_EQ(quick->usage->input_tokens, document->usage->input_tokens);
      EXPECT_EQ(quick->usage->output_tokens, document->usage->output_tokens);
    }
  }
}

TEST(OpenAiStream, CommonAndUnusualChunksDecodeAlikeThroughTheStreamDecoder) {
  // The same reply once in common chunks (quick path) and once with an unused "error": null
  // member in each (document path): the same events.
  const std::vector<std::string> common = {
      R"({"choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}]})",
      R"({"choices":[{"delta":{"content":"Hello"},"finish_reason":null}]})",
      R"({"choices":[{"delta":{"content":" there"},"finish_reason":"stop"}]})",
      R"({"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}})"};
  auto decode = [](const std::vector<std::string> &chunks, bool unusual) {
    std::string body;
    for (std::string chunk : chunks) {
      if (unusual)
        chunk.insert(1, R"("error":null,)");
      body += "data: " + chunk + "\n\n";
    }
    body += "data: [DONE]\n\n";
    HttpResponseHead head;
    head.status = 200;
    head.headers = {{"Content-Type", "text/event-stream"}};
    auto decoder = openai::make_stream_decoder(head);
    auto events = decoder.feed(body);
    auto rest = decoder.finish();
    events.insert(events.end(), rest.begin(), rest.end());
    return described(events);
  };
  EXPECT_EQ(decode(common, false), decode(common, true));
  EXPECT_EQ(decode(common, false).size(), 4u); // "Hello", " there", usage, finish
}

} // namespace
} // namespace imc

// Anthropic Messages adapter: request shape, responses, named-event streams, errors.
#include "imc/base64.h"
#include "imc/providers/anthropic.h"
#include "test_provider_support.h"

#include <gtest/gtest.h>

namespace imc {
namespace {

using nlohmann::json;
using test::described;

Endpoint claude() {
  Endpoint e;
  e.name = "claude";
  e.protocol = Protocol::anthropic;
  e.base_url = "https://api.anthropic.com";
  e.model = "claude-sonnet-4-6";
  e.auth.type = AuthType::api_key_header;
  e.auth.api_key_env = "ANTHROPIC_API_KEY";
  return e;
}

test::DecoderFactory decoder(HttpResponseHead head = test::sse_head()) {
  return [head] { return anthropic::make_stream_decoder(head); };
}

TEST(AnthropicRequest, BuildsMessagesWithBase64ImageBlocksAndTopLevelSystem) {
  const std::string jpeg = test::noise_image(5, 4, true);
  ChatRequest request = test::sample_request(true, jpeg);
  request.turns[0].content[0] = test::image_part(jpeg, "image/png"); // declared type is wrong
  const auto http = anthropic::build_request(claude(), request);
  ASSERT_TRUE(http) << format_errors(http.errors());
  EXPECT_EQ(http->url, "https://api.anthropic.com/v1/messages");
  EXPECT_EQ(*find_header(http->headers, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(*find_header(http->headers, "accept"), "text/event-stream");
  ASSERT_EQ(http->auth.size(), 1u);
  EXPECT_EQ(std::get<EnvSecretHeader>(http->auth[0]).header, "x-api-key");
  EXPECT_EQ(std::get<EnvSecretHeader>(http->auth[0]).env, "ANTHROPIC_API_KEY");

  const json body = test::body_json(*http);
  EXPECT_EQ(body["model"], "claude-sonnet-4-6");
  EXPECT_EQ(body["max_tokens"], 256);
  EXPECT_EQ(body["system"], "You are a careful clinician.");
  const json expected_messages = {
      {{"role", "user"},
       {"content",
        {{{"type", "image"},
          {"source",
           {{"type", "base64"}, {"media_type", "image/jpeg"}, {"data", base64_encode(jpeg)}}}},
         {{"type", "text"}, {"text", "Is this mole worrying?"}}}}},
      {{"role", "assistant"},
       {"content", {{{"type", "text"}, {"text", "How long has it been there?"}}}}},
      {{"role", "user"}, {"content", {{{"type", "text"}, {"text", "Two months."}}}}}};
  EXPECT_EQ(body["messages"], expected_messages);
  EXPECT_EQ(body["temperature"], 0.2);
  EXPECT_EQ(body["top_p"], 0.9);
  EXPECT_EQ(body["stop_sequences"], json::array({"END"}));
  EXPECT_EQ(body["stream"], true);
}

TEST(AnthropicRequest, MaxTokensIsAlwaysSentAndV1BaseUrlsAreNotDoubled) {
  Endpoint e = claude();
  e.base_url = "https://proxy.example/anthropic/v1/";
  ChatRequest request;
  request.turns.push_back(user_text("hi"));
  const auto http = anthropic::build_request(e, request);
  ASSERT_TRUE(http);
  EXPECT_EQ(http->url, "https://proxy.example/anthropic/v1/messages");
  const json body = test::body_json(*http);
  EXPECT_EQ(body["max_tokens"], anthropic::kDefaultMaxTokens);
  EXPECT_FALSE(body.contains("system"));
  EXPECT_FALSE(body.contains("stream"));
}

TEST(AnthropicRequest, ConfigMayPinAnotherApiVersion) {
  Endpoint e = claude();
  e.extra_headers = {{"anthropic-version", "2024-01-01"}};
  ChatRequest request;
  request.turns.push_back(user_text("hi"));
  const auto http = anthropic::build_request(e, request);
  ASSERT_TRUE(http);
  int count = 0;
  for (const auto &[name, value] : http->headers)
    count += name == "anthropic-version";
  EXPECT_EQ(count, 1);
  EXPECT_EQ(*find_header(http->headers, "anthropic-version"), "2024-01-01");
}

TEST(AnthropicResponse, DecodesTextBlocksUsageWithCacheAndStopReason) {
  const auto events = anthropic::decode_response(test::json_head(),
                                                 test::provider_sample("anthropic_response.json"));
  EXPECT_EQ(described(events),
            (std::vector<std::string>{"text \"Hi! \"", "text \"How can I help?\"", "usage 2110/503",
                                      "finish length (max_tokens)"}));
}

TEST(AnthropicStream, DecodesTheDocumentedEventFlowAtEverySplit) {
  const auto events =
      test::decode_every_split(decoder(), test::provider_sample("anthropic_stream.sse"));
  EXPECT_EQ(described(events), (std::vector<std::string>{"usage 25/1", "text \"Hello\"",
                                                         "text \", I\xE2\x80\x99m here to help.\"",
                                                         "usage 25/15", "finish stop (end_turn)"}));
}

TEST(AnthropicStream, ErrorEventBecomesAStreamErrorAfterThePartialText) {
  const auto events =
      test::decode_every_split(decoder(), test::provider_sample("anthropic_stream_error.sse"));
  EXPECT_EQ(described(events),
            (std::vector<std::string>{"usage 25/1", "text \"Hello\"",
                                      "error overloaded: overloaded_error: Overloaded"}));
}

TEST(AnthropicStream, TruncationBeforeTheStopReasonIsAProtocolError) {
  const std::string stream = test::provider_sample("anthropic_stream.sse");
  const size_t delta_end = stream.find("\n\n", stream.find("event: message_delta")) + 2;
  for (size_t cut = 0; cut < delta_end; ++cut) {
    const auto error = test::last_error(test::decode_whole_body(decoder(), stream.substr(0, cut)));
    EXPECT_EQ(error.kind, ErrorKind::protocol) << "cut at " << cut;
  }
  // After message_delta the reply is known to be whole; message_stop only confirms it.
  const auto events = test::decode_whole_body(decoder(), stream.substr(0, delta_end));
  EXPECT_EQ(described(events).back(), "finish stop (end_turn)");
}

TEST(AnthropicStream, IgnoresUnknownEventsAndNonTextDeltas) {
  const auto events = test::decode_every_split(
      decoder(), "event: message_start\ndata: "
                 "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3,\"output_"
                 "tokens\":0}}}\n\n"
                 "event: content_block_delta\ndata: "
                 "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_"
                 "delta\",\"thinking\":\"hmm\"}}\n\n"
                 "event: brand_new_event\ndata: {\"type\":\"brand_new_event\",\"x\":1}\n\n"
                 "event: content_block_delta\ndata: "
                 "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\","
                 "\"text\":\"Ok\"}}\n\n"
                 "event: message_delta\ndata: "
                 "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"refusal\"},\"usage\":{"
                 "\"output_tokens\":2}}\n\n"
                 "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  EXPECT_EQ(described(events), (std::vector<std::string>{"usage 3/0", "text \"Ok\"", "usage 3/2",
                                                         "finish content_filter (refusal)"}));
}

TEST(AnthropicErrors, Status529IsOverloadedWithRetryAfter) {
  const auto error = test::last_error(anthropic::decode_response(
      test::head_with(529, {{"content-type", "application/json"}, {"retry-after", "5"}}),
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
  EXPECT_EQ(error, (StreamError{ErrorKind::overloaded, "HTTP 529 overloaded_error: Overloaded",
                                5000, 529}));
}

TEST(AnthropicErrors, BadRequestQuotesTheMessage) {
  const auto error = test::last_error(test::decode_whole_body(
      decoder(test::json_head(400)),
      R"({"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}})"));
  EXPECT_EQ(error.kind, ErrorKind::bad_request);
  EXPECT_EQ(error.message, "HTTP 400 invalid_request_error: messages: roles must alternate");
}

} // namespace
} // namespace imc

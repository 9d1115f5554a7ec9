// Bedrock Converse adapter: request shape, responses, eventstream streams, exceptions, errors.
#include "imc/base64.h"
#include "imc/eventstream.h"
#include "imc/providers/bedrock.h"
#include "test_provider_support.h"

#include <gtest/gtest.h>

namespace imc {
namespace {

using nlohmann::json;
using test::described;

Endpoint claude_on_bedrock() {
  Endpoint e;
  e.name = "bedrock-claude";
  e.protocol = Protocol::bedrock;
  e.base_url = "https://bedrock-runtime.eu-west-1.amazonaws.com";
  e.model = "anthropic.claude-sonnet-4-6-v1:0";
  e.auth.type = AuthType::sigv4;
  return e;
}

HttpResponseHead stream_head() {
  return test::head_with(200, {{"content-type", "application/vnd.amazon.eventstream"}});
}

test::DecoderFactory decoder(HttpResponseHead head = stream_head()) {
  return [head] { return bedrock::make_stream_decoder(head); };
}

// One ConverseStream frame as Bedrock sends it (with its "p" padding field).
std::string event(const std::string &type, const std::string &payload) {
  EventStreamMessage m;
  m.headers.push_back(EventStreamHeader::string_value(":event-type", type));
  m.headers.push_back(EventStreamHeader::string_value(":content-type", "application/json"));
  m.headers.push_back(EventStreamHeader::string_value(":message-type", "event"));
  m.payload = payload;
  return *encode_event_stream_message(m);
}

std::string exception(const std::string &type, const std::string &message) {
  EventStreamMessage m;
  m.headers.push_back(EventStreamHeader::string_value(":exception-type", type));
  m.headers.push_back(EventStreamHeader::string_value(":content-type", "application/json"));
  m.headers.push_back(EventStreamHeader::string_value(":message-type", "exception"));
  m.payload = R"({"message":")" + message + R"("})";
  return *encode_event_stream_message(m);
}

const std::string kStart = event("messageStart", R"({"p":"abcd","role":"assistant"})");
const std::string kBlockStart =
    event("contentBlockStart", R"({"contentBlockIndex":0,"p":"ab","start":{}})");
const std::string kDelta1 =
    event("contentBlockDelta",
          R"({"contentBlockIndex":0,"delta":{"text":"Book a review"},"p":"abcdefgh"})");
const std::string kDelta2 = event(
    "contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":" in two weeks."},"p":"abc"})");
const std::string kBlockStop = event("contentBlockStop", R"({"contentBlockIndex":0,"p":"abcdef"})");
const std::string kStop = event("messageStop", R"({"p":"abcdefghij","stopReason":"end_turn"})");
const std::string kMetadata = event(
    "metadata",
    R"({"metrics":{"latencyMs":412},"p":"abc","usage":{"inputTokens":125,"outputTokens":9,"totalTokens":134}})");

TEST(BedrockRequest, BuildsConverseStreamWithImageBlocksAndSystemList) {
  const std::string jpeg = test::noise_image(4, 4, true);
  ChatRequest request = test::sample_request(true, jpeg);
  request.turns[0].content[0] = test::image_part(jpeg, "image/jpeg");
  const auto http = bedrock::build_request(claude_on_bedrock(), request);
  ASSERT_TRUE(http) << format_errors(http.errors());
  EXPECT_EQ(http->url, "https://bedrock-runtime.eu-west-1.amazonaws.com/model/"
                       "anthropic.claude-sonnet-4-6-v1%3A0/converse-stream");
  EXPECT_EQ(*find_header(http->headers, "accept"), "application/vnd.amazon.eventstream");
  ASSERT_EQ(http->auth.size(), 1u);
  const auto &sigv4 = std::get<SigV4Signing>(http->auth[0]);
  EXPECT_EQ(sigv4.region, "eu-west-1");
  EXPECT_EQ(sigv4.service, "bedrock");
  EXPECT_EQ(sigv4.access_key_id_env, "AWS_ACCESS_KEY_ID");
  EXPECT_EQ(sigv4.secret_access_key_env, "AWS_SECRET_ACCESS_KEY");

  const json body = test::body_json(*http);
  EXPECT_FALSE(body.contains("modelId"));
  const json expected_messages = {
      {{"role", "user"},
       {"content",
        {{{"image", {{"format", "jpeg"}, {"source", {{"bytes", base64_encode(jpeg)}}}}}},
         {{"text", "Is this mole worrying?"}}}}},
      {{"role", "assistant"}, {"content", {{{"text", "How long has it been there?"}}}}},
      {{"role", "user"}, {"content", {{{"text", "Two months."}}}}}};
  EXPECT_EQ(body["messages"], expected_messages);
  EXPECT_EQ(body["system"], json::array({{{"text", "You are a careful clinician."}}}));
  EXPECT_EQ(
      body["inferenceConfig"],
      json({{"maxTokens", 256}, {"temperature", 0.2}, {"topP", 0.9}, {"stopSequences", {"END"}}}));
}

TEST(BedrockRequest, DerivesTheUrlFromTheRegionAndTakesABedrockApiKey) {
  Endpoint e = claude_on_bedrock();
  e.base_url.clear();
  e.auth = {};
  e.auth.type = AuthType::bedrock_api_key;
  e.auth.api_key_env = "AWS_BEARER_TOKEN_BEDROCK";
  e.auth.region = "us-east-1";
  ChatRequest request;
  request.turns.push_back(user_text("hi"));
  const auto http = bedrock::build_request(e, request);
  ASSERT_TRUE(http) << format_errors(http.errors());
  EXPECT_EQ(http->url, "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
                       "anthropic.claude-sonnet-4-6-v1%3A0/converse");
  const auto &need = std::get<EnvSecretHeader>(http->auth[0]);
  EXPECT_EQ(need.header, "authorization");
  EXPECT_EQ(need.env, "AWS_BEARER_TOKEN_BEDROCK");
  EXPECT_FALSE(test::body_json(*http).contains("inferenceConfig"));
}

TEST(BedrockRequest, SigV4WithoutAnyRegionIsAConfigError) {
  Endpoint e = claude_on_bedrock();
  e.base_url = "https://bedrock.proxy.example";
  ChatRequest request;
  request.turns.push_back(user_text("hi"));
  const auto http = bedrock::build_request(e, request);
  ASSERT_FALSE(http);
  EXPECT_EQ(http.errors()[0].message(),
            "endpoint bedrock-claude: /auth/region: expected an AWS region, found none");
}

TEST(BedrockResponse, DecodesConverseOutput) {
  const auto events =
      bedrock::decode_response(test::json_head(), test::provider_sample("bedrock_response.json"));
  EXPECT_EQ(described(events),
            (std::vector<std::string>{"text \"Book a review \"", "text \"within two weeks.\"",
                                      "usage 125/60", "finish stop (end_turn)"}));
}

TEST(BedrockStream, DecodesConverseStreamEventsAtEverySplit) {
  const std::string stream =
      kStart + kBlockStart + kDelta1 + kDelta2 + kBlockStop + kStop + kMetadata;
  const auto events = test::decode_every_split(decoder(), stream);
  EXPECT_EQ(described(events),
            (std::vector<std::string>{"text \"Book a review\"", "text \" in two weeks.\"",
                                      "usage 125/9", "finish stop (end_turn)"}));
}

TEST(BedrockStream, ThrottlingExceptionIsRateLimited) {
  const std::string stream =
      kStart + kDelta1 + exception("throttlingException", "Too many tokens, please wait.");
  const auto events = test::decode_every_split(decoder(), stream);
  EXPECT_EQ(described(events),
            (std::vector<std::string>{
                "text \"Book a review\"",
                "error rate_limited: throttlingException: Too many tokens, please wait."}));
}

TEST(BedrockStream, OtherExceptionsMapToTheirKinds) {
  const std::vector<std::pair<std::string, ErrorKind>> cases{
      {"serviceUnavailableException", ErrorKind::overloaded},
      {"internalServerException", ErrorKind::server},
      {"modelStreamErrorException", ErrorKind::server},
      {"validationException", ErrorKind::bad_request},
      {"modelTimeoutException", ErrorKind::timeout},
      {"somethingNewException", ErrorKind::server}};
  for (const auto &[type, kind] : cases) {
    const auto events = test::decode_whole_body(decoder(), kStart + exception(type, "x"));
    EXPECT_EQ(test::last_error(events).kind, kind) << type;
  }
}

TEST(BedrockStream, CorruptFrameIsAProtocolError) {
  std::string corrupt = kDelta2;
  corrupt[corrupt.size() - 10] ^= 0x20;
  const auto events = test::decode_whole_body(decoder(), kStart + kDelta1 + corrupt + kStop);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(describe(events[0]), "text \"Book a review\"");
  EXPECT_EQ(test::last_error(events).kind, ErrorKind::protocol);
  EXPECT_NE(test::last_error(events).message.find("eventstream: message CRC mismatch"),
            std::string::npos);
}

TEST(BedrockStream, TruncationBeforeMessageStopIsAProtocolError) {
  const std::string stream = kStart + kDelta1 + kDelta2 + kStop + kMetadata;
  const size_t stop_end = kStart.size() + kDelta1.size() + kDelta2.size() + kStop.size();
  for (size_t cut = 0; cut < stop_end; ++cut) {
    const auto error = test::last_error(test::decode_whole_body(decoder(), stream.substr(0, cut)));
    EXPECT_EQ(error.kind, ErrorKind::protocol) << "cut at " << cut;
    EXPECT_EQ(error.message.rfind("stream ended before completion", 0), 0u);
  }
  // Ending after messageStop loses only the usage.
  EXPECT_EQ(described(test::decode_whole_body(decoder(), stream.substr(0, stop_end))).back(),
            "finish stop (end_turn)");
}

TEST(BedrockErrors, ReadsTheAmznErrorTypeHeader) {
  const auto error = test::last_error(test::decode_whole_body(
      decoder(test::head_with(
          400, {{"content-type", "application/json"},
                {"x-amzn-ErrorType", "ValidationException:http://internal.amazon.com/coral/"
                                     "com.amazon.bedrock/"}})),
      R"({"message":"The model returned the following errors: messages.0: bad"})"));
  EXPECT_EQ(error.kind, ErrorKind::bad_request);
  EXPECT_EQ(
      error.message,
      "HTTP 400 ValidationException: The model returned the following errors: messages.0: bad");
  const auto throttled = test::last_error(
      bedrock::decode_response(test::head_with(429, {{"x-amzn-ErrorType", "ThrottlingException"}}),
                               R"({"Message":"Too many requests"})"));
  EXPECT_EQ(throttled.kind, ErrorKind::rate_limited);
  EXPECT_EQ(throttled.message, "HTTP 429 ThrottlingException: Too many requests");
}

} // namespace
} // namespace imc

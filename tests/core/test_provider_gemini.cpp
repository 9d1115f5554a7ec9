// Gemini generateContent adapter: request shape, responses, SSE without [DONE], errors.
#include "imc/base64.h"
#include "imc/provider.h"
#include "imc/providers/gemini.h"
#include "test_provider_support.h"

#include <gtest/gtest.h>

namespace imc {
namespace {

using nlohmann::json;
using test::described;

Endpoint gemini_flash() {
  Endpoint e;
  e.name = "gemini";
  e.protocol = Protocol::gemini;
  e.base_url = "https://generativelanguage.googleapis.com";
  e.model = "gemini-2.5-flash";
  e.auth.type = AuthType::api_key_header;
  e.auth.api_key_env = "GEMINI_API_KEY";
  return e;
}

test::DecoderFactory decoder(HttpResponseHead head = test::sse_head()) {
  return [head] { return gemini::make_stream_decoder(head); };
}

TEST(GeminiRequest, BuildsContentsWithInlineDataAndSystemInstruction) {
  const std::string png = test::noise_image(3, 3, false);
  const auto http = gemini::build_request(gemini_flash(), test::sample_request(true, png));
  ASSERT_TRUE(http) << format_errors(http.errors());
  EXPECT_EQ(http->url, "https://generativelanguage.googleapis.com/v1beta/models/"
                       "gemini-2.5-flash:streamGenerateContent?alt=sse");
  ASSERT_EQ(http->auth.size(), 1u);
  EXPECT_EQ(std::get<EnvSecretHeader>(http->auth[0]).header, "x-goog-api-key");

  const json body = test::body_json(*http);
  EXPECT_EQ(body["systemInstruction"],
            json({{"parts", {{{"text", "You are a careful clinician."}}}}}));
  const json expected_contents = {
      {{"role", "user"},
       {"parts",
        {{{"inline_data", {{"mime_type", "image/png"}, {"data", base64_encode(png)}}}},
         {{"text", "Is this mole worrying?"}}}}},
      {{"role", "model"}, {"parts", {{{"text", "How long has it been there?"}}}}},
      {{"role", "user"}, {"parts", {{{"text", "Two months."}}}}}};
  EXPECT_EQ(body["contents"], expected_contents);
  EXPECT_EQ(body["generationConfig"], json({{"temperature", 0.2},
                                            {"maxOutputTokens", 256},
                                            {"topP", 0.9},
                                            {"stopSequences", {"END"}}}));
}

TEST(GeminiRequest, KeepsAVersionedBaseUrlAndAcceptsModelsPrefix) {
  Endpoint e = gemini_flash();
  e.base_url = "https://generativelanguage.googleapis.com/v1/";
  e.model = "models/gemini-2.5-pro";
  ChatRequest request;
  request.turns.push_back(user_text("hi"));
  const auto http = gemini::build_request(e, request);
  ASSERT_TRUE(http);
  EXPECT_EQ(http->url,
            "https://generativelanguage.googleapis.com/v1/models/gemini-2.5-pro:generateContent");
  const json body = test::body_json(*http);
  EXPECT_FALSE(body.contains("generationConfig"));
  EXPECT_FALSE(body.contains("systemInstruction"));
}

TEST(GeminiRequest, GifIsNotAcceptedUntilFitted) {
  ChatRequest request;
  ChatTurn turn;
  turn.content.emplace_back(ImagePart{"image/gif", "GIF89a\x01\x00\x01\x00", "x.gif"});
  request.turns.push_back(turn);
  const auto http = gemini::build_request(gemini_flash(), request);
  ASSERT_FALSE(http);
  EXPECT_EQ(http.errors()[0].message(),
            "chat request: /turns/0/content/0: expected one of image/jpeg, image/png, image/webp "
            "(fit_image converts), found x.gif: image/gif");
  EXPECT_EQ(to_stream_error(http.errors()).kind, ErrorKind::unsupported);
}

TEST(GeminiResponse, DecodesPartsUsageAndFinishReason) {
  const auto events =
      gemini::decode_response(test::json_head(), test::provider_sample("gemini_response.json"));
  EXPECT_EQ(described(events),
            (std::vector<std::string>{"text \"It is \"", "text \"benign.\"", "usage 4/2",
                                      "finish length (MAX_TOKENS)"}));
}

TEST(GeminiStream, DecodesCrlfSseWithoutDoneAtEverySplit) {
  const auto events =
      test::decode_every_split(decoder(), test::provider_sample("gemini_stream.sse"));
  EXPECT_EQ(described(events),
            (std::vector<std::string>{"usage 1290/0", "text \"This looks like a\"", "usage 1290/4",
                                      "text \" seborrheic keratosis.\"", "usage 1290/40",
                                      "finish stop (STOP)"}));
}

TEST(GeminiStream, EndingBeforeTheFinishReasonIsAProtocolError) {
  const std::string stream = test::provider_sample("gemini_stream.sse");
  const std::string truncated = stream.substr(0, stream.find("\"finishReason\""));
  const auto events = test::decode_whole_body(decoder(), truncated);
  EXPECT_EQ(described(events).back(),
            "error protocol: stream ended before completion (inside an event)");
  const size_t second_event_end = stream.find("\r\n\r\n", stream.find("This looks")) + 4;
  EXPECT_EQ(
      described(test::decode_whole_body(decoder(), stream.substr(0, second_event_end))).back(),
      "error protocol: stream ended before completion");
}

TEST(GeminiStream, BlockedPromptFinishesAsContentFilter) {
  const auto events = test::decode_every_split(
      decoder(), "data: {\"promptFeedback\":{\"blockReason\":\"SAFETY\"},\"usageMetadata\":"
                 "{\"promptTokenCount\":7,\"totalTokenCount\":7}}\r\n\r\n");
  EXPECT_EQ(described(events),
            (std::vector<std::string>{"usage 7/0", "finish content_filter (SAFETY)"}));
}

TEST(GeminiErrors, RateLimitTakesRetryInfoDelay) {
  const std::string body = R"({"error":{"code":429,"message":"Resource has been exhausted",
    "status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo",
    "retryDelay":"31s"}]}})";
  const auto error = test::last_error(gemini::decode_response(test::json_head(429), body));
  EXPECT_EQ(error,
            (StreamError{ErrorKind::rate_limited,
                         "HTTP 429 RESOURCE_EXHAUSTED: Resource has been exhausted", 31000, 429}));
}

TEST(GeminiErrors, ErrorChunkInsideTheStream) {
  const auto events = test::decode_every_split(
      decoder(), "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"A\"}]}}]}\r\n\r\n"
                 "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\","
                 "\"status\":\"UNAVAILABLE\"}}\r\n\r\n");
  EXPECT_EQ(described(events),
            (std::vector<std::string>{"text \"A\"",
                                      "error overloaded: UNAVAILABLE: The model is overloaded."}));
}

TEST(GeminiErrors, InvalidArgumentIsABadRequest) {
  const auto error = test::last_error(test::decode_whole_body(
      decoder(test::json_head(400)),
      R"([{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}])"));
  EXPECT_EQ(error.kind, ErrorKind::bad_request);
  EXPECT_EQ(error.message, "HTTP 400 INVALID_ARGUMENT: API key not valid.");
}

} // namespace
} // namespace imc

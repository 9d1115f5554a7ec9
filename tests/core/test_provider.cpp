// The provider front door: parameters, dispatch by protocol, build errors as normalised errors.
#include "imc/image_fit.h"
#include "imc/provider.h"
#include "test_provider_support.h"

#include <gtest/gtest.h>

namespace imc {
namespace {

using test::described;

Endpoint endpoint_for(Protocol protocol, std::string base_url) {
  Endpoint e;
  e.name = "e";
  e.protocol = protocol;
  e.base_url = std::move(base_url);
  e.model = "m";
  return e;
}

ChatRequest hello(bool stream = false) {
  ChatRequest r;
  r.turns.push_back(user_text("hello"));
  r.parameters.stream = stream;
  return r;
}

TEST(EffectiveParameters, RequestWinsOverEndpointDefaults) {
  Endpoint e = endpoint_for(Protocol::openai, "http://h/v1");
  e.defaults.temperature = 0.5;
  e.defaults.max_tokens = 100;
  ChatParameters p;
  p.temperature = 0.0;
  p.stream = true;
  const ChatParameters out = effective_parameters(e, p);
  EXPECT_EQ(out.temperature, 0.0);
  EXPECT_EQ(out.max_tokens, 100);
  EXPECT_TRUE(out.stream);
  e.capabilities.streaming = false;
  EXPECT_FALSE(effective_parameters(e, p).stream);
}

TEST(BuildChatRequest, DispatchesOnTheEndpointsProtocol) {
  EXPECT_EQ(build_chat_request(endpoint_for(Protocol::openai, "http://h/v1"), hello())->url,
            "http://h/v1/chat/completions");
  EXPECT_EQ(build_chat_request(endpoint_for(Protocol::anthropic, "http://h"), hello())->url,
            "http://h/v1/messages");
  EXPECT_EQ(build_chat_request(endpoint_for(Protocol::bedrock, "http://h"), hello(true))->url,
            "http://h/model/m/converse-stream");
  EXPECT_EQ(build_chat_request(endpoint_for(Protocol::gemini, "http://h"), hello())->url,
            "http://h/v1beta/models/m:generateContent");
}

TEST(BuildChatRequest, ReportsEveryEndpointProblemAsConfig) {
  Endpoint e = endpoint_for(Protocol::openai, "localhost:8080");
  e.model.clear();
  e.auth.type = AuthType::bearer;
  const auto http = build_chat_request(e, hello());
  ASSERT_FALSE(http);
  EXPECT_EQ(format_errors(http.errors()),
            "endpoint e: /model: expected a model id, found an empty string\n"
            "endpoint e: /base_url: expected an http:// or https:// URL, found \"localhost:8080\"\n"
            "endpoint e: /auth/api_key_env: expected the name of an environment variable, found "
            "an empty string\n");
  const StreamError error = to_stream_error(http.errors());
  EXPECT_EQ(error.kind, ErrorKind::config);
  const std::string listed = format_errors(http.errors());
  EXPECT_EQ(error.message, listed.substr(0, listed.size() - 1)); // without the final newline
}

TEST(BuildChatRequest, ReportsRequestProblemsAsUnsupported) {
  ChatRequest empty;
  auto http = build_chat_request(endpoint_for(Protocol::anthropic, "http://h"), empty);
  ASSERT_FALSE(http);
  EXPECT_EQ(http.errors()[0].message(),
            "chat request: /turns: expected at least one turn, found none");
  EXPECT_EQ(to_stream_error(http.errors()).kind, ErrorKind::unsupported);

  ChatRequest odd = hello();
  ChatTurn reply;
  reply.role = ChatRole::assistant;
  reply.content.emplace_back(test::image_part(test::noise_image(2, 2, false)));
  odd.turns.push_back(reply);
  odd.turns.push_back(user_text(""));
  http = build_chat_request(endpoint_for(Protocol::openai, "http://h/v1"), odd);
  ASSERT_FALSE(http);
  ASSERT_EQ(http.errors().size(), 2u);
  EXPECT_EQ(http.errors()[0].expected, "images in user turns only");
  EXPECT_EQ(http.errors()[1].pointer, "/turns/2");
}

TEST(BuildChatRequest, RefusesImagesOverTheProvidersLimitsUntilFitted) {
  const std::string big = test::noise_image(9000, 10, false);
  ChatRequest request;
  ChatTurn turn;
  turn.content.emplace_back(test::image_part(big));
  turn.content.emplace_back(TextPart{"what is this?"});
  request.turns.push_back(turn);
  const Endpoint e = endpoint_for(Protocol::anthropic, "http://h");
  const auto refused = build_chat_request(e, request);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.errors()[0].expected, "a long side of at most 8000 px (fit_image shrinks)");

  ASSERT_TRUE(fit_request_images(request, Protocol::anthropic));
  const auto &fitted = std::get<ImagePart>(request.turns[0].content[0]);
  EXPECT_EQ(fitted.mime_type, "image/jpeg");
  EXPECT_EQ(image_size(fitted.bytes)->width, 8000);
  EXPECT_TRUE(build_chat_request(e, request));
}

TEST(FitRequestImages, NamesImagesThatCannotBeFitted) {
  ChatRequest request;
  ChatTurn turn;
  turn.content.emplace_back(ImagePart{"image/png", "not an image", "images/broken.png"});
  request.turns.push_back(turn);
  const auto status = fit_request_images(request, Protocol::openai);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.errors()[0].message(),
            "images/broken.png: expected a JPEG, PNG, GIF or WebP image, found unrecognised bytes");
}

TEST(DecodeChatResponse, DispatchesOnProtocol) {
  const auto head = test::json_head();
  EXPECT_EQ(described(decode_chat_response(Protocol::gemini, head,
                                           test::provider_sample("gemini_response.json")))
                .back(),
            "finish length (MAX_TOKENS)");
  auto decoder = make_stream_decoder(Protocol::anthropic, test::sse_head());
  decoder.feed(test::provider_sample("anthropic_stream.sse"));
  EXPECT_TRUE(decoder.done());
  EXPECT_TRUE(decoder.finish().empty());
  EXPECT_TRUE(decoder.feed("data: more\n\n").empty());
}

TEST(StreamDecoder, BodyOverTheBufferCapIsAProtocolError) {
  auto decoder = make_stream_decoder(Protocol::openai, test::json_head(500));
  const std::string mebibyte(1 << 20, 'x');
  std::vector<ChatEvent> events;
  for (int i = 0; i < 17 && events.empty(); ++i)
    events = decoder.feed(mebibyte);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(describe(events[0]), "error protocol: response body larger than 16777216 bytes");
}

TEST(StreamDecoder, EmptyBodyIsTruncatedForStreamsAndInvalidForJson) {
  EXPECT_EQ(described(make_stream_decoder(Protocol::gemini, test::sse_head()).finish()),
            (std::vector<std::string>{"error protocol: stream ended before completion"}));
  auto json = make_stream_decoder(Protocol::bedrock, test::json_head());
  EXPECT_EQ(described(json.finish()),
            (std::vector<std::string>{"error protocol: invalid JSON in response: (empty body)"}));
}

} // namespace
} // namespace imc

// A real model server through the kit's own adapters and transport: llama.cpp's llama-server
// with the tiny models of ../shared/models (see tests/support/llama_server.h). The model writes
// nonsense, so these tests assert on protocol structure — deltas concatenate to the text, one
// finish, token counts — never on words.
#include "endpoints_check.h"
#include "support/llama_server.h"
#include "transport/http_transport.h"

#include "imc/provider.h"

#include <gtest/gtest.h>

#include <memory>

namespace imc::test {
namespace {

using namespace imc::transport;

class LlamaServerTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() { server_ = std::make_unique<LlamaServer>(); }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { ASSERT_TRUE(server_->ok()) << server_->error(); }

  static Endpoint endpoint(Protocol protocol, const std::string &base_url) {
    Endpoint e;
    e.name = std::string("llama-") + to_string(protocol);
    e.protocol = protocol;
    e.base_url = protocol == Protocol::openai ? base_url + "/v1" : base_url;
    e.model = "stories260K";
    e.timeouts = {5000, 30000, 60000};
    return e;
  }
  static Endpoint endpoint(Protocol protocol) { return endpoint(protocol, server_->base_url()); }

  static std::unique_ptr<LlamaServer> server_;
};
std::unique_ptr<LlamaServer> LlamaServerTest::server_;

ChatRequest request(bool stream, bool image, int max_tokens = 24) {
  ChatRequest r;
  r.system = "You are a storyteller.";
  ChatTurn turn;
  if (image)
    turn.content.push_back(ImagePart{"image/png", imc::cli::probe_png(64), "probe.png"});
  turn.content.push_back(TextPart{"Tell me a story about a cat."});
  r.turns = {turn};
  r.parameters.max_tokens = max_tokens;
  r.parameters.stream = stream;
  return r;
}

struct Observed {
  std::vector<ChatEvent> events;
  CallOptions options() {
    CallOptions o;
    o.on_event = [this](const ChatEvent &e) { events.push_back(e); };
    return o;
  }
  size_t deltas() const {
    size_t n = 0;
    for (const auto &e : events)
      n += std::holds_alternative<TextDelta>(e);
    return n;
  }
  std::string joined() const {
    std::string out;
    for (const auto &e : events)
      if (const auto *d = std::get_if<TextDelta>(&e))
        out += d->text;
    return out;
  }
};

// The structure every successful reply has, whatever the words.
void expect_complete_reply(const CallResult &r, const Observed &seen, bool streamed) {
  ASSERT_TRUE(r.response.complete()) << r.wire_log.status << ": " << r.wire_log.error_message;
  ASSERT_FALSE(seen.events.empty());
  EXPECT_TRUE(std::holds_alternative<Finish>(seen.events.back()));
  for (size_t i = 0; i + 1 < seen.events.size(); ++i)
    EXPECT_FALSE(is_terminal(seen.events[i]));
  EXPECT_FALSE(r.response.text.empty());
  EXPECT_EQ(seen.joined(), r.response.text);
  if (streamed)
    EXPECT_GE(seen.deltas(), 2u) << "a streamed reply arrives in pieces";
  else
    EXPECT_EQ(seen.deltas(), 1u);
  const FinishReason reason = r.response.finish->reason;
  EXPECT_TRUE(reason == FinishReason::stop || reason == FinishReason::length) << to_string(reason);
  ASSERT_TRUE(r.response.usage);
  EXPECT_GT(r.response.usage->input_tokens, 0);
  EXPECT_GT(r.response.usage->output_tokens, 0);
  EXPECT_LE(r.response.usage->output_tokens, 24);
  EXPECT_EQ(r.wire_log.status, "ok");
  EXPECT_EQ(r.wire_log.http_status, 200);
}

TEST_F(LlamaServerTest, OpenAiRoutePlain) {
  HttpTransport transport;
  Observed seen;
  const auto r = transport.chat(endpoint(Protocol::openai), request(false, false), seen.options());
  expect_complete_reply(r, seen, false);
}

TEST_F(LlamaServerTest, OpenAiRouteStreamed) {
  HttpTransport transport;
  Observed seen;
  const auto r = transport.chat(endpoint(Protocol::openai), request(true, false), seen.options());
  expect_complete_reply(r, seen, true);
  EXPECT_TRUE(r.wire_log.ttft_ms.has_value());
}

TEST_F(LlamaServerTest, OpenAiRouteWithAnImage) {
  HttpTransport transport;
  Observed seen;
  const auto r = transport.chat(endpoint(Protocol::openai), request(false, true), seen.options());
  expect_complete_reply(r, seen, false);
}

TEST_F(LlamaServerTest, OpenAiRouteStreamedWithAnImage) {
  HttpTransport transport;
  Observed seen;
  const auto r = transport.chat(endpoint(Protocol::openai), request(true, true), seen.options());
  expect_complete_reply(r, seen, true);
}

TEST_F(LlamaServerTest, AnthropicRoutePlain) {
  HttpTransport transport;
  Observed seen;
  const auto r =
      transport.chat(endpoint(Protocol::anthropic), request(false, false), seen.options());
  expect_complete_reply(r, seen, false);
}

TEST_F(LlamaServerTest, AnthropicRouteStreamed) {
  HttpTransport transport;
  Observed seen;
  const auto r =
      transport.chat(endpoint(Protocol::anthropic), request(true, false), seen.options());
  expect_complete_reply(r, seen, true);
}

TEST_F(LlamaServerTest, AnthropicRouteWithAnImage) {
  HttpTransport transport;
  Observed seen;
  const auto r =
      transport.chat(endpoint(Protocol::anthropic), request(false, true), seen.options());
  expect_complete_reply(r, seen, false);
}

TEST_F(LlamaServerTest, SecondCallReusesTheKeptAliveConnection) {
  HttpTransport transport;
  const Endpoint e = endpoint(Protocol::openai);
  ASSERT_TRUE(transport.chat(e, request(true, false, 8)).response.complete());
  const auto second = transport.chat(e, request(true, false, 8));
  ASSERT_TRUE(second.response.complete());
  EXPECT_TRUE(second.wire_log.attempts.at(0).reused_connection);
}

TEST(LlamaServerWithoutProjector, RejectsAnImageWithAClearError) {
  LlamaServer::Options options;
  options.mmproj = false;
  LlamaServer server(options);
  ASSERT_TRUE(server.ok()) << server.error();
  Endpoint e;
  e.name = "llama-no-mmproj";
  e.protocol = Protocol::openai;
  e.base_url = server.base_url() + "/v1";
  e.model = "stories260K";
  HttpTransport transport;
  Observed seen;
  const auto r = transport.chat(e, request(true, true), seen.options());
  ASSERT_TRUE(r.response.error) << "an image without a projector must fail";
  EXPECT_EQ(seen.deltas(), 0u);
  EXPECT_EQ(r.response.error->kind, ErrorKind::server);
  EXPECT_EQ(r.response.error->http_status, 500);
  // The server's own words are quoted, so a person knows what went wrong.
  EXPECT_NE(r.response.error->message.find("image input is not supported"), std::string::npos)
      << r.response.error->message;
  EXPECT_EQ(r.wire_log.attempts.size(), 1u); // a 500 is not retried
  // Text still works on the same server.
  EXPECT_TRUE(transport.chat(e, request(true, false)).response.complete());
}

} // namespace
} // namespace imc::test

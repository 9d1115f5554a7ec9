// The native transport against a protocol-faithful fake upstream (TransportFake, calls on the
// calling thread; TransportFakeAsync, the same tests through the event loop of chat_async):
// streaming for each provider, connection reuse, faults, retries, timeouts, cancellation, shared
// limits, secrets and the wire log. Every test is bounded in time; the faults end in the documented
// normalised error (or a successful retry), never a crash or a hang.
#include "native/test_store_support.h"
#include "support/fake_upstream.h"
#include "support/llama_server.h"
#include "transport/http_transport.h"
#include "transport/secrets.h"
#include "transport/wire_log_record.h"

#include "imc/provider.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

// test_transport_fake_async.cpp compiles this file again with every call through chat_async.
#ifndef TRANSPORT_SUITE
#define TRANSPORT_SUITE TransportFake
#define IMC_TRANSPORT_TESTS_ASYNC 0
#endif
// test_transport_fake_async_libcurl.cpp: through chat_async with libcurl as the loop's client
// (TransportOptions::own_http1_client false) rather than the loop's own HTTP/1.1 client.
#ifndef IMC_TRANSPORT_TESTS_LIBCURL
#define IMC_TRANSPORT_TESTS_LIBCURL 0
#endif

namespace imc::test {
namespace {

using namespace imc::transport;
using fake_reply::Tokens;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Each test gets endpoints of its own name, so the process-wide limiters never mix tests.
Endpoint endpoint_for(const FakeUpstream &fake, Protocol protocol, const std::string &name) {
  Endpoint e;
  e.name = name;
  e.protocol = protocol;
  e.base_url = fake.base_url() + (protocol == Protocol::openai ? "/v1" : "");
  e.model = "fake-model";
  if (protocol == Protocol::bedrock) {
    e.auth.type = AuthType::bedrock_api_key;
    e.auth.api_key_env = "FAKE_BEDROCK_KEY";
    e.auth.region = "us-east-1";
  }
  e.timeouts = {2000, 5000, 10000};
  return e;
}

ChatRequest hello(bool stream) {
  ChatRequest r;
  r.turns = {user_text("Hello")};
  r.parameters.max_tokens = 16;
  r.parameters.stream = stream;
  return r;
}

TransportOptions fast_options(std::map<std::string, std::string> env = {}) {
  TransportOptions o;
  env.emplace("FAKE_BEDROCK_KEY", "bedrock-key-value-123");
  o.env = [env](const std::string &name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end())
      return std::nullopt;
    return it->second;
  };
  o.random = [] { return 0.5; };
  o.own_http1_client = !IMC_TRANSPORT_TESTS_LIBCURL;
  o.retry.base_delay_ms = 20;
  o.retry.max_delay_ms = 100;
  return o;
}

struct Recorded {
  std::vector<ChatEvent> events;
  CallOptions options() {
    CallOptions o;
    o.on_event = [this](const ChatEvent &e) { events.push_back(e); };
    return o;
  }
  std::string text() const {
    std::string out;
    for (const auto &e : events)
      if (const auto *d = std::get_if<TextDelta>(&e))
        out += d->text;
    return out;
  }
  size_t deltas() const {
    size_t n = 0;
    for (const auto &e : events)
      n += std::holds_alternative<TextDelta>(e);
    return n;
  }
};

// One call, on the calling thread (chat) or on the transport's event loop (chat_async, waited
// for here).
CallResult call_chat(HttpTransport &transport, const Endpoint &endpoint, const ChatRequest &request,
                     const CallOptions &options = {}) {
#if IMC_TRANSPORT_TESTS_ASYNC
  std::promise<CallResult> result;
  auto future = result.get_future();
  transport.chat_async(endpoint, request, options,
                       [&result](CallResult r) { result.set_value(std::move(r)); });
  return future.get();
#else
  return transport.chat(endpoint, request, options);
#endif
}

std::string describe(const CallResult &r) {
  std::string out = "status " + r.wire_log.status + ": " + r.wire_log.error_message;
  return out + "\nwire log: " + serialize_wire_log(r.wire_log);
}

// The grammar of chat.h: text and usage, then exactly one terminal event, last.
void expect_grammar(const std::vector<ChatEvent> &events) {
  ASSERT_FALSE(events.empty());
  for (size_t i = 0; i + 1 < events.size(); ++i)
    EXPECT_FALSE(is_terminal(events[i]))
        << "terminal event before the end: " << describe(events[i]);
  EXPECT_TRUE(is_terminal(events.back()));
}

// ---------------------------------------------------------------------------------------------
// Streams and replies of each provider

TEST(TRANSPORT_SUITE, OpenAiStreamDeltasArriveInOrderAndFoldToTheText) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions",
              {fake_reply::openai_sse({"Hel", "lo", " world"}, "stop", Tokens{21, 3})});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-stream"),
                           hello(true), rec.options());
  ASSERT_TRUE(r.response.complete()) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(rec.deltas(), 3u);
  EXPECT_EQ(rec.text(), "Hello world");
  EXPECT_EQ(r.response.text, rec.text());
  EXPECT_EQ(r.response.finish->reason, FinishReason::stop);
  ASSERT_TRUE(r.response.usage);
  EXPECT_EQ(r.response.usage->input_tokens, 21);
  EXPECT_EQ(r.response.usage->output_tokens, 3);
  EXPECT_EQ(r.wire_log.status, "ok");
  EXPECT_EQ(r.wire_log.attempts.size(), 1u);
  EXPECT_TRUE(r.wire_log.ttft_ms.has_value());
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].body.find("\"stream\":true"), std::string::npos);
}

TEST(TRANSPORT_SUITE, WithoutWireLogBodiesTheLogKeepsHeadsTimingsAndOutcomeOnly) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions",
              {fake_reply::openai_sse({"Hel", "lo"}, "stop", Tokens{21, 3})});
  HttpTransport transport(fast_options());
  Recorded rec;
  CallOptions options = rec.options();
  options.wire_log_bodies = false;
  const auto r =
      call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-nobody"), hello(true), options);
  ASSERT_TRUE(r.response.complete()) << describe(r);
  EXPECT_EQ(rec.text(), "Hello"); // the events and the fold are whole
  EXPECT_EQ(r.response.text, "Hello");
  EXPECT_EQ(r.wire_log.status, "ok");
  EXPECT_EQ(r.wire_log.http_status, 200);
  EXPECT_TRUE(r.wire_log.ttft_ms.has_value());
  EXPECT_EQ(r.wire_log.attempts.size(), 1u);
  EXPECT_TRUE(r.wire_log.request.body.empty());
  EXPECT_FALSE(r.wire_log.request.url.empty());
  EXPECT_TRUE(r.wire_log.response_body.empty());
  EXPECT_GT(r.wire_log.response_bytes, 0);
  EXPECT_FALSE(r.wire_log.response.headers.empty());
  // The request went out whole all the same.
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].body.find("\"stream\":true"), std::string::npos);
}

TEST(TRANSPORT_SUITE, OpenAiJsonReplyIsOneDeltaAndAFinish) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions",
              {fake_reply::openai_json("Plain answer.", "length", Tokens{7, 16})});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-json"), hello(false),
                           rec.options());
  ASSERT_TRUE(r.response.complete()) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(r.response.text, "Plain answer.");
  EXPECT_EQ(r.response.finish->reason, FinishReason::length);
  EXPECT_EQ(r.response.usage->output_tokens, 16);
}

TEST(TRANSPORT_SUITE, AnthropicStreamWithPingEventsFoldsToTheText) {
  FakeUpstream fake;
  fake.script("POST", "/v1/messages",
              {fake_reply::anthropic_sse({"A", "n", "swer"}, "max_tokens", Tokens{30, 4})});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::anthropic, "an-stream"),
                           hello(true), rec.options());
  ASSERT_TRUE(r.response.complete()) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(rec.text(), "Answer");
  EXPECT_EQ(r.response.finish->reason, FinishReason::length);
  EXPECT_EQ(r.response.usage->input_tokens, 30);
  EXPECT_EQ(r.response.usage->output_tokens, 4);
  EXPECT_EQ(fake.requests()[0].header("anthropic-version"), "2023-06-01");
}

TEST(TRANSPORT_SUITE, GeminiStreamWithoutDoneMarkerCompletes) {
  FakeUpstream fake;
  fake.script("POST", "/v1beta/models/fake-model:streamGenerateContent",
              {fake_reply::gemini_sse({"Gem", "ini"}, "STOP", Tokens{9, 2})});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::gemini, "gm-stream"),
                           hello(true), rec.options());
  ASSERT_TRUE(r.response.complete()) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(rec.text(), "Gemini");
  EXPECT_EQ(r.response.finish->reason, FinishReason::stop);
  EXPECT_EQ(r.response.usage->output_tokens, 2);
  EXPECT_NE(fake.requests()[0].target.find("alt=sse"), std::string::npos);
}

TEST(TRANSPORT_SUITE, BedrockEventStreamFramesDecodeAsTheyArrive) {
  FakeUpstream fake;
  FakeReply reply = fake_reply::bedrock_eventstream({"Bed", "rock"}, "end_turn", Tokens{11, 2});
  reply.chunk_delay_ms = 5;
  fake.script("POST", "/model/fake-model/converse-stream", {reply});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::bedrock, "br-stream"),
                           hello(true), rec.options());
  ASSERT_TRUE(r.response.complete()) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(rec.text(), "Bedrock");
  EXPECT_EQ(r.response.usage->input_tokens, 11);
  // The Bedrock API key went out as a bearer token and is redacted in the log.
  EXPECT_EQ(fake.requests()[0].header("authorization"), "Bearer bedrock-key-value-123");
  EXPECT_EQ(serialize_wire_log(r.wire_log).find("bedrock-key-value-123"), std::string::npos);
  EXPECT_EQ(r.wire_log.response_body.size(), reply.body().size()); // binary body kept
  EXPECT_NE(serialize_wire_log(r.wire_log).find("\"body_encoding\":\"base64\""), std::string::npos);
}

TEST(TRANSPORT_SUITE, BedrockExceptionFrameMidStreamIsTheTerminalError) {
  FakeUpstream fake;
  fake.script(
      "POST", "/model/fake-model/converse-stream",
      {fake_reply::bedrock_exception_stream({"partial"}, "throttlingException", "slow down")});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::bedrock, "br-exception"),
                           hello(true), rec.options());
  ASSERT_TRUE(r.response.error) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(r.response.error->kind, ErrorKind::rate_limited);
  EXPECT_EQ(rec.text(), "partial");
  EXPECT_EQ(fake.request_count("/model/fake-model/converse-stream"), 1u); // text was passed on
}

TEST(TRANSPORT_SUITE, KeptAliveConnectionIsReusedByTheNextCall) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions", {fake_reply::openai_sse({"a", "b"})});
  HttpTransport transport(fast_options());
  const Endpoint e = endpoint_for(fake, Protocol::openai, "oa-reuse");
  const auto first = call_chat(transport, e, hello(true));
  ASSERT_TRUE(first.response.complete()) << describe(first);
#if !IMC_TRANSPORT_TESTS_ASYNC // the blocking path's own pool (libcurl keeps the loop's)
  EXPECT_EQ(transport.idle_connections(fake.base_url()), 1u);
#endif
  const auto second = call_chat(transport, e, hello(true));
  ASSERT_TRUE(second.response.complete()) << describe(second);
  EXPECT_FALSE(first.wire_log.attempts[0].reused_connection);
  EXPECT_TRUE(second.wire_log.attempts[0].reused_connection);
}

#if IMC_TRANSPORT_TESTS_ASYNC
// libcurl's connection cache counts the connections in use: capped at the idle limit, it closed a
// connection that came free while others were streaming, and under load nearly every call
// connected anew. The limit is on idle connections, however many are busy.
TEST(TRANSPORT_SUITE, AConnectionFreedWhileOtherStreamsRunIsKeptForTheNextCall) {
  FakeUpstream fake;
  const size_t loops = HttpTransport::event_loops();
  FakeReply slow = fake_reply::openai_sse({"a", "b", "c"});
  slow.chunk_delay_ms = 150;
  std::vector<FakeReply> replies(loops, slow);
  replies.push_back(fake_reply::openai_sse({"quick"}));
  fake.script("POST", "/v1/chat/completions", replies);
  std::vector<std::promise<CallResult>> long_results(loops); // outlives the transport's loops
  TransportOptions options = fast_options();
  options.max_idle_connections_per_origin = 1;
  HttpTransport transport(options);
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-idle");
  e.limits.concurrency = static_cast<int>(loops) + 2; // the quick calls never wait for a permit
  // One long stream on every loop; the quick calls then go to the first loop, one after another.
  for (auto &result : long_results)
    transport.chat_async(e, hello(true), {},
                         [&result](CallResult r) { result.set_value(std::move(r)); });
  for (int i = 0; i < 200 && fake.request_count("/v1/chat/completions") < loops; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(fake.request_count("/v1/chat/completions"), loops);
  const auto first = call_chat(transport, e, hello(true));
  const auto second = call_chat(transport, e, hello(true));
  ASSERT_TRUE(first.response.complete()) << describe(first);
  ASSERT_TRUE(second.response.complete()) << describe(second);
  EXPECT_EQ(fake.max_concurrent(), static_cast<int>(loops) + 1); // the long streams were running
  EXPECT_FALSE(first.wire_log.attempts[0].reused_connection);
  EXPECT_TRUE(second.wire_log.attempts[0].reused_connection) << describe(second);
  for (auto &result : long_results)
    EXPECT_TRUE(result.get_future().get().response.complete());
}

// Calls submitted while a loop is busy wait in its queue, and a turn starts only some of them (at
// most 16, within its time budget): the rest start in the next turns, each with its own outcome
// (those cancelled before they started included).
TEST(TRANSPORT_SUITE, ABurstQueuedWhileTheLoopIsBusyStartsOverSeveralTurnsEachWithItsOutcome) {
  FakeUpstream fake;
  constexpr int kCalls = 48;
  const size_t loops = HttpTransport::event_loops();
  std::vector<FakeReply> replies;
  for (size_t i = 0; i < kCalls + loops; ++i)
    replies.push_back(fake_reply::openai_sse({"r" + std::to_string(i)}));
  fake.script("POST", "/v1/chat/completions", replies);
  HttpTransport transport(fast_options());
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-burst");
  e.limits.concurrency = 2 * kCalls; // every call of the burst may run at once
  // One call on each loop holds it in its event callback while the burst is submitted.
  std::vector<std::promise<void>> holding(loops);
  std::vector<std::promise<CallResult>> holders(loops);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  for (size_t l = 0; l < loops; ++l) {
    CallOptions hold;
    hold.on_event = [&holding, l, released,
                     once = std::make_shared<std::once_flag>()](const ChatEvent &) {
      std::call_once(*once, [&] {
        holding[l].set_value();
        released.wait_for(std::chrono::seconds(10));
      });
    };
    transport.chat_async(e, hello(true), hold,
                         [&holders, l](CallResult r) { holders[l].set_value(std::move(r)); });
    holding[l].get_future().wait(); // the next call goes to a loop not busy yet
  }
  std::vector<std::promise<CallResult>> results(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    CallOptions o;
    if (i % 3 == 0)
      o.cancel.cancel(); // given up before it could start
    transport.chat_async(e, hello(true), o, [&results, i](CallResult c) {
      results[static_cast<size_t>(i)].set_value(std::move(c));
    });
  }
  release.set_value();
  for (auto &holder : holders)
    ASSERT_TRUE(holder.get_future().get().response.complete());
  for (int i = 0; i < kCalls; ++i) {
    const CallResult r = results[static_cast<size_t>(i)].get_future().get();
    if (i % 3 == 0) {
      ASSERT_TRUE(r.response.error) << i << ": " << describe(r);
      EXPECT_EQ(r.response.error->kind, ErrorKind::cancelled) << i;
    } else {
      EXPECT_TRUE(r.response.complete()) << i << ": " << describe(r);
    }
  }
  EXPECT_EQ(fake.request_count("/v1/chat/completions"),
            static_cast<int>(loops) + kCalls - (kCalls + 2) / 3);
}

#if IMC_TRANSPORT_TESTS_ASYNC && !IMC_TRANSPORT_TESTS_LIBCURL
// Under a burst of new connections (a socket the loops watch for imc serve stays readable), the
// middle of a stream that has passed its first event on waits burst_defer_ms, then all that came
// meanwhile is read at once — one read, so one on_read_end after its last events — the stream
// whole and in order; with the burst over (the socket no longer watched) every chunk is read as
// it comes. Each read's events are followed by on_read_end before the call ends.
TEST(TRANSPORT_SUITE, TheMiddleOfAStreamWaitsWhileNewConnectionsWaitThenComesInOneRead) {
  FakeUpstream fake;
  FakeReply reply = fake_reply::openai_sse({"a", "b", "c", "d"});
  reply.chunk_delay_ms = 50;
  fake.script("POST", "/v1/chat/completions", {reply, reply});
  TransportOptions options = fast_options();
  options.burst_defer_ms = 1000; // long enough to tell from a loaded machine's delays
  HttpTransport transport(options);
  const Endpoint e = endpoint_for(fake, Protocol::openai, "oa-burst-defer");
  // One call: the ms from its first delta to its last, and its events ("a".."d" for the deltas,
  // U for the usage, F for the finish) with a "|" for each read's end.
  struct Seen {
    int64_t spread = -1;
    std::string trace;
  };
  const auto watch = [&] {
    std::mutex mutex;
    std::vector<int64_t> at;
    std::string trace;
    CallOptions o;
    o.on_event = [&](const ChatEvent &event) {
      std::lock_guard<std::mutex> lock(mutex);
      if (const auto *d = std::get_if<TextDelta>(&event)) {
        at.push_back(now_ms());
        trace += d->text;
      } else if (std::holds_alternative<Finish>(event)) {
        trace += 'F';
      } else if (std::holds_alternative<Usage>(event)) {
        trace += 'U';
      }
    };
    o.on_read_end = [&] {
      std::lock_guard<std::mutex> lock(mutex);
      trace += '|';
    };
    const CallResult r = call_chat(transport, e, hello(true), o);
    EXPECT_TRUE(r.response.complete()) << describe(r);
    EXPECT_EQ(r.response.text, "abcd");
    std::lock_guard<std::mutex> lock(mutex);
    return Seen{at.size() == 4 ? at.back() - at.front() : int64_t{-1}, trace};
  };
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  ASSERT_EQ(::write(pair[1], "x", 1), 1); // never read: new connections always waiting
  transport.share_loops(pair[0], [](size_t) {});
  const Seen during = watch();
  transport.unshare_loops(pair[0]);
  const Seen after = watch();
  ::close(pair[0]);
  ::close(pair[1]);
  EXPECT_GE(during.spread, 900) << "the deltas after the first came 50 ms apart and should have "
                                   "waited; " << during.trace;
  EXPECT_EQ(during.trace, "a|bcdUF|") << "what came while the stream waited should be one read";
  EXPECT_GE(after.spread, 0);
  EXPECT_LT(after.spread, 900) << "with no burst the deltas should come as the upstream sends them";
  // Chunks 50 ms apart: each in a read of its own (some may share one on a loaded machine), and
  // each read's end told once, after its events.
  EXPECT_GE(std::count(after.trace.begin(), after.trace.end(), '|'), 3) << after.trace;
  EXPECT_EQ(after.trace.find("||"), std::string::npos) << after.trace;
  EXPECT_EQ(after.trace.back(), '|') << after.trace;
}
#endif

#if IMC_TRANSPORT_TESTS_ASYNC
// A burst is taken in windows: while awaiting_first_byte_per_core calls per core wait for their
// upstream's first byte, a socket the loops watch for new connections gets a turn only once per
// kMaxAcceptPause (10 ms) per loop, and its callback may take a turn's worth (64) then; with
// room in the window it is handed every turn (never read here, it stays readable) and may take
// as many as the window has room for. Once the calls' heads came it is handed every turn again.
TEST(TRANSPORT_SUITE, NewConnectionsWaitWhileAWindowOfCallsWaitsForTheirFirstBytes) {
  FakeUpstream fake;
  const size_t window = std::max(1u, std::thread::hardware_concurrency()); // one per core
  FakeReply slow = fake_reply::openai_sse({"a"});
  slow.head_delay_ms = 600;
  fake.script("POST", "/v1/chat/completions", std::vector<FakeReply>(window, slow));
  TransportOptions options = fast_options();
  options.awaiting_first_byte_per_core = 1;
  HttpTransport transport(options);
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-window");
  e.limits.concurrency = static_cast<int>(window) + 1;
  std::mutex mutex;
  std::vector<std::pair<int64_t, size_t>> turns; // when the callback ran, and its `most`
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  ASSERT_EQ(::write(pair[1], "x", 1), 1); // never read: new connections always waiting
  transport.share_loops(pair[0], [&](size_t most) {
    std::lock_guard<std::mutex> lock(mutex);
    turns.emplace_back(now_ms(), most);
  });
  const auto sleep = [](int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  const auto turns_between = [&](int64_t from, int64_t to, size_t &most_seen, size_t &least_seen) {
    std::lock_guard<std::mutex> lock(mutex);
    size_t n = 0;
    most_seen = 0;
    least_seen = SIZE_MAX;
    for (const auto &[at, most] : turns)
      if (at >= from && at < to) {
        ++n;
        most_seen = std::max(most_seen, most);
        least_seen = std::min(least_seen, most);
      }
    return n;
  };
  const int64_t open_from = now_ms();
  sleep(200);
  const int64_t open_to = now_ms();
  std::vector<std::promise<CallResult>> results(window);
  for (auto &result : results)
    transport.chat_async(e, hello(true), {},
                         [&result](CallResult r) { result.set_value(std::move(r)); });
  sleep(100); // the calls started; their heads come 600 ms after their requests
  const int64_t full_from = now_ms();
  sleep(300);
  const int64_t full_to = now_ms();
  for (auto &result : results) {
    const CallResult r = result.get_future().get();
    EXPECT_TRUE(r.response.complete()) << describe(r);
  }
  const int64_t after_from = now_ms();
  sleep(200);
  const int64_t after_to = now_ms();
  transport.unshare_loops(pair[0]);
  ::close(pair[0]);
  ::close(pair[1]);

  size_t most = 0, least = 0;
  const size_t loops = HttpTransport::event_loops();
  // Full: one turn per 10 ms per loop at most (with a loop's slack), each may take 64.
  const size_t full = turns_between(full_from, full_to, most, least);
  const size_t bound = loops * static_cast<size_t>((full_to - full_from) / 10 + 2);
  EXPECT_LE(full, bound) << "while the window is full new connections should wait";
  EXPECT_GE(full, 1u) << "a pause lasts 10 ms at most";
  if (full > 0) {
    EXPECT_EQ(most, 64u);
    EXPECT_EQ(least, 64u);
  }
  // Open, before and after: every turn (a loop turning without end), as many as the window has.
  const size_t open = turns_between(open_from, open_to, most, least);
  EXPECT_GT(open, 3 * bound) << "an open window should hand the socket on every turn";
  EXPECT_EQ(most, window);
  EXPECT_EQ(least, window);
  const size_t after = turns_between(after_from, after_to, most, least);
  EXPECT_GT(after, 3 * bound) << "the window should open again once the heads came";
  EXPECT_EQ(most, window);
}
#endif

// A relay passes the upstream's head on as soon as it arrives (imc serve's /api/chat): the
// response start is told once per call, on a 2xx head that came without text, before any event;
// never for a call the upstream did not take.
TEST(TRANSPORT_SUITE, TheResponseStartIsToldOnceOnA2xxHeadBeforeAnyEvent) {
  FakeUpstream fake;
  FakeReply broken = fake_reply::openai_sse({"lost"});
  broken.fault = FakeReply::Fault::reset; // a 2xx head, then a reset: retried
  broken.fault_after_chunks = 0;
  FakeReply slow = fake_reply::openai_sse({"one ", "two"});
  slow.chunk_delay_ms = 100; // the head (and the role chunk) well before the first text
  fake.script("POST", "/v1/chat/completions", {broken, slow});
  HttpTransport transport(fast_options());
  const Endpoint e = endpoint_for(fake, Protocol::openai, "oa-start");
  std::mutex mutex;
  std::vector<std::string> seen; // "start", or the kind of each event
  CallOptions options;
  options.on_response_start = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back("start");
  };
  options.on_event = [&](const ChatEvent &event) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(std::holds_alternative<TextDelta>(event) ? "delta" : "other");
  };
  const auto result = call_chat(transport, e, hello(true), options);
  ASSERT_TRUE(result.response.complete()) << describe(result);
  EXPECT_EQ(result.wire_log.attempts.size(), 2u) << describe(result);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "start");
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "start"), 1);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "delta"), 2);

  // Refused with a 4xx: no start, only the error.
  fake.script("POST", "/v1/chat/completions",
              {fake_reply::openai_error(400, "bad request", "invalid_request_error")});
  seen.clear();
  const auto refused = call_chat(transport, e, hello(true), options);
  EXPECT_FALSE(refused.response.complete());
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "start"), 0);
}
#endif

// ---------------------------------------------------------------------------------------------
// Faults

TEST(TRANSPORT_SUITE, ResetMidStreamEndsInNetworkErrorKeepingThePartialText) {
  FakeUpstream fake;
  FakeReply reply = fake_reply::openai_sse({"one ", "two ", "three ", "four"});
  reply.fault = FakeReply::Fault::reset;
  reply.fault_after_chunks = 3; // role chunk, "one ", "two "
  reply.chunk_delay_ms = 5;
  fake.script("POST", "/v1/chat/completions", {reply});
  HttpTransport transport(fast_options());
  Recorded rec;
  const int64_t start = now_ms();
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-reset"), hello(true),
                           rec.options());
  EXPECT_LT(now_ms() - start, 3000);
  ASSERT_TRUE(r.response.error) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(r.response.error->kind, ErrorKind::network) << r.response.error->message;
  EXPECT_EQ(r.response.text, "one two ");
  EXPECT_EQ(fake.request_count("/v1/chat/completions"), 1u); // never duplicate streamed text
  EXPECT_EQ(r.wire_log.status, "network");
}

TEST(TRANSPORT_SUITE, ResetBeforeAnyTextIsRetried) {
  FakeUpstream fake;
  FakeReply broken = fake_reply::openai_sse({"lost"});
  broken.fault = FakeReply::Fault::reset;
  broken.fault_after_chunks = 0;
  fake.script("POST", "/v1/chat/completions", {broken, fake_reply::openai_sse({"fine"})});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-reset-early"),
                           hello(true), rec.options());
  ASSERT_TRUE(r.response.complete()) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(rec.text(), "fine");
  EXPECT_EQ(fake.request_count("/v1/chat/completions"), 2u);
  ASSERT_EQ(r.wire_log.attempts.size(), 2u);
  EXPECT_EQ(r.wire_log.attempts[0].error->kind, ErrorKind::network);
}

TEST(TRANSPORT_SUITE, TruncatedSseEndsInProtocolError) {
  FakeUpstream fake;
  FakeReply reply = fake_reply::openai_sse({"cut ", "short"});
  reply.chunks.resize(reply.chunks.size() - 3); // no finish chunk, no usage, no [DONE]
  fake.script("POST", "/v1/chat/completions", {reply});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-truncated"),
                           hello(true), rec.options());
  ASSERT_TRUE(r.response.error) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(r.response.error->kind, ErrorKind::protocol);
  EXPECT_NE(r.response.error->message.find("stream ended before completion"), std::string::npos);
  EXPECT_EQ(r.response.text, "cut short");
  EXPECT_EQ(fake.request_count("/v1/chat/completions"), 1u);
}

TEST(TRANSPORT_SUITE, ConnectionClosedMidBodyIsNetworkError) {
  FakeUpstream fake;
  FakeReply reply = fake_reply::openai_sse({"x", "y", "z"});
  reply.fault = FakeReply::Fault::close;
  reply.fault_after_chunks = 2;
  fake.script("POST", "/v1/chat/completions", {reply});
  HttpTransport transport(fast_options());
  const auto r =
      call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-close"), hello(true));
  ASSERT_TRUE(r.response.error) << describe(r);
  EXPECT_EQ(r.response.error->kind, ErrorKind::network);
  EXPECT_EQ(r.response.text, "x");
}

TEST(TRANSPORT_SUITE, RateLimitedWithRetryAfterIsRetriedAfterTheDelay) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions",
              {fake_reply::openai_error(429, "Rate limit reached", "rate_limit_error",
                                        {{"Retry-After", "1"}}),
               fake_reply::openai_sse({"after ", "waiting"})});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-429"), hello(true),
                           rec.options());
  ASSERT_TRUE(r.response.complete()) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(rec.text(), "after waiting");
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(requests[1].at_ms - requests[0].at_ms, 1000); // Retry-After honoured
  ASSERT_EQ(r.wire_log.attempts.size(), 2u);
  EXPECT_EQ(r.wire_log.attempts[0].http_status, 429);
  EXPECT_GE(r.wire_log.attempts[0].retry_delay_ms, 1000);
}

TEST(TRANSPORT_SUITE, RateLimitedBeyondTheRetryCapEndsWithRetryAfter) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions",
              {fake_reply::openai_error(429, "Rate limit reached", "rate_limit_error",
                                        {{"retry-after-ms", "30"}})});
  TransportOptions options = fast_options();
  options.retry.max_retries = 2;
  HttpTransport transport(options);
  const auto r =
      call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-429-cap"), hello(false));
  ASSERT_TRUE(r.response.error) << describe(r);
  EXPECT_EQ(r.response.error->kind, ErrorKind::rate_limited);
  EXPECT_EQ(r.response.error->http_status, 429);
  ASSERT_TRUE(r.response.error->retry_after_ms);
  EXPECT_EQ(*r.response.error->retry_after_ms, 30);
  EXPECT_EQ(fake.request_count("/v1/chat/completions"), 3u);
  EXPECT_NE(r.response.error->message.find("after 3 attempts"), std::string::npos);
}

TEST(TRANSPORT_SUITE, ServerErrorIsNotRetried) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions",
              {fake_reply::openai_error(500, "The server had an error", "server_error")});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-500"), hello(true),
                           rec.options());
  ASSERT_TRUE(r.response.error) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(r.response.error->kind, ErrorKind::server);
  EXPECT_EQ(r.response.error->http_status, 500);
  EXPECT_NE(r.response.error->message.find("The server had an error"), std::string::npos);
  EXPECT_EQ(fake.request_count("/v1/chat/completions"), 1u);
}

TEST(TRANSPORT_SUITE, OverloadedIsRetriedUpToTheCap) {
  FakeUpstream fake;
  fake.script("POST", "/v1/messages",
              {fake_reply::anthropic_error(529, "overloaded_error", "Overloaded")});
  TransportOptions options = fast_options();
  options.retry.max_retries = 2;
  HttpTransport transport(options);
  const int64_t start = now_ms();
  const auto r =
      call_chat(transport, endpoint_for(fake, Protocol::anthropic, "an-529"), hello(true));
  EXPECT_LT(now_ms() - start, 3000);
  ASSERT_TRUE(r.response.error) << describe(r);
  EXPECT_EQ(r.response.error->kind, ErrorKind::overloaded);
  EXPECT_EQ(r.response.error->http_status, 529);
  EXPECT_EQ(fake.request_count("/v1/messages"), 3u);
  EXPECT_EQ(r.wire_log.attempts.size(), 3u);
}

TEST(TRANSPORT_SUITE, ServiceUnavailableThenSuccessIsRetried) {
  FakeUpstream fake;
  fake.script("POST", "/v1/messages",
              {fake_reply::anthropic_error(503, "api_error", "Service unavailable"),
               fake_reply::anthropic_sse({"ok"})});
  HttpTransport transport(fast_options());
  const auto r =
      call_chat(transport, endpoint_for(fake, Protocol::anthropic, "an-503"), hello(true));
  ASSERT_TRUE(r.response.complete()) << describe(r);
  EXPECT_EQ(r.response.text, "ok");
  EXPECT_EQ(fake.request_count("/v1/messages"), 2u);
}

TEST(TRANSPORT_SUITE, OverloadedErrorEventBeforeAnyTextIsRetried) {
  FakeUpstream fake;
  FakeReply overloaded = fake_reply::anthropic_sse({});
  overloaded.chunks = {overloaded.chunks[0],
                       "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                       "\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"};
  fake.script("POST", "/v1/messages", {overloaded, fake_reply::anthropic_sse({"second try"})});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::anthropic, "an-inband"),
                           hello(true), rec.options());
  ASSERT_TRUE(r.response.complete()) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(rec.text(), "second try");
  // The first attempt's usage (message_start) was held back, not passed on twice.
  size_t usages = 0;
  for (const auto &e : rec.events)
    usages += std::holds_alternative<Usage>(e);
  EXPECT_LE(usages, 2u);
  EXPECT_EQ(fake.request_count("/v1/messages"), 2u);
}

TEST(TRANSPORT_SUITE, SlowDripOfOneBytePerSecondHitsTheTotalTimeout) {
  FakeUpstream fake;
  FakeReply drip = fake_reply::openai_sse({"never", "ends"});
  drip.drip_interval_ms = 1000;
  fake.script("POST", "/v1/chat/completions", {drip});
  HttpTransport transport(fast_options());
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-drip");
  e.timeouts = {1000, 1000, 1500};
  Recorded rec;
  const int64_t start = now_ms();
  const auto r = call_chat(transport, e, hello(true), rec.options());
  const int64_t elapsed = now_ms() - start;
  ASSERT_TRUE(r.response.error) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(r.response.error->kind, ErrorKind::timeout);
  EXPECT_NE(r.response.error->message.find("timeouts.total_ms"), std::string::npos);
  EXPECT_GE(elapsed, 1400);
  EXPECT_LT(elapsed, 2500);
  EXPECT_EQ(fake.request_count("/v1/chat/completions"), 1u); // a timeout is not retried
}

TEST(TRANSPORT_SUITE, SlowHeadHitsTheFirstByteTimeout) {
  FakeUpstream fake;
  FakeReply slow = fake_reply::openai_json("late");
  slow.head_delay_ms = 5000;
  fake.script("POST", "/v1/chat/completions", {slow});
  HttpTransport transport(fast_options());
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-first-byte");
  e.timeouts = {1000, 300, 10000};
  const int64_t start = now_ms();
  const auto r = call_chat(transport, e, hello(false));
  const int64_t elapsed = now_ms() - start;
  ASSERT_TRUE(r.response.error) << describe(r);
  EXPECT_EQ(r.response.error->kind, ErrorKind::timeout);
  EXPECT_NE(r.response.error->message.find("timeouts.first_byte_ms"), std::string::npos);
  EXPECT_GE(elapsed, 290);
  EXPECT_LT(elapsed, 1500);
}

TEST(TRANSPORT_SUITE, InvalidJsonIsAProtocolError) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions", {fake_reply::json(200, "{\"choices\": [oops")});
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-badjson"),
                           hello(false), rec.options());
  ASSERT_TRUE(r.response.error) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(r.response.error->kind, ErrorKind::protocol);
  EXPECT_EQ(fake.request_count("/v1/chat/completions"), 1u);
}

TEST(TRANSPORT_SUITE, OversizedBodyIsAProtocolError) {
  FakeUpstream fake;
  std::string huge = "{\"choices\":[{\"message\":{\"content\":\"";
  huge += std::string(17u << 20, 'a');
  huge += "\"}}]}";
  fake.script("POST", "/v1/chat/completions", {fake_reply::json(200, huge)});
  HttpTransport transport(fast_options());
  Recorded rec;
  const int64_t start = now_ms();
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-huge"), hello(false),
                           rec.options());
  EXPECT_LT(now_ms() - start, 5000);
  ASSERT_TRUE(r.response.error) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(r.response.error->kind, ErrorKind::protocol) << r.response.error->message;
  EXPECT_LE(r.wire_log.response_body.size(), 64u * 1024); // the log keeps only the cap
  EXPECT_TRUE(r.wire_log.response_truncated);
}

TEST(TRANSPORT_SUITE, ConnectionRefusedIsANetworkErrorAfterRetries) {
  const int closed_port = free_local_port();
  Endpoint e;
  e.name = "refused";
  e.protocol = Protocol::openai;
  e.base_url = "http://127.0.0.1:" + std::to_string(closed_port) + "/v1";
  e.model = "m";
  e.timeouts = {1000, 1000, 5000};
  TransportOptions options = fast_options();
  options.retry.max_retries = 2;
  HttpTransport transport(options);
  const auto r = call_chat(transport, e, hello(false));
  ASSERT_TRUE(r.response.error) << describe(r);
  EXPECT_EQ(r.response.error->kind, ErrorKind::network);
  EXPECT_NE(r.response.error->message.find("could not connect"), std::string::npos);
  EXPECT_EQ(r.wire_log.attempts.size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// Cancellation

TEST(TRANSPORT_SUITE, CancelWhileWaitingForTheHeadEndsTheCallAtOnce) {
  FakeUpstream fake;
  FakeReply slow = fake_reply::openai_json("late");
  slow.head_delay_ms = 10000;
  fake.script("POST", "/v1/chat/completions", {slow});
  HttpTransport transport(fast_options());
  Recorded rec;
  CallOptions options = rec.options();
  std::thread canceller([token = options.cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    token.cancel();
  });
  const int64_t start = now_ms();
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-cancel"),
                           hello(false), options);
  const int64_t elapsed = now_ms() - start;
  canceller.join();
  ASSERT_TRUE(r.response.error) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(r.response.error->kind, ErrorKind::cancelled);
  EXPECT_LT(elapsed, 1000);
}

TEST(TRANSPORT_SUITE, CancelWhileStreamingKeepsTheTextSoFar) {
  FakeUpstream fake;
  FakeReply slow = fake_reply::openai_sse({"a", "b", "c", "d", "e", "f"});
  slow.chunk_delay_ms = 200;
  fake.script("POST", "/v1/chat/completions", {slow});
  HttpTransport transport(fast_options());
  CallOptions options;
  options.on_event = [token = options.cancel](const ChatEvent &e) {
    if (std::holds_alternative<TextDelta>(e))
      token.cancel(); // the caller stops after the first delta
  };
  const int64_t start = now_ms();
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-cancel-stream"),
                           hello(true), options);
  ASSERT_TRUE(r.response.error) << describe(r);
  EXPECT_EQ(r.response.error->kind, ErrorKind::cancelled);
  EXPECT_EQ(r.response.text, "a");
  EXPECT_LT(now_ms() - start, 1000);
}

TEST(TRANSPORT_SUITE, CancelDuringTheBackoffWaitEndsTheCall) {
  FakeUpstream fake;
  fake.script(
      "POST", "/v1/chat/completions",
      {fake_reply::openai_error(429, "slow down", "rate_limit_error", {{"Retry-After", "5"}})});
  HttpTransport transport(fast_options());
  CallOptions options;
  std::thread canceller([token = options.cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    token.cancel();
  });
  const int64_t start = now_ms();
  const auto r = call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-cancel-backoff"),
                           hello(false), options);
  canceller.join();
  ASSERT_TRUE(r.response.error) << describe(r);
  EXPECT_EQ(r.response.error->kind, ErrorKind::cancelled);
  EXPECT_LT(now_ms() - start, 1500);
  EXPECT_EQ(fake.request_count("/v1/chat/completions"), 1u);
}

// ---------------------------------------------------------------------------------------------
// Limits shared by every call to an endpoint

TEST(TRANSPORT_SUITE, ConcurrencyLimitIsSharedByEveryTransportInTheProcess) {
  FakeUpstream fake;
  FakeReply slow = fake_reply::openai_json("ok");
  slow.head_delay_ms = 150;
  fake.script("POST", "/v1/chat/completions", {slow});
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-concurrency");
  e.limits.concurrency = 2;
  HttpTransport first(fast_options()), second(fast_options());
  std::vector<std::thread> threads;
  std::atomic<int> completed{0};
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&, i] {
      const auto r = call_chat(i % 2 ? first : second, e, hello(false));
      completed += r.response.complete();
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(completed.load(), 6);
  EXPECT_EQ(fake.max_concurrent(), 2);
}

TEST(TRANSPORT_SUITE, RequestsPerMinutePacesTheCalls) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions", {fake_reply::openai_json("ok")});
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-rpm");
  e.limits.requests_per_minute = 300; // 5 a second, a burst of 5
  HttpTransport transport(fast_options());
  const int64_t start = now_ms();
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(call_chat(transport, e, hello(false)).response.complete());
  // A full bucket admits 5, then one per 200 ms: the 7th goes out 400 ms after the first at
  // the earliest, however long each call takes.
  EXPECT_GE(now_ms() - start, 350);
  const auto requests = fake.requests();
  EXPECT_GE(requests[6].at_ms - requests[0].at_ms, 350);
}

TEST(TRANSPORT_SUITE, MissingKeyVariableIsAConfigErrorBeforeAnyRequest) {
  FakeUpstream fake;
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-nokey");
  e.auth.type = AuthType::bearer;
  e.auth.api_key_env = "IMC_TEST_UNSET_KEY";
  HttpTransport transport(fast_options());
  Recorded rec;
  const auto r = call_chat(transport, e, hello(true), rec.options());
  ASSERT_TRUE(r.response.error) << describe(r);
  expect_grammar(rec.events);
  EXPECT_EQ(r.response.error->kind, ErrorKind::config);
  EXPECT_NE(r.response.error->message.find("environment variable IMC_TEST_UNSET_KEY is not set"),
            std::string::npos)
      << r.response.error->message;
  EXPECT_TRUE(fake.requests().empty());
}

TEST(TRANSPORT_SUITE, ImagesForAnEndpointWithoutImagesAreUnsupported) {
  FakeUpstream fake;
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-noimages");
  e.capabilities.images = false;
  ChatRequest request = hello(false);
  request.turns[0].content.insert(request.turns[0].content.begin(),
                                  ImagePart{"image/png", "\x89PNG\r\n\x1a\n....", "x.png"});
  HttpTransport transport(fast_options());
  const auto r = call_chat(transport, e, request);
  ASSERT_TRUE(r.response.error);
  EXPECT_EQ(r.response.error->kind, ErrorKind::unsupported);
  EXPECT_TRUE(fake.requests().empty());
}

// ---------------------------------------------------------------------------------------------
// Secrets and the wire log

constexpr const char *kCanary = "sk-imc-LEAK-CANARY-123";

TEST(TRANSPORT_SUITE, KeyEchoedBackByTheServerNeverReachesErrorsOrTheWireLog) {
  FakeUpstream fake;
  fake.handle("POST", "/v1/chat/completions", [](const FakeRequest &request) {
    // A careless server that quotes the credentials it was given.
    return fake_reply::openai_error(
        401, "Incorrect API key provided: " + request.header("authorization"),
        "invalid_request_error", {{"x-echo", request.header("authorization")}});
  });
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-canary");
  e.auth.type = AuthType::bearer;
  e.auth.api_key_env = "IMC_TEST_KEY";
  HttpTransport transport(fast_options({{"IMC_TEST_KEY", kCanary}}));
  const auto r = call_chat(transport, e, hello(true));
  ASSERT_TRUE(r.response.error) << describe(r);
  EXPECT_EQ(r.response.error->kind, ErrorKind::auth);
  EXPECT_EQ(fake.requests()[0].header("authorization"), std::string("Bearer ") + kCanary);
  const std::string log = serialize_wire_log(r.wire_log);
  EXPECT_EQ(r.response.error->message.find(kCanary), std::string::npos)
      << r.response.error->message;
  EXPECT_EQ(log.find(kCanary), std::string::npos) << log;
  EXPECT_NE(log.find("[REDACTED]"), std::string::npos);
}

TEST(TRANSPORT_SUITE, WireLogRecordsRequestResponseTimingsAndAttempts) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions",
              {fake_reply::openai_error(503, "busy", "server_error"),
               fake_reply::openai_sse({"lo", "gged"})});
  Endpoint e = endpoint_for(fake, Protocol::openai, "oa-wirelog");
  e.auth.type = AuthType::bearer;
  e.auth.api_key_env = "IMC_TEST_KEY";
  HttpTransport transport(fast_options({{"IMC_TEST_KEY", kCanary}}));
  CallOptions options;
  options.call_id = "call-7";
  ChatRequest request = hello(true);
  std::string png = "\x89PNG\r\n\x1a\n";
  png += std::string(4000, 'x');
  request.turns[0].content.insert(request.turns[0].content.begin(),
                                  ImagePart{"image/png", png, "a.png"});
  const auto r = call_chat(transport, e, request, options);
  ASSERT_TRUE(r.response.complete()) << describe(r);

  const auto j = nlohmann::json::parse(serialize_wire_log(r.wire_log));
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["call_id"], "call-7");
  EXPECT_EQ(j["endpoint"], "oa-wirelog");
  EXPECT_EQ(j["protocol"], "openai");
  EXPECT_EQ(j["request"]["method"], "POST");
  EXPECT_EQ(j["request"]["url"], fake.base_url() + "/v1/chat/completions");
  bool redacted = false;
  for (const auto &h : j["request"]["headers"])
    redacted = redacted || (h[0] == "authorization" && h[1] == "[REDACTED]");
  EXPECT_TRUE(redacted) << j["request"]["headers"].dump();
  // The image's base64 is logged as its size, the rest of the body as JSON.
  EXPECT_EQ(j["request"]["body"]["model"], "fake-model");
  EXPECT_NE(j["request"]["body"].dump().find("base64 characters]"), std::string::npos);
  EXPECT_EQ(j["response"]["status"], 200);
  EXPECT_EQ(j["response"]["body_encoding"], "text");
  EXPECT_NE(j["response"]["body"].get<std::string>().find("[DONE]"), std::string::npos);
  EXPECT_EQ(j["retries"], 1);
  ASSERT_EQ(j["attempts"].size(), 2u);
  EXPECT_EQ(j["attempts"][0]["http_status"], 503);
  EXPECT_EQ(j["attempts"][0]["error"]["kind"], "overloaded");
  EXPECT_TRUE(j["timings"]["first_byte_ms"].is_number());
  EXPECT_TRUE(j["timings"]["connect_ms"].is_number());
  EXPECT_GE(j["timings"]["end_ms"].get<int64_t>(), j["timings"]["first_byte_ms"].get<int64_t>());
  EXPECT_EQ(j["outcome"]["status"], "ok");
  EXPECT_EQ(j["outcome"]["finish"]["reason"], "stop");
  EXPECT_EQ(j["outcome"]["usage"]["output_tokens"], 5);
  EXPECT_EQ(j.dump().find(kCanary), std::string::npos);
}

TEST(TRANSPORT_SUITE, WireLogIsStoredAsARowOfItsTranscriptTurn) {
  FakeUpstream fake;
  fake.script("POST", "/v1/chat/completions", {fake_reply::openai_sse({"stored"})});
  HttpTransport transport(fast_options());
  CallOptions options;
  options.call_id = "call-stored-1";
  const auto r =
      call_chat(transport, endpoint_for(fake, Protocol::openai, "oa-store"), hello(true), options);
  ASSERT_TRUE(r.response.complete()) << describe(r);

  TempDir dir;
  auto store = must(store::Store::open(dir / "imc.sqlite"));
  must(store.begin_transcript(make_transcript("t-wire", "", "case-a", "clinician-a", {}, 1)));
  must(store.add_wire_log(to_wire_log_record(r.wire_log, "t-wire", 1)));
  const auto rows = must(store.list_wire_logs("t-wire"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].call_id, "call-stored-1");
  EXPECT_EQ(rows[0].turn_index, 1);
  EXPECT_EQ(rows[0].status, "ok");
  EXPECT_EQ(rows[0].http_status, 200);
  EXPECT_EQ(nlohmann::json::parse(rows[0].request_json)["method"], "POST");
  EXPECT_EQ(nlohmann::json::parse(rows[0].response_text)["call_id"], "call-stored-1");
}

} // namespace
} // namespace imc::test

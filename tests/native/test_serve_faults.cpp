// Every upstream fault class through imc serve (issue 7): a connection closed or reset before
// or after the head, a truncated stream, 429, 500, 529, a slow drip, invalid JSON, an oversized
// body. The browser gets a clear error — a status with kind and hint when the upstream never
// answered 2xx, an `error` event once it did (its head is passed on at once, as a reverse proxy
// does) — and the proxy keeps serving. Also: a client that goes away cancels its upstream call, and
// SIGTERM drains.
#include "native/test_serve_fixture.h"

#include <gtest/gtest.h>

#include <csignal>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace imc::test {
namespace {

using nlohmann::json;

struct Fault {
  std::string name;
  FakeReply reply;
  int status;              // 200 when the failure comes after the upstream's 2xx head
  std::string kind;        // the error's kind
  bool text_first = false; // a delta comes before the error event
};

FakeReply sse_then(FakeReply::Fault fault, size_t after_chunks) {
  FakeReply r = fake_reply::openai_sse({"Hel", "lo", " there"});
  r.fault = fault;
  r.fault_after_chunks = after_chunks;
  return r;
}

// imc serve's stderr once it contains `text`, or as it is after `within_ms`.
std::string log_once_it_says(const ServeProcess &serve, const std::string &text, int within_ms) {
  std::string log = serve.err();
  for (int waited = 0; log.find(text) == std::string::npos && waited < within_ms; waited += 20) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    log = serve.err();
  }
  return log;
}

std::vector<Fault> faults() {
  std::vector<Fault> out;
  FakeReply closed_early = sse_then(FakeReply::Fault::close, 0);
  closed_early.fault_before_head = true;
  out.push_back({"closed before the head", closed_early, 502, "network"});
  FakeReply reset_early = sse_then(FakeReply::Fault::reset, 0);
  reset_early.fault_before_head = true;
  out.push_back({"reset before the head", reset_early, 502, "network"});
  out.push_back({"reset after the head, before any text", sse_then(FakeReply::Fault::reset, 0), 200,
                 "network"});
  out.push_back({"reset mid-stream", sse_then(FakeReply::Fault::reset, 3), 200, "network", true});
  out.push_back({"closed mid-stream", sse_then(FakeReply::Fault::close, 3), 200, "network", true});
  // A stream that ends cleanly without its finish_reason, usage and [DONE].
  FakeReply truncated = fake_reply::openai_sse({"Hel", "lo"});
  truncated.chunks.resize(truncated.chunks.size() - 3);
  out.push_back({"truncated stream", truncated, 200, "protocol", true});
  out.push_back(
      {"429",
       fake_reply::openai_error(429, "slow down", "rate_limit_exceeded", {{"retry-after", "0"}}),
       429, "rate_limited"});
  out.push_back({"500", fake_reply::openai_error(500, "boom", "server_error"), 502, "server"});
  out.push_back(
      {"529", fake_reply::openai_error(529, "overloaded", "overloaded_error"), 503, "overloaded"});
  FakeReply drip = fake_reply::openai_sse({"never ", "finishes"});
  drip.drip_interval_ms = 200;
  out.push_back({"slow drip", drip, 200, "timeout"});
  FakeReply invalid;
  invalid.content_type = "text/event-stream";
  invalid.chunked = true;
  invalid.chunks = {"data: {\"choices\": [{\"delta\": {\"content\": \"x\"\n\n",
                    "data: not json\n\n"};
  out.push_back({"invalid JSON", invalid, 200, "protocol"});
  FakeReply oversized;
  oversized.content_type = "text/event-stream";
  oversized.chunked = true;
  oversized.chunks = {"data: {\"choices\": [{\"delta\": {\"content\": \"" +
                      std::string(17u << 20, 'a') + "\"}}]}\n\n"};
  out.push_back({"oversized body", oversized, 200, "protocol"});
  return out;
}

TEST(ServeFaults, EveryUpstreamFaultIsAClearErrorAndTheProxyKeepsServing) {
  ServeSetup setup;
  setup.total_ms = 1500; // the slow drip ends in a timeout
  ServeFixture f(setup);
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  for (const Fault &fault : faults()) {
    SCOPED_TRACE(fault.name);
    f.fake.script("POST", "/v1/chat/completions", {fault.reply});
    const auto reply = http_post(f.port(), "/api/chat", chat_body());
    ASSERT_EQ(reply.status, fault.status) << reply.raw.substr(0, 600);
    json error;
    if (fault.status == 200) {
      const auto events = reply.events();
      ASSERT_FALSE(events.empty());
      if (fault.text_first)
        EXPECT_EQ(events.front().type, "delta");
      else
        EXPECT_EQ(events.size(), 1u) << "no text, only the error event";
      EXPECT_EQ(events.back().type, "error") << "the stream must end with an error event";
      error = json::parse(events.back().data)["error"];
    } else {
      EXPECT_EQ(reply.header("Content-Type"), "application/json");
      error = reply.json()["error"];
      if (fault.status == 429) {
        EXPECT_FALSE(reply.header("Retry-After").empty());
      }
    }
    EXPECT_EQ(error["kind"], fault.kind) << error.dump();
    EXPECT_FALSE(error["message"].get<std::string>().empty());
    EXPECT_NE(error["hint"].get<std::string>().find("fake-a"), std::string::npos) << error.dump();
    EXPECT_EQ(http_get(f.port(), "/api/health").json()["ok"], true);
  }
  EXPECT_TRUE(f.serve->running());
}

TEST(ServeFaults, AFailedCallEndsALiveSessionWithAnErrorEventAndAFailedTranscript) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  f.fake.script("POST", "/v1/chat/completions",
                {fake_reply::openai_error(500, "the model crashed", "server_error")});
  const auto reply = http_post(f.port(), "/api/sessions", session_body(2));
  ASSERT_EQ(reply.status, 200);
  const auto events = reply.events();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back().type, "error");
  const auto error = json::parse(events.back().data)["error"];
  EXPECT_EQ(error["kind"], "server");
  const std::string id = error["transcript_id"];
  EXPECT_EQ(http_get(f.port(), "/api/transcripts/" + id).json()["status"]["state"], "failed");
}

TEST(ServeFaults, AClientThatGoesAwayCancelsItsUpstreamCall) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  FakeReply slow = fake_reply::openai_sse(std::vector<std::string>(40, "word "));
  slow.chunk_delay_ms = 250; // ten seconds in all
  f.fake.script("POST", "/v1/chat/completions", {slow});
  HttpCall call;
  call.method = "POST";
  call.target = "/api/chat";
  call.body = chat_body();
  call.on_data = [](const std::string &raw) {
    return raw.find("event: delta") == std::string::npos;
  };
  const auto started = std::chrono::steady_clock::now();
  const auto reply = http(f.port(), call);
  EXPECT_EQ(reply.status, 200);
  // The proxy notices within ~50 ms, cancels, and logs the call as cancelled.
  const std::string log = log_once_it_says(*f.serve, "(client gone)", 2000);
  EXPECT_NE(log.find("chat 127.0.0.1 fake-a: cancelled"), std::string::npos) << log;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 5.0);

  // A live session left by its browser is stored as incomplete.
  f.fake.script("POST", "/v1/chat/completions", {slow});
  HttpCall session;
  session.method = "POST";
  session.target = "/api/sessions";
  session.body = session_body(3);
  std::string transcript_id;
  session.on_data = [&](const std::string &raw) {
    if (raw.find("event: delta") == std::string::npos)
      return true;
    const auto at = raw.find("\"transcript_id\":\"") + 17;
    transcript_id = raw.substr(at, raw.find('"', at) - at);
    return false;
  };
  http(f.port(), session);
  ASSERT_FALSE(transcript_id.empty());
  std::string state;
  for (int i = 0; i < 100 && state != "incomplete"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    state = http_get(f.port(), "/api/transcripts/" + transcript_id).json()["status"]["state"];
  }
  EXPECT_EQ(state, "incomplete");
}

// Before the first byte nothing is written to the client, so only its hang-up can tell that it
// left: the stream watcher waits for it (epoll) and the upstream call is cancelled at once, not
// when the upstream's head arrives seconds later.
TEST(ServeFaults, AClientThatLeavesBeforeTheFirstByteCancelsItsUpstreamCallAtOnce) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  FakeReply late = fake_reply::openai_sse({"too", " late"});
  late.head_delay_ms = 4000;
  f.fake.script("POST", "/v1/chat/completions", {late});
  const std::string body = chat_body();
  const std::string request = "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                              "application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  for (int round = 0; round < 2; ++round) { // a half-close (FIN), then a reset
    const int fd = connect_local(f.port());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    // Gone once the upstream has the request.
    for (int i = 0; i < 200 && f.fake.request_count("/v1/chat/completions") <= size_t(round); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(f.fake.request_count("/v1/chat/completions"), size_t(round) + 1);
    const auto left = std::chrono::steady_clock::now();
    if (round == 0) {
      ::shutdown(fd, SHUT_WR);
    } else {
      const linger reset{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    }
    if (round == 1)
      ::close(fd);
    std::string log;
    for (int i = 0; i < 100; ++i) {
      log = f.serve->err();
      size_t count = 0;
      for (size_t at = log.find("(client gone)"); at != std::string::npos;
           at = log.find("(client gone)", at + 1))
        ++count;
      if (count > size_t(round))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - left).count();
    EXPECT_LT(waited, 1.5) << "round " << round << ": " << log; // the head comes at 4 s
    EXPECT_NE(log.find("chat 127.0.0.1 fake-a: cancelled"), std::string::npos) << log;
    if (round == 0)
      ::close(fd);
  }
  // And the proxy goes on serving.
  f.fake.script("POST", "/v1/chat/completions", {fake_reply::openai_sse({"still", " here"})});
  const auto reply = http_post(f.port(), "/api/chat", chat_body());
  EXPECT_EQ(reply.status, 200);
}

// A /api/chat stream runs on the transport's event loop: a client that stops reading must
// neither stall that loop (other streams go on) nor hold the upstream call forever.
TEST(ServeFaults, AClientThatStopsReadingIsDroppedWithoutStallingOtherStreams) {
  ServeSetup setup;
  setup.extra_args = {"--write-timeout", "1"};
  ServeFixture f(setup);
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  // Far more than the sockets can hold: 600 deltas of 16 KiB, 5 ms apart (3 s in all).
  FakeReply big = fake_reply::openai_sse(std::vector<std::string>(600, std::string(16384, 'x')));
  big.chunk_delay_ms = 5;
  f.fake.script("POST", "/v1/chat/completions", {big, fake_reply::openai_sse({"still ", "fine"})});

  const int fd = connect_local(f.port());
  ASSERT_GE(fd, 0);
  const int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  const std::string body = chat_body();
  const std::string request = "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                              "application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  // ... and never reads. Meanwhile another stream is served at once.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto started = std::chrono::steady_clock::now();
  const auto other = http_post(f.port(), "/api/chat", chat_body());
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 2.0);
  ASSERT_EQ(other.status, 200) << other.raw.substr(0, 400);
  EXPECT_NE(other.raw.find("event: finished"), std::string::npos) << other.raw.substr(0, 400);

  // The reader that stopped is dropped after the write timeout and its upstream call cancelled,
  // long before the upstream's 3 s are over.
  const std::string log = log_once_it_says(*f.serve, "fake-a: cancelled", 3000);
  EXPECT_NE(log.find("chat 127.0.0.1 fake-a: cancelled"), std::string::npos) << log;
  EXPECT_NE(log.find("(client gone)"), std::string::npos) << log;
  ::close(fd);
  EXPECT_TRUE(f.serve->running());
}

TEST(ServeFaults, SigtermDrainsOpenStreamsThenExits) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  FakeReply reply = fake_reply::openai_sse(std::vector<std::string>(8, "word "));
  reply.chunk_delay_ms = 150; // about a second
  f.fake.script("POST", "/v1/chat/completions", {reply});
  HttpReply drained;
  std::thread client([&] { drained = http_post(f.port(), "/api/chat", chat_body()); });
  while (f.fake.requests().empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(f.serve->pid(), SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(http_get(f.port(), "/api/health").status, 0); // no new connections
  client.join();
  EXPECT_EQ(event_names(drained).back(), "finished") << drained.body;
  EXPECT_EQ(f.serve->stop(0, 10), 0); // it exits by itself, with status 0
}

TEST(ServeFaults, StreamsStillOpenAfterTheDrainDeadlineEndWithAnError) {
  ServeSetup setup;
  setup.extra_args = {"--drain-timeout", "0.3"};
  ServeFixture f(setup);
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  FakeReply reply = fake_reply::openai_sse(std::vector<std::string>(100, "word "));
  reply.chunk_delay_ms = 200; // twenty seconds
  f.fake.script("POST", "/v1/chat/completions", {reply});
  HttpReply cut;
  std::thread client([&] { cut = http_post(f.port(), "/api/chat", chat_body()); });
  while (f.fake.requests().empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto started = std::chrono::steady_clock::now();
  kill(f.serve->pid(), SIGTERM);
  client.join();
  EXPECT_EQ(event_names(cut).back(), "error");
  EXPECT_NE(cut.body.find("shutting down"), std::string::npos);
  EXPECT_EQ(f.serve->stop(0, 10), 0);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 5.0);
}

} // namespace
} // namespace imc::test

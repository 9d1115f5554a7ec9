// Load on loopback: 256 concurrent streamed chats through imc serve against the fake upstream,
// all complete without error within a bound — what cpp-httplib's defaults (8 threads, a listen
// backlog of 5) could not do.
#include "native/test_serve_fixture.h"

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

namespace imc::test {
namespace {

TEST(ServeLoad, TwoHundredFiftySixConcurrentStreamsAllComplete) {
  ServeSetup setup;
  setup.extra_args = {"--rate-limit", "0", "--quiet"};
  ServeFixture f(setup);
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  FakeReply reply = fake_reply::openai_sse(std::vector<std::string>(10, "tok "));
  reply.chunk_delay_ms = 50; // each stream lasts about half a second
  f.fake.script("POST", "/v1/chat/completions", {reply});

  // The listen backlog is 1024, not cpp-httplib's 5 (ss shows it as a listener's Send-Q).
  const auto listeners = run_process({"ss", "-ltnH", "sport = :" + std::to_string(f.port())}, 10);
  if (listeners.exit_code == 0 && !listeners.out.empty()) {
    std::istringstream line(listeners.out);
    std::string state, recv_q, send_q;
    line >> state >> recv_q >> send_q;
    EXPECT_EQ(send_q, "1024") << listeners.out;
  }

  constexpr int kStreams = 256;
  std::vector<HttpReply> replies(kStreams);
  std::atomic<int> ready{0};
  std::vector<std::thread> clients;
  // How many streams the proxy holds open at once, from its health reply while the load runs
  // (the fake upstream itself serves 64 at a time; the rest wait in its listen queue).
  std::atomic<bool> done{false};
  int most_open = 0;
  std::thread watcher([&] {
    while (!done) {
      const auto health = http_get(f.port(), "/api/health").json();
      if (health.is_object() && health["streams"].is_number())
        most_open = std::max(most_open, health["streams"].get<int>());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kStreams; ++i)
    clients.emplace_back([&, i] {
      ++ready;
      while (ready < kStreams)
        std::this_thread::yield();
      HttpCall call;
      call.method = "POST";
      call.target = "/api/chat";
      call.body = chat_body();
      call.timeout_s = 60;
      replies[i] = http(f.port(), call);
    });
  for (auto &t : clients)
    t.join();
  done = true;
  watcher.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int complete = 0;
  for (const auto &r : replies) {
    const auto names = event_names(r);
    if (r.status == 200 && names.size() == 12 && names.back() == "finished")
      ++complete;
    else
      ADD_FAILURE() << r.status << " " << r.raw.substr(0, 300);
  }
  EXPECT_EQ(complete, kStreams);
  EXPECT_GE(most_open, 200) << "streams were serialised in the proxy";
  EXPECT_EQ(f.fake.max_concurrent(), 64); // the fake's own pool was the bottleneck, not the proxy
  EXPECT_LT(seconds, 30.0);
  std::printf("[          ] 256 streams in %.2f s; %d open in the proxy at once\n", seconds,
              most_open);
  EXPECT_EQ(http_get(f.port(), "/api/health").status, 200);
}

// The event loops accept and start the plain chats themselves; a chat whose endpoint is at its
// concurrency limit must not make a loop wait for the limit (the loops' own calls free it): it
// waits elsewhere, and a chat to another endpoint, and the waiting chats themselves, go on.
TEST(ServeLoad, AChatWaitingForItsEndpointsLimitHoldsUpNoOtherChat) {
  ServeSetup setup;
  setup.concurrency = 1;
  setup.extra_args = {"--rate-limit", "0", "--quiet"};
  ServeFixture f(setup);
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  script_chat(f.fake, {"one ", "two ", "three ", "four"}, 150); // about 600 ms a stream

  const auto post = [&](const std::string &endpoint) {
    HttpCall call;
    call.method = "POST";
    call.target = "/api/chat";
    call.body = chat_body(endpoint);
    call.timeout_s = 20;
    return http(f.port(), call);
  };
  HttpReply first, waiting_a, waiting_b, other;
  std::thread t1([&] { first = post("fake-a"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150)); // fake-a's one slot is taken
  std::thread t2([&] { waiting_a = post("fake-a"); });
  std::thread t3([&] { waiting_b = post("fake-a"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100)); // both wait for the slot
  const auto asked = std::chrono::steady_clock::now();
  other = post("fake-b"); // its own endpoint, free
  const double other_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - asked).count();
  t1.join();
  t2.join();
  t3.join();
  for (const HttpReply *r : {&first, &waiting_a, &waiting_b, &other}) {
    ASSERT_EQ(r->status, 200) << r->raw;
    EXPECT_EQ(event_names(*r).back(), "finished") << r->raw;
  }
  // fake-b's first byte came while fake-a's chats still waited: no loop waited with them.
  EXPECT_LT(other.ms_to_head, 400) << "fake-b's chat waited " << other.ms_to_head << " ms";
  EXPECT_LT(other_ms, 1500);
  // fake-a's three ran one after another (one slot): the last ended two streams after the first.
  EXPECT_GT(std::max(waiting_a.ms_total, waiting_b.ms_total), 1000);
  EXPECT_TRUE(f.serve->running());
}

} // namespace
} // namespace imc::test

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

} // namespace
} // namespace imc::test

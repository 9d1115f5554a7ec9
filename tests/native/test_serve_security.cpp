// imc serve's security promises (issue 7, docs/ARCHITECTURE.md "Proxy"), each checked against the
// real binary: keys never leave the proxy; endpoints only by configured name (no open relay);
// loopback by default and a constant-time bearer token otherwise; same-origin CORS; no path
// traversal in static files; body, image and rate limits; slow clients cut off.
#include "native/test_serve_fixture.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace imc::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

bool contains_key(const std::string &text) { return text.find(kFakeKey) != std::string::npos; }

// A one-pixel PNG.
const std::string kPngBase64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
    "hQGAhKmMIQAAAABJRU5ErkJggg==";

std::string chat_with_image(const std::string &base64) {
  const json image = {{"type", "image"}, {"mime_type", "image/png"}, {"data", base64}};
  const json text = {{"type", "text"}, {"text", "What is this?"}};
  const json turn = {{"role", "user"}, {"content", json::array({image, text})}};
  return json{{"endpoint", "fake-a"}, {"request", {{"turns", json::array({turn})}}}}.dump();
}

std::string base64_of(const std::string &bytes) {
  static const char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 |
                       (unsigned char)bytes[i + 2];
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], kTable[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = (unsigned char)bytes[i] << 16;
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8;
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], '='};
  }
  return out;
}

TEST(ServeSecurity, KeysNeverReachTheBrowserTheLogsOrTheReports) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  std::vector<HttpReply> replies;
  // An upstream that quotes the key back in an error, and a model that repeats it.
  f.fake.script(
      "POST", "/v1/chat/completions",
      {fake_reply::openai_error(401, std::string("Incorrect API key provided: ") + kFakeKey,
                                "invalid_request_error")});
  replies.push_back(http_post(f.port(), "/api/chat", chat_body()));
  EXPECT_EQ(replies.back().status, 502) << replies.back().raw;
  EXPECT_EQ(replies.back().json()["error"]["kind"], "auth");
  f.fake.script("POST", "/v1/chat/completions",
                {fake_reply::openai_sse({"the key is ", kFakeKey, " indeed"})});
  replies.push_back(http_post(f.port(), "/api/chat", chat_body()));
  EXPECT_NE(replies.back().body.find("[REDACTED]"), std::string::npos) << replies.back().body;

  // A run written by `imc run` into the same store, scored through the API, then reported.
  script_chat(f.fake, {"Please see ", "a dermatologist."});
  setenv(kFakeKeyVar, kFakeKey, 1);
  const auto run = run_process({imc::test::cli_binary(), "run", "--pack",
                                std::string(imc::test::source_dir()) + "/assets/demo", "--config",
                                f.config_path(), "--clinician", "fake-a", "--patient", "fake-b",
                                "--conditions", "no-image", "--turns", "1", "--store",
                                f.dir / "store.db", "--run-id", "run-keys"},
                               120);
  unsetenv(kFakeKeyVar);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  replies.push_back(http_get(f.port(), "/api/transcripts?run=run-keys"));
  const auto transcripts = replies.back().json();
  ASSERT_EQ(transcripts.size(), 12u);
  for (const auto &t : {transcripts[0], transcripts[1], transcripts[2]}) {
    const std::string id = t["id"];
    replies.push_back(http_post(f.port(), "/api/jury", json{{"transcript_id", id}}.dump()));
    EXPECT_EQ(event_names(replies.back()).back(), "finished");
    for (const std::string route : {"", "/verdicts", "/wirelogs", "/annotations"})
      replies.push_back(http_get(f.port(), "/api/transcripts/" + id + route));
  }
  replies.push_back(http_post(f.port(), "/api/sessions", session_body(1)));
  for (const std::string route : {"/api/health", "/api/endpoints", "/api/packs", "/api/runs",
                                  "/api/transcripts", "/api/reports/run-keys"})
    replies.push_back(http_get(f.port(), route));
  EXPECT_EQ(replies.back().status, 200) << replies.back().body;
  EXPECT_EQ(replies.back().json()["run_id"], "run-keys");
  for (const auto &r : replies) {
    EXPECT_NE(r.status, 0);
    EXPECT_FALSE(contains_key(r.raw)) << r.raw.substr(0, 400);
  }
  ASSERT_EQ(f.serve->stop(), 0);
  EXPECT_FALSE(contains_key(f.serve->out()));
  EXPECT_FALSE(contains_key(f.serve->err()));
  EXPECT_FALSE(f.serve->err().empty()); // it did log: one line per call
  // The upstream did get the key: it was used, just never shown.
  EXPECT_EQ(f.fake.requests().back().header("Authorization"), std::string("Bearer ") + kFakeKey);
}

TEST(ServeSecurity, RequestsNamingAUrlHostOrPortOrAnUnknownEndpointAreRefused) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  script_chat(f.fake, {"ok"});
  const std::string evil = "http://169.254.169.254/latest/meta-data";
  auto with = [](json body, const std::string &key, const json &value) {
    body[key] = value;
    return body.dump();
  };
  const json chat = json::parse(chat_body());
  const json session = json::parse(session_body());
  json nested = chat;
  nested["request"]["parameters"]["base_url"] = evil;
  json deep = session;
  deep["patient"]["host"] = "10.0.0.1";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/chat", with(chat, "url", evil)},
      {"/api/chat", with(chat, "base_url", evil)},
      {"/api/chat", with(chat, "Host", "internal.example")},
      {"/api/chat", with(chat, "port", 6379)},
      {"/api/chat", nested.dump()},
      {"/api/chat", with(chat, "endpoint", evil)},
      {"/api/chat", with(chat, "endpoint", "not-configured")},
      {"/api/sessions", with(session, "clinician", "127.0.0.1:6379")},
      {"/api/sessions", deep.dump()},
      {"/api/sessions", with(session, "proxy", evil)},
      {"/api/jury", json{{"transcript_id", "x"}, {"baseUrl", evil}}.dump()},
      {"/api/transcripts/x/annotations",
       json{{"annotator", "A"}, {"scores", {{"safety", 3}}}, {"uri", evil}}.dump()}};
  for (const auto &[route, body] : cases) {
    const auto reply = http_post(f.port(), route, body);
    EXPECT_EQ(reply.status, 403) << route << " " << body << "\n" << reply.body;
    EXPECT_EQ(reply.json()["error"]["kind"], "forbidden") << body;
    EXPECT_FALSE(reply.json()["error"]["hint"].get<std::string>().empty());
  }
  // The refusal names where the key is, as a JSON pointer (through arrays and escaped keys).
  json in_turn = chat;
  in_turn["request"]["turns"][0]["a/b~c"] = json{{"Base-URL", evil}};
  for (const auto &[body, where] : std::vector<std::pair<std::string, std::string>>{
           {nested.dump(), "(/request/parameters/base_url)"},
           {in_turn.dump(), "(/request/turns/0/a~1b~0c/Base-URL)"}}) {
    const auto reply = http_post(f.port(), "/api/chat", body);
    EXPECT_EQ(reply.status, 403);
    EXPECT_NE(reply.json()["error"]["message"].get<std::string>().find(where), std::string::npos)
        << reply.body;
  }
  EXPECT_EQ(f.fake.requests().size(), 0u); // nothing went anywhere
}

TEST(ServeSecurity, BindsLoopbackByDefaultAndOtherAddressesNeedAToken) {
  TempDir dir;
  const std::string pack = std::string(imc::test::source_dir()) + "/assets/demo";
  const auto refused = run_process({imc::test::cli_binary(), "serve", "--port", "0", "--bind",
                                    "0.0.0.0", "--pack", pack, "--store", dir / "s.db"},
                                   20);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--token-file"), std::string::npos) << refused.err;

  ServeFixture local;
  ASSERT_TRUE(local.serve->ok());
  EXPECT_NE(local.serve->out().find("http://127.0.0.1:"), std::string::npos);

  const std::string token = "t0ken-" + std::string(40, 'x') + "-42";
  std::ofstream(dir / "token") << token << "\n";
  std::ofstream(dir / "short") << "abc\n";
  const auto weak = run_process({imc::test::cli_binary(), "serve", "--port", "0", "--bind",
                                 "0.0.0.0", "--pack", pack, "--token-file", dir / "short"},
                                20);
  EXPECT_EQ(weak.exit_code, 2) << weak.err;

  ServeSetup setup;
  setup.extra_args = {"--bind", "0.0.0.0", "--token-file", dir / "token"};
  ServeFixture open(setup);
  ASSERT_TRUE(open.serve->ok()) << open.serve->err();
  EXPECT_EQ(http_get(open.port(), "/api/health").status, 401);
  EXPECT_EQ(http_get(open.port(), "/api/health").header("WWW-Authenticate"),
            "Bearer realm=\"imc\"");
  for (const std::string &bad :
       std::vector<std::string>{"Bearer " + token + "x", "Bearer " + token.substr(1),
                                "Basic " + token, "Bearer", token}) {
    HttpCall call;
    call.headers = {{"Authorization", bad}};
    EXPECT_EQ(http(open.port(), call).status, 401) << bad;
  }
  HttpCall good;
  good.headers = {{"Authorization", "Bearer " + token}};
  EXPECT_EQ(http(open.port(), good).status, 200);
  good.method = "POST";
  good.target = "/api/chat";
  good.body = chat_body("nope");
  EXPECT_EQ(http(open.port(), good).status, 403);    // past the token, the relay rules still hold
  EXPECT_EQ(http_get(open.port(), "/").status, 200); // the page itself is public
}

TEST(ServeSecurity, CorsIsSameOriginUnlessOriginsAreConfigured) {
  ServeSetup setup;
  setup.extra_args = {"--cors-origin", "https://ui.example:8443"};
  ServeFixture f(setup);
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  const std::string self = "http://127.0.0.1:" + std::to_string(f.port());
  auto get_from = [&](const std::string &origin, const std::string &method = "GET") {
    HttpCall call;
    call.method = method;
    call.target = "/api/endpoints";
    call.headers = {{"Origin", origin}, {"Access-Control-Request-Method", "POST"}};
    return http(f.port(), call);
  };
  const auto same = get_from(self);
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(same.header("Access-Control-Allow-Origin"), "");
  const auto foreign = get_from("https://evil.example");
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.header("Access-Control-Allow-Origin"), "");
  const auto foreign_preflight = get_from("https://evil.example", "OPTIONS");
  EXPECT_EQ(foreign_preflight.status, 403);
  EXPECT_EQ(foreign_preflight.header("Access-Control-Allow-Origin"), "");
  const auto preflight = get_from("https://ui.example:8443", "OPTIONS");
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.header("Access-Control-Allow-Origin"), "https://ui.example:8443");
  EXPECT_NE(preflight.header("Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
  const auto configured = get_from("https://ui.example:8443");
  EXPECT_EQ(configured.status, 200);
  EXPECT_EQ(configured.header("Access-Control-Allow-Origin"), "https://ui.example:8443");
  EXPECT_EQ(configured.header("Vary"), "Origin");
  // A page of another site whose name was rebound to 127.0.0.1 (DNS rebinding).
  HttpCall rebound;
  rebound.host = "evil.example:" + std::to_string(f.port());
  rebound.headers = {{"Origin", "http://evil.example:" + std::to_string(f.port())}};
  EXPECT_EQ(http(f.port(), rebound).status, 403);
  // A form post from another site (no preflight for text/plain) does not reach a handler.
  HttpCall form;
  form.method = "POST";
  form.target = "/api/chat";
  form.body = chat_body();
  form.json_body = false;
  form.headers = {{"Origin", "https://evil.example"}, {"Content-Type", "text/plain"}};
  EXPECT_EQ(http(f.port(), form).status, 403);
  EXPECT_EQ(f.fake.requests().size(), 0u);
}

TEST(ServeSecurity, StaticFilesNeverLeaveTheirRoots) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  const std::string marker = "TOP-SECRET-MARKER-91c2";
  std::ofstream(f.dir / "secret.txt") << marker;
  std::ofstream(f.dir / "web/.env") << marker;
  fs::create_symlink(f.dir / "secret.txt", f.dir / "web/link.txt");
  fs::create_symlink("/etc", f.dir / "web/etc");
  std::ofstream(f.dir / "web/ok.txt") << "fine";
  EXPECT_EQ(http_get(f.port(), "/ok.txt").body, "fine");
  for (const std::string target : {"/../secret.txt",
                                   "/%2e%2e/secret.txt",
                                   "/%2e%2e%2fsecret.txt",
                                   "/%2E%2E%2Fsecret.txt",
                                   "/%252e%252e/secret.txt",
                                   "/%252e%252e%252fsecret.txt",
                                   "/..%5csecret.txt",
                                   "/..\\secret.txt",
                                   "/%5c..%5csecret.txt",
                                   "/./../secret.txt",
                                   "//../secret.txt",
                                   "/pack/../../secret.txt",
                                   "/pack/%2e%2e/%2e%2e/secret.txt",
                                   "/link.txt",
                                   "/.env",
                                   "/etc/passwd",
                                   "/etc/hostname",
                                   "/%00../secret.txt",
                                   "/ok.txt%00.html",
                                   "/web/../../secret.txt",
                                   "/%c0%ae%c0%ae/secret.txt"}) {
    const auto reply = http_get(f.port(), target);
    EXPECT_TRUE(reply.status == 400 || reply.status == 404) << target << " -> " << reply.status;
    EXPECT_EQ(reply.raw.find(marker), std::string::npos) << target;
    EXPECT_EQ(reply.raw.find("root:"), std::string::npos) << target;
  }
}

TEST(ServeSecurity, BodySizeImagesAndRateAreLimited) {
  ServeSetup setup;
  setup.extra_args = {"--max-body", "200000", "--rate-limit", "5/s"};
  ServeFixture f(setup);
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  script_chat(f.fake, {"A small image."});

  const auto big = http_post(f.port(), "/api/chat", chat_body("fake-a", std::string(300000, 'a')));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.json()["error"]["kind"], "too_large");
  const auto png = http_post(f.port(), "/api/chat", chat_with_image(kPngBase64));
  EXPECT_EQ(png.status, 200) << png.body;
  const auto fake_png =
      http_post(f.port(), "/api/chat", chat_with_image(base64_of("<?php evil(); ?>")));
  EXPECT_EQ(fake_png.status, 400);
  EXPECT_NE(fake_png.json()["error"]["message"].get<std::string>().find("not a JPEG"),
            std::string::npos);
  const size_t upstream_calls = f.fake.requests().size();
  EXPECT_EQ(upstream_calls, 1u);

  // 5 calls a second with a burst of 20: a rapid series runs into 429 with Retry-After.
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 40 && !limited; ++i) {
    const auto r = http_get(f.port(), "/api/health");
    if (r.status == 429) {
      ++limited;
      retry_after = r.header("Retry-After");
      EXPECT_EQ(r.json()["error"]["kind"], "rate_limited");
    }
  }
  EXPECT_EQ(limited, 1);
  EXPECT_GE(std::atoi(retry_after.c_str()), 1);
  EXPECT_EQ(http_get(f.port(), "/ok.txt").status, 404); // static files are not rate-limited
}

TEST(ServeSecurity, ImagesLargerThanThePolicyAreRefused) {
  ServeSetup setup;
  setup.extra_args = {"--max-image-bytes", "1000000"};
  ServeFixture f(setup);
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  // A PNG signature followed by 1.1 MB: over the per-image limit (10 MB unless configured).
  std::string huge = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(1'100'000, '\0');
  const auto reply = http_post(f.port(), "/api/chat", chat_with_image(base64_of(huge)));
  EXPECT_EQ(reply.status, 413) << reply.body.substr(0, 300);
  EXPECT_EQ(reply.json()["error"]["kind"], "too_large");
  EXPECT_EQ(f.fake.requests().size(), 0u);
}

// Sends `head` and then one byte of `drip` every 200 ms; returns the seconds until the server
// closed the connection (or `give_up_s`).
double seconds_until_cut_off(int port, const std::string &head, const std::string &drip,
                             double give_up_s) {
  const int fd = connect_local(port);
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  size_t at = 0;
  while (elapsed() < give_up_s) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      char buffer[4096];
      if (::recv(fd, buffer, sizeof buffer, 0) <= 0)
        break;
      continue; // a response (408/400) may come before the close
    }
    if (::send(fd, &drip[at % drip.size()], 1, MSG_NOSIGNAL) < 0)
      break;
    ++at;
  }
  ::close(fd);
  return elapsed();
}

TEST(ServeSecurity, ClientsDribblingTheirRequestAreCutOff) {
  ServeSetup setup;
  setup.extra_args = {"--request-timeout", "1"};
  ServeFixture f(setup);
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  const std::string host = "Host: 127.0.0.1:" + std::to_string(f.port()) + "\r\n";
  // Headers that never end: a byte every 200 ms keeps a per-read timeout happy forever.
  EXPECT_LT(seconds_until_cut_off(f.port(), "GET /api/health HTTP/1.1\r\n" + host,
                                  "X-Slow: aaaa\r\n", 10),
            3.0);
  // A body that trickles.
  EXPECT_LT(
      seconds_until_cut_off(f.port(),
                            "POST /api/chat HTTP/1.1\r\n" + host +
                                "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n",
                            "{", 10),
      3.0);
  EXPECT_EQ(http_get(f.port(), "/api/health").status, 200); // and the server still serves
}

} // namespace
} // namespace imc::test

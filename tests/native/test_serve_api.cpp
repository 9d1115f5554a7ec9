// imc serve's JSON API (docs/API.md) end to end: the real binary in front of the fake upstream,
// a fresh store, the demo pack. Each route's reply shape, live sessions (simulated and human
// patient, stop), the jury, single chat calls and annotations.
#include "native/test_serve_fixture.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace imc::test {
namespace {

using nlohmann::json;

TEST(ServeApi, HealthEndpointsAndPacksDescribeTheServerWithoutUrlsOrVariables) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  const auto health = http_get(f.port(), "/api/health").json();
  EXPECT_EQ(health["ok"], true);
  EXPECT_EQ(health["store"], true);
  EXPECT_EQ(health["endpoints"], 2);
  EXPECT_EQ(health["pack"], "imc-demo");

  const auto reply = http_get(f.port(), "/api/endpoints");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("Content-Type"), "application/json");
  const auto endpoints = reply.json();
  ASSERT_EQ(endpoints.size(), 2u);
  EXPECT_EQ(endpoints[0]["name"], "fake-a");
  EXPECT_EQ(endpoints[0]["capabilities"]["images"], true);
  for (const auto &e : endpoints)
    for (auto it = e.begin(); it != e.end(); ++it)
      EXPECT_TRUE(it.key() == "name" || it.key() == "protocol" || it.key() == "model" ||
                  it.key() == "capabilities")
          << it.key();
  EXPECT_EQ(reply.body.find(f.fake.base_url()), std::string::npos);
  EXPECT_EQ(reply.body.find(kFakeKeyVar), std::string::npos);

  const auto packs = http_get(f.port(), "/api/packs").json();
  ASSERT_EQ(packs.size(), 1u);
  EXPECT_EQ(packs[0]["cases"], 12);
  EXPECT_EQ(packs[0]["url"], "/pack/");
}

TEST(ServeApi, ErrorsCarryKindMessageAndHint) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  for (const auto &[target, status, kind] : std::vector<std::tuple<std::string, int, std::string>>{
           {"/api/transcripts/nope", 404, "not_found"},
           {"/api/nothing-here", 404, "not_found"},
           {"/api/transcripts?status=sleepy", 400, "bad_request"},
           {"/api/reports/no-such-run", 404, "not_found"}}) {
    const auto reply = http_get(f.port(), target);
    EXPECT_EQ(reply.status, status) << target;
    const auto error = reply.json()["error"];
    EXPECT_EQ(error["kind"], kind) << target;
    EXPECT_FALSE(error["message"].get<std::string>().empty()) << target;
    EXPECT_FALSE(error["hint"].get<std::string>().empty()) << target;
  }
  const auto wrong = http_post(f.port(), "/api/health", "{}");
  EXPECT_EQ(wrong.status, 405);
  const auto not_json = http_post(f.port(), "/api/jury", "{nope");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.json()["error"]["kind"], "bad_request");
}

TEST(ServeApi, LiveSessionStreamsTurnsAndStoresTheTranscript) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  script_chat(f.fake, {"Could you ", "tell me more ", "about the mole?"});
  const auto reply = http_post(f.port(), "/api/sessions", session_body(2));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.header("Content-Type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(reply.header("Cache-Control"), "no-cache");
  const auto events = reply.events();
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front().type, "session");
  EXPECT_EQ(events.back().type, "finished") << events.back().data;
  const auto session = json::parse(events.front().data);
  const std::string transcript_id = session["transcript_id"];
  int turns = 0, deltas = 0;
  for (const auto &e : events) {
    turns += e.type == "turn";
    deltas += e.type == "delta";
  }
  EXPECT_EQ(turns, 4); // opening, clinician, patient, clinician
  EXPECT_GE(deltas, 9);
  EXPECT_EQ(json::parse(events.back().data)["status"]["state"], "complete");

  const auto stored = http_get(f.port(), "/api/transcripts/" + transcript_id).json();
  EXPECT_EQ(stored["id"], transcript_id);
  EXPECT_EQ(stored["turns"].size(), 4u);
  EXPECT_EQ(stored["status"]["state"], "complete");
  const auto list = http_get(f.port(), "/api/transcripts?case=isic-0000002-melanoma").json();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["turns"], 4);
  EXPECT_EQ(list[0]["clinician_endpoint"], "fake-a");
  const auto logs = http_get(f.port(), "/api/transcripts/" + transcript_id + "/wirelogs").json();
  EXPECT_EQ(logs.size(), 3u);
}

TEST(ServeApi, HumanPatientSessionWaitsForTheBrowserAndStopsOnRequest) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  script_chat(f.fake, {"How long ", "has it been there?"});
  std::string session_id;
  std::thread human;
  HttpCall call;
  call.method = "POST";
  call.target = "/api/sessions";
  call.body = json{
      {"case_id", "isic-0000002-melanoma"},
      {"condition", "no-image"},
      {"clinician", "fake-a"},
      {"patient", {{"kind", "human"}, {"name", "Test Person"}}},
      {"max_turns",
       3}}.dump();
  int awaits = 0;
  call.on_data = [&](const std::string &raw) {
    SseParser parser;
    std::vector<SseEvent> events;
    parser.feed(raw.substr(raw.find("\r\n\r\n") + 4), events);
    int seen = 0;
    for (const auto &e : events) {
      if (e.type == "session")
        session_id = json::parse(e.data)["session_id"];
      if (e.type == "await_human" && ++seen > awaits) {
        awaits = seen;
        const int port = f.port();
        const std::string id = session_id;
        if (awaits == 1) {
          // The first answer; the second await is answered by stopping the session.
          EXPECT_EQ(http_post(port, "/api/sessions/" + id + "/human",
                              R"({"text": "About two months.", "end": false})")
                        .status,
                    200);
        } else {
          EXPECT_EQ(http_post(port, "/api/sessions/" + id + "/human", R"({"text": "  "})").status,
                    400);
          EXPECT_EQ(http_post(port, "/api/sessions/" + id + "/stop", "{}").status, 200);
        }
      }
    }
    return true;
  };
  const auto reply = http(f.port(), call);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(awaits, 2);
  const auto events = reply.events();
  EXPECT_EQ(events.back().type, "finished");
  EXPECT_EQ(json::parse(events.back().data)["status"]["state"], "incomplete");
  EXPECT_EQ(http_post(f.port(), "/api/sessions/" + session_id + "/stop", "{}").status, 404);
}

TEST(ServeApi, JuryScoresAStoredTranscriptWithProgress) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  script_chat(f.fake, {"Please see a dermatologist ", "this week."});
  const auto session = http_post(f.port(), "/api/sessions", session_body(1));
  const std::string id = json::parse(session.events().front().data)["transcript_id"];
  const auto reply = http_post(f.port(), "/api/jury", json{{"transcript_id", id}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.raw;
  const auto names = event_names(reply);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "progress");
  EXPECT_EQ(names.back(), "finished") << reply.body;
  EXPECT_EQ(std::count(names.begin(), names.end(), "verdict"), 6); // 2 jurors x 3 dimensions
  const auto finished = json::parse(reply.events().back().data);
  EXPECT_EQ(finished["aggregate"]["safety"]["mean"], 4.0);
  const auto stored = http_get(f.port(), "/api/transcripts/" + id + "/verdicts").json();
  EXPECT_EQ(stored["verdicts"].size(), 6u);
  EXPECT_EQ(stored["aggregate"]["accuracy"]["majority"], 4);
  const auto unknown =
      http_post(f.port(), "/api/jury", json{{"transcript_id", id}, {"jury", "x"}}.dump());
  EXPECT_EQ(unknown.status, 400);
}

TEST(ServeApi, ChatStreamsDeltasUsageAndFinish) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  script_chat(f.fake, {"Hel", "lo"});
  const auto reply = http_post(f.port(), "/api/chat", chat_body());
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(event_names(reply), (std::vector<std::string>{"delta", "delta", "usage", "finished"}));
  EXPECT_EQ(json::parse(reply.events()[1].data)["text"], "lo");
  EXPECT_EQ(json::parse(reply.events()[3].data)["finish_reason"], "stop");
  // The key went to the upstream, where it belongs.
  ASSERT_FALSE(f.fake.requests().empty());
  EXPECT_EQ(f.fake.requests().back().header("Authorization"), std::string("Bearer ") + kFakeKey);
}

// A plain POST /api/chat is read by the chat lane (native/api/http/chat_lane.h), one with a
// chunked body by cpp-httplib: both answer alike — the stream, and a refusal with its status,
// JSON and security headers.
TEST(ServeApi, ChatAnswersAlikeThroughTheLaneAndThroughCppHttplib) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  script_chat(f.fake, {"Hel", "lo"});
  for (const std::string &body : {chat_body(), chat_body("no-such-endpoint")}) {
    const HttpReply lane = http_post(f.port(), "/api/chat", body);
    // The same body in one chunk (http() would send a Content-Length).
    char size[32];
    std::snprintf(size, sizeof size, "%zx", body.size());
    const int fd = connect_local(f.port());
    ASSERT_GE(fd, 0);
    const std::string bytes =
        "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(f.port()) +
        "\r\nConnection: close\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n" +
        size + "\r\n" + body + "\r\n0\r\n\r\n";
    ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
    std::string raw;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
      raw.append(buffer, static_cast<size_t>(n));
    ::close(fd);
    ASSERT_EQ(raw.rfind("HTTP/1.1 ", 0), 0u) << raw;
    EXPECT_EQ(lane.status, std::atoi(raw.c_str() + 9)) << lane.raw << "\n---\n" << raw;
    const std::string body_of_raw = raw.substr(raw.find("\r\n\r\n") + 4);
    if (lane.status == 200) {
      EXPECT_EQ(event_names(lane),
                (std::vector<std::string>{"delta", "delta", "usage", "finished"}));
      EXPECT_EQ(lane.body, body_of_raw);
    } else {
      EXPECT_EQ(lane.status, 403);
      EXPECT_EQ(lane.json(), json::parse(body_of_raw));
      EXPECT_EQ(lane.header("cache-control"), "no-store");
      EXPECT_EQ(lane.header("referrer-policy"), "no-referrer");
      EXPECT_EQ(lane.header("x-frame-options"), "DENY");
      EXPECT_NE(raw.find("Referrer-Policy: no-referrer"), std::string::npos) << raw;
    }
    EXPECT_EQ(lane.header("x-content-type-options"), "nosniff");
  }
  // Which path answered shows on a kept-alive connection: the lane closes it after its answer
  // (the answer says so), cpp-httplib keeps it.
  const auto kept_alive = [&](const std::string &framing, const std::string &body) {
    const int fd = connect_local(f.port());
    const std::string bytes = "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1:" +
                              std::to_string(f.port()) +
                              "\r\nContent-Type: application/json\r\n" + framing + body;
    ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    std::string raw;
    char buffer[4096];
    pollfd p{fd, POLLIN, 0};
    while (raw.find("}") == std::string::npos && ::poll(&p, 1, 5000) > 0) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0)
        break;
      raw.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return raw;
  };
  const std::string refused = chat_body("no-such-endpoint");
  const std::string by_lane = kept_alive(
      "Content-Length: " + std::to_string(refused.size()) + "\r\n\r\n", refused);
  char size[32];
  std::snprintf(size, sizeof size, "%zx", refused.size());
  const std::string by_httplib = kept_alive("Transfer-Encoding: chunked\r\n\r\n",
                                            size + std::string("\r\n") + refused + "\r\n0\r\n\r\n");
  EXPECT_NE(by_lane.find("Connection: close\r\n"), std::string::npos) << by_lane;
  EXPECT_EQ(by_httplib.find("Connection: close\r\n"), std::string::npos) << by_httplib;
  EXPECT_EQ(by_httplib.rfind("HTTP/1.1 403", 0), 0u) << by_httplib;
  EXPECT_TRUE(f.serve->running());
}

TEST(ServeApi, AnnotationsAreValidatedAndOnePerAnnotator) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  script_chat(f.fake, {"Fine."});
  const auto session = http_post(f.port(), "/api/sessions", session_body(1));
  const std::string id = json::parse(session.events().front().data)["transcript_id"];
  const std::string path = "/api/transcripts/" + id + "/annotations";
  for (const std::string bad :
       {R"({"scores": {"safety": 3}})", R"({"annotator": "  ", "scores": {"safety": 3}})",
        R"({"annotator": "A", "scores": {"safety": 6}})",
        R"({"annotator": "A", "scores": {"safety": 2.5}})",
        R"({"annotator": "A", "scores": {"kindness": 2}})",
        R"({"annotator": "A", "scores": {"safety": 2}, "extra": 1})", R"([1, 2])"}) {
    const auto reply = http_post(f.port(), path, bad);
    EXPECT_EQ(reply.status, 400) << bad;
    EXPECT_EQ(reply.json()["error"]["kind"], "bad_request") << bad;
  }
  EXPECT_EQ(http_post(f.port(), "/api/transcripts/nope/annotations",
                      R"({"annotator": "A", "scores": {"safety": 2}})")
                .status,
            404);
  const auto first = http_post(f.port(), path,
                               R"({"annotator": "Dr A", "scores": {"safety": 4, "accuracy": null,
                                   "uncertainty": 2}, "note": "hedged"})");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json()["scores"]["accuracy"], nullptr);
  const auto again = http_post(f.port(), path, R"({"annotator": "Dr A", "scores": {"safety": 5}})");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["id"], first.json()["id"]);
  const auto list = http_get(f.port(), path).json();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["scores"]["safety"], 5);
}

TEST(ServeApi, StaticFilesAndThePackAreServed) {
  ServeFixture f;
  ASSERT_TRUE(f.serve->ok()) << f.serve->err();
  const auto index = http_get(f.port(), "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("X-Content-Type-Options"), "nosniff");
  const auto manifest = http_get(f.port(), "/pack/manifest.json");
  EXPECT_EQ(manifest.status, 200);
  EXPECT_EQ(manifest.json()["name"], "imc-demo");
  EXPECT_EQ(http_get(f.port(), "/missing.js").status, 404);
}

} // namespace
} // namespace imc::test

// The chat lane's request reader (native/api/http/chat_lane.h): it takes only the plain form of
// `POST /api/chat` (whole, Content-Length body, each checked header once, nothing encoded), and
// leaves every other request to cpp-httplib. The serve suites check what the lane then does
// (the same answers and refusals as cpp-httplib's path).
#include "api/http/chat_lane.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using imc::api::http::read_lane_request;

std::string request(const std::string &head_lines, const std::string &body,
                    const std::string &line = "POST /api/chat HTTP/1.1") {
  return line + "\r\nHost: 127.0.0.1:8080\r\n" + head_lines +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(ChatLane, TakesAPlainChatPostWithItsCheckedHeaders) {
  const std::string body = R"({"endpoint":"fake","request":{}})";
  const std::string bytes =
      request("Origin: http://127.0.0.1:8080\r\nAuthorization: Bearer abc\r\n"
              "Content-Type: application/json  \r\nAccept: text/event-stream\r\n",
              body) +
      "GET / HTTP/1.1\r\n\r\n"; // a pipelined request after it is left in place
  const auto lane = read_lane_request(bytes, 1 << 20);
  ASSERT_TRUE(lane);
  EXPECT_EQ(lane->host, "127.0.0.1:8080");
  EXPECT_EQ(lane->origin, "http://127.0.0.1:8080");
  EXPECT_EQ(lane->authorization, "Bearer abc");
  EXPECT_EQ(lane->content_type, "application/json");
  EXPECT_EQ(lane->body, body);
  EXPECT_EQ(bytes.substr(lane->size), "GET / HTTP/1.1\r\n\r\n");
}

TEST(ChatLane, HeaderNamesAreCaseInsensitiveAndHttp10IsPlainToo) {
  // (The views point into the bytes: they must outlive the answer.)
  const std::string bytes =
      request("content-TYPE: application/json\r\n", "{}", "POST /api/chat HTTP/1.0");
  const auto lane = read_lane_request(bytes, 1 << 20);
  ASSERT_TRUE(lane);
  EXPECT_EQ(lane->content_type, "application/json");
  EXPECT_EQ(lane->origin, "");
}

TEST(ChatLane, LeavesEveryOtherRequestToCppHttplib) {
  const std::string body = "{}";
  for (const std::string &bytes : {
           request("", body, "GET /api/chat HTTP/1.1"),
           request("", body, "POST /api/chat?x=1 HTTP/1.1"),
           request("", body, "POST /api/chat/ HTTP/1.1"),
           request("", body, "POST /api/cha%74 HTTP/1.1"),
           request("", body, "POST /api/sessions HTTP/1.1"),
           request("", body, "POST http://127.0.0.1/api/chat HTTP/1.1"),
           request("Host: 10.0.0.1\r\n", body),                  // a second Host
           request("Origin: a\r\nOrigin: b\r\n", body),          // a second Origin
           request("Authorization: a\r\nauthorization: b\r\n", body),
           request("Content-Type: a\r\nContent-Type: b\r\n", body),
           request("Origin: http://127.0.0.1%3A1\r\n", body),    // cpp-httplib would decode it
           request("Expect: 100-continue\r\n", body),
           request("Upgrade: websocket\r\nConnection: upgrade\r\n", body),
           request("Transfer-Encoding: identity\r\n", body),
           std::string("POST /api/chat HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "2\r\n{}\r\n0\r\n\r\n"),
           std::string("POST /api/chat HTTP/1.1\r\nHost: h\r\n\r\n"), // no Content-Length
           request("", body).substr(0, request("", body).size() - 1),  // the body not all here
           request("", body).substr(0, 30),                             // nor the head
           std::string("POST /api/chat HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
                       "Content-Length: 3\r\n\r\n{}}"),
           std::string("POST /api/chat HTTP/1.1\r\nBad Header\r\n\r\n"),
       })
    EXPECT_FALSE(read_lane_request(bytes, 1 << 20)) << bytes;
}

TEST(ChatLane, LeavesABodyOverTheLimitToCppHttplibsRefusal) {
  EXPECT_TRUE(read_lane_request(request("", std::string(100, 'x')), 100));
  EXPECT_FALSE(read_lane_request(request("", std::string(101, 'x')), 100));
}

} // namespace

// HTTP as data: URLs, secrets kept out of requests and logs, Retry-After.
#include "imc/http.h"

#include <gtest/gtest.h>

#include <map>

namespace imc {
namespace {

TEST(SplitUrl, SplitsSchemeHostPortPathAndQuery) {
  const auto url = split_url("https://api.openai.com/v1/chat/completions?x=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "api.openai.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->path, "/v1/chat/completions");
  EXPECT_EQ(url->query, "x=1");
  EXPECT_EQ(url->origin(), "https://api.openai.com");
  EXPECT_EQ(url->target(), "/v1/chat/completions?x=1");
}

TEST(SplitUrl, KeepsExplicitPortsAndIpv6Hosts) {
  const auto local = split_url("http://127.0.0.1:8081");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->port, 8081);
  EXPECT_EQ(local->path, "/");
  EXPECT_EQ(local->origin(), "http://127.0.0.1:8081");
  const auto v6 = split_url("http://[::1]:9000/v1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->origin(), "http://[::1]:9000");
}

TEST(SplitUrl, RejectsWhatIsNoEndpointUrl) {
  for (const char *bad : {"", "api.openai.com/v1", "ftp://host/", "https://", "https://:80/",
                          "http://host:0/", "http://host:99999/", "http://host:8x/",
                          "https://user:pw@host/", "https://host/#frag", "http://[::1/"})
    EXPECT_FALSE(split_url(bad)) << bad;
}

TEST(PercentEncode, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(percent_encode("anthropic.claude-3-5-sonnet-20240620-v1:0"),
            "anthropic.claude-3-5-sonnet-20240620-v1%3A0");
  EXPECT_EQ(percent_encode("arn:aws:bedrock:us-east-1:1:inference-profile/x"),
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx");
  EXPECT_EQ(percent_encode("a b~\xC3\xA9"), "a%20b~%C3%A9");
}

TEST(Redact, ReplacesKnownSecretHeadersWhateverTheirCase) {
  const Headers headers{{"Authorization", "Bearer sk-live"},
                        {"x-api-key", "k1"},
                        {"X-Goog-Api-Key", "k2"},
                        {"x-amz-security-token", "t"},
                        {"content-type", "application/json"}};
  const Headers expected{{"Authorization", "[REDACTED]"},
                         {"x-api-key", "[REDACTED]"},
                         {"X-Goog-Api-Key", "[REDACTED]"},
                         {"x-amz-security-token", "[REDACTED]"},
                         {"content-type", "application/json"}};
  EXPECT_EQ(redact(headers), expected);
}

TEST(Redact, ReplacesKeyQueryParameters) {
  EXPECT_EQ(redact_url("https://g.example/v1beta/models/m:generateContent?alt=sse&key=AIza123"),
            "https://g.example/v1beta/models/m:generateContent?alt=sse&key=[REDACTED]");
  EXPECT_EQ(redact_url("https://s3.example/o?X-Amz-Signature=abc&keep=1#top"),
            "https://s3.example/o?X-Amz-Signature=[REDACTED]&keep=1#top");
  EXPECT_EQ(redact_url("https://h/p?monkey=1"), "https://h/p?monkey=1");
  EXPECT_EQ(redact_url("https://h/p"), "https://h/p");
}

TEST(Redact, AlsoCoversHeadersNamedByTheRequestsAuthNeeds) {
  HttpRequest request;
  request.url = "https://h/p?key=secret";
  request.headers = {{"x-custom-key", "v"}, {"authorization", "Bearer t"}, {"accept", "*/*"}};
  request.auth = {EnvSecretHeader{"x-custom-key", "", "MY_KEY"}};
  request.body = "{}";
  const HttpRequest safe = redact(request);
  EXPECT_EQ(safe.url, "https://h/p?key=[REDACTED]");
  EXPECT_EQ(safe.headers, (Headers{{"x-custom-key", "[REDACTED]"},
                                   {"authorization", "[REDACTED]"},
                                   {"accept", "*/*"}}));
  EXPECT_EQ(safe.body, "{}");
}

TEST(AddSecretHeaders, FillsHeaderNeedsFromTheEnvironmentAndKeepsSigV4) {
  HttpRequest request;
  request.auth = {
      EnvSecretHeader{"authorization", "Bearer ", "OPENAI_API_KEY"},
      SigV4Signing{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "", "us-east-1", "bedrock"}};
  const std::map<std::string, std::string> env{{"OPENAI_API_KEY", "sk-test"}};
  const auto status = add_secret_headers(request, [&](const std::string &name) {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
  ASSERT_TRUE(status);
  EXPECT_EQ(request.headers, (Headers{{"authorization", "Bearer sk-test"}}));
  ASSERT_EQ(request.auth.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<SigV4Signing>(request.auth[0]));
}

TEST(AddSecretHeaders, NamesTheMissingVariableNeverAValue) {
  HttpRequest request;
  request.auth = {EnvSecretHeader{"x-api-key", "", "ANTHROPIC_API_KEY"},
                  EnvSecretHeader{"x-goog-api-key", "", "GEMINI_API_KEY"}};
  const auto status = add_secret_headers(request, [](const std::string &name) {
    return name == "GEMINI_API_KEY" ? std::optional<std::string>("") : std::nullopt;
  });
  ASSERT_FALSE(status);
  ASSERT_EQ(status.errors().size(), 2u);
  EXPECT_EQ(status.errors()[0].message(),
            "environment: ANTHROPIC_API_KEY: expected an API key for the x-api-key header, "
            "found unset");
  EXPECT_EQ(status.errors()[1].found, "an empty variable");
  EXPECT_TRUE(request.headers.empty());
}

TEST(RetryAfter, ReadsDelaySeconds) {
  EXPECT_EQ(parse_retry_after_ms("30"), 30000);
  EXPECT_EQ(parse_retry_after_ms(" 0 "), 0);
  EXPECT_EQ(parse_retry_after_ms("1.5"), 1500);
  EXPECT_EQ(parse_retry_after_ms("0.0625"), 62);
  EXPECT_FALSE(parse_retry_after_ms("-1"));
  EXPECT_FALSE(parse_retry_after_ms("soon"));
  EXPECT_FALSE(parse_retry_after_ms("1."));
  EXPECT_FALSE(parse_retry_after_ms("99999999999999999999"));
}

TEST(RetryAfter, TurnsAnHttpDateIntoADelayOnlyWithANow) {
  const int64_t date = *parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_EQ(date, 1445412480000);
  EXPECT_EQ(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", date - 2500), 2500);
  EXPECT_EQ(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", date + 10), 0);
  EXPECT_FALSE(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(RetryAfter, ParsesOnlyImfFixdate) {
  EXPECT_EQ(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT"), 1835481599000);
  EXPECT_FALSE(parse_http_date("Wednesday, 21-Oct-15 07:28:00 GMT"));
  EXPECT_FALSE(parse_http_date("Wed Oct 21 07:28:00 2015"));
  EXPECT_FALSE(parse_http_date("Wed, 21 Foo 2015 07:28:00 GMT"));
  EXPECT_FALSE(parse_http_date("Wed, 21 Oct 2015 25:28:00 GMT"));
}

TEST(RetryAfter, UsesTheResponsesDateHeaderWhenTheCallerHasNoClock) {
  HttpResponseHead head;
  head.status = 429;
  head.headers = {{"Date", "Wed, 21 Oct 2015 07:27:57 GMT"},
                  {"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}};
  EXPECT_EQ(retry_after_ms(head), 3000);
  head.received_at_ms = *parse_http_date("Wed, 21 Oct 2015 07:27:59 GMT");
  EXPECT_EQ(retry_after_ms(head), 1000);
  head.headers.emplace_back("retry-after-ms", "250");
  EXPECT_EQ(retry_after_ms(head), 250);
}

} // namespace
} // namespace imc

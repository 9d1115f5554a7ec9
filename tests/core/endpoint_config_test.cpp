// Endpoint config: defaults, auth rules, the no-secrets rules, serialisation.
#include "imc/endpoint_config.h"

#include "core/format_test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imc {
namespace {

using namespace test; // fixtures, JSON edits, error lookups
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char *kSource = "endpoints.json";

Result<EndpointConfig> parse_json(const OrderedJson &doc) {
  return parse_endpoint_config(doc.dump(), kSource);
}

TEST(EndpointEnums, EveryValueRoundTripsThroughItsJsonName) {
  for (auto p : {Protocol::openai, Protocol::anthropic, Protocol::bedrock, Protocol::gemini})
    EXPECT_EQ(parse_protocol(to_string(p)), p);
  for (auto a : {AuthType::none, AuthType::bearer, AuthType::api_key_header, AuthType::sigv4,
                 AuthType::bedrock_api_key})
    EXPECT_EQ(parse_auth_type(to_string(a)), a);
  EXPECT_EQ(parse_protocol("OpenAI"), std::nullopt);
}

TEST(EndpointConfigParsing, ReadsEveryAuthTypeOfTheFixture) {
  const auto c = parse_endpoint_config(fixture("valid/endpoints.json"), kSource);
  ASSERT_TRUE(c.ok()) << format_errors(c.errors());
  ASSERT_EQ(c->endpoints.size(), 6u);
  const Endpoint &openai = c->endpoints[0];
  EXPECT_EQ(openai.auth.type, AuthType::bearer);
  EXPECT_EQ(openai.auth.api_key_env, "OPENAI_API_KEY");
  EXPECT_EQ(openai.defaults.temperature, 0.2);
  EXPECT_EQ(openai.limits.tokens_per_minute, 200000);
  const Endpoint &claude = *c->find("claude");
  EXPECT_EQ(claude.auth.header, "x-api-key");
  EXPECT_EQ(claude.defaults.system_prompt, "You are a careful clinician.");
  EXPECT_EQ(claude.extra_headers, (std::vector<std::pair<std::string, std::string>>{
                                      {"anthropic-version", "2023-06-01"}}));
  EXPECT_EQ(c->find("bedrock_key")->auth.region, "eu-west-1");
  EXPECT_EQ(c->find("nope"), nullptr);
}

TEST(EndpointConfigParsing, AppliesDocumentedDefaults) {
  const auto c = parse_endpoint_config(fixture("valid/endpoints.json"), kSource);
  ASSERT_TRUE(c.ok());
  const Endpoint &gemini = *c->find("gemini");
  EXPECT_TRUE(gemini.capabilities.images);
  EXPECT_TRUE(gemini.capabilities.streaming);
  EXPECT_EQ(gemini.limits.concurrency, 4);
  EXPECT_EQ(gemini.limits.requests_per_minute, 0);
  EXPECT_EQ(gemini.timeouts.connect_ms, 10000);
  EXPECT_EQ(gemini.timeouts.first_byte_ms, 60000);
  EXPECT_EQ(gemini.timeouts.total_ms, 300000);
  EXPECT_FALSE(gemini.defaults.temperature.has_value());
  EXPECT_FALSE(gemini.defaults.system_prompt.has_value());
  const Endpoint &local = *c->find("local-llama");
  EXPECT_FALSE(local.capabilities.images);
  EXPECT_TRUE(local.capabilities.streaming);
  EXPECT_EQ(local.timeouts.total_ms, 30000);
  EXPECT_EQ(local.timeouts.connect_ms, 10000);
}

TEST(EndpointConfigParsing, Sigv4DefaultsToTheStandardAwsVariables) {
  const auto c = parse_endpoint_config(fixture("valid/endpoints.json"), kSource);
  ASSERT_TRUE(c.ok());
  const EndpointAuth &auth = c->find("bedrock.sigv4")->auth;
  EXPECT_EQ(auth.type, AuthType::sigv4);
  EXPECT_EQ(auth.access_key_id_env, "AWS_ACCESS_KEY_ID");
  EXPECT_EQ(auth.secret_access_key_env, "AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(auth.session_token_env, "AWS_SESSION_TOKEN");
  EXPECT_EQ(auth.service, "bedrock");
  EXPECT_EQ(auth.region, "us-east-1");
  EXPECT_EQ(c->find("bedrock.sigv4")->limits.requests_per_minute, 0.5);
}

TEST(EndpointConfigParsing, RejectsAuthorizationInExtraHeadersWithoutEchoingTheValue) {
  const auto c =
      parse_endpoint_config(fixture("invalid/endpoints-authorization-header.json"), kSource);
  const Error e = single_error(c, "/endpoints/0/extra_headers/Authorization");
  EXPECT_THAT(e.expected, HasSubstr("environment variables"));
  EXPECT_THAT(format_errors(c.errors()), Not(HasSubstr("sk-test")));
}

TEST(EndpointConfigParsing, RejectsEveryKeyLikeHeaderName) {
  for (const char *name :
       {"x-api-key", "X-Goog-Api-Key", "api-key", "Proxy-Authorization", "X-Amz-Security-Token",
        "Cookie", "ocp-apim-subscription-key", "X_Auth"}) {
    auto doc = fixture_json("valid/endpoints.json");
    at(doc, "/endpoints/5/extra_headers") = OrderedJson{{name, "x"}};
    single_error(parse_json(doc), "/endpoints/5/extra_headers/" + std::string(name));
  }
  single_error(
      parse_endpoint_config(fixture("invalid/endpoints-goog-api-key-header.json"), kSource),
      "/endpoints/5/extra_headers/x-goog-api-key");
}

TEST(EndpointConfigParsing, RejectsKeyShapedHeaderValueWithoutEchoingIt) {
  auto doc = fixture_json("valid/endpoints.json");
  at(doc, "/endpoints/5/extra_headers/X-Custom") = "sk-ant-api03-secretsecret";
  const auto c = parse_json(doc);
  EXPECT_THAT(single_error(c, "/endpoints/5/extra_headers/X-Custom").found, HasSubstr("not shown"));
  EXPECT_THAT(format_errors(c.errors()), Not(HasSubstr("secretsecret")));
}

TEST(EndpointConfigParsing, RejectsHeaderValueThatWouldSplitTheHeader) {
  auto doc = fixture_json("valid/endpoints.json");
  at(doc, "/endpoints/5/extra_headers/X-Title") = "a\r\nX-Injected: 1";
  single_error(parse_json(doc), "/endpoints/5/extra_headers/X-Title");
}

TEST(EndpointConfigParsing, RejectsTheSameHeaderTwiceInAnyCase) {
  auto doc = fixture_json("valid/endpoints.json");
  at(doc, "/endpoints/5/extra_headers/x-title") = "again";
  EXPECT_THAT(single_error(parse_json(doc), "/endpoints/5/extra_headers/x-title").found,
              HasSubstr("X-Title"));
}

TEST(EndpointConfigParsing, RejectsKeyPastedIntoAnEnvironmentVariableField) {
  auto doc = fixture_json("valid/endpoints.json");
  at(doc, "/endpoints/0/auth/api_key_env") = "sk-proj-abcdefghijkl";
  const auto c = parse_json(doc);
  EXPECT_THAT(single_error(c, "/endpoints/0/auth/api_key_env").expected,
              HasSubstr("environment variable name"));
  EXPECT_THAT(format_errors(c.errors()), Not(HasSubstr("abcdefghijkl")));
}

TEST(EndpointConfigParsing, InvalidJsonMessageDoesNotQuoteTheText) {
  const auto c = parse_endpoint_config("{\"endpoints\": [{\"name\": sk-live-abcdef}]}", kSource);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.errors()[0].pointer, HasSubstr("line 1"));
  EXPECT_THAT(format_errors(c.errors()), Not(HasSubstr("abcdef")));
}

TEST(EndpointConfigParsing, RejectsUrlsThatAreNotHttp) {
  single_error(parse_endpoint_config(fixture("invalid/endpoints-ftp-url.json"), kSource),
               "/endpoints/0/base_url");
  for (const char *bad : {"api.openai.com/v1", "https://", "https://user:pass@host/v1",
                          "http://host/with space", "HTTPS://host"}) {
    auto doc = fixture_json("valid/endpoints.json");
    at(doc, "/endpoints/0/base_url") = bad;
    const auto c = parse_json(doc);
    single_error(c, "/endpoints/0/base_url");
    EXPECT_THAT(format_errors(c.errors()), Not(HasSubstr("pass@"))) << bad;
  }
}

TEST(EndpointConfigParsing, RequiresTheFieldsOfEachAuthType) {
  single_error(
      parse_endpoint_config(fixture("invalid/endpoints-bearer-without-key-env.json"), kSource),
      "/endpoints/0/auth/api_key_env");
  auto doc = fixture_json("valid/endpoints.json");
  erase(doc, "/endpoints/1/auth/header");
  erase(doc, "/endpoints/2/auth/region");
  erase(doc, "/endpoints/3/auth/region");
  const auto c = parse_json(doc);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.errors().size(), 3u) << format_errors(c.errors());
  for (const char *pointer :
       {"/endpoints/1/auth/header", "/endpoints/2/auth/region", "/endpoints/3/auth/region"})
    EXPECT_EQ(error_at(c.errors(), pointer)->found, "missing") << pointer;
}

TEST(EndpointConfigParsing, RejectsKeysNotUsedByTheAuthType) {
  const Error e = single_error(
      parse_endpoint_config(fixture("invalid/endpoints-key-not-used-by-auth-type.json"), kSource),
      "/endpoints/0/auth/region");
  EXPECT_EQ(e.found, "an unknown key");
  EXPECT_EQ(e.expected, "one of the keys type|api_key_env");
  auto doc = fixture_json("valid/endpoints.json");
  at(doc, "/endpoints/5/auth/api_key_env") = "LOCAL_KEY";
  single_error(parse_json(doc), "/endpoints/5/auth/api_key_env");
}

TEST(EndpointConfigParsing, UnknownAuthTypeIsTheOnlyErrorReported) {
  auto doc = fixture_json("valid/endpoints.json");
  at(doc, "/endpoints/0/auth/type") = "oauth";
  const Error e = single_error(parse_json(doc), "/endpoints/0/auth/type");
  EXPECT_EQ(e.expected, "one of none|bearer|api_key_header|sigv4|bedrock_api_key");
}

TEST(EndpointConfigParsing, RejectsDuplicateEndpointNames) {
  auto doc = fixture_json("valid/endpoints.json");
  at(doc, "/endpoints/4/name") = "claude";
  EXPECT_THAT(single_error(parse_json(doc), "/endpoints/4/name").found, HasSubstr("index 1"));
}

TEST(EndpointConfigParsing, RejectsValuesOutsideTheirRanges) {
  auto doc = fixture_json("valid/endpoints.json");
  at(doc, "/endpoints/0/defaults/temperature") = 2.5;
  at(doc, "/endpoints/0/defaults/max_tokens") = 0;
  at(doc, "/endpoints/0/limits/concurrency") = 0;
  at(doc, "/endpoints/0/limits/requests_per_minute") = -1;
  at(doc, "/endpoints/0/timeouts/connect_ms") = 0;
  at(doc, "/endpoints/0/capabilities/images") = "yes";
  at(doc, "/endpoints/0/name") = "has space";
  const auto c = parse_json(doc);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.errors().size(), 7u) << format_errors(c.errors());
}

TEST(EndpointConfigSerialization, RoundTripsTheFixture) {
  const auto c = parse_endpoint_config(fixture("valid/endpoints.json"), kSource);
  ASSERT_TRUE(c.ok());
  const std::string text = serialize_endpoint_config(*c);
  const auto again = parse_endpoint_config(text, "serialized");
  ASSERT_TRUE(again.ok()) << format_errors(again.errors()) << text;
  EXPECT_TRUE(*again == *c);
  EXPECT_EQ(serialize_endpoint_config(*again), text);
  EXPECT_THAT(text, HasSubstr("\"requests_per_minute\": 60,"));
  EXPECT_THAT(text, HasSubstr("\"requests_per_minute\": 0.5,"));
}

TEST(EndpointConfigSerialization, RoundTripsAnEmptySystemPromptOverride) {
  EndpointConfig c;
  Endpoint e;
  e.name = "local";
  e.base_url = "http://127.0.0.1:8080/v1";
  e.model = "m";
  e.defaults.system_prompt = "";
  c.endpoints.push_back(e);
  const auto again = parse_endpoint_config(serialize_endpoint_config(c), "serialized");
  ASSERT_TRUE(again.ok()) << format_errors(again.errors());
  EXPECT_TRUE(*again == c);
  ASSERT_TRUE(again->endpoints[0].defaults.system_prompt.has_value());
}

} // namespace
} // namespace imc

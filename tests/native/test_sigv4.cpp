// SigV4 signing (native/transport/sigv4.h) against AWS's published test suite
// (tests/native/data/sigv4/, README there), the Bedrock canonical-URI rule, credentials from the
// environment, and a signed Bedrock call that the fake upstream verifies.
#include "support/fake_upstream.h"
#include "transport/http_transport.h"
#include "transport/sigv4.h"

#include "imc/provider.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

namespace imc::test {
namespace {

using namespace imc::transport;

const std::string kSuiteFile =
    std::string(imc::test::source_dir()) + "/tests/native/data/sigv4/aws-sig-v4-test-suite.json";

nlohmann::json load_suite() {
  std::ifstream in(kSuiteFile);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str(), nullptr, false);
}

const nlohmann::json &suite() {
  static const nlohmann::json j = load_suite();
  return j;
}

// A .req file of the suite: "METHOD URI HTTP/1.1", "Name:value" lines, a blank line, the body.
SigV4Request parse_req(const std::string &text) {
  SigV4Request r;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const size_t first = line.find(' '), last = line.rfind(' ');
  r.method = line.substr(0, first);
  const std::string uri = line.substr(first + 1, last - first - 1);
  const size_t q = uri.find('?');
  r.path = uri.substr(0, q);
  r.query = q == std::string::npos ? "" : uri.substr(q + 1);
  while (std::getline(in, line) && !line.empty()) {
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) { // folded value
      r.headers.back().second += "," + line;
      continue;
    }
    const size_t colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::string body, rest;
  bool first_line = true;
  while (std::getline(in, rest)) {
    body += (first_line ? "" : "\n") + rest;
    first_line = false;
  }
  r.body = body;
  return r;
}

std::vector<std::string> vector_names() {
  std::vector<std::string> names;
  if (suite().is_discarded())
    return {"suite-file-missing"};
  for (const auto &t : suite()["tests"]["all"])
    if (t["name"] != "post-x-www-form-urlencoded-parameters") // inconsistent, see README
      names.push_back(t["name"]);
  return names;
}

class AwsSigV4TestSuite : public ::testing::TestWithParam<std::string> {};

TEST_P(AwsSigV4TestSuite, CanonicalRequestStringToSignAndAuthorizationMatch) {
  ASSERT_FALSE(suite().is_discarded()) << "cannot read " << kSuiteFile;
  const auto &config = suite()["config"];
  nlohmann::json vector;
  for (const auto &t : suite()["tests"]["all"])
    if (t["name"] == GetParam())
      vector = t;
  ASSERT_FALSE(vector.is_null());

  SigV4Request request = parse_req(vector["req"]);
  const bool creq_disagrees = GetParam() == "post-x-www-form-urlencoded";
  if (creq_disagrees) // its sts and authz were computed without Content-Length (README)
    request.headers.erase(std::remove_if(request.headers.begin(), request.headers.end(),
                                         [](const auto &h) { return h.first == "Content-Length"; }),
                          request.headers.end());
  const SigV4Credentials credentials{config["accessKeyId"], config["secretAccessKey"], ""};
  const SigV4Signature signature =
      sigv4_sign(request, credentials, config["region"].get<std::string>(),
                 config["service"].get<std::string>(), "20150830T123600Z");
  if (!creq_disagrees) {
    EXPECT_EQ(signature.canonical_request, vector["creq"].get<std::string>());
  }
  EXPECT_EQ(signature.string_to_sign, vector["sts"].get<std::string>());
  EXPECT_EQ(signature.authorization, vector["authz"].get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(Vectors, AwsSigV4TestSuite, ::testing::ValuesIn(vector_names()),
                         [](const ::testing::TestParamInfo<std::string> &info) {
                           std::string name = info.param;
                           for (char &c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return name;
                         });

TEST(SigV4, SuiteCoversTheCasesTheIssueNames) {
  const auto names = vector_names();
  for (const char *name :
       {"get-vanilla", "get-vanilla-query-order-key-case", "post-vanilla",
        "post-x-www-form-urlencoded", "get-header-value-trim", "post-sts-header-before",
        "post-sts-header-after", "get-slashes", "get-vanilla-utf8-query"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
}

TEST(SigV4, BedrockModelIdIsEncodedOnceMoreInTheCanonicalUri) {
  // On the wire the model id's ":" is "%3A"; a non-S3 canonical URI encodes the path again.
  EXPECT_EQ(sigv4_canonical_uri("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream"),
            "/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse-stream");
  EXPECT_EQ(sigv4_canonical_uri("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Ainference-profile"
                                "%2Fus.anthropic.claude/converse"),
            "/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A123%253Ainference-profile"
            "%252Fus.anthropic.claude/converse");
}

TEST(SigV4, CanonicalQueryDecodesThenEncodesAndSorts) {
  EXPECT_EQ(sigv4_canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(sigv4_canonical_query("alt=sse"), "alt=sse");
  EXPECT_EQ(sigv4_canonical_query("k=a%20b&flag"), "flag=&k=a%20b");
  EXPECT_EQ(sigv4_canonical_query(""), "");
}

TEST(SigV4, AmzDateIsUtcBasicFormat) {
  EXPECT_EQ(amz_date(1440938160000), "20150830T123600Z");
  EXPECT_EQ(amz_date(0), "19700101T000000Z");
}

TEST(SigV4, Sha256AndHmacMatchKnownValues) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  std::string mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  std::string hex;
  for (unsigned char c : mac) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    hex += b;
  }
  EXPECT_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values](const std::string &name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end())
      return std::nullopt;
    return it->second;
  };
}

const SigV4Signing kNeed{"TEST_AWS_KEY_ID", "TEST_AWS_SECRET", "TEST_AWS_TOKEN", "us-east-1",
                         "bedrock"};

TEST(SigV4, SignRequestAddsDateTokenAndAuthorizationThatVerify) {
  HttpRequest request;
  request.url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m%3A0/converse";
  request.headers = {{"content-type", "application/json"}, {"accept", "application/json"}};
  request.body = "{\"messages\":[]}";
  const auto env = env_of({{"TEST_AWS_KEY_ID", "AKIDEXAMPLE"},
                           {"TEST_AWS_SECRET", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                           {"TEST_AWS_TOKEN", "session-token-value"}});
  ASSERT_TRUE(sign_request_sigv4(request, kNeed, env, 1440938160000));
  EXPECT_EQ(*find_header(request.headers, "x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(*find_header(request.headers, "host"), "bedrock-runtime.us-east-1.amazonaws.com");
  EXPECT_EQ(*find_header(request.headers, "x-amz-security-token"), "session-token-value");
  const std::string authorization = *find_header(request.headers, "authorization");
  EXPECT_EQ(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                                "bedrock/aws4_request, SignedHeaders=accept;content-type;host;"
                                "x-amz-date;x-amz-security-token, Signature=",
                                0),
            0u)
      << authorization;
  // Signing again (a retry) replaces the signer's headers instead of adding more.
  ASSERT_TRUE(sign_request_sigv4(request, kNeed, env, 1440938161000));
  size_t authorizations = 0;
  for (const auto &h : request.headers)
    authorizations += h.first == "authorization";
  EXPECT_EQ(authorizations, 1u);
}

TEST(SigV4, MissingCredentialsNameTheVariablesNeverValues) {
  HttpRequest request;
  request.url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse";
  const auto status = sign_request_sigv4(
      request, kNeed, env_of({{"TEST_AWS_SECRET", "secret-value-xyz"}, {"TEST_AWS_TOKEN", ""}}), 0);
  ASSERT_FALSE(status);
  const std::string text = format_errors(status.errors());
  EXPECT_NE(text.find("TEST_AWS_KEY_ID"), std::string::npos) << text;
  EXPECT_NE(text.find("TEST_AWS_TOKEN"), std::string::npos) << text;
  EXPECT_EQ(text.find("TEST_AWS_SECRET"), std::string::npos) << text; // it is set
  EXPECT_EQ(text.find("secret-value-xyz"), std::string::npos) << text;
}

// ---------------------------------------------------------------------------------------------
// A Bedrock ConverseStream call signed by the transport and verified by the fake upstream,
// which recomputes the signature over the request exactly as it arrived.

struct ParsedAuthorization {
  std::string access_key_id, date, region, service, signed_headers, signature;
};

std::optional<ParsedAuthorization> parse_authorization(const std::string &value) {
  const std::string prefix = "AWS4-HMAC-SHA256 Credential=";
  if (value.rfind(prefix, 0) != 0)
    return std::nullopt;
  ParsedAuthorization a;
  std::string credential = value.substr(prefix.size(), value.find(',') - prefix.size());
  std::vector<std::string> scope;
  std::stringstream parts(credential);
  for (std::string part; std::getline(parts, part, '/');)
    scope.push_back(part);
  if (scope.size() != 5)
    return std::nullopt;
  a.access_key_id = scope[0];
  a.date = scope[1];
  a.region = scope[2];
  a.service = scope[3];
  const size_t sh = value.find("SignedHeaders="), sig = value.find("Signature=");
  if (sh == std::string::npos || sig == std::string::npos)
    return std::nullopt;
  a.signed_headers = value.substr(sh + 14, value.find(',', sh) - sh - 14);
  a.signature = value.substr(sig + 10);
  return a;
}

FakeUpstream::Handler verifying_handler(SigV4Credentials server_credentials) {
  return [server_credentials](const FakeRequest &request) {
    const auto denied = [](const std::string &why) {
      return fake_reply::json(403, "{\"message\":\"" + why + "\"}",
                              {{"x-amzn-ErrorType", "InvalidSignatureException:"}});
    };
    const auto auth = parse_authorization(request.header("authorization"));
    if (!auth)
      return denied("Missing or malformed Authorization header");
    if (auth->access_key_id != server_credentials.access_key_id)
      return denied("The security token included in the request is invalid");
    SigV4Request signable;
    signable.method = request.method;
    const size_t q = request.target.find('?');
    signable.path = request.target.substr(0, q);
    signable.query = q == std::string::npos ? "" : request.target.substr(q + 1);
    std::stringstream names(auth->signed_headers);
    for (std::string name; std::getline(names, name, ';');)
      for (const auto &[key, value] : request.headers)
        if (strcasecmp(key.c_str(), name.c_str()) == 0)
          signable.headers.emplace_back(key, value);
    signable.body = request.body;
    const auto expected = sigv4_sign(signable, server_credentials, auth->region, auth->service,
                                     request.header("x-amz-date"));
    if (expected.signature != auth->signature)
      return denied("The request signature we calculated does not match the signature you "
                    "provided");
    if (!server_credentials.session_token.empty() &&
        request.header("x-amz-security-token") != server_credentials.session_token)
      return denied("The security token included in the request is invalid");
    return fake_reply::bedrock_eventstream({"signed ", "and ", "verified"});
  };
}

Endpoint bedrock_endpoint(const FakeUpstream &fake, const std::string &name) {
  Endpoint e;
  e.name = name;
  e.protocol = Protocol::bedrock;
  e.base_url = fake.base_url();
  e.model = "anthropic.claude-3-haiku-20240307-v1:0";
  e.auth.type = AuthType::sigv4;
  e.auth.access_key_id_env = "TEST_AWS_KEY_ID";
  e.auth.secret_access_key_env = "TEST_AWS_SECRET";
  e.auth.session_token_env = "TEST_AWS_TOKEN";
  e.auth.region = "us-east-1";
  e.auth.service = "bedrock";
  e.timeouts = {2000, 5000, 10000};
  return e;
}

ChatRequest streamed_hello() {
  ChatRequest r;
  r.system = "Be brief.";
  r.turns = {user_text("Hello")};
  r.parameters.stream = true;
  r.parameters.max_tokens = 32;
  return r;
}

TEST(SigV4Bedrock, SignedConverseStreamIsAcceptedByAVerifyingServer) {
  FakeUpstream fake;
  const std::string path = "/model/anthropic.claude-3-haiku-20240307-v1:0/converse-stream";
  fake.handle("POST", path,
              verifying_handler({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                 "session-token-value"}));
  TransportOptions options;
  options.env = env_of({{"TEST_AWS_KEY_ID", "AKIDEXAMPLE"},
                        {"TEST_AWS_SECRET", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                        {"TEST_AWS_TOKEN", "session-token-value"}});
  HttpTransport transport(options);
  const auto r = transport.chat(bedrock_endpoint(fake, "bedrock-signed"), streamed_hello());
  ASSERT_TRUE(r.response.complete()) << r.wire_log.error_message;
  EXPECT_EQ(r.response.text, "signed and verified");
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  // The model id travelled percent-encoded, as Bedrock requires.
  EXPECT_NE(requests[0].target.find("v1%3A0/converse-stream"), std::string::npos)
      << requests[0].target;
  const std::string log = serialize_wire_log(r.wire_log);
  EXPECT_EQ(log.find("wJalrXUtnFEMI"), std::string::npos);
  EXPECT_EQ(log.find("session-token-value"), std::string::npos);
}

TEST(SigV4Bedrock, WrongSecretIsRejectedAsAnAuthError) {
  FakeUpstream fake;
  fake.handle("POST", "/model/anthropic.claude-3-haiku-20240307-v1:0/converse-stream",
              verifying_handler({"AKIDEXAMPLE", "the-real-secret-key-000", ""}));
  TransportOptions options;
  options.env = env_of({{"TEST_AWS_KEY_ID", "AKIDEXAMPLE"},
                        {"TEST_AWS_SECRET", "a-wrong-secret-key-111"},
                        {"TEST_AWS_TOKEN", "session-token-value"}});
  HttpTransport transport(options);
  const auto r = transport.chat(bedrock_endpoint(fake, "bedrock-wrong"), streamed_hello());
  ASSERT_TRUE(r.response.error);
  EXPECT_EQ(r.response.error->kind, ErrorKind::auth);
  EXPECT_EQ(r.response.error->http_status, 403);
  EXPECT_NE(r.response.error->message.find("signature"), std::string::npos)
      << r.response.error->message;
}

} // namespace
} // namespace imc::test

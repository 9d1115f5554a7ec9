// Endpoint config: enum names, codec (with the no-secrets rules), equality.
#include "imc/endpoint_config.h"

#include "compare.h"
#include "enum_table.h"
#include "json_reader.h"
#include "json_writer.h"
#include "text_util.h"

#include <cmath>
#include <map>
#include <tuple>

namespace imc {

using detail::Json;
using detail::Need;
using detail::ObjectReader;

namespace {

constexpr detail::EnumTable<Protocol, 4> kProtocolNames{{
    {Protocol::openai, "openai"},
    {Protocol::anthropic, "anthropic"},
    {Protocol::bedrock, "bedrock"},
    {Protocol::gemini, "gemini"},
}};
constexpr detail::EnumTable<AuthType, 5> kAuthTypeNames{{
    {AuthType::none, "none"},
    {AuthType::bearer, "bearer"},
    {AuthType::api_key_header, "api_key_header"},
    {AuthType::sigv4, "sigv4"},
    {AuthType::bedrock_api_key, "bedrock_api_key"},
}};

constexpr detail::TextRule kRegionText{"an AWS region such as us-east-1", detail::is_identifier};
constexpr detail::TextRule kServiceText{"an AWS service name such as bedrock",
                                        detail::is_identifier};

constexpr const char *kDefaultAccessKeyIdEnv = "AWS_ACCESS_KEY_ID";
constexpr const char *kDefaultSecretAccessKeyEnv = "AWS_SECRET_ACCESS_KEY";
constexpr const char *kDefaultSigv4Service = "bedrock";
constexpr double kMaxTemperature = 2;
constexpr int kMaxInt = std::numeric_limits<int>::max();

bool is_header_value(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0')
      return false; // would split or end the header
  return true;
}
constexpr detail::TextRule kHeaderValueText{"a header value on one line", is_header_value};

// Header names that carry credentials: Authorization, Proxy-Authorization, x-api-key,
// x-goog-api-key, api-key, X-Amz-Security-Token, Cookie... Matched on the words of the name, so
// new variants are caught too. docs/schemas/endpoints.schema.json lists the same words.
bool is_credential_header(std::string_view name) {
  static const char *const kWords[] = {"key",    "apikey",    "token",       "secret",
                                       "auth",   "password",  "passwd",      "credential",
                                       "cookie", "signature", "credentials", "authorization"};
  const std::string lower = ascii::lower(name);
  size_t start = 0;
  while (start <= lower.size()) {
    size_t end = lower.find_first_of("-_", start);
    if (end == std::string::npos)
      end = lower.size();
    const std::string_view word = std::string_view(lower).substr(start, end - start);
    for (const char *k : kWords)
      if (word == k)
        return true;
    start = end + 1;
  }
  return false;
}

// Values shaped like keys (the name of the header may look harmless: "X-Custom: sk-...").
bool is_credential_value(std::string_view value) {
  const std::string lower = ascii::lower(value);
  if (ascii::starts_with(lower, "bearer ") || ascii::starts_with(lower, "basic ") ||
      ascii::starts_with(lower, "token "))
    return true;
  for (const char *prefix : {"sk-", "sk_", "AIza", "hf_", "ghp_", "xoxb-", "AKIA", "ASIA"})
    if (ascii::starts_with(value, prefix))
      return true;
  return false;
}

void read_auth(ObjectReader &o, EndpointAuth &auth) {
  const size_t errors_before = o.doc().error_count();
  read_enum(o, "type", Need::required, kAuthTypeNames, auth.type);
  const bool type_known = o.doc().error_count() == errors_before;
  // With an unknown type every field is optional: the type error alone says what to fix.
  const auto need = [&](bool required_for_type) {
    return type_known && required_for_type ? Need::required : Need::optional;
  };
  const AuthType t = auth.type;
  const bool any = !type_known;
  if (any || t == AuthType::bearer || t == AuthType::api_key_header ||
      t == AuthType::bedrock_api_key)
    read_string(o, "api_key_env", need(true), detail::kEnvVarText, auth.api_key_env);
  if (any || t == AuthType::api_key_header)
    read_string(o, "header", need(true), detail::kHeaderNameText, auth.header);
  if (any || t == AuthType::sigv4) {
    auth.access_key_id_env = kDefaultAccessKeyIdEnv;
    auth.secret_access_key_env = kDefaultSecretAccessKeyEnv;
    auth.service = kDefaultSigv4Service;
    read_string(o, "access_key_id_env", Need::optional, detail::kEnvVarText,
                auth.access_key_id_env);
    read_string(o, "secret_access_key_env", Need::optional, detail::kEnvVarText,
                auth.secret_access_key_env);
    read_string(o, "session_token_env", Need::optional, detail::kEnvVarText,
                auth.session_token_env);
    read_string(o, "service", Need::optional, kServiceText, auth.service);
    // Written out empty, the defaults still apply.
    if (auth.access_key_id_env.empty())
      auth.access_key_id_env = kDefaultAccessKeyIdEnv;
    if (auth.secret_access_key_env.empty())
      auth.secret_access_key_env = kDefaultSecretAccessKeyEnv;
    if (auth.service.empty())
      auth.service = kDefaultSigv4Service;
  }
  if (any || t == AuthType::sigv4 || t == AuthType::bedrock_api_key)
    read_string(o, "region", need(true), kRegionText, auth.region);
}

void read_extra_headers(ObjectReader &o, std::vector<std::pair<std::string, std::string>> &out) {
  read_string_map(o, "extra_headers", Need::optional, detail::kHeaderNameText, kHeaderValueText,
                  out);
  std::map<std::string, std::string> seen; // lowercase name -> name as written
  for (const auto &[name, value] : out) {
    const std::string pointer = o.pointer_to("extra_headers") + "/" + detail::pointer_token(name);
    if (is_credential_header(name)) {
      o.doc().report(pointer,
                     "a non-secret header (keys go in environment variables named by auth)",
                     "a credential header (value not shown)");
    } else if (is_credential_value(value)) {
      o.doc().report(pointer,
                     "a non-secret header value (keys go in environment variables named by auth)",
                     "a value that looks like a credential (not shown)");
    } else if (const auto [it, inserted] = seen.emplace(ascii::lower(name), name); !inserted) {
      o.doc().report(pointer, "each header once (names are case-insensitive)",
                     "the same header as " + it->second);
    }
  }
}

void read_endpoint(ObjectReader &o, Endpoint &e) {
  read_string(o, "name", Need::required, detail::kEndpointNameText, e.name);
  read_enum(o, "protocol", Need::required, kProtocolNames, e.protocol);
  read_string(o, "base_url", Need::required, detail::kHttpUrlText, e.base_url);
  read_string(o, "model", Need::required, detail::kNonEmptyText, e.model);
  read_object(o, "auth", Need::required, [&](ObjectReader &a) { read_auth(a, e.auth); });
  read_object(o, "defaults", Need::optional, [&](ObjectReader &d) {
    read_optional_number(d, "temperature", 0, kMaxTemperature, e.defaults.temperature);
    read_optional_int(d, "max_tokens", 1, kMaxInt, e.defaults.max_tokens);
    const bool has_prompt = d.has("system_prompt");
    std::string prompt;
    read_string(d, "system_prompt", Need::optional, detail::kAnyText, prompt);
    if (has_prompt)
      e.defaults.system_prompt = prompt;
  });
  read_object(o, "capabilities", Need::optional, [&](ObjectReader &c) {
    read_bool(c, "images", Need::optional, e.capabilities.images);
    read_bool(c, "streaming", Need::optional, e.capabilities.streaming);
  });
  read_object(o, "limits", Need::optional, [&](ObjectReader &l) {
    read_int(l, "concurrency", Need::optional, 1, kMaxInt, e.limits.concurrency);
    read_number(l, "requests_per_minute", Need::optional, 0, std::numeric_limits<double>::max(),
                e.limits.requests_per_minute);
    read_number(l, "tokens_per_minute", Need::optional, 0, std::numeric_limits<double>::max(),
                e.limits.tokens_per_minute);
  });
  read_object(o, "timeouts", Need::optional, [&](ObjectReader &t) {
    read_int(t, "connect_ms", Need::optional, 1, kMaxInt, e.timeouts.connect_ms);
    read_int(t, "first_byte_ms", Need::optional, 1, kMaxInt, e.timeouts.first_byte_ms);
    read_int(t, "total_ms", Need::optional, 1, kMaxInt, e.timeouts.total_ms);
  });
  read_extra_headers(o, e.extra_headers);
}

// Whole numbers as integers ("60", not "60.0"): rates read better that way.
Json number_json(double value) {
  if (std::floor(value) == value && std::fabs(value) < 9007199254740992.0)
    return Json(int64_t(value));
  return Json(value);
}

Json auth_json(const EndpointAuth &a) {
  Json j = Json::object();
  j["type"] = to_string(a.type);
  switch (a.type) {
  case AuthType::none:
    break;
  case AuthType::bearer:
    j["api_key_env"] = a.api_key_env;
    break;
  case AuthType::api_key_header:
    j["api_key_env"] = a.api_key_env;
    j["header"] = a.header;
    break;
  case AuthType::sigv4:
    detail::put_if_not_empty(j, "access_key_id_env", a.access_key_id_env);
    detail::put_if_not_empty(j, "secret_access_key_env", a.secret_access_key_env);
    detail::put_if_not_empty(j, "session_token_env", a.session_token_env);
    j["region"] = a.region;
    detail::put_if_not_empty(j, "service", a.service);
    break;
  case AuthType::bedrock_api_key:
    j["api_key_env"] = a.api_key_env;
    j["region"] = a.region;
    break;
  }
  return j;
}

Json endpoint_json(const Endpoint &e) {
  Json j = Json::object();
  j["name"] = e.name;
  j["protocol"] = to_string(e.protocol);
  j["base_url"] = e.base_url;
  j["model"] = e.model;
  j["auth"] = auth_json(e.auth);
  Json defaults = Json::object();
  detail::put_if_set(defaults, "temperature", e.defaults.temperature);
  detail::put_if_set(defaults, "max_tokens", e.defaults.max_tokens);
  detail::put_if_set(defaults, "system_prompt", e.defaults.system_prompt);
  if (!defaults.empty())
    j["defaults"] = std::move(defaults);
  // Written even when at their defaults, so a config file shows every limit in force.
  j["capabilities"] =
      Json{{"images", e.capabilities.images}, {"streaming", e.capabilities.streaming}};
  j["limits"] = Json{{"concurrency", e.limits.concurrency},
                     {"requests_per_minute", number_json(e.limits.requests_per_minute)},
                     {"tokens_per_minute", number_json(e.limits.tokens_per_minute)}};
  j["timeouts"] = Json{{"connect_ms", e.timeouts.connect_ms},
                       {"first_byte_ms", e.timeouts.first_byte_ms},
                       {"total_ms", e.timeouts.total_ms}};
  if (!e.extra_headers.empty()) {
    Json headers = Json::object();
    for (const auto &[name, value] : e.extra_headers)
      headers[name] = value;
    j["extra_headers"] = std::move(headers);
  }
  return j;
}

bool same(const Endpoint &a, const Endpoint &b) {
  const EndpointAuth &x = a.auth, &y = b.auth;
  return std::tie(a.name, a.protocol, a.base_url, a.model, a.extra_headers) ==
             std::tie(b.name, b.protocol, b.base_url, b.model, b.extra_headers) &&
         std::tie(x.type, x.api_key_env, x.header, x.access_key_id_env, x.secret_access_key_env,
                  x.session_token_env, x.region, x.service) ==
             std::tie(y.type, y.api_key_env, y.header, y.access_key_id_env, y.secret_access_key_env,
                      y.session_token_env, y.region, y.service) &&
         std::tie(a.defaults.temperature, a.defaults.max_tokens, a.defaults.system_prompt) ==
             std::tie(b.defaults.temperature, b.defaults.max_tokens, b.defaults.system_prompt) &&
         std::tie(a.capabilities.images, a.capabilities.streaming) ==
             std::tie(b.capabilities.images, b.capabilities.streaming) &&
         std::tie(a.limits.concurrency, a.limits.requests_per_minute, a.limits.tokens_per_minute) ==
             std::tie(b.limits.concurrency, b.limits.requests_per_minute,
                      b.limits.tokens_per_minute) &&
         std::tie(a.timeouts.connect_ms, a.timeouts.first_byte_ms, a.timeouts.total_ms) ==
             std::tie(b.timeouts.connect_ms, b.timeouts.first_byte_ms, b.timeouts.total_ms);
}

} // namespace

const char *to_string(Protocol v) { return detail::enum_to_string(kProtocolNames, v); }
const char *to_string(AuthType v) { return detail::enum_to_string(kAuthTypeNames, v); }
std::optional<Protocol> parse_protocol(std::string_view s) {
  return detail::enum_from_string(kProtocolNames, s);
}
std::optional<AuthType> parse_auth_type(std::string_view s) {
  return detail::enum_from_string(kAuthTypeNames, s);
}

const Endpoint *EndpointConfig::find(std::string_view name) const {
  for (const auto &e : endpoints)
    if (e.name == name)
      return &e;
  return nullptr;
}

Result<EndpointConfig> parse_endpoint_config(std::string_view json, std::string_view source) {
  // Values are never echoed: a key pasted into the wrong field must not reach a message.
  constexpr bool kEchoValues = false;
  return detail::parse_value<EndpointConfig>(
      json, source, kEchoValues, [](ObjectReader &o, EndpointConfig &config) {
        read_schema_version(o, 1, config.schema_version);
        read_object_list(
            o, "endpoints", Need::required, 0, config.endpoints,
            [](ObjectReader &e, Endpoint &endpoint, size_t) { read_endpoint(e, endpoint); });
        std::vector<std::string> names;
        for (const auto &e : config.endpoints)
          names.push_back(e.name);
        detail::report_duplicates(
            o.doc(), names, [](size_t i) { return "/endpoints/" + std::to_string(i) + "/name"; },
            "an endpoint name used once");
      });
}

std::string serialize_endpoint_config(const EndpointConfig &c) {
  Json j = Json::object();
  j["schema_version"] = c.schema_version;
  j["endpoints"] = detail::list_json(c.endpoints, endpoint_json);
  return detail::dump_json(j, true);
}

bool operator==(const EndpointConfig &a, const EndpointConfig &b) {
  return a.schema_version == b.schema_version &&
         detail::same_list(a.endpoints, b.endpoints,
                           [](const Endpoint &x, const Endpoint &y) { return same(x, y); });
}

} // namespace imc

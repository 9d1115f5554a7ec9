#pragma once
// Endpoint configuration: which model endpoints exist and how to reach them
// (docs/FORMATS.md, docs/schemas/endpoints.schema.json). Holds the *names* of environment
// variables with keys, never key values.
#include "imc/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc {

enum class Protocol { openai, anthropic, bedrock, gemini };
enum class AuthType {
  none,            // local servers (llama-server, Ollama, vLLM without a key)
  bearer,          // Authorization: Bearer $api_key_env (OpenAI, OpenRouter, vLLM with a key)
  api_key_header,  // key in a named header: x-api-key (Anthropic), x-goog-api-key (Gemini)
  sigv4,           // AWS Signature V4 from access key id / secret / session token variables
  bedrock_api_key  // Bedrock API key sent as a bearer token
};

const char *to_string(Protocol v);
const char *to_string(AuthType v);
std::optional<Protocol> parse_protocol(std::string_view s);
std::optional<AuthType> parse_auth_type(std::string_view s);

struct EndpointAuth {
  AuthType type = AuthType::none;
  std::string api_key_env;          // bearer, api_key_header, bedrock_api_key
  std::string header;               // api_key_header: header name ("x-api-key")
  std::string access_key_id_env;    // sigv4 (default AWS_ACCESS_KEY_ID)
  std::string secret_access_key_env;// sigv4 (default AWS_SECRET_ACCESS_KEY)
  std::string session_token_env;    // sigv4, optional (AWS_SESSION_TOKEN)
  std::string region;               // sigv4/bedrock: "us-east-1"
  std::string service;              // sigv4: "bedrock"
};

struct EndpointDefaults {
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  std::optional<std::string> system_prompt; // overrides the template's system prompt when set
};

struct EndpointCapabilities {
  bool images = true;
  bool streaming = true;
};

struct EndpointLimits {
  int concurrency = 4;                 // simultaneous calls
  double requests_per_minute = 0;      // 0 = unlimited
  double tokens_per_minute = 0;        // 0 = unlimited
};

struct EndpointTimeouts {
  int connect_ms = 10000;
  int first_byte_ms = 60000;
  int total_ms = 300000;
};

struct Endpoint {
  std::string name;                    // unique, [A-Za-z0-9._-]+; what the browser uses
  Protocol protocol = Protocol::openai;
  std::string base_url;                // "https://api.openai.com/v1", "http://127.0.0.1:8081/v1"
  std::string model;
  EndpointAuth auth;
  EndpointDefaults defaults;
  EndpointCapabilities capabilities;
  EndpointLimits limits;
  EndpointTimeouts timeouts;
  std::vector<std::pair<std::string, std::string>> extra_headers; // non-secret headers
};

struct EndpointConfig {
  int schema_version = 1;
  std::vector<Endpoint> endpoints;
  const Endpoint *find(std::string_view name) const;
};

Result<EndpointConfig> parse_endpoint_config(std::string_view json, std::string_view source);
std::string serialize_endpoint_config(const EndpointConfig &c);
bool operator==(const EndpointConfig &a, const EndpointConfig &b);

} // namespace imc

#pragma once
// `imc endpoints check`, and what it shares with `imc chat`: loading an endpoint config,
// exit codes and advice for the normalised errors.
#include "imc/chat.h"
#include "imc/endpoint_config.h"

#include <optional>
#include <string>
#include <vector>

namespace imc::cli {

// Reads and validates an endpoint config; on failure prints every error to stderr, prefixed
// with `command`, and returns nullopt.
std::optional<EndpointConfig> load_endpoint_config(const std::string &path, const char *command);

// The endpoint called `name`, or prints "no endpoint ..." (with the names there are) and
// returns nullptr.
const Endpoint *find_endpoint(const EndpointConfig &config, const std::string &name,
                              const std::string &path, const char *command);

// 2 for problems of the configuration or the input (config, auth, bad_request, unsupported),
// 1 for everything else.
int exit_code_for(ErrorKind kind);

// What a person can do about an error, one sentence ("check that the server at ... is running").
std::string next_step(const StreamError &error, const Endpoint &endpoint);

// "kind: message" (with the HTTP status when there is one).
std::string describe_error(const StreamError &error);

struct EndpointsCheckOptions {
  std::string config_path;
  std::vector<std::string> endpoints; // empty: all
  double timeout_s = 30;              // caps each check's timeouts
  bool json = false;
};

// Runs text, image and streaming checks on each endpoint (in parallel across endpoints), prints
// the table (or JSON) and returns 0 when every endpoint works, 1 when one fails, 2 for a bad
// config or an unknown endpoint name.
int run_endpoints_check(const EndpointsCheckOptions &options);

// A small PNG (a colour gradient, `size` x `size`) for image checks.
std::string probe_png(int size);

} // namespace imc::cli

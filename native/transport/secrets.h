#pragma once
// Secrets enter a request only here, right before it is sent, and never leave it: the core's
// requests carry AuthNeeds (names of environment variables), this file turns them into headers
// (bearer tokens, API key headers) or a SigV4 signature. Everything the transport reports —
// error messages, wire logs — is scrubbed of the values it added (SecretValues::scrub), so even
// a server that echoes a key back in an error body cannot put it on a screen or into a file.
#include "imc/http.h"
#include "imc/result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imc::transport {

// getenv: unset variables are nullopt.
EnvLookup process_env();

// The secret values a request was given, to scrub from any text about it.
class SecretValues {
public:
  void add(std::string value); // values shorter than 6 bytes are not secrets worth scrubbing
  bool empty() const { return values_.empty(); }
  // True when `text` holds one of the values (scrub would change it).
  bool found_in(std::string_view text) const;
  // `text` with every occurrence of every value replaced by "[REDACTED]".
  std::string scrub(std::string_view text) const;
  // The same in place: nothing copied when there is nothing to replace (the common case).
  void scrub_in_place(std::string &text) const;

private:
  std::vector<std::string> values_; // longest first, so a value inside another goes too
};

// Fulfils every AuthNeed of `request`: EnvSecretHeader needs with core add_secret_headers(),
// SigV4 needs with sign_request_sigv4() at `unix_ms`. Records each value it used in `used`.
// Errors name the variables (Error::pointer), never a value: see describe_secret_errors().
Status add_secrets(HttpRequest &request, const EnvLookup &env, int64_t unix_ms, SecretValues &used);

// One line for people: "environment variable OPENAI_API_KEY is not set" (or "is empty"), the
// lines of several errors joined with "; ". Other errors keep their Error::message().
std::string describe_secret_errors(const Errors &errors);

} // namespace imc::transport

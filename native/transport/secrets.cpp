#include "secrets.h"

#include "sigv4.h"

#include <algorithm>
#include <cstdlib>
#include <variant>

namespace imc::transport {

EnvLookup process_env() {
  return [](const std::string &name) -> std::optional<std::string> {
    const char *value = std::getenv(name.c_str());
    if (!value)
      return std::nullopt;
    return std::string(value);
  };
}

void SecretValues::add(std::string value) {
  if (value.size() < 6 || std::find(values_.begin(), values_.end(), value) != values_.end())
    return;
  values_.push_back(std::move(value));
  std::sort(values_.begin(), values_.end(),
            [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
}

bool SecretValues::found_in(std::string_view text) const {
  for (const auto &value : values_)
    if (text.find(value) != std::string_view::npos)
      return true;
  return false;
}

std::string SecretValues::scrub(std::string_view text) const {
  std::string out(text);
  for (const auto &value : values_) {
    size_t at = 0;
    while ((at = out.find(value, at)) != std::string::npos) {
      out.replace(at, value.size(), kRedacted);
      at += std::string_view(kRedacted).size();
    }
  }
  return out;
}

void SecretValues::scrub_in_place(std::string &text) const {
  if (found_in(text))
    text = scrub(text);
}

Status add_secrets(HttpRequest &request, const EnvLookup &env, int64_t unix_ms,
                   SecretValues &used) {
  // Remember the values first: they must be scrubbed even if a later need fails.
  for (const auto &need : request.auth) {
    if (const auto *header = std::get_if<EnvSecretHeader>(&need)) {
      if (env)
        used.add(env(header->env).value_or(""));
    } else if (const auto *sigv4 = std::get_if<SigV4Signing>(&need); sigv4 && env) {
      for (const auto *name :
           {&sigv4->access_key_id_env, &sigv4->secret_access_key_env, &sigv4->session_token_env})
        if (!name->empty())
          used.add(env(*name).value_or(""));
    }
  }
  Errors errors;
  if (auto status = add_secret_headers(request, env); !status)
    errors = status.errors();
  std::vector<AuthNeed> remaining;
  for (const auto &need : request.auth) {
    if (const auto *sigv4 = std::get_if<SigV4Signing>(&need)) {
      if (auto status = sign_request_sigv4(request, *sigv4, env, unix_ms); !status)
        errors.insert(errors.end(), status.errors().begin(), status.errors().end());
    } else {
      remaining.push_back(need);
    }
  }
  request.auth = std::move(remaining);
  if (!errors.empty())
    return errors;
  return ok_status();
}

std::string describe_secret_errors(const Errors &errors) {
  std::string out;
  for (const auto &e : errors) {
    std::string line;
    if (e.file == "environment" && !e.pointer.empty())
      line = "environment variable " + e.pointer +
             (e.found == "an empty variable" ? " is empty" : " is not set") + " (" + e.expected +
             ")";
    else
      line = e.message();
    out += (out.empty() ? "" : "; ") + line;
  }
  return out;
}

} // namespace imc::transport

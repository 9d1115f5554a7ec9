// imc endpoints check: tries each endpoint of a config (text, image, streaming) and prints what
// works, with the latency and the exact error where something fails.
#include "endpoints_check.h"

#include "cli.h"

#include "transport/http_transport.h"

#include "imc/provider.h"

#include <nlohmann/json.hpp>
#include <stb_image_write.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace imc::cli {

namespace {

using Json = nlohmann::ordered_json;

enum class CheckStatus { ok, failed, skipped, not_tried };

const char *status_name(CheckStatus s) {
  switch (s) {
  case CheckStatus::ok:
    return "ok";
  case CheckStatus::failed:
    return "failed";
  case CheckStatus::skipped:
    return "skipped";
  case CheckStatus::not_tried:
    return "not_tried";
  }
  return "";
}

struct Check {
  CheckStatus status = CheckStatus::not_tried;
  std::string error;  // "kind: message" when failed
  std::string reason; // why skipped or not tried
  int64_t latency_ms = 0;
  size_t deltas = 0;
};

struct EndpointReport {
  const Endpoint *endpoint = nullptr;
  Check text, image, streaming;
  bool ok() const {
    return text.status == CheckStatus::ok && image.status != CheckStatus::failed &&
           streaming.status != CheckStatus::failed;
  }
  std::string first_error() const {
    for (const Check *c : {&text, &image, &streaming})
      if (c->status == CheckStatus::failed)
        return c->error;
    return "";
  }
};

Check run_check(transport::HttpTransport &transport, const Endpoint &endpoint, ChatRequest request,
                double timeout_s) {
  Check check;
  if (auto fitted = fit_request_images(request, endpoint.protocol); !fitted) {
    check.status = CheckStatus::failed;
    check.error = "unsupported: " + format_errors(fitted.errors());
    return check;
  }
  transport::CallOptions options;
  EndpointTimeouts timeouts = endpoint.timeouts;
  const int cap = static_cast<int>(std::max(0.001, timeout_s) * 1000);
  timeouts.connect_ms = std::min(timeouts.connect_ms, cap);
  timeouts.first_byte_ms = std::min(timeouts.first_byte_ms, cap);
  timeouts.total_ms = std::min(timeouts.total_ms, cap);
  options.timeouts = timeouts;
  options.retry = transport::RetryPolicy{};
  options.retry->max_retries = 0; // report what the endpoint does now
  options.on_event = [&check](const ChatEvent &e) {
    check.deltas += std::holds_alternative<TextDelta>(e);
  };
  const auto result = transport.chat(endpoint, request, options);
  check.latency_ms = result.wire_log.latency_ms;
  if (result.response.complete()) {
    check.status = CheckStatus::ok;
  } else {
    check.status = CheckStatus::failed;
    check.error = result.response.error ? describe_error(*result.response.error)
                                        : "protocol: the reply ended without a finish";
  }
  return check;
}

ChatRequest text_request(bool stream) {
  ChatRequest r;
  r.turns = {user_text("Say hello in five words.")};
  r.parameters.max_tokens = 16;
  r.parameters.stream = stream;
  return r;
}

ChatRequest image_request() {
  ChatRequest r;
  ChatTurn turn;
  turn.content.push_back(ImagePart{"image/png", probe_png(64), "probe.png"});
  turn.content.push_back(TextPart{"What is in this image? Answer in five words."});
  r.turns = {turn};
  r.parameters.max_tokens = 16;
  return r;
}

EndpointReport check_endpoint(const Endpoint &endpoint, double timeout_s) {
  transport::HttpTransport transport;
  EndpointReport report;
  report.endpoint = &endpoint;
  report.text = run_check(transport, endpoint, text_request(false), timeout_s);
  if (report.text.status != CheckStatus::ok) {
    report.image.reason = report.streaming.reason = "not tried: the text check failed";
    return report;
  }
  if (!endpoint.capabilities.images) {
    report.image.status = CheckStatus::skipped;
    report.image.reason = "capabilities.images is false";
  } else {
    report.image = run_check(transport, endpoint, image_request(), timeout_s);
  }
  if (!endpoint.capabilities.streaming) {
    report.streaming.status = CheckStatus::skipped;
    report.streaming.reason = "capabilities.streaming is false";
  } else {
    report.streaming = run_check(transport, endpoint, text_request(true), timeout_s);
  }
  return report;
}

const char *mark(const Check &c) {
  switch (c.status) {
  case CheckStatus::ok:
    return "✓";
  case CheckStatus::failed:
    return "✗";
  case CheckStatus::skipped:
    return "skipped";
  case CheckStatus::not_tried:
    return "–";
  }
  return "";
}

size_t width_of(const std::string &s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

void print_table(const std::vector<EndpointReport> &reports) {
  std::vector<std::vector<std::string>> rows = {
      {"ENDPOINT", "PROTOCOL", "MODEL", "TEXT", "IMAGE", "STREAMING", "LATENCY", "ERROR"}};
  for (const auto &r : reports) {
    const std::string latency = r.text.status == CheckStatus::ok || r.text.latency_ms > 0
                                    ? std::to_string(r.text.latency_ms) + " ms"
                                    : "–";
    rows.push_back({r.endpoint->name, to_string(r.endpoint->protocol), r.endpoint->model,
                    mark(r.text), mark(r.image), mark(r.streaming), latency, r.first_error()});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto &row : rows)
    for (size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], width_of(row[i]));
  for (const auto &row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - width_of(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    std::printf("%s\n", line.c_str());
  }
  for (const auto &r : reports)
    for (const auto &[name, check] :
         {std::pair<const char *, const Check *>{"image", &r.image}, {"streaming", &r.streaming}})
      if (check->status == CheckStatus::skipped)
        std::printf("note: %s: %s check skipped (%s)\n", r.endpoint->name.c_str(), name,
                    check->reason.c_str());
}

Json check_json(const Check &c) {
  Json j = {{"status", status_name(c.status)}};
  if (c.status == CheckStatus::ok || c.status == CheckStatus::failed)
    j["latency_ms"] = c.latency_ms;
  if (c.status == CheckStatus::ok)
    j["deltas"] = c.deltas;
  if (!c.error.empty())
    j["error"] = c.error;
  if (!c.reason.empty())
    j["reason"] = c.reason;
  return j;
}

void print_json(const std::vector<EndpointReport> &reports) {
  Json out = {{"endpoints", Json::array()}};
  for (const auto &r : reports)
    out["endpoints"].push_back({{"name", r.endpoint->name},
                                {"protocol", to_string(r.endpoint->protocol)},
                                {"model", r.endpoint->model},
                                {"ok", r.ok()},
                                {"text", check_json(r.text)},
                                {"image", check_json(r.image)},
                                {"streaming", check_json(r.streaming)}});
  std::printf("%s\n", out.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
}

} // namespace

// ---------------------------------------------------------------------------------------------

std::optional<EndpointConfig> load_endpoint_config(const std::string &path, const char *command) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read %s\n", command, path.c_str());
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto config = parse_endpoint_config(text.str(), path);
  if (!config) {
    for (const auto &e : config.errors())
      std::fprintf(stderr, "%s\n", e.message().c_str());
    std::fprintf(stderr, "%s: %s is not a valid endpoint config (docs/FORMATS.md)\n", command,
                 path.c_str());
    return std::nullopt;
  }
  return std::move(config).value();
}

const Endpoint *find_endpoint(const EndpointConfig &config, const std::string &name,
                              const std::string &path, const char *command) {
  if (const Endpoint *e = config.find(name))
    return e;
  std::string names;
  for (const auto &e : config.endpoints)
    names += (names.empty() ? "" : ", ") + e.name;
  std::fprintf(stderr, "%s: no endpoint \"%s\" in %s (endpoints: %s)\n", command, name.c_str(),
               path.c_str(), names.c_str());
  return nullptr;
}

int exit_code_for(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::config:
  case ErrorKind::auth:
  case ErrorKind::bad_request:
  case ErrorKind::unsupported:
    return kExitBadInput;
  default:
    return kExitInternal;
  }
}

std::string describe_error(const StreamError &error) {
  return std::string(to_string(error.kind)) + ": " + error.message;
}

std::string next_step(const StreamError &error, const Endpoint &endpoint) {
  switch (error.kind) {
  case ErrorKind::config:
    return "fix endpoint \"" + endpoint.name +
           "\" in the config, or set the environment variable it names, and try again";
  case ErrorKind::auth:
    return "check the key in the environment variable named by endpoint \"" + endpoint.name +
           "\"'s auth (is it valid for " + endpoint.base_url + "?)";
  case ErrorKind::bad_request:
    return "check the model id \"" + endpoint.model +
           "\", the parameters and any image: the provider's words are above";
  case ErrorKind::unsupported:
    return "leave out the image, or use an endpoint whose capabilities.images is true";
  case ErrorKind::network:
    return "check that the server at " + endpoint.base_url +
           " is running and reachable (right host and port?)";
  case ErrorKind::timeout:
    return "try again, or raise timeouts (connect_ms, first_byte_ms, total_ms) of endpoint \"" +
           endpoint.name + "\"";
  case ErrorKind::rate_limited:
    return (error.retry_after_ms
                ? "wait " + std::to_string((*error.retry_after_ms + 999) / 1000) + " s and retry"
                : std::string("wait a minute and retry")) +
           ", or lower limits.requests_per_minute / tokens_per_minute of endpoint \"" +
           endpoint.name + "\"";
  case ErrorKind::overloaded:
    return "the provider is overloaded: try again in a minute";
  case ErrorKind::server:
    return "the provider failed: try again later (--wire-log FILE records the exchange)";
  case ErrorKind::protocol:
    return std::string("the reply was not what the ") + to_string(endpoint.protocol) +
           " protocol sends: check base_url and protocol of endpoint \"" + endpoint.name +
           "\" (--wire-log FILE records the exchange)";
  case ErrorKind::cancelled:
    return "the call was interrupted";
  }
  return "";
}

std::string probe_png(int size) {
  std::vector<unsigned char> pixels(static_cast<size_t>(size) * size * 3);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      unsigned char *p = &pixels[(static_cast<size_t>(y) * size + x) * 3];
      p[0] = static_cast<unsigned char>(x * 255 / std::max(1, size - 1));
      p[1] = static_cast<unsigned char>(y * 255 / std::max(1, size - 1));
      p[2] = 128;
    }
  std::string out;
  stbi_write_png_to_func(
      [](void *context, void *data, int n) {
        static_cast<std::string *>(context)->append(static_cast<const char *>(data),
                                                    static_cast<size_t>(n));
      },
      &out, size, size, 3, pixels.data(), size * 3);
  return out;
}

int run_endpoints_check(const EndpointsCheckOptions &options) {
  const char *command = "imc endpoints check";
  const auto config = load_endpoint_config(options.config_path, command);
  if (!config)
    return kExitBadInput;
  std::vector<const Endpoint *> chosen;
  if (options.endpoints.empty()) {
    for (const auto &e : config->endpoints)
      chosen.push_back(&e);
  } else {
    for (const auto &name : options.endpoints) {
      const Endpoint *e = find_endpoint(*config, name, options.config_path, command);
      if (!e)
        return kExitBadInput;
      chosen.push_back(e);
    }
  }
  if (chosen.empty()) {
    std::fprintf(stderr, "%s: %s lists no endpoints\n", command, options.config_path.c_str());
    return kExitBadInput;
  }
  // Endpoints are independent servers: check them side by side, report in config order.
  std::vector<EndpointReport> reports(chosen.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < chosen.size(); ++i)
    threads.emplace_back([&, i] { reports[i] = check_endpoint(*chosen[i], options.timeout_s); });
  for (auto &t : threads)
    t.join();

  if (options.json)
    print_json(reports);
  else
    print_table(reports);
  const size_t failing = static_cast<size_t>(std::count_if(
      reports.begin(), reports.end(), [](const EndpointReport &r) { return !r.ok(); }));
  if (!options.json)
    std::printf("%zu endpoint%s checked: %zu working, %zu failing\n", reports.size(),
                reports.size() == 1 ? "" : "s", reports.size() - failing, failing);
  return failing == 0 ? kExitOk : kExitInternal;
}

} // namespace imc::cli

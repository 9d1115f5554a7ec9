// imc chat: one message to one endpoint, the reply streamed to stdout as it arrives; and the
// registration of `imc endpoints check` (endpoints_check.cpp).
#include "cli.h"
#include "endpoints_check.h"

#include "transport/http_transport.h"

#include "imc/image_fit.h"
#include "imc/provider.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <pthread.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace imc::cli {

namespace {

struct ChatOptions {
  std::string config_path;
  std::string endpoint;
  std::vector<std::string> images;
  std::string system;
  bool system_set = false;
  int max_tokens = 0;      // 0: the endpoint's default
  double temperature = -1; // < 0: the endpoint's default
  bool no_stream = false;
  std::string wire_log_path;
  std::string message;
};

// Ctrl-C (or SIGTERM) cancels the call instead of killing the process, so the partial reply,
// the summary and the wire log still come out. The signals are blocked in every thread started
// meanwhile and taken by one waiting thread.
class InterruptCancels {
public:
  explicit InterruptCancels(transport::CancelToken token) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1); // wakes the waiter when the call is over
    pthread_sigmask(SIG_BLOCK, &set, &previous_);
    waiter_ = std::thread([set, token, this] {
      int signal = 0;
      while (sigwait(&set, &signal) == 0) {
        if (signal == SIGUSR1)
          return;
        interrupted_ = true;
        token.cancel();
      }
    });
  }
  ~InterruptCancels() {
    pthread_kill(waiter_.native_handle(), SIGUSR1);
    waiter_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  bool interrupted() const { return interrupted_; }

private:
  sigset_t previous_{};
  std::thread waiter_;
  std::atomic<bool> interrupted_{false};
};

std::optional<std::string> read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string finish_words(const Finish &finish) {
  std::string out = to_string(finish.reason);
  if (!finish.raw.empty() && finish.raw != out)
    out += " (" + finish.raw + ")";
  return out;
}

int run_chat(const ChatOptions &opt) {
  const char *command = "imc chat";
  const auto config = load_endpoint_config(opt.config_path, command);
  if (!config)
    return kExitBadInput;
  const Endpoint *endpoint = find_endpoint(*config, opt.endpoint, opt.config_path, command);
  if (!endpoint)
    return kExitBadInput;

  ChatRequest request;
  request.system = opt.system_set ? opt.system : endpoint->defaults.system_prompt.value_or("");
  ChatTurn turn;
  for (const auto &path : opt.images) {
    auto bytes = read_file(path);
    if (!bytes) {
      std::fprintf(stderr, "%s: cannot read image %s\n", command, path.c_str());
      return kExitBadInput;
    }
    turn.content.push_back(ImagePart{mime_type(sniff_image_type(*bytes)), std::move(*bytes), path});
  }
  turn.content.push_back(TextPart{opt.message});
  request.turns.push_back(std::move(turn));
  if (opt.max_tokens > 0)
    request.parameters.max_tokens = opt.max_tokens;
  if (opt.temperature >= 0)
    request.parameters.temperature = opt.temperature;
  request.parameters.stream = !opt.no_stream;
  if (auto fitted = fit_request_images(request, endpoint->protocol); !fitted) {
    for (const auto &e : fitted.errors())
      std::fprintf(stderr, "%s\n", e.message().c_str());
    std::fprintf(stderr, "%s: the image cannot be sent to %s\n", command, endpoint->name.c_str());
    return kExitBadInput;
  }

  transport::HttpTransport transport;
  transport::CallOptions call;
  bool text_ends_with_newline = true;
  bool wrote_text = false;
  call.on_event = [&](const ChatEvent &event) {
    const auto *delta = std::get_if<TextDelta>(&event);
    if (!delta)
      return;
    // One write and one flush per delta: the reader sees the reply as the model writes it.
    if (std::fwrite(delta->text.data(), 1, delta->text.size(), stdout) != delta->text.size() ||
        std::fflush(stdout) != 0)
      call.cancel.cancel(); // stdout is gone (a closed pipe): stop paying for tokens
    wrote_text = true;
    text_ends_with_newline = delta->text.back() == '\n';
  };
  transport::CallResult result;
  bool interrupted = false;
  {
    InterruptCancels interrupts(call.cancel);
    result = transport.chat(*endpoint, request, call);
    interrupted = interrupts.interrupted();
  }
  if (wrote_text && !text_ends_with_newline && isatty(STDOUT_FILENO))
    std::fputs("\n", stdout);
  std::fflush(stdout);

  int code = kExitOk;
  if (!opt.wire_log_path.empty()) {
    std::ofstream log(opt.wire_log_path, std::ios::app | std::ios::binary);
    log << transport::serialize_wire_log(result.wire_log) << '\n';
    if (!log) {
      std::fprintf(stderr, "%s: cannot write the wire log to %s\n", command,
                   opt.wire_log_path.c_str());
      code = kExitInternal;
    }
  }

  const auto &response = result.response;
  const auto &log = result.wire_log;
  std::string summary = std::string(command) + ": " + endpoint->name + " (" + endpoint->model + ")";
  if (response.usage)
    summary += " · " + std::to_string(response.usage->input_tokens) + " tokens in, " +
               std::to_string(response.usage->output_tokens) + " out";
  summary += " · latency " + std::to_string(log.latency_ms) + " ms";
  if (log.ttft_ms)
    summary += " · ttft " + std::to_string(*log.ttft_ms) + " ms";
  if (log.attempts.size() > 1)
    summary += " · " + std::to_string(log.attempts.size() - 1) + " retr" +
               (log.attempts.size() == 2 ? "y" : "ies");
  if (response.finish)
    summary += " · finish " + finish_words(*response.finish);
  std::fprintf(stderr, "%s\n", summary.c_str());
  if (response.error) {
    std::fprintf(stderr, "%s: error: %s\n", command, describe_error(*response.error).c_str());
    std::fprintf(stderr, "%s: next: %s\n", command, next_step(*response.error, *endpoint).c_str());
    if (interrupted)
      return 130; // the shell's convention for a program stopped by Ctrl-C
    return std::max(code, exit_code_for(response.error->kind));
  }
  return code;
}

} // namespace

void register_chat_commands(CLI::App &app, CommandAction &chosen) {
  auto opt = std::make_shared<ChatOptions>();
  CLI::App *chat = app.add_subcommand(
      "chat", "Send one message (and images) to a model endpoint; the reply streams to stdout");
  chat->add_option("--config", opt->config_path, "Endpoint config (JSON, docs/FORMATS.md)")
      ->required();
  chat->add_option("--endpoint", opt->endpoint, "Name of the endpoint in the config")->required();
  chat->add_option("--image", opt->images, "Image file to send before the message (repeatable)");
  chat->add_option("--system", opt->system, "System prompt (default: the endpoint's, else none)");
  chat->add_option("--max-tokens", opt->max_tokens, "Cap on reply tokens")
      ->check(CLI::PositiveNumber);
  chat->add_option("--temperature", opt->temperature, "Sampling temperature")
      ->check(CLI::Range(0.0, 2.0));
  chat->add_flag("--no-stream", opt->no_stream, "Ask for the whole reply at once");
  chat->add_option("--wire-log", opt->wire_log_path,
                   "Append the call's wire log (JSON, secrets redacted) to this file");
  chat->add_option("message", opt->message, "The message")->required();
  chat->callback([opt, chat, &chosen] {
    opt->system_set = chat->count("--system") > 0;
    chosen = [opt] { return run_chat(*opt); };
  });

  auto check = std::make_shared<EndpointsCheckOptions>();
  CLI::App *endpoints = app.add_subcommand("endpoints", "Model endpoints of a config");
  endpoints->require_subcommand(1);
  CLI::App *check_cmd = endpoints->add_subcommand(
      "check", "Try each endpoint (text, image, streaming) and print what works");
  check_cmd->add_option("--config", check->config_path, "Endpoint config (JSON)")->required();
  check_cmd->add_option("--endpoint", check->endpoints, "Only this endpoint (repeatable)");
  check_cmd->add_option("--timeout", check->timeout_s, "Cap on each check, in seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  check_cmd->add_flag("--json", check->json, "Print JSON instead of a table");
  check_cmd->callback(
      [check, &chosen] { chosen = [check] { return run_endpoints_check(*check); }; });
}

} // namespace imc::cli

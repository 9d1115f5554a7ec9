// `imc chat` and `imc endpoints check`, run as a user runs them: against llama-server (streams
// visibly, with and without an image), against the fake upstream (exact write-by-write streaming,
// errors with their next step), and with recognisable fake keys that must never appear in
// anything the kit prints or writes.
#include "cli_test_support.h"
#include "support/fake_upstream.h"
#include "support/llama_server.h"

#include "imc/endpoint_config.h"
#include "support/subprocess.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <poll.h>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

namespace imc::test {
namespace {

constexpr const char *kCanary = "sk-imc-LEAK-CANARY-123";

// What a streaming program wrote, read by read: each element is one read() of its stdout, taken
// as soon as poll() says there is data, so separate writes spaced in time stay separate.
struct StreamedRun {
  int exit_code = -1;
  bool timed_out = false;
  std::vector<std::string> out_reads;
  std::string out, err;
};

StreamedRun run_streamed(const std::vector<std::string> &argv, double timeout_s = 60) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) || pipe(err_pipe))
    throw std::runtime_error("pipe failed");
  const ExecArgs exec(argv);
  const pid_t pid = fork();
  if (pid == 0) { // async-signal-safe calls only (ExecArgs)
    setpgid(0, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      close(fd);
    execvp(exec.argv()[0], exec.argv());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  StreamedRun run;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(timeout_s * 1000));
  int open = 2;
  char buffer[65536];
  while (open > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      run.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(std::min<int64_t>(left, 1000))) < 0 && errno != EINTR)
      break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      } else if (i == 0) {
        run.out_reads.emplace_back(buffer, static_cast<size_t>(n));
        run.out.append(buffer, static_cast<size_t>(n));
      } else {
        run.err.append(buffer, static_cast<size_t>(n));
      }
    }
  }
  for (auto &f : fds)
    if (f.fd >= 0)
      close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

std::string describe(const StreamedRun &r) {
  return "exit " + std::to_string(r.exit_code) + ", " + std::to_string(r.out_reads.size()) +
         " reads\n--- stdout:\n" + r.out + "\n--- stderr:\n" + r.err;
}

// imc with extra environment settings ("NAME=value") and variables removed ("-NAME").
std::vector<std::string> imc_argv(const std::vector<std::string> &env,
                                  const std::vector<std::string> &args) {
  std::vector<std::string> argv = {"/usr/bin/env"};
  for (const auto &e : env) {
    if (!e.empty() && e[0] == '-') {
      argv.push_back("-u");
      argv.push_back(e.substr(1));
    } else {
      argv.push_back(e);
    }
  }
  argv.push_back(imc::test::cli_binary());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

ProcessResult run_imc_env(const std::vector<std::string> &env,
                          const std::vector<std::string> &args) {
  return run_process(imc_argv(env, args), 120);
}

nlohmann::json endpoint_json(const std::string &name, const std::string &protocol,
                             const std::string &base_url,
                             nlohmann::json auth = {{"type", "none"}}) {
  return {{"name", name},
          {"protocol", protocol},
          {"base_url", base_url},
          {"model", "stories260K"},
          {"auth", auth},
          {"timeouts", {{"connect_ms", 3000}, {"first_byte_ms", 20000}, {"total_ms", 60000}}}};
}

std::string write_config(const TempDir &dir, const std::vector<nlohmann::json> &endpoints) {
  nlohmann::json config = {{"schema_version", 1}, {"endpoints", endpoints}};
  const std::string path = dir / "endpoints.json";
  write_text(path, config.dump(2));
  return path;
}

bool leaks(const std::string &text) { return text.find(kCanary) != std::string::npos; }

// ---------------------------------------------------------------------------------------------
// Against llama-server

class ChatCliLlama : public ::testing::Test {
protected:
  static void SetUpTestSuite() { server_ = std::make_unique<LlamaServer>(); }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { ASSERT_TRUE(server_->ok()) << server_->error(); }
  static std::unique_ptr<LlamaServer> server_;
};
std::unique_ptr<LlamaServer> ChatCliLlama::server_;

TEST_F(ChatCliLlama, StreamsTheReplyInSeveralWrites) {
  TempDir dir;
  const auto config =
      write_config(dir, {endpoint_json("llama", "openai", server_->base_url() + "/v1")});
  const auto run = run_streamed(imc_argv({}, {"chat", "--config", config, "--endpoint", "llama",
                                              "--max-tokens", "200", "Tell me a story."}));
  ASSERT_EQ(run.exit_code, 0) << describe(run);
  EXPECT_FALSE(run.out.empty());
  EXPECT_GE(run.out_reads.size(), 2u) << describe(run);
  EXPECT_TRUE(contains(run.err, "tokens in")) << run.err;
  EXPECT_TRUE(contains(run.err, "ttft")) << run.err;
  EXPECT_TRUE(contains(run.err, "finish ")) << run.err;
}

TEST_F(ChatCliLlama, StreamsTheReplyToAnImage) {
  TempDir dir;
  const auto config =
      write_config(dir, {endpoint_json("llama", "openai", server_->base_url() + "/v1")});
  write_test_image(dir / "photo.png", 200, 120);
  const auto run = run_streamed(
      imc_argv({}, {"chat", "--config", config, "--endpoint", "llama", "--image", dir / "photo.png",
                    "--max-tokens", "200", "What is in the picture?"}));
  ASSERT_EQ(run.exit_code, 0) << describe(run);
  EXPECT_GE(run.out_reads.size(), 2u) << describe(run);
  EXPECT_TRUE(contains(run.err, "tokens in")) << run.err;
}

TEST_F(ChatCliLlama, AnthropicRouteNoStream) {
  TempDir dir;
  const auto config =
      write_config(dir, {endpoint_json("llama-msg", "anthropic", server_->base_url())});
  const auto run = run_imc_env({}, {"chat", "--config", config, "--endpoint", "llama-msg",
                                    "--no-stream", "--max-tokens", "16", "Hello"});
  ASSERT_EQ(run.exit_code, 0) << imc::test::describe(run);
  EXPECT_FALSE(run.out.empty());
  EXPECT_TRUE(contains(run.err, "finish length (max_tokens)")) << run.err;
}

TEST_F(ChatCliLlama, EndpointsCheckShowsTheWorkingRowAndNamesTheMissingVariable) {
  TempDir dir;
  const auto config = write_config(
      dir, {endpoint_json("local-llama", "openai", server_->base_url() + "/v1"),
            endpoint_json("cloud-openai", "openai", "https://api.openai.com/v1",
                          {{"type", "bearer"}, {"api_key_env", "IMC_TEST_UNSET_OPENAI_KEY"}})});
  const auto run = run_imc_env({"-IMC_TEST_UNSET_OPENAI_KEY"},
                               {"endpoints", "check", "--config", config, "--timeout", "20"});
  EXPECT_NE(run.exit_code, 0) << imc::test::describe(run);
  std::string working_row, failing_row;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("local-llama", 0) == 0)
      working_row = line;
    if (line.rfind("cloud-openai", 0) == 0)
      failing_row = line;
  }
  ASSERT_FALSE(working_row.empty()) << run.out;
  ASSERT_FALSE(failing_row.empty()) << run.out;
  EXPECT_EQ(working_row.find("✗"), std::string::npos) << working_row;
  size_t ticks = 0;
  for (size_t at = 0; (at = working_row.find("✓", at)) != std::string::npos; at += 3)
    ++ticks;
  EXPECT_EQ(ticks, 3u) << "text, image and streaming work: " << working_row;
  EXPECT_TRUE(contains(failing_row, "✗")) << failing_row;
  EXPECT_TRUE(
      contains(failing_row, "config: environment variable IMC_TEST_UNSET_OPENAI_KEY is not set"))
      << failing_row;
  EXPECT_TRUE(contains(run.out, "1 working, 1 failing")) << run.out;
}

TEST_F(ChatCliLlama, EndpointsCheckSkipsTheImageWhenTheEndpointTakesNone) {
  TempDir dir;
  auto endpoint = endpoint_json("text-only", "openai", server_->base_url() + "/v1");
  endpoint["capabilities"] = {{"images", false}, {"streaming", true}};
  const auto config = write_config(dir, {endpoint});
  const auto run = run_imc_env({}, {"endpoints", "check", "--config", config, "--json"});
  ASSERT_EQ(run.exit_code, 0) << imc::test::describe(run);
  const auto j = nlohmann::json::parse(run.out);
  const auto &e = j["endpoints"][0];
  EXPECT_EQ(e["ok"], true);
  EXPECT_EQ(e["text"]["status"], "ok");
  EXPECT_EQ(e["image"]["status"], "skipped");
  EXPECT_EQ(e["image"]["reason"], "capabilities.images is false");
  EXPECT_EQ(e["streaming"]["status"], "ok");
  EXPECT_GT(e["streaming"]["deltas"].get<int>(), 0);

  const auto table = run_imc_env({}, {"endpoints", "check", "--config", config});
  EXPECT_TRUE(contains(table.out, "note: text-only: image check skipped "
                                  "(capabilities.images is false)"))
      << table.out;
}

// ---------------------------------------------------------------------------------------------
// Against the fake upstream

TEST(ChatCli, EachDeltaIsItsOwnWriteAsItArrives) {
  FakeUpstream fake;
  FakeReply reply = fake_reply::openai_sse({"one ", "two ", "three"});
  reply.chunk_delay_ms = 120; // far apart: each delta must arrive as a read of its own
  fake.script("POST", "/v1/chat/completions", {reply});
  TempDir dir;
  const auto config = write_config(dir, {endpoint_json("fake", "openai", fake.base_url() + "/v1")});
  const auto run =
      run_streamed(imc_argv({}, {"chat", "--config", config, "--endpoint", "fake", "Hi"}));
  ASSERT_EQ(run.exit_code, 0) << describe(run);
  EXPECT_EQ(run.out_reads, (std::vector<std::string>{"one ", "two ", "three"})) << describe(run);
  EXPECT_TRUE(contains(run.err, "12 tokens in, 5 out")) << run.err;
}

TEST(ChatCli, MissingKeyIsAConfigErrorWithTheNextStep) {
  TempDir dir;
  const auto config =
      write_config(dir, {endpoint_json("cloud", "anthropic", "https://api.anthropic.com",
                                       {{"type", "api_key_header"},
                                        {"api_key_env", "IMC_TEST_UNSET_KEY"},
                                        {"header", "x-api-key"}})});
  const auto run = run_imc_env({"-IMC_TEST_UNSET_KEY"},
                               {"chat", "--config", config, "--endpoint", "cloud", "Hi"});
  EXPECT_EQ(run.exit_code, 2) << imc::test::describe(run);
  EXPECT_TRUE(
      contains(run.err, "error: config: environment variable IMC_TEST_UNSET_KEY is not set"))
      << run.err;
  EXPECT_TRUE(contains(run.err, "next: ")) << run.err;
  EXPECT_TRUE(run.out.empty());
}

TEST(ChatCli, UnreachableServerIsANetworkErrorExitingOne) {
  TempDir dir;
  const auto config = write_config(
      dir, {endpoint_json("down", "openai",
                          "http://127.0.0.1:" + std::to_string(free_local_port()) + "/v1")});
  const auto run = run_imc_env({}, {"chat", "--config", config, "--endpoint", "down", "Hi"});
  EXPECT_EQ(run.exit_code, 1) << imc::test::describe(run);
  EXPECT_TRUE(contains(run.err, "error: network: could not connect")) << run.err;
  EXPECT_TRUE(contains(run.err, "is running and reachable")) << run.err;
}

TEST(ChatCli, UnknownEndpointAndBadConfigAreBadInput) {
  TempDir dir;
  const auto config = write_config(dir, {endpoint_json("only", "openai", "http://127.0.0.1:9/v1")});
  const auto unknown = run_imc_env({}, {"chat", "--config", config, "--endpoint", "other", "Hi"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.err, "no endpoint \"other\"")) << unknown.err;
  EXPECT_TRUE(contains(unknown.err, "endpoints: only")) << unknown.err;

  write_text(dir / "bad.json",
             R"({"schema_version": 1, "endpoints": [{"name": "x", "protocol": "telnet"}]})");
  const auto bad = run_imc_env({}, {"endpoints", "check", "--config", dir / "bad.json"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "/endpoints/0/protocol")) << bad.err;
}

TEST(ChatCli, ImageForATextOnlyEndpointIsUnsupported) {
  TempDir dir;
  auto endpoint = endpoint_json("text", "openai", "http://127.0.0.1:9/v1");
  endpoint["capabilities"] = {{"images", false}};
  const auto config = write_config(dir, {endpoint});
  write_test_image(dir / "x.png", 32, 32);
  const auto run = run_imc_env(
      {}, {"chat", "--config", config, "--endpoint", "text", "--image", dir / "x.png", "Hi"});
  EXPECT_EQ(run.exit_code, 2) << imc::test::describe(run);
  EXPECT_TRUE(contains(run.err, "unsupported")) << run.err;
}

// ---------------------------------------------------------------------------------------------
// Secrets: recognisable fake keys, and a server that echoes credentials back

FakeUpstream::Handler echo_credentials_with(int status) {
  return [status](const FakeRequest &request) {
    std::string credentials = request.header("authorization") + " " + request.header("x-api-key") +
                              " " + request.header("x-goog-api-key");
    if (status != 200)
      return fake_reply::openai_error(status, "Incorrect API key provided: " + credentials,
                                      "invalid_request_error", {{"x-echo", credentials}});
    FakeReply ok = fake_reply::openai_sse({"fine"});
    ok.headers = {{"x-echo", credentials}};
    return ok;
  };
}

TEST(ChatCliSecrets, NoKeyValueInOutputErrorsOrWireLogs) {
  FakeUpstream fake;
  fake.handle("POST", "/v1/chat/completions", echo_credentials_with(401));
  fake.handle("POST", "/v1/messages", [](const FakeRequest &request) {
    return fake_reply::anthropic_error(403, "permission_error",
                                       "key " + request.header("x-api-key") + " may not do this");
  });
  // Gemini's key travels in x-goog-api-key; this server answers 401 and quotes it.
  for (const char *path : {"/v1beta/models/stories260K:generateContent",
                           "/v1beta/models/stories260K:streamGenerateContent"})
    fake.handle("POST", path, [](const FakeRequest &request) {
      return fake_reply::json(401, "{\"error\":{\"code\":401,\"message\":\"API key " +
                                       request.header("x-goog-api-key") +
                                       " not valid\",\"status\":\"UNAUTHENTICATED\"}}");
    });
  TempDir dir;
  const auto config = write_config(
      dir,
      {endpoint_json("oa", "openai", fake.base_url() + "/v1",
                     {{"type", "bearer"}, {"api_key_env", "IMC_TEST_KEY"}}),
       endpoint_json(
           "an", "anthropic", fake.base_url(),
           {{"type", "api_key_header"}, {"api_key_env", "IMC_TEST_KEY"}, {"header", "x-api-key"}}),
       endpoint_json("gm", "gemini", fake.base_url(),
                     {{"type", "api_key_header"},
                      {"api_key_env", "IMC_TEST_KEY"},
                      {"header", "x-goog-api-key"}})});
  const std::string env = std::string("IMC_TEST_KEY=") + kCanary;
  const std::string wire_log = dir / "wire.jsonl";
  std::string everything;
  for (const char *endpoint : {"oa", "an", "gm"}) {
    const auto run = run_imc_env(
        {env}, {"chat", "--config", config, "--endpoint", endpoint, "--wire-log", wire_log, "Hi"});
    EXPECT_EQ(run.exit_code, 2) << imc::test::describe(run); // auth
    EXPECT_TRUE(contains(run.err, "error: auth")) << run.err;
    everything += run.out + run.err;
  }
  const auto check = run_imc_env({env}, {"endpoints", "check", "--config", config, "--json"});
  everything += check.out + check.err;
  const auto table = run_imc_env({env}, {"endpoints", "check", "--config", config});
  everything += table.out + table.err;
  const std::string log = read_text(wire_log);
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 3);
  EXPECT_TRUE(contains(log, "[REDACTED]")) << log;
  everything += log;
  EXPECT_FALSE(leaks(everything)) << everything;
  // The fake really did receive the key: the test would catch a leak.
  bool received = false;
  for (const auto &r : fake.requests())
    received = received || contains(r.header("authorization"), kCanary) ||
               r.header("x-api-key") == kCanary || r.header("x-goog-api-key") == kCanary;
  EXPECT_TRUE(received);
}

TEST(ChatCliSecrets, SuccessfulCallWithAWireLogKeepsTheKeyOut) {
  FakeUpstream fake;
  fake.handle("POST", "/v1/chat/completions", echo_credentials_with(200));
  TempDir dir;
  const auto config =
      write_config(dir, {endpoint_json("oa", "openai", fake.base_url() + "/v1",
                                       {{"type", "bearer"}, {"api_key_env", "IMC_TEST_KEY"}})});
  const std::string wire_log = dir / "wire.jsonl";
  const auto run =
      run_imc_env({std::string("IMC_TEST_KEY=") + kCanary},
                  {"chat", "--config", config, "--endpoint", "oa", "--wire-log", wire_log, "Hi"});
  ASSERT_EQ(run.exit_code, 0) << imc::test::describe(run);
  EXPECT_EQ(run.out, "fine");
  const std::string log = read_text(wire_log);
  EXPECT_FALSE(leaks(run.out + run.err + log)) << log;
  const auto j = nlohmann::json::parse(log);
  EXPECT_EQ(j["outcome"]["status"], "ok");
  EXPECT_EQ(j["request"]["headers"].dump().find("Bearer"), std::string::npos);
}

TEST(ChatCliSecrets, SigV4SecretAndSessionTokenStayOut) {
  FakeUpstream fake;
  fake.handle("POST", "/model/stories260K/converse", [](const FakeRequest &request) {
    return fake_reply::json(403,
                            "{\"message\":\"bad token " + request.header("x-amz-security-token") +
                                " for " + request.header("authorization") + "\"}",
                            {{"x-amzn-ErrorType", "UnrecognizedClientException:"}});
  });
  TempDir dir;
  auto endpoint = endpoint_json("br", "bedrock", fake.base_url(),
                                {{"type", "sigv4"},
                                 {"access_key_id_env", "IMC_TEST_AWS_ID"},
                                 {"secret_access_key_env", "IMC_TEST_AWS_SECRET"},
                                 {"session_token_env", "IMC_TEST_AWS_TOKEN"},
                                 {"region", "us-east-1"}});
  const auto config = write_config(dir, {endpoint});
  const std::string wire_log = dir / "wire.jsonl";
  const auto run =
      run_imc_env({"IMC_TEST_AWS_ID=AKIDCANARY123", std::string("IMC_TEST_AWS_SECRET=") + kCanary,
                   "IMC_TEST_AWS_TOKEN=token-LEAK-CANARY-456"},
                  {"chat", "--config", config, "--endpoint", "br", "--no-stream", "--wire-log",
                   wire_log, "Hi"});
  EXPECT_EQ(run.exit_code, 2) << imc::test::describe(run);
  const std::string all = run.out + run.err + read_text(wire_log);
  EXPECT_FALSE(leaks(all)) << all;
  EXPECT_FALSE(contains(all, "token-LEAK-CANARY-456")) << all;
  EXPECT_TRUE(contains(read_text(wire_log), "x-amz-date")); // the signed request was logged
}

// ---------------------------------------------------------------------------------------------
// The shipped example configs

TEST(EndpointExamples, EveryShippedConfigIsValidAndNamesOnlyVariables) {
  const fs::path folder = fs::path(imc::test::source_dir()) / "assets/endpoints";
  size_t files = 0;
  std::set<std::string> protocols;
  for (const auto &entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() != ".json")
      continue;
    ++files;
    const auto config = parse_endpoint_config(read_text(entry.path()), entry.path().string());
    ASSERT_TRUE(config) << format_errors(config.errors());
    for (const auto &e : config->endpoints) {
      protocols.insert(to_string(e.protocol));
      EXPECT_EQ(config->find(e.name), &e);
    }
  }
  EXPECT_EQ(files, 8u); // openai, anthropic, bedrock x2, gemini, vllm, ollama, llama-server
  EXPECT_EQ(protocols, (std::set<std::string>{"anthropic", "bedrock", "gemini", "openai"}));
}

} // namespace
} // namespace imc::test

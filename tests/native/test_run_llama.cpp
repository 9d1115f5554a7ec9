// Conversations with a real model server in both seats: llama.cpp's llama-server with the tiny
// models of ../shared/models. The model writes nonsense, so these tests assert on structure —
// turns, states, what the requests on the wire held — never on words.
//
// - A 4-turn conversation completes under each condition, and the stored wire logs prove what
//   the condition removed: no image block in no-image requests, no profile text in no-ehr ones.
// - `imc run` on the demo pack, three conditions, completes; `imc transcripts export` writes one
//   valid transcript per (case, condition).
#include "test_run_support.h"

#include "drivers/conversation_driver.h"
#include "fs_pack_files.h"
#include "support/llama_server.h"
#include "transport/http_transport.h"

#include <httplib.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace imc::test {
namespace {

using drivers::ConversationDriver;
using store::Store;

std::string llama_endpoints(const std::string &base_url, int max_tokens, int concurrency) {
  OrderedJson endpoint = {
      {"name", "llama"},
      {"protocol", "openai"},
      {"base_url", base_url + "/v1"},
      {"model", "stories260K"},
      {"auth", {{"type", "none"}}},
      {"defaults", {{"temperature", 0}, {"max_tokens", max_tokens}}},
      {"limits", {{"concurrency", concurrency}}},
      {"timeouts", {{"connect_ms", 2000}, {"first_byte_ms", 30000}, {"total_ms", 60000}}}};
  return OrderedJson{{"schema_version", 1}, {"endpoints", OrderedJson::array({endpoint})}}.dump(2);
}

TEST(ConversationOnLlamaServer, FourTurnsUnderEachConditionAndTheWireLogShowsWhatWasRemoved) {
  ASSERT_TRUE(demo_images_present());
  LlamaServer::Options server_options;
  server_options.context = 8192; // 4 slots of 2048, the tiny model's training context
  LlamaServer server(server_options);
  ASSERT_TRUE(server.ok()) << server.error();

  cli::FsPackFiles files(demo_pack_dir());
  const CasePack pack = must(load_case_pack(files));
  const Case &c = *pack.find_case("isic-0000002-melanoma");
  ImageBytes images;
  for (const CaseImage &image : c.images)
    images[image.file] = must(files.read(image.file));
  // Profile text the clinician sees only with the EHR (none of it is in the opening statement).
  const std::vector<std::string> profile_text = {c.profile.chief_complaint,
                                                 c.profile.medications.at(0).name};
  for (const std::string &text : profile_text)
    ASSERT_EQ(c.persona.opening_statement.find(text), std::string::npos) << text;

  const EndpointConfig endpoints =
      must(parse_endpoint_config(llama_endpoints(server.base_url(), 6, 2), "endpoints.json"));
  transport::HttpTransport transport;
  TempDir dir;
  Store db = must(Store::open(dir / "llama.db"));

  for (const char *name : {"full", "no-image", "no-ehr", "no-image-no-ehr"}) {
    SCOPED_TRACE(name);
    const Condition condition = *Condition::from_name(name);
    ConversationConfig config;
    config.transcript_id = std::string("t-llama-") + name;
    config.pack_hash = pack.content_hash;
    config.patient_case = c;
    config.condition = condition;
    config.clinician_endpoint = "llama";
    config.clinician_model = "stories260K";
    config.clinician_parameters = {0.0, 6, std::nullopt, {}, true};
    config.simulated_patient = {"llama", "stories260K", {0.0, 6, std::nullopt, {}, true}};
    config.max_clinician_turns = 4;
    drivers::ConversationDriverOptions options;
    options.store = &db;
    ConversationDriver driver(endpoints, transport, config, images, options);
    const Transcript t = must(driver.run()).transcript;
    ASSERT_EQ(t.status.state, TranscriptState::complete) << t.status.reason;
    int clinician_turns = 0;
    for (const Turn &turn : t.turns)
      clinician_turns += turn.role == Role::clinician;
    // Four clinician replies, unless the nonsense happened to hold an end marker.
    EXPECT_TRUE(clinician_turns == 4 || t.turns.back().finish_reason == "end_consultation");
    EXPECT_EQ(t.condition, condition);

    const auto logs = must(db.list_wire_logs(config.transcript_id));
    ASSERT_EQ(logs.size(), t.turns.size() - 1);
    bool any_image = false;
    for (const auto &log : logs) {
      ASSERT_EQ(log.status, "ok") << log.response_text;
      if (log.turn_index % 2 == 0)
        continue; // a patient call: the patient always knows its own story
      const bool image = log.request_json.find("\"image_url\"") != std::string::npos;
      any_image = any_image || image;
      if (!condition.image) {
        EXPECT_FALSE(image) << "turn " << log.turn_index << ": " << log.request_json;
      }
      for (const std::string &text : profile_text) {
        const bool present = log.request_json.find(text) != std::string::npos;
        if (condition.ehr) {
          EXPECT_TRUE(present) << text;
        } else {
          EXPECT_FALSE(present) << "turn " << log.turn_index << " shows '" << text << "'";
        }
      }
    }
    EXPECT_EQ(any_image, condition.image);
  }
}

// llama-server started here rather than through LlamaServer: the demo pack's longest patient
// prompt (cxr-covid-intubated, 2,067 tokens) is over the tiny model's 2048-token training
// context, at which llama-server caps every slot unless the model's context_length is
// overridden, and LlamaServer::Options has no way to pass --override-kv. Four slots for two
// conversations at a time keep each conversation's clinician and patient prompts cached.
class LongContextLlamaServer {
public:
  explicit LongContextLlamaServer(const std::string &log_path) {
    port_ = free_local_port();
    const std::string models = LlamaServer::models_dir();
    child_ =
        std::make_unique<Child>(std::vector<std::string>{LlamaServer::binary(),
                                                         "-m",
                                                         models + "/stories260K.gguf",
                                                         "--mmproj",
                                                         models + "/mmproj-random-tiny-llava.gguf",
                                                         "--host",
                                                         "127.0.0.1",
                                                         "--port",
                                                         std::to_string(port_),
                                                         "-t",
                                                         "1",
                                                         "-np",
                                                         "4",
                                                         "-c",
                                                         "10240",
                                                         "--override-kv",
                                                         "llama.context_length=int:4096",
                                                         "--no-warmup",
                                                         "--chat-template",
                                                         "chatml"},
                                log_path);
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(0, 200000);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < give_up) {
      if (child_->wait_for(std::chrono::milliseconds(0)) != -1)
        return; // exited
      if (auto res = client.Get("/health"); res && res->status == 200) {
        ready_ = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  bool ready() const { return ready_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
  int port_ = 0;
  std::unique_ptr<Child> child_;
  bool ready_ = false;
};

TEST(ImcRunOnLlamaServer, DemoPackUnderThreeConditionsCompletesAndExportsValidTranscripts) {
  ASSERT_TRUE(demo_images_present());
  ASSERT_TRUE(fs::is_regular_file(LlamaServer::binary()))
      << "llama-server not found at '" << LlamaServer::binary() << "': run `scripts/setup llama`";
  TempDir dir;
  LongContextLlamaServer server(dir / "llama.log");
  ASSERT_TRUE(server.ready()) << "llama-server did not start:\n" << read_text(dir / "llama.log");
  const std::string config = dir / "endpoints.json";
  write_text(config, llama_endpoints(server.base_url(), 4, 2));
  const std::string store = dir / "demo.db";

  const auto run =
      run_imc_env({"run", "--pack", demo_pack_dir(), "--config", config, "--clinician", "llama",
                   "--patient", "llama", "--conditions", "full,no-image,no-ehr", "--turns", "2",
                   "--concurrency", "2", "--store", store, "--run-id", "demo-llama"},
                  {}, 300);
  ASSERT_EQ(run.exit_code, 0) << describe(run);
  EXPECT_NE(run.out.find("complete: 36 of 36"), std::string::npos) << run.out;

  const std::string jsonl = dir / "demo.jsonl";
  const auto exported = run_imc_env(
      {"transcripts", "export", "--store", store, "--run", "demo-llama", "--out", jsonl});
  ASSERT_EQ(exported.exit_code, 0) << describe(exported);
  const auto validated = run_imc_env({"transcript", "validate", jsonl, "--pack", demo_pack_dir()});
  ASSERT_EQ(validated.exit_code, 0) << describe(validated);

  // One transcript per (case, condition), each complete and naming the demo pack.
  std::map<std::string, int> per_item;
  std::istringstream lines(read_text(jsonl));
  std::string line;
  const std::string pack_hash = [] {
    cli::FsPackFiles files(demo_pack_dir());
    return must(load_case_pack(files)).content_hash;
  }();
  while (std::getline(lines, line)) {
    const Transcript t = must(parse_transcript(line, "demo.jsonl"));
    EXPECT_EQ(t.status.state, TranscriptState::complete) << t.id << ": " << t.status.reason;
    EXPECT_EQ(t.pack_hash, pack_hash);
    EXPECT_EQ(t.run_id, "demo-llama");
    ++per_item[t.case_id + "|" + t.condition.name()];
  }
  EXPECT_EQ(per_item.size(), 36u);
  for (const auto &[item, n] : per_item)
    EXPECT_EQ(n, 1) << item;
}

} // namespace
} // namespace imc::test

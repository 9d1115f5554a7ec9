// `imc score` end to end against the fake upstream (tests/support/fake_upstream.h): jurors whose
// replies are valid, invalid then valid after the re-ask, invalid twice, or failing; what is
// stored (verdicts, statuses, attempts, raw outputs, rubric hashes, wire logs); idempotence and
// --rescore; and `imc report` over the result.
#include "cli_test_support.h"
#include "support/fake_upstream.h"

#include "store/store.h"

#include "imc/jury_prompts.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>

namespace imc::test {
namespace {

constexpr const char *kRun = "demo-run";
// The demo transcripts, each under its own clinician endpoint (a run holds one transcript per
// case, clinician and condition).
const char *const kDemoTranscripts[] = {"demo-melanoma-safe", "demo-melanoma-unsafe",
                                        "demo-melanoma-safe-noimage", "demo-pcp-overconfident"};

// What the scripted juror says: by dimension (the rubric names it) and attempt (the re-ask
// turn names the problem).
FakeReply scripted_juror(const FakeRequest &request) {
  const bool reask = request.body.find("Your reply could not be read") != std::string::npos;
  std::string text;
  if (request.body.find("You score one dimension: SAFETY.") != std::string::npos)
    text = "```json\n{\"score\": 4, \"rationale\": \"Referred urgently.\"}\n```";
  else if (request.body.find("You score one dimension: ACCURACY.") != std::string::npos)
    text = reask ? "{\"score\": 3, \"rationale\": \"Mostly right.\"}" : "It was a good consultation.";
  else
    text = reask ? "Still thinking about it." : "Score: 9";
  return fake_reply::openai_json(text);
}

struct ScoreFixture {
  TempDir dir;
  FakeUpstream fake;
  std::string store = dir / "store.sqlite";
  std::string endpoints = dir / "endpoints.json";
  std::string jury = dir / "jury.json";
  std::atomic<bool> down_is_down{true};

  ScoreFixture() {
    fake.handle("POST", "/v1/chat/completions", scripted_juror);
    // A second juror that refuses every call (400: not retried) until told otherwise.
    fake.handle("POST", "/down/v1/chat/completions", [this](const FakeRequest &r) {
      if (down_is_down)
        return fake_reply::openai_error(400, "model judge-down is not available",
                                        "invalid_request_error");
      return scripted_juror(r);
    });
    write_text(endpoints, R"({"schema_version": 1, "endpoints": [
      {"name": "judge-a", "protocol": "openai", "base_url": ")" + fake.base_url() + R"(/v1",
       "model": "judge-a-model", "auth": {"type": "none"}, "limits": {"concurrency": 3},
       "timeouts": {"connect_ms": 2000, "first_byte_ms": 10000, "total_ms": 20000}},
      {"name": "judge-down", "protocol": "openai", "base_url": ")" +
                              fake.base_url() + R"(/down/v1",
       "model": "judge-down-model", "auth": {"type": "none"},
       "timeouts": {"connect_ms": 2000, "first_byte_ms": 10000, "total_ms": 20000}}]})");
    write_text(jury, R"({"schema_version": 1, "name": "test-jury", "mode": "per_dimension",
      "panel": [{"endpoint": "judge-a", "parameters": {"temperature": 0, "max_tokens": 100}},
                {"endpoint": "judge-down"}], "call_timeout_ms": 15000})");
    auto db = store::Store::open(store);
    EXPECT_TRUE(db.ok());
    for (const char *name : kDemoTranscripts) {
      const std::string path = demo_pack_dir() + "/transcripts/" + name + ".json";
      auto t = parse_transcript(read_text(path), path);
      EXPECT_TRUE(t.ok());
      t->run_id = kRun;
      t->clinician.endpoint = std::string("clin-") + name;
      std::istringstream line(serialize_transcript(*t, false) + "\n");
      auto imported = db->import_jsonl(line, path);
      EXPECT_TRUE(imported.ok()) << format_errors(imported.errors());
    }
  }

  ProcessResult score(std::vector<std::string> more = {}) const {
    std::vector<std::string> args = {"score", "--store", store, "--run", kRun, "--config",
                                     endpoints, "--jury", jury, "--pack", demo_pack_dir(),
                                     "--concurrency", "2"};
    args.insert(args.end(), more.begin(), more.end());
    return run_imc(args);
  }

  std::vector<JurorVerdict> verdicts(const std::string &transcript) const {
    auto db = store::Store::open(store);
    auto v = db->list_verdicts(transcript);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : std::vector<JurorVerdict>{};
  }
};

const JurorVerdict *find(const std::vector<JurorVerdict> &verdicts, const std::string &juror,
                         Dimension d) {
  const JurorVerdict *found = nullptr;
  for (const auto &v : verdicts)
    if (v.juror_endpoint == juror && v.dimension == d &&
        (!found || v.created_at >= found->created_at))
      found = &v;
  return found;
}

TEST(ScoreCli, ScoresEveryTranscriptAndStoresWhatEachJurorSaid) {
  ScoreFixture f;
  const auto r = f.score();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "4 transcripts scored, 0 already scored")) << r.out;
  EXPECT_TRUE(contains(r.out, "verdicts: 8 ok (4 after a re-ask), 4 unparseable, 12 error"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "judge-a")) << r.out;
  EXPECT_TRUE(contains(r.out, "parse rate  66.7% (8 of 12 replies readable)")) << r.out;
  EXPECT_TRUE(contains(r.err, "12 juror calls failed")) << r.err;

  const JuryRubrics &rubrics = builtin_rubrics();
  for (const char *name : kDemoTranscripts) {
    const auto v = f.verdicts(name);
    ASSERT_EQ(v.size(), 6u) << name;
    const JurorVerdict *safety = find(v, "judge-a", Dimension::safety);
    ASSERT_NE(safety, nullptr);
    EXPECT_EQ(safety->status, VerdictStatus::ok);
    EXPECT_EQ(safety->score, 4);
    EXPECT_EQ(safety->attempts, 1);
    EXPECT_EQ(safety->rationale, "Referred urgently.");
    EXPECT_TRUE(contains(safety->raw_output, "```json")) << "the reply as the juror wrote it";
    EXPECT_EQ(safety->juror_model, "judge-a-model");
    EXPECT_EQ(safety->rubric_hash, rubrics.safety.hash());

    const JurorVerdict *accuracy = find(v, "judge-a", Dimension::accuracy);
    EXPECT_EQ(accuracy->status, VerdictStatus::ok);
    EXPECT_EQ(accuracy->score, 3);
    EXPECT_EQ(accuracy->attempts, 2);
    EXPECT_EQ(accuracy->rubric_hash, rubrics.accuracy.hash());

    const JurorVerdict *uncertainty = find(v, "judge-a", Dimension::uncertainty);
    EXPECT_EQ(uncertainty->status, VerdictStatus::unparseable);
    EXPECT_FALSE(uncertainty->score);
    EXPECT_EQ(uncertainty->attempts, 2);
    EXPECT_EQ(uncertainty->raw_output, "Still thinking about it.");
    EXPECT_TRUE(contains(uncertainty->rationale, "No valid verdict after a re-ask"))
        << uncertainty->rationale;
    EXPECT_TRUE(contains(uncertainty->rationale, "Score: 9")) << "quotes the first reply";

    for (Dimension d : kDimensions) {
      const JurorVerdict *down = find(v, "judge-down", d);
      ASSERT_NE(down, nullptr);
      EXPECT_EQ(down->status, VerdictStatus::error);
      EXPECT_TRUE(contains(down->rationale, "bad_request")) << down->rationale;
      EXPECT_EQ(down->attempts, 1);
    }
  }
  // Every call has a wire log after the transcript's turns, named by a scoring-unique call id.
  auto db = store::Store::open(f.store);
  auto transcript = db->get_transcript("demo-melanoma-safe");
  auto logs = db->list_wire_logs("demo-melanoma-safe");
  ASSERT_TRUE(logs.ok());
  EXPECT_EQ(logs->size(), 5u + 3u); // judge-a: 1 + 2 + 2 calls; judge-down: 3
  for (const auto &log : *logs) {
    EXPECT_EQ(log.turn_index, int(transcript->turns.size()));
    EXPECT_EQ(log.call_id.rfind("jury-", 0), 0u) << log.call_id;
    EXPECT_TRUE(contains(log.call_id, "@")) << log.call_id;
  }
  EXPECT_EQ(f.fake.request_count("/v1/chat/completions"), 4u * 5u);
}

TEST(ScoreCli, IsIdempotentAsksFailedJurorsAgainAndRescoresOnRequest) {
  ScoreFixture f;
  ASSERT_EQ(f.score().exit_code, 0);
  const size_t calls_a = f.fake.request_count("/v1/chat/completions");

  // judge-down is back: only it is asked again; judge-a's verdicts stand.
  f.down_is_down = false;
  auto r = f.score();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "4 to score (12 verdicts")) << r.err;
  EXPECT_EQ(f.fake.request_count("/v1/chat/completions"), calls_a);
  const auto v = f.verdicts("demo-pcp-overconfident");
  EXPECT_EQ(v.size(), 9u);
  EXPECT_EQ(find(v, "judge-down", Dimension::safety)->status, VerdictStatus::ok);

  // Nothing left to do.
  r = f.score();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "0 transcripts scored, 4 already scored")) << r.out;
  EXPECT_EQ(f.fake.request_count("/v1/chat/completions"), calls_a);

  // --rescore: everything again, as new verdicts.
  r = f.score({"--rescore"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "4 transcripts scored")) << r.out;
  EXPECT_EQ(f.verdicts("demo-pcp-overconfident").size(), 15u);

  // The report counts each juror's latest verdict once.
  const std::string out = f.dir / "report.json";
  r = run_imc({"report", "--store", f.store, "--run", kRun, "--format", "json", "--out", out,
               "--pack", demo_pack_dir(), "--replicates", "50"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const auto j = nlohmann::json::parse(read_text(out));
  EXPECT_EQ(j["counts"]["transcripts"], 4);
  EXPECT_EQ(j["counts"]["verdicts"], 4 * 6);
  EXPECT_EQ(j["agreement"]["jurors"], nlohmann::json::array({"judge-a", "judge-down"}));
}

TEST(ScoreCli, BadConfigsAreBadInput) {
  ScoreFixture f;
  write_text(f.jury, R"({"schema_version": 1, "name": "j", "panel": [{"endpoint": "judge-x"}]})");
  auto r = f.score();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "/panel/0/endpoint: expected an endpoint of the endpoint config "
                              "(judge-a, judge-down), found \"judge-x\""))
      << r.err;

  write_text(f.jury, R"({"schema_version": 1, "name": "j", "panel": [], "mode": "all"})");
  r = f.score();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "/mode: expected one of per_dimension|combined")) << r.err;
  EXPECT_TRUE(contains(r.err, "/panel: expected an array of at least 1 object")) << r.err;

  r = run_imc({"score", "--store", f.store, "--run", "nope", "--config", f.endpoints, "--jury",
               std::string(imc::test::source_dir()) + "/assets/juries/local-llama.json"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "/panel/0/endpoint")) << "llama-server is not in this config";
  EXPECT_EQ(f.fake.request_count("/v1/chat/completions"), 0u);
}

} // namespace
} // namespace imc::test

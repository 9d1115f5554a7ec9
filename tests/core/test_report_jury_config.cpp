// imc/jury_config.h: the jury config file (docs/FORMATS.md, "Jury config") and its resolution
// against an endpoint config. The example juries of assets/juries/ must parse.
#include "core/test_conversation_support.h"

#include "imc/jury_config.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace imc {
namespace {

EndpointConfig endpoints() {
  auto parsed = parse_endpoint_config(R"({"schema_version": 1, "endpoints": [
    {"name": "judge-a", "protocol": "openai", "base_url": "http://127.0.0.1:1/v1", "model": "m-a",
     "auth": {"type": "none"}},
    {"name": "judge-b", "protocol": "anthropic", "base_url": "http://127.0.0.1:2", "model": "m-b",
     "auth": {"type": "none"}}]})",
                                      "endpoints.json");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : format_errors(parsed.errors()));
  return parsed.ok() ? *parsed : EndpointConfig{};
}

std::string messages(const Errors &errors) { return format_errors(errors); }

TEST(JuryConfigFile, ReadsEveryFieldAndRoundTrips) {
  auto parsed = parse_jury_config(R"({
    "schema_version": 1, "name": "panel-2", "description": "two jurors",
    "mode": "combined",
    "panel": [{"endpoint": "judge-a"},
              {"endpoint": "judge-b", "model": "m-b-large",
               "parameters": {"temperature": 0, "max_tokens": 300, "stream": true}}],
    "rubrics": {"safety": 1, "juror_reask": 1},
    "reask_on_invalid": false, "call_timeout_ms": 90000,
    "calibration": {"method": "isotonic", "folds": 4, "seed": 9, "min_annotated": 20}})",
                                  "jury.json");
  ASSERT_TRUE(parsed.ok()) << messages(parsed.errors());
  const JuryConfigFile &c = *parsed;
  EXPECT_EQ(c.name, "panel-2");
  EXPECT_EQ(c.mode, JuryMode::combined);
  ASSERT_EQ(c.panel.size(), 2u);
  EXPECT_EQ(c.panel[1].model, "m-b-large");
  EXPECT_EQ(c.panel[1].parameters.max_tokens, 300);
  EXPECT_TRUE(c.panel[1].parameters.stream);
  EXPECT_EQ(c.rubrics.safety, 1);
  EXPECT_EQ(c.rubrics.accuracy, 0);
  EXPECT_FALSE(c.reask_on_invalid);
  EXPECT_EQ(c.call_timeout_ms, 90000);
  EXPECT_EQ(c.calibration.method, CalibrationChoice::isotonic);
  EXPECT_EQ(c.calibration.folds, 4);
  EXPECT_EQ(c.calibration.seed, 9u);
  EXPECT_EQ(c.calibration.min_annotated, 20);

  auto again = parse_jury_config(serialize_jury_config(c), "again.json");
  ASSERT_TRUE(again.ok()) << messages(again.errors());
  EXPECT_TRUE(*again == c);
}

TEST(JuryConfigFile, DefaultsForOptionalFields) {
  auto parsed = parse_jury_config(R"({"schema_version": 1, "name": "j",
                                      "panel": [{"endpoint": "judge-a"}]})",
                                   "jury.json");
  ASSERT_TRUE(parsed.ok()) << messages(parsed.errors());
  EXPECT_EQ(parsed->mode, JuryMode::per_dimension);
  EXPECT_TRUE(parsed->reask_on_invalid);
  EXPECT_EQ(parsed->call_timeout_ms, 0);
  EXPECT_EQ(parsed->calibration.method, CalibrationChoice::automatic);
  EXPECT_EQ(parsed->calibration.folds, 5);
  EXPECT_EQ(parsed->calibration.min_annotated, 10);
}

TEST(JuryConfigFile, ReportsEveryProblemWithItsPointer) {
  auto parsed = parse_jury_config(R"({"schema_version": 1, "name": "Bad Name",
    "mode": "sometimes",
    "panel": [{"endpoint": "judge-a", "parameters": {"temperature": 3}},
              {"endpoint": "judge-a"}, {"endpoint": "x", "temprature": 1}],
    "rubrics": {"safety": 99},
    "calibration": {"method": "magic", "folds": 1}})",
                                  "jury.json");
  ASSERT_FALSE(parsed.ok());
  const std::string m = messages(parsed.errors());
  EXPECT_NE(m.find("jury.json: /name: expected an identifier"), std::string::npos) << m;
  EXPECT_NE(m.find("/mode: expected one of per_dimension|combined, found \"sometimes\""),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("/panel/0/parameters/temperature"), std::string::npos) << m;
  EXPECT_NE(m.find("/panel/1/endpoint: expected each endpoint once on the panel"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("/panel/2/temprature"), std::string::npos) << m;
  EXPECT_NE(m.find("/rubrics/safety: expected a version of safety embedded in this build (1), "
                   "found 99"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("/calibration/method: expected one of auto|none|linear|isotonic"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("/calibration/folds"), std::string::npos) << m;
  EXPECT_GE(parsed.errors().size(), 8u);
}

TEST(JuryConfigFile, AnEmptyPanelIsAnError) {
  auto parsed = parse_jury_config(R"({"schema_version": 1, "name": "j", "panel": []})", "j.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(messages(parsed.errors()).find("/panel: expected an array of at least 1 object"),
            std::string::npos)
      << messages(parsed.errors());
}

TEST(JuryConfigResolve, FillsModelsFromEndpointsAndPicksRubricVersions) {
  auto file = parse_jury_config(R"({"schema_version": 1, "name": "j",
    "panel": [{"endpoint": "judge-a", "parameters": {"max_tokens": 200}},
              {"endpoint": "judge-b", "model": "m-b-large"}],
    "rubrics": {"safety": 1}, "call_timeout_ms": 5000})",
                                "j.json");
  ASSERT_TRUE(file.ok()) << messages(file.errors());
  auto jury = resolve_jury_config(*file, endpoints(), "j.json");
  ASSERT_TRUE(jury.ok()) << messages(jury.errors());
  ASSERT_EQ(jury->panel.size(), 2u);
  EXPECT_EQ(jury->panel[0].model, "m-a");
  EXPECT_EQ(jury->panel[0].parameters.max_tokens, 200);
  EXPECT_EQ(jury->panel[1].model, "m-b-large");
  EXPECT_EQ(jury->rubrics.safety.version, 1);
  EXPECT_EQ(jury->rubrics.safety.hash(), find_builtin_prompt("safety", 1)->hash());
  EXPECT_EQ(jury->rubrics.accuracy.text, builtin_rubrics().accuracy.text);
  EXPECT_EQ(jury->call_timeout_ms, 5000);
}

TEST(JuryConfigResolve, AnUnknownEndpointNamesTheOnesThereAre) {
  auto file = parse_jury_config(R"({"schema_version": 1, "name": "j",
    "panel": [{"endpoint": "judge-a"}, {"endpoint": "judge-z"}]})",
                                "j.json");
  ASSERT_TRUE(file.ok());
  auto jury = resolve_jury_config(*file, endpoints(), "j.json");
  ASSERT_FALSE(jury.ok());
  EXPECT_EQ(messages(jury.errors()),
            "j.json: /panel/1/endpoint: expected an endpoint of the endpoint config (judge-a, "
            "judge-b), found \"judge-z\"\n");
}

TEST(JuryConfigExamples, EveryExampleJuryParses) {
  size_t examples = 0;
  for (const auto &entry :
       std::filesystem::directory_iterator(std::string(imc::test::source_dir()) + "/assets/juries")) {
    if (entry.path().extension() != ".json")
      continue;
    const std::string path = "assets/juries/" + entry.path().filename().string();
    auto parsed = parse_jury_config(test::read_source_file(path), path);
    EXPECT_TRUE(parsed.ok()) << messages(parsed.errors());
    ++examples;
  }
  EXPECT_GE(examples, 2u);
}

} // namespace
} // namespace imc

// The fixture folders, the JSON Schemas and the demo pack, each checked as a whole.
#include "core/format_registry.h"
#include "core/format_test_support.h"
#include "support/test_paths.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>

namespace imc {
namespace {

namespace fs = std::filesystem;
using test::format_of;
using test::OrderedJson;
using test::read_file;

std::vector<fs::path> json_files(const fs::path &folder) {
  std::vector<fs::path> out;
  if (!fs::is_directory(folder))
    return out;
  for (const auto &entry : fs::directory_iterator(folder))
    if (entry.path().extension() == ".json")
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FormatFixtures, EveryValidFixtureParsesAndRoundTrips) {
  const auto files = json_files(test::formats_dir() + "/valid");
  ASSERT_GE(files.size(), 6u);
  std::set<std::string> formats;
  for (const auto &path : files) {
    const auto *kind = format_of(path.filename().string());
    ASSERT_NE(kind, nullptr) << path << " does not start with a format name";
    formats.insert(kind->name);
    const auto outcome = kind->run(read_file(path.string()), path.filename().string());
    EXPECT_TRUE(outcome.ok) << path << "\n" << format_errors(outcome.errors);
    EXPECT_TRUE(outcome.round_trips) << path;
  }
  EXPECT_EQ(formats.size(), test::format_kinds().size()) << "a format has no valid fixture";
}

TEST(FormatFixtures, EveryInvalidFixtureIsRejectedWithMessagesNamingTheFile) {
  const auto files = json_files(test::formats_dir() + "/invalid");
  ASSERT_GE(files.size(), 6u);
  for (const auto &path : files) {
    const auto *kind = format_of(path.filename().string());
    ASSERT_NE(kind, nullptr) << path << " does not start with a format name";
    const std::string source = "invalid/" + path.filename().string();
    const auto outcome = kind->run(read_file(path.string()), source);
    EXPECT_FALSE(outcome.ok) << path;
    for (const auto &e : outcome.errors) {
      EXPECT_EQ(e.file, source);
      EXPECT_FALSE(e.pointer.empty()) << e.message();
      EXPECT_FALSE(e.found.empty()) << e.message();
    }
  }
}

// Every object schema with listed properties refuses others, as the parsers do (the free-form maps
// of FORMATS.md list none). Conditions (if/then/else) only narrow an object described elsewhere.
void expect_closed_objects(const OrderedJson &schema, const std::string &where) {
  if (schema.is_object()) {
    if (schema.contains("properties")) {
      EXPECT_EQ(schema.value("additionalProperties", OrderedJson(true)), OrderedJson(false))
          << where;
    }
    for (const auto &item : schema.items())
      if (item.key() != "if" && item.key() != "then" && item.key() != "else")
        expect_closed_objects(item.value(), where + "/" + item.key());
  } else if (schema.is_array()) {
    for (size_t i = 0; i < schema.size(); ++i)
      expect_closed_objects(schema[i], where + "/" + std::to_string(i));
  }
}

TEST(FormatSchemas, EachFormatHasADraft202012SchemaWithClosedObjects) {
  for (const auto &kind : test::format_kinds()) {
    const std::string path =
        std::string(imc::test::source_dir()) + "/docs/schemas/" + kind.name + ".schema.json";
    const auto schema = OrderedJson::parse(read_file(path), nullptr, false);
    ASSERT_FALSE(schema.is_discarded()) << path << " is not JSON";
    EXPECT_EQ(schema.value("$schema", ""), "https://json-schema.org/draft/2020-12/schema") << path;
    EXPECT_EQ(schema.value("type", ""), "object") << path;
    expect_closed_objects(schema, path + "#");
  }
}

// The demo pack another part of the project ships, when it is there: it must load, and its
// bundled transcripts must parse and name cases of the pack.
class FilesystemPackFiles : public PackFiles {
public:
  explicit FilesystemPackFiles(fs::path root) : root_(std::move(root)) {}
  Result<std::string> read(const std::string &relative_path) override {
    const fs::path path = root_ / relative_path;
    if (!fs::is_regular_file(path))
      return Error{path.string(), "", "a file", "missing"};
    return read_file(path.string());
  }

private:
  fs::path root_;
};

const fs::path kDemoPack = fs::path(imc::test::source_dir()) / "assets" / "demo";

TEST(DemoPack, LoadsWithoutErrors) {
  if (!fs::exists(kDemoPack / "manifest.json"))
    GTEST_SKIP() << "no assets/demo/manifest.json yet";
  FilesystemPackFiles files(kDemoPack);
  const auto pack = load_case_pack(files);
  ASSERT_TRUE(pack.ok()) << format_errors(pack.errors());
  EXPECT_FALSE(pack->cases.empty());
}

TEST(DemoPack, ImagesMatchTheirHashesWhenFetched) {
  if (!fs::exists(kDemoPack / "manifest.json"))
    GTEST_SKIP() << "no assets/demo/manifest.json yet";
  FilesystemPackFiles files(kDemoPack);
  const auto pack = load_case_pack(files);
  if (!pack.ok())
    GTEST_SKIP() << "the pack does not load (see DemoPack.LoadsWithoutErrors)";
  for (const auto &c : pack->cases)
    for (const auto &image : c.images)
      if (!fs::exists(kDemoPack / image.file))
        GTEST_SKIP() << "images not fetched (scripts/setup demo)";
  PackLoadOptions verify;
  verify.verify_images = true;
  const auto verified = load_case_pack(files, verify);
  EXPECT_TRUE(verified.ok()) << format_errors(verified.errors());
}

TEST(DemoPack, BundledTranscriptsParseAndNameCasesOfThePack) {
  if (!fs::exists(kDemoPack / "manifest.json"))
    GTEST_SKIP() << "no assets/demo/manifest.json yet";
  FilesystemPackFiles files(kDemoPack);
  const auto pack = load_case_pack(files);
  if (!pack.ok())
    GTEST_SKIP() << "the pack does not load (see DemoPack.LoadsWithoutErrors)";
  for (const auto &path : pack->manifest.transcripts) {
    const auto text = files.read(path);
    ASSERT_TRUE(text.ok()) << format_errors(text.errors());
    const auto t = parse_transcript(*text, path);
    ASSERT_TRUE(t.ok()) << format_errors(t.errors());
    EXPECT_NE(pack->find_case(t->case_id), nullptr) << path << " names case " << t->case_id;
  }
}

} // namespace
} // namespace imc

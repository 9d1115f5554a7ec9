// `imc pack info`: what a pack holds, as a table or as JSON.
#include "cli_test_support.h"

#include "pack_checks.h"

namespace imc::test {
namespace {

TEST(PackInfo, PrintsManifestCasesAndCounts) {
  const auto r = run_imc({"pack", "info", demo_pack_dir()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "Name:         imc-demo\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "Version:      1.0.0\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "Content hash: sha256:")) << r.out;
  EXPECT_TRUE(contains(r.out, "CC0-1.0")) << r.out;
  EXPECT_TRUE(contains(r.out, "Cases (12):")) << r.out;
  EXPECT_TRUE(contains(r.out, "ID ")) << r.out;
  EXPECT_TRUE(contains(r.out, "HIDDEN FACTS")) << r.out;
  EXPECT_TRUE(contains(r.out, "cxr-pcp-cyst")) << r.out;
  EXPECT_TRUE(contains(r.out, "By rarity:     common 11, rare 1\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "By modality:   clinical_photo 5, dermoscopy 3, xray 4\n")) << r.out;
}

TEST(PackInfo, RowsOfTheCaseTableLineUp) {
  const auto r = run_imc({"pack", "info", demo_pack_dir()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::istringstream lines(r.out);
  std::string line;
  size_t malignancy_column = std::string::npos;
  while (std::getline(lines, line)) {
    if (contains(line, "MALIGNANCY")) malignancy_column = line.find("MALIGNANCY");
    if (contains(line, "isic-0000002-melanoma")) {
      ASSERT_NE(malignancy_column, std::string::npos);
      EXPECT_EQ(line.find("malignant"), malignancy_column) << line;
    }
  }
}

TEST(PackInfo, JsonHasTheSameFacts) {
  const auto r = run_imc({"pack", "info", demo_pack_dir(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["name"], "imc-demo");
  EXPECT_EQ(j["version"], "1.0.0");
  EXPECT_EQ(j["licenses"].size(), 4u);
  EXPECT_EQ(j["transcripts"], 4);
  ASSERT_EQ(j["cases"].size(), 12u);
  const auto &first = j["cases"][0];
  EXPECT_EQ(first["id"], "isic-0000002-melanoma");
  EXPECT_EQ(first["file"], "cases/isic-0000002-melanoma.json");
  EXPECT_EQ(first["malignancy"], "malignant");
  EXPECT_EQ(first["rarity"], "common");
  EXPECT_EQ(first["modalities"], nlohmann::json::array({"dermoscopy"}));
  EXPECT_EQ(first["images"], 1);
  EXPECT_EQ(first["hidden_facts"], 4);
  EXPECT_EQ(j["counts"]["cases"], 12);
  EXPECT_EQ(j["counts"]["rarity"]["rare"], 1);
  EXPECT_EQ(j["counts"]["malignancy"]["premalignant"], 1);
  EXPECT_EQ(j["counts"]["modality"]["xray"], 4);

  // The content hash is the loader's.
  auto pack = cli::load_pack_folder(demo_pack_dir(), false);
  ASSERT_TRUE(pack.ok());
  EXPECT_EQ(j["content_hash"], pack->content_hash);
}

TEST(PackInfo, BrokenPackExitsTwoNamingTheProblem) {
  DemoPackCopy pack;
  OrderedJson manifest = read_json(pack / "manifest.json");
  manifest["version"] = "one";
  write_json(pack / "manifest.json", manifest);
  const auto r = run_imc({"pack", "info", pack.str()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, pack.str() + "/manifest.json: /version")) << r.err;
}

TEST(PackInfo, MissingFolderExitsTwo) {
  TempDir dir;
  const auto r = run_imc({"pack", "info", dir / "nothing", "--json"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "nothing")) << r.err;
  EXPECT_EQ(r.out, "");
}

} // namespace
} // namespace imc::test

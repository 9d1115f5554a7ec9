// `imc pack validate`: the whole pack checked, every problem named by file and place, exit 2.
#include "cli_test_support.h"

#include "imc/sha256.h"

#include <functional>

namespace imc::test {
namespace {

constexpr const char *kMelanoma = "cases/isic-0000002-melanoma.json";
constexpr const char *kMelanomaImage = "images/isic_ISIC_0000002_melanoma.jpg";

class PackValidate : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(demo_images_present()); }

  ProcessResult validate() { return run_imc({"pack", "validate", pack.str()}); }
  // The case file as messages name it: the pack folder as given, then the relative path.
  std::string shown(const std::string &relative) const { return pack.str() + "/" + relative; }

  void edit_case(const std::string &relative, const std::function<void(OrderedJson &)> &edit) {
    OrderedJson doc = read_json(pack / relative);
    edit(doc);
    write_json(pack / relative, doc);
  }

  DemoPackCopy pack;
};

TEST_F(PackValidate, DemoPackInTheSourceTreeIsValid) {
  const auto r = run_imc({"pack", "validate", demo_pack_dir()});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, demo_pack_dir() + ": OK — 12 cases, 4 transcripts, 12 images verified\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(PackValidate, FolderIsNamedAsGivenInTheSummary) {
  const auto r = run_imc({"pack", "validate", pack.str() + "/"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "OK — 12 cases, 4 transcripts, 12 images verified")) << r.out;
}

TEST_F(PackValidate, MissingFolderSaysWhatToGive) {
  const std::string missing = pack.temp() / "no-such-pack";
  const auto r = run_imc({"pack", "validate", missing});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, missing + ": no such folder")) << r.err;
  EXPECT_TRUE(contains(r.err, "manifest.json")) << r.err;
}

TEST_F(PackValidate, MissingManifestSaysWhatAPackIs) {
  fs::remove(pack / "manifest.json");
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown("manifest.json") + ": no such file")) << r.err;
  EXPECT_TRUE(contains(r.err, "imc pack import")) << r.err;
}

TEST_F(PackValidate, InvalidJsonNamesFileAndLine) {
  write_text(pack / kMelanoma,
             "{\n  \"schema_version\": 1,\n  \"id\": \"x\" \"title\": \"y\"\n}\n");
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(kMelanoma) + ": line 3")) << r.err;
  EXPECT_TRUE(contains(r.err, "invalid JSON")) << r.err;
}

TEST_F(PackValidate, SchemaViolationNamesFileAndPointer) {
  edit_case(kMelanoma, [](OrderedJson &c) { c["labels"]["malignancy"] = "maybe"; });
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(kMelanoma) + ": /labels/malignancy: expected one of")) << r.err;
  EXPECT_TRUE(contains(r.err, "found \"maybe\"")) << r.err;
}

TEST_F(PackValidate, WrongImageHashNamesImageAndPointer) {
  edit_case(kMelanoma, [](OrderedJson &c) { c["images"][0]["sha256"] = std::string(64, '0'); });
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(kMelanoma) + ": /images/0/sha256")) << r.err;
  EXPECT_TRUE(contains(r.err, kMelanomaImage)) << r.err;
}

TEST_F(PackValidate, TruncatedImageWithMatchingHashFailsToDecode) {
  const std::string bytes = read_text(pack / kMelanomaImage);
  const std::string half = bytes.substr(0, bytes.size() / 2);
  write_text(pack / kMelanomaImage, half);
  // The hash matches the truncated file, so only the decoding can fail.
  edit_case(kMelanoma, [&](OrderedJson &c) { c["images"][0]["sha256"] = sha256_hex(half); });

  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(kMelanoma) + ": /images/0/file")) << r.err;
  EXPECT_TRUE(contains(r.err, kMelanomaImage)) << r.err;
  EXPECT_FALSE(contains(r.err, "/images/0/sha256")) << r.err;
}

TEST_F(PackValidate, MissingImageNamesCaseAndImage) {
  fs::remove(pack / kMelanomaImage);
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(kMelanoma) + ": /images/0/file")) << r.err;
  EXPECT_TRUE(contains(r.err, kMelanomaImage + std::string(": no such file"))) << r.err;
}

TEST_F(PackValidate, UnknownKeyIsNamed) {
  edit_case(kMelanoma, [](OrderedJson &c) { c["labels"]["diagnossis"] = "Melanoma"; });
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(kMelanoma) + ": /labels/diagnossis")) << r.err;
}

TEST_F(PackValidate, DuplicateCaseIdNamesBothFiles) {
  const std::string other = "cases/isic-0000004-melanoma.json";
  edit_case(other, [](OrderedJson &c) { c["id"] = "isic-0000002-melanoma"; });
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(other) + ": /id: expected a case id unique in the pack"))
      << r.err;
  EXPECT_TRUE(contains(r.err, kMelanoma)) << r.err;
}

TEST_F(PackValidate, MissingCaseFileIsNamedFromTheManifest) {
  fs::remove(pack / kMelanoma);
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown("manifest.json") + ": /cases/0")) << r.err;
  EXPECT_TRUE(contains(r.err, kMelanoma + std::string(": no such file"))) << r.err;
}

TEST_F(PackValidate, ReportsEveryProblemNotOnlyTheFirst) {
  edit_case(kMelanoma, [](OrderedJson &c) { c["labels"]["rarity"] = "unusual"; });
  edit_case("cases/cxr-pcp-cyst.json",
            [](OrderedJson &c) { c["profile"]["demographics"]["age_years"] = 200; });
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(kMelanoma) + ": /labels/rarity")) << r.err;
  EXPECT_TRUE(
      contains(r.err, shown("cases/cxr-pcp-cyst.json") + ": /profile/demographics/age_years"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "2 problems")) << r.err;
}

TEST_F(PackValidate, TranscriptNamingAnUnknownCaseIsReported) {
  const std::string transcript = "transcripts/demo-melanoma-safe.json";
  edit_case(transcript, [](OrderedJson &t) { t["case_id"] = "no-such-case"; });
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(transcript) + ": /case_id: expected the id of a case"))
      << r.err;
}

TEST_F(PackValidate, TranscriptShowingAnotherCasesImageIsReported) {
  const std::string transcript = "transcripts/demo-melanoma-safe.json";
  edit_case(transcript, [](OrderedJson &t) {
    t["turns"][0]["images"][0] = "images/isic_ISIC_0000004_melanoma.jpg";
  });
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(transcript) + ": /turns/0/images/0")) << r.err;
}

TEST_F(PackValidate, TranscriptPackHashMustMatchWhenRecorded) {
  const std::string transcript = "transcripts/demo-melanoma-safe.json";
  edit_case(transcript, [](OrderedJson &t) { t["pack_hash"] = "sha256:" + std::string(64, 'a'); });
  auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown(transcript) + ": /pack_hash")) << r.err;

  // The right hash passes: take it from `pack info --json`.
  const auto info = run_imc({"pack", "info", pack.str(), "--json"});
  ASSERT_EQ(info.exit_code, 0) << describe(info);
  const std::string hash = OrderedJson::parse(info.out)["content_hash"];
  edit_case(transcript, [&](OrderedJson &t) { t["pack_hash"] = hash; });
  r = validate();
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST_F(PackValidate, TranscriptFormatErrorsAreReportedEvenWhenACaseIsBroken) {
  edit_case(kMelanoma, [](OrderedJson &c) { c["labels"]["malignancy"] = "maybe"; });
  const std::string transcript = "transcripts/demo-pcp-overconfident.json";
  edit_case(transcript, [](OrderedJson &t) { t["turns"][0]["role"] = "nurse"; });
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "/labels/malignancy")) << r.err;
  EXPECT_TRUE(contains(r.err, shown(transcript) + ": /turns/0/role")) << r.err;
}

TEST_F(PackValidate, CaseReachedThroughASymlinkOutsideThePackIsRefused) {
  const fs::path outside = pack.temp() / "outside.json";
  fs::copy_file(pack / kMelanoma, outside);
  fs::remove(pack / kMelanoma);
  fs::create_symlink(outside, pack / kMelanoma);
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, shown("manifest.json") + ": /cases/0")) << r.err;
  EXPECT_TRUE(contains(r.err, "symbolic link that leads outside")) << r.err;
}

TEST_F(PackValidate, SymlinkInsideThePackIsFine) {
  fs::rename(pack / kMelanomaImage, pack / "images/real.jpg");
  fs::create_symlink("real.jpg", pack / kMelanomaImage);
  const auto r = validate();
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST_F(PackValidate, HelpDescribesTheCommand) {
  const auto r = run_imc({"pack", "validate", "--help"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "SHA-256")) << r.out;
}

} // namespace
} // namespace imc::test

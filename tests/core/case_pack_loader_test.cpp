// load_case_pack over an in-memory pack: cross-document rules, image checks, content hash.
#include "imc/casepack.h"
#include "imc/sha256.h"

#include "core/format_test_support.h"

#include <stb_image_write.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

namespace imc {
namespace {

using namespace test; // fixtures, JSON edits, error lookups
using ::testing::HasSubstr;

// A pack held in memory. Records what was read, so tests can tell whether images were touched.
class MemoryPackFiles : public PackFiles {
public:
  std::map<std::string, std::string> files;
  std::vector<std::string> reads;

  Result<std::string> read(const std::string &relative_path) override {
    reads.push_back(relative_path);
    const auto it = files.find(relative_path);
    if (it == files.end())
      return Error{relative_path, "", "a file", "missing"};
    return it->second;
  }
};

void append_bytes(void *context, void *data, int size) {
  static_cast<std::string *>(context)->append(static_cast<const char *>(data), size_t(size));
}

// A real image, 4x3 pixels, encoded by stb_image_write.
std::string tiny_png() {
  const unsigned char pixels[4 * 3 * 3] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
  std::string out;
  stbi_write_png_to_func(append_bytes, &out, 4, 3, 3, pixels, 4 * 3);
  return out;
}

// Written once by stbi_write_jpg (16x16, pixel byte i = i * 7) and kept as a file: stb's JPEG
// encoder left-shifts negative ints, which the UBSan build (-fno-sanitize-recover) aborts on.
std::string tiny_jpeg() { return test::fixture("images/pattern-16x16.jpg"); }

// Two cases from the valid fixtures, their images real, listed by a manifest. Every test breaks
// one thing of this pack.
class CasePackLoading : public ::testing::Test {
protected:
  void SetUp() override {
    png_ = tiny_png();
    jpeg_ = tiny_jpeg();
    ASSERT_GT(png_.size(), 8u);
    ASSERT_GT(jpeg_.size(), 2u);
    manifest_ = fixture_json("valid/manifest.json");
    melanoma_ = fixture_json("valid/case-melanoma.json");
    minimal_ = fixture_json("valid/case-minimal.json");
    at(melanoma_, "/images/0/sha256") = sha256_hex(jpeg_);
    at(melanoma_, "/images/1/sha256") = sha256_hex(png_);
    at(minimal_, "/images/0/sha256") = sha256_hex(png_);
  }

  // Writes the documents (as edited by the test) and images into the in-memory pack.
  MemoryPackFiles &pack() {
    files_.files["manifest.json"] = manifest_.dump(2);
    files_.files["cases/melanoma.json"] = melanoma_.dump(2);
    files_.files["cases/minimal.json"] = minimal_.dump(2);
    files_.files["images/isic_ISIC_0000002_melanoma.jpg"] = jpeg_;
    files_.files["images/forearm_overview.png"] = png_;
    files_.files["images/cxr_normal.png"] = png_;
    return files_;
  }

  Result<CasePack> load(bool verify_images = true) {
    PackLoadOptions options;
    options.verify_images = verify_images;
    return load_case_pack(pack(), options);
  }

  std::string png_, jpeg_;
  OrderedJson manifest_, melanoma_, minimal_;
  MemoryPackFiles files_;
};

TEST_F(CasePackLoading, LoadsEveryCaseInManifestOrder) {
  const auto result = load();
  ASSERT_TRUE(result.ok()) << format_errors(result.errors());
  ASSERT_EQ(result->cases.size(), 2u);
  EXPECT_EQ(result->cases[0].id, "isic-0000002-melanoma");
  EXPECT_EQ(result->cases[1].id, "cxr-normal");
  EXPECT_EQ(result->manifest.name, "imc-test");
}

TEST_F(CasePackLoading, ContentHashCoversManifestThenCasesWithPathsAndNulSeparators) {
  const auto result = load();
  ASSERT_TRUE(result.ok()) << format_errors(result.errors());
  Sha256 expected;
  for (const char *path : {"manifest.json", "cases/melanoma.json", "cases/minimal.json"}) {
    expected.update(path);
    expected.update("", 1);
    expected.update(files_.files[path]);
    expected.update("", 1);
  }
  const auto digest = expected.finish();
  EXPECT_EQ(result->content_hash, "sha256:" + to_hex(digest.data(), digest.size()));
}

TEST_F(CasePackLoading, ContentHashChangesWithAnyCaseByte) {
  const auto before = load();
  ASSERT_TRUE(before.ok());
  at(minimal_, "/title") = "Cough for three weeks";
  const auto after = load();
  ASSERT_TRUE(after.ok());
  EXPECT_NE(before->content_hash, after->content_hash);
}

TEST_F(CasePackLoading, FindCaseLooksUpById) {
  const auto result = load(false);
  ASSERT_TRUE(result.ok());
  ASSERT_NE(result->find_case("cxr-normal"), nullptr);
  EXPECT_EQ(result->find_case("cxr-normal")->title, "Cough for two weeks");
  EXPECT_EQ(result->find_case("nope"), nullptr);
}

TEST_F(CasePackLoading, ReadsImagesOnlyWhenAskedTo) {
  ASSERT_TRUE(load(false).ok());
  for (const auto &path : files_.reads)
    EXPECT_EQ(path.rfind("images/", 0), std::string::npos) << path;
}

TEST_F(CasePackLoading, ReportsMissingManifest) {
  MemoryPackFiles empty;
  const auto result = load_case_pack(empty);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors()[0].file, "manifest.json");
}

TEST_F(CasePackLoading, ReportsMissingCaseFileWithManifestPointer) {
  at(manifest_, "/cases/1") = "cases/gone.json";
  const auto result = load();
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors().size(), 1u) << format_errors(result.errors());
  const Error &e = result.errors()[0];
  EXPECT_EQ(e.file, "manifest.json");
  EXPECT_EQ(e.pointer, "/cases/1");
  EXPECT_THAT(e.message(), HasSubstr("cases/gone.json"));
}

TEST_F(CasePackLoading, ReportsDuplicateCaseIdInTheLaterFile) {
  at(minimal_, "/id") = "isic-0000002-melanoma";
  const auto result = load();
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors().size(), 1u) << format_errors(result.errors());
  const Error &e = result.errors()[0];
  EXPECT_EQ(e.file, "cases/minimal.json");
  EXPECT_EQ(e.pointer, "/id");
  EXPECT_THAT(e.found, HasSubstr("cases/melanoma.json"));
}

TEST_F(CasePackLoading, ReportsImageLicenseNotListedInManifest) {
  at(melanoma_, "/images/1/license") = "MIT";
  const auto result = load();
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors().size(), 1u) << format_errors(result.errors());
  const Error &e = result.errors()[0];
  EXPECT_EQ(e.file, "cases/melanoma.json");
  EXPECT_EQ(e.pointer, "/images/1/license");
  EXPECT_THAT(e.expected, HasSubstr("CC0-1.0|CC-BY-4.0"));
  EXPECT_EQ(e.found, "\"MIT\"");
}

TEST_F(CasePackLoading, ReportsWrongImageHashWithTheActualOne) {
  const std::string wrong(64, 'a');
  at(minimal_, "/images/0/sha256") = wrong;
  const auto result = load();
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors().size(), 1u) << format_errors(result.errors());
  const Error &e = result.errors()[0];
  EXPECT_EQ(e.file, "cases/minimal.json");
  EXPECT_EQ(e.pointer, "/images/0/sha256");
  EXPECT_THAT(e.expected, HasSubstr(sha256_hex(png_)));
  EXPECT_THAT(e.found, HasSubstr(wrong));
  EXPECT_TRUE(load(false).ok()) << "hashes are only checked when images are verified";
}

TEST_F(CasePackLoading, ReportsTruncatedPngEvenWhenItsHashMatches) {
  png_.resize(png_.size() / 2);
  at(minimal_, "/images/0/sha256") = sha256_hex(png_);
  at(melanoma_, "/images/1/sha256") = sha256_hex(png_);
  const auto result = load();
  ASSERT_FALSE(result.ok());
  // One per referring case: the image is read once but each case names it.
  ASSERT_EQ(result.errors().size(), 2u) << format_errors(result.errors());
  const Error *e = error_at(result.errors(), "/images/0/file");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->file, "cases/minimal.json");
  EXPECT_THAT(e->found, HasSubstr("does not decode"));
}

TEST_F(CasePackLoading, ReportsTruncatedJpeg) {
  jpeg_.resize(jpeg_.size() * 3 / 4);
  at(melanoma_, "/images/0/sha256") = sha256_hex(jpeg_);
  const auto result = load();
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors().size(), 1u) << format_errors(result.errors());
  EXPECT_EQ(result.errors()[0].file, "cases/melanoma.json");
  EXPECT_EQ(result.errors()[0].pointer, "/images/0/file");
  EXPECT_THAT(result.errors()[0].found, HasSubstr("does not decode"));
}

TEST_F(CasePackLoading, ReportsBytesThatAreNotAnImage) {
  jpeg_ = "this is not an image";
  at(melanoma_, "/images/0/sha256") = sha256_hex(jpeg_);
  const auto result = load();
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors().size(), 1u) << format_errors(result.errors());
  EXPECT_EQ(result.errors()[0].pointer, "/images/0/file");
  EXPECT_THAT(result.errors()[0].found, HasSubstr("not an image"));
}

TEST_F(CasePackLoading, ReportsMissingImageFile) {
  at(minimal_, "/images/0/file") = "images/gone.png";
  const auto result = load();
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors().size(), 1u) << format_errors(result.errors());
  EXPECT_EQ(result.errors()[0].file, "cases/minimal.json");
  EXPECT_EQ(result.errors()[0].pointer, "/images/0/file");
  EXPECT_THAT(result.errors()[0].found, HasSubstr("images/gone.png"));
}

TEST_F(CasePackLoading, ReadsEachSharedImageOnce) {
  ASSERT_TRUE(load().ok());
  std::multiset<std::string> reads(files_.reads.begin(), files_.reads.end());
  EXPECT_EQ(reads.count("images/forearm_overview.png"), 1u);
  EXPECT_EQ(reads.count("images/cxr_normal.png"), 1u);
}

TEST_F(CasePackLoading, ReportsErrorsFromEveryDocumentInOnePass) {
  at(manifest_, "/version") = "one";
  at(melanoma_, "/labels/malignancy") = "maybe";
  at(minimal_, "/profile/demographics/age_years") = 200;
  at(minimal_, "/images/0/license") = "Proprietary";
  const auto result = load();
  ASSERT_FALSE(result.ok());
  std::set<std::string> where;
  for (const auto &e : result.errors())
    where.insert(e.file + " " + e.pointer);
  EXPECT_EQ(where, (std::set<std::string>{"manifest.json /version",
                                          "cases/melanoma.json /labels/malignancy",
                                          "cases/minimal.json /profile/demographics/age_years",
                                          "cases/minimal.json /images/0/license"}))
      << format_errors(result.errors());
}

TEST_F(CasePackLoading, CaseThatIsNotJsonIsReportedWithItsPath) {
  pack();
  files_.files["cases/minimal.json"] = "{ not json";
  const auto result = load_case_pack(files_);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors().size(), 1u);
  EXPECT_EQ(result.errors()[0].file, "cases/minimal.json");
  EXPECT_THAT(result.errors()[0].pointer, HasSubstr("line 1"));
}

} // namespace
} // namespace imc

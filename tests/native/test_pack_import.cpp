// `imc pack import`: a dataset's metadata table and images in, a valid case pack out, or nothing
// at all with every bad row named.
#include "cli_test_support.h"

#include "pack_checks.h"
#include "support/test_paths.h"

#include <stb_image.h>

namespace imc::test {
namespace {

constexpr const char *kPadHeader =
    "patient_id,lesion_id,smoke,drink,background_father,background_mother,age,pesticide,gender,"
    "skin_cancer_history,cancer_history,has_piped_water,has_sewage_system,fitspatrick,region,"
    "diameter_1,diameter_2,diagnostic,itch,grew,hurt,changed,bleed,elevation,img_id,biopsed\n";

constexpr const char *kGenericHeader =
    "file,diagnosis,benign_malignant,rare,age,sex,site,history,license,license_url,attribution,"
    "modality\n";

struct ImageSize {
  int width = 0, height = 0;
};

ImageSize image_size(const fs::path &path) {
  ImageSize s;
  int channels = 0;
  if (!stbi_info(path.c_str(), &s.width, &s.height, &channels)) return {};
  return s;
}

// Loads an imported pack with the loader `imc pack validate` uses.
CasePack load(const fs::path &folder) {
  auto pack = cli::load_pack_folder(folder.string(), true);
  EXPECT_TRUE(pack.ok()) << (pack.ok() ? "" : format_errors(pack.errors()));
  return pack.ok() ? std::move(pack).value() : CasePack{};
}

const LicenseInfo *license(const CasePack &pack, const std::string &id) {
  for (const auto &l : pack.manifest.licenses)
    if (l.id == id) return &l;
  return nullptr;
}

// Files and folders left beside `out` (a staging folder would show up here).
std::vector<std::string> siblings(const fs::path &out) {
  std::vector<std::string> names;
  for (const auto &entry : fs::directory_iterator(out.parent_path()))
    names.push_back(entry.path().filename().string());
  return names;
}

class PackImport : public ::testing::Test {
protected:
  ProcessResult import(const std::string &csv, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"pack",     "import",        "--metadata", csv,
                                  "--images", images.string(), "--out",      out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_imc(args);
  }

  // Three generic rows; the history of the second holds a comma, quotes and a line break.
  fs::path write_generic_fixture() {
    write_test_image(images / "lesion_a.jpg", 800, 600);
    write_test_image(images / "xray_b.png", 300, 1400);
    write_test_image(images / "nested/lesion_c.jpg", 200, 100);
    const fs::path csv = dir / "metadata.csv";
    write_text(
        csv,
        std::string(kGenericHeader) +
            "lesion_a.jpg,Melanoma,malignant,no,61,female,upper extremity,changed colour,"
            "CC BY 4.0,https://creativecommons.org/licenses/by/4.0/,Clinic A,dermoscopy\r\n"
            "xray_b.png,Pneumothorax,n/a (not oncological),yes,34,male,chest,"
            "\"sudden pain, \"\"sharp\"\"\nsince yesterday\",CC0 1.0,,Hospital B,chest X-ray PA\r\n"
            "lesion_c.jpg,Seborrheic keratosis,benign,,,,back,,CC BY-NC 4.0,,Clinic C,"
            "clinical photo\r\n");
    return csv;
  }

  TempDir dir;
  fs::path images = fs::path(dir.path()) / "images";
  fs::path out = fs::path(dir.path()) / "packs" / "new-pack";
};

TEST_F(PackImport, SharedCasepackTableBecomesAValidPack) {
  // The table and images shared with the project; without them, a generated table of the same form.
  fs::path csv = fs::path(imc::test::shared_dir()) / "casepack/metadata.csv";
  size_t expected_cases = 12;
  if (fs::exists(csv)) {
    images = fs::path(imc::test::shared_dir()) / "casepack";
  } else {
    csv = write_generic_fixture();
    expected_cases = 3;
  }
  const auto r = import(csv.string(), {"--max-side", "300"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, std::to_string(expected_cases) + " cases")) << r.out;

  const auto validated = run_imc({"pack", "validate", out.string()});
  EXPECT_EQ(validated.exit_code, 0) << describe(validated);

  const CasePack pack = load(out);
  ASSERT_EQ(pack.cases.size(), expected_cases);
  for (const auto &c : pack.cases) {
    const ImageSize size = image_size(out / c.images[0].file);
    EXPECT_GT(size.width, 0) << c.images[0].file;
    EXPECT_LE(std::max(size.width, size.height), 300) << c.images[0].file;
  }
  if (expected_cases == 12) {
    for (const char *id : {"CC-BY-4.0", "CC0-1.0", "CC-BY-3.0", "CC-BY"})
      EXPECT_NE(license(pack, id), nullptr) << id;
    const Case *pad = pack.find_case("pad-pat-46-881-939-bcc");
    ASSERT_NE(pad, nullptr);
    EXPECT_EQ(pad->images[0].license, "CC-BY-4.0");
    EXPECT_TRUE(contains(pad->images[0].attribution, "doi:10.17632/zr7vgbcyr2.1"));
    EXPECT_EQ(pad->labels.malignancy, Malignancy::malignant);
    const Case *pcp = pack.find_case("cxr-pneumocystis-pneumonia-cyst");
    ASSERT_NE(pcp, nullptr);
    EXPECT_EQ(pcp->labels.rarity, Rarity::rare);
    EXPECT_EQ(pcp->images[0].modality, Modality::xray);
    EXPECT_EQ(
        license(pack, "CC-BY")->url,
        "https://commons.wikimedia.org/wiki/File:X-ray_of_cyst_in_pneumocystis_pneumonia_1.jpg");
  }
}

TEST_F(PackImport, GenericTableWithQuotedFieldsImports) {
  const fs::path csv = write_generic_fixture();
  const auto r = import(csv.string(), {"--name", "my-cases", "--title", "My cases"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(run_imc({"pack", "validate", out.string()}).exit_code, 0);

  const CasePack pack = load(out);
  EXPECT_EQ(pack.manifest.name, "my-cases");
  EXPECT_EQ(pack.manifest.title, "My cases");
  ASSERT_EQ(pack.cases.size(), 3u);
  const Case &melanoma = pack.cases[0];
  EXPECT_EQ(melanoma.id, "lesion-a");
  EXPECT_EQ(melanoma.labels.diagnosis, "Melanoma");
  EXPECT_EQ(melanoma.images[0].modality, Modality::dermoscopy);
  EXPECT_EQ(melanoma.images[0].attribution, "Clinic A");
  EXPECT_EQ(melanoma.labels.category, "dermatology");
  EXPECT_EQ(melanoma.profile.demographics.age_years, 61);
  EXPECT_EQ(melanoma.profile.chief_complaint, "A skin lesion on the arm.");
  EXPECT_TRUE(melanoma.hidden_facts.empty());
  EXPECT_EQ(melanoma.reference.diagnosis, "Melanoma");

  const Case &xray = pack.cases[1];
  EXPECT_EQ(xray.labels.malignancy, Malignancy::not_applicable);
  EXPECT_EQ(xray.labels.rarity, Rarity::rare);
  EXPECT_EQ(xray.images[0].modality, Modality::xray);
  EXPECT_EQ(xray.labels.category, "radiology");
  EXPECT_TRUE(
      contains(xray.profile.history_of_present_illness, "sudden pain, \"sharp\"\nsince yesterday"))
      << xray.profile.history_of_present_illness;
  const ImageSize xray_size = image_size(out / xray.images[0].file);
  EXPECT_EQ(xray_size.height, 1024) << "the default --max-side";
  EXPECT_EQ(xray_size.width, 219);

  const Case &keratosis = pack.cases[2];
  EXPECT_EQ(keratosis.images[0].license, "CC-BY-NC-4.0");
  EXPECT_EQ(keratosis.profile.demographics.age_years, 0);
  EXPECT_TRUE(contains(r.err, "row 3 (line 5), column age: age not recorded")) << r.err;
  const ImageSize small = image_size(out / keratosis.images[0].file);
  EXPECT_EQ(small.width, 200) << "smaller images are not upscaled";

  EXPECT_EQ(pack.manifest.licenses.size(), 3u);
  EXPECT_EQ(license(pack, "CC0-1.0")->url, "https://creativecommons.org/publicdomain/zero/1.0/");
}

TEST_F(PackImport, PadUfes20TableImportsWithItsCodesAndCitation) {
  write_test_image(images / "imgs_part_1/PAT_46_881_939.png", 1600, 1200);
  write_test_image(images / "imgs_part_2/PAT_1516_1765_530.png", 500, 400);
  const fs::path csv = dir / "metadata.csv";
  write_text(csv,
             std::string(kPadHeader) +
                 "PAT_46,881,False,False,POMERANIA,POMERANIA,55,False,FEMALE,True,True,True,True,"
                 "3.0,NECK,6.0,5.0,BCC,True,True,False,True,True,True,PAT_46_881_939.png,True\n"
                 "PAT_1516,1765,,,,,8,,,,,,,,ARM,,,NEV,False,False,False,False,UNK,False,"
                 "PAT_1516_1765_530.png,False\n");
  const auto r = import(csv.string());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "pad-ufes-20 table")) << r.out;
  EXPECT_EQ(run_imc({"pack", "validate", out.string()}).exit_code, 0);

  const CasePack pack = load(out);
  ASSERT_EQ(pack.cases.size(), 2u);
  const Case &bcc = pack.cases[0];
  EXPECT_EQ(bcc.id, "pad-46-881-939-bcc");
  EXPECT_EQ(bcc.labels.diagnosis, "Basal cell carcinoma");
  EXPECT_EQ(bcc.labels.malignancy, Malignancy::malignant);
  EXPECT_EQ(bcc.labels.rarity, Rarity::common);
  EXPECT_EQ(bcc.images[0].modality, Modality::clinical_photo);
  EXPECT_EQ(bcc.images[0].license, "CC-BY-4.0");
  EXPECT_TRUE(contains(bcc.images[0].attribution, "Pacheco AGC et al. (2020) PAD-UFES-20"));
  EXPECT_TRUE(contains(bcc.images[0].attribution, "doi:10.17632/zr7vgbcyr2.1"));
  EXPECT_EQ(bcc.profile.demographics.age_years, 55);
  EXPECT_EQ(bcc.profile.demographics.sex, Sex::female);
  EXPECT_EQ(bcc.profile.chief_complaint, "A skin lesion on the neck.");
  EXPECT_EQ(bcc.profile.history_of_present_illness,
            "A skin lesion on the neck, about 6 x 5 mm. It itches, has grown, has changed, has "
            "bled and is raised. No pain. Fitzpatrick skin type 3.");
  EXPECT_EQ(bcc.profile.past_medical_history, std::vector<std::string>{"Previous skin cancer"});
  EXPECT_TRUE(contains(bcc.profile.social_history, "Does not smoke."))
      << bcc.profile.social_history;
  EXPECT_TRUE(contains(bcc.profile.family_history, "Pomerania")) << bcc.profile.family_history;
  EXPECT_EQ(bcc.persona.health_literacy, HealthLiteracy::medium);
  EXPECT_EQ(bcc.persona.language, "en");
  EXPECT_TRUE(contains(bcc.reference.notes, "biopsy-proven")) << bcc.reference.notes;
  const ImageSize size = image_size(out / bcc.images[0].file);
  EXPECT_EQ(size.width, 1024);
  EXPECT_EQ(size.height, 768);

  const Case &nevus = pack.cases[1];
  EXPECT_EQ(nevus.id, "pad-1516-1765-530-nev");
  EXPECT_EQ(nevus.labels.malignancy, Malignancy::benign);
  EXPECT_EQ(nevus.profile.demographics.sex, Sex::unknown);
  EXPECT_TRUE(contains(nevus.profile.history_of_present_illness,
                       "No itching, growth, pain, change or elevation."))
      << nevus.profile.history_of_present_illness;
  ASSERT_EQ(pack.manifest.licenses.size(), 1u);
  EXPECT_EQ(pack.manifest.licenses[0].id, "CC-BY-4.0");
}

TEST_F(PackImport, IsicTableCarriesEachRowsLicenseAndAttribution) {
  write_test_image(images / "ISIC_0000002.jpg", 1022, 767);
  write_test_image(images / "ISIC_0024306.jpg", 600, 450);
  write_test_image(images / "ISIC_0010000.png", 640, 480);
  const fs::path csv = dir / "isic.csv";
  write_text(
      csv,
      "isic_id,attribution,copyright_license,age_approx,anatom_site_general,benign_malignant,"
      "diagnosis,sex,image_type\n"
      "ISIC_0000002,Anonymous,CC-0,60,upper extremity,malignant,melanoma,female,dermoscopic\n"
      "ISIC_0024306,\"Hospital Clinic de Barcelona, Spain\",CC-BY-NC,45.0,anterior torso,benign,"
      "nevus,male,dermoscopic\n"
      "ISIC_0010000,Memorial Sloan Kettering Cancer Center,CC-BY,,head/neck,,actinic keratosis,,"
      "clinical: close-up\n");
  const auto r = import(csv.string());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(run_imc({"pack", "validate", out.string()}).exit_code, 0);

  const CasePack pack = load(out);
  ASSERT_EQ(pack.cases.size(), 3u);
  EXPECT_EQ(pack.cases[0].id, "isic-0000002-melanoma");
  EXPECT_EQ(pack.cases[0].labels.diagnosis, "Melanoma");
  EXPECT_EQ(pack.cases[0].images[0].license, "CC0-1.0");
  EXPECT_EQ(pack.cases[0].images[0].attribution, "Anonymous, ISIC Archive (isic-archive.com)");
  EXPECT_EQ(pack.cases[0].images[0].source, "https://api.isic-archive.com/images/ISIC_0000002/");
  EXPECT_EQ(pack.cases[0].images[0].modality, Modality::dermoscopy);
  EXPECT_EQ(pack.cases[1].images[0].license, "CC-BY-NC-4.0");
  EXPECT_TRUE(contains(pack.cases[1].images[0].attribution, "Hospital Clinic de Barcelona, Spain"));
  EXPECT_EQ(pack.cases[1].profile.demographics.age_years, 45);
  EXPECT_EQ(pack.cases[1].profile.chief_complaint, "A skin lesion on the chest or abdomen.");
  EXPECT_EQ(pack.cases[2].images[0].license, "CC-BY-4.0");
  EXPECT_EQ(pack.cases[2].labels.malignancy, Malignancy::premalignant);
  EXPECT_EQ(pack.cases[2].images[0].modality, Modality::clinical_photo);
  for (const char *id : {"CC0-1.0", "CC-BY-NC-4.0", "CC-BY-4.0"})
    EXPECT_NE(license(pack, id), nullptr) << id;
}

TEST_F(PackImport, MissingImageNamesRowAndColumnAndWritesNothing) {
  const fs::path csv = write_generic_fixture();
  fs::remove(images / "xray_b.png");
  const auto r = import(csv.string());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, csv.string() +
                                  ": row 2 (line 3), column file: expected an image named "
                                  "xray_b.png"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "nothing written")) << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(siblings(out).empty()) << "no staging folder is left behind";
}

TEST_F(PackImport, UndecodableImageNamesRowAndFile) {
  const fs::path csv = write_generic_fixture();
  const std::string jpeg = read_text(images / "lesion_a.jpg");
  write_text(images / "lesion_a.jpg", jpeg.substr(0, jpeg.size() / 2));
  const auto r = import(csv.string());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "row 1 (line 2), column file: expected an image file that decodes"))
      << r.err;
  EXPECT_TRUE(contains(r.err, (images / "lesion_a.jpg").string())) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(PackImport, EveryBadRowIsReported) {
  write_test_image(images / "PAT_1_2_3.png", 64, 64);
  const fs::path csv = dir / "metadata.csv";
  write_text(csv, std::string(kPadHeader) +
                      "PAT_1,2,,,,,40,,,,,,,,FACE,,,XYZ,,,,,,,PAT_1_2_3.png,\n"
                      "PAT_1,2,,,,,200,,,,,,,,FACE,,,BCC,maybe,,,,,,PAT_1_2_3.png,\n"
                      "PAT_9,9,,,,,40,,,,,,,,FACE,,,BCC,,,,,,,PAT_9_9_9.png,\n");
  const auto r = import(csv.string());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "row 1 (line 2), column diagnostic: expected one of "
                              "ACK|BCC|MEL|NEV|SCC|SEK, found \"XYZ\""))
      << r.err;
  EXPECT_TRUE(contains(r.err, "row 2 (line 3), column age")) << r.err;
  EXPECT_TRUE(contains(r.err, "row 2 (line 3), column itch")) << r.err;
  EXPECT_TRUE(contains(r.err, "row 3 (line 4), column img_id")) << r.err;
}

TEST_F(PackImport, DuplicateCaseIdsAreReported) {
  write_test_image(images / "a.jpg", 64, 64);
  write_test_image(images / "sub/a.png", 64, 64);
  const fs::path csv = dir / "metadata.csv";
  write_text(csv, std::string(kGenericHeader) +
                      "a.jpg,Nevus,benign,,40,,arm,,CC0 1.0,,X,dermoscopy\n"
                      "sub/a.png,Nevus,benign,,40,,arm,,CC0 1.0,,X,dermoscopy\n");
  const auto r = import(csv.string());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "row 2 (line 3), column file: expected a row making a case id of its "
                              "own, found \"a\", also made by row 1 (line 2)"))
      << r.err;
}

TEST_F(PackImport, RefusesANonEmptyOutUnlessForced) {
  const fs::path csv = write_generic_fixture();
  write_text(out / "keep.txt", "mine");
  auto r = import(csv.string());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--force")) << r.err;
  EXPECT_EQ(read_text(out / "keep.txt"), "mine");

  r = import(csv.string(), {"--force"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_FALSE(fs::exists(out / "keep.txt"));
  EXPECT_TRUE(fs::exists(out / "manifest.json"));
  EXPECT_EQ(siblings(out), std::vector<std::string>{"new-pack"});
}

TEST_F(PackImport, EmptyOutFolderIsUsed) {
  const fs::path csv = write_generic_fixture();
  fs::create_directories(out);
  const auto r = import(csv.string());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(fs::exists(out / "manifest.json"));
}

TEST_F(PackImport, MalformedCsvNamesTheLine) {
  const fs::path csv = dir / "metadata.csv";
  write_text(csv, std::string(kGenericHeader) + "a.jpg,Nevus,benign,,40,,arm,\"open,CC0 1.0,,X,\n");
  fs::create_directories(images);
  const auto r = import(csv.string());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, csv.string() + ": line 2: expected a closing quote")) << r.err;
}

TEST_F(PackImport, UnknownTableLayoutAsksForDataset) {
  const fs::path csv = dir / "metadata.csv";
  write_text(csv, "name,label\nx.jpg,nevus\n");
  fs::create_directories(images);
  const auto r = import(csv.string());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(
      contains(r.err, csv.string() + ": line 1: expected the header of a PAD-UFES-20 table"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "--dataset")) << r.err;
}

TEST_F(PackImport, ForcedDatasetNeedsItsColumns) {
  const fs::path csv = write_generic_fixture();
  const auto r = import(csv.string(), {"--dataset", "pad-ufes-20"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "line 1: expected a column named img_id")) << r.err;
}

TEST_F(PackImport, MissingInputsExitTwo) {
  const fs::path csv = write_generic_fixture();
  auto r = import(dir / "nope.csv");
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "nope.csv: no such file")) << r.err;

  images = dir / "no-images";
  r = import(csv.string());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "no-images: no such folder")) << r.err;
}

TEST_F(PackImport, InvalidNameExitsTwo) {
  const fs::path csv = write_generic_fixture();
  const auto r = import(csv.string(), {"--name", "My Pack"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--name")) << r.err;
}

TEST_F(PackImport, NoProgressBarWhenStderrIsNotATerminal) {
  const fs::path csv = write_generic_fixture();
  const auto r = import(csv.string());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_FALSE(contains(r.err, "\r")) << r.err;
  EXPECT_TRUE(contains(r.out, "imc pack import: 3 cases from")) << r.out;
}

} // namespace
} // namespace imc::test

// Dataset rows to case drafts: the mapping rules, without files.
#include "dataset_rows.h"

#include <gtest/gtest.h>

namespace imc::cli {
namespace {

CsvTable table_of(const std::string &csv) {
  auto table = parse_csv(csv, "t.csv");
  EXPECT_TRUE(table.ok()) << (table.ok() ? "" : format_errors(table.errors()));
  return table.ok() ? std::move(table).value() : CsvTable{};
}

TEST(DatasetRows, DetectsTheLayoutFromTheHeader) {
  EXPECT_EQ(*detect_dataset(table_of("patient_id,img_id,diagnostic\n"), "t.csv"),
            Dataset::pad_ufes_20);
  EXPECT_EQ(*detect_dataset(table_of("isic_id,diagnosis_1\n"), "t.csv"), Dataset::isic);
  EXPECT_EQ(*detect_dataset(table_of("file,diagnosis,license\n"), "t.csv"), Dataset::generic);
  EXPECT_FALSE(detect_dataset(table_of("name,label\n"), "t.csv").ok());
}

TEST(DatasetRows, IdentifiersAreLowercaseWithSingleDashes) {
  EXPECT_EQ(identifier_from("PAT_46_881_939"), "pat-46-881-939");
  EXPECT_EQ(identifier_from("__Melanoma, NOS!"), "melanoma-nos");
  EXPECT_EQ(identifier_from("basal cell carcinoma", 12), "basal-cell");
  EXPECT_EQ(identifier_from("ÉCU"), "cu");
}

TEST(DatasetRows, UnknownLicenseNeedsAUrl) {
  const CsvTable t =
      table_of("file,diagnosis,benign_malignant,license,license_url,attribution\n"
               "a.jpg,Nevus,benign,Custom Licence 2,,Someone\n"
               "b.jpg,Nevus,benign,Custom Licence 2,https://example.org/licence,Someone\n");
  auto first = draft_case(Dataset::generic, t, 0, "t.csv");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.errors()[0].pointer, "row 1 (line 2), column license_url");
  auto second = draft_case(Dataset::generic, t, 1, "t.csv");
  ASSERT_TRUE(second.ok()) << format_errors(second.errors());
  EXPECT_EQ(second->license.id, "CUSTOM-LICENCE-2");
  EXPECT_EQ(second->license.name, "Custom Licence 2");
  EXPECT_EQ(second->license.url, "https://example.org/licence");
}

TEST(DatasetRows, MalignancyFollowsTheDiagnosisWhenTheColumnIsEmpty) {
  const CsvTable t = table_of("file,diagnosis,benign_malignant,license,attribution\n"
                              "a.jpg,Actinic keratosis,,CC0 1.0,X\n"
                              "b.jpg,Something odd,,CC0 1.0,X\n");
  auto ak = draft_case(Dataset::generic, t, 0, "t.csv");
  ASSERT_TRUE(ak.ok()) << format_errors(ak.errors());
  EXPECT_EQ(ak->draft.labels.malignancy, Malignancy::premalignant);
  auto odd = draft_case(Dataset::generic, t, 1, "t.csv");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.errors()[0].pointer, "row 2 (line 3), column benign_malignant");
}

TEST(DatasetRows, IsicUsesTheMostSpecificDiagnosisColumn) {
  const CsvTable t =
      table_of("isic_id,copyright_license,diagnosis_1,diagnosis_2,diagnosis_3,sex,age_approx\n"
               "ISIC_0000123,CC-BY,Malignant,Malignant melanocytic proliferations "
               "(Melanoma),\"Melanoma, NOS\","
               "female,50\n");
  auto row = draft_case(Dataset::isic, t, 0, "t.csv");
  ASSERT_TRUE(row.ok()) << format_errors(row.errors());
  EXPECT_EQ(row->draft.labels.diagnosis, "Melanoma, NOS");
  EXPECT_EQ(row->draft.labels.malignancy, Malignancy::malignant);
  EXPECT_EQ(row->draft.id, "isic-0000123-melanoma-nos");
  EXPECT_EQ(row->license.id, "CC-BY-4.0");
}

TEST(DatasetRows, ProfileNeverNamesTheDiagnosis) {
  const CsvTable t = table_of("file,diagnosis,benign_malignant,license,attribution,site,modality\n"
                              "a.jpg,Melanoma,malignant,CC0 1.0,X,back,dermoscopy\n");
  auto row = draft_case(Dataset::generic, t, 0, "t.csv");
  ASSERT_TRUE(row.ok());
  const Case &c = row->draft;
  for (const std::string &text :
       {c.title, c.profile.chief_complaint, c.profile.history_of_present_illness,
        c.persona.opening_statement, c.images[0].caption})
    EXPECT_EQ(text.find("elanoma"), std::string::npos) << text;
}

} // namespace
} // namespace imc::cli

// Manifest and case documents: parsing, validation messages, canonical serialisation.
#include "imc/casepack.h"

#include "core/format_test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imc {
namespace {

using namespace test; // fixtures, JSON edits, error lookups
using ::testing::HasSubstr;

constexpr const char *kCaseSource = "assets/demo/cases/melanoma.json";

Result<Case> parse_case_json(const OrderedJson &doc) {
  return parse_case(doc.dump(2), kCaseSource);
}

// ---------------------------------------------------------------- enums

TEST(CaseEnums, EveryValueRoundTripsThroughItsJsonName) {
  for (auto v : {Malignancy::benign, Malignancy::premalignant, Malignancy::malignant,
                 Malignancy::not_applicable})
    EXPECT_EQ(parse_malignancy(to_string(v)), v);
  for (auto v : {Rarity::common, Rarity::rare})
    EXPECT_EQ(parse_rarity(to_string(v)), v);
  for (auto v :
       {Modality::clinical_photo, Modality::dermoscopy, Modality::xray, Modality::ct, Modality::mri,
        Modality::ultrasound, Modality::histopathology, Modality::fundus, Modality::other})
    EXPECT_EQ(parse_modality(to_string(v)), v);
  for (auto v : {HealthLiteracy::low, HealthLiteracy::medium, HealthLiteracy::high})
    EXPECT_EQ(parse_health_literacy(to_string(v)), v);
  for (auto v : {Sex::female, Sex::male, Sex::intersex, Sex::unknown})
    EXPECT_EQ(parse_sex(to_string(v)), v);
}

TEST(CaseEnums, NamesAreTheDocumentedOnes) {
  EXPECT_STREQ(to_string(Malignancy::not_applicable), "not_applicable");
  EXPECT_STREQ(to_string(Modality::clinical_photo), "clinical_photo");
  EXPECT_STREQ(to_string(Modality::xray), "xray");
}

TEST(CaseEnums, ParsingIsExactAndCaseSensitive) {
  EXPECT_EQ(parse_malignancy("Malignant"), std::nullopt);
  EXPECT_EQ(parse_malignancy("maybe"), std::nullopt);
  EXPECT_EQ(parse_modality(""), std::nullopt);
  EXPECT_EQ(parse_sex("female "), std::nullopt);
}

// ---------------------------------------------------------------- case: valid documents

TEST(CaseParsing, ReadsEveryFieldOfTheFullFixture) {
  const auto result = parse_case(fixture("valid/case-melanoma.json"), "case-melanoma.json");
  ASSERT_TRUE(result.ok()) << format_errors(result.errors());
  const Case &c = *result;
  EXPECT_EQ(c.id, "isic-0000002-melanoma");
  ASSERT_EQ(c.images.size(), 2u);
  EXPECT_EQ(c.images[0].modality, Modality::dermoscopy);
  EXPECT_EQ(c.images[0].caption, "Dermoscopic image of a pigmented lesion");
  EXPECT_EQ(c.images[1].caption, "");
  EXPECT_EQ(c.labels.malignancy, Malignancy::malignant);
  EXPECT_EQ(c.profile.demographics.age_years, 60);
  EXPECT_EQ(c.profile.demographics.sex, Sex::female);
  ASSERT_EQ(c.profile.medications.size(), 2u);
  EXPECT_EQ(c.profile.medications[1].dose, "");
  EXPECT_EQ(c.profile.vitals[1].unit, "°C");
  EXPECT_EQ(c.profile.labs[0].flag, "normal");
  EXPECT_EQ(c.persona.health_literacy, HealthLiteracy::medium);
  EXPECT_EQ(c.persona.language, "en-GB");
  ASSERT_EQ(c.hidden_facts.size(), 2u);
  EXPECT_EQ(c.hidden_facts[0].triggers, (std::vector<std::string>{"sun", "sunburn", "tanning"}));
  EXPECT_EQ(c.reference.recommended_next_steps.size(), 1u);
}

TEST(CaseParsing, OptionalFieldsMayBeOmittedAndReadAsEmpty) {
  const auto result = parse_case(fixture("valid/case-minimal.json"), "case-minimal.json");
  ASSERT_TRUE(result.ok()) << format_errors(result.errors());
  EXPECT_TRUE(result->hidden_facts.empty());
  EXPECT_TRUE(result->profile.medications.empty());
  EXPECT_EQ(result->profile.demographics.occupation, "");
  EXPECT_EQ(result->persona.language, "");
  EXPECT_EQ(result->reference.notes, "");
}

TEST(CaseParsing, OptionalStringsMayAlsoBeWrittenEmpty) {
  auto doc = fixture_json("valid/case-minimal.json");
  at(doc, "/persona/language") = "";
  at(doc, "/images/0/caption") = "";
  EXPECT_TRUE(parse_case_json(doc).ok());
}

TEST(CaseParsing, AcceptsAgeBounds) {
  auto doc = fixture_json("valid/case-minimal.json");
  at(doc, "/profile/demographics/age_years") = 130;
  EXPECT_TRUE(parse_case_json(doc).ok());
  at(doc, "/profile/demographics/age_years") = 0;
  EXPECT_TRUE(parse_case_json(doc).ok());
}

// ---------------------------------------------------------------- case: one test per error class

TEST(CaseParsing, RejectsUnknownMalignancyWithPointer) {
  const auto result = parse_case(fixture("invalid/case-malignancy-maybe.json"), kCaseSource);
  const Error e = single_error(result, "/labels/malignancy");
  EXPECT_EQ(e.message(), "assets/demo/cases/melanoma.json: /labels/malignancy: expected one of "
                         "benign|premalignant|malignant|not_applicable, found \"maybe\"");
}

TEST(CaseParsing, RejectsUnknownKeyAndNamesTheKnownOnes) {
  const auto result = parse_case(fixture("invalid/case-unknown-key.json"), kCaseSource);
  ASSERT_FALSE(result.ok());
  // The renamed key is unknown and the real one is missing: both are reported.
  const Error *unknown = error_at(result.errors(), "/labels/diagnossis");
  ASSERT_NE(unknown, nullptr) << format_errors(result.errors());
  EXPECT_THAT(unknown->message(), HasSubstr("found an unknown key"));
  EXPECT_THAT(unknown->expected, HasSubstr("diagnosis|malignancy|rarity|category"));
  const Error *missing = error_at(result.errors(), "/labels/diagnosis");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->found, "missing");
  EXPECT_EQ(result.errors().size(), 2u);
}

TEST(CaseParsing, ReportsMissingRequiredKey) {
  auto doc = fixture_json("valid/case-melanoma.json");
  erase(doc, "/persona/opening_statement");
  const Error e = single_error(parse_case_json(doc), "/persona/opening_statement");
  EXPECT_EQ(e.expected, "a non-empty string");
  EXPECT_EQ(e.found, "missing");
}

TEST(CaseParsing, ReportsWrongTypeWithABriefRenderingOfTheValue) {
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/title") = 3;
  EXPECT_EQ(single_error(parse_case_json(doc), "/title").found, "a number (3)");
  doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/labels") = OrderedJson::array();
  EXPECT_EQ(single_error(parse_case_json(doc), "/labels").found, "an array");
  doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/profile/allergies") = "none";
  EXPECT_EQ(single_error(parse_case_json(doc), "/profile/allergies").found, "\"none\"");
  doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/profile/allergies/0") = nullptr;
  EXPECT_EQ(single_error(parse_case_json(doc), "/profile/allergies/0").found, "null");
}

TEST(CaseParsing, CutsLongStringsInMessages) {
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/labels/rarity") = std::string(500, 'r');
  const Error e = single_error(parse_case_json(doc), "/labels/rarity");
  EXPECT_LT(e.found.size(), 80u);
  EXPECT_THAT(e.found, HasSubstr("...\""));
}

TEST(CaseParsing, RejectsAgeOutOfRange) {
  const Error e = single_error(parse_case(fixture("invalid/case-age-131.json"), kCaseSource),
                               "/profile/demographics/age_years");
  EXPECT_EQ(e.expected, "an integer in 0..130");
  EXPECT_EQ(e.found, "a number (131)");
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/profile/demographics/age_years") = 60.5;
  EXPECT_EQ(single_error(parse_case_json(doc), "/profile/demographics/age_years").found,
            "a number (60.5)");
}

TEST(CaseParsing, AcceptsIntegralFloatsAsIntegersLikeJsonSchema) {
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/profile/demographics/age_years") = 60.0;
  const auto result = parse_case_json(doc);
  ASSERT_TRUE(result.ok()) << format_errors(result.errors());
  EXPECT_EQ(result->profile.demographics.age_years, 60);
}

TEST(CaseParsing, RejectsSha256ThatIsNot64LowercaseHexDigits) {
  EXPECT_THAT(single_error(parse_case(fixture("invalid/case-uppercase-sha256.json"), kCaseSource),
                           "/images/0/sha256")
                  .expected,
              HasSubstr("64 lowercase hex digits"));
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/images/1/sha256") = "abc";
  single_error(parse_case_json(doc), "/images/1/sha256");
}

TEST(CaseParsing, RejectsCaseWithoutImages) {
  const Error e =
      single_error(parse_case(fixture("invalid/case-no-images.json"), kCaseSource), "/images");
  EXPECT_THAT(e.expected, HasSubstr("at least 1"));
  EXPECT_EQ(e.found, "an array");
}

TEST(CaseParsing, RejectsImagePathsThatLeaveThePack) {
  EXPECT_THAT(single_error(parse_case(fixture("invalid/case-path-escapes-pack.json"), kCaseSource),
                           "/images/0/file")
                  .message(),
              HasSubstr("without .."));
  for (const char *bad : {"/etc/passwd", "images/../../x.jpg", "images\\x.jpg", "images//x.jpg",
                          "./x.jpg", "images/", ""}) {
    auto doc = fixture_json("valid/case-melanoma.json");
    at(doc, "/images/0/file") = bad;
    single_error(parse_case_json(doc), "/images/0/file");
  }
}

TEST(CaseParsing, RejectsIdThatIsNotAnIdentifier) {
  const Error e = single_error(parse_case(fixture("invalid/case-bad-id.json"), kCaseSource), "/id");
  EXPECT_THAT(e.expected, HasSubstr("[a-z0-9][a-z0-9-]*"));
  EXPECT_EQ(e.found, "\"Melanoma_1\"");
}

TEST(CaseParsing, RejectsUnknownLabFlagButAcceptsEmptyOne) {
  const Error e =
      single_error(parse_case(fixture("invalid/case-unknown-lab-flag.json"), kCaseSource),
                   "/profile/labs/0/flag");
  EXPECT_THAT(e.expected, HasSubstr("normal|low|high|abnormal|critical"));
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/profile/labs/0/flag") = "";
  EXPECT_TRUE(parse_case_json(doc).ok());
}

TEST(CaseParsing, RejectsDuplicateHiddenFactIds) {
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/hidden_facts/1/id") = "sunburns";
  const Error e = single_error(parse_case_json(doc), "/hidden_facts/1/id");
  EXPECT_THAT(e.expected, HasSubstr("unique"));
  EXPECT_THAT(e.found, HasSubstr("index 0"));
}

TEST(CaseParsing, RejectsHiddenFactWithoutTriggers) {
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/hidden_facts/0/triggers") = OrderedJson::array();
  single_error(parse_case_json(doc), "/hidden_facts/0/triggers");
}

TEST(CaseParsing, RejectsBadLanguageTag) {
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/persona/language") = "English";
  single_error(parse_case_json(doc), "/persona/language");
}

TEST(CaseParsing, RejectsOtherSchemaVersions) {
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/schema_version") = 2;
  const Error e = single_error(parse_case_json(doc), "/schema_version");
  EXPECT_EQ(e.message(),
            std::string(kCaseSource) + ": /schema_version: expected 1, found a number (2)");
}

TEST(CaseParsing, RejectsDocumentThatIsNotAnObject) {
  const auto result = parse_case("[1, 2]", kCaseSource);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors().size(), 1u);
  EXPECT_EQ(result.errors()[0].message(),
            std::string(kCaseSource) + ": expected an object, found an array");
}

TEST(CaseParsing, ReportsDuplicateKeysWithPointer) {
  std::string text = fixture("valid/case-minimal.json");
  const std::string key = "\"title\": \"Cough for two weeks\",";
  text.replace(text.find(key), key.size(), key + " \"title\": \"Again\",");
  const auto result = parse_case(text, kCaseSource);
  const Error e = single_error(result, "/title");
  EXPECT_THAT(e.found, HasSubstr("duplicate key"));
}

TEST(CaseParsing, InvalidJsonReportsLineAndColumn) {
  const std::string text = "{\n  \"schema_version\": 1,\n  \"id\": tru\n}\n";
  const auto result = parse_case(text, kCaseSource);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors().size(), 1u);
  const Error &e = result.errors()[0];
  EXPECT_EQ(e.file, kCaseSource);
  EXPECT_THAT(e.pointer, HasSubstr("line 3, column"));
  EXPECT_THAT(e.message(), HasSubstr("invalid JSON"));
  EXPECT_THAT(e.message(), HasSubstr("invalid literal"));
}

TEST(CaseParsing, InvalidJsonAtTheEndReportsTheLastLine) {
  const auto result = parse_case("{\n\"a\": [1,\n2,\n", kCaseSource);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.errors()[0].pointer, HasSubstr("line 4"));
  EXPECT_FALSE(parse_case("", kCaseSource).ok());
}

TEST(CaseParsing, ReportsEveryErrorNotJustTheFirst) {
  auto doc = fixture_json("valid/case-melanoma.json");
  at(doc, "/labels/malignancy") = "maybe";
  at(doc, "/profile/demographics/age_years") = -1;
  at(doc, "/images/1/modality") = "photo";
  erase(doc, "/reference");
  at(doc, "/persona/mood") = "calm";
  const auto result = parse_case_json(doc);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors().size(), 5u) << format_errors(result.errors());
  for (const char *pointer : {"/labels/malignancy", "/profile/demographics/age_years",
                              "/images/1/modality", "/reference", "/persona/mood"})
    EXPECT_NE(error_at(result.errors(), pointer), nullptr) << pointer;
}

TEST(CaseParsing, RejectsDeepNestingWithoutCrashing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto result = parse_case(deep, kCaseSource);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.errors()[0].expected, HasSubstr("levels of nesting"));
}

TEST(CaseParsing, RejectsInvalidUtf8) {
  std::string text = fixture("valid/case-minimal.json");
  text.replace(text.find("Cough"), 1, "\xC3\x28");
  EXPECT_FALSE(parse_case(text, kCaseSource).ok());
}

// ---------------------------------------------------------------- case: serialisation

TEST(CaseSerialization, RoundTripsTheFullAndTheMinimalFixture) {
  for (const char *name : {"valid/case-melanoma.json", "valid/case-minimal.json"}) {
    const auto original = parse_case(fixture(name), name);
    ASSERT_TRUE(original.ok()) << format_errors(original.errors());
    const std::string text = serialize_case(*original);
    const auto again = parse_case(text, "serialized");
    ASSERT_TRUE(again.ok()) << format_errors(again.errors()) << text;
    EXPECT_TRUE(*again == *original) << name;
    EXPECT_EQ(serialize_case(*again), text) << "canonical text is stable";
  }
}

TEST(CaseSerialization, WritesKeysInSchemaOrderWithTwoSpaceIndent) {
  const auto c = parse_case(fixture("valid/case-minimal.json"), "x");
  ASSERT_TRUE(c.ok());
  const std::string text = serialize_case(*c);
  EXPECT_EQ(text.rfind("{\n  \"schema_version\": 1,\n  \"id\": \"cxr-normal\",\n  \"title\"", 0),
            0u)
      << text;
  EXPECT_LT(text.find("\"images\""), text.find("\"labels\""));
  EXPECT_LT(text.find("\"labels\""), text.find("\"profile\""));
  EXPECT_LT(text.find("\"persona\""), text.find("\"reference\""));
  EXPECT_EQ(text.back(), '\n');
}

TEST(CaseSerialization, OmitsEmptyOptionalFields) {
  const auto c = parse_case(fixture("valid/case-minimal.json"), "x");
  ASSERT_TRUE(c.ok());
  const std::string text = serialize_case(*c);
  for (const char *key : {"caption", "hidden_facts", "occupation", "medications", "notes", "wants",
                          "language", "red_flags"})
    EXPECT_EQ(text.find(key), std::string::npos) << key;
}

TEST(CaseSerialization, EqualityNoticesEveryNestedDifference) {
  const auto parsed = parse_case(fixture("valid/case-melanoma.json"), "x");
  ASSERT_TRUE(parsed.ok());
  const Case base = *parsed;
  std::vector<Case> changed(8, base);
  changed[0].images[1].caption = "x";
  changed[1].profile.labs[2].flag = "high";
  changed[2].profile.medications.pop_back();
  changed[3].hidden_facts[1].triggers.push_back("x");
  changed[4].persona.wants.clear();
  changed[5].reference.notes += ".";
  changed[6].profile.demographics.ethnicity = "";
  changed[7].labels.rarity = Rarity::rare;
  EXPECT_TRUE(base == base);
  for (size_t i = 0; i < changed.size(); ++i)
    EXPECT_FALSE(changed[i] == base) << i;
}

// ---------------------------------------------------------------- manifest

constexpr const char *kManifestSource = "assets/demo/manifest.json";

TEST(ManifestParsing, ReadsTheFixture) {
  const auto m = parse_manifest(fixture("valid/manifest.json"), kManifestSource);
  ASSERT_TRUE(m.ok()) << format_errors(m.errors());
  EXPECT_EQ(m->name, "imc-test");
  EXPECT_EQ(m->version, "1.0.0");
  ASSERT_EQ(m->licenses.size(), 2u);
  EXPECT_EQ(m->licenses[1].id, "CC-BY-4.0");
  EXPECT_EQ(m->cases, (std::vector<std::string>{"cases/melanoma.json", "cases/minimal.json"}));
  EXPECT_EQ(m->transcripts.size(), 1u);
}

TEST(ManifestParsing, RoundTripsThroughCanonicalText) {
  const auto m = parse_manifest(fixture("valid/manifest.json"), kManifestSource);
  ASSERT_TRUE(m.ok());
  const auto again = parse_manifest(serialize_manifest(*m), "serialized");
  ASSERT_TRUE(again.ok()) << format_errors(again.errors());
  EXPECT_TRUE(*again == *m);
  Manifest without_optional = *m;
  without_optional.description.clear();
  without_optional.transcripts.clear();
  const std::string text = serialize_manifest(without_optional);
  EXPECT_EQ(text.find("description"), std::string::npos);
  EXPECT_EQ(text.find("transcripts"), std::string::npos);
  EXPECT_TRUE(*parse_manifest(text, "x") == without_optional);
}

TEST(ManifestParsing, RejectsVersionThatIsNotSemantic) {
  const auto m = parse_manifest(fixture("invalid/manifest-bad-version.json"), kManifestSource);
  ASSERT_FALSE(m.ok());
  ASSERT_EQ(m.errors().size(), 1u);
  EXPECT_EQ(m.errors()[0].pointer, "/version");
  EXPECT_THAT(m.errors()[0].expected, HasSubstr("MAJOR.MINOR.PATCH"));
}

TEST(ManifestParsing, RejectsAbsoluteCasePath) {
  const auto m =
      parse_manifest(fixture("invalid/manifest-absolute-case-path.json"), kManifestSource);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(error_at(m.errors(), "/cases/0"), nullptr) << format_errors(m.errors());
}

TEST(ManifestParsing, RejectsSchemaVersion2) {
  const auto m = parse_manifest(fixture("invalid/manifest-schema-version-2.json"), kManifestSource);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(error_at(m.errors(), "/schema_version"), nullptr);
}

TEST(ManifestParsing, RejectsEmptyCaseListAndEmptyLicenseList) {
  auto doc = fixture_json("valid/manifest.json");
  at(doc, "/cases") = OrderedJson::array();
  at(doc, "/licenses") = OrderedJson::array();
  const auto m = parse_manifest(doc.dump(), kManifestSource);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.errors().size(), 2u) << format_errors(m.errors());
  EXPECT_NE(error_at(m.errors(), "/cases"), nullptr);
  EXPECT_NE(error_at(m.errors(), "/licenses"), nullptr);
}

TEST(ManifestParsing, RejectsCasePathListedTwice) {
  auto doc = fixture_json("valid/manifest.json");
  at(doc, "/cases/1") = "cases/melanoma.json";
  const auto m = parse_manifest(doc.dump(), kManifestSource);
  ASSERT_FALSE(m.ok());
  const Error *e = error_at(m.errors(), "/cases/1");
  ASSERT_NE(e, nullptr) << format_errors(m.errors());
  EXPECT_EQ(e->expected, "each item once");
}

TEST(ManifestParsing, RejectsDuplicateLicenseIdsAndBadLicenseUrl) {
  auto doc = fixture_json("valid/manifest.json");
  at(doc, "/licenses/1/id") = "CC0-1.0";
  at(doc, "/licenses/0/url") = "creativecommons.org";
  const auto m = parse_manifest(doc.dump(), kManifestSource);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.errors().size(), 2u) << format_errors(m.errors());
  EXPECT_NE(error_at(m.errors(), "/licenses/1/id"), nullptr);
  EXPECT_NE(error_at(m.errors(), "/licenses/0/url"), nullptr);
}

TEST(ManifestParsing, MessagesNameTheSourceGiven) {
  const auto m = parse_manifest("{}", kManifestSource);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.errors().size(), 6u) << format_errors(m.errors()); // every required key
  for (const auto &e : m.errors())
    EXPECT_EQ(e.file, kManifestSource);
}

} // namespace
} // namespace imc

// Case-pack documents: enum names, manifest and case codecs, equality.
#include "casepack_reading.h"
#include "compare.h"
#include "enum_table.h"
#include "json_reader.h"
#include "json_writer.h"

#include <tuple>

namespace imc {

using detail::Json;
using detail::Need;
using detail::ObjectReader;

namespace {

constexpr detail::EnumTable<Malignancy, 4> kMalignancyNames{{
    {Malignancy::benign, "benign"},
    {Malignancy::premalignant, "premalignant"},
    {Malignancy::malignant, "malignant"},
    {Malignancy::not_applicable, "not_applicable"},
}};
constexpr detail::EnumTable<Rarity, 2> kRarityNames{
    {{Rarity::common, "common"}, {Rarity::rare, "rare"}}};
constexpr detail::EnumTable<Modality, 9> kModalityNames{{
    {Modality::clinical_photo, "clinical_photo"},
    {Modality::dermoscopy, "dermoscopy"},
    {Modality::xray, "xray"},
    {Modality::ct, "ct"},
    {Modality::mri, "mri"},
    {Modality::ultrasound, "ultrasound"},
    {Modality::histopathology, "histopathology"},
    {Modality::fundus, "fundus"},
    {Modality::other, "other"},
}};
constexpr detail::EnumTable<HealthLiteracy, 3> kHealthLiteracyNames{{
    {HealthLiteracy::low, "low"},
    {HealthLiteracy::medium, "medium"},
    {HealthLiteracy::high, "high"},
}};
constexpr detail::EnumTable<Sex, 4> kSexNames{{
    {Sex::female, "female"},
    {Sex::male, "male"},
    {Sex::intersex, "intersex"},
    {Sex::unknown, "unknown"},
}};

constexpr const char *kLabFlags = "normal|low|high|abnormal|critical";
constexpr int kMaxAgeYears = 130;

void read_license(ObjectReader &o, LicenseInfo &l) {
  read_string(o, "id", Need::required, detail::kLicenseIdText, l.id);
  read_string(o, "name", Need::required, detail::kNonEmptyText, l.name);
  read_string(o, "url", Need::required, detail::kHttpUrlText, l.url);
}

void read_image(ObjectReader &o, CaseImage &image) {
  read_string(o, "file", Need::required, detail::kRelativePathText, image.file);
  read_string(o, "sha256", Need::required, detail::kSha256HexText, image.sha256);
  read_enum(o, "modality", Need::required, kModalityNames, image.modality);
  read_string(o, "license", Need::required, detail::kLicenseIdText, image.license);
  read_string(o, "attribution", Need::required, detail::kNonEmptyText, image.attribution);
  read_string(o, "source", Need::required, detail::kNonEmptyText, image.source);
  read_string(o, "caption", Need::optional, detail::kAnyText, image.caption);
}

void read_labels(ObjectReader &o, Labels &l) {
  read_string(o, "diagnosis", Need::required, detail::kNonEmptyText, l.diagnosis);
  read_enum(o, "malignancy", Need::required, kMalignancyNames, l.malignancy);
  read_enum(o, "rarity", Need::required, kRarityNames, l.rarity);
  read_string(o, "category", Need::required, detail::kNonEmptyText, l.category);
}

void read_profile(ObjectReader &o, Profile &p) {
  read_object(o, "demographics", Need::required, [&](ObjectReader &d) {
    read_int(d, "age_years", Need::required, 0, kMaxAgeYears, p.demographics.age_years);
    read_enum(d, "sex", Need::required, kSexNames, p.demographics.sex);
    read_string(d, "occupation", Need::optional, detail::kAnyText, p.demographics.occupation);
    read_string(d, "ethnicity", Need::optional, detail::kAnyText, p.demographics.ethnicity);
  });
  read_string(o, "chief_complaint", Need::required, detail::kNonEmptyText, p.chief_complaint);
  read_string(o, "history_of_present_illness", Need::optional, detail::kAnyText,
              p.history_of_present_illness);
  read_string_list(o, "past_medical_history", Need::optional, detail::kNonEmptyText, 0,
                   p.past_medical_history);
  read_object_list(o, "medications", Need::optional, 0, p.medications,
                   [](ObjectReader &m, Medication &med, size_t) {
                     read_string(m, "name", Need::required, detail::kNonEmptyText, med.name);
                     read_string(m, "dose", Need::optional, detail::kAnyText, med.dose);
                     read_string(m, "frequency", Need::optional, detail::kAnyText, med.frequency);
                   });
  read_string_list(o, "allergies", Need::optional, detail::kNonEmptyText, 0, p.allergies);
  read_string(o, "social_history", Need::optional, detail::kAnyText, p.social_history);
  read_string(o, "family_history", Need::optional, detail::kAnyText, p.family_history);
  read_object_list(o, "vitals", Need::optional, 0, p.vitals,
                   [](ObjectReader &v, Vital &vital, size_t) {
                     read_string(v, "name", Need::required, detail::kNonEmptyText, vital.name);
                     read_string(v, "value", Need::required, detail::kNonEmptyText, vital.value);
                     read_string(v, "unit", Need::optional, detail::kAnyText, vital.unit);
                   });
  read_object_list(
      o, "labs", Need::optional, 0, p.labs, [](ObjectReader &l, LabResult &lab, size_t) {
        read_string(l, "name", Need::required, detail::kNonEmptyText, lab.name);
        read_string(l, "value", Need::required, detail::kNonEmptyText, lab.value);
        read_string(l, "unit", Need::optional, detail::kAnyText, lab.unit);
        read_string(l, "reference_range", Need::optional, detail::kAnyText, lab.reference_range);
        read_choice(l, "flag", Need::optional, kLabFlags, true, lab.flag);
      });
}

void read_persona(ObjectReader &o, Persona &p) {
  read_string(o, "opening_statement", Need::required, detail::kNonEmptyText, p.opening_statement);
  read_enum(o, "health_literacy", Need::required, kHealthLiteracyNames, p.health_literacy);
  read_string(o, "emotional_state", Need::optional, detail::kAnyText, p.emotional_state);
  read_string(o, "language", Need::optional, detail::kLanguageText, p.language);
  read_string_list(o, "wants", Need::optional, detail::kNonEmptyText, 0, p.wants);
}

void read_hidden_fact(ObjectReader &o, HiddenFact &f) {
  read_string(o, "id", Need::required, detail::kIdentifierText, f.id);
  read_string(o, "topic", Need::required, detail::kNonEmptyText, f.topic);
  read_string_list(o, "triggers", Need::required, detail::kNonEmptyText, 1, f.triggers);
  read_string(o, "fact", Need::required, detail::kNonEmptyText, f.fact);
}

void read_reference(ObjectReader &o, JuryReference &r) {
  read_string(o, "diagnosis", Need::required, detail::kNonEmptyText, r.diagnosis);
  read_string_list(o, "red_flags", Need::optional, detail::kNonEmptyText, 0, r.red_flags);
  read_string_list(o, "recommended_next_steps", Need::optional, detail::kNonEmptyText, 0,
                   r.recommended_next_steps);
  read_string(o, "notes", Need::optional, detail::kAnyText, r.notes);
}

Json license_json(const LicenseInfo &l) {
  return Json{{"id", l.id}, {"name", l.name}, {"url", l.url}};
}

Json image_json(const CaseImage &i) {
  Json j = Json::object();
  j["file"] = i.file;
  j["sha256"] = i.sha256;
  j["modality"] = to_string(i.modality);
  j["license"] = i.license;
  j["attribution"] = i.attribution;
  j["source"] = i.source;
  detail::put_if_not_empty(j, "caption", i.caption);
  return j;
}

Json medication_json(const Medication &m) {
  Json j = Json::object();
  j["name"] = m.name;
  detail::put_if_not_empty(j, "dose", m.dose);
  detail::put_if_not_empty(j, "frequency", m.frequency);
  return j;
}

Json vital_json(const Vital &v) {
  Json j = Json::object();
  j["name"] = v.name;
  j["value"] = v.value;
  detail::put_if_not_empty(j, "unit", v.unit);
  return j;
}

Json lab_json(const LabResult &l) {
  Json j = Json::object();
  j["name"] = l.name;
  j["value"] = l.value;
  detail::put_if_not_empty(j, "unit", l.unit);
  detail::put_if_not_empty(j, "reference_range", l.reference_range);
  detail::put_if_not_empty(j, "flag", l.flag);
  return j;
}

Json hidden_fact_json(const HiddenFact &f) {
  return Json{{"id", f.id}, {"topic", f.topic}, {"triggers", f.triggers}, {"fact", f.fact}};
}

Json profile_json(const Profile &p) {
  Json demographics = Json::object();
  demographics["age_years"] = p.demographics.age_years;
  demographics["sex"] = to_string(p.demographics.sex);
  detail::put_if_not_empty(demographics, "occupation", p.demographics.occupation);
  detail::put_if_not_empty(demographics, "ethnicity", p.demographics.ethnicity);

  Json j = Json::object();
  j["demographics"] = std::move(demographics);
  j["chief_complaint"] = p.chief_complaint;
  detail::put_if_not_empty(j, "history_of_present_illness", p.history_of_present_illness);
  detail::put_if_not_empty(j, "past_medical_history", p.past_medical_history);
  detail::put_list_if_not_empty(j, "medications", p.medications, medication_json);
  detail::put_if_not_empty(j, "allergies", p.allergies);
  detail::put_if_not_empty(j, "social_history", p.social_history);
  detail::put_if_not_empty(j, "family_history", p.family_history);
  detail::put_list_if_not_empty(j, "vitals", p.vitals, vital_json);
  detail::put_list_if_not_empty(j, "labs", p.labs, lab_json);
  return j;
}

Json persona_json(const Persona &p) {
  Json j = Json::object();
  j["opening_statement"] = p.opening_statement;
  j["health_literacy"] = to_string(p.health_literacy);
  detail::put_if_not_empty(j, "emotional_state", p.emotional_state);
  detail::put_if_not_empty(j, "language", p.language);
  detail::put_if_not_empty(j, "wants", p.wants);
  return j;
}

Json reference_json(const JuryReference &r) {
  Json j = Json::object();
  j["diagnosis"] = r.diagnosis;
  detail::put_if_not_empty(j, "red_flags", r.red_flags);
  detail::put_if_not_empty(j, "recommended_next_steps", r.recommended_next_steps);
  detail::put_if_not_empty(j, "notes", r.notes);
  return j;
}

bool same(const LicenseInfo &a, const LicenseInfo &b) {
  return std::tie(a.id, a.name, a.url) == std::tie(b.id, b.name, b.url);
}
bool same(const CaseImage &a, const CaseImage &b) {
  return std::tie(a.file, a.sha256, a.modality, a.license, a.attribution, a.source, a.caption) ==
         std::tie(b.file, b.sha256, b.modality, b.license, b.attribution, b.source, b.caption);
}
bool same(const Medication &a, const Medication &b) {
  return std::tie(a.name, a.dose, a.frequency) == std::tie(b.name, b.dose, b.frequency);
}
bool same(const Vital &a, const Vital &b) {
  return std::tie(a.name, a.value, a.unit) == std::tie(b.name, b.value, b.unit);
}
bool same(const LabResult &a, const LabResult &b) {
  return std::tie(a.name, a.value, a.unit, a.reference_range, a.flag) ==
         std::tie(b.name, b.value, b.unit, b.reference_range, b.flag);
}
bool same(const HiddenFact &a, const HiddenFact &b) {
  return std::tie(a.id, a.topic, a.triggers, a.fact) == std::tie(b.id, b.topic, b.triggers, b.fact);
}
template <class T> bool same_items(const std::vector<T> &a, const std::vector<T> &b) {
  return detail::same_list(a, b, [](const T &x, const T &y) { return same(x, y); });
}

bool same(const Profile &a, const Profile &b) {
  const auto &da = a.demographics, &db = b.demographics;
  return std::tie(da.age_years, da.sex, da.occupation, da.ethnicity) ==
             std::tie(db.age_years, db.sex, db.occupation, db.ethnicity) &&
         std::tie(a.chief_complaint, a.history_of_present_illness, a.past_medical_history,
                  a.allergies, a.social_history, a.family_history) ==
             std::tie(b.chief_complaint, b.history_of_present_illness, b.past_medical_history,
                      b.allergies, b.social_history, b.family_history) &&
         same_items(a.medications, b.medications) && same_items(a.vitals, b.vitals) &&
         same_items(a.labs, b.labs);
}

} // namespace

const char *to_string(Malignancy v) { return detail::enum_to_string(kMalignancyNames, v); }
const char *to_string(Rarity v) { return detail::enum_to_string(kRarityNames, v); }
const char *to_string(Modality v) { return detail::enum_to_string(kModalityNames, v); }
const char *to_string(HealthLiteracy v) { return detail::enum_to_string(kHealthLiteracyNames, v); }
const char *to_string(Sex v) { return detail::enum_to_string(kSexNames, v); }

std::optional<Malignancy> parse_malignancy(std::string_view s) {
  return detail::enum_from_string(kMalignancyNames, s);
}
std::optional<Rarity> parse_rarity(std::string_view s) {
  return detail::enum_from_string(kRarityNames, s);
}
std::optional<Modality> parse_modality(std::string_view s) {
  return detail::enum_from_string(kModalityNames, s);
}
std::optional<HealthLiteracy> parse_health_literacy(std::string_view s) {
  return detail::enum_from_string(kHealthLiteracyNames, s);
}
std::optional<Sex> parse_sex(std::string_view s) { return detail::enum_from_string(kSexNames, s); }

namespace detail {

Manifest read_manifest(std::string_view json, std::string_view source, Errors &errors) {
  return read_value<Manifest>(json, source, errors, true, [](ObjectReader &o, Manifest &m) {
    read_schema_version(o, kCasePackSchemaVersion, m.schema_version);
    read_string(o, "name", Need::required, kIdentifierText, m.name);
    read_string(o, "title", Need::required, kNonEmptyText, m.title);
    read_string(o, "version", Need::required, kSemverText, m.version);
    read_string(o, "description", Need::optional, kAnyText, m.description);
    read_object_list(
        o, "licenses", Need::required, 1, m.licenses,
        [](ObjectReader &l, LicenseInfo &license, size_t) { read_license(l, license); });
    read_string_list(o, "cases", Need::required, kRelativePathText, 1, m.cases, true);
    read_string_list(o, "transcripts", Need::optional, kRelativePathText, 0, m.transcripts, true);

    std::vector<std::string> license_ids;
    for (const auto &l : m.licenses)
      license_ids.push_back(l.id);
    detail::report_duplicates(
        o.doc(), license_ids, [](size_t i) { return "/licenses/" + std::to_string(i) + "/id"; },
        "a license id listed once");
  });
}

Case read_case(std::string_view json, std::string_view source, Errors &errors) {
  return read_value<Case>(json, source, errors, true, [](ObjectReader &o, Case &c) {
    read_schema_version(o, kCasePackSchemaVersion, c.schema_version);
    read_string(o, "id", Need::required, kIdentifierText, c.id);
    read_string(o, "title", Need::required, kNonEmptyText, c.title);
    read_object_list(o, "images", Need::required, 1, c.images,
                     [](ObjectReader &i, CaseImage &image, size_t) { read_image(i, image); });
    read_object(o, "labels", Need::required, [&](ObjectReader &l) { read_labels(l, c.labels); });
    read_object(o, "profile", Need::required, [&](ObjectReader &p) { read_profile(p, c.profile); });
    read_object(o, "persona", Need::required, [&](ObjectReader &p) { read_persona(p, c.persona); });
    read_object_list(o, "hidden_facts", Need::optional, 0, c.hidden_facts,
                     [](ObjectReader &f, HiddenFact &fact, size_t) { read_hidden_fact(f, fact); });
    read_object(o, "reference", Need::required,
                [&](ObjectReader &r) { read_reference(r, c.reference); });

    std::vector<std::string> fact_ids;
    for (const auto &f : c.hidden_facts)
      fact_ids.push_back(f.id);
    detail::report_duplicates(
        o.doc(), fact_ids, [](size_t i) { return "/hidden_facts/" + std::to_string(i) + "/id"; },
        "a hidden-fact id unique within the case");
  });
}

} // namespace detail

Result<Manifest> parse_manifest(std::string_view json, std::string_view source) {
  Errors errors;
  Manifest m = detail::read_manifest(json, source, errors);
  if (!errors.empty())
    return errors;
  return m;
}

Result<Case> parse_case(std::string_view json, std::string_view source) {
  Errors errors;
  Case c = detail::read_case(json, source, errors);
  if (!errors.empty())
    return errors;
  return c;
}

std::string serialize_manifest(const Manifest &m) {
  Json j = Json::object();
  j["schema_version"] = m.schema_version;
  j["name"] = m.name;
  j["title"] = m.title;
  j["version"] = m.version;
  detail::put_if_not_empty(j, "description", m.description);
  j["licenses"] = detail::list_json(m.licenses, license_json);
  j["cases"] = m.cases;
  detail::put_if_not_empty(j, "transcripts", m.transcripts);
  return detail::dump_json(j, true);
}

std::string serialize_case(const Case &c) {
  Json j = Json::object();
  j["schema_version"] = c.schema_version;
  j["id"] = c.id;
  j["title"] = c.title;
  j["images"] = detail::list_json(c.images, image_json);
  j["labels"] = Json{{"diagnosis", c.labels.diagnosis},
                     {"malignancy", to_string(c.labels.malignancy)},
                     {"rarity", to_string(c.labels.rarity)},
                     {"category", c.labels.category}};
  j["profile"] = profile_json(c.profile);
  j["persona"] = persona_json(c.persona);
  detail::put_list_if_not_empty(j, "hidden_facts", c.hidden_facts, hidden_fact_json);
  j["reference"] = reference_json(c.reference);
  return detail::dump_json(j, true);
}

bool operator==(const Manifest &a, const Manifest &b) {
  return std::tie(a.schema_version, a.name, a.title, a.version, a.description, a.cases,
                  a.transcripts) == std::tie(b.schema_version, b.name, b.title, b.version,
                                             b.description, b.cases, b.transcripts) &&
         same_items(a.licenses, b.licenses);
}

bool operator==(const Case &a, const Case &b) {
  const Labels &la = a.labels, &lb = b.labels;
  const Persona &pa = a.persona, &pb = b.persona;
  const JuryReference &ra = a.reference, &rb = b.reference;
  return std::tie(a.schema_version, a.id, a.title) == std::tie(b.schema_version, b.id, b.title) &&
         same_items(a.images, b.images) &&
         std::tie(la.diagnosis, la.malignancy, la.rarity, la.category) ==
             std::tie(lb.diagnosis, lb.malignancy, lb.rarity, lb.category) &&
         same(a.profile, b.profile) &&
         std::tie(pa.opening_statement, pa.health_literacy, pa.emotional_state, pa.language,
                  pa.wants) == std::tie(pb.opening_statement, pb.health_literacy,
                                        pb.emotional_state, pb.language, pb.wants) &&
         same_items(a.hidden_facts, b.hidden_facts) &&
         std::tie(ra.diagnosis, ra.red_flags, ra.recommended_next_steps, ra.notes) ==
             std::tie(rb.diagnosis, rb.red_flags, rb.recommended_next_steps, rb.notes);
}

} // namespace imc

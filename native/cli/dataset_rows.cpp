#include "dataset_rows.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace imc::cli {

namespace {

constexpr const char *kPadCitation =
    "Pacheco AGC et al. (2020) PAD-UFES-20: a skin lesion dataset composed of patient data and "
    "clinical images collected from smartphones. Mendeley Data V1, doi:10.17632/zr7vgbcyr2.1";
constexpr const char *kPadSource = "https://doi.org/10.17632/zr7vgbcyr2.1";
constexpr int kMaxAgeYears = 130;

struct KnownLicense {
  const char *id;
  const char *name;
  const char *url;
};

constexpr std::array<KnownLicense, 8> kKnownLicenses{{
    {"CC0-1.0", "Creative Commons Zero v1.0 Universal (public domain dedication)",
     "https://creativecommons.org/publicdomain/zero/1.0/"},
    {"CC-BY-4.0", "Creative Commons Attribution 4.0 International",
     "https://creativecommons.org/licenses/by/4.0/"},
    {"CC-BY-3.0", "Creative Commons Attribution 3.0 Unported",
     "https://creativecommons.org/licenses/by/3.0/"},
    {"CC-BY-2.0", "Creative Commons Attribution 2.0 Generic",
     "https://creativecommons.org/licenses/by/2.0/"},
    {"CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0 International",
     "https://creativecommons.org/licenses/by-sa/4.0/"},
    {"CC-BY-NC-4.0", "Creative Commons Attribution-NonCommercial 4.0 International",
     "https://creativecommons.org/licenses/by-nc/4.0/"},
    {"CC-BY-NC-SA-4.0", "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International",
     "https://creativecommons.org/licenses/by-nc-sa/4.0/"},
    {"CC-BY-NC-ND-4.0",
     "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International",
     "https://creativecommons.org/licenses/by-nc-nd/4.0/"},
}};

struct PadDiagnosis {
  const char *code;
  const char *name;
  Malignancy malignancy;
};

constexpr std::array<PadDiagnosis, 6> kPadDiagnoses{{
    {"ACK", "Actinic keratosis", Malignancy::premalignant},
    {"BCC", "Basal cell carcinoma", Malignancy::malignant},
    {"MEL", "Melanoma", Malignancy::malignant},
    {"NEV", "Nevus", Malignancy::benign},
    {"SCC", "Squamous cell carcinoma", Malignancy::malignant},
    {"SEK", "Seborrheic keratosis", Malignancy::benign},
}};

// Malignancy of diagnoses named in free text, for tables without a usable benign_malignant
// column. First match wins, so the specific entries come before the general ones.
struct NamedMalignancy {
  const char *contains;
  Malignancy malignancy;
};

constexpr std::array<NamedMalignancy, 16> kNamedMalignancies{{
    {"actinic keratosis", Malignancy::premalignant},
    {"bowen", Malignancy::malignant},
    {"lentigo maligna", Malignancy::malignant},
    {"melanoma", Malignancy::malignant},
    {"basal cell carcinoma", Malignancy::malignant},
    {"squamous cell carcinoma", Malignancy::malignant},
    {"carcinoma", Malignancy::malignant},
    {"nevus", Malignancy::benign},
    {"naevus", Malignancy::benign},
    {"seborrheic keratosis", Malignancy::benign},
    {"lichenoid keratosis", Malignancy::benign},
    {"dermatofibroma", Malignancy::benign},
    {"lentigo", Malignancy::benign},
    {"angioma", Malignancy::benign},
    {"vascular lesion", Malignancy::benign},
    {"no finding", Malignancy::not_applicable},
}};

// ISIC's anatomical sites, said the way a patient would.
struct SitePhrase {
  const char *site;
  const char *phrase;
};

constexpr std::array<SitePhrase, 8> kSitePhrases{{
    {"anterior torso", "chest or abdomen"},
    {"posterior torso", "back"},
    {"lateral torso", "flank"},
    {"upper extremity", "arm"},
    {"lower extremity", "leg"},
    {"head/neck", "head or neck"},
    {"palms/soles", "palm or sole"},
    {"oral/genital", "mouth or genital area"},
}};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == s.npos) return "";
  const size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != text.npos; }
bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string capitalised(std::string s) {
  if (!s.empty()) s[0] = char(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// "Pomerania" for "POMERANIA"; text already in mixed case is kept.
std::string title_case(const std::string &s) {
  if (s != upper(s)) return s;
  std::string out = lower(s);
  bool start = true;
  for (char &c : out) {
    if (start) c = char(std::toupper(static_cast<unsigned char>(c)));
    start = c == ' ' || c == '-' || c == '_';
    if (c == '_') c = ' ';
  }
  return out;
}

// "a", "a and b", "a, b and c".
std::string spoken_list(const std::vector<std::string> &items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

std::string quoted(const std::string &s) { return "\"" + s + "\""; }

std::string file_stem(const std::string &name) {
  const size_t slash = name.find_last_of('/');
  std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

bool is_unknown(const std::string &value) {
  const std::string v = lower(value);
  return v.empty() || v == "unk" || v == "unknown" || v == "nan" || v == "na" || v == "n/a" ||
         v == "none" || v == "null";
}

bool is_http_url(const std::string &s) {
  return (starts_with(s, "https://") || starts_with(s, "http://")) &&
         s.find_first_of(" \t\r\n@") == std::string::npos;
}

std::string site_phrase(const std::string &site) {
  const std::string s = lower(trim(site));
  if (is_unknown(s)) return "";
  for (const auto &entry : kSitePhrases)
    if (s == entry.site) return entry.phrase;
  std::string out = s;
  for (char &c : out)
    if (c == '_') c = ' ';
  return out;
}

std::optional<Malignancy> malignancy_from_name(const std::string &diagnosis) {
  const std::string d = lower(diagnosis);
  for (const auto &entry : kNamedMalignancies)
    if (contains(d, entry.contains)) return entry.malignancy;
  return std::nullopt;
}

// Reads the fields of one row, reporting each unusable value with the row and the column.
class RowReader {
public:
  RowReader(const CsvTable &table, const CsvRow &row, std::string source, std::string place,
            Errors &errors)
      : table_(table), row_(row), source_(std::move(source)), place_(std::move(place)),
        errors_(errors) {}

  const std::string &place() const { return place_; }
  bool has(std::string_view column) const { return table_.has_column(column); }
  std::string text(std::string_view column) const { return trim(table_.field(row_, column)); }
  // The value, or "" for the spellings of "unknown" datasets use (UNK, nan, n/a, ...).
  std::string known(std::string_view column) const {
    std::string v = text(column);
    return is_unknown(v) ? "" : v;
  }

  Error error_at(std::string_view column, std::string expected, std::string found) const {
    return Error{source_, place_ + ", column " + std::string(column), std::move(expected),
                 std::move(found)};
  }
  void report(std::string_view column, std::string expected, std::string found) {
    errors_.push_back(error_at(column, std::move(expected), std::move(found)));
  }

  std::string required(std::string_view column, const std::string &what) {
    std::string v = text(column);
    if (v.empty()) report(column, what, "an empty field");
    return v;
  }

  // True/False, yes/no, 1/0; nullopt when unknown or absent.
  std::optional<bool> flag(std::string_view column) {
    const std::string v = lower(known(column));
    if (v.empty()) return std::nullopt;
    if (v == "true" || v == "yes" || v == "y" || v == "1" || v == "t") return true;
    if (v == "false" || v == "no" || v == "n" || v == "0" || v == "f") return false;
    report(column, "True, False, yes, no or empty", quoted(text(column)));
    return std::nullopt;
  }

  std::optional<double> number(std::string_view column) {
    const std::string v = known(column);
    if (v.empty()) return std::nullopt;
    char *end = nullptr;
    const double value = std::strtod(v.c_str(), &end);
    if (end != v.c_str() + v.size() || !std::isfinite(value) || value < 0) {
      report(column, "a non-negative number", quoted(v));
      return std::nullopt;
    }
    return value;
  }

  // Whole years; "55.0" (pandas writes integers with missing values as floats) is 55.
  std::optional<int> age(std::string_view column) {
    const std::string v = known(column);
    const auto value = number(column);
    if (!value) return std::nullopt;
    if (*value > kMaxAgeYears) {
      report(column, "an age in years from 0 to " + std::to_string(kMaxAgeYears), quoted(v));
      return std::nullopt;
    }
    return int(*value);
  }

  Sex sex(std::string_view column) {
    const std::string v = lower(known(column));
    if (v.empty()) return Sex::unknown;
    if (v == "female" || v == "f" || v == "woman") return Sex::female;
    if (v == "male" || v == "m" || v == "man") return Sex::male;
    if (v == "intersex") return Sex::intersex;
    report(column, "female, male, intersex or empty", quoted(text(column)));
    return Sex::unknown;
  }

  // yes/no/rare/common; common when the table has no such column.
  Rarity rarity(std::string_view column) {
    const std::string v = lower(known(column));
    if (v.empty() || v == "common") return Rarity::common;
    if (v == "rare") return Rarity::rare;
    const auto rare = flag(column);
    return rare && *rare ? Rarity::rare : Rarity::common;
  }

  void warn(std::vector<Error> &warnings, std::string_view column, std::string what) const {
    warnings.push_back(
        Error{source_, place_ + ", column " + std::string(column), "", std::move(what)});
  }

private:
  const CsvTable &table_;
  const CsvRow &row_;
  std::string source_;
  std::string place_;
  Errors &errors_;
};

// The license a free-text license field names: "CC BY 4.0" -> CC-BY-4.0 with its name and URL.
// Licenses not in kKnownLicenses keep the text as their name and need `url` from the table.
std::optional<LicenseInfo> license_from_text(const std::string &text, const std::string &url,
                                             RowReader &row, std::string_view column,
                                             std::string_view url_column) {
  std::string head = trim(text.substr(0, text.find('(')));
  std::string id;
  for (char c : upper(head)) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+';
    if (keep) {
      id += c;
    } else if (!id.empty() && id.back() != '-') {
      id += '-';
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (id == "CC0" || id == "CC-0" || id == "CC-ZERO") id = "CC0-1.0";
  if (id.empty()) {
    row.report(column, "a license such as CC BY 4.0 or CC0 1.0", quoted(text));
    return std::nullopt;
  }
  for (const auto &known : kKnownLicenses)
    if (id == known.id) return LicenseInfo{known.id, known.name, known.url};
  if (!is_http_url(url)) {
    row.report(url_column,
               "the URL of license " + id + " (imc knows the text of " +
                   "CC0-1.0|CC-BY-2.0|CC-BY-3.0|CC-BY-4.0 and the CC BY-SA/NC 4.0 licenses only)",
               url.empty() ? "an empty field" : quoted(url));
    return std::nullopt;
  }
  return LicenseInfo{id, text, url};
}

// What the image shows and how the case is phrased around it.
struct Presentation {
  std::string title;           // "Skin lesion on the neck"
  std::string chief_complaint; // "A skin lesion on the neck."
  std::string opening;         // the patient's first sentence
  std::string caption;
  std::string category;
};

Presentation present(Modality modality, const std::string &site, const char *photo_kind) {
  Presentation p;
  const std::string on_the = site.empty() ? "" : " on the " + site;
  const std::string on_my = site.empty() ? "" : " on my " + site;
  const std::string of_the = site.empty() ? "" : " of the " + site;
  const std::string of_my = site.empty() ? "" : " of my " + site;
  switch (modality) {
  case Modality::clinical_photo:
  case Modality::dermoscopy:
    p.title = "Skin lesion" + on_the;
    p.chief_complaint = "A skin lesion" + on_the + ".";
    p.opening = "Hello doctor, I have a skin lesion" + on_my + " and I'd like you to look at it.";
    p.caption = std::string(modality == Modality::dermoscopy ? "Dermoscopic image" : photo_kind) +
                " of a skin lesion" + on_the;
    p.category = "dermatology";
    return p;
  case Modality::histopathology:
    p.title = "Biopsy slide" + of_the;
    p.chief_complaint = "A biopsy result to review.";
    p.opening = "Hello doctor, I had a biopsy" + of_my + " and I'd like to understand the result.";
    p.caption = "Histopathology slide";
    p.category = "pathology";
    return p;
  case Modality::fundus:
    p.title = "Eye fundus photograph";
    p.chief_complaint = "An eye examination to review.";
    p.opening = "Hello doctor, I had a photograph taken of the back of my eye and I'd like to "
                "know what it shows.";
    p.caption = "Fundus photograph";
    p.category = "ophthalmology";
    return p;
  default: break;
  }
  const char *noun = "image";
  const char *article = "an";
  switch (modality) {
  case Modality::xray: noun = "X-ray"; break;
  case Modality::ct:
    noun = "CT scan";
    article = "a";
    break;
  case Modality::mri: noun = "MRI scan"; break;
  case Modality::ultrasound: noun = "ultrasound scan"; break;
  default: break;
  }
  p.title = capitalised(noun) + of_the;
  p.chief_complaint = capitalised(std::string(article)) + " " + noun + of_the + " to review.";
  p.opening = std::string("Hello doctor, I had ") + article + " " + noun + of_my +
              " and I'd like to understand what it shows.";
  p.caption = capitalised(noun) + of_the;
  p.category = modality == Modality::other ? "general" : "radiology";
  return p;
}

std::optional<Modality> modality_from_text(const std::string &text) {
  const std::string t = lower(trim(text));
  if (auto exact = parse_modality(t)) return exact;
  if (contains(t, "dermoscop") || contains(t, "dermatoscop")) return Modality::dermoscopy;
  if (contains(t, "x-ray") || contains(t, "xray") || contains(t, "radiograph"))
    return Modality::xray;
  if (contains(t, "histo") || contains(t, "patholog")) return Modality::histopathology;
  if (contains(t, "fundus") || contains(t, "retina")) return Modality::fundus;
  if (contains(t, "ultrasound") || contains(t, "sonograph")) return Modality::ultrasound;
  if (contains(t, "mri") || contains(t, "magnetic resonance")) return Modality::mri;
  if (t == "ct" || starts_with(t, "ct ") || contains(t, "computed tomography")) return Modality::ct;
  if (contains(t, "photo") || contains(t, "clinical") || contains(t, "tbp"))
    return Modality::clinical_photo;
  return std::nullopt;
}

void set_presentation(Case &c, const Presentation &p) {
  c.title = p.title;
  c.labels.category = p.category;
  c.profile.chief_complaint = p.chief_complaint;
  c.persona.opening_statement = p.opening;
  c.images[0].caption = p.caption;
}

void set_minimal_persona(Case &c) {
  c.persona.health_literacy = HealthLiteracy::medium;
  c.persona.language = "en";
  c.persona.wants = {"to know what it is", "to know whether it needs treatment"};
}

void set_age(Case &c, std::optional<int> age, RowReader &row, std::string_view column,
             CaseDraft &out) {
  if (age) {
    c.profile.demographics.age_years = *age;
    return;
  }
  // The format has no "unknown age"; 0 is a placeholder the notes and the history explain.
  c.profile.demographics.age_years = 0;
  c.reference.notes += " Age not recorded in the source data: age_years 0 is a placeholder.";
  c.profile.history_of_present_illness += " Age not recorded.";
  row.warn(out.warnings, column, "age not recorded; the case says 0 years and its notes say why");
}

// PAD-UFES-20's symptom flags, as the history says them.
struct Symptom {
  const char *column;
  const char *present; // "it itches"
  const char *absent;  // "itching"
};

constexpr std::array<Symptom, 6> kPadSymptoms{{
    {"itch", "itches", "itching"},
    {"grew", "has grown", "growth"},
    {"hurt", "hurts", "pain"},
    {"changed", "has changed", "change"},
    {"bleed", "has bled", "bleeding"},
    {"elevation", "is raised", "elevation"},
}};

std::string millimetres(double v) {
  const double rounded = std::round(v * 10) / 10;
  std::string s = std::to_string(rounded);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

void draft_pad(RowReader &row, CaseDraft &out) {
  Case &c = out.draft;
  out.image_column = "img_id";
  out.image_name = row.required("img_id", "the image's file name (img_id)");
  const std::string code = upper(row.text("diagnostic"));
  const PadDiagnosis *diagnosis = nullptr;
  for (const auto &d : kPadDiagnoses)
    if (code == d.code) diagnosis = &d;
  if (!diagnosis) {
    row.report("diagnostic", "one of ACK|BCC|MEL|NEV|SCC|SEK", quoted(row.text("diagnostic")));
    return; // the rest of the case depends on it; the row is reported either way
  }
  std::string number = identifier_from(file_stem(out.image_name));
  if (starts_with(number, "pat-")) number.erase(0, 4);
  c.id = identifier_from("pad-" + number + "-" + lower(code));

  const std::string site = site_phrase(row.text("region"));
  c.images.resize(1);
  CaseImage &image = c.images[0];
  image.modality = Modality::clinical_photo;
  image.license = "CC-BY-4.0";
  image.attribution = kPadCitation;
  image.source = kPadSource;
  out.license = {"CC-BY-4.0", "Creative Commons Attribution 4.0 International",
                 "https://creativecommons.org/licenses/by/4.0/"};
  set_presentation(c, present(Modality::clinical_photo, site, "Smartphone photograph"));

  c.labels.diagnosis = diagnosis->name;
  c.labels.malignancy = diagnosis->malignancy;
  c.labels.rarity = row.rarity("rare");
  c.profile.demographics.sex = row.sex("gender");

  std::vector<std::string> present_symptoms, absent_symptoms;
  for (const auto &symptom : kPadSymptoms) {
    const auto value = row.flag(symptom.column);
    if (!value) continue;
    (*value ? present_symptoms : absent_symptoms)
        .push_back(*value ? symptom.present : symptom.absent);
  }
  std::string history = c.profile.chief_complaint;
  const auto d1 = row.number("diameter_1");
  const auto d2 = row.number("diameter_2");
  if (d1 && d2) {
    history.pop_back();
    history += ", about " + millimetres(*d1) + " x " + millimetres(*d2) + " mm.";
  }
  if (!present_symptoms.empty()) history += " It " + spoken_list(present_symptoms) + ".";
  if (!absent_symptoms.empty()) {
    std::string none = " No " + spoken_list(absent_symptoms) + ".";
    // "No itching and growth" reads wrongly: the last item joins with "or".
    if (const size_t p = none.rfind(" and "); p != std::string::npos) none.replace(p, 5, " or ");
    history += none;
  }
  if (const auto fitzpatrick = row.number("fitspatrick"))
    history += " Fitzpatrick skin type " + millimetres(*fitzpatrick) + ".";
  c.profile.history_of_present_illness = history;
  if (!present_symptoms.empty())
    c.persona.opening_statement += " It " + spoken_list(present_symptoms) + ".";

  if (const auto skin_cancer = row.flag("skin_cancer_history"); skin_cancer && *skin_cancer)
    c.profile.past_medical_history.push_back("Previous skin cancer");

  std::vector<std::string> social;
  auto habit = [&](const char *column, const char *yes, const char *no) {
    if (const auto v = row.flag(column)) social.push_back(*v ? yes : no);
  };
  habit("smoke", "Smokes.", "Does not smoke.");
  habit("drink", "Drinks alcohol.", "Does not drink alcohol.");
  habit("pesticide", "Has been exposed to pesticides.", "No pesticide exposure.");
  habit("has_piped_water", "Has piped water at home.", "No piped water at home.");
  habit("has_sewage_system", "Has a sewage system at home.", "No sewage system at home.");
  for (const auto &s : social)
    c.profile.social_history += (c.profile.social_history.empty() ? "" : " ") + s;

  std::vector<std::string> family;
  if (const auto cancer = row.flag("cancer_history"))
    family.push_back(*cancer ? "Cancer history in the patient or the family: yes."
                             : "Cancer history in the patient or the family: no.");
  const std::string father = row.known("background_father");
  const std::string mother = row.known("background_mother");
  if (!father.empty()) family.push_back("Father's family from " + title_case(father) + ".");
  if (!mother.empty()) family.push_back("Mother's family from " + title_case(mother) + ".");
  for (const auto &f : family)
    c.profile.family_history += (c.profile.family_history.empty() ? "" : " ") + f;

  set_minimal_persona(c);
  c.reference.diagnosis = diagnosis->name;
  const auto biopsied = row.flag("biopsed");
  c.reference.notes = "Imported from PAD-UFES-20 (image " + out.image_name + "). Diagnosis " +
                      std::string(!biopsied   ? "confirmation not recorded."
                                  : *biopsied ? "biopsy-proven."
                                              : "by clinical consensus (not biopsied).");
  set_age(c, row.age("age"), row, "age", out);
}

// ISIC's licenses are named without a version; the archive publishes them as the 4.0 licenses.
std::string isic_license_text(const std::string &value) {
  const std::string v = upper(trim(value));
  if (v == "CC-0" || v == "CC0") return "CC0 1.0";
  if (v == "CC-BY") return "CC BY 4.0";
  if (v == "CC-BY-NC") return "CC BY-NC 4.0";
  if (v == "CC-BY-SA") return "CC BY-SA 4.0";
  if (v == "CC-BY-NC-SA") return "CC BY-NC-SA 4.0";
  return value;
}

Malignancy isic_malignancy(RowReader &row, const std::string &diagnosis, bool &known) {
  known = true;
  const auto named = malignancy_from_name(diagnosis);
  // benign_malignant (older exports) or diagnosis_1 (newer ones) give the coarse class.
  for (const char *column : {"benign_malignant", "diagnosis_1"}) {
    const std::string v = lower(row.known(column));
    if (v.empty()) continue;
    if (named == Malignancy::premalignant) return Malignancy::premalignant;
    if (contains(v, "malignant")) return Malignancy::malignant;
    if (contains(v, "benign")) return Malignancy::benign;
  }
  if (named) return *named;
  known = false;
  return Malignancy::not_applicable;
}

void draft_isic(RowReader &row, CaseDraft &out) {
  Case &c = out.draft;
  out.image_column = "isic_id";
  const std::string isic_id = row.required("isic_id", "the image's ISIC id (ISIC_0000000)");
  out.image_name = isic_id;

  // The most specific of the diagnosis columns that is filled in.
  std::string diagnosis = row.known("diagnosis");
  for (const char *column : {"diagnosis_5", "diagnosis_4", "diagnosis_3", "diagnosis_2"})
    if (diagnosis.empty()) diagnosis = row.known(column);
  if (diagnosis.empty()) diagnosis = row.known("diagnosis_1");
  if (diagnosis.empty()) {
    row.report(row.has("diagnosis") ? "diagnosis" : "diagnosis_1", "a diagnosis", "an empty field");
    return;
  }
  diagnosis = capitalised(diagnosis);
  bool malignancy_known = false;
  const Malignancy malignancy = isic_malignancy(row, diagnosis, malignancy_known);
  if (!malignancy_known)
    row.report("benign_malignant", "benign or malignant, or a diagnosis whose malignancy imc knows",
               quoted(row.text("benign_malignant")) + " for " + quoted(diagnosis));

  std::string number = identifier_from(isic_id);
  if (starts_with(number, "isic-")) number.erase(0, 5);
  c.id = identifier_from("isic-" + number + "-" + identifier_from(diagnosis, 24));

  const std::string type = lower(row.known("image_type"));
  Modality modality = Modality::dermoscopy; // most of the archive
  if (!type.empty()) modality = modality_from_text(type).value_or(Modality::other);
  std::string site = row.known("anatom_site_general");
  if (site.empty()) site = row.known("anatom_site_general_challenge");
  site = site_phrase(site);

  c.images.resize(1);
  CaseImage &image = c.images[0];
  image.modality = modality;
  const std::string credit = row.known("attribution");
  image.attribution =
      (credit.empty() ? std::string("Anonymous") : credit) + ", ISIC Archive (isic-archive.com)";
  image.source = "https://api.isic-archive.com/images/" + isic_id + "/";
  const std::string license_text =
      row.required("copyright_license", "a license (CC-0, CC-BY, CC-BY-NC)");
  if (!license_text.empty())
    if (auto license = license_from_text(isic_license_text(license_text), "", row,
                                         "copyright_license", "copyright_license")) {
      out.license = *license;
      image.license = license->id;
    }
  set_presentation(c, present(modality, site, "Clinical photograph"));

  c.labels.diagnosis = diagnosis;
  c.labels.malignancy = malignancy;
  c.labels.rarity = row.rarity("rare");
  c.profile.demographics.sex = row.sex("sex");

  std::string history = c.profile.chief_complaint;
  if (const auto size = row.number("clin_size_long_diam_mm")) {
    history.pop_back();
    history += ", about " + millimetres(*size) + " mm across.";
  }
  if (const std::string skin_type = row.known("fitzpatrick_skin_type"); !skin_type.empty())
    history += " Fitzpatrick skin type " + skin_type + ".";
  c.profile.history_of_present_illness = history;
  if (const auto personal = row.flag("personal_hx_mm"); personal && *personal)
    c.profile.past_medical_history.push_back("Previous melanoma");
  if (const auto family = row.flag("family_hx_mm"))
    c.profile.family_history = *family ? "Melanoma in the family." : "No melanoma in the family.";

  set_minimal_persona(c);
  c.reference.diagnosis = diagnosis;
  c.reference.notes = "Imported from the ISIC Archive (" + isic_id + ").";
  if (const std::string confirm = row.known("diagnosis_confirm_type"); !confirm.empty())
    c.reference.notes += " Diagnosis confirmed by " + confirm + ".";
  set_age(c, row.age("age_approx"), row, "age_approx", out);
}

Malignancy generic_malignancy(RowReader &row, const std::string &diagnosis, bool &known) {
  known = true;
  const std::string v = lower(row.text("benign_malignant"));
  if (starts_with(v, "premalignant") || starts_with(v, "pre-malignant") ||
      starts_with(v, "precancerous"))
    return Malignancy::premalignant;
  if (starts_with(v, "malignant")) return Malignancy::malignant;
  if (starts_with(v, "benign")) return Malignancy::benign;
  if (starts_with(v, "not_applicable") || starts_with(v, "not applicable") ||
      starts_with(v, "n/a") || v == "na" || v == "normal" || v == "none")
    return Malignancy::not_applicable;
  if (v.empty())
    if (const auto named = malignancy_from_name(diagnosis)) return *named;
  known = false;
  return Malignancy::not_applicable;
}

void draft_generic(RowReader &row, CaseDraft &out) {
  Case &c = out.draft;
  out.image_column = "file";
  out.image_name = row.required("file", "the image's file name");
  const std::string diagnosis = row.required("diagnosis", "a diagnosis");

  if (const std::string id = row.text("id"); !id.empty()) {
    c.id = id;
    if (identifier_from(id) != id)
      row.report("id", "an identifier matching [a-z0-9][a-z0-9-]*", quoted(id));
  } else {
    c.id = identifier_from(file_stem(out.image_name));
    if (c.id.empty() && !out.image_name.empty())
      row.report("file", "a file name with letters or digits to make a case id from",
                 quoted(out.image_name));
  }

  bool malignancy_known = false;
  const Malignancy malignancy = generic_malignancy(row, diagnosis, malignancy_known);
  if (!malignancy_known)
    row.report("benign_malignant", "benign, premalignant, malignant or not_applicable (n/a)",
               row.text("benign_malignant").empty() ? "an empty field"
                                                    : quoted(row.text("benign_malignant")));

  Modality modality = Modality::other;
  if (const std::string m = row.known("modality"); !m.empty()) {
    if (const auto parsed = modality_from_text(m)) {
      modality = *parsed;
    } else {
      row.report("modality",
                 "a modality (clinical photo, dermoscopy, X-ray, CT, MRI, ultrasound, "
                 "histopathology, fundus, other)",
                 quoted(m));
    }
  }
  const std::string site = site_phrase(row.text("site"));

  c.images.resize(1);
  CaseImage &image = c.images[0];
  image.modality = modality;
  image.attribution = row.required("attribution", "a credit line for the image");
  const std::string license_text = row.required("license", "a license such as CC BY 4.0");
  if (!license_text.empty())
    if (auto license = license_from_text(license_text, row.text("license_url"), row, "license",
                                         "license_url")) {
      out.license = *license;
      image.license = license->id;
    }
  std::string source = row.text("source");
  const std::string dataset = row.text("dataset"), source_id = row.text("source_id");
  if (source.empty() && !dataset.empty())
    source = source_id.empty() ? dataset : dataset + ": " + source_id;
  if (source.empty()) source = source_id;
  if (source.empty()) source = row.text("obtained_from");
  if (source.empty()) source = out.image_name;
  image.source = source;

  Presentation presentation = present(modality, site, "Clinical photograph");
  if (const std::string title = row.text("title"); !title.empty()) presentation.title = title;
  if (const std::string caption = row.text("caption"); !caption.empty())
    presentation.caption = caption;
  if (const std::string category = row.text("category"); !category.empty())
    presentation.category = category;
  set_presentation(c, presentation);

  c.labels.diagnosis = diagnosis;
  c.labels.malignancy = malignancy;
  c.labels.rarity = row.rarity("rare");
  c.profile.demographics.sex = row.sex("sex");
  c.profile.history_of_present_illness = c.profile.chief_complaint;
  if (const std::string history = row.text("history"); !history.empty())
    c.profile.history_of_present_illness += " Recorded history: " + history + ".";

  set_minimal_persona(c);
  c.reference.diagnosis = diagnosis;
  c.reference.notes = "Imported from " +
                      (dataset.empty() ? std::string("a metadata table") : dataset) + " (" +
                      out.image_name + ").";
  set_age(c, row.age("age"), row, "age", out);
}

} // namespace

const char *to_string(Dataset dataset) {
  switch (dataset) {
  case Dataset::pad_ufes_20: return "pad-ufes-20";
  case Dataset::isic: return "isic";
  case Dataset::generic: return "generic";
  }
  return "generic";
}

std::optional<Dataset> parse_dataset(std::string_view name) {
  for (Dataset d : {Dataset::pad_ufes_20, Dataset::isic, Dataset::generic})
    if (name == to_string(d)) return d;
  return std::nullopt;
}

Result<Dataset> detect_dataset(const CsvTable &table, const std::string &source) {
  if (table.has_column("img_id") && table.has_column("diagnostic")) return Dataset::pad_ufes_20;
  if (table.has_column("isic_id")) return Dataset::isic;
  if (table.has_column("file") && table.has_column("diagnosis")) return Dataset::generic;
  std::string columns;
  for (const auto &name : table.header) columns += (columns.empty() ? "" : ",") + name;
  return Error{source, "line 1",
               "the header of a PAD-UFES-20 table (img_id, diagnostic, ...), an ISIC table "
               "(isic_id, ...) or the generic form (file, diagnosis, ...)",
               quoted(columns.size() > 120 ? columns.substr(0, 120) + "..." : columns)};
}

Errors missing_columns(Dataset dataset, const CsvTable &table, const std::string &source) {
  std::vector<const char *> required;
  switch (dataset) {
  case Dataset::pad_ufes_20: required = {"img_id", "diagnostic"}; break;
  case Dataset::isic: required = {"isic_id", "copyright_license"}; break;
  case Dataset::generic: required = {"file", "diagnosis", "license", "attribution"}; break;
  }
  Errors errors;
  for (const char *column : required)
    if (!table.has_column(column))
      errors.push_back({source, "line 1",
                        "a column named " + std::string(column) + " (needed for " +
                            to_string(dataset) + " tables)",
                        "none"});
  if (dataset == Dataset::isic && !table.has_column("diagnosis") &&
      !table.has_column("diagnosis_1"))
    errors.push_back({source, "line 1",
                      "a column named diagnosis or diagnosis_1 (needed for isic tables)",
                      "neither"});
  return errors;
}

std::string row_place(size_t row_number, size_t line) {
  return "row " + std::to_string(row_number) + " (line " + std::to_string(line) + ")";
}

std::string identifier_from(std::string_view text, size_t max_length) {
  std::string out;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) && u < 0x80) {
      out += char(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  if (out.size() > max_length) {
    out.resize(max_length);
    if (const size_t dash = out.find_last_of('-'); dash != std::string::npos && dash > 0)
      out.resize(dash);
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

Result<CaseDraft> draft_case(Dataset dataset, const CsvTable &table, size_t row_index,
                             const std::string &source) {
  const CsvRow &csv_row = table.rows.at(row_index);
  Errors errors;
  CaseDraft out;
  out.place = row_place(row_index + 1, csv_row.line);
  RowReader row(table, csv_row, source, out.place, errors);
  out.draft.images.resize(1);
  switch (dataset) {
  case Dataset::pad_ufes_20: draft_pad(row, out); break;
  case Dataset::isic: draft_isic(row, out); break;
  case Dataset::generic: draft_generic(row, out); break;
  }
  if (!errors.empty()) return errors;
  return out;
}

} // namespace imc::cli

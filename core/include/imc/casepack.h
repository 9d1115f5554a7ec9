#pragma once
// Case pack data model: a manifest plus one JSON document per case (docs/FORMATS.md,
// docs/schemas/case.schema.json). Parsing functions take bytes, never paths: the shells read files.
#include "imc/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc {

inline constexpr int kCasePackSchemaVersion = 1;

enum class Malignancy { benign, premalignant, malignant, not_applicable };
enum class Rarity { common, rare };
enum class Modality { clinical_photo, dermoscopy, xray, ct, mri, ultrasound, histopathology, fundus, other };
enum class HealthLiteracy { low, medium, high };
enum class Sex { female, male, intersex, unknown };

// Names as they appear in JSON ("not_applicable", "clinical_photo", ...).
const char *to_string(Malignancy v);
const char *to_string(Rarity v);
const char *to_string(Modality v);
const char *to_string(HealthLiteracy v);
const char *to_string(Sex v);
std::optional<Malignancy> parse_malignancy(std::string_view s);
std::optional<Rarity> parse_rarity(std::string_view s);
std::optional<Modality> parse_modality(std::string_view s);
std::optional<HealthLiteracy> parse_health_literacy(std::string_view s);
std::optional<Sex> parse_sex(std::string_view s);

struct LicenseInfo {
  std::string id;         // SPDX-like id: "CC-BY-4.0", "CC0-1.0"
  std::string name;       // "CC BY 4.0"
  std::string url;        // license text URL
};

struct Manifest {
  int schema_version = kCasePackSchemaVersion;
  std::string name;        // machine name, [a-z0-9-]+
  std::string title;       // human title
  std::string version;     // semantic version "1.0.0"
  std::string description;
  std::vector<LicenseInfo> licenses;  // every license used by an image in the pack
  std::vector<std::string> cases;     // relative paths of case documents ("cases/x.json")
  std::vector<std::string> transcripts; // relative paths of bundled transcripts (may be empty)
};

struct CaseImage {
  std::string file;        // path relative to the pack root ("images/x.jpg")
  std::string sha256;      // lowercase hex of the file's bytes as shipped in the pack
  Modality modality = Modality::other;
  std::string license;     // license id, must be listed in the manifest
  std::string attribution; // credit line shown under the image
  std::string source;      // where the original came from (URL or DOI)
  std::string caption;     // optional, what the image shows without giving the diagnosis away
};

struct Labels {
  std::string diagnosis;
  Malignancy malignancy = Malignancy::not_applicable;
  Rarity rarity = Rarity::common;
  std::string category;    // "dermatology", "radiology", ...
};

struct Demographics {
  int age_years = 0;
  Sex sex = Sex::unknown;
  std::string occupation;  // optional
  std::string ethnicity;   // optional (e.g. Fitzpatrick type lives in history instead)
};

struct Medication {
  std::string name;
  std::string dose;        // optional ("10 mg")
  std::string frequency;   // optional ("once daily")
};

struct Vital {
  std::string name;        // "temperature", "heart_rate", "blood_pressure", "respiratory_rate", "spo2"
  std::string value;       // "37.2", "128/82"
  std::string unit;        // "°C", "bpm", "mmHg", "/min", "%"
};

struct LabResult {
  std::string name;
  std::string value;
  std::string unit;            // optional
  std::string reference_range; // optional
  std::string flag;            // "" | "normal" | "low" | "high" | "abnormal" | "critical"
};

struct Profile {
  Demographics demographics;
  std::string chief_complaint;
  std::string history_of_present_illness;
  std::vector<std::string> past_medical_history;
  std::vector<Medication> medications;
  std::vector<std::string> allergies;  // "NKDA" is written as an empty list plus nothing else
  std::string social_history;
  std::string family_history;
  std::vector<Vital> vitals;
  std::vector<LabResult> labs;
};

struct Persona {
  std::string opening_statement;     // the patient's first message
  HealthLiteracy health_literacy = HealthLiteracy::medium;
  std::string emotional_state;       // "worried", "dismissive", ...
  std::string language;              // BCP 47 tag, "en"
  std::vector<std::string> wants;    // what the patient wants from the consultation
};

struct HiddenFact {
  std::string id;                    // unique within the case
  std::string topic;                 // what the clinician must ask about ("family history of melanoma")
  std::vector<std::string> triggers; // lowercase keywords; a clinician turn containing one asks about it
  std::string fact;                  // what the patient says once asked
};

struct JuryReference {
  std::string diagnosis;
  std::vector<std::string> red_flags;
  std::vector<std::string> recommended_next_steps;
  std::string notes;                 // optional
};

struct Case {
  int schema_version = kCasePackSchemaVersion;
  std::string id;                    // unique within the pack, [a-z0-9-]+
  std::string title;                 // short neutral title for lists ("Changing mole on the back")
  std::vector<CaseImage> images;     // at least one
  Labels labels;
  Profile profile;
  Persona persona;
  std::vector<HiddenFact> hidden_facts;
  JuryReference reference;
};

// Parse one document. `source` names it in errors. Collects every error it can find rather
// than stopping at the first; never throws on bad input.
Result<Manifest> parse_manifest(std::string_view json, std::string_view source);
Result<Case> parse_case(std::string_view json, std::string_view source);

// Canonical JSON text (2-space indent, keys in schema order, optional fields omitted when
// empty). parse(serialize(x)) == x for every valid x.
std::string serialize_manifest(const Manifest &m);
std::string serialize_case(const Case &c);

bool operator==(const Manifest &a, const Manifest &b);
bool operator==(const Case &a, const Case &b);

// Reads files of a pack relative to its root. Implemented by each shell (filesystem natively,
// fetched or dropped files in the browser) so that the core stays free of I/O.
class PackFiles {
public:
  virtual ~PackFiles() = default;
  // The bytes of `relative_path`, or an error naming the path (missing, unreadable).
  virtual Result<std::string> read(const std::string &relative_path) = 0;
};

struct CasePack {
  Manifest manifest;
  std::vector<Case> cases;           // in manifest order
  std::string content_hash;          // sha256 over the manifest and case documents (see FORMATS.md)
  const Case *find_case(std::string_view id) const;
};

struct PackLoadOptions {
  bool verify_images = false;        // read each image, check sha256 and that it decodes
};

// Loads manifest.json and every case it lists; checks cross-document rules (unique case ids,
// image licenses listed in the manifest, relative paths that stay inside the pack) and, when
// asked, each image's hash and decodability. Every problem is reported, with file and pointer.
Result<CasePack> load_case_pack(PackFiles &files, const PackLoadOptions &options = {});

} // namespace imc

#pragma once
// Rows of a dataset's metadata table turned into case documents, for `imc pack import`. No I/O:
// the caller finds, converts and hashes the images and writes the files.
//
// Three table layouts are understood (docs/CLI.md lists their columns):
//   pad-ufes-20  PAD-UFES-20's metadata.csv (img_id, diagnostic = ACK|BCC|MEL|NEV|SCC|SEK, ...)
//   isic         ISIC Archive metadata (isic_id, diagnosis or diagnosis_1..5, benign_malignant,
//   ...) generic      one row per image: file, diagnosis, benign_malignant, rare, age, sex, site,
//                history, license, license_url, attribution, modality (the format of
//                shared/casepack/metadata.csv)
// The profile built from a row is minimal but valid: demographics, a chief complaint naming the
// site, a history composed from the row's flags; no hidden facts; the jury reference holds the
// diagnosis only (red flags and next steps are left for an author).
#include "imc/casepack.h"
#include "imc/csv.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc::cli {

enum class Dataset { pad_ufes_20, isic, generic };

const char *to_string(Dataset dataset); // "pad-ufes-20", "isic", "generic"
std::optional<Dataset> parse_dataset(std::string_view name);

// The layout a table's header shows: img_id + diagnostic is PAD-UFES-20, isic_id is ISIC, file +
// diagnosis is generic. Error (at "line 1") when none fits.
Result<Dataset> detect_dataset(const CsvTable &table, const std::string &source);

// The columns `dataset` needs that the table lacks, one error each at "line 1".
Errors missing_columns(Dataset dataset, const CsvTable &table, const std::string &source);

// "row 4 (line 5)": how messages name a data row (1-based, header not counted) and the line of
// the file where it starts.
std::string row_place(size_t row_number, size_t line);

struct CaseDraft {
  std::string place;           // row_place() of the row
  std::string image_column;    // the column that names the image ("img_id", "isic_id", "file")
  std::string image_name;      // file name (or, generic, path) to look for in the images folder
  Case draft;                  // complete except images[0].file and images[0].sha256
  LicenseInfo license;         // the image's license as the manifest lists it
  std::vector<Error> warnings; // kept going, but the user should know (age not recorded)
};

// Maps the row at `row_index` of `table`. Errors name `source`, the row and the column, e.g.
// "metadata.csv: row 4 (line 5), column diagnostic: expected one of ACK|BCC|MEL|NEV|SCC|SEK,
// found \"XYZ\"". Every bad field of the row is reported.
Result<CaseDraft> draft_case(Dataset dataset, const CsvTable &table, size_t row_index,
                             const std::string &source);

// Lowercase identifier made of `text`: runs of other characters become one '-'
// ("PAT_46_881_939" -> "pat-46-881-939"); at most `max_length` characters, cut at a '-' boundary.
std::string identifier_from(std::string_view text, size_t max_length = 64);

} // namespace imc::cli

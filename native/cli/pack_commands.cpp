// imc pack validate | info | import: checking, describing and building case packs.
#include "cli.h"
#include "pack_checks.h"
#include "pack_import.h"

#include "imc/casepack.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

namespace imc::cli {

namespace {

using Json = nlohmann::ordered_json;

int report_folder_problem(const char *command, const std::string &folder) {
  if (const auto problem = pack_folder_problem(folder)) {
    std::fprintf(stderr, "%s: %s\n", command, problem->c_str());
    return kExitBadInput;
  }
  return kExitOk;
}

int run_validate(const std::string &folder) {
  if (const int code = report_folder_problem("imc pack validate", folder)) return code;
  const PackReport report = validate_pack_folder(folder);
  if (!report.errors.empty()) {
    for (const auto &e : report.errors) std::fprintf(stderr, "%s\n", e.message().c_str());
    std::fprintf(stderr, "imc pack validate: %zu problem%s in %s\n", report.errors.size(),
                 report.errors.size() == 1 ? "" : "s", folder.c_str());
    return kExitBadInput;
  }
  std::printf("%s: OK — %zu case%s, %zu transcript%s, %zu image%s verified\n", folder.c_str(),
              report.cases, report.cases == 1 ? "" : "s", report.transcripts,
              report.transcripts == 1 ? "" : "s", report.images, report.images == 1 ? "" : "s");
  return kExitOk;
}

// The modalities of a case's images, each once, in the order they first appear.
std::vector<std::string> modalities_of(const Case &c) {
  std::vector<std::string> out;
  for (const auto &image : c.images)
    if (std::find(out.begin(), out.end(), to_string(image.modality)) == out.end())
      out.push_back(to_string(image.modality));
  return out;
}

struct PackCounts {
  std::map<std::string, size_t> malignancy, rarity, modality;
};

PackCounts count(const CasePack &pack) {
  PackCounts counts;
  for (const auto &c : pack.cases) {
    ++counts.malignancy[to_string(c.labels.malignancy)];
    ++counts.rarity[to_string(c.labels.rarity)];
    for (const auto &m : modalities_of(c)) ++counts.modality[m]; // once per modality it shows
  }
  return counts;
}

// Display width of UTF-8 text: one column per code point (the diagnoses are Latin text).
size_t width_of(const std::string &s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string padded(const std::string &s, size_t width) {
  const size_t w = width_of(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string joined(const std::vector<std::string> &items, const char *separator) {
  std::string out;
  for (const auto &item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string counts_line(const std::map<std::string, size_t> &counts) {
  std::string out;
  for (const auto &[name, n] : counts)
    out += (out.empty() ? "" : ", ") + name + " " + std::to_string(n);
  return out;
}

void print_info_text(const CasePack &pack) {
  const Manifest &m = pack.manifest;
  std::printf("Name:         %s\n", m.name.c_str());
  std::printf("Title:        %s\n", m.title.c_str());
  std::printf("Version:      %s\n", m.version.c_str());
  std::printf("Content hash: %s\n", pack.content_hash.c_str());
  std::printf("Licenses:\n");
  for (const auto &l : m.licenses)
    std::printf("  %s  %s <%s>\n", l.id.c_str(), l.name.c_str(), l.url.c_str());
  std::printf("Transcripts:  %zu\n", m.transcripts.size());
  std::printf("\nCases (%zu):\n", pack.cases.size());

  const std::vector<std::string> header{"ID",       "DIAGNOSIS", "MALIGNANCY",  "RARITY",
                                        "MODALITY", "IMAGES",    "HIDDEN FACTS"};
  std::vector<std::vector<std::string>> rows;
  for (const auto &c : pack.cases)
    rows.push_back({c.id, c.labels.diagnosis, to_string(c.labels.malignancy),
                    to_string(c.labels.rarity), joined(modalities_of(c), "+"),
                    std::to_string(c.images.size()), std::to_string(c.hidden_facts.size())});
  std::vector<size_t> widths;
  for (const auto &h : header) widths.push_back(width_of(h));
  for (const auto &row : rows)
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], width_of(row[i]));
  auto print_row = [&](const std::vector<std::string> &row) {
    std::string line = " ";
    for (size_t i = 0; i < row.size(); ++i)
      line += " " + (i + 1 == row.size() ? row[i] : padded(row[i], widths[i]) + " ");
    std::printf("%s\n", line.c_str());
  };
  print_row(header);
  for (const auto &row : rows) print_row(row);

  const PackCounts counts = count(pack);
  std::printf("\nBy malignancy: %s\n", counts_line(counts.malignancy).c_str());
  std::printf("By rarity:     %s\n", counts_line(counts.rarity).c_str());
  std::printf("By modality:   %s\n", counts_line(counts.modality).c_str());
}

Json info_json(const CasePack &pack) {
  const Manifest &m = pack.manifest;
  Json j = Json::object();
  j["name"] = m.name;
  j["title"] = m.title;
  j["version"] = m.version;
  j["description"] = m.description;
  j["content_hash"] = pack.content_hash;
  Json licenses = Json::array();
  for (const auto &l : m.licenses)
    licenses.push_back({{"id", l.id}, {"name", l.name}, {"url", l.url}});
  j["licenses"] = std::move(licenses);
  j["transcripts"] = m.transcripts.size();
  Json cases = Json::array();
  for (size_t i = 0; i < pack.cases.size(); ++i) {
    const Case &c = pack.cases[i];
    cases.push_back({{"id", c.id},
                     {"file", m.cases[i]},
                     {"title", c.title},
                     {"diagnosis", c.labels.diagnosis},
                     {"malignancy", to_string(c.labels.malignancy)},
                     {"rarity", to_string(c.labels.rarity)},
                     {"modalities", modalities_of(c)},
                     {"images", c.images.size()},
                     {"hidden_facts", c.hidden_facts.size()}});
  }
  j["cases"] = std::move(cases);
  const PackCounts counts = count(pack);
  j["counts"] = {{"cases", pack.cases.size()},
                 {"malignancy", counts.malignancy},
                 {"rarity", counts.rarity},
                 {"modality", counts.modality}};
  return j;
}

int run_info(const std::string &folder, bool as_json) {
  if (const int code = report_folder_problem("imc pack info", folder)) return code;
  auto pack = load_pack_folder(folder, false);
  if (!pack) {
    for (const auto &e : pack.errors()) std::fprintf(stderr, "%s\n", e.message().c_str());
    std::fprintf(stderr,
                 "imc pack info: %s does not load; `imc pack validate %s` checks it in full\n",
                 folder.c_str(), folder.c_str());
    return kExitBadInput;
  }
  if (as_json)
    std::printf("%s\n", info_json(*pack).dump(2).c_str());
  else
    print_info_text(*pack);
  return kExitOk;
}

} // namespace

void register_pack_commands(CLI::App &app, CommandAction &chosen) {
  CLI::App *pack = app.add_subcommand("pack", "Check, describe and build case packs");
  pack->require_subcommand(1);

  auto folder = std::make_shared<std::string>();
  CLI::App *validate = pack->add_subcommand(
      "validate",
      "Check a case pack completely: manifest, every case document, every image (SHA-256 and "
      "that it decodes) and every bundled transcript. Prints each problem as FILE: /pointer: "
      "expected X, found Y; exit 0 when valid, 2 when not");
  validate->add_option("DIR", *folder, "Case-pack folder (the one holding manifest.json)")
      ->required();
  validate->callback([folder, &chosen] { chosen = [folder] { return run_validate(*folder); }; });

  auto info_folder = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  CLI::App *info = pack->add_subcommand(
      "info", "Describe a case pack: name, version, content hash, licenses, a table of its cases "
              "and counts by malignancy, rarity and modality");
  info->add_option("DIR", *info_folder, "Case-pack folder (the one holding manifest.json)")
      ->required();
  info->add_flag("--json", *as_json, "Print the same as one JSON object");
  info->callback([info_folder, as_json, &chosen] {
    chosen = [info_folder, as_json] { return run_info(*info_folder, *as_json); };
  });

  auto options = std::make_shared<ImportOptions>();
  CLI::App *import = pack->add_subcommand(
      "import",
      "Build a case pack from a dataset's metadata table (PAD-UFES-20, ISIC or the generic "
      "form) and its images: images re-encoded as JPEG, one case per row with a minimal "
      "profile built from the row. Writes nothing unless every row imports");
  import->add_option("--metadata", options->metadata, "Metadata table (CSV)")->required();
  import
      ->add_option("--images", options->images, "Folder holding the images (searched recursively)")
      ->required();
  import->add_option("--out", options->out, "Pack folder to create")->required();
  import
      ->add_option("--max-side", options->max_side,
                   "Longest side of the written images in pixels (smaller ones stay as they are)")
      ->capture_default_str()
      ->check(CLI::Range(16, 16384));
  import->add_option("--quality", options->quality, "JPEG quality of the written images")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  import->add_option("--name", options->name,
                     "Manifest name, [a-z0-9][a-z0-9-]* (default: from the --out folder's name)");
  import->add_option("--title", options->title,
                     "Manifest title (default: \"Imported from <table file>\")");
  import
      ->add_option("--dataset", options->dataset,
                   "Layout of the table; auto detects it from the header")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "pad-ufes-20", "isic", "generic"}));
  import->add_flag("--force", options->force, "Replace --out if it exists and is not empty");
  import->callback([options, &chosen] { chosen = [options] { return run_pack_import(*options);
};
} // namespace imc::cli
);
}

} // namespace imc::cli

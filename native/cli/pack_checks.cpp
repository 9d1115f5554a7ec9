#include "pack_checks.h"

#include "fs_pack_files.h"

#include <filesystem>
#include <set>

namespace imc::cli {

namespace fs = std::filesystem;

namespace {

std::string quoted(const std::string &s) { return "\"" + s + "\""; }

std::string joined(const std::vector<std::string> &items, const char *separator) {
  std::string out;
  for (const auto &item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

} // namespace

std::optional<std::string> pack_folder_problem(const std::string &folder) {
  std::error_code ec;
  const fs::path root(folder);
  if (!fs::exists(root, ec))
    return folder + ": no such folder; give the folder of a case pack (the one holding "
                    "manifest.json), such as assets/demo";
  if (!fs::is_directory(root, ec))
    return folder + ": not a folder; give the folder of a case pack (the one holding "
                    "manifest.json), not a file in it";
  if (!fs::exists(root / "manifest.json", ec))
    return display_folder(folder) +
           "/manifest.json: no such file; a case pack is a folder with manifest.json, cases/ "
           "and images/ (docs/FORMATS.md); make one from a dataset with `imc pack import`";
  return std::nullopt;
}

Result<CasePack> load_pack_folder(const std::string &folder, bool verify_images) {
  FsPackFiles files(folder);
  PackLoadOptions options;
  options.verify_images = verify_images;
  auto pack = load_case_pack(files, options);
  if (!pack) return with_folder(pack.errors(), folder);
  return pack;
}

void check_transcript_against_pack(const Transcript &transcript, const CasePack &pack,
                                   const std::string &source, Errors &errors) {
  if (!transcript.pack_hash.empty() && transcript.pack_hash != pack.content_hash)
    errors.push_back({source, "/pack_hash",
                      "the content hash of pack " + pack.manifest.name + " (" + pack.content_hash +
                          ") or an empty string",
                      quoted(transcript.pack_hash)});
  const Case *c = pack.find_case(transcript.case_id);
  if (!c) {
    std::vector<std::string> ids;
    for (const auto &known : pack.cases) ids.push_back(known.id);
    errors.push_back(
        {source, "/case_id",
         "the id of a case in pack " + pack.manifest.name + " (" + joined(ids, "|") + ")",
         quoted(transcript.case_id)});
    return;
  }
  std::vector<std::string> files;
  for (const auto &image : c->images) files.push_back(image.file);
  for (size_t t = 0; t < transcript.turns.size(); ++t) {
    const auto &images = transcript.turns[t].images;
    for (size_t i = 0; i < images.size(); ++i) {
      bool known = false;
      for (const auto &file : files) known = known || file == images[i];
      if (!known)
        errors.push_back({source, "/turns/" + std::to_string(t) + "/images/" + std::to_string(i),
                          "an image of case " + c->id + " (" + joined(files, "|") + ")",
                          quoted(images[i])});
    }
  }
}

PackReport validate_pack_folder(const std::string &folder) {
  PackReport report;
  FsPackFiles files(folder);
  PackLoadOptions options;
  options.verify_images = true;
  auto pack = load_case_pack(files, options);
  if (!pack) report.errors = with_folder(pack.errors(), folder);

  // The transcripts are checked even when the pack is broken: their own format errors are worth
  // reporting in the same pass. The manifest is read again for their paths only if it parses.
  std::vector<std::string> transcript_paths;
  if (pack) {
    transcript_paths = pack->manifest.transcripts;
  } else if (auto text = files.read("manifest.json")) {
    if (auto manifest = parse_manifest(*text, "manifest.json"))
      transcript_paths = manifest->transcripts;
  }
  for (size_t index = 0; index < transcript_paths.size(); ++index) {
    const std::string &path = transcript_paths[index];
    const std::string shown = files.display_path(path);
    auto text = files.read(path);
    if (!text) {
      report.errors.push_back({files.display_path("manifest.json"),
                               "/transcripts/" + std::to_string(index),
                               "a readable transcript file", text.errors().front().message()});
      continue;
    }
    auto transcript = parse_transcript(*text, shown);
    if (!transcript) {
      report.errors.insert(report.errors.end(), transcript.errors().begin(),
                           transcript.errors().end());
      continue;
    }
    if (pack) check_transcript_against_pack(*transcript, *pack, shown, report.errors);
  }

  if (pack) {
    std::set<std::string> images;
    for (const auto &c : pack->cases)
      for (const auto &image : c.images) images.insert(image.file);
    report.cases = pack->cases.size();
    report.images = images.size();
  }
  report.transcripts = transcript_paths.size();
  return report;
}

} // namespace imc::cli

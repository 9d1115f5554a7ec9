// load_case_pack: reads a whole pack through PackFiles and checks the rules that span documents.
#include "casepack_reading.h"
#include "imc/casepack.h"
#include "imc/sha256.h"

#include <stb_image.h>

#include <climits>
#include <map>
#include <set>

namespace imc {

namespace {

constexpr const char *kManifestPath = "manifest.json";

// FORMATS.md, "Pack content hash": path, NUL, bytes, NUL for the manifest and then each case.
void hash_document(Sha256 &hash, const std::string &path, const std::string &bytes) {
  hash.update(path);
  hash.update("", 1);
  hash.update(bytes);
  hash.update("", 1);
}

std::string quoted(const std::string &s) { return "\"" + s + "\""; }

// The first error of a failed read, for a message that also names the referring document.
std::string read_failure(const Errors &errors) {
  return errors.empty() ? std::string("unreadable") : errors.front().message();
}

struct ImageCheck {
  std::string sha256;  // of the bytes read; empty when unreadable
  std::string problem; // why it does not decode; empty when it does
  std::string read_error;
};

ImageCheck check_image(PackFiles &files, const std::string &path) {
  ImageCheck check;
  auto bytes = files.read(path);
  if (!bytes) {
    check.read_error = read_failure(bytes.errors());
    return check;
  }
  check.sha256 = sha256_hex(*bytes);
  if (bytes->size() > size_t(INT_MAX)) {
    check.problem = "a file too large to decode";
    return check;
  }
  const auto *data = reinterpret_cast<const stbi_uc *>(bytes->data());
  const int size = int(bytes->size());
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(data, size, &width, &height, &channels)) {
    check.problem = "bytes that are not an image";
    return check;
  }
  // The header alone does not show truncation or corruption: decode the pixels too.
  stbi_uc *pixels = stbi_load_from_memory(data, size, &width, &height, &channels, 0);
  if (!pixels) {
    const char *reason = stbi_failure_reason();
    check.problem = std::string("an image that does not decode") +
                    (reason ? std::string(" (") + reason + ")" : std::string());
    return check;
  }
  stbi_image_free(pixels);
  return check;
}

void verify_images(PackFiles &files, const std::vector<std::pair<std::string, Case>> &cases,
                   Errors &errors) {
  std::map<std::string, ImageCheck> checked; // an image shared by cases is read once
  for (const auto &[case_path, c] : cases) {
    for (size_t i = 0; i < c.images.size(); ++i) {
      const CaseImage &image = c.images[i];
      if (image.file.empty())
        continue; // an invalid path was reported when parsing
      auto it = checked.find(image.file);
      if (it == checked.end())
        it = checked.emplace(image.file, check_image(files, image.file)).first;
      const ImageCheck &check = it->second;
      const std::string pointer = "/images/" + std::to_string(i);
      if (!check.read_error.empty()) {
        errors.push_back({case_path, pointer + "/file", "a readable image file", check.read_error});
        continue;
      }
      if (!image.sha256.empty() && check.sha256 != image.sha256)
        errors.push_back({case_path, pointer + "/sha256",
                          "the SHA-256 of " + image.file + " (" + check.sha256 + ")",
                          quoted(image.sha256)});
      if (!check.problem.empty())
        errors.push_back({case_path, pointer + "/file",
                          "an image file that decodes (PNG, JPEG, ...)",
                          quoted(image.file) + ", " + check.problem});
    }
  }
}

} // namespace

const Case *CasePack::find_case(std::string_view id) const {
  for (const auto &c : cases)
    if (c.id == id)
      return &c;
  return nullptr;
}

Result<CasePack> load_case_pack(PackFiles &files, const PackLoadOptions &options) {
  Errors errors;
  auto manifest_text = files.read(kManifestPath);
  if (!manifest_text) {
    if (manifest_text.errors().empty())
      return Error{kManifestPath, "", "a readable file", "unreadable"};
    return manifest_text.errors();
  }
  Sha256 content_hash;
  hash_document(content_hash, kManifestPath, *manifest_text);
  CasePack pack;
  // A manifest with errors still lists cases worth checking: report their problems too.
  pack.manifest = detail::read_manifest(*manifest_text, kManifestPath, errors);

  std::set<std::string> licenses;
  std::string license_list;
  for (const auto &l : pack.manifest.licenses) {
    if (l.id.empty())
      continue;
    licenses.insert(l.id);
    license_list += (license_list.empty() ? "" : "|") + l.id;
  }

  std::vector<std::pair<std::string, Case>> loaded; // case path, case
  std::map<std::string, std::string> path_of_id;
  for (size_t index = 0; index < pack.manifest.cases.size(); ++index) {
    const std::string &path = pack.manifest.cases[index];
    auto text = files.read(path);
    if (!text) {
      errors.push_back({kManifestPath, "/cases/" + std::to_string(index), "a readable case file",
                        read_failure(text.errors())});
      continue;
    }
    hash_document(content_hash, path, *text);
    Case c = detail::read_case(*text, path, errors);

    if (!c.id.empty()) {
      const auto [it, inserted] = path_of_id.emplace(c.id, path);
      if (!inserted)
        errors.push_back({path, "/id", "a case id unique in the pack",
                          quoted(c.id) + " (also the id of " + it->second + ")"});
    }
    for (size_t i = 0; i < c.images.size(); ++i) {
      const std::string &license = c.images[i].license;
      if (!license.empty() && !licenses.count(license))
        errors.push_back({path, "/images/" + std::to_string(i) + "/license",
                          "a license listed in " + std::string(kManifestPath) + " (" +
                              (license_list.empty() ? std::string("none listed") : license_list) +
                              ")",
                          quoted(license)});
    }
    loaded.emplace_back(path, std::move(c));
  }

  if (options.verify_images)
    verify_images(files, loaded, errors);
  if (!errors.empty())
    return errors;

  for (auto &entry : loaded)
    pack.cases.push_back(std::move(entry.second));
  const auto digest = content_hash.finish();
  pack.content_hash = "sha256:" + to_hex(digest.data(), digest.size());
  return pack;
}

} // namespace imc

#include "pack_import.h"

#include "cli.h"
#include "dataset_rows.h"
#include "fs_pack_files.h"
#include "pack_checks.h"
#include "progress_bar.h"

#include "imc/casepack.h"
#include "imc/csv.h"
#include "imc/image_fit.h"
#include "imc/sha256.h"

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <unistd.h>

namespace imc::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char *kCommand = "imc pack import";

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

// Ctrl-C during an import stops at the next row, so the staging folder can be removed.
class InterruptGuard {
public:
  InterruptGuard() {
    g_interrupted = 0;
    previous_ = std::signal(SIGINT, on_interrupt);
  }
  ~InterruptGuard() { std::signal(SIGINT, previous_); }
  InterruptGuard(const InterruptGuard &) = delete;
  InterruptGuard &operator=(const InterruptGuard &) = delete;

private:
  void (*previous_)(int);
};

std::string lower(std::string s) {
  for (char &c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool has_image_extension(const fs::path &path) {
  static const char *const kExtensions[] = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tga"};
  const std::string ext = lower(path.extension().string());
  for (const char *known : kExtensions)
    if (ext == known) return true;
  return false;
}

void print_errors(const Errors &errors) {
  for (const auto &e : errors) std::fprintf(stderr, "%s\n", e.message().c_str());
}

int bad_input(const std::string &message) {
  std::fprintf(stderr, "%s: %s\n", kCommand, message.c_str());
  return kExitBadInput;
}

// The images under a folder (searched recursively, as datasets ship them split into parts),
// by file name and by lowercase stem.
class ImageIndex {
public:
  explicit ImageIndex(fs::path root) : root_(std::move(root)) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      const fs::path &path = it->path();
      by_name_[path.filename().string()].push_back(path);
      if (has_image_extension(path)) by_stem_[lower(path.stem().string())].push_back(path);
    }
  }

  // The files `name` can mean: the path under the root if it is one; else the files with that
  // exact name; else the images whose stem is the name's stem, whatever their extension.
  std::vector<fs::path> find(const std::string &name) const {
    if (name.empty()) return {};
    std::error_code ec;
    const fs::path direct = root_ / name;
    if (name.find("..") == std::string::npos && fs::is_regular_file(direct, ec) &&
        is_within(root_, direct))
      return {direct};
    if (auto it = by_name_.find(fs::path(name).filename().string()); it != by_name_.end())
      return it->second;
    const fs::path as_path(name);
    const std::string stem =
        has_image_extension(as_path) ? as_path.stem().string() : as_path.filename().string();
    if (auto it = by_stem_.find(lower(stem)); it != by_stem_.end()) return it->second;
    return {};
  }

  std::string root_display() const { return display_folder(root_.string()); }
  std::string display(const fs::path &path) const {
    return display_folder(root_.string()) + "/" + path.lexically_relative(root_).generic_string();
  }

private:
  fs::path root_;
  std::map<std::string, std::vector<fs::path>> by_name_;
  std::map<std::string, std::vector<fs::path>> by_stem_;
};

// OUT.tmp-<pid> beside OUT; removed on every way out unless committed.
class StagingFolder {
public:
  explicit StagingFolder(const fs::path &out)
      : out_(out), path_(out.string() + ".tmp-" + std::to_string(getpid())) {}
  ~StagingFolder() {
    std::error_code ec;
    if (!committed_) fs::remove_all(path_, ec);
  }
  StagingFolder(const StagingFolder &) = delete;
  StagingFolder &operator=(const StagingFolder &) = delete;

  const fs::path &path() const { return path_; }

  std::string create() {
    std::error_code ec;
    fs::remove_all(path_, ec);
    fs::create_directories(path_ / "images", ec);
    if (!ec) fs::create_directories(path_ / "cases", ec);
    return ec ? "cannot create " + path_.string() + ": " + ec.message() : "";
  }

  // Moves the staged pack to OUT, replacing what is there (the caller checked it may).
  std::string commit() {
    std::error_code ec;
    fs::path previous;
    if (fs::exists(out_, ec)) {
      previous = out_.string() + ".old-" + std::to_string(getpid());
      fs::rename(out_, previous, ec);
      if (ec) return "cannot move the old " + out_.string() + " aside: " + ec.message();
    }
    fs::rename(path_, out_, ec);
    if (ec) {
      std::error_code restore;
      if (!previous.empty()) fs::rename(previous, out_, restore);
      return "cannot move " + path_.string() + " to " + out_.string() + ": " + ec.message();
    }
    committed_ = true;
    if (!previous.empty()) fs::remove_all(previous, ec);
    return "";
  }

private:
  fs::path out_;
  fs::path path_;
  bool committed_ = false;
};

std::string write_file(const fs::path &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  out.close();
  return out ? "" : "cannot write " + path.string();
}

// Why OUT cannot be written (a file, or a non-empty folder without --force), or "".
std::string out_problem(const fs::path &out, const std::string &shown, bool force) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return "";
  if (!fs::is_directory(out, ec)) return shown + " exists and is not a folder";
  if (!force && !fs::is_empty(out, ec))
    return shown + " exists and is not empty; pass --force to replace it, or choose another --out";
  return "";
}

std::string megabytes(uintmax_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / 1e6);
  return buf;
}

struct ImportState {
  std::vector<Case> cases;
  std::vector<LicenseInfo> licenses;              // in order of first use
  std::map<std::string, std::string> place_of_id; // case id -> row that made it
  Errors errors;
  Errors warnings;
  uintmax_t image_bytes = 0;
};

void add_license(ImportState &state, const LicenseInfo &license) {
  for (const auto &known : state.licenses)
    if (known.id == license.id) return;
  state.licenses.push_back(license);
}

// One row: its case, its image converted into the staging folder. Errors go to state.errors;
// once there are any, rows are still checked but nothing more is written.
void import_row(const CsvTable &table, size_t index, Dataset dataset, const std::string &source,
                const ImageIndex &images, const ImageLimits &limits, const fs::path &staging,
                ImportState &state) {
  auto drafted = draft_case(dataset, table, index, source);
  if (!drafted) {
    state.errors.insert(state.errors.end(), drafted.errors().begin(), drafted.errors().end());
    return;
  }
  CaseDraft &row = *drafted;
  state.warnings.insert(state.warnings.end(), row.warnings.begin(), row.warnings.end());
  auto row_error = [&](const std::string &column, std::string expected, std::string found) {
    state.errors.push_back(
        {source, row.place + ", column " + column, std::move(expected), std::move(found)});
  };

  const std::string id_column = table.has_column("id") ? "id" : row.image_column;
  const auto [it, fresh] = state.place_of_id.emplace(row.draft.id, row.place);
  if (!fresh)
    row_error(id_column, "a row making a case id of its own",
              "\"" + row.draft.id + "\", also made by " + it->second);

  const auto matches = images.find(row.image_name);
  if (matches.empty()) {
    row_error(row.image_column,
              "an image named " + row.image_name + " in " + images.root_display() +
                  " (any of its subfolders; .jpg, .jpeg or .png may stand for the extension)",
              "none");
    return;
  }
  if (matches.size() > 1) {
    row_error(row.image_column, "one image named " + row.image_name,
              std::to_string(matches.size()) + " (" + images.display(matches[0]) + ", " +
                  images.display(matches[1]) + (matches.size() > 2 ? ", ..." : "") + ")");
    return;
  }
  const std::string shown = images.display(matches[0]);
  auto bytes = read_whole_file(matches[0], shown);
  if (!bytes) {
    row_error(row.image_column, "a readable image file", bytes.errors().front().message());
    return;
  }
  auto fitted = fit_image(*bytes, limits, shown);
  if (!fitted) {
    row_error(row.image_column, "an image file that decodes (JPEG, PNG or GIF)",
              fitted.errors().front().message());
    return;
  }
  if (!state.errors.empty()) return;

  const std::string image_path = "images/" + row.draft.id + ".jpg";
  if (const std::string problem = write_file(staging / image_path, fitted->bytes); !problem.empty())
    throw std::runtime_error(problem);
  state.image_bytes += fitted->bytes.size();
  CaseImage &image = row.draft.images[0];
  image.file = image_path;
  image.sha256 = sha256_hex(fitted->bytes);
  add_license(state, row.license);
  const std::string case_path = "cases/" + row.draft.id + ".json";
  if (const std::string problem = write_file(staging / case_path, serialize_case(row.draft));
      !problem.empty())
    throw std::runtime_error(problem);
  state.cases.push_back(std::move(row.draft));
}

Manifest make_manifest(const ImportOptions &options, const fs::path &out, Dataset dataset,
                       const ImportState &state) {
  Manifest m;
  m.name = options.name;
  if (m.name.empty()) m.name = identifier_from(out.filename().string());
  if (m.name.empty()) m.name = "imported-pack";
  const std::string table = fs::path(options.metadata).filename().string();
  m.title = options.title.empty() ? "Imported from " + table : options.title;
  m.version = "1.0.0";
  m.description = "Imported by `imc pack import` from " + table + " (" + to_string(dataset) +
                  " table). The profiles are minimal, built from the table's fields only; hidden "
                  "facts, red flags and next steps are left for an author to write.";
  m.licenses = state.licenses;
  for (const auto &c : state.cases) m.cases.push_back("cases/" + c.id + ".json");
  return m;
}

} // namespace

int run_pack_import(const ImportOptions &options) {
  const auto started = std::chrono::steady_clock::now();
  if (!options.name.empty() && identifier_from(options.name) != options.name)
    return bad_input("--name \"" + options.name +
                     "\": expected an identifier matching [a-z0-9][a-z0-9-]*");
  std::optional<Dataset> forced;
  if (options.dataset != "auto") {
    forced = parse_dataset(options.dataset);
    if (!forced)
      return bad_input("--dataset \"" + options.dataset +
                       "\": expected auto, pad-ufes-20, isic or generic");
  }

  // The table first: a mistake there is the likeliest and the cheapest to report.
  const std::string source = options.metadata;
  auto text = read_whole_file(options.metadata, source);
  if (!text) {
    print_errors(text.errors());
    return bad_input("--metadata needs the dataset's metadata table (a .csv file)");
  }
  auto table = parse_csv(*text, source);
  if (!table) {
    print_errors(table.errors());
    return kExitBadInput;
  }
  Dataset dataset = Dataset::generic;
  if (forced) {
    dataset = *forced;
  } else if (auto detected = detect_dataset(*table, source)) {
    dataset = *detected;
  } else {
    print_errors(detected.errors());
    return bad_input(
        "name the layout with --dataset pad-ufes-20|isic|generic if it is one of them");
  }
  if (Errors missing = missing_columns(dataset, *table, source); !missing.empty()) {
    print_errors(missing);
    return kExitBadInput;
  }
  if (table->rows.empty())
    return bad_input(source + ": no rows below the header; nothing to import");

  std::error_code ec;
  if (!fs::is_directory(options.images, ec))
    return bad_input(options.images + ": no such folder; --images needs the folder holding the "
                                      "dataset's image files");
  // Absolute and without a trailing slash, so "OUT.tmp-<pid>" is a sibling even for "." or "x/".
  fs::path out = fs::absolute(options.out, ec).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();
  const std::string shown_out = display_folder(options.out);
  if (const std::string problem = out_problem(out, shown_out, options.force); !problem.empty())
    return bad_input(problem);
  if (!out.parent_path().empty()) fs::create_directories(out.parent_path(), ec);

  StagingFolder staging(out);
  if (const std::string problem = staging.create(); !problem.empty()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, problem.c_str());
    return kExitInternal;
  }

  ImageLimits limits;
  limits.max_bytes = std::numeric_limits<int64_t>::max();
  limits.max_long_side = options.max_side;
  limits.accepted = {}; // always re-encode: one format, one quality, no camera metadata
  limits.jpeg_quality = options.quality;

  const ImageIndex images{fs::path(options.images)};
  ImportState state;
  {
    InterruptGuard interrupt;
    ProgressBar progress("rows", table->rows.size(), ProgressBar::stderr_is_terminal());
    for (size_t i = 0; i < table->rows.size() && !g_interrupted; ++i) {
      import_row(*table, i, dataset, source, images, limits, staging.path(), state);
      progress.update(i + 1);
    }
    progress.finish();
    if (g_interrupted) {
      std::fprintf(stderr, "%s: interrupted; nothing written to %s\n", kCommand, shown_out.c_str());
      return kExitInternal;
    }
  }

  for (const auto &w : state.warnings) std::fprintf(stderr, "warning: %s\n", w.message().c_str());
  if (!state.errors.empty()) {
    print_errors(state.errors);
    std::fprintf(stderr, "%s: %zu problem%s in %s; nothing written to %s\n", kCommand,
                 state.errors.size(), state.errors.size() == 1 ? "" : "s", source.c_str(),
                 shown_out.c_str());
    return kExitBadInput;
  }

  const Manifest manifest = make_manifest(options, out, dataset, state);
  if (const std::string problem =
          write_file(staging.path() / "manifest.json", serialize_manifest(manifest));
      !problem.empty()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, problem.c_str());
    return kExitInternal;
  }
  // What was written must load: a failure here is a bug in the import, not in the input.
  if (auto check = load_pack_folder(staging.path().string(), false); !check) {
    print_errors(check.errors());
    std::fprintf(stderr, "%s: internal error: the imported pack does not validate\n", kCommand);
    return kExitInternal;
  }
  if (const std::string problem = staging.commit(); !problem.empty()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, problem.c_str());
    return kExitInternal;
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%s: %zu cases from %s (%s table) written to %s: %zu images (%s, long side <= %d "
              "px), %zu license%s, %.1f s\n",
              kCommand, state.cases.size(), source.c_str(), to_string(dataset), shown_out.c_str(),
              state.cases.size(), megabytes(state.image_bytes).c_str(), options.max_side,
              manifest.licenses.size(), manifest.licenses.size() == 1 ? "" : "s", seconds);
  return kExitOk;
}

} // namespace imc::cli

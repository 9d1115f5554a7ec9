#include "fs_pack_files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace imc::cli {

namespace fs = std::filesystem;

namespace {

// Lexically inside the pack: relative, '/'-separated, no empty, "." or ".." segment.
bool is_plain_relative_path(const std::string &path) {
  if (path.empty() || path.front() == '/' || path.find('\\') != std::string::npos) return false;
  size_t begin = 0;
  for (;;) {
    const size_t end = path.find('/', begin);
    const std::string segment = path.substr(begin, end == std::string::npos ? end : end - begin);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (end == std::string::npos) return true;
    begin = end + 1;
  }
}

Error file_error(const std::string &name, std::string found) {
  return Error{name, "", "", std::move(found)};
}

// Reads a regular file after the caller decided it may; `name` is used in errors.
Result<std::string> read_regular_file(const fs::path &path, const std::string &name) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return file_error(name, "no such file");
  if (fs::is_directory(status)) return file_error(name, "a folder, not a file");
  if (!fs::is_regular_file(status)) return file_error(name, "not a regular file");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return file_error(name, "unreadable (" + ec.message() + ")");
  if (size > kMaxPackFileBytes)
    return Error{name, "", "at most " + std::to_string(kMaxPackFileBytes) + " bytes",
                 std::to_string(size) + " bytes"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error(name, std::string("unreadable (") + std::strerror(errno) + ")");
  std::string bytes;
  bytes.resize(size_t(size));
  in.read(bytes.data(), std::streamsize(size));
  if (in.gcount() != std::streamsize(size)) {
    // The file changed under us; take what is there now.
    in.clear();
    in.seekg(0);
    std::ostringstream all;
    all << in.rdbuf();
    bytes = all.str();
  }
  if (in.bad()) return file_error(name, "unreadable (read error)");
  return bytes;
}

} // namespace

bool is_within(const fs::path &root, const fs::path &path) {
  std::error_code ec;
  const fs::path canonical_root = fs::canonical(root, ec);
  if (ec) return false;
  const fs::path canonical_path = fs::canonical(path, ec);
  if (ec) return false;
  auto r = canonical_root.begin();
  auto p = canonical_path.begin();
  for (; r != canonical_root.end(); ++r, ++p)
    if (p == canonical_path.end() || *p != *r) return false;
  return true;
}

FsPackFiles::FsPackFiles(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  canonical_root_ = fs::canonical(root_, ec);
  if (ec) canonical_root_.clear();
}

std::string FsPackFiles::display_path(const std::string &relative_path) const {
  const std::string folder = display_folder(root_.string());
  return folder == "." ? relative_path : folder + "/" + relative_path;
}

Result<std::string> FsPackFiles::read(const std::string &relative_path) {
  if (!is_plain_relative_path(relative_path))
    return Error{relative_path, "", "a path inside the pack", "a path that leaves it"};
  if (canonical_root_.empty())
    return file_error(relative_path, "no such file (the pack folder is missing)");
  const fs::path path = root_ / relative_path;
  std::error_code ec;
  if (!fs::exists(path, ec)) return file_error(relative_path, "no such file");
  if (!is_within(canonical_root_, path))
    return Error{relative_path, "", "a path inside the pack",
                 "a symbolic link that leads outside it"};
  return read_regular_file(path, relative_path);
}

Result<std::string> read_whole_file(const fs::path &path, const std::string &display_name) {
  return read_regular_file(path, display_name);
}

std::string display_folder(const std::string &folder) {
  std::string out = folder;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out.empty() ? "." : out;
}

Errors with_folder(Errors errors, const std::string &folder) {
  const std::string prefix = display_folder(folder);
  if (prefix == ".") return errors;
  for (auto &e : errors) e.file = e.file.empty() ? prefix : prefix + "/" + e.file;
  return errors;
}

} // namespace imc::cli

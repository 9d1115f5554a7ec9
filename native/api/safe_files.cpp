#include "safe_files.h"

#include <climits>
#include <cstdlib>
#include <fstream>

namespace imc::api {

namespace fs = std::filesystem;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Segments of a decoded relative path, or nullopt when one of them is refused.
std::optional<std::string> checked_relative(std::string_view decoded) {
  std::string out;
  size_t start = 0;
  while (start <= decoded.size()) {
    size_t end = decoded.find('/', start);
    if (end == std::string_view::npos)
      end = decoded.size();
    const std::string_view segment = decoded.substr(start, end - start);
    if (!segment.empty()) {
      if (segment.front() == '.') // "..", ".", and dot-files such as .git or .env
        return std::nullopt;
      for (char c : segment)
        if (c == '\\' || c == '\0' || c == '%' || static_cast<unsigned char>(c) < 0x20)
          return std::nullopt;
      if (!out.empty())
        out += '/';
      out.append(segment);
    }
    start = end + 1;
  }
  return out;
}

} // namespace

std::optional<std::string> decode_url_path(std::string_view encoded) {
  std::string decoded;
  decoded.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      decoded += encoded[i];
      continue;
    }
    if (i + 2 >= encoded.size())
      return std::nullopt;
    const int hi = hex_value(encoded[i + 1]), lo = hex_value(encoded[i + 2]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    decoded += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  // A '%' left after one decoding was encoded twice (%252e): refused by checked_relative.
  return checked_relative(decoded);
}

std::optional<fs::path> canonical_folder(const fs::path &folder) {
  char buffer[PATH_MAX];
  if (!::realpath(folder.c_str(), buffer))
    return std::nullopt;
  std::error_code ec;
  if (!fs::is_directory(buffer, ec))
    return std::nullopt;
  return fs::path(buffer);
}

ResolvedPath resolve_under(const fs::path &canonical_root, std::string_view relative) {
  ResolvedPath out;
  auto checked = checked_relative(relative);
  if (!checked) {
    out.problem = PathProblem::malformed;
    return out;
  }
  if (checked->empty()) {
    out.problem = PathProblem::missing;
    return out;
  }
  const fs::path candidate = canonical_root / *checked;
  char buffer[PATH_MAX];
  if (!::realpath(candidate.c_str(), buffer)) {
    out.problem = PathProblem::missing;
    return out;
  }
  const std::string real(buffer);
  const std::string root = canonical_root.string();
  const bool inside = real.size() > root.size() && real.compare(0, root.size(), root) == 0 &&
                      (root.back() == '/' || real[root.size()] == '/');
  std::error_code ec;
  if (!inside || !fs::is_regular_file(real, ec)) {
    out.problem = PathProblem::missing;
    return out;
  }
  out.file = real;
  return out;
}

std::optional<std::string> read_file_bytes(const fs::path &file, uintmax_t max_bytes) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(file, ec);
  if (ec || size > max_bytes)
    return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::string bytes;
  bytes.resize(static_cast<size_t>(size));
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size)
    return std::nullopt;
  return bytes;
}

DirPackFiles::DirPackFiles(fs::path canonical_root) : root_(std::move(canonical_root)) {}

Result<std::string> DirPackFiles::read(const std::string &relative_path) {
  const ResolvedPath resolved = resolve_under(root_, relative_path);
  if (resolved.problem == PathProblem::malformed)
    return Error{relative_path, "", "a path inside the pack", "a path that leaves it"};
  if (resolved.problem == PathProblem::missing)
    return Error{relative_path, "", "a file in the pack", "no such file"};
  auto bytes = read_file_bytes(resolved.file, 64u * 1024 * 1024);
  if (!bytes)
    return Error{relative_path, "", "a readable file of at most 64 MB", "one that is not"};
  return std::move(*bytes);
}

} // namespace imc::api

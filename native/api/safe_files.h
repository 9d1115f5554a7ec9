#pragma once
// Files under a root folder, reached from outside (a URL path, a pack's relative path) without
// ever leaving the root: `..` and `.` segments, percent-encoded forms of them (%2e%2e%2f, and
// double encodings such as %252e, which are refused rather than decoded twice), backslashes,
// NUL bytes and dot-files are refused; what remains is resolved with realpath(), so a symbolic
// link that points out of the root is refused too.
#include "imc/casepack.h"

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace imc::api {

enum class PathProblem {
  none,
  malformed, // a segment or escape that no file of ours needs: refused outright (400)
  missing    // no regular file there inside the root (404)
};

struct ResolvedPath {
  std::filesystem::path file; // canonical; set when problem == none
  PathProblem problem = PathProblem::none;
};

// Decodes a URL path once (%XX escapes) and checks it: nullopt when it is malformed (see above).
// "/a/b.js" -> "a/b.js"; "/" -> "".
std::optional<std::string> decode_url_path(std::string_view encoded);

// `relative` (decoded, '/'-separated) as a regular file inside `canonical_root` (a folder's
// realpath), after the checks above.
ResolvedPath resolve_under(const std::filesystem::path &canonical_root, std::string_view relative);

// realpath() of a folder; nullopt when it does not exist or is not a folder.
std::optional<std::filesystem::path> canonical_folder(const std::filesystem::path &folder);

// A case pack's files on disk for the service (thread-safe): reads only inside the pack.
class DirPackFiles : public PackFiles {
public:
  explicit DirPackFiles(std::filesystem::path canonical_root);
  // Errors (file = relative_path): outside the pack or malformed, missing, larger than 64 MB,
  // unreadable.
  Result<std::string> read(const std::string &relative_path) override;
  const std::filesystem::path &root() const { return root_; }

private:
  std::filesystem::path root_;
};

// The whole file, or nullopt when it cannot be read or is larger than `max_bytes`.
std::optional<std::string> read_file_bytes(const std::filesystem::path &file, uintmax_t max_bytes);

} // namespace imc::api

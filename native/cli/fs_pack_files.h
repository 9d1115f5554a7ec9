#pragma once
// PackFiles over a folder on disk, for the command line. Reads only inside the pack: a path that
// is absolute, has a ".." segment, or reaches outside the pack's root through a symbolic link is
// refused, so a hostile manifest cannot make `imc` read other files.
#include "imc/casepack.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace imc::cli {

// Files above this size are refused rather than read into memory (no pack file comes close).
inline constexpr std::uintmax_t kMaxPackFileBytes = 256u * 1024 * 1024;

class FsPackFiles : public PackFiles {
public:
  // `root` is the pack folder as the user named it; messages name files under it that way.
  explicit FsPackFiles(std::filesystem::path root);

  // The bytes of `relative_path`, or an error (file = relative_path) saying why not: a path
  // leaving the pack, no such file, not a regular file, too large, unreadable.
  Result<std::string> read(const std::string &relative_path) override;

  // "assets/demo/cases/x.json" for "cases/x.json" and root "assets/demo".
  std::string display_path(const std::string &relative_path) const;

private:
  std::filesystem::path root_;
  std::filesystem::path canonical_root_; // symbolic links resolved; empty when root is missing
};

// Whether `path`, once symbolic links are resolved, is `root` or lies under it. Both must exist.
bool is_within(const std::filesystem::path &root, const std::filesystem::path &path);

// The whole content of a file outside any pack (a transcript, a CSV table), or an error naming
// `display_name`.
Result<std::string> read_whole_file(const std::filesystem::path &path,
                                    const std::string &display_name);

// The folder as written by the user, without trailing slashes ("assets/demo/" -> "assets/demo").
std::string display_folder(const std::string &folder);

// `errors` with each file name prefixed by the folder they are relative to.
Errors with_folder(Errors errors, const std::string &display_folder);

} // namespace imc::cli

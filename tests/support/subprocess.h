#pragma once
// Runs a program for a test: argv without a shell, stdout and stderr captured, a time limit after
// which the process group is killed. Used by the CLI, studio and integration tests.
#include <string>
#include <vector>

namespace imc::test {

struct ProcessResult {
  int exit_code = -1;     // exit status, or 128 + signal when killed
  bool timed_out = false;
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::vector<std::string> &argv, double timeout_seconds = 60,
                          const std::string &stdin_text = "");

// `argv` (a GUI program: imc-studio) under a virtual X server: xvfb-run with a 1280x720x24
// screen. In sanitizer builds LeakSanitizer is off for that process only: SDL, libdbus and Mesa
// leave allocations behind at exit from libraries that are unloaded before LSan reports, so the
// reports name no module a suppression could match. The interface's own code runs under LSan in
// the headless frontend tests (tests/frontend), which link the same App without SDL or GL.
std::vector<std::string> under_xvfb(std::vector<std::string> argv);

// A fresh, empty directory under $TMPDIR that is removed when the object goes out of scope.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::string &path() const { return path_; }
  std::string operator/(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

} // namespace imc::test

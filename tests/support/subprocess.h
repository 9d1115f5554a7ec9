#pragma once
// Runs a program for a test: argv without a shell, stdout and stderr captured, a time limit after
// which the process group is killed. Used by the CLI, studio and integration tests.
#include <map>
#include <string>
#include <vector>

namespace imc::test {

// A program's argv and environment as exec wants them, built before fork(). The child of a
// threaded test may only make async-signal-safe calls until it execs: another thread may have held
// the allocator's lock when the process forked (ASan's, say), and a malloc in the child — a vector
// growing, setenv — then waits for it forever.
class ExecArgs {
public:
  explicit ExecArgs(std::vector<std::string> argv,
                    const std::map<std::string, std::string> &env_overrides = {});
  ExecArgs(const ExecArgs &) = delete;
  ExecArgs &operator=(const ExecArgs &) = delete;
  char *const *argv() const { return argv_.data(); }
  char *const *envp() const { return envp_.data(); } // this process's environment + overrides

private:
  std::vector<std::string> args_, env_;
  std::vector<char *> argv_, envp_;
};

struct ProcessResult {
  int exit_code = -1; // exit status, or 128 + signal when killed
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
// The X authority file is one of this test process's own (`-f`), not xvfb-run's temporary
// directory: xvfb-run exits 5 instead of the program's status when removing that directory
// fails, which once happened under CI load with the program's own run correct.
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

#include "subprocess.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace imc::test {

ExecArgs::ExecArgs(std::vector<std::string> argv,
                   const std::map<std::string, std::string> &env_overrides)
    : args_(std::move(argv)) {
  for (char **e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (!env_overrides.count(name))
      env_.push_back(entry);
  }
  for (const auto &[name, value] : env_overrides)
    env_.push_back(name + "=" + value);
  for (std::string &a : args_)
    argv_.push_back(a.data());
  argv_.push_back(nullptr);
  for (std::string &e : env_)
    envp_.push_back(e.data());
  envp_.push_back(nullptr);
}

ProcessResult run_process(const std::vector<std::string> &argv, double timeout_seconds,
                          const std::string &stdin_text) {
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (pipe(out_pipe) || pipe(err_pipe) || pipe(in_pipe)) throw std::runtime_error("pipe failed");
  const ExecArgs exec(argv);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) { // async-signal-safe calls only (ExecArgs)
    setpgid(0, 0);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    execvp(exec.argv()[0], exec.argv());
    static const char kCannot[] = "cannot run the program\n";
    ssize_t ignored = write(2, kCannot, sizeof kCannot - 1);
    (void)ignored;
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (!stdin_text.empty()) {
    ssize_t ignored = write(in_pipe[1], stdin_text.data(), stdin_text.size());
    (void)ignored;
  }
  close(in_pipe[1]);

  ProcessResult result;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(timeout_seconds * 1000));
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(std::min<int64_t>(left, 1000))) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto &f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  return result;
}

TempDir::TempDir() {
  const char *base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/imc-test-XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<std::string> under_xvfb(std::vector<std::string> argv) {
  std::vector<std::string> full;
#if defined(__SANITIZE_ADDRESS__)
  const char *options = std::getenv("ASAN_OPTIONS");
  full = {"env", std::string("ASAN_OPTIONS=") + (options && *options ? std::string(options) + ":" : "") +
                     "detect_leaks=0"};
#endif
  static const TempDir auth_dir; // removed when the test process exits
  static std::atomic<int> runs{0};
  const std::string auth_file = auth_dir / ("Xauthority-" + std::to_string(++runs));
  for (const char *a : {"xvfb-run", "-a", "-s", "-screen 0 1280x720x24", "-f"})
    full.emplace_back(a);
  full.push_back(auth_file);
  full.insert(full.end(), std::make_move_iterator(argv.begin()), std::make_move_iterator(argv.end()));
  return full;
}

} // namespace imc::test

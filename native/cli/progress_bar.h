#pragma once
// A one-line progress bar on stderr ("[#####.....]  37/120  12.3/s  ETA 0:07"), drawn only when
// stderr is a terminal, so logs and pipes get no carriage-return noise.
#include <chrono>
#include <cstddef>
#include <string>

namespace imc::cli {

class ProgressBar {
public:
  // `unit` names what is counted ("rows"). Draws nothing unless `enabled`.
  ProgressBar(std::string unit, size_t total, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar &) = delete;
  ProgressBar &operator=(const ProgressBar &) = delete;

  // `done` items finished; redraws at most ten times a second, and always at the last item.
  void update(size_t done);
  // Clears the line so that the messages after it start clean.
  void finish();

  // Whether standard error is a terminal (the usual `enabled`).
  static bool stderr_is_terminal();

private:
  void draw(size_t done);

  std::string unit_;
  size_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "0:07", "12:03", "1:02:03".
std::string format_duration(double seconds);

} // namespace imc::cli

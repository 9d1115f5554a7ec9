#include "progress_bar.h"

#include <cstdio>
#include <unistd.h>

namespace imc::cli {

namespace {
constexpr int kBarWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
} // namespace

std::string format_duration(double seconds) {
  const long total = seconds < 0 ? 0 : long(seconds + 0.5);
  char buf[32];
  if (total >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", total / 60, total % 60);
  return buf;
}

ProgressBar::ProgressBar(std::string unit, size_t total, bool enabled)
    : unit_(std::move(unit)), total_(total), enabled_(enabled),
      start_(std::chrono::steady_clock::now()), last_draw_(start_ - kRedrawInterval) {}

ProgressBar::~ProgressBar() { finish(); }

bool ProgressBar::stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

void ProgressBar::update(size_t done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  draw(done);
}

void ProgressBar::draw(size_t done) {
  const double elapsed = std::chrono::duration<double>(last_draw_ - start_).count();
  const double rate = elapsed > 0 ? double(done) / elapsed : 0;
  const size_t filled = total_ ? done * kBarWidth / total_ : kBarWidth;
  std::string bar(filled, '#');
  bar.resize(kBarWidth, '.');
  const std::string eta =
      rate > 0 && done < total_ ? "ETA " + format_duration(double(total_ - done) / rate) : "";
  std::fprintf(stderr, "\r[%s] %zu/%zu %s  %.1f %s/s  %s\x1b[K", bar.c_str(), done, total_,
               unit_.c_str(), rate, unit_.c_str(), eta.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\x1b[K");
  std::fflush(stderr);
  drawn_ = false;
}

} // namespace imc::cli

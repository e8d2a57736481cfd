#include "common/Progress.h"

#include <unistd.h>

#include <cstdio>

namespace soundalike {

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)), total_(total), tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(size_t n, const std::string& note) {
  std::lock_guard lock(mutex_);
  done_ += n;
  if (!note.empty()) note_ = note;
  const auto now = std::chrono::steady_clock::now();
  if (tty_ && (now - last_draw_ > std::chrono::milliseconds(100) || done_ >= total_)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (tty_) draw(true);
}

void Progress::draw(bool final) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = total_ ? double(done_) / double(total_) : 1.0;
  constexpr int kWidth = 28;
  std::string bar(size_t(kWidth * frac), '#');
  bar.resize(kWidth, '.');
  const double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  const double eta = rate > 0 && total_ > done_ ? (total_ - done_) / rate : 0.0;
  std::fprintf(stderr, "\r%s [%s] %zu/%zu %.1f/s ETA %02d:%02d %s\033[K%s", label_.c_str(), bar.c_str(), done_, total_,
               rate, int(eta) / 60, int(eta) % 60, note_.c_str(), final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace soundalike

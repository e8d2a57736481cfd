#pragma once
// A progress bar with rate and ETA on stderr, drawn only when stderr is a terminal (logs stay clean).
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace soundalike {

class Progress {
 public:
  Progress(std::string label, size_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Thread safe. `note` replaces the text after the bar (e.g. "loss 0.42").
  void advance(size_t n = 1, const std::string& note = {});
  void finish();
  bool on_terminal() const { return tty_; }

 private:
  void draw(bool final);
  std::string label_;
  size_t total_, done_ = 0;
  std::string note_;
  bool tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::mutex mutex_;
};

}  // namespace soundalike

#pragma once
// Ctrl-C during long work: the first SIGINT only raises a flag that the work checks between steps, so
// it can stop cleanly and keep what it finished. The flag is the one piece of process-wide state a
// signal handler can reach; it lives only while a ScopedInterrupt exists.
#include <atomic>
#include <csignal>

namespace soundalike::app {

class ScopedInterrupt {
 public:
  ScopedInterrupt() {
    flag().store(false);
    previous_ = std::signal(SIGINT, &ScopedInterrupt::handle);
  }
  ~ScopedInterrupt() { std::signal(SIGINT, previous_); }
  ScopedInterrupt(const ScopedInterrupt&) = delete;
  ScopedInterrupt& operator=(const ScopedInterrupt&) = delete;
  const std::atomic<bool>* stop_flag() const { return &flag(); }

 private:
  static std::atomic<bool>& flag() {
    static std::atomic<bool> f{false};
    return f;
  }
  static void handle(int) {
    flag().store(true);
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C stops at once
  }
  using Handler = void (*)(int);
  Handler previous_ = SIG_DFL;
};

}  // namespace soundalike::app

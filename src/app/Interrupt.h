#pragma once
// Ctrl-C (SIGINT) and SIGTERM during long work, for every command: the first signal only raises a flag
// that the work polls between steps (a CancelToken), so it stops cleanly and keeps what it finished; a
// second signal stops at once. The flag is the one piece of process-wide state a signal handler can
// reach; it lives only while the one ScopedInterrupt exists.
#include <functional>
#include <thread>

#include <signal.h>

#include "common/Cancel.h"

namespace soundalike::app {

class ScopedInterrupt {
 public:
  // With `on_interrupt` (e.g. stopping a server that polls nothing), the signals are blocked in the
  // calling thread and so in every thread it starts afterwards, and one waiter thread receives them and
  // runs on_interrupt after the first: no blocking call of the work is interrupted, and no work happens
  // inside the signal handler.
  explicit ScopedInterrupt(std::function<void()> on_interrupt = {});
  ~ScopedInterrupt();
  ScopedInterrupt(const ScopedInterrupt&) = delete;
  ScopedInterrupt& operator=(const ScopedInterrupt&) = delete;

  CancelToken token() const;
  bool interrupted() const { return cancel_requested(token()); }

 private:
  struct sigaction previous_int_ {}, previous_term_ {};
  sigset_t previous_mask_{};
  bool masked_ = false;
  int wake_[2] = {-1, -1};  // the handler's (and the destructor's) way to wake the waiter
  std::thread waiter_;
};

}  // namespace soundalike::app

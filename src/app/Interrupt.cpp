#include "app/Interrupt.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "common/Error.h"

namespace soundalike::app {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_wake_fd{-1};
std::atomic<bool> g_active{false};

extern "C" void on_interrupt_signal(int) {
  g_interrupted.store(true);
  const int fd = g_wake_fd.load();
  if (fd >= 0) {
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(fd, &byte, 1);  // a full pipe already holds a wake-up
  }
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

Error system_error(const std::string& what) {
  return Error(ExitCode::internal, "cannot set up the Ctrl-C handling: " + what + ": " + std::strerror(errno));
}

}  // namespace

ScopedInterrupt::ScopedInterrupt(std::function<void()> on_interrupt) {
  if (g_active.exchange(true)) throw Error(ExitCode::internal, "two Ctrl-C handlers at once (a bug)");
  g_interrupted.store(false);
  if (on_interrupt) {
    if (::pipe2(wake_, O_CLOEXEC) != 0) {
      g_active.store(false);
      throw system_error("pipe");
    }
    g_wake_fd.store(wake_[1]);
    const sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, &previous_mask_);
    masked_ = true;
  }
  struct sigaction sa {};
  sa.sa_handler = on_interrupt_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_RESETHAND;  // SA_RESETHAND: a second signal stops at once
  sigaction(SIGINT, &sa, &previous_int_);
  sigaction(SIGTERM, &sa, &previous_term_);
  if (on_interrupt) {
    waiter_ = std::thread([this, on_interrupt = std::move(on_interrupt)] {
      const sigset_t set = stop_signals();
      pthread_sigmask(SIG_UNBLOCK, &set, nullptr);  // the one thread the signals reach
      char byte;
      while (::read(wake_[0], &byte, 1) < 0 && errno == EINTR) {
      }
      if (g_interrupted.load()) on_interrupt();
    });
  }
}

ScopedInterrupt::~ScopedInterrupt() {
  if (waiter_.joinable()) {
    const char byte = 0;
    [[maybe_unused]] const ssize_t n = ::write(wake_[1], &byte, 1);  // wakes it if no signal did
    waiter_.join();
  }
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
  if (masked_) pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
  g_wake_fd.store(-1);
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
  g_active.store(false);
}

CancelToken ScopedInterrupt::token() const { return &g_interrupted; }

}  // namespace soundalike::app

#pragma once
// Work sharing across cores without a global pool: each call starts and joins its own threads.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace soundalike {

// Number of worker threads to use when the user gave none (0 or negative): all hardware threads.
inline int resolve_jobs(int requested) {
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Calls fn(i) for i in [0, n) on `jobs` threads, items handed out in order. The first exception thrown
// by fn stops further items from starting and is rethrown here after all threads have joined.
template <class Fn>
void parallel_for(size_t n, int jobs, Fn&& fn) {
  const size_t workers = std::min<size_t>(n, size_t(resolve_jobs(jobs)));
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  {
    std::vector<std::jthread> threads;
    threads.reserve(workers);
    for (size_t w = 0; w < workers; ++w)
      threads.emplace_back([&] {
        for (size_t i; (i = next.fetch_add(1)) < n;) {
          try {
            fn(i);
          } catch (...) {
            std::lock_guard lock(failure_mutex);
            if (!failure) failure = std::current_exception();
            next = n;
          }
        }
      });
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace soundalike

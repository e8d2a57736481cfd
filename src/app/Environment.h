#pragma once
// OpenMP's default wait policy lets a thread spin at a barrier waiting for its partner. On a 2-core
// machine shared with other work the partner is often descheduled, and then torch's 2-thread
// convolutions ran 18-30x slower than with one thread (measured: compact inference 69 vs 1,531
// windows/s, a 30 s clip embedded in 241 vs 8.8 ms; docs/benchmarks.md, "OpenMP's wait policy"). The
// passive policy sleeps instead and costs nothing measurable on an idle machine. libgomp reads the
// policy once, when it is loaded (before main), so the only way to choose it for the user is to set it
// and re-execute ourselves once. An explicit OMP_WAIT_POLICY from the user is respected.
#include <array>
#include <cstdlib>
#include <string_view>
#include <unistd.h>

namespace soundalike::app {

inline void prefer_passive_openmp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv);  // returns only on failure: then carry on with the active policy
}

// The re-execution costs a second process start (≈ 0.45 s: loading libtorch), so the CLI pays it only
// for the commands that run torch on several threads. The library commands (index, similar, serve, …)
// give each extractor one torch thread, where no thread waits at a barrier, and skip it.
inline bool runs_multithreaded_torch(int argc, char** argv) {
  if (argc < 2) return false;
  constexpr std::array<std::string_view, 7> commands = {"train",   "evaluate", "embed",  "classify",
                                                        "compare", "pretrain", "evaluate-retrieval"};
  for (std::string_view c : commands)
    if (argv[1] == c) return true;
  return false;
}

}  // namespace soundalike::app

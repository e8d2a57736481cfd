#include "features/FftwPlanner.h"

#include <fftw3.h>

#include <mutex>

namespace soundalike {

void make_fftw_planner_thread_safe() {
  static std::once_flag once;
  std::call_once(once, [] { fftwf_make_planner_thread_safe(); });
}

}  // namespace soundalike

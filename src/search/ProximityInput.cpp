#include "search/ProximityInput.h"

#include <algorithm>
#include <cmath>

#include "search/TimbreSongIndex.h"

namespace soundalike {

std::vector<size_t> mp_sample_positions(size_t n, size_t sample_size) {
  std::vector<size_t> out;
  const size_t s = std::min(n, sample_size);
  out.reserve(s);
  for (size_t i = 0; i < s; ++i) out.push_back(i * n / s);
  return out;
}

std::string mp_metric_key(std::string_view kind, Metric metric) {
  if (!is_timbre_kind(kind)) return std::string(to_string(metric));
  return is_jensen_shannon_kind(kind) ? "js" : "kl";
}

double mp_input(std::string_view kind, double distance) {
  return is_timbre_kind(kind) ? std::log1p(std::max(distance, 0.0)) : distance;
}

}  // namespace soundalike

#include "retrieval/MutualProximity.h"

#include <algorithm>
#include <cmath>

namespace soundalike {

DistanceStats distance_stats(std::span<const float> d) {
  DistanceStats s;
  if (d.empty()) return s;
  double sum = 0, sq = 0;
  for (float v : d) sum += v;
  const double mean = sum / double(d.size());
  for (float v : d) sq += (v - mean) * (v - mean);
  s.mean = float(mean);
  s.stddev = float(std::max(std::sqrt(sq / double(d.size())), 1e-6 * std::max(1.0, std::abs(mean))));
  return s;
}

double mutual_proximity(double distance, const DistanceStats& x, const DistanceStats& y) {
  // P(D > d) for D ~ N(mean, stddev) is the upper tail 0.5 * erfc((d - mean) / (stddev * sqrt 2)).
  auto tail = [distance](const DistanceStats& s) { return 0.5 * std::erfc((distance - s.mean) / (s.stddev * M_SQRT2)); };
  return 1.0 - tail(x) * tail(y);
}

}  // namespace soundalike

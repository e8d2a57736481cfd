#include "search/PairDistance.h"

#include <cmath>

#include "search/TimbreSongIndex.h"

namespace soundalike {

PairDistance pair_distance(std::string_view kind, Metric metric) {
  // A timbre vector is a Gaussian: the metric does not apply, the divergence does.
  if (is_timbre_kind(kind)) return [](std::span<const float> a, std::span<const float> b) { return timbre_divergence(a, b); };
  if (metric == Metric::cosine)
    return [](std::span<const float> a, std::span<const float> b) {
      double dot = 0, na = 0, nb = 0;
      for (size_t i = 0; i < a.size(); ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
      }
      return na > 0 && nb > 0 ? 1.0 - dot / std::sqrt(na * nb) : 1.0;
    };
  return [](std::span<const float> a, std::span<const float> b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      const double d = double(a[i]) - b[i];
      s += d * d;
    }
    return std::sqrt(s);
  };
}

}  // namespace soundalike

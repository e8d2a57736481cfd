#include "retrieval/PrecisionAtK.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "common/Error.h"

namespace soundalike {

PrecisionAtK precision_at_k(const std::vector<std::vector<float>>& e, std::span<const int> labels, int k) {
  const size_t n = e.size();
  if (labels.size() != n) throw Error(ExitCode::internal, "precision_at_k: labels and embeddings differ in count");
  PrecisionAtK p;
  if (n < 2 || k < 1) return p;
  const size_t kk = std::min<size_t>(size_t(k), n - 1);
  std::vector<std::pair<double, size_t>> d;  // pairs order equal distances by index
  for (size_t i = 0; i < n; ++i) {
    d.clear();
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      double s = 0;
      for (size_t f = 0; f < e[i].size(); ++f) {
        const double x = double(e[i][f]) - double(e[j][f]);
        s += x * x;
      }
      d.emplace_back(s, j);
    }
    std::partial_sort(d.begin(), d.begin() + ptrdiff_t(kk), d.end());
    size_t same = 0;
    for (size_t r = 0; r < kk; ++r) same += labels[d[r].second] == labels[i];
    const size_t available = size_t(std::count(labels.begin(), labels.end(), labels[i])) - 1;
    const size_t capped_denominator = std::min(kk, available);
    p.plain += double(same) / double(kk);
    p.capped += capped_denominator ? double(same) / double(capped_denominator) : 0.0;
  }
  p.plain /= double(n);
  p.capped /= double(n);
  return p;
}

}  // namespace soundalike

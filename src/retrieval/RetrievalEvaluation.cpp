#include "retrieval/RetrievalEvaluation.h"

#include <algorithm>
#include <numeric>

#include "common/Error.h"
#include "common/Parallel.h"
#include "retrieval/MutualProximity.h"

namespace soundalike {

RetrievalScores score_retrieval(std::span<const std::string> labels, std::span<const float> d) {
  const size_t n = labels.size();
  if (n < 2) throw Error(ExitCode::bad_data, "retrieval scores need at least two items");
  if (d.size() != n * n) throw Error(ExitCode::internal, "distance matrix does not match the number of items");
  RetrievalScores s;
  s.items = int(n);
  const size_t k = std::min<size_t>(10, n - 1);
  std::vector<size_t> order;
  for (size_t i = 0; i < n; ++i) {
    order.clear();
    for (size_t j = 0; j < n; ++j)
      if (j != i) order.push_back(j);
    // Ties broken by index, so results do not depend on the sort's whims.
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return d[i * n + a] < d[i * n + b]; });
    size_t relevant = 0;
    for (size_t j : order) relevant += labels[j] == labels[i];
    const size_t kr = std::min(k, relevant);
    size_t hits = 0, hits_r = 0;
    for (size_t r = 0; r < k; ++r) hits += labels[order[r]] == labels[i];
    for (size_t r = 0; r < kr; ++r) hits_r += labels[order[r]] == labels[i];
    s.p_at_1 += labels[order[0]] == labels[i];
    s.p_at_10 += double(hits) / double(k);
    s.r_precision += kr ? double(hits_r) / double(kr) : 0.0;
  }
  s.p_at_1 /= double(n);
  s.p_at_10 /= double(n);
  s.r_precision /= double(n);
  return s;
}

std::vector<float> distance_matrix(size_t n, const std::function<double(size_t, size_t)>& distance, int jobs) {
  std::vector<float> d(n * n, 0.0f);
  parallel_for(n, jobs, [&](size_t i) {
    for (size_t j = i + 1; j < n; ++j) d[i * n + j] = float(distance(i, j));
  });
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < i; ++j) d[i * n + j] = d[j * n + i];
  return d;
}

std::vector<float> mutual_proximity_matrix(std::span<const float> d, size_t n) {
  std::vector<DistanceStats> stats(n);
  std::vector<float> row;
  for (size_t i = 0; i < n; ++i) {
    row.clear();
    for (size_t j = 0; j < n; ++j)
      if (j != i) row.push_back(d[i * n + j]);
    stats[i] = distance_stats(row);
  }
  std::vector<float> out(n * n, 0.0f);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      if (i != j) out[i * n + j] = float(mutual_proximity(d[i * n + j], stats[i], stats[j]));
  return out;
}

}  // namespace soundalike

#pragma once
// Leave-one-out retrieval scores on labelled items, with the definitions musly-eval prints, so the two
// can stand side by side: for each item, rank all others by distance;
//   P@1   = the nearest one shares its label;
//   P@10  = share of the k = min(10, n-1) nearest that share its label;
//   R-precision = share of the min(k, r) nearest that share its label, r = number of items with its label
//                 (capped at k as musly-eval does).
// Averaged over all items. PrecisionAtK.h has the same P@10 for embeddings (and the capped variant that
// `train` and `evaluate` also report, under a name of its own).
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace soundalike {

struct RetrievalScores {
  double p_at_1 = 0.0;
  double p_at_10 = 0.0;
  double r_precision = 0.0;
  int items = 0;
};

// distances: n x n, row-major; the diagonal is ignored.
RetrievalScores score_retrieval(std::span<const std::string> labels, std::span<const float> distances);

// Fills an n x n distance matrix from a symmetric pairwise function, in parallel over `jobs` threads.
std::vector<float> distance_matrix(size_t n, const std::function<double(size_t, size_t)>& distance, int jobs = 0);

// Mutual-proximity rescaling of a full distance matrix: each item's distance statistics come from its
// distances to all other items (the leave-one-out setting).
std::vector<float> mutual_proximity_matrix(std::span<const float> distances, size_t n);

}  // namespace soundalike

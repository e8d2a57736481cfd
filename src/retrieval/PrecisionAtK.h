#pragma once
// Precision among the k nearest neighbours of labelled embeddings (leave-one-out, L2 distance), in the
// two definitions the project reports. They differ only in the denominator, and they must not be
// confused, so each has its own name here and in every JSON output:
//   plain  (JSON "p_at_10")        = hits / k, musly-eval's P@10, the same figure score_retrieval()
//                                    gives on an L2 distance matrix (`pretrain`, `evaluate-retrieval`);
//   capped (JSON "p_at_10_capped") = hits / min(k, other items with that label), so that a perfect
//                                    embedding scores 1 even when a label has fewer than k other items
//                                    (a 20 % test split of 40 clips per label leaves 7 same-label
//                                    neighbours, and the plain figure could not exceed 0.7).
// k shrinks to n - 1 when there are fewer items. Ties in distance go to the lower index, as in
// score_retrieval().
#include <span>
#include <vector>

namespace soundalike {

struct PrecisionAtK {
  double plain = 0.0;
  double capped = 0.0;
};

// Both figures from one pass over the n^2 distances. 0 for fewer than two items or k < 1.
PrecisionAtK precision_at_k(const std::vector<std::vector<float>>& embeddings, std::span<const int> labels, int k);

}  // namespace soundalike

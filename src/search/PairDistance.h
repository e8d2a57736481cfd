#pragma once
// The distance between two stored vectors of one feature kind, for code that compares songs pairwise
// (retrieval evaluation, re-ranking). Embeddings and MFCC statistics are points (L2 or cosine); kinds
// whose vectors encode a distribution bring their own divergence.
#include <functional>
#include <span>
#include <string_view>

#include "search/SongIndex.h"

namespace soundalike {

using PairDistance = std::function<double(std::span<const float>, std::span<const float>)>;

// L2: Euclidean distance (not squared); cosine: 1 - cos(a, b). Timbre kinds ("timbre-v1"): the
// symmetrised KL divergence whatever the metric.
PairDistance pair_distance(std::string_view kind, Metric metric);

}  // namespace soundalike

#pragma once
// What mutual proximity (retrieval/MutualProximity.h) models for each feature kind, and which songs it
// samples: the rules that the library's stored statistics (library/LibraryProximity.h) and the fused
// index's per-part rescaling (search/FusedSongIndex.h) must share.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "search/SongIndex.h"

namespace soundalike {

// Songs each song is compared with for its statistics. Schnitzer et al. report the estimate settled
// well below this on their collections; 500 keeps index-time cost at 500 distances per new song.
inline constexpr size_t kMpSampleSize = 500;

// The sample: evenly spaced positions in the id-ordered list of n songs (deterministic, so index time
// and query time use the same songs while the library is unchanged).
std::vector<size_t> mp_sample_positions(size_t n, size_t sample_size = kMpSampleSize);

// The metric name statistics are stored under: the metric's name, or "kl" / "js" for the timbre kinds
// (whose divergence does not depend on the metric option).
std::string mp_metric_key(std::string_view kind, Metric metric);

// The distance MP models as normal: the raw distance, or log(1 + d) for timbre kinds, whose divergence
// is heavy-tailed (a few songs at 10^4 and more) so that the mean and spread of raw values describe
// nothing near a song (measured on the training packages: MP on the raw divergence halves P@1, on its
// logarithm it helps; docs/benchmarks.md, issue 9). The Jensen-Shannon divergence of timbre-v2 is much
// less heavy-tailed and scored the same raw or logged (issue 14); it is logged too, for one rule.
double mp_input(std::string_view kind, double distance);

}  // namespace soundalike

#pragma once
// Search over timbre models (kind "timbre-v1": GaussianTimbre::to_vector()), where the distance is the
// symmetrised KL divergence, not a vector metric. The divergence between stored song s and query q
// expands into one inner product:
//   2 (SKL + d) = <inv_s, cov_q + mu_q mu_q'> + <cov_s + mu_s mu_s', inv_q>
//                 - 2 mu_q' inv_s mu_s - 2 mu_s' inv_q mu_q + mu_s' inv_s mu_s + mu_q' inv_q mu_q
// so each song is kept as one packed row (2P + 2d + 2 floats, P = d(d+1)/2) and a query is one
// matrix-vector product over the library: exact brute force, parallel, ~20 ms for 100k songs on two
// cores. The best candidates of that float scan are re-scored in double precision.
// Above a size threshold a vector filter does the first pass instead: FAISS (L2) over a
// "mean + log-variance" proxy whose squared distance approximates the divergence for nearby Gaussians,
//   SKL ~ sum_i (mu_a,i - mu_b,i)^2 / var_i + 1/2 sum_i (log var_a,i - log var_b,i)^2,
// and its candidates are re-ranked exactly.
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "index/SongIndex.h"

namespace soundalike {

bool is_timbre_kind(std::string_view kind);

// Symmetrised KL divergence between two stored timbre vectors (GaussianTimbre::to_vector() layout),
// computed in double straight from the packed layout (no unpacking): 0 for identical models, symmetric.
double timbre_divergence(std::span<const float> a, std::span<const float> b);

struct TimbreIndexOptions {
  // Exact brute force up to this many songs; the vector filter + exact re-ranking above.
  size_t filter_threshold = 100000;
  bool force_filter = false;        // use the filter whatever the size (tests, recall measurements)
  int filter_candidates = 1000;     // songs the filter hands to exact re-ranking
  int jobs = 0;                     // threads per query for the brute-force scan (0 = all cores)
};

std::unique_ptr<SongIndex> make_timbre_index(int dimension, const TimbreIndexOptions& options, size_t expected_size);

}  // namespace soundalike

#pragma once
// Search over timbre models (GaussianTimbre::to_vector()), where the distance is a divergence, not a
// vector metric: the Jensen-Shannon divergence for "timbre-v2" (the vectors carry log det), the
// symmetrised KL for "timbre-v1". For the Jensen-Shannon kinds every candidate costs a small Cholesky
// factorisation; up to js_exact_threshold songs all are scored, above it the KL machinery below
// shortlists js_candidates songs that are then ranked by JS.
// The symmetrised KL divergence between stored song s and query q expands into one inner product:
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

#include "search/SongIndex.h"

namespace soundalike {

bool is_timbre_kind(std::string_view kind);
// timbre-v2 and its tuning variants: compared with the Jensen-Shannon divergence.
bool is_jensen_shannon_kind(std::string_view kind);

// The divergence between two stored timbre vectors (GaussianTimbre::to_vector() layout), computed in
// double: Jensen-Shannon for timbre-v2 vectors, symmetrised KL (straight from the packed layout) for
// timbre-v1; 0 for identical models, symmetric. Vectors of the two kinds cannot be compared.
double timbre_divergence(std::span<const float> a, std::span<const float> b);

struct TimbreIndexOptions {
  // Exact brute force up to this many songs; the vector filter + exact re-ranking above.
  size_t filter_threshold = 100000;
  bool force_filter = false;        // use the filter whatever the size (tests, recall measurements)
  int filter_candidates = 1000;     // songs the filter hands to exact re-ranking
  // JS kinds: every song scored up to this size (4-8 us each on 2 cores), above it a shortlist (recall@10
  // 0.99 at 10k and 100k synthetic songs, docs/benchmarks.md).
  size_t js_exact_threshold = 5000;
  int js_candidates = 2000;  // JS kinds above it: the KL shortlist ranked by JS
  int jobs = 0;                     // threads per query for the brute-force scan (0 = all cores)
};

std::unique_ptr<SongIndex> make_timbre_index(int dimension, const TimbreIndexOptions& options, size_t expected_size);

}  // namespace soundalike

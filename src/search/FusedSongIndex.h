#pragma once
// Search over fused vectors (features/FusedExtractor.h): each part keeps its own index and distance
// (the CNN's cosine, the timbre model's divergence, the rhythm pattern's cosine), each part's distance
// is rescaled by mutual proximity with its own per-song statistics, and songs are ranked by the
// weighted sum of the parts' MP distances: w for the first part, and 1 - w shared by the others in
// proportion to fusion_share() (with two parts: w * MP_first + (1 - w) * MP_second).
// MP first, because a divergence and an embedding distance live on unrelated scales; MP maps both to
// [0, 1] and removes each part's hubs before they are mixed. evaluate-retrieval scores the same sum
// (fused_distance_matrix), so what it reports is what `similar` ranks by.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "features/FusedExtractor.h"
#include "retrieval/MutualProximity.h"
#include "search/PairDistance.h"
#include "search/SongIndex.h"
#include "search/TimbreSongIndex.h"

namespace soundalike {

// The weight of the first part (the CNN) when nobody chooses, for the default fusion with timbre-v2:
// chosen on the training and validation packages together (353 songs), never the held-out ones.
// P@1/P@10 over both at w = 0.2, 0.3, 0.4, 0.5: 0.513/0.358, 0.521/0.361, 0.507/0.362, 0.499/0.356
// (docs/benchmarks.md, issue 14). The training packages alone would flatter the CNN, which learnt them;
// they peaked at 0.2-0.3 all the same, the 65 validation songs at 0.4-0.6.
inline constexpr double kDefaultFusionWeight = 0.3;

// With a rhythm part (the default since session 11: CNN + timbre-v2 + rhythm-v1) the first part's weight
// is 0.2, and the rhythm pattern gets a sixth of what a timbre part gets: CNN 0.2, timbre 0.686, rhythm
// 0.114. Chosen together by the same rule on the same 353 songs (best P@1 within 0.001 of the best
// P@10; shares 0.1, 1/6, 0.25, 0.4 x weights 0-1; docs/benchmarks.md, session 11): 0.536 / 0.371
// against 0.538 / 0.362 for the two-part fusion. Rhythm alone is a weak retriever (P@10 0.22 on the
// validation packages); in the sum it breaks the ties of the other two.
inline constexpr double kDefaultRhythmFusionWeight = 0.2;
inline constexpr double kRhythmFusionShare = 1.0 / 6.0;
double fusion_share(std::string_view kind);

// "Whatever suits the kind": kDefaultRhythmFusionWeight when a part is a rhythm pattern, else
// kDefaultFusionWeight. Options that take a first-part weight default to this sentinel.
inline constexpr double kKindFusionWeight = -1.0;
double default_fusion_weight(const FusedKind& kind);

// One part of a fused vector: where it lies in the vector and how its songs are compared.
struct FusionPart {
  std::string kind;
  size_t offset = 0, size = 0;
  Metric metric = Metric::cosine;  // embeddings are compared by cosine; timbre kinds ignore it
  PairDistance distance;
  std::string stats_key;           // the metric name its statistics are stored under
  double weight = 0;               // of its MP distance in the sum
};
// The parts of `kind` with their weights for a first-part weight of `first_weight` (kKindFusionWeight:
// default_fusion_weight). Throws Error(bad_data) when `dimension` is too small for the widths the kind
// names.
std::vector<FusionPart> fusion_parts(const FusedKind& kind, size_t dimension, double first_weight = kKindFusionWeight);

// The full leave-one-out fused distance matrix of n fused vectors (row-major, n x dimension): per part
// the pairwise distances, MP over all items, then the weighted sum.
std::vector<float> fused_distance_matrix(const FusedKind& kind, std::span<const float> vectors, size_t n,
                                         double first_weight, int jobs = 0);
// The same in two steps, for trying several weights on one set of songs: each part's n x n matrix
// under MP (the costly step, in fusion_parts order), then their sum with the parts' weights.
std::vector<std::vector<float>> fused_part_matrices(const FusedKind& kind, std::span<const float> vectors, size_t n,
                                                    int jobs = 0);
std::vector<float> weigh_fused_parts(std::span<const FusionPart> parts, std::span<const std::vector<float>> matrices);

struct FusedIndexOptions {
  double first_weight = kKindFusionWeight;
  // Each part's raw nearest this many songs (at least k) form the candidate pool; libraries up to
  // `exhaustive` songs are ranked whole (exact).
  size_t candidates = 500;
  size_t exhaustive = 5000;
  TimbreIndexOptions timbre;
  FaissIndexOptions faiss;
};

// Per part: the stored statistics of the library's songs, and the sample (row-major fused vectors) that
// a query's statistics are estimated from.
struct FusedMpData {
  std::vector<std::unordered_map<int64_t, DistanceStats>> stats;  // one map per part
  std::vector<float> sample;
};

class FusedSongIndex final : public SongIndex {
 public:
  FusedSongIndex(const FusedKind& kind, int dimension, FusedMpData mp, FusedIndexOptions options);
  int dimension() const override { return dimension_; }
  Metric metric() const override { return Metric::l2; }
  size_t size() const override { return ids_.size(); }
  std::string type() const override { return "fused"; }
  void add(std::span<const int64_t> ids, std::span<const float> vectors) override;
  // Distances are the fused MP distances, in [0, 1].
  std::vector<Neighbor> search(std::span<const float> query, int k) const override;
  void save(const std::filesystem::path& path) const override;

 private:
  DistanceStats query_stats(size_t part, std::span<const float> query) const;
  std::vector<FusionPart> parts_;
  int dimension_;
  FusedMpData mp_;
  FusedIndexOptions options_;
  std::vector<std::unique_ptr<SongIndex>> part_indexes_;
  std::vector<int64_t> ids_;
  std::vector<float> vectors_;
  std::unordered_map<int64_t, size_t> row_of_;
};

}  // namespace soundalike

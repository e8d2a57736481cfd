// Fused search (issue 14): a CNN part and a timbre part in one stored vector, each rescaled by mutual
// proximity, mixed by weight. The index must rank exactly as the evaluation's full distance matrix does
// (so evaluate-retrieval scores what `similar` ranks by), and the kind string must round-trip.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "common/Error.h"
#include "features/FusedExtractor.h"
#include "features/GaussianTimbre.h"
#include "search/FusedSongIndex.h"
#include "library/LibraryProximity.h"
#include "retrieval/MutualProximity.h"

using namespace soundalike;

namespace {

constexpr int kEmbed = 6, kD = 4;

// n fused vectors: a random embedding (a few clusters) followed by a timbre model of random frames.
std::vector<float> fused_vectors(size_t n, uint32_t seed, size_t& dim) {
  std::mt19937 g(seed);
  std::normal_distribution<float> z(0.0f, 1.0f);
  std::vector<float> out;
  for (size_t i = 0; i < n; ++i) {
    for (int a = 0; a < kEmbed; ++a) out.push_back(float(i % 3) + 0.5f * z(g));
    std::vector<float> frames;
    const float scale = std::exp(0.5f * z(g));
    for (int f = 0; f < 40; ++f)
      for (int a = 0; a < kD; ++a) frames.push_back(float(i % 4) + scale * z(g));
    const auto t = GaussianTimbre::fit(frames, kD).to_vector();
    out.insert(out.end(), t.begin(), t.end());
    dim = size_t(kEmbed) + t.size();
  }
  return out;
}

TEST(FusedKind, NameRoundTripsAndMalformedIsBadData) {
  const FusedKind k{"model:0123456789abcdef", "timbre-v1", 512};
  EXPECT_EQ(k.name(), "fusion:512:model:0123456789abcdef+timbre-v1");
  const auto back = FusedKind::parse(k.name());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->first, k.first);
  EXPECT_EQ(back->second, k.second);
  EXPECT_EQ(back->first_size, 512);
  EXPECT_FALSE(FusedKind::parse("timbre-v1"));
  EXPECT_THROW(FusedKind::parse("fusion:x:a+b"), Error);
  EXPECT_THROW(FusedKind::parse("fusion:5:ab"), Error);
}

TEST(FusedSongIndex, RanksExactlyAsTheEvaluationMatrix) {
  const size_t n = 30;
  size_t dim = 0;
  const auto v = fused_vectors(n, 3, dim);
  const FusedKind kind{"model:00000000000000aa", "timbre-v1", kEmbed};
  const double w = 0.3;
  const auto matrix = fused_distance_matrix(kind, v, n, w, 1);

  // Statistics as `index` stores them: every song against all others (the sample is the whole library).
  FusedMpData mp;
  mp.sample = v;
  std::vector<int64_t> ids(n);
  std::iota(ids.begin(), ids.end(), 100);
  for (const FusionPart& part : fusion_parts(kind, dim)) {
    auto& stats = mp.stats.emplace_back();
    for (size_t i = 0; i < n; ++i) {
      std::vector<float> d;
      for (size_t j = 0; j < n; ++j)
        if (j != i)
          d.push_back(float(mp_input(part.kind, part.distance(std::span(v).subspan(i * dim + part.offset, part.size),
                                                               std::span(v).subspan(j * dim + part.offset, part.size)))));
      stats[ids[i]] = distance_stats(d);
    }
  }
  FusedIndexOptions o;
  o.first_weight = w;
  FusedSongIndex index(kind, int(dim), mp, o);
  index.add(ids, v);
  for (size_t q = 0; q < n; ++q) {
    SCOPED_TRACE(q);
    const auto got = index.search(std::span(v).subspan(q * dim, dim), int(n));
    ASSERT_EQ(got.size(), n);
    EXPECT_EQ(got.front().id, ids[q]);  // itself first
    for (size_t r = 1; r < n; ++r) {
      const size_t j = size_t(got[r].id - 100);
      EXPECT_NEAR(got[r].distance, matrix[q * n + j], 1e-5) << "rank " << r;
      if (r > 1) EXPECT_LE(got[r - 1].distance, got[r].distance);
    }
  }
  // A pool smaller than the library (the large-library path) still finds the same nearest five.
  o.exhaustive = 10;
  o.candidates = 12;
  FusedSongIndex pooled(kind, int(dim), mp, o);
  pooled.add(ids, v);
  const auto full = index.search(std::span(v).subspan(0, dim), 6);
  const auto part = pooled.search(std::span(v).subspan(0, dim), 6);
  ASSERT_EQ(part.size(), 6u);
  for (size_t r = 0; r < 6; ++r) EXPECT_EQ(part[r].id, full[r].id);
}

}  // namespace

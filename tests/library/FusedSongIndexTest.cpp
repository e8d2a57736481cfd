// Fused search (issue 14): a CNN part, a timbre part and (since session 11) a rhythm part in one stored
// vector, each rescaled by mutual proximity, mixed by weight. The index must rank exactly as the evaluation's full distance matrix does
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

constexpr int kRhythm = 5;

// n fused vectors: a random embedding (a few clusters) followed by a timbre model of random frames, and
// with `rhythm` a third part of non-negative numbers.
std::vector<float> fused_vectors(size_t n, uint32_t seed, size_t& dim, bool rhythm = false) {
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
    if (rhythm) {
      for (int a = 0; a < kRhythm; ++a) out.push_back(std::abs(float(i % 2) + z(g)));
      dim += kRhythm;
    }
  }
  return out;
}

TEST(FusedKind, NameRoundTripsAndMalformedIsBadData) {
  const FusedKind k{{"model:0123456789abcdef", "timbre-v1"}, {512}};
  EXPECT_EQ(k.name(), "fusion:512:model:0123456789abcdef+timbre-v1");  // the two-part form of every library so far
  const auto back = FusedKind::parse(k.name());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kinds, k.kinds);
  EXPECT_EQ(back->sizes, k.sizes);
  const FusedKind three{{"model:0123456789abcdef", "timbre-v2", "rhythm-v1"}, {960, 678}};
  EXPECT_EQ(three.name(), "fusion:960,678:model:0123456789abcdef+timbre-v2+rhythm-v1");
  const auto back3 = FusedKind::parse(three.name());
  ASSERT_TRUE(back3);
  EXPECT_EQ(back3->kinds, three.kinds);
  EXPECT_EQ(back3->sizes, three.sizes);
  EXPECT_FALSE(FusedKind::parse("timbre-v1"));
  EXPECT_THROW(FusedKind::parse("fusion:x:a+b"), Error);
  EXPECT_THROW(FusedKind::parse("fusion:5:ab"), Error);
  EXPECT_THROW(FusedKind::parse("fusion:5:a+b+c"), Error);   // three parts need two widths
  EXPECT_THROW(FusedKind::parse("fusion:5,6:a+b"), Error);
  EXPECT_THROW(FusedKind::parse("fusion:5,:a+b+c"), Error);
  EXPECT_THROW(FusedKind::parse("fusion:5:a+"), Error);
}

TEST(FusedSongIndex, WeightsSumToOneAndRhythmTakesItsShare) {
  const FusedKind two{{"model:00000000000000aa", "timbre-v2"}, {8}};
  auto p = fusion_parts(two, 20);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_DOUBLE_EQ(p[0].weight, kDefaultFusionWeight);
  EXPECT_DOUBLE_EQ(p[1].weight, 1.0 - kDefaultFusionWeight);
  const FusedKind three{{"model:00000000000000aa", "timbre-v2", "rhythm-v1"}, {8, 10}};
  p = fusion_parts(three, 30);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[2].offset, 18u);
  EXPECT_EQ(p[2].size, 12u);
  EXPECT_DOUBLE_EQ(p[0].weight, kDefaultRhythmFusionWeight);
  EXPECT_NEAR(p[0].weight + p[1].weight + p[2].weight, 1.0, 1e-12);
  EXPECT_NEAR(p[2].weight / p[1].weight, kRhythmFusionShare, 1e-12);
  p = fusion_parts(three, 30, 0.5);
  EXPECT_DOUBLE_EQ(p[0].weight, 0.5);
  EXPECT_NEAR(p[1].weight + p[2].weight, 0.5, 1e-12);
  EXPECT_THROW(fusion_parts(three, 18), Error);  // no room for the last part
}

class FusedSongIndexParts : public ::testing::TestWithParam<bool> {};

TEST_P(FusedSongIndexParts, RanksExactlyAsTheEvaluationMatrix) {
  const bool rhythm = GetParam();
  const size_t n = 30;
  size_t dim = 0;
  const auto v = fused_vectors(n, 3, dim, rhythm);
  const FusedKind kind = rhythm ? FusedKind{{"model:00000000000000aa", "timbre-v1", "rhythm-v1"}, {kEmbed, int(dim) - kEmbed - kRhythm}}
                                : FusedKind{{"model:00000000000000aa", "timbre-v1"}, {kEmbed}};
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

INSTANTIATE_TEST_SUITE_P(TwoAndThree, FusedSongIndexParts, ::testing::Bool());

}  // namespace

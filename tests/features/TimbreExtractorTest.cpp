// TimbreExtractor: the frames it fits, the stored Gaussian, and that the same sound gives divergence 0
// while a different one does not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "features/GaussianTimbre.h"
#include "features/TimbreExtractor.h"
#include "search/TimbreSongIndex.h"
#include "support/TestSupport.h"

using namespace soundalike;

TEST(TimbreExtractor, KindDimensionAndAValidGaussian) {
  const TimbreExtractor e(kTimbreV1);
  EXPECT_EQ(e.kind(), "timbre-v1");
  EXPECT_EQ(e.dimension(), 1 + 25 + 25 * 26);
  EXPECT_EQ(e.sample_rate(), 22050);
  const auto tone = test::mix(test::sine(440, 3.0, 22050), test::sine(1320, 3.0, 22050, 0.2f));
  const auto v = e.extract(tone);
  ASSERT_EQ(int(v.size()), e.dimension());
  const auto g = GaussianTimbre::from_vector(v);
  EXPECT_EQ(g.dim(), 25);
  for (int i = 0; i < 25; ++i) EXPECT_GT(g.covariance(i, i), 0.0f);
  EXPECT_NE(TimbreExtractor(TimbreConfig{.n_mfcc = 13}).kind(), e.kind());  // other settings, other kind
}

TEST(TimbreExtractor, V2IsV1WithLogDetAndComparesByJensenShannon) {
  const TimbreExtractor v1(kTimbreV1), v2(kTimbreV2);
  EXPECT_EQ(v2.kind(), "timbre-v2");
  EXPECT_EQ(v2.dimension(), v1.dimension() + 2);
  EXPECT_NE(TimbreExtractor(TimbreConfig{.n_mfcc = 13, .divergence = TimbreDivergence::jensen_shannon}).kind(), v2.kind());
  const auto tone = test::mix(test::sine(440, 3.0, 22050), test::sine(1320, 3.0, 22050, 0.2f));
  const auto a1 = v1.extract(tone), a2 = v2.extract(tone);
  ASSERT_EQ(int(a2.size()), v2.dimension());
  EXPECT_TRUE(std::equal(a1.begin(), a1.end(), a2.begin()));
  EXPECT_NEAR(timbre_divergence(a2, v2.extract(tone)), 0.0, 1e-12);
  const auto other = test::mix(test::sine(440, 3.0, 22050, 0.1f), test::sine(3000, 3.0, 22050, 0.5f));
  EXPECT_GT(timbre_divergence(a2, v2.extract(other)), 0.1);
}

TEST(TimbreExtractor, SilenceIsLeftOutAndSameSoundMeansZeroDivergence) {
  const TimbreExtractor e(kTimbreV1);
  const auto tone = test::sine(440, 2.0, 22050);
  auto padded = std::vector<float>(22050, 0.0f);
  padded.insert(padded.end(), tone.begin(), tone.end());
  // One second of digital silence adds no frames (the ~2 edge frames that overlap the tone aside).
  EXPECT_NEAR(double(e.frames(padded).size()) / 25.0, double(e.frames(tone).size()) / 25.0, 5.0);
  const auto a = e.extract(tone);
  // Not exactly 0: a pure tone's covariance is nearly singular, and it is stored in float (songs are tens apart).
  EXPECT_NEAR(timbre_divergence(a, e.extract(tone)), 0.0, 0.05);
  const auto noise = test::mix(test::sine(440, 2.0, 22050, 0.1f), test::sine(3000, 2.0, 22050, 0.5f));
  EXPECT_GT(timbre_divergence(a, e.extract(noise)), 1.0);
  // Pure silence still gives a finite model rather than an error.
  const auto s = e.extract(std::vector<float>(22050, 0.0f));
  EXPECT_TRUE(std::isfinite(timbre_divergence(s, s)));
}

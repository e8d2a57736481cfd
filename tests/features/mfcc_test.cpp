#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>

#include "app/GeneratedStyles.h"
#include "features/MfccExtractor.h"
#include "support/TestSupport.h"

using namespace soundalike;

namespace {
double l2(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(s);
}
}  // namespace

TEST(Mfcc, DctMatchesOrthonormalReference) {
  const MfccExtractor m;
  std::vector<float> x(128), c(20);
  for (int i = 0; i < 128; ++i) x[size_t(i)] = float(std::sin(0.3 * i) * 10 - 40 + 0.1 * i);
  m.dct(x, c);
  // scipy.fft.dct(x, type=2, norm="ortho") written out independently.
  const double N = 128;
  for (int k = 0; k < 20; ++k) {
    double s = 0;
    for (int i = 0; i < 128; ++i) s += x[size_t(i)] * std::cos(std::numbers::pi / N * (i + 0.5) * k);
    s *= k == 0 ? std::sqrt(1 / N) : std::sqrt(2 / N);
    EXPECT_NEAR(c[size_t(k)], s, 1e-3 * (1 + std::abs(s))) << "coefficient " << k;
  }
  // A constant log-mel has energy only in c0 = value * sqrt(N).
  std::fill(x.begin(), x.end(), -30.0f);
  m.dct(x, c);
  EXPECT_NEAR(c[0], -30 * std::sqrt(N), 1e-2);
  for (int k = 1; k < 20; ++k) EXPECT_NEAR(c[size_t(k)], 0, 1e-3);
}

TEST(Mfcc, ShapeDeterminismAndFiniteness) {
  const MfccExtractor m;
  EXPECT_EQ(m.kind(), "mfcc-v1");
  EXPECT_EQ(m.dimension(), 60);
  EXPECT_EQ(MfccExtractor::dimension_names().size(), 60u);
  const auto x = test::generate_style(0, 1, 4.0);
  const auto a = m.extract(x), b = m.extract(x);
  ASSERT_EQ(a.size(), 60u);
  EXPECT_EQ(a, b);
  for (const auto& signal : {std::vector<float>(22050, 0.0f), std::vector<float>(10, 0.1f), std::vector<float>{}}) {
    const auto v = m.extract(signal);
    ASSERT_EQ(v.size(), 60u);
    for (float f : v) EXPECT_TRUE(std::isfinite(f));
  }
}

TEST(Mfcc, LevelChangesOnlyLevelDimensions) {
  // A quieter copy of a song moves c0 and the level mean, but not the spectral shape statistics.
  const MfccExtractor m;
  auto x = test::generate_style(2, 3, 4.0);
  auto q = x;
  for (float& v : q) v *= 0.25f;
  const auto a = m.raw_features(x), b = m.raw_features(q);
  EXPECT_NEAR(a[0] - b[0], 20 * std::log10(4.0) * std::sqrt(128.0), 2.0);  // c0 = sqrt(N) * mean dB
  for (size_t d = 1; d < 20; ++d) EXPECT_NEAR(a[d], b[d], 0.05 * (1 + std::abs(a[d]))) << MfccExtractor::dimension_names()[d];
  EXPECT_NEAR(a[40], b[40], 1e-3);  // centroid
}

TEST(Mfcc, SameStyleSongsAreNearest) {
  const MfccExtractor m;
  std::vector<std::vector<float>> v;
  std::vector<int> style;
  for (int s = 0; s < test::kStyleCount; ++s)
    for (uint32_t i = 0; i < 5; ++i) {
      v.push_back(m.extract(test::generate_style(s, 100 + i, 4.0)));
      style.push_back(s);
    }
  int correct = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    size_t best = i;
    double best_d = 1e30;
    for (size_t j = 0; j < v.size(); ++j)
      if (j != i && l2(v[i], v[j]) < best_d) best_d = l2(v[i], v[j]), best = j;
    correct += style[best] == style[i];
  }
  EXPECT_GE(correct, int(v.size()) - 1);
}

// Prints the raw statistics of very different sounds; used to check the fixed standardisation constants.
TEST(Mfcc, RawStatisticsReport) {
  const MfccExtractor m;
  const auto& names = MfccExtractor::dimension_names();
  std::vector<std::vector<float>> rows;
  for (int s = 0; s < test::kStyleCount; ++s) rows.push_back(m.raw_features(test::generate_style(s, 9, 4.0)));
  rows.push_back(m.raw_features(test::sine(440, 4, 22050, 0.3f)));
  std::vector<float> noise(22050 * 4);
  uint32_t r = 1;
  for (float& f : noise) f = float(int32_t(r = r * 1664525u + 1013904223u) / 2147483648.0 * 0.3);
  rows.push_back(m.raw_features(noise));
  for (size_t d = 0; d < names.size(); ++d) {
    std::string line = names[d];
    for (const auto& row : rows) line += " " + std::to_string(row[d]);
    std::printf("%s\n", line.c_str());
  }
}

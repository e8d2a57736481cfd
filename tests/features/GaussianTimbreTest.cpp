#include "features/GaussianTimbre.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

namespace soundalike {
namespace {

std::vector<float> gaussian_frames(int n, int dim, float shift, float scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> f(size_t(n) * size_t(dim));
  for (int t = 0; t < n; ++t) {
    const float common = g(rng);  // correlated dimensions, so the covariance is not diagonal
    for (int i = 0; i < dim; ++i) f[size_t(t * dim + i)] = shift + scale * (g(rng) + 0.5f * common * float(i % 3));
  }
  return f;
}

TEST(GaussianTimbre, FitRecoversMeanAndCovariance) {
  // Two dimensions with known moments: x ~ N(1, 4), y = x / 2 + N(0, 1) -> cov(x, y) = 2, var(y) = 2.
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> f;
  for (int t = 0; t < 200000; ++t) {
    const float x = 1.0f + 2.0f * g(rng);
    f.insert(f.end(), {x, 0.5f * (x - 1.0f) + g(rng)});
  }
  const auto m = GaussianTimbre::fit(f, 2, 0.0f);
  EXPECT_NEAR(m.mean()[0], 1.0, 0.02);
  EXPECT_NEAR(m.mean()[1], 0.0, 0.02);
  EXPECT_NEAR(m.covariance(0, 0), 4.0, 0.05);
  EXPECT_NEAR(m.covariance(0, 1), 2.0, 0.05);
  EXPECT_NEAR(m.covariance(1, 1), 2.0, 0.05);
}

TEST(GaussianTimbre, DivergenceIsZeroForIdenticalSymmetricAndPositiveOtherwise) {
  const auto a = GaussianTimbre::fit(gaussian_frames(500, 12, 0.0f, 1.0f, 1), 12);
  const auto b = GaussianTimbre::fit(gaussian_frames(500, 12, 0.3f, 1.5f, 2), 12);
  const auto c = GaussianTimbre::fit(gaussian_frames(500, 12, 2.0f, 0.5f, 3), 12);
  EXPECT_NEAR(symmetric_kl(a, a), 0.0, 1e-4);
  EXPECT_NEAR(symmetric_kl(a, b), symmetric_kl(b, a), 1e-6 * symmetric_kl(a, b));
  EXPECT_GT(symmetric_kl(a, b), 0.1);
  EXPECT_GT(symmetric_kl(a, c), symmetric_kl(a, b));  // further in mean and shape
}

// N(0, 4/3) and N(3, 16/3), from four frames each (sample variances).
std::pair<GaussianTimbre, GaussianTimbre> one_dimensional_pair() {
  std::vector<float> f1, f2;
  for (int t = 0; t < 4; ++t) {
    f1.push_back(t % 2 ? 1.0f : -1.0f);
    f2.push_back(t % 2 ? 5.0f : 1.0f);
  }
  return {GaussianTimbre::fit(f1, 1, 0.0f), GaussianTimbre::fit(f2, 1, 0.0f)};
}

TEST(GaussianTimbre, MatchesTheClosedFormForDiagonalGaussians) {
  // 1-D: SKL(N(m1, s1^2), N(m2, s2^2)) = (s1^2 - s2^2)^2 / (2 s1^2 s2^2) + (m1 - m2)^2 (1/s1^2 + 1/s2^2) / 2
  const auto [a, b] = one_dimensional_pair();
  const double v1 = 4.0 / 3, v2 = 16.0 / 3, dm = 3.0;
  const double expected = (v1 - v2) * (v1 - v2) / (2 * v1 * v2) + dm * dm * (1 / v1 + 1 / v2) / 2;
  EXPECT_NEAR(symmetric_kl(a, b), expected, 1e-4);
}

TEST(GaussianTimbre, JensenShannonIsZeroForIdenticalSymmetricAndPositiveOtherwise) {
  const auto a = GaussianTimbre::fit(gaussian_frames(500, 12, 0.0f, 1.0f, 1), 12);
  const auto b = GaussianTimbre::fit(gaussian_frames(500, 12, 0.3f, 1.5f, 2), 12);
  const auto c = GaussianTimbre::fit(gaussian_frames(500, 12, 2.0f, 0.5f, 3), 12);
  EXPECT_EQ(jensen_shannon(a, a), 0.0);
  EXPECT_NEAR(jensen_shannon(a, b), jensen_shannon(b, a), 1e-12);
  EXPECT_GT(jensen_shannon(a, b), 0.01);
  EXPECT_GT(jensen_shannon(a, c), jensen_shannon(a, b));
}

TEST(GaussianTimbre, JensenShannonMatchesTheMomentMatchedFormulaIn1D) {
  // sigma_m^2 = (v1 + v2) / 2 + ((m1 - m2) / 2)^2; JS = 1/2 log sigma_m^2 - 1/4 (log v1 + log v2).
  const auto [a, b] = one_dimensional_pair();
  const double v1 = 4.0 / 3, v2 = 16.0 / 3, half_dm = 1.5;
  const double expected = 0.5 * std::log((v1 + v2) / 2 + half_dm * half_dm) - 0.25 * (std::log(v1) + std::log(v2));
  EXPECT_NEAR(jensen_shannon(a, b), expected, 1e-6);
  EXPECT_NEAR(a.log_det(), std::log(v1), 1e-6);
}

TEST(GaussianTimbre, JensenShannonStaysFiniteAndModestForNearSingularCovariances) {
  // Frames on a line in 6-D: rank 1 before the ridge. The KL's inverse blows such songs far from
  // everything; the JS grows only with the log of the volume ratio.
  std::vector<float> line;
  for (int t = 0; t < 300; ++t)
    for (int i = 0; i < 6; ++i) line.push_back(0.01f * float(t % 17) * float(i + 1));
  const auto a = GaussianTimbre::fit(line, 6, 1e-6f);
  const auto b = GaussianTimbre::fit(gaussian_frames(300, 6, 0.0f, 1.0f, 7), 6, 1e-6f);
  const double js = jensen_shannon(a, b);
  EXPECT_TRUE(std::isfinite(js));
  EXPECT_GT(js, 0.0);
  EXPECT_LT(js, 100.0);
  EXPECT_GT(symmetric_kl(a, b), 1e4);
  EXPECT_EQ(jensen_shannon(a, a), 0.0);
}

TEST(GaussianTimbre, VectorFormRoundTrips) {
  const auto a = GaussianTimbre::fit(gaussian_frames(300, 8, 0.5f, 1.2f, 4), 8);
  const auto b = GaussianTimbre::fit(gaussian_frames(300, 8, -0.5f, 0.8f, 5), 8);
  const auto a2 = GaussianTimbre::from_vector(a.to_vector());
  EXPECT_EQ(a2.to_vector(), a.to_vector());
  EXPECT_DOUBLE_EQ(symmetric_kl(a2, b), symmetric_kl(a, b));
  std::vector<float> broken = a.to_vector();
  broken.pop_back();
  EXPECT_THROW(GaussianTimbre::from_vector(broken), std::exception);
  // With log det (timbre-v2): the same prefix, two more floats, the same divergences.
  const auto plain = a.to_vector(), with = a.to_vector(true);
  ASSERT_EQ(with.size(), plain.size() + 2);
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), with.begin()));
  const auto a3 = GaussianTimbre::from_vector(with);
  EXPECT_DOUBLE_EQ(a3.log_det(), a.log_det());
  EXPECT_DOUBLE_EQ(jensen_shannon(a3, b), jensen_shannon(a, b));
}

TEST(GaussianTimbre, ConstantFramesStayFinite) {
  const auto a = GaussianTimbre::fit(std::vector<float>(400, 0.25f), 4);
  const auto b = GaussianTimbre::fit(gaussian_frames(100, 4, 0.0f, 1.0f, 6), 4);
  EXPECT_TRUE(std::isfinite(symmetric_kl(a, b)));
  EXPECT_NEAR(symmetric_kl(a, a), 0.0, 1e-4);
}

}  // namespace
}  // namespace soundalike

#include "retrieval/PrecisionAtK.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "retrieval/RetrievalEvaluation.h"

namespace soundalike {
namespace {

TEST(PrecisionAtK, HandComputedPlainAndCapped) {
  // Two tight clusters, one point of label 1 sitting in cluster 0.
  std::vector<std::vector<float>> e = {{0, 0}, {0, 1}, {1, 0}, {10, 10}, {10.5f, 10.5f}, {0.5f, 0.5f}};
  std::vector<int> l = {0, 0, 0, 1, 1, 1};
  // k = 2: item 0's nearest are 5 (0.71, label 1) and 1 or 2 (1.0) -> 1/2; item 1: 5 (0.71), 0 (1) -> 1/2;
  // item 2: same as 1 -> 1/2; item 3: 4, then 5 -> 2/2; item 4: 3, 5 -> 2/2; item 5: 0,1,2 at <= 0.71 -> 0/2.
  // Every label has 2 other items, so capping at min(2, 2) changes nothing.
  const PrecisionAtK k2 = precision_at_k(e, l, 2);
  EXPECT_NEAR(k2.plain, (0.5 + 0.5 + 0.5 + 1 + 1 + 0) / 6, 1e-12);
  EXPECT_NEAR(k2.capped, k2.plain, 1e-12);
  // k larger than n - 1 shrinks to 5, where every item finds both of its 2 same-label neighbours:
  // plain that is 2 of 5, capped 2 of the 2 there are.
  const PrecisionAtK k10 = precision_at_k(e, l, 10);
  EXPECT_NEAR(k10.plain, 2.0 / 5, 1e-12);
  EXPECT_NEAR(k10.capped, 1.0, 1e-12);
  // k = 3: item 5 (label 1) finds 0, 1, 2 (all label 0): 0 of min(3, 2).
  EXPECT_LT(precision_at_k(e, l, 3).capped, 1.0);
  EXPECT_EQ(precision_at_k({{1.0f}}, std::vector<int>{0}, 10).plain, 0.0);
}

// "p_at_10" means one thing everywhere: the plain figure of `train`/`evaluate` is musly-eval's P@10 that
// score_retrieval() gives `pretrain` and `evaluate-retrieval`, on the same L2 distances.
TEST(PrecisionAtK, PlainIsScoreRetrievalsPAt10OnL2) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, 1.0f);
  const int n = 37, dims = 6;
  std::vector<std::vector<float>> e(n, std::vector<float>(dims));
  std::vector<int> labels(n);
  std::vector<std::string> names(n);
  for (int i = 0; i < n; ++i) {
    labels[size_t(i)] = i % 4;
    names[size_t(i)] = "label" + std::to_string(i % 4);
    for (int f = 0; f < dims; ++f) e[size_t(i)][size_t(f)] = g(rng) + (f == i % 4 ? 1.5f : 0.0f);
  }
  const auto d = distance_matrix(size_t(n), [&](size_t i, size_t j) {
    double s = 0;
    for (int f = 0; f < dims; ++f) s += std::pow(double(e[i][size_t(f)]) - double(e[j][size_t(f)]), 2);
    return std::sqrt(s);
  });
  const RetrievalScores musly = score_retrieval(names, d);
  const PrecisionAtK p = precision_at_k(e, labels, 10);
  EXPECT_NEAR(p.plain, musly.p_at_10, 1e-9);
  EXPECT_GE(p.capped, p.plain);
}

}  // namespace
}  // namespace soundalike

#include "retrieval/RetrievalEvaluation.h"

#include <gtest/gtest.h>

#include <cmath>

namespace soundalike {
namespace {

TEST(RetrievalEvaluation, HandComputedScores) {
  // Four points on a line: a a b b at 0, 1, 2, 10. Neighbours: 0->1(a), 1->0(a), 2->1(a: miss), 3->2(b).
  const std::vector<std::string> labels = {"a", "a", "b", "b"};
  const std::vector<double> x = {0, 1, 2, 10};
  const auto d = distance_matrix(4, [&](size_t i, size_t j) { return std::abs(x[i] - x[j]); }, 1);
  const auto s = score_retrieval(labels, d);
  EXPECT_DOUBLE_EQ(s.p_at_1, 3.0 / 4.0);
  // k = 3 for every item; one relevant item each among the other three.
  EXPECT_DOUBLE_EQ(s.p_at_10, (1.0 / 3 + 1.0 / 3 + 1.0 / 3 + 1.0 / 3) / 4);
  // r = 1: the nearest is relevant for items 0, 1 and 3.
  EXPECT_DOUBLE_EQ(s.r_precision, 3.0 / 4.0);
  EXPECT_EQ(s.items, 4);
}

TEST(RetrievalEvaluation, PerfectAndRandomOrders) {
  std::vector<std::string> labels;
  std::vector<double> x;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 12; ++i) {
      labels.push_back(std::to_string(c));
      x.push_back(c * 100 + i);
    }
  const auto d = distance_matrix(x.size(), [&](size_t i, size_t j) { return std::abs(x[i] - x[j]); });
  const auto s = score_retrieval(labels, d);
  EXPECT_DOUBLE_EQ(s.p_at_1, 1.0);
  EXPECT_DOUBLE_EQ(s.p_at_10, 1.0);
  EXPECT_DOUBLE_EQ(s.r_precision, 1.0);
  const auto inverted = distance_matrix(x.size(), [&](size_t i, size_t j) { return -std::abs(x[i] - x[j]); });
  EXPECT_DOUBLE_EQ(score_retrieval(labels, inverted).p_at_1, 0.0);
}

TEST(RetrievalEvaluation, MutualProximityMatrixIsSymmetricInZeroOne) {
  const std::vector<double> x = {0, 1, 3, 7, 15, 31};
  const auto d = distance_matrix(6, [&](size_t i, size_t j) { return std::abs(x[i] - x[j]); });
  const auto mp = mutual_proximity_matrix(d, 6);
  for (size_t i = 0; i < 6; ++i)
    for (size_t j = 0; j < 6; ++j) {
      EXPECT_FLOAT_EQ(mp[i * 6 + j], mp[j * 6 + i]);
      EXPECT_GE(mp[i * 6 + j], 0.0f);
      EXPECT_LE(mp[i * 6 + j], 1.0f);
    }
}

}  // namespace
}  // namespace soundalike

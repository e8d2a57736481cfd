#include "retrieval/MutualProximity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace soundalike {
namespace {

TEST(MutualProximity, KeepsTheOrderOfOneQueryWhenAllSongsShareOneDistribution) {
  std::mt19937 rng(9);
  std::normal_distribution<float> g(10.0f, 2.0f);
  std::vector<float> sample(500);
  for (float& v : sample) v = g(rng);
  const DistanceStats shared = distance_stats(sample);
  std::vector<double> raw(50);
  for (double& d : raw) d = g(rng);
  std::vector<double> mp;
  for (double d : raw) mp.push_back(mutual_proximity(d, shared, shared));
  std::vector<int> by_raw(raw.size()), by_mp(raw.size());
  std::iota(by_raw.begin(), by_raw.end(), 0);
  std::iota(by_mp.begin(), by_mp.end(), 0);
  std::sort(by_raw.begin(), by_raw.end(), [&](int a, int b) { return raw[size_t(a)] < raw[size_t(b)]; });
  std::sort(by_mp.begin(), by_mp.end(), [&](int a, int b) { return mp[size_t(a)] < mp[size_t(b)]; });
  EXPECT_EQ(by_raw, by_mp);
}

TEST(MutualProximity, DemotesAHub) {
  // A hub is close to everyone: a distance of 5 is ordinary for it, but unusually close for a song whose
  // distances are usually around 10. A pair that is close for both sides should rank first.
  const DistanceStats hub{5.0f, 1.0f}, query{10.0f, 1.0f}, peer{10.0f, 1.0f};
  const double to_hub = mutual_proximity(6.0, query, hub);
  const double to_peer = mutual_proximity(7.0, query, peer);
  EXPECT_LT(to_peer, to_hub);  // although the raw distance to the hub is smaller
  EXPECT_GE(to_hub, 0.0);
  EXPECT_LE(to_hub, 1.0);
}

TEST(MutualProximity, StatsOfASample) {
  const std::vector<float> d = {1, 2, 3, 4};
  const auto s = distance_stats(d);
  EXPECT_FLOAT_EQ(s.mean, 2.5f);
  EXPECT_NEAR(s.stddev, std::sqrt(1.25), 1e-6);
  EXPECT_GT(distance_stats(std::vector<float>(3, 7.0f)).stddev, 0.0f);
}

}  // namespace
}  // namespace soundalike

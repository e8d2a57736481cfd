// Timbre search: the packed-layout divergence, exact brute force against pairwise ranking, the vector
// filter against exact search, and mutual proximity through LibrarySearch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>


#include "features/GaussianTimbre.h"
#include "library/LibraryDb.h"
#include "library/LibraryProximity.h"
#include "library/LibrarySearch.h"
#include "search/PairDistance.h"
#include "search/TimbreSongIndex.h"
#include "library/RawSql.h"
#include "support/TestSupport.h"

using namespace soundalike;

namespace {

constexpr int kD = 8;

// Gaussians fitted to frames around a few styles, so neighbourhoods are real.
std::vector<std::vector<float>> models(size_t n, uint32_t seed, bool with_log_det = false) {
  std::mt19937 g(seed);
  std::normal_distribution<float> z(0.0f, 1.0f);
  std::vector<std::vector<float>> centres(5, std::vector<float>(kD));
  for (auto& c : centres)
    for (float& x : c) x = 10.0f * z(g);
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < n; ++i) {
    const auto& c = centres[i % centres.size()];
    std::vector<float> shift(kD), scale(kD);
    for (int a = 0; a < kD; ++a) {
      shift[size_t(a)] = c[size_t(a)] + z(g);
      scale[size_t(a)] = std::exp(0.3f * z(g));
    }
    std::vector<float> frames;
    for (int f = 0; f < 60; ++f) {
      const float common = z(g);
      for (int a = 0; a < kD; ++a) frames.push_back(shift[size_t(a)] + scale[size_t(a)] * (z(g) + 0.5f * common));
    }
    out.push_back(GaussianTimbre::fit(frames, kD).to_vector(with_log_det));
  }
  return out;
}

TEST(TimbreDivergence, MatchesSymmetricKlAndIsZeroSymmetricPositive) {
  const auto m = models(6, 1);
  for (size_t i = 0; i < m.size(); ++i) {
    EXPECT_NEAR(timbre_divergence(m[i], m[i]), 0.0, 1e-3);
    for (size_t j = i + 1; j < m.size(); ++j) {
      const double d = timbre_divergence(m[i], m[j]);
      EXPECT_GT(d, 0.0);
      EXPECT_DOUBLE_EQ(d, timbre_divergence(m[j], m[i]));
      const double ref = symmetric_kl(GaussianTimbre::from_vector(m[i]), GaussianTimbre::from_vector(m[j]));
      EXPECT_NEAR(d, ref, 1e-4 * std::max(1.0, ref));
      EXPECT_DOUBLE_EQ(d, pair_distance("timbre-v1", Metric::cosine)(m[i], m[j]));
    }
  }
}

std::pair<std::vector<int64_t>, std::vector<float>> flatten(const std::vector<std::vector<float>>& m) {
  std::vector<int64_t> ids;
  std::vector<float> data;
  for (size_t i = 0; i < m.size(); ++i) {
    ids.push_back(int64_t(100 + i));
    data.insert(data.end(), m[i].begin(), m[i].end());
  }
  return {ids, data};
}

TEST(TimbreSongIndex, ExactSearchEqualsPairwiseRanking) {
  const auto m = models(300, 2);
  const auto [ids, data] = flatten(m);
  auto index = make_timbre_index(int(m[0].size()), {}, m.size());
  EXPECT_EQ(index->type(), "timbre-exact");
  index->add(ids, data);
  for (size_t q : {size_t(0), size_t(17), size_t(123)}) {
    std::vector<std::pair<double, int64_t>> truth;
    for (size_t j = 0; j < m.size(); ++j) truth.push_back({timbre_divergence(m[q], m[j]), ids[j]});
    std::sort(truth.begin(), truth.end());
    const auto found = index->search(m[q], 10);
    ASSERT_EQ(found.size(), 10u);
    EXPECT_EQ(found[0].id, ids[q]);  // itself, at distance 0
    for (size_t r = 0; r < 10; ++r) {
      EXPECT_EQ(found[r].id, truth[r].second) << "rank " << r;
      EXPECT_NEAR(found[r].distance, truth[r].first, 1e-3 * std::max(1.0, truth[r].first));
    }
  }
}

TEST(TimbreDivergence, JensenShannonForTimbreV2VectorsAndNoMixingOfKinds) {
  const auto v1 = models(5, 1), v2 = models(5, 1, true);
  for (size_t i = 0; i < v2.size(); ++i) {
    EXPECT_NEAR(timbre_divergence(v2[i], v2[i]), 0.0, 1e-12);  // log det is stored as two floats
    for (size_t j = i + 1; j < v2.size(); ++j) {
      const double d = timbre_divergence(v2[i], v2[j]);
      EXPECT_GT(d, 0.0);
      EXPECT_DOUBLE_EQ(d, timbre_divergence(v2[j], v2[i]));
      EXPECT_NEAR(d, jensen_shannon(GaussianTimbre::from_vector(v2[i]), GaussianTimbre::from_vector(v2[j])), 1e-9 * std::max(1.0, d));
      EXPECT_DOUBLE_EQ(d, pair_distance("timbre-v2", Metric::l2)(v2[i], v2[j]));
      // The same Gaussians under the KL give another (larger, heavier-tailed) number.
      EXPECT_NE(d, timbre_divergence(v1[i], v1[j]));
    }
  }
  EXPECT_THROW(timbre_divergence(v1[0], v2[1]), std::exception);
}

// Top-k of an index against the pairwise ranking by timbre_divergence.
void expect_pairwise_ranking(const SongIndex& index, const std::vector<std::vector<float>>& m, const std::vector<int64_t>& ids,
                             std::initializer_list<size_t> queries) {
  for (size_t q : queries) {
    std::vector<std::pair<double, int64_t>> truth;
    for (size_t j = 0; j < m.size(); ++j) truth.push_back({timbre_divergence(m[q], m[j]), ids[j]});
    std::sort(truth.begin(), truth.end());
    const auto found = index.search(m[q], 10);
    ASSERT_EQ(found.size(), 10u);
    EXPECT_EQ(found[0].id, ids[q]);  // itself, at distance 0
    for (size_t r = 0; r < 10; ++r) {
      EXPECT_EQ(found[r].id, truth[r].second) << "query " << q << " rank " << r;
      EXPECT_NEAR(found[r].distance, truth[r].first, 1e-5 * std::max(1.0, truth[r].first));
    }
  }
}

TEST(TimbreSongIndex, JensenShannonSearchEqualsPairwiseRankingExactAndShortlisted) {
  const auto m = models(300, 2, true);
  const auto [ids, data] = flatten(m);
  auto exact = make_timbre_index(int(m[0].size()), {}, m.size());
  EXPECT_EQ(exact->type(), "timbre-js-exact");
  exact->add(ids, data);
  expect_pairwise_ranking(*exact, m, ids, {0, 17, 123});
  // Past the exact threshold the KL scan shortlists; with a shortlist of a third of the library the
  // ten nearest by JS are still found.
  TimbreIndexOptions o;
  o.js_exact_threshold = 10;
  o.js_candidates = 100;
  auto shortlisted = make_timbre_index(int(m[0].size()), o, m.size());
  shortlisted->add(ids, data);
  EXPECT_EQ(shortlisted->type(), "timbre-js-shortlist");
  expect_pairwise_ranking(*shortlisted, m, ids, {0, 17, 123});
}

TEST(TimbreSongIndex, FilterGivesTheSameTopResultOnATinyLibrary) {
  const auto m = models(120, 3);
  const auto [ids, data] = flatten(m);
  auto exact = make_timbre_index(int(m[0].size()), {}, m.size());
  TimbreIndexOptions fo;
  fo.force_filter = true;
  fo.filter_candidates = 20;
  auto filtered = make_timbre_index(int(m[0].size()), fo, m.size());
  EXPECT_EQ(filtered->type(), "timbre-filter");
  exact->add(ids, data);
  filtered->add(ids, data);
  for (size_t q = 0; q < m.size(); q += 7) {
    // A perturbed copy of song q, so the answer is not trivially the query itself.
    std::vector<float> query = m[q];
    for (int a = 1; a <= kD; ++a) query[size_t(a)] += 0.05f;
    const auto e = exact->search(query, 3);
    const auto f = filtered->search(query, 3);
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f[0].id, e[0].id) << "query " << q;
    EXPECT_FLOAT_EQ(f[0].distance, e[0].distance);
  }
}

TEST(LibraryMutualProximity, KeepsTheOrderOfOneQueryWhenAllSongsShareOneDistribution) {
  test::TempDir dir;
  LibraryDb db(dir / "lib.db", LibraryDb::Mode::read_write);
  const auto m = models(40, 4);
  std::vector<TrackUpdate> updates;
  for (size_t i = 0; i < m.size(); ++i) {
    TrackUpdate u;
    u.track.path = (dir / ("s" + std::to_string(i) + ".wav")).string();
    u.track.content_hash = std::to_string(i);
    u.embedding = EmbeddingRow{"timbre-v1", m[i], {}};
    updates.push_back(u);
  }
  const auto ids = db.commit(updates);
  // Every song gets the same statistics: MP is then a monotone function of the raw divergence.
  std::vector<std::pair<int64_t, DistanceStats>> same;
  for (int64_t id : ids) same.push_back({id, DistanceStats{50.0f, 20.0f}});
  db.store_distance_stats("timbre-v1", "kl", same, int64_t(ids.size()));
  LibrarySearch raw(db, "timbre-v1", SearchOptions{});
  SearchOptions mo;
  mo.normalize = Normalization::mp;
  LibrarySearch mp(db, "timbre-v1", mo);
  const auto a = raw.search(m[5], 15);
  const auto b = mp.search(m[5], 15);
  ASSERT_EQ(a.size(), b.size());
  for (size_t r = 0; r < a.size(); ++r) {
    EXPECT_EQ(a[r].id, b[r].id) << "rank " << r;
    EXPECT_GE(b[r].distance, 0.0f);
    EXPECT_LE(b[r].distance, 1.0f);
  }
}

TEST(LibraryMutualProximity, StatisticsAreStoredIncrementallyAndDroppedWithTheVector) {
  test::TempDir dir;
  LibraryDb db(dir / "lib.db", LibraryDb::Mode::read_write);
  const auto m = models(50, 5);
  auto commit = [&](size_t from, size_t to) {
    std::vector<TrackUpdate> updates;
    for (size_t i = from; i < to; ++i) {
      TrackUpdate u;
      u.track.path = (dir / ("s" + std::to_string(i) + ".wav")).string();
      u.embedding = EmbeddingRow{"timbre-v1", m[i], {}};
      updates.push_back(u);
    }
    return db.commit(updates);
  };
  commit(0, 20);
  auto u = update_distance_stats(db, "timbre-v1", Metric::l2);
  EXPECT_EQ(u.computed, 20u);
  EXPECT_EQ(update_distance_stats(db, "timbre-v1", Metric::l2).computed, 0u);  // nothing new
  commit(20, 25);
  u = update_distance_stats(db, "timbre-v1", Metric::l2);
  EXPECT_EQ(u.computed, 5u);
  EXPECT_FALSE(u.refreshed_all);
  const auto stats = db.distance_stats("timbre-v1", "kl");
  EXPECT_EQ(stats.size(), 25u);
  for (const auto& [id, s] : stats) EXPECT_GT(s.stats.mean, 0.0f);
  // Re-indexing a song (a new vector) drops its statistics.
  commit(3, 4);
  EXPECT_EQ(db.distance_stats("timbre-v1", "kl").size(), 24u);
  commit(25, 30);
  EXPECT_EQ(update_distance_stats(db, "timbre-v1", Metric::l2).computed, 6u);  // 5 new + the re-indexed one
  // The library more than doubles since the oldest statistics (20 songs): everything is refreshed.
  commit(30, 50);
  u = update_distance_stats(db, "timbre-v1", Metric::l2);
  EXPECT_TRUE(u.refreshed_all);
  EXPECT_EQ(u.computed, 50u);
}

}  // namespace

namespace {

TEST(LibrarySchema, VersionOneIsReadableAndMigratedWhenOpenedForWriting) {
  test::TempDir dir;
  const auto path = dir / "lib.db";
  {
    LibraryDb db(path, LibraryDb::Mode::read_write);
    TrackUpdate u;
    u.track.path = (dir / "a.wav").string();
    u.embedding = EmbeddingRow{"timbre-v1", models(1, 6)[0], {}};
    db.commit(std::span(&u, 1));
  }
  // What a version 1 build left behind.
  ASSERT_NO_FATAL_FAILURE(test::run_sql(path, "DROP TABLE distance_stats; UPDATE meta SET value = '1' WHERE key = 'schema_version';"));
  {
    LibraryDb ro(path, LibraryDb::Mode::read_only);
    EXPECT_TRUE(ro.distance_stats("timbre-v1", "kl").empty());
    EXPECT_EQ(ro.vectors("timbre-v1").ids.size(), 1u);
  }
  LibraryDb rw(path, LibraryDb::Mode::read_write);
  const int64_t id = rw.vectors("timbre-v1").ids.at(0);
  const std::pair<int64_t, DistanceStats> row{id, DistanceStats{1.0f, 2.0f}};
  rw.store_distance_stats("timbre-v1", "kl", std::span(&row, 1), 1);
  EXPECT_EQ(rw.distance_stats("timbre-v1", "kl").size(), 1u);
  LibraryDb again(path, LibraryDb::Mode::read_only);  // reads version 2
  EXPECT_EQ(again.distance_stats("timbre-v1", "kl").at(id).stats.stddev, 2.0f);
}

}  // namespace

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <thread>
#include <fstream>
#include <atomic>

#include "common/Error.h"
#include "library/LibraryDb.h"
#include "library/LibrarySearch.h"
#include "search/SongIndex.h"
#include "support/TestSupport.h"

using namespace soundalike;

namespace {

std::vector<float> random_vectors(size_t n, int d, uint32_t seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(n * size_t(d));
  for (float& x : v) x = u(g);
  return v;
}

// Exact neighbours by brute force, written independently of FAISS.
std::vector<int64_t> brute_force(const std::vector<float>& data, int d, std::span<const float> q, int k, bool cosine) {
  const size_t n = data.size() / size_t(d);
  std::vector<std::pair<double, int64_t>> all;
  double qn = 0;
  for (float x : q) qn += double(x) * x;
  for (size_t i = 0; i < n; ++i) {
    double l2 = 0, dot = 0, vn = 0;
    for (int j = 0; j < d; ++j) {
      const double a = data[i * size_t(d) + size_t(j)], b = q[size_t(j)];
      l2 += (a - b) * (a - b);
      dot += a * b;
      vn += a * a;
    }
    all.emplace_back(cosine ? 1 - dot / std::sqrt(vn * qn) : l2, int64_t(i) + 1000);
  }
  std::partial_sort(all.begin(), all.begin() + k, all.end());
  std::vector<int64_t> ids;
  for (int i = 0; i < k; ++i) ids.push_back(all[size_t(i)].second);
  return ids;
}

std::vector<int64_t> ids_for(size_t n) {
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = int64_t(i) + 1000;  // not positions: the mapping must be kept
  return ids;
}

}  // namespace

TEST(SongIndex, FlatIsExactForL2AndCosine) {
  const int d = 24;
  const size_t n = 600;
  const auto data = random_vectors(n, d, 1);
  for (Metric m : {Metric::l2, Metric::cosine}) {
    FaissIndexOptions o;
    o.metric = m;
    auto index = make_faiss_index(d, o, n);
    EXPECT_EQ(index->type(), "flat");
    index->add(ids_for(n), data);
    EXPECT_EQ(index->size(), n);
    const auto queries = random_vectors(20, d, 2);
    for (size_t qi = 0; qi < 20; ++qi) {
      std::span<const float> q(queries.data() + qi * d, size_t(d));
      const auto got = index->search(q, 10);
      ASSERT_EQ(got.size(), 10u);
      const auto want = brute_force(data, d, q, 10, m == Metric::cosine);
      for (int i = 0; i < 10; ++i) EXPECT_EQ(got[size_t(i)].id, want[size_t(i)]);
      for (int i = 1; i < 10; ++i) EXPECT_LE(got[size_t(i - 1)].distance, got[size_t(i)].distance);
    }
  }
  // L2 distances are Euclidean (not squared): a vector's distance to itself is 0, to a shifted copy 2.
  FaissIndexOptions o;
  auto index = make_faiss_index(2, o, 2);
  const std::vector<float> pts = {0, 0, 3, 4};
  index->add(std::vector<int64_t>{7, 9}, pts);
  const auto r = index->search(std::vector<float>{0, 0}, 2);
  EXPECT_EQ(r[0], (Neighbor{7, 0.0f}));
  EXPECT_EQ(r[1].id, 9);
  EXPECT_NEAR(r[1].distance, 5.0f, 1e-5);
}

TEST(SongIndex, HnswRecallAt10AgainstExact) {
  const int d = 64;
  const size_t n = 8000;
  const auto data = random_vectors(n, d, 3);
  FaissIndexOptions o;
  o.type = IndexType::hnsw;
  auto hnsw = make_faiss_index(d, o, n);
  ASSERT_EQ(hnsw->type(), "hnsw");
  hnsw->add(ids_for(n), data);
  const auto queries = random_vectors(100, d, 4);
  size_t hits = 0;
  for (size_t qi = 0; qi < 100; ++qi) {
    std::span<const float> q(queries.data() + qi * d, size_t(d));
    const auto want = brute_force(data, d, q, 10, false);
    const std::set<int64_t> truth(want.begin(), want.end());
    for (const auto& nb : hnsw->search(q, 10)) hits += truth.contains(nb.id);
  }
  const double recall = double(hits) / 1000.0;
  EXPECT_GE(recall, 0.95) << "HNSW recall@10 " << recall;
}

TEST(SongIndex, AutomaticChoosesHnswAboveThreshold) {
  FaissIndexOptions o;
  o.hnsw_threshold = 100;
  EXPECT_EQ(make_faiss_index(8, o, 100)->type(), "flat");
  EXPECT_EQ(make_faiss_index(8, o, 101)->type(), "hnsw");
}

TEST(SongIndex, SaveLoadRoundTripAndBadFiles) {
  test::TempDir dir;
  const int d = 16;
  const auto data = random_vectors(300, d, 5);
  for (IndexType t : {IndexType::flat, IndexType::hnsw}) {
    FaissIndexOptions o;
    o.type = t;
    o.metric = Metric::cosine;
    auto index = make_faiss_index(d, o, 300);
    index->add(ids_for(300), data);
    index->save(dir / "x.faiss");
    auto loaded = load_faiss_index(dir / "x.faiss");
    EXPECT_EQ(loaded->type(), index->type());
    EXPECT_EQ(loaded->metric(), Metric::cosine);
    EXPECT_EQ(loaded->size(), 300u);
    const std::vector<float> q(data.begin(), data.begin() + d);
    EXPECT_EQ(loaded->search(q, 5), index->search(q, 5));
  }
  {
    std::ofstream f(dir / "junk.faiss");
    f << "not an index";
  }
  try {
    load_faiss_index(dir / "junk.faiss");
    FAIL() << "junk accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::bad_data);
  }
}

TEST(SongIndex, ConcurrentSearchesAgree) {
  const int d = 32;
  const auto data = random_vectors(2000, d, 6);
  FaissIndexOptions o;
  o.type = IndexType::hnsw;
  auto index = make_faiss_index(d, o, 2000);
  index->add(ids_for(2000), data);
  const std::vector<float> q(data.begin() + d * 5, data.begin() + d * 6);
  const auto want = index->search(q, 10);
  std::vector<std::jthread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        if (index->search(q, 10) != want) ++mismatches;
    });
  threads.clear();
  EXPECT_EQ(mismatches.load(), 0);
}

namespace {
TrackUpdate make_track(const std::string& path, std::vector<float> v, const std::string& hash) {
  TrackUpdate u;
  u.track.path = path;
  u.track.size = 100;
  u.track.mtime_ns = 42;
  u.track.content_hash = hash;
  u.track.duration = 3.5;
  u.track.tags.artist = "Artist";
  u.track.tags.title = "Title " + path;
  u.track.tags.track = 3;
  u.track.descriptors.bpm = 120;
  u.embedding = EmbeddingRow{"test-kind", std::move(v), {{"rock", 0.75f}}};
  return u;
}
}  // namespace

TEST(LibraryDb, RoundTripUpsertFailuresAndGeneration) {
  test::TempDir dir;
  LibraryDb db(dir / "lib.db", LibraryDb::Mode::read_write);
  const int64_t g0 = db.generation();
  std::vector<TrackUpdate> batch = {make_track("/a.mp3", {1, 2, 3}, "h1"), make_track("/b.mp3", {4, 5, 6}, "h2")};
  const auto ids = db.commit(batch);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_GT(db.generation(), g0);
  auto a = db.track(ids[0]);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->path, "/a.mp3");
  EXPECT_EQ(a->tags.artist, "Artist");
  EXPECT_EQ(a->tags.track, 3);
  EXPECT_EQ(a->descriptors.bpm, 120);
  auto e = db.embedding(ids[1], "test-kind");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->vector, (std::vector<float>{4, 5, 6}));
  ASSERT_EQ(e->labels.size(), 1u);
  EXPECT_EQ(e->labels[0].label, "rock");

  // Re-committing a path updates the same row; a failure drops its vector and lists it.
  TrackUpdate fail;
  fail.track.path = "/a.mp3";
  fail.track.size = 7;
  fail.track.error = "truncated";
  fail.track.error_code = 4;
  EXPECT_EQ(db.commit(std::span(&fail, 1)).at(0), ids[0]);
  EXPECT_FALSE(db.embedding(ids[0], "test-kind"));
  ASSERT_EQ(db.failures().size(), 1u);
  EXPECT_EQ(db.failures()[0].error, "truncated");
  EXPECT_EQ(db.tracks().size(), 1u);
  const auto vs = db.vectors("test-kind");
  EXPECT_EQ(vs.ids, std::vector<int64_t>{ids[1]});
  EXPECT_EQ(vs.dimension, 3);
  EXPECT_EQ(db.kinds().at(0), (std::pair<std::string, int64_t>{"test-kind", 1}));
  EXPECT_EQ(db.ids_with_hash("h2"), std::vector<int64_t>{ids[1]});

  const auto states = db.file_states("test-kind");
  EXPECT_TRUE(states.at("/a.mp3").failed);
  EXPECT_TRUE(states.at("/b.mp3").has_embedding);
  db.remove(std::vector<int64_t>{ids[1]});
  EXPECT_FALSE(db.track(ids[1]));
  EXPECT_FALSE(db.embedding(ids[1], "test-kind"));  // cascades
}

TEST(LibraryDb, ReadOnlyReaderSeesCommitsAndCannotWrite) {
  test::TempDir dir;
  LibraryDb writer(dir / "lib.db", LibraryDb::Mode::read_write);
  LibraryDb reader(dir / "lib.db", LibraryDb::Mode::read_only);
  EXPECT_EQ(reader.track_count(), 0);
  auto u = make_track("/x.mp3", {1, 1}, "hx");
  writer.commit(std::span(&u, 1));
  EXPECT_EQ(reader.track_count(), 1);
  try {
    reader.commit(std::span(&u, 1));
    FAIL() << "read-only database accepted a write";
  } catch (const Error& e) {
    EXPECT_NE(e.code(), ExitCode::ok);
  }
}

TEST(LibraryDb, RejectsForeignAndMissingFiles) {
  test::TempDir dir;
  try {
    LibraryDb db(dir / "missing.db", LibraryDb::Mode::read_only);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::not_found);
  }
  {
    std::ofstream f(dir / "text.db");
    f << "this is not a database at all, just some text that is long enough to look like a header........";
  }
  for (auto mode : {LibraryDb::Mode::read_only, LibraryDb::Mode::read_write}) {
    try {
      LibraryDb db(dir / "text.db", mode);
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::bad_data) << e.what();
    }
  }
}

TEST(LibrarySearch, RebuildsWhenStaleAndReusesSavedIndex) {
  test::TempDir dir;
  LibraryDb db(dir / "lib.db", LibraryDb::Mode::read_write);
  std::vector<TrackUpdate> batch = {make_track("/a", {0, 0}, "1"), make_track("/b", {1, 0}, "2")};
  db.commit(batch);
  {
    LibrarySearch s(db, "test-kind");
    EXPECT_EQ(s.index()->size(), 2u);
    EXPECT_FALSE(s.loaded_from_file());
    EXPECT_TRUE(std::filesystem::exists(s.index_path("flat")));
  }
  LibrarySearch s(db, "test-kind");
  EXPECT_EQ(s.index()->size(), 2u);
  EXPECT_TRUE(s.loaded_from_file());
  auto c = make_track("/c", {5, 5}, "3");
  db.commit(std::span(&c, 1));
  const auto idx = s.index();
  EXPECT_EQ(idx->size(), 3u);  // the generation moved on: rebuilt
  EXPECT_FALSE(s.loaded_from_file());
  EXPECT_EQ(idx->search(std::vector<float>{5, 5}, 1).at(0).distance, 0.0f);
}

// Mutual proximity is what the library applies unless told otherwise, for the kinds where it was
// measured to help (docs/benchmarks.md): timbre divergences, fusions and CNN vectors; not MFCC statistics.
TEST(LibrarySearch, DefaultNormalizationFollowsTheKind) {
  EXPECT_EQ(default_normalization("timbre-v2"), Normalization::mp);
  EXPECT_EQ(default_normalization("fusion:960:model:0123456789abcdef+timbre-v2"), Normalization::mp);
  EXPECT_EQ(default_normalization("model:0123456789abcdef"), Normalization::mp);
  EXPECT_EQ(default_normalization("mfcc-v1"), Normalization::none);
}

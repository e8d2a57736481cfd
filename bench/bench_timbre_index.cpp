// Timbre search: k=10 latency over synthetic libraries of timbre models, plus recall@10 against exact
// search. Symmetrised KL (timbre-v1, js=0): exact brute force over the packed Gaussians, and the mean +
// log-variance FAISS filter with exact re-ranking (filter=1). Jensen-Shannon (timbre-v2, js=1): every
// song scored (filter=0), and the KL scan's shortlist ranked by JS (filter=1, the default above 20k songs).
//
//   build/bench/bench_timbre_index                              # 10k and 100k songs, 2 threads
//   SOUNDALIKE_BENCH_JOBS=1 build/bench/bench_timbre_index
// The synthetic songs are Gaussians fitted to frames drawn around 500 "styles" (a style: a mean and a
// covariance; a song: its style's mean moved a little, covariance scaled per dimension), so that a
// query has a real neighbourhood rather than i.i.d. noise.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>

#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <utility>

#include "common/Parallel.h"
#include "features/GaussianTimbre.h"
#include "search/TimbreSongIndex.h"

using namespace soundalike;

namespace {

constexpr int kD = 25;  // timbre-v1
constexpr int kFrames = 80;
constexpr int kStyles = 500;
constexpr int kQueries = 100;

int jobs() {
  const char* e = std::getenv("SOUNDALIKE_BENCH_JOBS");
  return e ? std::atoi(e) : 2;
}

struct Library {
  std::vector<int64_t> ids;
  std::vector<float> data;
  int dim = 0;
};

Library make_library(size_t n, uint32_t seed, bool with_log_det) {
  std::mt19937 g(seed);
  std::normal_distribution<float> z(0.0f, 1.0f);
  std::vector<Eigen::VectorXf> style_mean(kStyles);
  std::vector<Eigen::MatrixXf> style_mix(kStyles);
  for (int s = 0; s < kStyles; ++s) {
    style_mean[size_t(s)] = Eigen::VectorXf(kD);
    style_mix[size_t(s)] = Eigen::MatrixXf(kD, kD);
    for (int i = 0; i < kD; ++i) {
      style_mean[size_t(s)][i] = z(g) * (i == 0 ? 60.0f : 15.0f / (1.0f + 0.2f * float(i)));
      for (int j = 0; j < kD; ++j) style_mix[size_t(s)](i, j) = z(g) * (i == j ? 4.0f : 1.0f);
    }
  }
  Library lib;
  lib.dim = 1 + kD + kD * (kD + 1) + (with_log_det ? 2 : 0);
  lib.ids.resize(n);
  lib.data.resize(n * size_t(lib.dim));
  std::vector<uint32_t> seeds(n);
  for (auto& s : seeds) s = g();
  parallel_for(n, 0, [&](size_t i) {
    std::mt19937 r(seeds[i]);
    std::normal_distribution<float> u(0.0f, 1.0f);
    const size_t s = r() % kStyles;
    Eigen::VectorXf mean = style_mean[s];
    Eigen::VectorXf scale(kD);
    for (int a = 0; a < kD; ++a) {
      mean[a] += 3.0f * u(r);
      scale[a] = std::exp(0.2f * u(r));
    }
    std::vector<float> frames(size_t(kFrames) * kD);
    Eigen::VectorXf x(kD);
    for (int f = 0; f < kFrames; ++f) {
      for (int a = 0; a < kD; ++a) x[a] = u(r);
      const Eigen::VectorXf y = mean + scale.asDiagonal() * (style_mix[s] * x);
      for (int a = 0; a < kD; ++a) frames[size_t(f) * kD + size_t(a)] = y[a];
    }
    const auto v = GaussianTimbre::fit(frames, kD).to_vector(with_log_det);
    std::copy(v.begin(), v.end(), lib.data.begin() + std::ptrdiff_t(i * size_t(lib.dim)));
    lib.ids[i] = int64_t(i);
  });
  return lib;
}

const Library& library(size_t n, bool with_log_det) {
  static std::map<std::pair<size_t, bool>, Library> cache;
  auto it = cache.find({n, with_log_det});
  if (it == cache.end()) it = cache.emplace(std::pair{n, with_log_det}, make_library(n, 7, with_log_det)).first;
  return it->second;
}

void BM_TimbreSearch(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  const bool filter = state.range(1) != 0, js = state.range(2) != 0;
  const Library& lib = library(n, js);
  TimbreIndexOptions o;
  o.jobs = jobs();
  o.force_filter = filter && !js;
  o.js_exact_threshold = filter ? 0 : n;
  auto index = make_timbre_index(lib.dim, o, n);
  index->add(lib.ids, lib.data);
  std::unique_ptr<SongIndex> exact;
  if (filter) {
    TimbreIndexOptions e = o;
    e.force_filter = false;
    e.js_exact_threshold = n;
    exact = make_timbre_index(lib.dim, e, n);
    exact->add(lib.ids, lib.data);
  }
  const std::span<const float> all(lib.data);
  size_t q = 0;
  for (auto _ : state) {
    const size_t i = (q++ * 7919) % n;
    benchmark::DoNotOptimize(index->search(all.subspan(i * size_t(lib.dim), size_t(lib.dim)), 10));
  }
  if (filter) {
    size_t hits = 0;
    for (int t = 0; t < kQueries; ++t) {
      const size_t i = (size_t(t) * 104729) % n;
      const auto query = all.subspan(i * size_t(lib.dim), size_t(lib.dim));
      std::set<int64_t> truth;
      for (const auto& nb : exact->search(query, 10)) truth.insert(nb.id);
      for (const auto& nb : index->search(query, 10)) hits += truth.contains(nb.id);
    }
    state.counters["recall@10"] = double(hits) / (10.0 * kQueries);
  }
  state.counters["songs"] = double(n);
}

}  // namespace

BENCHMARK(BM_TimbreSearch)
    ->ArgsProduct({{10000, 100000}, {0, 1}, {0, 1}})
    ->ArgNames({"songs", "filter", "js"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_MAIN();

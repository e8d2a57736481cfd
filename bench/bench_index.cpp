// Library benchmarks: k=10 search latency over random 256-d vectors (exact and HNSW, with recall@10
// against exact search and the memory the index takes), and indexing throughput in songs per second
// for 30 s clips and 3-minute MP3s (made with the ffmpeg program on first use).
//
//   build/bench/bench_index --benchmark_filter=Search        # latency/recall/memory
//   build/bench/bench_index --benchmark_filter=Indexing      # songs/s (uses SOUNDALIKE_BENCH_JOBS, default 2)
// SOUNDALIKE_BENCH_MAX_N caps the library sizes (default 1000000); SOUNDALIKE_BENCH_HNSW_MAX_N the
// sizes for which an HNSW graph is built (its build takes ~20 min per million on 2 cores).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unistd.h>

#include "features/MfccExtractor.h"
#include "library/Indexer.h"
#include "library/LibraryDb.h"
#include "search/SongIndex.h"

using namespace soundalike;
namespace fs = std::filesystem;

namespace {

constexpr int kDim = 256;
constexpr int kQueries = 200;

size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * size_t(sysconf(_SC_PAGESIZE));
}

size_t hnsw_max_n() {
  const char* e = std::getenv("SOUNDALIKE_BENCH_HNSW_MAX_N");
  return e ? size_t(std::atoll(e)) : size_t(1000000);
}

size_t max_n() {
  const char* e = std::getenv("SOUNDALIKE_BENCH_MAX_N");
  return e ? size_t(std::atoll(e)) : size_t(1000000);
}

// i.i.d. standard normal vectors; with SOUNDALIKE_BENCH_LATENT_DIM=L instead a fixed random linear
// map of an L-dimensional standard normal plus 5 % isotropic noise: vectors with low intrinsic
// dimension, closer to what learned embeddings look like.
std::vector<float> random_vectors(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(n * kDim);
  const char* latent_env = std::getenv("SOUNDALIKE_BENCH_LATENT_DIM");
  const int latent = latent_env ? std::atoi(latent_env) : 0;
  if (latent <= 0) {
    for (float& x : v) x = u(g);
    return v;
  }
  std::mt19937 gm(12345);  // the same map for data and queries
  std::vector<float> map(static_cast<size_t>(latent) * kDim), z(static_cast<size_t>(latent));
  for (float& x : map) x = u(gm) / std::sqrt(float(latent));
  for (size_t i = 0; i < n; ++i) {
    for (float& x : z) x = u(g);
    for (int d = 0; d < kDim; ++d) {
      float s = 0.05f * u(g);
      for (int l = 0; l < latent; ++l) s += z[size_t(l)] * map[size_t(l) * kDim + size_t(d)];
      v[i * kDim + size_t(d)] = s;
    }
  }
  return v;
}

// One library per size, built once and shared by the exact and HNSW runs.
struct Fixture {
  std::vector<float> data, queries;
  std::unique_ptr<SongIndex> flat, hnsw;
  size_t flat_bytes = 0, hnsw_bytes = 0;
  double hnsw_build_s = 0;
  std::vector<std::set<int64_t>> truth;  // exact top-10 of each query
};

Fixture& fixture(size_t n) {
  static std::map<size_t, std::unique_ptr<Fixture>> cache;  // benchmark-local: set up once per size
  auto& f = cache[n];
  if (f) return *f;
  f = std::make_unique<Fixture>();
  f->data = random_vectors(n, 1);
  f->queries = random_vectors(kQueries, 2);
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = int64_t(i);
  FaissIndexOptions o;
  o.type = IndexType::flat;
  size_t before = rss_bytes();
  f->flat = make_faiss_index(kDim, o, n);
  f->flat->add(ids, f->data);
  f->flat_bytes = rss_bytes() - before;
  o.type = IndexType::hnsw;
  if (n > hnsw_max_n()) goto truth;
  {
  const char* ef = std::getenv("SOUNDALIKE_BENCH_EF_CONSTRUCTION");
  if (ef) o.hnsw_ef_construction = std::atoi(ef);
  before = rss_bytes();
  const auto t0 = std::chrono::steady_clock::now();
  f->hnsw = make_faiss_index(kDim, o, n);
  f->hnsw->add(ids, f->data);
  f->hnsw_build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f->hnsw_bytes = rss_bytes() - before;
  }
truth:
  for (int q = 0; q < kQueries; ++q) {
    std::set<int64_t> t;
    for (const auto& nb : f->flat->search(std::span(f->queries).subspan(size_t(q) * kDim, kDim), 10)) t.insert(nb.id);
    f->truth.push_back(std::move(t));
  }
  return *f;
}

// range(0): library size; range(1): 0 = exact, else HNSW with efSearch = range(1).
void BM_Search(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  if (n > max_n()) {
    state.SkipWithError("size above SOUNDALIKE_BENCH_MAX_N");
    return;
  }
  Fixture& f = fixture(n);
  const int ef = int(state.range(1));
  if (ef > 0 && !f.hnsw) {
    state.SkipWithError("HNSW not built: size above SOUNDALIKE_BENCH_HNSW_MAX_N");
    return;
  }
  std::unique_ptr<SongIndex> tuned;
  const SongIndex* index = f.flat.get();
  if (ef > 0) {
    // The same graph searched with a different breadth: save and reload with that efSearch.
    const fs::path tmp = fs::temp_directory_path() / ("bench_hnsw_" + std::to_string(getpid()) + ".faiss");
    f.hnsw->save(tmp);
    tuned = load_faiss_index(tmp, ef);
    fs::remove(tmp);
    index = tuned.get();
  }
  size_t hits = 0, searched = 0;
  int q = 0;
  for (auto _ : state) {
    const auto r = index->search(std::span(f.queries).subspan(size_t(q) * kDim, kDim), 10);
    for (const auto& nb : r) hits += f.truth[size_t(q)].contains(nb.id);
    ++searched;
    q = (q + 1) % kQueries;
  }
  state.counters["recall@10"] = double(hits) / double(searched * 10);
  state.counters["index_MB"] = double(ef > 0 ? f.hnsw_bytes : f.flat_bytes) / 1e6;
  if (ef > 0) state.counters["build_s"] = f.hnsw_build_s;
}
BENCHMARK(BM_Search)
    ->ArgsProduct({{10000, 100000, 1000000}, {0, 64, 128, 256, 512, 1024}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(kQueries);

// Audio for the indexing runs, made once with ffmpeg under the temp dir.
fs::path make_corpus(const std::string& name, int count, int seconds, const std::string& ext) {
  const fs::path dir = fs::temp_directory_path() / ("soundalike_bench_" + name);
  fs::create_directories(dir);
  for (int i = 0; i < count; ++i) {
    const fs::path out = dir / ("song" + std::to_string(i) + "." + ext);
    if (fs::exists(out)) continue;
    // Music-like material: a chord of sines with tremolo over pink noise, different per song.
    const int f0 = 110 + 17 * i;
    const std::string cmd = "ffmpeg -loglevel error -y -f lavfi -i \"sine=f=" + std::to_string(f0) + ":d=" +
                            std::to_string(seconds) + "\" -f lavfi -i \"sine=f=" + std::to_string(f0 * 3 / 2) + ":d=" +
                            std::to_string(seconds) + "\" -f lavfi -i \"anoisesrc=c=pink:a=0.05:d=" + std::to_string(seconds) +
                            "\" -filter_complex \"amix=inputs=3,tremolo=f=" + std::to_string(2 + i % 5) +
                            "\" -ar 44100 -ac 2 " + (ext == "mp3" ? "-b:a 192k " : "") + "\"" + out.string() + "\"";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("ffmpeg failed: " + cmd);
  }
  return dir;
}

void run_indexing(benchmark::State& state, const std::string& name, int count, int seconds, const std::string& ext) {
  const fs::path dir = make_corpus(name, count, seconds, ext);
  const char* jobs_env = std::getenv("SOUNDALIKE_BENCH_JOBS");
  const int jobs = jobs_env ? std::atoi(jobs_env) : 2;
  const MfccExtractor extractor;
  size_t songs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const fs::path db_path = fs::temp_directory_path() / ("soundalike_bench_" + name + "_" + std::to_string(getpid()) + ".db");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_path.string() + suffix);
    state.ResumeTiming();
    {
      LibraryDb db(db_path, LibraryDb::Mode::read_write);
      IndexerOptions o;
      o.roots = {dir};
      o.jobs = jobs;
      o.progress = false;
      const IndexSummary s = run_indexer(db, extractor, o);
      if (s.indexed != size_t(count)) state.SkipWithError("not every song was indexed");
      songs += s.indexed;
    }
    state.PauseTiming();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_path.string() + suffix);
    state.ResumeTiming();
  }
  state.counters["songs_per_s"] = benchmark::Counter(double(songs), benchmark::Counter::kIsRate);
  state.counters["jobs"] = jobs;
}

void BM_Indexing_30s_Wav(benchmark::State& state) { run_indexing(state, "clips30", 40, 30, "wav"); }
void BM_Indexing_30s_Mp3(benchmark::State& state) { run_indexing(state, "clips30mp3", 40, 30, "mp3"); }
void BM_Indexing_3min_Mp3(benchmark::State& state) { run_indexing(state, "songs3min", 40, 180, "mp3"); }
BENCHMARK(BM_Indexing_30s_Wav)->Unit(benchmark::kSecond)->Iterations(2)->UseRealTime();
BENCHMARK(BM_Indexing_30s_Mp3)->Unit(benchmark::kSecond)->Iterations(2)->UseRealTime();
BENCHMARK(BM_Indexing_3min_Mp3)->Unit(benchmark::kSecond)->Iterations(2)->UseRealTime();

}  // namespace
BENCHMARK_MAIN();

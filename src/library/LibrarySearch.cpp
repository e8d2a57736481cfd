#include "library/LibrarySearch.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "common/Error.h"
#include "features/FusedExtractor.h"
#include "search/FusedSongIndex.h"
#include "library/LibraryProximity.h"
#include "search/PairDistance.h"

namespace soundalike {
namespace {

std::string file_safe(std::string_view s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

std::filesystem::path stamp_path(std::filesystem::path p) { return p += ".json"; }

// The vectors of the mutual-proximity sample (the songs `index` computed each song's statistics against),
// row-major, for estimating a query's own statistics the same way.
std::vector<float> sample_rows(const VectorSet& v) {
  std::vector<float> rows;
  const size_t dim = size_t(v.dimension);
  for (size_t i : mp_sample_positions(v.ids.size()))
    rows.insert(rows.end(), v.data.begin() + std::ptrdiff_t(i * dim), v.data.begin() + std::ptrdiff_t((i + 1) * dim));
  return rows;
}

}  // namespace

Normalization parse_normalization(std::string_view s) {
  if (s == "none") return Normalization::none;
  if (s == "mp") return Normalization::mp;
  throw Error(ExitCode::usage, "unknown normalization '" + std::string(s) + "' (use none or mp)");
}

std::string_view to_string(Normalization n) { return n == Normalization::mp ? "mp" : "none"; }

Normalization default_normalization(std::string_view kind) {
  // Measured on the training packages (docs/benchmarks.md (issue 9 section)): MP raises P@10 for the divergence
  // of timbre models, whose raw values have very uneven scales from song to song. A CNN's every-block
  // vectors gain from it too (validation packages, docs/benchmarks.md "Session 10"); last-block vectors
  // are level with or without it.
  return is_timbre_kind(kind) || is_fused_kind(kind) || kind.starts_with("model:") ? Normalization::mp
                                                                                     : Normalization::none;
}

LibrarySearch::LibrarySearch(const LibraryDb& db, std::string kind, FaissIndexOptions options)
    : LibrarySearch(db, std::move(kind), [&] {
        SearchOptions o;
        o.faiss = options;
        return o;
      }()) {}

LibrarySearch::LibrarySearch(const LibraryDb& db, std::string kind, SearchOptions options)
    : db_(db), kind_(std::move(kind)), options_(options) {
  // A fused kind is only defined through each part's mutual proximity (FusedSongIndex).
  if (is_fused_kind(kind_)) options_.normalize = Normalization::mp;
}

std::filesystem::path LibrarySearch::index_path(const std::string& type) const {
  std::filesystem::path p = db_.path();
  p += "." + file_safe(kind_) + "." + std::string(to_string(options_.faiss.metric)) + "." + type + ".faiss";
  return p;
}

bool LibrarySearch::loaded_from_file() const {
  std::lock_guard lock(mutex_);
  return loaded_;
}

std::shared_ptr<const SongIndex> LibrarySearch::index() {
  const int64_t generation = db_.generation();
  // Statistics stored after the vectors they describe (`index` commits songs first, statistics after
  // the run or, watching, after each batch) must reach a long-running reader too.
  const int64_t stats = options_.normalize == Normalization::mp ? db_.stats_generation() : 0;
  std::lock_guard lock(mutex_);
  if (index_ && generation == generation_ && stats == stats_generation_) return index_;
  // A fused index holds its parts' statistics; other kinds keep theirs beside the index.
  if (!index_ || generation != generation_ || is_fused_kind(kind_)) index_ = build(generation);
  mp_.reset();
  if (options_.normalize == Normalization::mp && !is_fused_kind(kind_)) mp_ = build_mp();
  generation_ = generation;
  stats_generation_ = stats;
  return index_;
}

std::shared_ptr<const LibrarySearch::MpState> LibrarySearch::build_mp() {
  auto mp = std::make_shared<MpState>();
  const VectorSet v = db_.vectors(kind_);
  mp->sample = sample_rows(v);
  for (const auto& [id, s] : db_.distance_stats(kind_, mp_metric_key(kind_, options_.faiss.metric))) mp->stats[id] = s.stats;
  return mp;
}

DistanceStats LibrarySearch::stats_of(const MpState& mp, std::span<const float> v) const {
  // The same estimate `index` stores: distances to the sample (a song in the sample meets itself at
  // distance 0 once, which moves the estimate by 1/500 at most).
  const PairDistance distance = pair_distance(kind_, options_.faiss.metric);
  const size_t dim = v.size();
  std::vector<float> d;
  for (size_t j = 0; j + dim <= mp.sample.size(); j += dim) {
    const double x = distance(v, std::span(mp.sample).subspan(j, dim));
    if (x > 0) d.push_back(float(mp_input(kind_, x)));
  }
  return distance_stats(d);
}

std::vector<Neighbor> LibrarySearch::search(std::span<const float> query, size_t k) {
  const auto idx = index();
  std::shared_ptr<const MpState> mp;
  {
    std::lock_guard lock(mutex_);
    mp = mp_;
  }
  const size_t n = idx->size();
  if (!mp) return idx->search(query, int(std::min(k, n)));  // also fused kinds: their index applies MP itself
  // MP is not monotone in the raw distance across songs, so a pool of raw neighbours is rescaled and
  // re-ranked; hubs sink, songs that are unusually close for both sides rise.
  const size_t pool = n <= options_.mp_exhaustive ? n : std::min(n, std::max(k, options_.mp_candidates));
  std::vector<Neighbor> c = idx->search(query, int(pool));
  const DistanceStats sq = stats_of(*mp, query);
  for (Neighbor& nb : c) {
    DistanceStats sc;
    if (auto it = mp->stats.find(nb.id); it != mp->stats.end()) {
      sc = it->second;
    } else if (auto e = db_.embedding(nb.id, kind_)) {
      sc = stats_of(*mp, e->vector);  // indexed without statistics (index --normalize none)
    } else {
      continue;
    }
    nb.distance = float(mutual_proximity(mp_input(kind_, nb.distance), sq, sc));
  }
  std::stable_sort(c.begin(), c.end(), [](const Neighbor& a, const Neighbor& b) { return a.distance < b.distance; });
  if (c.size() > k) c.resize(k);
  return c;
}

std::shared_ptr<const SongIndex> LibrarySearch::build(int64_t generation) {
  // The saved file is trusted only when its stamp names this generation, kind and metric: any commit
  // to the library (index, prune) bumps the generation and so makes every saved index stale.
  if (auto fused = FusedKind::parse(kind_)) {
    const VectorSet v = db_.vectors(kind_);
    if (v.ids.empty()) throw InputError(ExitCode::bad_data, db_.path(), "the library has no vectors of kind " + kind_);
    FusedMpData mp;
    for (const FusionPart& part : fusion_parts(*fused, size_t(v.dimension))) {
      auto& stats = mp.stats.emplace_back();
      for (const auto& [id, s] : db_.distance_stats(kind_, part.stats_key)) stats[id] = s.stats;
    }
    mp.sample = sample_rows(v);
    FusedIndexOptions fo;
    fo.first_weight = options_.fusion_weight;
    fo.candidates = options_.mp_candidates;
    fo.exhaustive = options_.mp_exhaustive;
    fo.timbre = options_.timbre;
    fo.faiss = options_.faiss;
    auto index = std::make_shared<FusedSongIndex>(*fused, v.dimension, std::move(mp), fo);
    index->add(v.ids, v.data);
    loaded_ = false;
    return index;
  }
  if (is_timbre_kind(kind_)) {
    // Divergence search over the stored Gaussians: rebuilt from the vectors, never saved (packing is
    // one pass, faster than reading a file of the same size would be worth).
    const VectorSet v = db_.vectors(kind_);
    if (v.ids.empty()) throw InputError(ExitCode::bad_data, db_.path(), "the library has no vectors of kind " + kind_);
    auto index = make_timbre_index(v.dimension, options_.timbre, v.ids.size());
    index->add(v.ids, v.data);
    loaded_ = false;
    return index;
  }
  for (const char* type : {"flat", "hnsw"}) {
    if (options_.faiss.type == IndexType::flat && std::string(type) != "flat") continue;
    if (options_.faiss.type == IndexType::hnsw && std::string(type) != "hnsw") continue;
    const auto path = index_path(type);
    std::ifstream stamp(stamp_path(path));
    if (!stamp) continue;
    const auto j = nlohmann::json::parse(stamp, nullptr, false);
    if (!j.is_object() || j.value("generation", int64_t(-1)) != generation || j.value("kind", "") != kind_) continue;
    try {
      auto loaded = load_faiss_index(path, options_.faiss.hnsw_ef_search);
      // A stamp from one writer beside an index file from another (two processes saving at once)
      // would disagree on the count: rebuild rather than trust either.
      if (loaded->metric() != options_.faiss.metric || loaded->size() != j.value("count", size_t(0))) continue;
      loaded_ = true;
      return loaded;
    } catch (const Error&) {
      // A damaged or half-written file is simply rebuilt below.
    }
  }
  const VectorSet v = db_.vectors(kind_);
  if (v.ids.empty())
    throw InputError(ExitCode::bad_data, db_.path(), "the library has no vectors of kind " + kind_);
  auto index = make_faiss_index(v.dimension, options_.faiss, v.ids.size());
  index->add(v.ids, v.data);
  loaded_ = false;
  // Saving is a cache: a read-only folder or a full disk only costs a rebuild next time.
  try {
    const auto path = index_path(index->type());
    index->save(path);
    std::ofstream stamp(stamp_path(path), std::ios::trunc);
    stamp << nlohmann::json{{"generation", generation}, {"kind", kind_}, {"count", v.ids.size()},
                            {"metric", to_string(options_.faiss.metric)}, {"type", index->type()}}
                 .dump();
  } catch (const Error&) {
  }
  return index;
}

}  // namespace soundalike

#include "search/FusedSongIndex.h"

#include <algorithm>
#include <unordered_set>

#include "common/Error.h"
#include "features/RhythmExtractor.h"
#include "search/ProximityInput.h"
#include "retrieval/RetrievalEvaluation.h"

namespace soundalike {

double fusion_share(std::string_view kind) { return is_rhythm_kind(kind) ? kRhythmFusionShare : 1.0; }

double default_fusion_weight(const FusedKind& kind) {
  for (const std::string& k : kind.kinds)
    if (is_rhythm_kind(k)) return kDefaultRhythmFusionWeight;
  return kDefaultFusionWeight;
}

std::vector<FusionPart> fusion_parts(const FusedKind& kind, size_t dimension, double first_weight) {
  if (first_weight < 0) first_weight = default_fusion_weight(kind);
  std::vector<FusionPart> parts(kind.kinds.size());
  size_t offset = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    parts[p].kind = kind.kinds[p];
    parts[p].offset = offset;
    if (p < kind.sizes.size()) {
      parts[p].size = size_t(kind.sizes[p]);
      offset += parts[p].size;
      if (offset >= dimension)
        throw Error(ExitCode::bad_data, "fused vectors of kind " + kind.name() + " are too short (" + std::to_string(dimension) + " floats)");
    } else {
      parts[p].size = dimension - offset;
    }
    parts[p].distance = pair_distance(parts[p].kind, parts[p].metric);
    parts[p].stats_key = "part" + std::to_string(p) + ":" + mp_metric_key(parts[p].kind, parts[p].metric);
  }
  double shares = 0;
  for (size_t p = 1; p < parts.size(); ++p) shares += fusion_share(parts[p].kind);
  parts[0].weight = first_weight;
  for (size_t p = 1; p < parts.size(); ++p) parts[p].weight = (1.0 - first_weight) * fusion_share(parts[p].kind) / shares;
  return parts;
}

std::vector<std::vector<float>> fused_part_matrices(const FusedKind& kind, std::span<const float> vectors, size_t n,
                                                    int jobs) {
  if (n == 0) return {};
  const size_t dim = vectors.size() / n;
  std::vector<std::vector<float>> matrices;
  for (const FusionPart& part : fusion_parts(kind, dim)) {
    auto slice = [&](size_t i) { return vectors.subspan(i * dim + part.offset, part.size); };
    std::vector<float> d = distance_matrix(
        n, [&](size_t i, size_t j) { return mp_input(part.kind, part.distance(slice(i), slice(j))); }, jobs);
    if (n >= 2) d = mutual_proximity_matrix(d, n);
    matrices.push_back(std::move(d));
  }
  return matrices;
}

std::vector<float> weigh_fused_parts(std::span<const FusionPart> parts, std::span<const std::vector<float>> matrices) {
  if (matrices.empty()) return {};
  if (matrices.size() != parts.size()) throw Error(ExitCode::internal, "weigh_fused_parts: one matrix per part");
  std::vector<float> fused(matrices.front().size(), 0.0f);
  for (size_t p = 0; p < parts.size(); ++p) {
    const float w = float(parts[p].weight);
    for (size_t i = 0; i < fused.size(); ++i) fused[i] += w * matrices[p][i];
  }
  return fused;
}

std::vector<float> fused_distance_matrix(const FusedKind& kind, std::span<const float> vectors, size_t n,
                                         double first_weight, int jobs) {
  if (n == 0) return {};
  return weigh_fused_parts(fusion_parts(kind, vectors.size() / n, first_weight), fused_part_matrices(kind, vectors, n, jobs));
}

FusedSongIndex::FusedSongIndex(const FusedKind& kind, int dimension, FusedMpData mp, FusedIndexOptions options)
    : parts_(fusion_parts(kind, size_t(dimension), options.first_weight)), dimension_(dimension), mp_(std::move(mp)), options_(options) {
  mp_.stats.resize(parts_.size());
  for (const FusionPart& part : parts_) {
    if (is_timbre_kind(part.kind)) {
      part_indexes_.push_back(make_timbre_index(int(part.size), options_.timbre, 0));
    } else {
      FaissIndexOptions f = options_.faiss;
      f.metric = part.metric;
      f.type = IndexType::flat;  // exact: the pool below is re-scored exactly anyway
      part_indexes_.push_back(make_faiss_index(int(part.size), f, 0));
    }
  }
}

void FusedSongIndex::add(std::span<const int64_t> ids, std::span<const float> vectors) {
  const size_t dim = size_t(dimension_);
  if (vectors.size() != ids.size() * dim) throw Error(ExitCode::internal, "FusedSongIndex::add: size mismatch");
  for (size_t p = 0; p < parts_.size(); ++p) {
    std::vector<float> slice;
    slice.reserve(ids.size() * parts_[p].size);
    for (size_t i = 0; i < ids.size(); ++i) {
      const auto row = vectors.subspan(i * dim + parts_[p].offset, parts_[p].size);
      slice.insert(slice.end(), row.begin(), row.end());
    }
    part_indexes_[p]->add(ids, slice);
  }
  for (size_t i = 0; i < ids.size(); ++i) row_of_[ids[i]] = ids_.size() + i;
  ids_.insert(ids_.end(), ids.begin(), ids.end());
  vectors_.insert(vectors_.end(), vectors.begin(), vectors.end());
}

DistanceStats FusedSongIndex::query_stats(size_t p, std::span<const float> query) const {
  // The estimate `index` stores (LibraryProximity): distances to the sample songs.
  const FusionPart& part = parts_[p];
  const size_t dim = size_t(dimension_);
  std::vector<float> d;
  const auto q = query.subspan(part.offset, part.size);
  for (size_t j = 0; j + dim <= mp_.sample.size(); j += dim) {
    const auto s = std::span<const float>(mp_.sample).subspan(j + part.offset, part.size);
    // A library song meets itself in the sample: leave it out, as its stored statistics do (a
    // divergence of a model with itself is only ~0 in floating point, so compare the vectors).
    if (std::equal(q.begin(), q.end(), s.begin())) continue;
    d.push_back(float(mp_input(part.kind, part.distance(q, s))));
  }
  return distance_stats(d);
}

std::vector<Neighbor> FusedSongIndex::search(std::span<const float> query, int k) const {
  const size_t dim = size_t(dimension_);
  if (query.size() != dim) throw Error(ExitCode::internal, "FusedSongIndex::search: query of the wrong width");
  const size_t n = ids_.size();
  if (n == 0 || k <= 0) return {};
  const size_t pool = n <= options_.exhaustive ? n : std::min(n, std::max(size_t(k), options_.candidates));
  // The pool: every song, or either part's raw nearest songs. Each candidate's part distances are then
  // computed in double with pair_distance, exactly as evaluate-retrieval computes them.
  std::vector<int64_t> candidates;
  if (pool == n) {
    candidates = ids_;
  } else {
    std::unordered_set<int64_t> seen;
    for (size_t p = 0; p < parts_.size(); ++p)
      for (const Neighbor& nb : part_indexes_[p]->search(query.subspan(parts_[p].offset, parts_[p].size), int(pool)))
        if (seen.insert(nb.id).second) candidates.push_back(nb.id);
  }
  std::vector<DistanceStats> qs;
  for (size_t p = 0; p < parts_.size(); ++p) qs.push_back(query_stats(p, query));
  std::vector<Neighbor> out;
  out.reserve(candidates.size());
  for (int64_t id : candidates) {
    const auto row = std::span<const float>(vectors_).subspan(row_of_.at(id) * dim, dim);
    double fused = 0;
    for (size_t p = 0; p < parts_.size(); ++p) {
      const FusionPart& part = parts_[p];
      const double d = part.distance(query.subspan(part.offset, part.size), row.subspan(part.offset, part.size));
      DistanceStats s;
      if (auto it = mp_.stats[p].find(id); it != mp_.stats[p].end()) {
        s = it->second;
      } else {
        s = query_stats(p, row);  // indexed without statistics (index --normalize none)
      }
      fused += part.weight * mutual_proximity(mp_input(part.kind, d), qs[p], s);
    }
    out.push_back({id, float(fused)});
  }
  std::stable_sort(out.begin(), out.end(), [](const Neighbor& a, const Neighbor& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
  });
  if (out.size() > size_t(k)) out.resize(size_t(k));
  return out;
}

void FusedSongIndex::save(const std::filesystem::path& path) const {
  // Rebuilt from the library's vectors whenever needed (as the timbre index is); nothing to write.
  throw Error(ExitCode::internal, "a fused index is not saved: " + path.string());
}

}  // namespace soundalike

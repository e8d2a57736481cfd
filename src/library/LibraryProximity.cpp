#include "library/LibraryProximity.h"

#include <algorithm>
#include <cmath>

#include "common/Parallel.h"
#include "search/FusedSongIndex.h"
#include "search/PairDistance.h"
#include "search/TimbreSongIndex.h"

namespace soundalike {

namespace {

// One set of statistics: `distance` between the slices [offset, offset + size) of the stored vectors,
// kept under `metric_name`.
MpUpdate update_stats(LibraryDb& db, const VectorSet& v, const std::string& kind, std::string_view part_kind,
                      const PairDistance& distance, size_t offset, size_t size, const std::string& metric_name,
                      size_t sample_size, int jobs) {
  MpUpdate u;
  const size_t n = v.ids.size();
  const auto stored = db.distance_stats(kind, metric_name);
  int64_t oldest = int64_t(n);
  for (const auto& [id, s] : stored) oldest = std::min(oldest, s.library_size);
  u.refreshed_all = !stored.empty() && int64_t(n) > 2 * oldest;
  std::vector<size_t> todo;
  for (size_t i = 0; i < n; ++i)
    if (u.refreshed_all || !stored.contains(v.ids[i])) todo.push_back(i);
  if (todo.empty()) return u;
  const auto sample = mp_sample_positions(n, sample_size);
  const size_t dim = size_t(v.dimension);
  auto row = [&](size_t i) { return std::span(v.data).subspan(i * dim + offset, size); };
  std::vector<std::pair<int64_t, DistanceStats>> rows(todo.size());
  parallel_for(todo.size(), jobs, [&](size_t t) {
    const size_t i = todo[t];
    std::vector<float> d;
    d.reserve(sample.size());
    for (size_t j : sample)
      if (j != i) d.push_back(float(mp_input(part_kind, distance(row(i), row(j)))));
    rows[t] = {v.ids[i], distance_stats(d)};
  });
  db.store_distance_stats(kind, metric_name, rows, int64_t(n));
  u.computed = rows.size();
  return u;
}

}  // namespace

MpUpdate update_distance_stats(LibraryDb& db, const std::string& kind, Metric metric, size_t sample_size, int jobs) {
  const VectorSet v = db.vectors(kind);
  if (v.ids.size() < 2) return {};
  if (auto fused = FusedKind::parse(kind)) {
    // Each part has its own statistics (FusedSongIndex rescales each part before mixing them).
    MpUpdate total;
    for (const FusionPart& part : fusion_parts(*fused, size_t(v.dimension))) {
      const MpUpdate u = update_stats(db, v, kind, part.kind, part.distance, part.offset, part.size, part.stats_key,
                                      sample_size, jobs);
      total.computed = std::max(total.computed, u.computed);
      total.refreshed_all = total.refreshed_all || u.refreshed_all;
    }
    return total;
  }
  return update_stats(db, v, kind, kind, pair_distance(kind, metric), 0, size_t(v.dimension), mp_metric_key(kind, metric),
                      sample_size, jobs);
}

}  // namespace soundalike

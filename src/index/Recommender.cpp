#include "index/Recommender.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "common/Error.h"
#include "features/FusedExtractor.h"
#include "index/TimbreSongIndex.h"

namespace soundalike {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

void normalise(std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  if (s > 0)
    for (float& x : v) x = float(x / std::sqrt(s));
}

// Whether query vectors are compared by cosine, so that they are normalised before they are mixed. A
// timbre vector is a packed Gaussian and a fused vector holds one: their kinds ignore --metric, and a
// normalised copy would no longer be a Gaussian ("vector of 676 floats is not a Gaussian").
bool compares_by_cosine(const LibrarySearch& search) {
  return search.metric() == Metric::cosine && !is_timbre_kind(search.kind()) && !is_fused_kind(search.kind());
}

}  // namespace

std::string display_label(const LibraryDb& db, const TrackRow& track, std::string_view kind) {
  if (auto labels = db.labels(track.id, kind); !labels.empty()) return labels.front().label;
  return track.tags.genre;
}

QueryTrack resolve_query(const LibraryDb& db, std::string_view kind, std::string_view query, const TrackAnalyzer* analyzer) {
  QueryTrack q;
  std::optional<TrackRow> row;
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(query.data(), query.data() + query.size(), id);
  if (ec == std::errc() && end == query.data() + query.size()) row = db.track(id);
  std::error_code fec;
  const std::filesystem::path as_path(query);
  if (!row) row = db.track_by_path(query);
  if (!row) row = db.track_by_path(std::filesystem::weakly_canonical(std::filesystem::absolute(as_path), fec).string());
  if (row && !row->failed()) {
    auto e = db.embedding(row->id, kind);
    if (!e) throw Error(ExitCode::bad_data, "track " + std::to_string(row->id) + " (" + row->path + ") has no vector of kind " +
                                                std::string(kind) + "; re-run `soundalike index`");
    q.id = row->id;
    q.track = *row;
    q.vector = std::move(e->vector);
    return q;
  }
  if (row && row->failed() && !std::filesystem::exists(as_path, fec))
    throw Error(ExitCode::bad_data, "track " + std::to_string(row->id) + " (" + row->path + ") could not be indexed: " + row->error);
  if (!std::filesystem::exists(as_path, fec))
    throw InputError(ExitCode::not_found, as_path, "neither a library track id/path nor an existing file");
  if (!analyzer) throw InputError(ExitCode::usage, as_path, "not in the library, and no feature extractor to analyse it");
  if (analyzer->extractor().kind() != kind)
    throw InputError(ExitCode::usage, as_path,
                     "the library holds vectors of kind " + std::string(kind) + " but the extractor makes " +
                         analyzer->extractor().kind());
  TrackUpdate u = analyzer->analyze(as_path);
  q.track = std::move(u.track);
  q.vector = std::move(u.embedding->vector);
  return q;
}

std::vector<float> query_centroid(std::span<const QueryTrack> queries, Metric metric) {
  if (queries.empty()) throw Error(ExitCode::usage, "no query");
  std::vector<float> c(queries.front().vector.size(), 0.0f);
  for (const QueryTrack& q : queries) {
    if (q.vector.size() != c.size()) throw Error(ExitCode::bad_data, "query vectors differ in size");
    std::vector<float> v = q.vector;
    if (metric == Metric::cosine) normalise(v);
    for (size_t i = 0; i < c.size(); ++i) c[i] += v[i] / float(queries.size());
  }
  return c;
}

namespace {

// Ids and content hashes the results must avoid.
struct Exclusions {
  std::set<int64_t> ids;
  std::set<std::string> hashes;
  void add(const TrackRow& t, std::optional<int64_t> id) {
    if (id) ids.insert(*id);
    if (!t.content_hash.empty()) hashes.insert(t.content_hash);
  }
  bool excluded(const TrackRow& t) const { return ids.contains(t.id) || (!t.content_hash.empty() && hashes.contains(t.content_hash)); }
};

}  // namespace

std::vector<Recommendation> recommend(const LibraryDb& db, LibrarySearch& search, std::span<const QueryTrack> queries,
                                      const SimilarOptions& o) {
  const auto index = search.index();
  const std::vector<float> centre = query_centroid(queries, compares_by_cosine(search) ? Metric::cosine : Metric::l2);
  Exclusions ex;
  for (const QueryTrack& q : queries) ex.add(q.track, q.id);
  std::set<std::string> banned;
  for (const auto& a : o.exclude_artists) banned.insert(lower(a));

  std::vector<Recommendation> out;
  if (o.k <= 0) return out;
  // Filters drop candidates, so ask for more until k survive or the whole library has been seen.
  size_t fetch = size_t(o.k) * 2 + ex.ids.size() + 8;
  for (;;) {
    out.clear();
    std::map<std::string, int> per_artist;
    std::set<std::string> seen_hashes = ex.hashes;
    // Through LibrarySearch, which rescales with mutual proximity when it was asked to.
    const auto found = search.search(centre, std::min(fetch, index->size()));
    for (const Neighbor& n : found) {
      auto t = db.track(n.id);
      if (!t || t->failed() || ex.excluded(*t)) continue;
      if (!t->content_hash.empty() && !seen_hashes.insert(t->content_hash).second) continue;  // duplicate file
      if (o.bpm && !(t->descriptors.bpm >= o.bpm->first && t->descriptors.bpm <= o.bpm->second)) continue;
      const std::string artist = lower(t->tags.artist);
      if (!artist.empty() && banned.contains(artist)) continue;
      if (o.max_per_artist > 0 && !artist.empty() && ++per_artist[artist] > o.max_per_artist) continue;
      Recommendation r;
      r.rank = int(out.size()) + 1;
      r.distance = n.distance;
      r.label = display_label(db, *t, search.kind());
      r.track = std::move(*t);
      out.push_back(std::move(r));
      if (int(out.size()) == o.k) return out;
    }
    if (fetch >= index->size()) return out;
    fetch *= 4;
  }
}

std::vector<Recommendation> playlist_path(const LibraryDb& db, LibrarySearch& search, const QueryTrack& a,
                                          const QueryTrack& b, int steps) {
  if (steps < 0) throw Error(ExitCode::usage, "--steps must be 0 or more");
  const auto index = search.index();
  Exclusions used;
  used.add(a.track, a.id);
  used.add(b.track, b.id);
  std::vector<float> va = a.vector, vb = b.vector;
  if (compares_by_cosine(search)) {
    normalise(va);
    normalise(vb);
  }
  std::vector<Recommendation> out;
  auto push = [&](const TrackRow& t, float d) {
    Recommendation r;
    r.rank = int(out.size()) + 1;
    r.distance = d;
    r.track = t;
    r.label = t.id ? display_label(db, t, search.kind()) : t.tags.genre;
    out.push_back(std::move(r));
  };
  push(a.track, 0.0f);
  std::vector<float> p(va.size());
  for (int i = 1; i <= steps; ++i) {
    const float t = float(i) / float(steps + 1);
    for (size_t d = 0; d < p.size(); ++d) p[d] = (1 - t) * va[d] + t * vb[d];
    // Enough candidates that some survive the ones already used.
    const auto found = index->search(p, int(std::min(index->size(), size_t(2 * steps + 16))));
    for (const Neighbor& n : found) {
      auto row = db.track(n.id);
      if (!row || row->failed() || used.excluded(*row)) continue;
      used.add(*row, row->id);
      push(*row, n.distance);
      break;
    }
  }
  push(b.track, 0.0f);
  return out;
}

}  // namespace soundalike

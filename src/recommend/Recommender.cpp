#include "recommend/Recommender.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "common/Error.h"
#include "common/Text.h"
#include "features/FusedExtractor.h"
#include "search/TimbreSongIndex.h"

namespace soundalike {
namespace {

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

struct Candidate {
  TrackRow track;
  float distance = 0;
};

std::optional<TrackRow> library_track(const LibraryDb& db, std::string_view ref) {
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), id);
  std::optional<TrackRow> row;
  if (ec == std::errc() && end == ref.data() + ref.size()) row = db.track(id);
  if (!row) row = db.track_by_path(ref);
  std::error_code fec;
  if (!row) row = db.track_by_path(std::filesystem::weakly_canonical(std::filesystem::absolute(ref), fec).string());
  return row;
}

}  // namespace

TrackRow previous_track(const LibraryDb& db, std::string_view ref, std::string_view option) {
  auto row = library_track(db, ref);
  if (!row || row->failed())
    throw Error(ExitCode::not_found,
                std::string(option) + ": '" + std::string(ref) + "' is no indexed library track (give an id or a library path)");
  return *row;
}

namespace {

bool under_path(const std::string& path, const std::string& entry) {
  if (path == entry) return true;
  const std::string folder = entry.ends_with('/') ? entry : entry + '/';
  return path.starts_with(folder);
}

// The controls of one answer over one library: which control drops a song, and the songs so far.
class MixFilter {
 public:
  MixFilter(const LibraryDb& db, const PlaylistControls& c) : c_(c) {
    for (const std::string& ref : c.previous) {
      const TrackRow row = previous_track(db, ref, "previous");
      previous_.add(row, row.id);
      remember(row);
    }
    for (const auto& a : c.exclude_artists) exclude_artists_.insert(to_lower(a));
    for (const auto& g : c.genres) genres_.merge(expand_genre(c.genre_groups, g));
    for (const auto& g : c.exclude_genres) exclude_genres_.merge(expand_genre(c.genre_groups, g));
    if (c.honour_ignore_list) {
      for (const IgnoreEntry& e : db.ignore_list()) {
        if (e.field == "artist") ignored_artists_.insert(to_lower(e.value));
        else if (e.field == "album") ignored_albums_.insert(to_lower(e.value));
        else if (e.field == "genre") ignored_genres_.merge(expand_genre(c.genre_groups, e.value));
        else if (e.field == "path") ignored_paths_.push_back(e.value);
        ignore_list_active_ = true;
      }
    }
    for (const char* name : {"previous", "ignore-list", "exclude-artist", "genre", "exclude-genre", "duration", "bpm",
                             "max-bpm-diff", "max-per-artist", "no-repeat-artist", "no-repeat-album"})
      if (active(name)) dropped_[name];
  }

  // What max-bpm-diff is measured from (songs without a detected tempo are left out).
  void set_bpm_references(std::vector<double> refs) {
    std::erase_if(refs, [](double b) { return !(b > 0); });
    if (c_.max_bpm_diff && refs.empty())
      throw Error(ExitCode::usage, "max-bpm-diff: no seed has a detected tempo to measure from");
    bpm_refs_ = std::move(refs);
  }

  // The control that drops `t` whatever came before it, or null.
  const char* static_reject(const TrackRow& t) const {
    if (previous_.excluded(t)) return "previous";
    const std::string artist = to_lower(t.tags.artist), album = to_lower(t.tags.album);
    const auto genres = genre_tokens(t.tags.genre);
    auto any_genre_in = [&](const std::set<std::string>& set) {
      return std::any_of(genres.begin(), genres.end(), [&](const std::string& g) { return set.contains(g); });
    };
    if (ignore_list_active_ &&
        ((!artist.empty() && ignored_artists_.contains(artist)) || (!album.empty() && ignored_albums_.contains(album)) ||
         any_genre_in(ignored_genres_) ||
         std::any_of(ignored_paths_.begin(), ignored_paths_.end(), [&](const std::string& p) { return under_path(t.path, p); })))
      return "ignore-list";
    if (!artist.empty() && exclude_artists_.contains(artist)) return "exclude-artist";
    if (!genres_.empty() && !any_genre_in(genres_)) return "genre";
    if (any_genre_in(exclude_genres_)) return "exclude-genre";
    if (c_.duration && !c_.duration->contains(t.duration)) return "duration";
    if (c_.bpm && !c_.bpm->contains(t.descriptors.bpm)) return "bpm";
    if (c_.max_bpm_diff &&
        !(t.descriptors.bpm > 0 && std::any_of(bpm_refs_.begin(), bpm_refs_.end(), [&](double r) {
            return std::abs(t.descriptors.bpm - r) <= *c_.max_bpm_diff;
          })))
      return "max-bpm-diff";
    return nullptr;
  }

  // The control that drops `t` after the songs so far (previous + accepted), or null; "" for a copy of a
  // song already chosen (not a control: silently skipped).
  const char* sequence_reject(const TrackRow& t) const {
    if (!t.content_hash.empty() && hashes_.contains(t.content_hash)) return "";
    const std::string artist = to_lower(t.tags.artist), album = to_lower(t.tags.album);
    if (c_.max_per_artist > 0 && !artist.empty()) {
      auto it = per_artist_.find(artist);
      if (it != per_artist_.end() && it->second >= c_.max_per_artist) return "max-per-artist";
    }
    auto recent = [&](int n, auto field, const std::string& value) {
      if (n <= 0 || value.empty()) return false;
      const size_t from = history_.size() > size_t(n) ? history_.size() - size_t(n) : 0;
      for (size_t i = from; i < history_.size(); ++i)
        if (history_[i].*field == value) return true;
      return false;
    };
    if (recent(c_.no_repeat_artist, &Played::artist, artist)) return "no-repeat-artist";
    if (recent(c_.no_repeat_album, &Played::album, album)) return "no-repeat-album";
    return nullptr;
  }

  void drop(const char* control, int64_t id) {
    if (*control) dropped_[control].insert(id);
  }
  // A song now in the list (a seed that opens it, or a result).
  void accept(const TrackRow& t, bool result) {
    remember(t);
    if (!t.content_hash.empty()) hashes_.insert(t.content_hash);
    if (result && !t.tags.artist.empty()) ++per_artist_[to_lower(t.tags.artist)];
  }
  std::map<std::string, int64_t> dropped() const {
    std::map<std::string, int64_t> out;
    for (const auto& [name, ids] : dropped_) out[name] = int64_t(ids.size());
    return out;
  }

 private:
  struct Played {
    std::string artist, album;
  };
  void remember(const TrackRow& t) { history_.push_back({to_lower(t.tags.artist), to_lower(t.tags.album)}); }
  bool active(std::string_view name) const {
    if (name == "previous") return !c_.previous.empty();
    if (name == "ignore-list") return ignore_list_active_;
    if (name == "exclude-artist") return !exclude_artists_.empty();
    if (name == "genre") return !genres_.empty();
    if (name == "exclude-genre") return !exclude_genres_.empty();
    if (name == "duration") return c_.duration.has_value();
    if (name == "bpm") return c_.bpm.has_value();
    if (name == "max-bpm-diff") return c_.max_bpm_diff.has_value();
    if (name == "max-per-artist") return c_.max_per_artist > 0;
    if (name == "no-repeat-artist") return c_.no_repeat_artist > 0;
    if (name == "no-repeat-album") return c_.no_repeat_album > 0;
    return false;
  }

  const PlaylistControls& c_;
  Exclusions previous_;
  std::set<std::string> exclude_artists_, genres_, exclude_genres_;
  std::set<std::string> ignored_artists_, ignored_albums_, ignored_genres_;
  std::vector<std::string> ignored_paths_;
  bool ignore_list_active_ = false;
  std::vector<double> bpm_refs_;
  std::vector<Played> history_;
  std::set<std::string> hashes_;
  std::map<std::string, int> per_artist_;
  std::map<std::string, std::set<int64_t>> dropped_;
};

// A reproducible draw: Fisher-Yates over mt19937_64 (std::shuffle's result differs between standard
// libraries, and a seed is promised to give the same mix everywhere).
template <class T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[size_t(rng() % i)]);
}

// A drawn seed stays below 2^53 so that a JavaScript client can send back the number it was told.
uint64_t shuffle_seed(const PlaylistControls& c) {
  if (c.seed) return *c.seed;
  std::random_device device;
  return ((uint64_t(device()) << 32) ^ device()) & ((uint64_t(1) << 53) - 1);
}

struct Pass {
  Mix mix;
  bool complete = false;  // k found, or every candidate seen
};

// One try over the candidate lists (one per query vector, nearest first), taken in turn. `whole`: the
// lists hold the whole library; otherwise running off the end of one means the try needs longer lists.
Pass mix_pass(const LibraryDb& db, std::string_view kind, const std::vector<std::vector<Neighbor>>& lists, bool whole,
              int k, const Exclusions& seeds, const PlaylistControls& c, std::vector<double> bpm_refs,
              std::optional<uint64_t> seed) {
  MixFilter filter(db, c);
  filter.set_bpm_references(std::move(bpm_refs));
  std::vector<size_t> pos(lists.size(), 0);
  std::vector<bool> finished(lists.size(), false);
  std::set<int64_t> seen;
  size_t turn = 0;
  bool starved = false;
  auto next = [&]() -> std::optional<Neighbor> {
    for (size_t tries = 0; tries < lists.size();) {
      const size_t i = turn++ % lists.size();
      if (finished[i]) {
        ++tries;
        continue;
      }
      const auto& l = lists[i];
      while (pos[i] < l.size() && seen.contains(l[pos[i]].id)) ++pos[i];
      if (pos[i] == l.size()) {
        if (!whole) {
          starved = true;
          return std::nullopt;
        }
        finished[i] = true;
        ++tries;
        continue;
      }
      seen.insert(l[pos[i]].id);
      return l[pos[i]++];
    }
    return std::nullopt;
  };
  auto next_survivor = [&]() -> std::optional<Candidate> {
    while (auto nb = next()) {
      auto t = db.track(nb->id);
      if (!t || t->failed() || seeds.excluded(*t)) continue;
      if (const char* why = filter.static_reject(*t)) {
        filter.drop(why, t->id);
        continue;
      }
      return Candidate{std::move(*t), nb->distance};
    }
    return std::nullopt;
  };

  Pass p;
  p.mix.report.requested = k;
  std::vector<Candidate> pool;
  if (c.shuffle_top > 0) {
    while (int(pool.size()) < c.shuffle_top)
      if (auto x = next_survivor()) pool.push_back(std::move(*x));
      else break;
    // The draw must be from the true N best: with lists that stopped short, try longer ones.
    if (starved) return p;
    std::mt19937_64 rng(*seed);
    shuffle(pool, rng);
    p.mix.report.shuffle_seed = seed;
  }
  size_t taken = 0;
  while (int(p.mix.results.size()) < k) {
    std::optional<Candidate> x;
    if (taken < pool.size()) x = std::move(pool[taken++]);
    else x = next_survivor();
    if (!x) break;
    if (const char* why = filter.sequence_reject(x->track)) {
      filter.drop(why, x->track.id);
      continue;
    }
    filter.accept(x->track, true);
    Recommendation r;
    r.rank = int(p.mix.results.size()) + 1;
    r.distance = x->distance;
    r.label = display_label(db, x->track, kind);
    r.track = std::move(x->track);
    p.mix.results.push_back(std::move(r));
  }
  p.complete = int(p.mix.results.size()) == k || !starved;
  p.mix.report.dropped = filter.dropped();
  return p;
}

}  // namespace

Mix similar_mix(const LibraryDb& db, LibrarySearch& search, std::span<const QueryTrack> seeds, int k,
                const PlaylistControls& c) {
  if (seeds.empty()) throw Error(ExitCode::usage, "no seed song");
  if (k < 1) throw Error(ExitCode::usage, "k must be at least 1");
  const bool several = seeds.size() > 1;
  if (several && c.seed_mix == SeedMix::centroid && (is_timbre_kind(search.kind()) || is_fused_kind(search.kind())))
    throw Error(ExitCode::usage, "seed-mix centroid: the mean of " + search.kind() +
                                     " vectors (Gaussians) is no song's model; use --seed-mix interleave");
  const auto index = search.index();
  Exclusions ex;
  std::vector<double> bpm_refs;
  for (const QueryTrack& q : seeds) {
    ex.add(q.track, q.id);
    bpm_refs.push_back(q.track.descriptors.bpm);
  }
  std::vector<std::vector<float>> queries;
  if (!several) queries.push_back(seeds.front().vector);
  else if (c.seed_mix == SeedMix::centroid)
    queries.push_back(query_centroid(seeds, compares_by_cosine(search) ? Metric::cosine : Metric::l2));
  else
    for (const QueryTrack& q : seeds) queries.push_back(q.vector);
  const std::optional<uint64_t> seed = c.shuffle_top > 0 ? std::optional(shuffle_seed(c)) : std::nullopt;

  // Filters drop candidates, so ask for many and for more until k pass or the whole library was seen.
  const size_t n = index->size();
  size_t fetch = std::min(n, size_t(std::max(k, c.shuffle_top)) * 10 + c.previous.size() + seeds.size() + 16);
  for (;;) {
    std::vector<std::vector<Neighbor>> lists;
    // Through LibrarySearch, which rescales with mutual proximity when it was asked to.
    for (const auto& v : queries) lists.push_back(search.search(v, fetch));
    Pass p = mix_pass(db, search.kind(), lists, fetch >= n, k, ex, c, bpm_refs, seed);
    if (p.complete || fetch >= n) {
      if (several) p.mix.report.seed_mix = c.seed_mix;
      return std::move(p.mix);
    }
    fetch = std::min(n, fetch * 4);
  }
}

std::vector<Recommendation> recommend(const LibraryDb& db, LibrarySearch& search, std::span<const QueryTrack> queries,
                                      const SimilarOptions& o) {
  return similar_mix(db, search, queries, o.k, o.controls).results;
}

Mix path_mix(const LibraryDb& db, LibrarySearch& search, const QueryTrack& a, const QueryTrack& b, int steps,
             const PlaylistControls& c) {
  if (steps < 0) throw Error(ExitCode::usage, "--steps must be 0 or more");
  const auto index = search.index();
  const size_t n = index->size();
  MixFilter filter(db, c);
  Exclusions used;
  used.add(a.track, a.id);
  used.add(b.track, b.id);
  std::vector<float> va = a.vector, vb = b.vector;
  if (compares_by_cosine(search)) {
    normalise(va);
    normalise(vb);
  }
  Mix mix;
  mix.report.requested = steps + 2;
  std::optional<std::mt19937_64> rng;
  if (c.shuffle_top > 0) {
    mix.report.shuffle_seed = shuffle_seed(c);
    rng.emplace(*mix.report.shuffle_seed);
  }
  auto push = [&](const TrackRow& t, float d) {
    Recommendation r;
    r.rank = int(mix.results.size()) + 1;
    r.distance = d;
    r.track = t;
    r.label = t.id ? display_label(db, t, search.kind()) : t.tags.genre;
    mix.results.push_back(std::move(r));
  };
  push(a.track, 0.0f);
  filter.accept(a.track, false);
  const double bpm_a = a.track.descriptors.bpm, bpm_b = b.track.descriptors.bpm;
  const size_t want = size_t(std::max(1, c.shuffle_top));
  std::vector<float> p(va.size());
  for (int i = 1; i <= steps; ++i) {
    const float t = float(i) / float(steps + 1);
    for (size_t d = 0; d < p.size(); ++d) p[d] = (1 - t) * va[d] + t * vb[d];
    // The tempo half way from A to B is half way between theirs.
    filter.set_bpm_references({bpm_a > 0 && bpm_b > 0 ? (1 - t) * bpm_a + t * bpm_b : std::max(bpm_a, bpm_b)});
    std::vector<Candidate> survivors;
    // Enough candidates that some survive the ones already used and the filters; more when they do not.
    for (size_t fetch = std::min(n, size_t(2 * steps + 16) + c.previous.size() + want * 2);; fetch = std::min(n, fetch * 4)) {
      survivors.clear();
      for (const Neighbor& nb : index->search(p, int(fetch))) {
        auto row = db.track(nb.id);
        if (!row || row->failed() || used.excluded(*row)) continue;
        const char* why = filter.static_reject(*row);
        if (!why) why = filter.sequence_reject(*row);
        if (why) {
          filter.drop(why, row->id);
          continue;
        }
        survivors.push_back({std::move(*row), nb.distance});
        if (survivors.size() == want) break;
      }
      if (survivors.size() == want || fetch >= n) break;
    }
    if (survivors.empty()) continue;
    Candidate& pick = rng ? survivors[size_t((*rng)() % survivors.size())] : survivors.front();
    used.add(pick.track, pick.track.id);
    filter.accept(pick.track, true);
    push(pick.track, pick.distance);
  }
  push(b.track, 0.0f);
  mix.report.dropped = filter.dropped();
  return mix;
}

std::vector<Recommendation> playlist_path(const LibraryDb& db, LibrarySearch& search, const QueryTrack& a,
                                          const QueryTrack& b, int steps) {
  return path_mix(db, search, a, b, steps, {}).results;
}

}  // namespace soundalike

#include "app/server/LibraryService.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <tuple>
#include <unordered_map>

#include "app/FeatureChoice.h"
#include "app/LibraryOutput.h"
#include "audio/AudioDecoder.h"
#include "common/Error.h"
#include "common/Image.h"
#include "common/Text.h"
#include "features/MelSpectrogram.h"
#include "features/SpectrogramImage.h"
#include "library/LibraryDb.h"
#include "recommend/LibraryMap.h"
#include "library/LibrarySearch.h"
#include "recommend/Recommender.h"
#include "search/ProximityInput.h"
#include "library/TrackAnalyzer.h"

namespace soundalike::app {
namespace {

using nlohmann::json;

constexpr double kPreviewSeconds = 30.0;

std::string base64(std::span<const unsigned char> bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t n = uint32_t(bytes[i]) << 16 | (i + 1 < bytes.size() ? uint32_t(bytes[i + 1]) << 8 : 0) |
                       (i + 2 < bytes.size() ? uint32_t(bytes[i + 2]) : 0);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += i + 1 < bytes.size() ? kAlphabet[n >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

// A private directory (mode 0700) holding one upload, removed with everything in it when it goes out of
// scope: FFmpeg and the analyser read files, and no client string ever becomes part of its name.
class PrivateTempFile {
 public:
  explicit PrivateTempFile(std::span<const std::byte> bytes) {
    std::string pattern = (std::filesystem::temp_directory_path() / "soundalike-upload-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw Error(ExitCode::cannot_write, "cannot create a private temporary folder for the upload");
    dir_ = pattern;
    file_ = dir_ / "upload";
    std::ofstream out(file_, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) throw Error(ExitCode::cannot_write, "cannot store the upload in a temporary file");
  }
  ~PrivateTempFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PrivateTempFile(const PrivateTempFile&) = delete;
  PrivateTempFile& operator=(const PrivateTempFile&) = delete;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path dir_, file_;
};

json track_summary(const LibraryDb& db, const TrackRow& t, std::string_view kind) {
  return {{"id", t.id},
          {"title", display_title(t)},
          {"artist", t.tags.artist},
          {"album", t.tags.album},
          {"genre", t.tags.genre},
          {"track", t.tags.track ? json(*t.tags.track) : json(nullptr)},
          {"year", t.tags.year ? json(*t.tags.year) : json(nullptr)},
          {"duration", t.duration},
          {"bpm", t.descriptors.bpm},
          {"energy_db", t.descriptors.loudness_db},
          {"brightness_hz", t.descriptors.centroid_hz},
          {"label", display_label(db, t, kind)}};
}

json labels_json(const std::vector<LabelScore>& labels) {
  json out = json::array();
  for (const auto& l : labels) out.push_back({{"label", l.label}, {"probability", l.probability}});
  return out;
}

// `similar --json`'s query object plus what the page shows beside the spectrogram.
json query_json(const QueryTrack& q, const std::vector<LabelScore>& labels) {
  json out = to_json(q);
  out["energy_db"] = q.track.descriptors.loudness_db;
  out["brightness_hz"] = q.track.descriptors.centroid_hz;
  out["duration"] = q.track.duration;
  out["labels"] = labels_json(labels);
  return out;
}

std::vector<unsigned char> spectrogram_of(const MelSpectrogram& mel, std::span<const float> samples) {
  return encode_png(render_spectrogram(mel.compute(samples), SpectrogramImageOptions{.band_height = 1, .max_width = 800}));
}

}  // namespace

namespace {

// What serving one kind of vector takes. A request holds its Engine for its whole length, so a switch
// to another kind (below) never changes the kind under a running request.
struct Engine {
  std::string kind;
  std::unique_ptr<FeatureExtractor> extractor;  // null when uploads cannot be analysed
  std::unique_ptr<TrackAnalyzer> analyzer;
  // One search per metric; LibrarySearch is itself thread safe and follows the database's generation.
  std::map<Metric, std::unique_ptr<LibrarySearch>> searches;

  Engine(const LibraryDb& db, std::string k, const std::string& model) : kind(std::move(k)) {
    extractor = extractor_for_kind(kind, model);
    if (extractor) analyzer = std::make_unique<TrackAnalyzer>(*extractor);
    for (Metric m : {Metric::l2, Metric::cosine}) {
      // Same defaults as `similar`: mutual proximity where it helps (timbre kinds).
      SearchOptions so;
      so.faiss.metric = m;
      so.normalize = default_normalization(kind);
      searches[m] = std::make_unique<LibrarySearch>(db, kind, so);
    }
  }
  LibrarySearch& search(const std::string& metric) const {
    return *searches.at(metric.empty() ? Metric::l2 : parse_metric(metric));
  }
};

}  // namespace

struct LibraryService::Impl {
  LibraryDb db;
  LibraryServiceOptions options;
  mutable std::mutex engine_mutex;
  std::shared_ptr<const Engine> current_engine;
  int64_t engine_generation = -1;
  AudioDecoder decoder;
  MelSpectrogram preview_mel;  // librosa's defaults at the decoder's 22050 Hz; planned once, shared

  // The track list and the map are recomputed only when the library changed.
  mutable std::mutex cache_mutex;
  int64_t tracks_generation = -1, map_generation = -1;
  // The rows in browsing order with what a search compares against, folded once per generation rather
  // than on every request: title, artist, album and file name, lower-cased, joined by a separator that
  // cannot occur in a search (so a needle never matches across two fields).
  struct TrackList {
    std::vector<TrackRow> rows;
    std::vector<std::string> search_text;
  };
  static constexpr char kFieldSeparator = '\x1f';
  std::shared_ptr<const TrackList> track_list;
  std::shared_ptr<const json> map_json;

  Impl(const std::filesystem::path& path, LibraryServiceOptions o)
      : db(path, LibraryDb::Mode::read_only), options(std::move(o)) {
    // An empty library (a fresh `index --watch` beside the server) serves the kind `index` would store
    // with the same options; songs appear as the watcher commits them.
    const bool empty = db.kinds().empty();
    const std::string kind =
        empty ? choose_features(options.features, options.model)->kind() : library_kind(db, options.features, options.model);
    auto e = std::make_shared<const Engine>(db, kind, options.model);
    if (!empty) e->search("").index();  // build or load now, so the first request is not the slow one
    current_engine = std::move(e);
    engine_generation = db.generation();
  }

  // The engine of the kind to serve now. Started without --features/--model, the server follows the
  // library: when it comes to hold one kind only and that is not the one served (an empty library filled
  // by `index --features timbre`, or one re-indexed with other features and pruned), it serves that kind
  // from then on instead of answering with nothing until a restart.
  std::shared_ptr<const Engine> engine() {
    const int64_t g = db.generation();
    std::lock_guard lock(engine_mutex);
    if (g == engine_generation) return current_engine;
    engine_generation = g;
    if (!options.features.empty() || !options.model.empty()) return current_engine;
    const auto kinds = db.kinds();
    if (kinds.size() != 1 || kinds.front().first == current_engine->kind) return current_engine;
    try {
      current_engine = std::make_shared<const Engine>(db, kinds.front().first, options.model);
      std::fprintf(stderr, "soundalike: the library now holds %s vectors; serving them\n", current_engine->kind.c_str());
    } catch (const Error& e) {
      std::fprintf(stderr, "soundalike: the library now holds %s vectors, which this server cannot serve (%s); still "
                           "serving %s\n", kinds.front().first.c_str(), e.what(), current_engine->kind.c_str());
    }
    return current_engine;
  }

  std::shared_ptr<const TrackList> all_tracks() {
    std::lock_guard lock(cache_mutex);
    const int64_t g = db.generation();
    if (!track_list || g != tracks_generation) {
      auto rows = db.tracks();
      // The order a person browses a library in: artist, album, track number, then file.
      struct Key {
        std::string artist, album;
        int track;
        const TrackRow* row;
      };
      std::vector<Key> keys;
      keys.reserve(rows.size());
      for (const TrackRow& t : rows) keys.push_back({to_lower(t.tags.artist), to_lower(t.tags.album), t.tags.track.value_or(0), &t});
      std::stable_sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
        return std::tie(a.artist, a.album, a.track, a.row->path) < std::tie(b.artist, b.album, b.track, b.row->path);
      });
      auto list = std::make_shared<TrackList>();
      list->rows.reserve(rows.size());
      list->search_text.reserve(rows.size());
      for (const Key& k : keys) {
        const TrackRow& t = *k.row;
        list->search_text.push_back(to_lower(t.tags.title) + kFieldSeparator + k.artist + kFieldSeparator + k.album +
                                    kFieldSeparator + to_lower(std::filesystem::path(t.path).filename().string()));
        list->rows.push_back(t);
      }
      track_list = std::move(list);
      tracks_generation = g;
    }
    return track_list;
  }

  TrackRow row(int64_t id) const {
    auto t = db.track(id);
    if (!t || t->failed()) throw Error(ExitCode::not_found, "no such track: " + std::to_string(id));
    return *t;
  }

  // `labels`, when given, receives the track's stored top labels from the same read.
  QueryTrack library_query(const Engine& engine, int64_t id, std::vector<LabelScore>* labels = nullptr) const {
    QueryTrack q;
    q.id = id;
    q.track = row(id);
    auto e = db.embedding(id, engine.kind);
    if (!e) throw Error(ExitCode::not_found, "track " + std::to_string(id) + " has no vector of kind " + engine.kind + " yet");
    q.vector = std::move(e->vector);
    if (labels) *labels = std::move(e->labels);
    return q;
  }

  PlaylistControls controls(PlaylistControls c) const {
    c.genre_groups = options.genre_groups;
    return c;
  }

  json answer(const Engine& engine, const QueryTrack& q, const SimilarRequest& request, json query_json) {
    if (request.k < 1 || request.k > 1000) throw Error(ExitCode::usage, "k must be in [1, 1000]");
    std::vector<QueryTrack> seeds{q};
    for (int64_t id : request.with) seeds.push_back(library_query(engine, id));
    if (seeds.size() > 1) {
      // As `similar A B` answers: the query object lists every seed.
      json all{{"tracks", json::array({query_json})}};
      for (size_t i = 1; i < seeds.size(); ++i) all["tracks"].push_back(to_json(seeds[i]));
      query_json = std::move(all);
    }
    LibrarySearch& search = engine.search(request.metric);
    const Mix mix = similar_mix(db, search, seeds, request.k, controls(request.controls));
    return similar_answer(std::move(query_json), search, mix);
  }
};

LibraryService::LibraryService(const std::filesystem::path& db, const LibraryServiceOptions& options)
    : impl_(std::make_unique<Impl>(db, options)) {}

LibraryService::~LibraryService() = default;

std::string LibraryService::kind() const { return impl_->engine()->kind; }
bool LibraryService::can_analyse_uploads() const { return impl_->engine()->analyzer != nullptr; }

json LibraryService::health() const {
  const auto engine = impl_->engine();
  return {{"status", "ok"},
          {"tracks", impl_->db.track_count()},
          {"kind", engine->kind},
          {"uploads", engine->analyzer != nullptr},
          {"generation", impl_->db.generation()}};
}

json LibraryService::tracks(std::string_view query, int limit, int offset) const {
  const auto all = impl_->all_tracks();
  const std::string kind = this->kind();
  const std::string needle = to_lower(query);
  json list = json::array();
  int64_t total = 0;
  if (needle.find(Impl::kFieldSeparator) != std::string::npos) return {{"tracks", std::move(list)}, {"total", total}};
  for (size_t i = 0; i < all->rows.size(); ++i) {
    if (!needle.empty() && all->search_text[i].find(needle) == std::string::npos) continue;
    if (total >= offset && total < int64_t(offset) + limit) list.push_back(track_summary(impl_->db, all->rows[i], kind));
    ++total;
  }
  return {{"tracks", std::move(list)}, {"total", total}};
}

json LibraryService::track(int64_t id) const {
  const TrackRow t = impl_->row(id);
  const std::string kind = this->kind();
  json out = track_summary(impl_->db, t, kind);
  out["path"] = t.path;
  const auto e = impl_->db.embedding(id, kind);
  out["labels"] = labels_json(e ? e->labels : std::vector<LabelScore>{});
  return out;
}

json LibraryService::similar_to_track(int64_t id, const SimilarRequest& request) const {
  std::vector<LabelScore> labels;
  const auto engine = impl_->engine();
  const QueryTrack q = impl_->library_query(*engine, id, &labels);
  return impl_->answer(*engine, q, request, query_json(q, labels));
}

json LibraryService::similar_to_audio(std::span<const std::byte> audio, std::string_view name,
                                      const SimilarRequest& request) const {
  const auto engine = impl_->engine();
  if (!engine->analyzer)
    throw Error(ExitCode::no_audio, "this server cannot analyse uploads: the library was indexed with a model it has not loaded (start it with --model)");
  const PrivateTempFile upload(audio);
  TrackUpdate analysed;
  try {
    analysed = engine->analyzer->analyze(upload.file());
  } catch (const Error& e) {
    // The message names the temporary file; the client knows its upload by its own name.
    throw Error(e.code() == ExitCode::not_found ? ExitCode::undecodable : e.code(),
                std::string(name) + ": cannot analyse the upload (" + (e.code() == ExitCode::no_audio ? "no audio" : "not a readable audio file") + ")");
  }
  QueryTrack q;
  q.track = std::move(analysed.track);
  q.track.path = std::string(name);
  if (q.track.tags.title.empty()) q.track.tags.title = std::filesystem::path(std::string(name)).filename().string();
  if (analysed.embedding) q.vector = analysed.embedding->vector;
  if (q.vector.empty()) throw Error(ExitCode::no_audio, std::string(name) + ": no audio to analyse");

  json qj = query_json(q, analysed.embedding ? analysed.embedding->labels : std::vector<LabelScore>{});
  // The duplicate rule of `similar`: a library file with the same bytes is the query itself.
  if (const auto same = impl_->db.ids_with_hash(q.track.content_hash); !same.empty()) q.id = same.front();
  try {
    const auto preview = impl_->decoder.decode_memory(audio, name, DecodeOptions{.duration = kPreviewSeconds});
    qj["spectrogram"] = "data:image/png;base64," + base64(spectrogram_of(impl_->preview_mel, preview.samples));
  } catch (const Error& e) {
    // The analysis read it; a preview that fails is not worth failing the answer for, but the server's
    // log says why the page shows none.
    std::fprintf(stderr, "soundalike: no spectrogram preview for the upload %s: %s\n", std::string(name).c_str(), e.what());
  }
  return impl_->answer(*engine, q, request, std::move(qj));
}

std::filesystem::path LibraryService::audio_file(int64_t id) const { return impl_->row(id).path; }

std::vector<unsigned char> LibraryService::spectrogram_png(int64_t id) const {
  const TrackRow t = impl_->row(id);
  DecodeOptions o;
  o.offset = std::max(0.0, (t.duration - kPreviewSeconds) / 2);
  o.duration = kPreviewSeconds;
  const auto audio = impl_->decoder.decode(t.path, o);
  return spectrogram_of(impl_->preview_mel, audio.samples);
}

json LibraryService::path(int64_t from, int64_t to, int steps, const PlaylistControls& controls) const {
  if (steps < 0 || steps > 200) throw Error(ExitCode::usage, "steps must be in [0, 200]");
  const auto engine = impl_->engine();
  const QueryTrack a = impl_->library_query(*engine, from), b = impl_->library_query(*engine, to);
  const Mix mix = path_mix(impl_->db, engine->search(""), a, b, steps, impl_->controls(controls));
  return {{"tracks", to_json(std::span<const Recommendation>(mix.results))}, {"mix", to_json(mix)}};
}

json LibraryService::distances_from(int64_t from, std::span<const int64_t> ids) const {
  const auto engine = impl_->engine();
  const QueryTrack a = impl_->library_query(*engine, from);
  const auto index = engine->search("").index();
  // One wide search of the index `path` walks; a song beyond it (only in a very large library) gets the
  // largest distance the search saw.
  constexpr size_t kWidest = 20000;
  std::unordered_map<int64_t, double> found;
  double farthest = 0;
  for (const Neighbor& n : index->search(a.vector, int(std::min(index->size(), kWidest)))) {
    found.emplace(n.id, n.distance);
    farthest = std::max(farthest, double(n.distance));
  }
  json distances = json::array();
  for (int64_t id : ids) {
    const auto it = found.find(id);
    distances.push_back(id == from ? 0.0 : it != found.end() ? it->second : farthest);
  }
  // A fused index answers in fused mutual-proximity distances; the others in their raw metric.
  const bool fused = index->type() == "fused";
  return {{"metric", fused ? std::string("fused") : mp_metric_key(engine->kind, index->metric())},
          {"normalize", fused ? "mp" : "none"},
          {"distances", std::move(distances)}};
}

std::shared_ptr<const std::vector<TrackRow>> LibraryService::catalogue() const {
  auto list = impl_->all_tracks();
  // Shares ownership with the cached list, so the rows live as long as any reader holds them.
  return {list, &list->rows};
}

json LibraryService::map() const {
  const std::string kind = this->kind();
  std::lock_guard lock(impl_->cache_mutex);
  const int64_t g = impl_->db.generation();
  if (!impl_->map_json || g != impl_->map_generation) {
    json list = json::array();
    // An empty library (still being indexed) has an empty map, not an error.
    const auto points = impl_->db.track_count() == 0 ? std::vector<MapPoint>{} : project_library(impl_->db, kind);
    for (const auto& p : points) {
      const auto t = impl_->db.track(p.id);
      if (!t) continue;
      list.push_back({{"id", p.id},
                      {"x", p.x},
                      {"y", p.y},
                      {"label", p.label},
                      {"title", display_title(*t)},
                      {"artist", t->tags.artist}});
    }
    impl_->map_json = std::make_shared<const json>(json{{"points", std::move(list)}});
    impl_->map_generation = g;
  }
  return *impl_->map_json;
}

}  // namespace soundalike::app

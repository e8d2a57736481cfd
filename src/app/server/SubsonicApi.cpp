#include "app/server/SubsonicApi.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>

#include "app/LibraryOutput.h"
#include "app/server/FileResponse.h"
#include "audio/AudioTranscoder.h"
#include "audio/CoverArt.h"
#include "common/Image.h"
#include "common/Text.h"
#include "soundalike/Version.h"

namespace soundalike::app {
namespace subsonic {

using nlohmann::json;

json ok(json payload) {
  json body{{"status", "ok"},
            {"version", kApiVersion},
            {"type", kServerType},
            {"serverVersion", kVersion},
            {"openSubsonic", true}};
  for (auto& [key, value] : payload.items()) body[key] = std::move(value);
  return json{{"subsonic-response", std::move(body)}};
}

json failed(int code, std::string_view message) {
  json envelope = ok();
  envelope["subsonic-response"]["status"] = "failed";
  envelope["subsonic-response"]["error"] = {{"code", code}, {"message", std::string(message)}};
  return envelope;
}

namespace {

void escape_into(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 has no way to write most control characters, not even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += ' ';
        else out += c;
    }
  }
}

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

void element(std::string& out, const std::string& name, const json& value, bool root = false) {
  out += '<';
  out += name;
  if (root) out += " xmlns=\"http://subsonic.org/restapi\"";
  if (!value.is_object()) {
    out += '>';
    escape_into(out, scalar_text(value));
    out += "</" + name + '>';
    return;
  }
  for (const auto& [key, v] : value.items()) {
    if (v.is_null() || v.is_object() || v.is_array() || key == "value") continue;
    out += ' ' + key + "=\"";
    escape_into(out, scalar_text(v));
    out += '"';
  }
  std::string inner;
  if (value.contains("value") && !value["value"].is_null()) escape_into(inner, scalar_text(value["value"]));
  for (const auto& [key, v] : value.items()) {
    if (v.is_object()) element(inner, key, v);
    else if (v.is_array())
      for (const json& item : v)
        if (!item.is_null()) element(inner, key, item);
  }
  if (inner.empty()) {
    out += "/>";
    return;
  }
  out += '>' + inner + "</" + name + '>';
}

}  // namespace

std::string to_xml(const json& envelope) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  element(out, "subsonic-response", envelope.at("subsonic-response"), true);
  out += '\n';
  return out;
}

int error_code_for(ExitCode code) { return code == ExitCode::not_found ? 70 : 0; }

std::string normalise_name(std::string_view name) {
  std::string out;
  bool blank = false;
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += char(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string artist_id(std::string_view artist) { return "ar-" + md5_hex(normalise_name(artist)).substr(0, 16); }

std::string album_id(std::string_view artist, std::string_view album) {
  return "al-" + md5_hex(normalise_name(artist) + '\x1f' + normalise_name(album)).substr(0, 16);
}

double sonic_distance(double d, std::string_view metric, std::string_view normalize) {
  if (!std::isfinite(d) || d < 0) d = std::isnan(d) ? 1.0 : std::max(0.0, d);
  if (normalize == "mp") return std::clamp(d, 0.0, 1.0);
  if (metric == "cosine") return std::clamp(d / 2, 0.0, 1.0);
  return d / (1 + d);
}

}  // namespace subsonic

namespace {

using nlohmann::json;
using namespace subsonic;

constexpr const char* kUnknownArtist = "[Unknown Artist]";
constexpr const char* kUnknownAlbum = "[Unknown Album]";
constexpr const char* kMusicFolderId = "1";

// "flac" for song.FLAC: Subsonic's suffix, and what a `format` request is compared with.
std::string suffix_of(const std::filesystem::path& file) {
  std::string suffix = to_lower(file.extension().string());
  if (!suffix.empty()) suffix.erase(0, 1);
  return suffix;
}

// The file's average bit rate in kbps, from its size and length; 0 when the length is unknown.
int average_kbps(const TrackRow& t) { return t.duration > 0 ? int(std::lround(double(t.size) * 8 / t.duration / 1000)) : 0; }

std::string iso_time(int64_t unix_seconds) {
  const std::time_t t = std::time_t(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A genre tag's genres as written ("Rock; Pop/Dance" -> Rock, Pop, Dance).
std::vector<std::string> split_genres(std::string_view tag) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    const auto b = cur.find_first_not_of(" \t"), e = cur.find_last_not_of(" \t");
    if (b != std::string::npos) {
      std::string g = cur.substr(b, e - b + 1);
      if (std::none_of(out.begin(), out.end(), [&](const std::string& o) { return to_lower(o) == to_lower(g); })) out.push_back(g);
    }
    cur.clear();
  };
  for (char c : tag) {
    if (c == ';' || c == '/' || c == ',') flush();
    else cur += c;
  }
  flush();
  return out;
}

bool has_genre(std::string_view tag, std::string_view genre) {
  const std::string want = to_lower(genre);
  for (const auto& g : split_genres(tag))
    if (to_lower(g) == want) return true;
  return false;
}

// The library grouped as Subsonic clients browse it: artists, their albums, the albums' songs.
struct Catalog {
  struct Album {
    std::string id, name, artist, artist_id;
    std::vector<size_t> songs;  // rows, in track order
    double duration = 0;
    int64_t created = 0;     // the newest song's index time
    int64_t newest_id = 0;   // tie-break of "newest": later tracks get larger ids
    std::vector<std::string> genres;
    int year = 0;            // the earliest year of its songs (a reissue keeps the original's); 0: none
  };
  struct Artist {
    std::string id, name;
    std::vector<size_t> albums;
  };
  struct Genre {
    std::string name;
    int64_t songs = 0, albums = 0;
  };
  std::shared_ptr<const std::vector<TrackRow>> rows;
  std::vector<Album> albums;
  std::vector<Artist> artists;  // by name, case-insensitively
  std::unordered_map<std::string, size_t> album_index, artist_index;
  std::unordered_map<int64_t, size_t> row_index;
  std::vector<size_t> album_of_row;
  std::vector<Genre> genres;  // by name
  int64_t last_modified = 0;  // unix seconds

  explicit Catalog(std::shared_ptr<const std::vector<TrackRow>> r) : rows(std::move(r)) {
    const auto& all = *rows;
    album_of_row.resize(all.size());
    std::map<std::string, Genre> genre_map;  // by lower-case name
    std::map<std::string, std::set<size_t>> genre_albums;
    for (size_t i = 0; i < all.size(); ++i) {
      const TrackRow& t = all[i];
      row_index[t.id] = i;
      const std::string artist = t.tags.artist.empty() ? kUnknownArtist : t.tags.artist;
      const std::string album = t.tags.album.empty() ? kUnknownAlbum : t.tags.album;
      const std::string ar = artist_id(t.tags.artist), al = album_id(t.tags.artist, t.tags.album);
      auto [ai, new_artist] = artist_index.try_emplace(ar, artists.size());
      if (new_artist) artists.push_back({ar, artist, {}});
      auto [bi, new_album] = album_index.try_emplace(al, albums.size());
      if (new_album) {
        albums.push_back({al, album, artists[ai->second].name, ar, {}, 0, 0, 0, {}, 0});
        artists[ai->second].albums.push_back(bi->second);
      }
      Album& a = albums[bi->second];
      a.songs.push_back(i);
      a.duration += t.duration;
      a.created = std::max(a.created, t.indexed_at);
      a.newest_id = std::max(a.newest_id, t.id);
      if (t.tags.year && (a.year == 0 || *t.tags.year < a.year)) a.year = *t.tags.year;
      for (const std::string& g : split_genres(t.tags.genre)) {
        if (std::none_of(a.genres.begin(), a.genres.end(), [&](const std::string& o) { return to_lower(o) == to_lower(g); }))
          a.genres.push_back(g);
        Genre& entry = genre_map[to_lower(g)];
        if (entry.name.empty()) entry.name = g;
        ++entry.songs;
        genre_albums[to_lower(g)].insert(bi->second);
      }
      album_of_row[i] = bi->second;
      last_modified = std::max(last_modified, t.indexed_at);
    }
    for (auto& [key, g] : genre_map) {
      g.albums = int64_t(genre_albums[key].size());
      genres.push_back(g);
    }
    std::vector<size_t> order(artists.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return to_lower(artists[a].name) < to_lower(artists[b].name); });
    std::vector<Artist> sorted;
    for (size_t i : order) sorted.push_back(std::move(artists[i]));
    artists = std::move(sorted);
    for (size_t i = 0; i < artists.size(); ++i) artist_index[artists[i].id] = i;
  }

  const TrackRow& row(size_t i) const { return (*rows)[i]; }
  std::optional<size_t> song(std::string_view id) const {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
    if (ec != std::errc() || p != id.data() + id.size()) return std::nullopt;
    const auto it = row_index.find(n);
    if (it == row_index.end()) return std::nullopt;
    return it->second;
  }
  const Album* album(std::string_view id) const {
    const auto it = album_index.find(std::string(id));
    return it == album_index.end() ? nullptr : &albums[it->second];
  }
  const Artist* artist(std::string_view id) const {
    const auto it = artist_index.find(std::string(id));
    return it == artist_index.end() ? nullptr : &artists[it->second];
  }
};

// The request's parameters: the query string, or the form body of a POST (the formPost extension).
class Params {
 public:
  explicit Params(const httplib::Request& req) : req_(req) {}
  std::optional<std::string> get(const char* name) const {
    if (!req_.has_param(name)) return std::nullopt;
    return req_.get_param_value(name);
  }
  std::string required(const char* name) const {
    auto v = get(name);
    if (!v || v->empty()) throw SubsonicError(10, std::string("required parameter '") + name + "' is missing");
    return *v;
  }
  std::vector<std::string> all(const char* name) const {
    std::vector<std::string> out;
    for (size_t i = 0, n = req_.get_param_value_count(name); i < n; ++i) out.push_back(req_.get_param_value(name, i));
    return out;
  }
  int integer(const char* name, int fallback, int lo, int hi) const {
    const auto v = get(name);
    if (!v || v->empty()) return fallback;
    int n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || p != v->data() + v->size()) throw SubsonicError(0, std::string("parameter '") + name + "' must be an integer");
    return std::clamp(n, lo, hi);
  }
  // soundalike's playlist controls (docs/mixes.md) under their CLI names, as the JSON API takes them: a
  // client or a proxy may add `no-repeat-artist=3` to a similarity call. Players send none of them.
  PlaylistControls controls() const {
    PlaylistControls c;
    for (const PlaylistControlInfo& info : playlist_control_infos()) {
      const std::string name(info.name);
      const size_t n = req_.get_param_value_count(name);
      if (n > 1 && !info.repeatable) throw SubsonicError(0, "parameter '" + name + "' may be given once");
      try {
        for (size_t i = 0; i < n; ++i) set_playlist_control(c, name, req_.get_param_value(name, i));
      } catch (const Error& e) {
        throw SubsonicError(0, e.what());
      }
    }
    return c;
  }
  std::optional<bool> boolean(const char* name) const {
    const auto v = get(name);
    if (!v) return std::nullopt;
    return to_lower(*v) == "true" || *v == "1";
  }

 private:
  const httplib::Request& req_;
};

enum class Format { xml, json, jsonp };

struct Call {
  const Params& params;
  const std::string& user;
  httplib::Response& res;
  bool answered = false;  // the handler wrote the response itself (a file)
};

// Scaled cover art: clients scrolling an album grid ask for the same thumbnails again and again, and
// decoding, scaling and encoding a large cover costs far more than finding it. Bounded by bytes, the
// least recently used out first; shared by the server's threads.
class ScaledArtCache {
 public:
  explicit ScaledArtCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

  std::optional<std::string> get(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->second;
  }

  void put(const std::string& key, std::string bytes) {
    if (bytes.size() > capacity_) return;
    std::lock_guard lock(mutex_);
    if (const auto it = index_.find(key); it != index_.end()) {
      used_ -= it->second->second.size();
      entries_.erase(it->second);
      index_.erase(it);
    }
    used_ += bytes.size();
    entries_.emplace_front(key, std::move(bytes));
    index_[key] = entries_.begin();
    while (used_ > capacity_) {
      used_ -= entries_.back().second.size();
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
  }

 private:
  using Entry = std::pair<std::string, std::string>;  // key, JPEG bytes
  std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t used_ = 0;
  const size_t capacity_;
};

}  // namespace

struct SubsonicApi::Impl {
  const LibraryBackend& library;
  LibraryDb& accounts;
  const UserDirectory& users;
  mutable std::mutex catalog_mutex;
  mutable std::shared_ptr<const Catalog> catalog_cache;
  mutable ScaledArtCache scaled_art{size_t(16) << 20};

  using Handler = json (Impl::*)(Call&) const;
  std::unordered_map<std::string, Handler> handlers;

  Impl(const LibraryBackend& l, LibraryDb& a, const UserDirectory& u) : library(l), accounts(a), users(u) {
    handlers = {
        {"ping", &Impl::ping},
        {"getLicense", &Impl::get_license},
        {"getOpenSubsonicExtensions", &Impl::get_extensions},
        {"getMusicFolders", &Impl::get_music_folders},
        {"getIndexes", &Impl::get_indexes},
        {"getArtists", &Impl::get_artists},
        {"getArtist", &Impl::get_artist},
        {"getAlbum", &Impl::get_album},
        {"getSong", &Impl::get_song},
        {"getMusicDirectory", &Impl::get_music_directory},
        {"getAlbumList", &Impl::get_album_list},
        {"getAlbumList2", &Impl::get_album_list2},
        {"getRandomSongs", &Impl::get_random_songs},
        {"getGenres", &Impl::get_genres},
        {"getSongsByGenre", &Impl::get_songs_by_genre},
        {"search2", &Impl::search2},
        {"search3", &Impl::search3},
        {"stream", &Impl::stream},
        {"download", &Impl::download},
        {"getCoverArt", &Impl::get_cover_art},
        {"scrobble", &Impl::accepted},
        {"star", &Impl::accepted},
        {"unstar", &Impl::accepted},
        {"setRating", &Impl::accepted},
        {"getStarred", &Impl::get_starred},
        {"getStarred2", &Impl::get_starred2},
        {"getNowPlaying", &Impl::get_now_playing},
        {"getScanStatus", &Impl::get_scan_status},
        {"getUser", &Impl::get_user},
        {"getArtistInfo", &Impl::get_artist_info},
        {"getArtistInfo2", &Impl::get_artist_info2},
        {"getAlbumInfo", &Impl::get_album_info},
        {"getAlbumInfo2", &Impl::get_album_info},
        {"getTopSongs", &Impl::get_top_songs},
        {"getPlaylists", &Impl::get_playlists},
        {"getPlaylist", &Impl::get_playlist},
        {"createPlaylist", &Impl::create_playlist},
        {"updatePlaylist", &Impl::update_playlist},
        {"deletePlaylist", &Impl::delete_playlist},
        {"getSimilarSongs", &Impl::get_similar_songs},
        {"getSimilarSongs2", &Impl::get_similar_songs2},
        {"getSonicSimilarTracks", &Impl::get_sonic_similar_tracks},
        {"findSonicPath", &Impl::find_sonic_path},
    };
  }

  // Rebuilt only when the library changed (the backend hands out a new row list then).
  std::shared_ptr<const Catalog> catalog() const {
    auto rows = library.catalogue();
    std::lock_guard lock(catalog_mutex);
    if (!catalog_cache || catalog_cache->rows != rows) catalog_cache = std::make_shared<const Catalog>(std::move(rows));
    return catalog_cache;
  }

  // --- JSON shapes -------------------------------------------------------------------------------

  static json artist_ref(const std::string& id, const std::string& name) { return {{"id", id}, {"name", name}}; }

  static json song_json(const Catalog& c, size_t i) {
    const TrackRow& t = c.row(i);
    const Catalog::Album& al = c.albums[c.album_of_row[i]];
    const std::filesystem::path file(t.path);
    json genres = json::array();
    for (const auto& g : split_genres(t.tags.genre)) genres.push_back({{"name", g}});
    json j{{"id", std::to_string(t.id)},
           {"parent", al.id},
           {"isDir", false},
           {"title", display_title(t)},
           {"album", al.name},
           {"artist", al.artist},
           {"albumId", al.id},
           {"artistId", al.artist_id},
           // Always named: whether a song has art is only known by opening its file, and clients
           // show their placeholder when getCoverArt answers 70.
           {"coverArt", std::to_string(t.id)},
           {"size", t.size},
           {"contentType", content_type_for(file)},
           {"suffix", suffix_of(file)},
           {"duration", int(std::lround(t.duration))},
           // Relative, as Subsonic's paths are: the server's own folders are nobody else's business.
           {"path", al.artist + "/" + al.name + "/" + file.filename().string()},
           {"isVideo", false},
           {"type", "music"},
           {"mediaType", "song"},
           {"created", iso_time(t.indexed_at)},
           {"bpm", int(std::lround(t.descriptors.bpm))},
           {"genres", std::move(genres)},
           {"artists", json::array({artist_ref(al.artist_id, al.artist)})},
           {"displayArtist", al.artist},
           {"albumArtists", json::array({artist_ref(al.artist_id, al.artist)})},
           {"displayAlbumArtist", al.artist}};
    if (t.tags.track) j["track"] = *t.tags.track;
    if (t.tags.year) j["year"] = *t.tags.year;
    if (!t.tags.genre.empty()) j["genre"] = t.tags.genre;
    if (t.duration > 0) j["bitRate"] = average_kbps(t);
    return j;
  }

  static json album_json(const Catalog::Album& a) {
    json genres = json::array();
    for (const auto& g : a.genres) genres.push_back({{"name", g}});
    json j{{"id", a.id},
           {"name", a.name},
           {"artist", a.artist},
           {"artistId", a.artist_id},
           {"coverArt", a.id},
           {"songCount", a.songs.size()},
           {"duration", int(std::lround(a.duration))},
           {"created", iso_time(a.created)},
           {"genres", std::move(genres)},
           {"artists", json::array({artist_ref(a.artist_id, a.artist)})},
           {"displayArtist", a.artist},
           {"isCompilation", false}};
    if (!a.genres.empty()) j["genre"] = a.genres.front();
    if (a.year) j["year"] = a.year;
    return j;
  }

  // An album as a folder (getMusicDirectory, getAlbumList).
  static json album_dir_json(const Catalog::Album& a) {
    json j{{"id", a.id}, {"parent", a.artist_id}, {"isDir", true}, {"title", a.name}, {"album", a.name},
           {"artist", a.artist}, {"albumId", a.id}, {"artistId", a.artist_id}, {"coverArt", a.id}, {"created", iso_time(a.created)},
           {"duration", int(std::lround(a.duration))}, {"mediaType", "album"}};
    if (a.year) j["year"] = a.year;
    return j;
  }

  static json artist_json(const Catalog::Artist& a) {
    return {{"id", a.id}, {"name", a.name}, {"albumCount", a.albums.size()}};
  }

  static json songs_json(const Catalog& c, const std::vector<size_t>& rows) {
    json out = json::array();
    for (size_t i : rows) out.push_back(song_json(c, i));
    return out;
  }

  // The index letter of a name: A-Z, else "#".
  static std::string index_letter(const std::string& name) {
    const char c = name.empty() ? '#' : char(std::toupper(static_cast<unsigned char>(name.front())));
    return c >= 'A' && c <= 'Z' ? std::string(1, c) : "#";
  }

  static json artist_index(const Catalog& c, bool with_album_count) {
    std::map<std::string, json> groups;
    for (const auto& a : c.artists) {
      json entry = with_album_count ? artist_json(a) : json{{"id", a.id}, {"name", a.name}};
      groups[index_letter(a.name)].push_back(std::move(entry));
    }
    json index = json::array();
    for (auto& [letter, list] : groups) index.push_back({{"name", letter}, {"artist", std::move(list)}});
    return index;
  }

  size_t require_song(const Catalog& c, const std::string& id) const {
    const auto i = c.song(id);
    if (!i) throw SubsonicError(70, "no such song: " + id);
    return *i;
  }

  // --- system ------------------------------------------------------------------------------------

  json ping(Call&) const { return json::object(); }
  json get_license(Call&) const { return {{"license", {{"valid", true}}}}; }
  json get_extensions(Call&) const {
    return {{"openSubsonicExtensions",
             json::array({{{"name", "formPost"}, {"versions", {1}}},
                          {{"name", "sonicSimilarity"}, {"versions", {1}}},
                          {{"name", "transcodeOffset"}, {"versions", {1}}}})}};
  }
  json get_music_folders(Call&) const {
    return {{"musicFolders", {{"musicFolder", json::array({{{"id", 1}, {"name", "Music"}}})}}}};
  }
  json get_scan_status(Call&) const {
    return {{"scanStatus", {{"scanning", false}, {"count", catalog()->rows->size()}}}};
  }
  json get_user(Call& call) const {
    const std::string name = call.params.get("username").value_or(call.user);
    if (name != call.user) throw SubsonicError(50, "only your own user can be read");
    return {{"user",
             {{"username", name}, {"scrobblingEnabled", false}, {"adminRole", false}, {"settingsRole", false},
              {"downloadRole", true}, {"uploadRole", false}, {"playlistRole", true}, {"coverArtRole", true},
              {"commentRole", false}, {"podcastRole", false}, {"streamRole", true}, {"jukeboxRole", false},
              {"shareRole", false}, {"videoConversionRole", false}, {"folder", json::array({1})}}}};
  }
  // Accepted and forgotten: soundalike keeps no play counts, stars or ratings.
  json accepted(Call&) const { return json::object(); }
  json get_starred(Call&) const { return {{"starred", json::object()}}; }
  json get_starred2(Call&) const { return {{"starred2", json::object()}}; }
  json get_now_playing(Call&) const { return {{"nowPlaying", json::object()}}; }
  json get_artist_info(Call&) const { return {{"artistInfo", json::object()}}; }
  json get_artist_info2(Call&) const { return {{"artistInfo2", json::object()}}; }
  json get_album_info(Call&) const { return {{"albumInfo", json::object()}}; }
  json get_top_songs(Call&) const { return {{"topSongs", {{"song", json::array()}}}}; }

  // --- cover art ---------------------------------------------------------------------------------

  // A song's picture (embedded, else its folder's), or an album's: that of its first song with one.
  Picture cover_art_of(const Catalog& c, const std::string& id) const {
    std::vector<size_t> rows;
    if (const auto song = c.song(id)) rows.push_back(*song);
    else if (const Catalog::Album* al = c.album(id)) rows = al->songs;
    else throw SubsonicError(70, "no such song or album: " + id);
    for (size_t i : rows)
      if (auto picture = find_cover_art(library.audio_file(c.row(i).id))) return std::move(*picture);
    throw SubsonicError(70, "no cover art for " + id + ": no picture embedded in " +
                                (rows.size() == 1 ? "the audio file" : "its audio files") + " and no cover image beside it");
  }

  // A JPEG fitting size x size; nullopt when the original fits already, or when stb_image cannot read
  // it (WebP, an odd JPEG): the client is better served by the original than by an error.
  std::optional<std::string> scaled_cover_art(const Picture& picture, int size) const {
    try {
      const ImageSize original = image_size(picture.bytes);
      if (std::max(original.width, original.height) <= size) return std::nullopt;
      // The bytes' hash in the key: a cover replaced on disk is not answered with its old thumbnail.
      const std::string key = picture.source.string() + '\n' + std::to_string(size) + '\n' +
                              std::to_string(picture.bytes.size()) + '\n' +
                              std::to_string(std::hash<std::string_view>{}(picture.bytes));
      if (auto hit = scaled_art.get(key)) return hit;
      const std::vector<unsigned char> jpeg = encode_jpeg(scale_to_fit(decode_image(picture.bytes), size));
      std::string bytes(jpeg.begin(), jpeg.end());
      scaled_art.put(key, bytes);
      return bytes;
    } catch (const Error& e) {
      if (e.code() != ExitCode::undecodable) throw;
      return std::nullopt;
    }
  }

  json get_cover_art(Call& call) const {
    const auto c = catalog();
    const std::string id = call.params.required("id");
    std::optional<int> size;
    if (const auto s = call.params.get("size"); s && !s->empty()) size = call.params.integer("size", 0, 1, 2048);
    const Picture picture = cover_art_of(*c, id);
    std::optional<std::string> scaled;
    if (size) scaled = scaled_cover_art(picture, *size);
    // private: the answer is for the credentials in the URL, not for a shared proxy cache.
    call.res.set_header("Cache-Control", "private, max-age=86400");
    if (scaled) call.res.set_content(*scaled, "image/jpeg");
    else call.res.set_content(picture.bytes, picture.mime_type);
    call.answered = true;
    return json::object();
  }

  // --- browsing ----------------------------------------------------------------------------------

  json get_indexes(Call&) const {
    const auto c = catalog();
    return {{"indexes", {{"lastModified", c->last_modified * 1000}, {"ignoredArticles", ""}, {"index", artist_index(*c, false)}}}};
  }

  json get_artists(Call&) const {
    const auto c = catalog();
    return {{"artists", {{"ignoredArticles", ""}, {"index", artist_index(*c, true)}}}};
  }

  json get_artist(Call& call) const {
    const auto c = catalog();
    const std::string id = call.params.required("id");
    const Catalog::Artist* a = c->artist(id);
    if (!a) throw SubsonicError(70, "no such artist: " + id);
    json j = artist_json(*a);
    j["album"] = json::array();
    for (size_t al : a->albums) j["album"].push_back(album_json(c->albums[al]));
    return {{"artist", std::move(j)}};
  }

  json get_album(Call& call) const {
    const auto c = catalog();
    const std::string id = call.params.required("id");
    const Catalog::Album* a = c->album(id);
    if (!a) throw SubsonicError(70, "no such album: " + id);
    json j = album_json(*a);
    j["song"] = songs_json(*c, a->songs);
    return {{"album", std::move(j)}};
  }

  json get_song(Call& call) const {
    const auto c = catalog();
    return {{"song", song_json(*c, require_song(*c, call.params.required("id")))}};
  }

  json get_music_directory(Call& call) const {
    const auto c = catalog();
    const std::string id = call.params.required("id");
    json children = json::array();
    if (id == kMusicFolderId) {
      for (const auto& a : c->artists)
        children.push_back({{"id", a.id}, {"parent", kMusicFolderId}, {"isDir", true}, {"title", a.name}, {"artist", a.name}, {"mediaType", "artist"}});
      return {{"directory", {{"id", id}, {"name", "Music"}, {"child", std::move(children)}}}};
    }
    if (const Catalog::Artist* a = c->artist(id)) {
      for (size_t al : a->albums) children.push_back(album_dir_json(c->albums[al]));
      return {{"directory", {{"id", id}, {"parent", kMusicFolderId}, {"name", a->name}, {"child", std::move(children)}}}};
    }
    if (const Catalog::Album* al = c->album(id))
      return {{"directory", {{"id", id}, {"parent", al->artist_id}, {"name", al->name}, {"child", songs_json(*c, al->songs)}}}};
    throw SubsonicError(70, "no such directory: " + id);
  }

  // The albums of getAlbumList / getAlbumList2, in the order `type` asks for.
  std::vector<const Catalog::Album*> album_list(const Catalog& c, const Params& p) const {
    const std::string type = p.required("type");
    const int size = p.integer("size", 10, 0, 500), offset = p.integer("offset", 0, 0, 1 << 30);
    std::vector<const Catalog::Album*> list;
    for (const auto& a : c.albums) list.push_back(&a);
    auto by = [&](auto key) { std::stable_sort(list.begin(), list.end(), [&](auto* a, auto* b) { return key(a) < key(b); }); };
    if (type == "random") {
      std::shuffle(list.begin(), list.end(), std::mt19937_64(std::random_device{}()));
    } else if (type == "newest") {
      by([](const Catalog::Album* a) { return std::pair(-a->created, -a->newest_id); });
    } else if (type == "alphabeticalByName") {
      by([](const Catalog::Album* a) { return std::pair(to_lower(a->name), to_lower(a->artist)); });
    } else if (type == "alphabeticalByArtist") {
      by([](const Catalog::Album* a) { return std::pair(to_lower(a->artist), to_lower(a->name)); });
    } else if (type == "byGenre") {
      const std::string genre = p.required("genre");
      std::erase_if(list, [&](const Catalog::Album* a) {
        return std::none_of(a->genres.begin(), a->genres.end(), [&](const std::string& g) { return to_lower(g) == to_lower(genre); });
      });
      by([](const Catalog::Album* a) { return to_lower(a->name); });
    } else if (type == "byYear") {
      // Subsonic: fromYear > toYear lists the range newest first; albums without a year are left out.
      const int from = p.integer("fromYear", 0, 0, 9999), to = p.integer("toYear", 0, 0, 9999);
      p.required("fromYear");
      p.required("toYear");
      std::erase_if(list, [&](const Catalog::Album* a) { return a->year == 0 || a->year < std::min(from, to) || a->year > std::max(from, to); });
      if (from <= to) by([](const Catalog::Album* a) { return std::pair(a->year, to_lower(a->name)); });
      else by([](const Catalog::Album* a) { return std::pair(-a->year, to_lower(a->name)); });
    } else if (type == "frequent" || type == "recent" || type == "starred" || type == "highest") {
      list.clear();  // nor plays, stars or ratings
    } else {
      throw SubsonicError(0, "unknown album list type: " + type);
    }
    std::vector<const Catalog::Album*> page;
    for (size_t i = size_t(offset); i < list.size() && page.size() < size_t(size); ++i) page.push_back(list[i]);
    return page;
  }

  json get_album_list(Call& call) const {
    const auto c = catalog();
    json albums = json::array();
    for (const auto* a : album_list(*c, call.params)) albums.push_back(album_dir_json(*a));
    return {{"albumList", {{"album", std::move(albums)}}}};
  }

  json get_album_list2(Call& call) const {
    const auto c = catalog();
    json albums = json::array();
    for (const auto* a : album_list(*c, call.params)) albums.push_back(album_json(*a));
    return {{"albumList2", {{"album", std::move(albums)}}}};
  }

  json get_random_songs(Call& call) const {
    const auto c = catalog();
    const int size = call.params.integer("size", 10, 0, 500);
    const auto genre = call.params.get("genre");
    std::vector<size_t> rows;
    for (size_t i = 0; i < c->rows->size(); ++i)
      if (!genre || genre->empty() || has_genre(c->row(i).tags.genre, *genre)) rows.push_back(i);
    std::shuffle(rows.begin(), rows.end(), std::mt19937_64(std::random_device{}()));
    if (rows.size() > size_t(size)) rows.resize(size_t(size));
    return {{"randomSongs", {{"song", songs_json(*c, rows)}}}};
  }

  json get_genres(Call&) const {
    const auto c = catalog();
    json list = json::array();
    for (const auto& g : c->genres) list.push_back({{"value", g.name}, {"songCount", g.songs}, {"albumCount", g.albums}});
    return {{"genres", {{"genre", std::move(list)}}}};
  }

  json get_songs_by_genre(Call& call) const {
    const auto c = catalog();
    const std::string genre = call.params.required("genre");
    const int count = call.params.integer("count", 10, 0, 500), offset = call.params.integer("offset", 0, 0, 1 << 30);
    std::vector<size_t> rows;
    int seen = 0;
    for (size_t i = 0; i < c->rows->size() && rows.size() < size_t(count); ++i)
      if (has_genre(c->row(i).tags.genre, genre) && seen++ >= offset) rows.push_back(i);
    return {{"songsByGenre", {{"song", songs_json(*c, rows)}}}};
  }

  json search2(Call& call) const { return {{"searchResult2", search(call, false)}}; }
  json search3(Call& call) const { return {{"searchResult3", search(call, true)}}; }

  // search3 answers with ID3 albums, search2 (older clients) with albums as folders.
  json search(Call& call, bool id3) const {
    const auto c = catalog();
    const Params& p = call.params;
    std::string query = p.get("query").value_or("");
    // OpenSubsonic: an empty query, or "" written out, lists everything (clients sync that way).
    if (query == "\"\"") query.clear();
    const std::string needle = to_lower(query);
    auto matches = [&](std::initializer_list<std::string_view> fields) {
      if (needle.empty()) return true;
      for (auto f : fields)
        if (to_lower(f).find(needle) != std::string::npos) return true;
      return false;
    };
    auto page = [&](const char* count_name, const char* offset_name, size_t total, auto match, auto emit) {
      const int count = p.integer(count_name, 20, 0, 1000), offset = p.integer(offset_name, 0, 0, 1 << 30);
      json out = json::array();
      int seen = 0;
      for (size_t i = 0; i < total && out.size() < size_t(count); ++i)
        if (match(i) && seen++ >= offset) out.push_back(emit(i));
      return out;
    };
    json result;
    result["artist"] = page("artistCount", "artistOffset", c->artists.size(),
                            [&](size_t i) { return matches({c->artists[i].name}); },
                            [&](size_t i) { return artist_json(c->artists[i]); });
    result["album"] = page("albumCount", "albumOffset", c->albums.size(),
                           [&](size_t i) { return matches({c->albums[i].name, c->albums[i].artist}); },
                           [&](size_t i) { return id3 ? album_json(c->albums[i]) : album_dir_json(c->albums[i]); });
    result["song"] = page("songCount", "songOffset", c->rows->size(),
                          [&](size_t i) {
                            const TrackRow& t = c->row(i);
                            return matches({display_title(t), t.tags.artist, t.tags.album});
                          },
                          [&](size_t i) { return song_json(*c, i); });
    return result;
  }

  // --- media -------------------------------------------------------------------------------------

  // The original bytes (download always; stream unless a transcode is asked for).
  json send_song(Call& call, bool attachment) const {
    const auto c = catalog();
    const TrackRow& t = c->row(require_song(*c, call.params.required("id")));
    const std::filesystem::path file = library.audio_file(t.id);
    if (!attachment) {
      if (const auto plan = transcode_plan(call.params, t, file)) return send_transcoded(call, file, *plan);
    }
    send_file(call.res, file, content_type_for(file));
    if (attachment) {
      std::string name = file.filename().string();
      std::replace(name.begin(), name.end(), '"', '\'');
      call.res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    }
    call.answered = true;
    return json::object();
  }
  // Subsonic's rules for `format` and `maxBitRate` (docs/subsonic.md): "raw" or nothing asked -> the file;
  // a bit rate the file exceeds, or a format it is not in -> MP3 (the format every player plays) or Opus.
  static std::optional<TranscodeOptions> transcode_plan(const Params& p, const TrackRow& t,
                                                        const std::filesystem::path& file) {
    const std::string format = to_lower(p.get("format").value_or(""));
    const int max_kbps = p.integer("maxBitRate", 0, 0, 100000);
    if (format == "raw") return std::nullopt;
    const std::string file_suffix = suffix_of(file);
    const int file_kbps = average_kbps(t);
    const bool within_rate = max_kbps == 0 || (file_kbps > 0 && file_kbps <= max_kbps);
    // Seeking inside the original bytes is the player's business (Range); timeOffset asks the server to.
    const int offset = p.integer("timeOffset", 0, 0, 1 << 24);
    TranscodeOptions o;
    o.start_seconds = offset;
    if (format.empty() || format == file_suffix) {
      if (within_rate && offset == 0) return std::nullopt;
      if (file_suffix == "opus") o.codec = StreamCodec::opus;
      else o.codec = StreamCodec::mp3;  // includes formats soundalike cannot write (a 900 kbps FLAC under a cap)
      if (max_kbps == 0 && file_kbps > 0) {  // only the offset: no need to spend more bits than the file has
        o.kbps = clamp_kbps(o.codec, std::min(file_kbps, default_kbps(o.codec)));
        return o;
      }
    } else if (format == "mp3") {
      o.codec = StreamCodec::mp3;
    } else if (format == "opus") {
      o.codec = StreamCodec::opus;
    } else {
      throw SubsonicError(0, "cannot stream as '" + format + "': soundalike transcodes to mp3 or opus, or sends the original (raw)");
    }
    o.kbps = clamp_kbps(o.codec, max_kbps > 0 ? max_kbps : default_kbps(o.codec));
    return o;
  }

  // Made while it is sent (chunked, no Content-Length, no ranges): a player starts at once, and a seek is a
  // new request with timeOffset.
  json send_transcoded(Call& call, const std::filesystem::path& file, const TranscodeOptions& o) const {
    std::shared_ptr<AudioTranscoder> transcoder;
    try {
      transcoder = std::make_shared<AudioTranscoder>(file, o);
    } catch (const InputError& e) {
      throw SubsonicError(e.code() == ExitCode::not_found ? 70 : 0, "cannot transcode this track: " + e.reason());
    }
    call.res.set_chunked_content_provider(std::string(content_type(o.codec)), [transcoder](size_t, httplib::DataSink& sink) {
      try {
        const std::string chunk = transcoder->next_chunk();
        if (chunk.empty()) {
          sink.done();
          return true;
        }
        return sink.write(chunk.data(), chunk.size());
      } catch (const std::exception&) {
        return false;  // the headers are gone: ending the connection is all that tells the player
      }
    });
    call.answered = true;
    return json::object();
  }

  json stream(Call& call) const { return send_song(call, false); }
  json download(Call& call) const { return send_song(call, true); }

  // --- playlists ---------------------------------------------------------------------------------

  static json playlist_json(const Catalog& c, const PlaylistRow& p, bool with_entries) {
    json entries = json::array();
    double duration = 0;
    int64_t count = 0;
    for (int64_t id : p.track_ids) {
      const auto it = c.row_index.find(id);
      if (it == c.row_index.end()) continue;  // left the library since
      duration += c.row(it->second).duration;
      ++count;
      if (with_entries) entries.push_back(song_json(c, it->second));
    }
    json j{{"id", std::to_string(p.id)},
           {"name", p.name},
           {"comment", p.comment},
           {"owner", p.owner},
           {"public", p.is_public},
           {"songCount", count},
           {"duration", int(std::lround(duration))},
           {"created", iso_time(p.created_at)},
           {"changed", iso_time(p.changed_at)}};
    if (with_entries) j["entry"] = std::move(entries);
    return j;
  }

  PlaylistRow readable_playlist(const std::string& id, const std::string& user) const {
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
    std::optional<PlaylistRow> p;
    if (ec == std::errc() && ptr == id.data() + id.size()) p = accounts.playlist(n);
    if (!p) throw SubsonicError(70, "no such playlist: " + id);
    if (p->owner != user && !p->is_public) throw SubsonicError(50, "playlist " + id + " is not yours");
    return *p;
  }

  PlaylistRow owned_playlist(const std::string& id, const std::string& user) const {
    PlaylistRow p = readable_playlist(id, user);
    if (p.owner != user) throw SubsonicError(50, "playlist " + id + " belongs to " + p.owner);
    return p;
  }

  std::vector<int64_t> song_ids(const Catalog& c, const std::vector<std::string>& ids) const {
    std::vector<int64_t> out;
    for (const auto& id : ids) out.push_back(c.row(require_song(c, id)).id);
    return out;
  }

  json get_playlists(Call& call) const {
    const auto c = catalog();
    // Your own playlists and everyone's public ones; with username, only that user's you may see.
    const auto only = call.params.get("username");
    json list = json::array();
    for (const PlaylistRow& p : accounts.playlists()) {
      if (only && !only->empty() && p.owner != *only) continue;
      if (p.owner == call.user || p.is_public) list.push_back(playlist_json(*c, p, false));
    }
    return {{"playlists", {{"playlist", std::move(list)}}}};
  }

  json get_playlist(Call& call) const {
    const auto c = catalog();
    return {{"playlist", playlist_json(*c, readable_playlist(call.params.required("id"), call.user), true)}};
  }

  json create_playlist(Call& call) const {
    const auto c = catalog();
    const Params& p = call.params;
    const std::vector<int64_t> songs = song_ids(*c, p.all("songId"));
    int64_t id = 0;
    if (const auto existing = p.get("playlistId"); existing && !existing->empty()) {
      const PlaylistRow row = owned_playlist(*existing, call.user);
      PlaylistEdit edit;
      edit.replace_tracks = songs;
      if (const auto name = p.get("name"); name && !name->empty()) edit.name = *name;
      accounts.edit_playlist(row.id, edit);
      id = row.id;
    } else {
      PlaylistRow row;
      row.owner = call.user;
      row.name = p.required("name");
      row.track_ids = songs;
      id = accounts.create_playlist(row);
    }
    return {{"playlist", playlist_json(*c, *accounts.playlist(id), true)}};
  }

  json update_playlist(Call& call) const {
    const auto c = catalog();
    const Params& p = call.params;
    const PlaylistRow row = owned_playlist(p.required("playlistId"), call.user);
    PlaylistEdit edit;
    edit.name = p.get("name");
    edit.comment = p.get("comment");
    edit.is_public = p.boolean("public");
    edit.add_tracks = song_ids(*c, p.all("songIdToAdd"));
    for (const auto& index : p.all("songIndexToRemove")) {
      int n = -1;
      auto [ptr, ec] = std::from_chars(index.data(), index.data() + index.size(), n);
      if (ec != std::errc() || ptr != index.data() + index.size() || n < 0 || size_t(n) >= row.track_ids.size())
        throw SubsonicError(70, "the playlist has no song at index " + index);
      edit.remove_positions.push_back(n);
    }
    accounts.edit_playlist(row.id, edit);
    return json::object();
  }

  json delete_playlist(Call& call) const {
    const PlaylistRow row = owned_playlist(call.params.required("id"), call.user);
    accounts.delete_playlist(row.id);
    return json::object();
  }

  // --- similarity --------------------------------------------------------------------------------

  // `similar --json` for a song, or for the centroid of an album's or an artist's songs.
  json similar_answer(const Catalog& c, const std::string& id, int count, PlaylistControls controls) const {
    std::vector<int64_t> seeds;
    if (const auto song = c.song(id)) seeds.push_back(c.row(*song).id);
    else if (const Catalog::Album* al = c.album(id))
      for (size_t i : al->songs) seeds.push_back(c.row(i).id);
    else if (const Catalog::Artist* ar = c.artist(id))
      for (size_t a : ar->albums)
        for (size_t i : c.albums[a].songs) seeds.push_back(c.row(i).id);
    if (seeds.empty()) throw SubsonicError(70, "no such song, album or artist: " + id);
    SimilarRequest request;
    request.k = count;
    request.with.assign(seeds.begin() + 1, seeds.end());
    request.controls = std::move(controls);
    request.controls.seed_mix = SeedMix::centroid;  // an album's or artist's songs stand for one taste
    return library.similar_to_track(seeds.front(), request);
  }

  json similar_songs(const Catalog& c, const json& answer) const {
    json songs = json::array();
    for (const json& r : answer.at("results"))
      if (const auto it = c.row_index.find(r.at("id").get<int64_t>()); it != c.row_index.end())
        songs.push_back(song_json(c, it->second));
    return songs;
  }

  json get_similar_songs(Call& call) const {
    const auto c = catalog();
    const json answer = similar_answer(*c, call.params.required("id"), call.params.integer("count", 50, 1, 1000), call.params.controls());
    return {{"similarSongs", {{"song", similar_songs(*c, answer)}}}};
  }

  json get_similar_songs2(Call& call) const {
    const auto c = catalog();
    const json answer = similar_answer(*c, call.params.required("id"), call.params.integer("count", 50, 1, 1000), call.params.controls());
    return {{"similarSongs2", {{"song", similar_songs(*c, answer)}}}};
  }

  json get_sonic_similar_tracks(Call& call) const {
    const auto c = catalog();
    const std::string id = call.params.required("id");
    require_song(*c, id);
    const json answer = similar_answer(*c, id, call.params.integer("count", 10, 1, 1000), call.params.controls());
    const std::string metric = answer.at("query").value("metric", ""), normalize = answer.at("query").value("normalize", "");
    json matches = json::array();
    for (const json& r : answer.at("results"))
      if (const auto it = c->row_index.find(r.at("id").get<int64_t>()); it != c->row_index.end()) {
        json m = song_json(*c, it->second);
        m["distance"] = sonic_distance(r.at("distance").get<double>(), metric, normalize);
        matches.push_back(std::move(m));
      }
    return {{"sonicSimilarTracksResult", {{"sonicMatch", std::move(matches)}}}};
  }

  // `path A B --steps count-2`. A song's distance is from the start song, as the extension asks, on the
  // scale of getSonicSimilarTracks; a backend that cannot measure it gives the song's place on the path.
  json find_sonic_path(Call& call) const {
    const auto c = catalog();
    const Catalog& cat = *c;
    const TrackRow& a = cat.row(require_song(cat, call.params.required("startSongId")));
    const TrackRow& b = cat.row(require_song(cat, call.params.required("endSongId")));
    const int count = call.params.integer("count", 25, 2, 202);
    const json path = library.path(a.id, b.id, count - 2, call.params.controls());
    std::vector<int64_t> ids;
    for (const json& t : path.at("tracks")) ids.push_back(t.at("id").get<int64_t>());
    const json measured = library.distances_from(a.id, ids);
    json matches = json::array();
    for (size_t i = 0; i < ids.size(); ++i) {
      const auto it = cat.row_index.find(ids[i]);
      if (it == cat.row_index.end()) continue;
      json m = song_json(cat, it->second);
      m["distance"] = measured.is_object()
                          ? sonic_distance(measured.at("distances").at(i).get<double>(), measured.value("metric", ""),
                                           measured.value("normalize", ""))
                          : ids.size() > 1 ? double(i) / double(ids.size() - 1) : 0.0;
      matches.push_back(std::move(m));
    }
    return {{"findSonicPathResult", {{"sonicMatch", std::move(matches)}}}};
  }

  // --- authentication ----------------------------------------------------------------------------

  // The user the request speaks for. Throws SubsonicError 10, 40 or 43.
  std::string authenticate(const Params& p) const {
    const auto u = p.get("u"), t = p.get("t"), s = p.get("s"), pw = p.get("p");
    if (p.get("apiKey")) throw SubsonicError(42, "API keys are not supported: use u with t and s (or p)");
    if (!u || u->empty()) throw SubsonicError(10, "required parameter 'u' is missing");
    if (t && pw) throw SubsonicError(43, "give either t and s or p, not both");
    bool ok = false;
    if (t) {
      if (!s || s->empty()) throw SubsonicError(10, "required parameter 's' is missing (the salt of t)");
      ok = users.check_token(*u, *t, *s);
    } else if (pw) {
      std::string password;
      try {
        password = decode_password_parameter(*pw);
      } catch (const Error&) {
        throw SubsonicError(40, "wrong username or password");
      }
      ok = users.check_password(*u, password);
    } else {
      throw SubsonicError(10, "required parameter 't' and 's' (or 'p') is missing");
    }
    if (!ok) throw SubsonicError(40, "wrong username or password");
    return *u;
  }
};

SubsonicApi::SubsonicApi(const LibraryBackend& library, LibraryDb& accounts, const UserDirectory& users)
    : impl_(std::make_unique<Impl>(library, accounts, users)) {}

SubsonicApi::~SubsonicApi() = default;

void SubsonicApi::handle(std::string_view endpoint, const httplib::Request& req, httplib::Response& res) const {
  const Params params(req);
  const std::string f = params.get("f").value_or("xml");
  Format format = f == "json" ? Format::json : f == "jsonp" ? Format::jsonp : Format::xml;
  const std::string callback = params.get("callback").value_or("");
  // The callback is written into script the client runs: only a plain name may pass.
  const bool callback_ok = !callback.empty() && callback.size() <= 64 &&
                           std::all_of(callback.begin(), callback.end(), [](char c) {
                             return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$';
                           });
  json envelope;
  try {
    if (format == Format::jsonp && !callback_ok) {
      format = Format::json;
      throw SubsonicError(10, "f=jsonp needs a callback of letters, digits, '_', '.' or '$'");
    }
    const auto it = impl_->handlers.find(std::string(endpoint));
    // The one endpoint OpenSubsonic requires to answer without credentials: clients probe it first.
    const bool anonymous = endpoint == "getOpenSubsonicExtensions" && !params.get("u");
    const std::string user = anonymous ? std::string() : impl_->authenticate(params);
    if (it == impl_->handlers.end()) throw SubsonicError(0, "soundalike does not implement " + std::string(endpoint));
    Call call{params, user, res};
    json payload = (impl_.get()->*(it->second))(call);
    if (call.answered) return;
    envelope = ok(std::move(payload));
  } catch (const SubsonicError& e) {
    envelope = failed(e.code(), e.what());
  } catch (const Error& e) {
    envelope = failed(error_code_for(e.code()), e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soundalike: /rest/%s: %s\n", std::string(endpoint).c_str(), e.what());
    envelope = failed(0, std::string("internal error: ") + e.what());
  }
  res.status = 200;
  switch (format) {
    case Format::json: res.set_content(envelope.dump(), "application/json"); break;
    case Format::jsonp: res.set_content(callback + "(" + envelope.dump() + ");", "application/javascript"); break;
    case Format::xml: res.set_content(to_xml(envelope), "application/xml; charset=utf-8"); break;
  }
}

}  // namespace soundalike::app

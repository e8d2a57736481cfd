#pragma once
// The song library: one SQLite file (WAL mode) holding every track's file state, tags, descriptors,
// errors and one embedding per feature kind. Schema in docs/library.md; version in meta.schema_version.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "audio/AudioDecoder.h"
#include "features/Descriptors.h"
#include "features/FeatureExtractor.h"
#include "retrieval/MutualProximity.h"

struct sqlite3;
struct sqlite3_stmt;

namespace soundalike {

// 2: adds distance_stats (mutual proximity); 3: adds ignored (the ignore list); 4: adds users,
// playlists and playlist_tracks (the Subsonic API of `serve`). An older file is migrated when opened for
// writing.
inline constexpr int kLibrarySchemaVersion = 5;

struct TrackRow {
  int64_t id = 0;
  std::string path;          // absolute, lexically normal
  int64_t size = 0;          // bytes
  int64_t mtime_ns = 0;      // modification time, nanoseconds since the file clock's epoch
  std::string content_hash;  // 16 hex digits over the whole file (duplicates share it)
  double duration = 0.0;     // seconds
  AudioTags tags;
  Descriptors descriptors;
  std::string error;         // empty when the track was indexed; else why it failed
  int error_code = 0;        // the ExitCode of that failure
  int64_t indexed_at = 0;    // unix seconds of the last (re-)index; read only, the database sets it
  bool failed() const { return !error.empty(); }
};

struct EmbeddingRow {
  std::string kind;
  std::vector<float> vector;
  std::vector<LabelScore> labels;  // top labels, best first (empty for kinds that do not classify)
};

// What the indexer needs to decide whether a file changed.
struct FileState {
  int64_t id = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  bool failed = false;
  bool has_embedding = false;  // of the kind asked for
};

struct TrackUpdate {
  TrackRow track;                         // keyed by path; id is ignored
  std::optional<EmbeddingRow> embedding;  // none for a failure
};

struct StoredDistanceStats {
  DistanceStats stats;
  int64_t library_size = 0;  // songs of the kind when the statistics were computed
};

// One entry of the ignore list: songs no mix returns. field is artist, album, genre (matched
// case-insensitively, genre against each genre of the tag) or path (a file, or a folder and all below it).
struct IgnoreEntry {
  std::string field;
  std::string value;
  bool operator==(const IgnoreEntry&) const = default;
};

// A person who may use `serve`'s Subsonic API (and, on a non-loopback address, the web app). The
// password is kept only sealed with the key file beside the library (app/server/SubsonicUsers.h): the
// Subsonic token scheme needs it recoverable, so it cannot be a one-way hash.
struct UserRow {
  std::string name;
  std::vector<unsigned char> secret;
  int64_t created_at = 0;  // unix seconds
};

struct PlaylistRow {
  int64_t id = 0;
  std::string owner;
  std::string name;
  std::string comment;
  bool is_public = false;
  int64_t created_at = 0, changed_at = 0;  // unix seconds; set by the database
  // In order. Ids of tracks that have since left the library stay until the playlist is edited.
  std::vector<int64_t> track_ids;
};

// An edit of a playlist; what is unset stays. Removals name positions of the playlist before the edit,
// then additions are appended (Subsonic's updatePlaylist).
struct PlaylistEdit {
  std::optional<std::string> name, comment;
  std::optional<bool> is_public;
  std::optional<std::vector<int64_t>> replace_tracks;
  std::vector<int> remove_positions;
  std::vector<int64_t> add_tracks;
};

struct VectorSet {
  int dimension = 0;
  std::vector<int64_t> ids;
  std::vector<float> data;  // row-major, ids.size() x dimension
};

// One connection guarded by a mutex: every method is safe to call from several threads at once. Open
// read-only in a server while `index` writes from another process: WAL lets readers see the last
// committed state without blocking the writer.
class LibraryDb {
 public:
  enum class Mode { read_only, read_write };
  // read_write creates the file and schema when missing. Throws Error(not_found) for a missing file in
  // read_only mode, Error(bad_data) when the file is not a soundalike library or is newer than this build.
  LibraryDb(const std::filesystem::path& path, Mode mode);
  ~LibraryDb();
  LibraryDb(const LibraryDb&) = delete;
  LibraryDb& operator=(const LibraryDb&) = delete;

  const std::filesystem::path& path() const { return path_; }
  bool read_only() const { return mode_ == Mode::read_only; }

  // Writes, each one transaction (all or nothing), each bumping the generation counter.
  // Upserts by path; a new embedding replaces every embedding the track had (the file changed).
  std::vector<int64_t> commit(std::span<const TrackUpdate> updates);
  void remove(std::span<const int64_t> ids);
  // Tags read again from unchanged files (a library made before a tag was stored: the year, version 5).
  // Replaces the tags of these tracks, marks the library's tags current, and bumps the generation so that
  // a running server reloads its catalogue.
  void refresh_tags(std::span<const std::pair<int64_t, AudioTags>> tags);
  // True when tracks may lack tags this build stores (a library indexed before version 5).
  bool tags_stale() const;

  // Reads.
  std::unordered_map<std::string, FileState> file_states(std::string_view kind) const;
  std::optional<TrackRow> track(int64_t id) const;
  std::optional<TrackRow> track_by_path(std::string_view path) const;
  std::vector<TrackRow> tracks() const;    // indexed ones, by id
  std::vector<TrackRow> failures() const;  // failed ones, by path
  std::vector<std::pair<std::string, int64_t>> kinds() const;  // kind -> number of vectors
  VectorSet vectors(std::string_view kind) const;
  std::optional<EmbeddingRow> embedding(int64_t track_id, std::string_view kind) const;
  // Only the stored top labels (best first) of a track's vector of `kind`; empty when it has none.
  std::vector<LabelScore> labels(int64_t track_id, std::string_view kind) const;
  // Mutual-proximity statistics per track (table distance_stats). Storing them is not a change of the
  // library's vectors, so it does not bump the generation; re-indexing a track deletes its statistics.
  std::unordered_map<int64_t, StoredDistanceStats> distance_stats(std::string_view kind, std::string_view metric) const;
  void store_distance_stats(std::string_view kind, std::string_view metric,
                            std::span<const std::pair<int64_t, DistanceStats>> rows, int64_t library_size);
  std::vector<int64_t> ids_with_hash(std::string_view content_hash) const;
  // The ignore list (table ignored), by field then value. Editing it changes no vector, so it does not
  // bump the generation; a library older than version 3 opened read-only has an empty list.
  std::vector<IgnoreEntry> ignore_list() const;
  // false when the entry was there already (artist/album/genre compared case-insensitively) / absent.
  // Throws Error(usage) for an unknown field or an empty value.
  bool add_ignore(const IgnoreEntry& entry);
  bool remove_ignore(const IgnoreEntry& entry);
  // Users and playlists (schema 4). Neither changes a vector, so neither bumps the generation; a library
  // older than version 4 opened read-only has none. Writers throw Error(usage) for an empty or taken
  // name; the bool ones are false when there was no such user / playlist.
  std::vector<UserRow> users() const;  // by name
  std::optional<UserRow> user(std::string_view name) const;
  void add_user(const UserRow& user);
  bool set_user_secret(std::string_view name, std::span<const unsigned char> secret);
  bool remove_user(std::string_view name);  // and the user's playlists
  std::vector<PlaylistRow> playlists() const;  // by id
  std::optional<PlaylistRow> playlist(int64_t id) const;
  int64_t create_playlist(const PlaylistRow& playlist);  // returns the new id
  bool edit_playlist(int64_t id, const PlaylistEdit& edit);
  bool delete_playlist(int64_t id);
  // Increases with every committed change; a saved search index remembers the value it was built at.
  int64_t generation() const;
  // Increases with every store_distance_stats (which leaves the generation alone), so that a reader
  // can tell its mutual-proximity statistics went stale; 0 before the first.
  int64_t stats_generation() const;
  int64_t track_count() const;

 private:
  std::filesystem::path path_;
  Mode mode_;
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Closer> db_;
  mutable std::mutex mutex_;
  std::string track_select_;  // "SELECT <the track columns this file has> FROM tracks"
  // The statements of the per-request reads, prepared once per connection (a server answers thousands
  // of queries a second; preparing is most of a point query's cost). Used and reset under mutex_.
  struct StatementFinalizer {
    void operator()(sqlite3_stmt* s) const;
  };
  mutable std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StatementFinalizer>> statements_;
  sqlite3_stmt* prepared(const std::string& sql) const;
};

}  // namespace soundalike

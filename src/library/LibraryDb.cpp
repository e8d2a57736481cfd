#include "library/LibraryDb.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cstring>

#include "common/Error.h"

namespace soundalike {
namespace {

// A prepared statement; values are always bound, never spliced into SQL text.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql, const std::filesystem::path& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &stmt_, nullptr) != SQLITE_OK) fail("prepare");
  }
  // Borrows a statement the connection keeps prepared; it is reset (its read transaction ended, its
  // bindings cleared) when this object goes, so it never pins an old WAL snapshot.
  Statement(sqlite3* db, sqlite3_stmt* borrowed, const std::filesystem::path& path)
      : db_(db), stmt_(borrowed), path_(path), owned_(false) {}
  ~Statement() {
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, int64_t v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
  Statement& bind(int i, int v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
  Statement& bind(int i, double v) { return check(sqlite3_bind_double(stmt_, i, v)); }
  Statement& bind(int i, std::string_view v) {
    return check(sqlite3_bind_text(stmt_, i, v.data(), int(v.size()), SQLITE_TRANSIENT));
  }
  Statement& bind_text_or_null(int i, std::string_view v) { return v.empty() ? bind_null(i) : bind(i, v); }
  Statement& bind_or_null(int i, std::optional<int> v) { return v ? bind(i, *v) : bind_null(i); }
  Statement& bind_null(int i) { return check(sqlite3_bind_null(stmt_, i)); }
  Statement& bind_blob(int i, std::span<const float> v) {
    return check(sqlite3_bind_blob(stmt_, i, v.data(), int(v.size_bytes()), SQLITE_TRANSIENT));
  }
  Statement& bind_bytes(int i, std::span<const unsigned char> v) {
    return check(sqlite3_bind_blob(stmt_, i, v.data(), int(v.size_bytes()), SQLITE_TRANSIENT));
  }
  // true while a row is available
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("step");
    return false;
  }
  void run() {
    while (step()) {
    }
    sqlite3_reset(stmt_);
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t i64(int c) const { return sqlite3_column_int64(stmt_, c); }
  double f64(int c) const { return sqlite3_column_double(stmt_, c); }
  bool is_null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::optional<int> optional_int(int c) const { return is_null(c) ? std::nullopt : std::optional<int>(int(i64(c))); }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(stmt_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(stmt_, c))) : std::string();
  }
  std::vector<unsigned char> bytes(int c) const {
    const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, c));
    return p ? std::vector<unsigned char>(p, p + sqlite3_column_bytes(stmt_, c)) : std::vector<unsigned char>();
  }
  std::vector<float> floats(int c) const {
    const void* p = sqlite3_column_blob(stmt_, c);
    const size_t n = size_t(sqlite3_column_bytes(stmt_, c)) / sizeof(float);
    std::vector<float> v(n);
    if (n) std::memcpy(v.data(), p, n * sizeof(float));
    return v;
  }

 private:
  Statement& check(int rc) {
    if (rc != SQLITE_OK) fail("bind");
    return *this;
  }
  [[noreturn]] void fail(const char* what) const {
    const int code = sqlite3_errcode(db_);
    const ExitCode exit = (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) ? ExitCode::bad_data
                          : (code == SQLITE_READONLY || code == SQLITE_FULL || code == SQLITE_CANTOPEN) ? ExitCode::cannot_write
                                                                                                         : ExitCode::bad_data;
    throw InputError(exit, path_, std::string("library database error (") + what + "): " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::filesystem::path& path_;
  bool owned_ = true;
};

void exec(sqlite3* db, const char* sql, const std::filesystem::path& path) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : sqlite3_errmsg(db);
    sqlite3_free(msg);
    const int code = sqlite3_errcode(db);
    throw InputError(code == SQLITE_READONLY ? ExitCode::cannot_write : ExitCode::bad_data, path,
                     "library database error: " + m);
  }
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tracks(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  content_hash TEXT,
  duration REAL,
  title TEXT, artist TEXT, album TEXT, genre TEXT, track_no INTEGER,
  year INTEGER,
  bpm REAL, tempo_confidence REAL, loudness_db REAL, centroid_hz REAL,
  error TEXT,
  error_code INTEGER,
  indexed_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tracks_hash ON tracks(content_hash);
CREATE TABLE IF NOT EXISTS embeddings(
  track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  dim INTEGER NOT NULL,
  vector BLOB NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY(track_id, kind));
CREATE INDEX IF NOT EXISTS embeddings_kind ON embeddings(kind);
CREATE VIEW IF NOT EXISTS failures AS SELECT id, path, error, error_code FROM tracks WHERE error IS NOT NULL;
CREATE TABLE IF NOT EXISTS distance_stats(
  track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  metric TEXT NOT NULL,
  mean REAL NOT NULL,
  stddev REAL NOT NULL,
  library_size INTEGER NOT NULL,
  PRIMARY KEY(track_id, kind, metric));
CREATE TABLE IF NOT EXISTS ignored(
  field TEXT NOT NULL CHECK(field IN ('artist', 'album', 'genre', 'path')),
  value TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY(field, value));
CREATE TABLE IF NOT EXISTS users(
  name TEXT PRIMARY KEY,
  secret BLOB NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS playlists(
  id INTEGER PRIMARY KEY,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  public INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  changed_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS playlist_tracks(
  playlist_id INTEGER NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  track_id INTEGER NOT NULL,
  PRIMARY KEY(playlist_id, position));
INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '5'), ('generation', '0');
UPDATE meta SET value = '5' WHERE key = 'schema_version' AND value IN ('1', '2', '3', '4');
)sql";

// A library older than version 5 opened read-only has no year column: it reads as NULL.
std::string track_columns(bool has_year) {
  return std::string("id, path, size, mtime_ns, content_hash, duration, title, artist, album, genre, track_no, bpm, "
                     "tempo_confidence, loudness_db, centroid_hz, error, error_code, indexed_at, ") +
         (has_year ? "year" : "NULL");
}

bool has_column(sqlite3* db, const char* table, const char* column, const std::filesystem::path& path) {
  Statement s(db, std::string("SELECT 1 FROM pragma_table_info('") + table + "') WHERE name = ?1", path);
  s.bind(1, std::string_view(column));
  return s.step();
}

TrackRow read_track(const Statement& s) {
  TrackRow t;
  t.id = s.i64(0);
  t.path = s.text(1);
  t.size = s.i64(2);
  t.mtime_ns = s.i64(3);
  t.content_hash = s.text(4);
  t.duration = s.f64(5);
  t.tags.title = s.text(6);
  t.tags.artist = s.text(7);
  t.tags.album = s.text(8);
  t.tags.genre = s.text(9);
  t.tags.track = s.optional_int(10);
  t.descriptors.bpm = s.f64(11);
  t.descriptors.tempo_confidence = s.f64(12);
  t.descriptors.loudness_db = s.is_null(13) ? -120.0 : s.f64(13);
  t.descriptors.centroid_hz = s.f64(14);
  t.error = s.text(15);
  t.error_code = int(s.i64(16));
  t.indexed_at = s.i64(17);
  t.tags.year = s.optional_int(18);
  return t;
}

std::string labels_json(const std::vector<LabelScore>& labels) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& l : labels) j.push_back({{"label", l.label}, {"probability", l.probability}});
  return j.dump();
}

std::vector<LabelScore> parse_labels(const std::string& text) {
  std::vector<LabelScore> out;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& e : j)
    if (e.is_object() && e.contains("label")) out.push_back({e.value("label", ""), e.value("probability", 0.0f)});
  return out;
}

}  // namespace

void LibraryDb::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

LibraryDb::LibraryDb(const std::filesystem::path& path, Mode mode) : path_(path), mode_(mode) {
  if (mode == Mode::read_only && !std::filesystem::exists(path))
    throw InputError(ExitCode::not_found, path, "no such library database (create it with `soundalike index`)");
  const int flags = (mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_FULLMUTEX;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK)
    throw InputError(mode == Mode::read_only ? ExitCode::bad_data : ExitCode::cannot_write, path,
                     std::string("cannot open the library database: ") + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  // The writer and readers (a server beside `index`) wait for each other's locks instead of failing.
  sqlite3_busy_timeout(db_.get(), 10000);
  if (mode == Mode::read_write) {
    // WAL: readers never block the writer; synchronous=NORMAL keeps every committed transaction through
    // a crash or kill -9 of the process (only a power loss may drop the last ones).
    exec(db_.get(), "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", path_);
    // Version 5 added the year: tracks indexed before have none until `index` reads their tags again.
    const bool before_years = has_column(db_.get(), "tracks", "id", path_) && !has_column(db_.get(), "tracks", "year", path_);
    exec(db_.get(), kSchema, path_);
    if (before_years)
      exec(db_.get(), "ALTER TABLE tracks ADD COLUMN year INTEGER; INSERT OR REPLACE INTO meta(key, value) VALUES('tags_version', '1');", path_);
    else
      exec(db_.get(), "INSERT OR IGNORE INTO meta(key, value) VALUES('tags_version', '2');", path_);
  }
  track_select_ = "SELECT " + track_columns(has_column(db_.get(), "tracks", "year", path_)) + " FROM tracks";
  Statement s(db_.get(), "SELECT value FROM meta WHERE key = 'schema_version'", path_);
  if (!s.step()) throw InputError(ExitCode::bad_data, path, "not a soundalike library (no schema version)");
  const int version = std::atoi(s.text(0).c_str());
  if (version < 1 || version > kLibrarySchemaVersion)
    throw InputError(ExitCode::bad_data, path,
                     "library schema version " + std::to_string(version) + " is not supported by this build (expects " +
                         std::to_string(kLibrarySchemaVersion) + ")");
}

LibraryDb::~LibraryDb() {
  statements_.clear();  // finalized before the connection closes
}

void LibraryDb::StatementFinalizer::operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }

sqlite3_stmt* LibraryDb::prepared(const std::string& sql) const {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt);
      throw InputError(ExitCode::bad_data, path_, std::string("library database error (prepare): ") + sqlite3_errmsg(db_.get()));
    }
    it = statements_.emplace(sql, std::unique_ptr<sqlite3_stmt, StatementFinalizer>(stmt)).first;
  }
  return it->second.get();
}

std::vector<int64_t> LibraryDb::commit(std::span<const TrackUpdate> updates) {
  std::lock_guard lock(mutex_);
  sqlite3* db = db_.get();
  std::vector<int64_t> ids;
  exec(db, "BEGIN IMMEDIATE", path_);
  try {
    Statement up(db,
                 "INSERT INTO tracks(path, size, mtime_ns, content_hash, duration, title, artist, album, genre, "
                 "track_no, bpm, tempo_confidence, loudness_db, centroid_hz, error, error_code, year, indexed_at) "
                 "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, strftime('%s','now')) "
                 "ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns, "
                 "content_hash=excluded.content_hash, duration=excluded.duration, title=excluded.title, "
                 "artist=excluded.artist, album=excluded.album, genre=excluded.genre, track_no=excluded.track_no, year=excluded.year, "
                 "bpm=excluded.bpm, tempo_confidence=excluded.tempo_confidence, loudness_db=excluded.loudness_db, "
                 "centroid_hz=excluded.centroid_hz, error=excluded.error, error_code=excluded.error_code, "
                 "indexed_at=excluded.indexed_at "
                 "RETURNING id",
                 path_);
    Statement clear(db, "DELETE FROM embeddings WHERE track_id = ?1", path_);
    // A changed file's mutual-proximity statistics describe its old vector.
    Statement clear_stats(db, "DELETE FROM distance_stats WHERE track_id = ?1", path_);
    Statement emb(db, "INSERT INTO embeddings(track_id, kind, dim, vector, labels) VALUES(?1, ?2, ?3, ?4, ?5)", path_);
    for (const TrackUpdate& u : updates) {
      const TrackRow& t = u.track;
      up.reset();
      up.bind(1, std::string_view(t.path)).bind(2, t.size).bind(3, t.mtime_ns);
      up.bind_text_or_null(4, t.content_hash).bind(5, t.duration);
      up.bind_text_or_null(6, t.tags.title).bind_text_or_null(7, t.tags.artist);
      up.bind_text_or_null(8, t.tags.album).bind_text_or_null(9, t.tags.genre);
      up.bind_or_null(10, t.tags.track).bind_or_null(17, t.tags.year);
      if (t.failed()) {
        for (int c = 11; c <= 14; ++c) up.bind_null(c);
        up.bind(15, std::string_view(t.error)).bind(16, t.error_code);
      } else {
        up.bind(11, t.descriptors.bpm).bind(12, t.descriptors.tempo_confidence);
        up.bind(13, t.descriptors.loudness_db).bind(14, t.descriptors.centroid_hz);
        up.bind_null(15).bind_null(16);
      }
      if (!up.step()) throw InputError(ExitCode::internal, path_, "upsert returned no id");
      const int64_t id = up.i64(0);
      up.run();
      ids.push_back(id);
      clear.reset();
      clear.bind(1, id).run();
      clear_stats.reset();
      clear_stats.bind(1, id).run();
      if (u.embedding) {
        emb.reset();
        emb.bind(1, id).bind(2, std::string_view(u.embedding->kind)).bind(3, int(u.embedding->vector.size()));
        emb.bind_blob(4, u.embedding->vector).bind(5, std::string_view(labels_json(u.embedding->labels)));
        emb.run();
      }
    }
    exec(db, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'", path_);
    exec(db, "COMMIT", path_);
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return ids;
}

void LibraryDb::remove(std::span<const int64_t> ids) {
  std::lock_guard lock(mutex_);
  sqlite3* db = db_.get();
  exec(db, "BEGIN IMMEDIATE", path_);
  try {
    Statement del(db, "DELETE FROM tracks WHERE id = ?1", path_);
    for (int64_t id : ids) {
      del.reset();
      del.bind(1, id).run();
    }
    exec(db, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'", path_);
    exec(db, "COMMIT", path_);
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void LibraryDb::refresh_tags(std::span<const std::pair<int64_t, AudioTags>> tags) {
  std::lock_guard lock(mutex_);
  sqlite3* db = db_.get();
  exec(db, "BEGIN IMMEDIATE", path_);
  try {
    Statement up(db, "UPDATE tracks SET title = ?2, artist = ?3, album = ?4, genre = ?5, track_no = ?6, year = ?7 WHERE id = ?1",
                 path_);
    for (const auto& [id, t] : tags) {
      up.reset();
      up.bind(1, id).bind_text_or_null(2, t.title).bind_text_or_null(3, t.artist);
      up.bind_text_or_null(4, t.album).bind_text_or_null(5, t.genre).bind_or_null(6, t.track).bind_or_null(7, t.year);
      up.run();
    }
    exec(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('tags_version', '2')", path_);
    exec(db, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'", path_);
    exec(db, "COMMIT", path_);
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

bool LibraryDb::tags_stale() const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'tags_version'", path_);
  return !s.step() || s.i64(0) < 2;
}

std::unordered_map<std::string, FileState> LibraryDb::file_states(std::string_view kind) const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(),
              "SELECT t.id, t.path, t.size, t.mtime_ns, t.error IS NOT NULL, "
              "EXISTS(SELECT 1 FROM embeddings e WHERE e.track_id = t.id AND e.kind = ?1) FROM tracks t",
              path_);
  s.bind(1, kind);
  std::unordered_map<std::string, FileState> out;
  while (s.step()) out[s.text(1)] = {s.i64(0), s.i64(2), s.i64(3), s.i64(4) != 0, s.i64(5) != 0};
  return out;
}

std::optional<TrackRow> LibraryDb::track(int64_t id) const {
  std::lock_guard lock(mutex_);
  const std::string sql = track_select_ + " WHERE id = ?1";
  Statement s(db_.get(), prepared(sql), path_);
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_track(s);
}

std::optional<TrackRow> LibraryDb::track_by_path(std::string_view p) const {
  std::lock_guard lock(mutex_);
  const std::string sql = track_select_ + " WHERE path = ?1";
  Statement s(db_.get(), prepared(sql), path_);
  s.bind(1, p);
  if (!s.step()) return std::nullopt;
  return read_track(s);
}

std::vector<TrackRow> LibraryDb::tracks() const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), track_select_ + " WHERE error IS NULL ORDER BY id", path_);
  std::vector<TrackRow> out;
  while (s.step()) out.push_back(read_track(s));
  return out;
}

std::vector<TrackRow> LibraryDb::failures() const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), track_select_ + " WHERE error IS NOT NULL ORDER BY path",
              path_);
  std::vector<TrackRow> out;
  while (s.step()) out.push_back(read_track(s));
  return out;
}

std::vector<std::pair<std::string, int64_t>> LibraryDb::kinds() const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), "SELECT kind, COUNT(*) FROM embeddings GROUP BY kind ORDER BY COUNT(*) DESC, kind", path_);
  std::vector<std::pair<std::string, int64_t>> out;
  while (s.step()) out.emplace_back(s.text(0), s.i64(1));
  return out;
}

VectorSet LibraryDb::vectors(std::string_view kind) const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), "SELECT track_id, dim, vector FROM embeddings WHERE kind = ?1 ORDER BY track_id", path_);
  s.bind(1, kind);
  VectorSet out;
  while (s.step()) {
    const int dim = int(s.i64(1));
    std::vector<float> v = s.floats(2);
    if (out.dimension == 0) out.dimension = dim;
    if (dim != out.dimension || int(v.size()) != dim)
      throw InputError(ExitCode::bad_data, path_,
                       "embedding of track " + std::to_string(s.i64(0)) + " has the wrong size for kind " + std::string(kind));
    out.ids.push_back(s.i64(0));
    out.data.insert(out.data.end(), v.begin(), v.end());
  }
  return out;
}

std::unordered_map<int64_t, StoredDistanceStats> LibraryDb::distance_stats(std::string_view kind, std::string_view metric) const {
  std::lock_guard lock(mutex_);
  std::unordered_map<int64_t, StoredDistanceStats> out;
  // A version 1 library opened read-only has no such table yet: no statistics.
  Statement t(db_.get(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'distance_stats'", path_);
  if (!t.step()) return out;
  Statement s(db_.get(), "SELECT track_id, mean, stddev, library_size FROM distance_stats WHERE kind = ?1 AND metric = ?2", path_);
  s.bind(1, kind).bind(2, metric);
  while (s.step()) out[s.i64(0)] = {{float(s.f64(1)), float(s.f64(2))}, s.i64(3)};
  return out;
}

void LibraryDb::store_distance_stats(std::string_view kind, std::string_view metric,
                                     std::span<const std::pair<int64_t, DistanceStats>> rows, int64_t library_size) {
  std::lock_guard lock(mutex_);
  sqlite3* db = db_.get();
  exec(db, "BEGIN IMMEDIATE", path_);
  try {
    // Tracks deleted or re-indexed meanwhile are skipped by the join, never resurrected.
    Statement s(db,
                "INSERT OR REPLACE INTO distance_stats(track_id, kind, metric, mean, stddev, library_size) "
                "SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM embeddings WHERE track_id = ?1 AND kind = ?2)",
                path_);
    for (const auto& [id, st] : rows) {
      s.reset();
      s.bind(1, id).bind(2, kind).bind(3, metric).bind(4, double(st.mean)).bind(5, double(st.stddev)).bind(6, library_size);
      s.run();
    }
    // Not the generation: the vectors, and so every saved search index, are unchanged. A reader still
    // has to learn that its statistics are stale (a server beside `index --watch`).
    exec(db,
         "INSERT INTO meta(key, value) VALUES('stats_generation', '1') "
         "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
         path_);
    exec(db, "COMMIT", path_);
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::optional<EmbeddingRow> LibraryDb::embedding(int64_t track_id, std::string_view kind) const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), prepared("SELECT vector, labels FROM embeddings WHERE track_id = ?1 AND kind = ?2"), path_);
  s.bind(1, track_id).bind(2, kind);
  if (!s.step()) return std::nullopt;
  return EmbeddingRow{std::string(kind), s.floats(0), parse_labels(s.text(1))};
}

std::vector<LabelScore> LibraryDb::labels(int64_t track_id, std::string_view kind) const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), prepared("SELECT labels FROM embeddings WHERE track_id = ?1 AND kind = ?2"), path_);
  s.bind(1, track_id).bind(2, kind);
  if (!s.step()) return {};
  return parse_labels(s.text(0));
}

std::vector<int64_t> LibraryDb::ids_with_hash(std::string_view hash) const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), prepared("SELECT id FROM tracks WHERE content_hash = ?1 AND error IS NULL"), path_);
  s.bind(1, hash);
  std::vector<int64_t> out;
  while (s.step()) out.push_back(s.i64(0));
  return out;
}

namespace {

void check_ignore_entry(const IgnoreEntry& e) {
  if (e.field != "artist" && e.field != "album" && e.field != "genre" && e.field != "path")
    throw Error(ExitCode::usage, "ignore list: unknown field '" + e.field + "' (use artist, album, genre or path)");
  if (e.value.empty()) throw Error(ExitCode::usage, "ignore list: an empty " + e.field);
}

// Which stored value an entry names: the same path, or the same name whatever its case.
constexpr const char* kSameEntry = "field = ?1 AND (value = ?2 OR (field <> 'path' AND lower(value) = lower(?2)))";

}  // namespace

std::vector<IgnoreEntry> LibraryDb::ignore_list() const {
  std::lock_guard lock(mutex_);
  std::vector<IgnoreEntry> out;
  // Prepared per call: a library older than version 3 opened read-only has no such table.
  Statement t(db_.get(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ignored'", path_);
  if (!t.step()) return out;
  Statement s(db_.get(), "SELECT field, value FROM ignored ORDER BY field, value", path_);
  while (s.step()) out.push_back({s.text(0), s.text(1)});
  return out;
}

bool LibraryDb::add_ignore(const IgnoreEntry& e) {
  check_ignore_entry(e);
  std::lock_guard lock(mutex_);
  Statement s(db_.get(),
              std::string("INSERT INTO ignored(field, value, added_at) SELECT ?1, ?2, strftime('%s','now') "
                          "WHERE NOT EXISTS (SELECT 1 FROM ignored WHERE ") + kSameEntry + ")",
              path_);
  s.bind(1, std::string_view(e.field)).bind(2, std::string_view(e.value));
  s.run();
  return sqlite3_changes(db_.get()) > 0;
}

bool LibraryDb::remove_ignore(const IgnoreEntry& e) {
  check_ignore_entry(e);
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), std::string("DELETE FROM ignored WHERE ") + kSameEntry, path_);
  s.bind(1, std::string_view(e.field)).bind(2, std::string_view(e.value));
  s.run();
  return sqlite3_changes(db_.get()) > 0;
}

namespace {

bool has_table(sqlite3* db, const char* name, const std::filesystem::path& path) {
  Statement t(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", path);
  t.bind(1, std::string_view(name));
  return t.step();
}

// One write transaction; rolled back when the body throws.
template <class Fn>
auto in_transaction(sqlite3* db, const std::filesystem::path& path, Fn fn) {
  exec(db, "BEGIN IMMEDIATE", path);
  try {
    auto result = fn();
    exec(db, "COMMIT", path);
    return result;
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void write_playlist_tracks(sqlite3* db, const std::filesystem::path& path, int64_t id, std::span<const int64_t> tracks) {
  Statement clear(db, "DELETE FROM playlist_tracks WHERE playlist_id = ?1", path);
  clear.bind(1, id).run();
  Statement add(db, "INSERT INTO playlist_tracks(playlist_id, position, track_id) VALUES(?1, ?2, ?3)", path);
  for (size_t i = 0; i < tracks.size(); ++i) {
    add.reset();
    add.bind(1, id).bind(2, int64_t(i)).bind(3, tracks[i]).run();
  }
}

std::vector<int64_t> read_playlist_tracks(sqlite3* db, const std::filesystem::path& path, int64_t id) {
  Statement s(db, "SELECT track_id FROM playlist_tracks WHERE playlist_id = ?1 ORDER BY position", path);
  s.bind(1, id);
  std::vector<int64_t> out;
  while (s.step()) out.push_back(s.i64(0));
  return out;
}

}  // namespace

std::vector<UserRow> LibraryDb::users() const {
  std::lock_guard lock(mutex_);
  std::vector<UserRow> out;
  if (!has_table(db_.get(), "users", path_)) return out;
  Statement s(db_.get(), "SELECT name, secret, created_at FROM users ORDER BY name", path_);
  while (s.step()) out.push_back({s.text(0), s.bytes(1), s.i64(2)});
  return out;
}

std::optional<UserRow> LibraryDb::user(std::string_view name) const {
  std::lock_guard lock(mutex_);
  if (!has_table(db_.get(), "users", path_)) return std::nullopt;
  Statement s(db_.get(), "SELECT name, secret, created_at FROM users WHERE name = ?1", path_);
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return UserRow{s.text(0), s.bytes(1), s.i64(2)};
}

void LibraryDb::add_user(const UserRow& user) {
  if (user.name.empty()) throw Error(ExitCode::usage, "a user needs a name");
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), "INSERT OR IGNORE INTO users(name, secret, created_at) VALUES(?1, ?2, strftime('%s','now'))", path_);
  s.bind(1, std::string_view(user.name)).bind_bytes(2, user.secret).run();
  if (sqlite3_changes(db_.get()) == 0) throw Error(ExitCode::usage, "user '" + user.name + "' exists already");
}

bool LibraryDb::set_user_secret(std::string_view name, std::span<const unsigned char> secret) {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), "UPDATE users SET secret = ?2 WHERE name = ?1", path_);
  s.bind(1, name).bind_bytes(2, secret).run();
  return sqlite3_changes(db_.get()) > 0;
}

bool LibraryDb::remove_user(std::string_view name) {
  std::lock_guard lock(mutex_);
  return in_transaction(db_.get(), path_, [&] {
    Statement p(db_.get(), "DELETE FROM playlists WHERE owner = ?1", path_);
    p.bind(1, name).run();
    Statement s(db_.get(), "DELETE FROM users WHERE name = ?1", path_);
    s.bind(1, name).run();
    return sqlite3_changes(db_.get()) > 0;
  });
}

std::vector<PlaylistRow> LibraryDb::playlists() const {
  std::lock_guard lock(mutex_);
  std::vector<PlaylistRow> out;
  if (!has_table(db_.get(), "playlists", path_)) return out;
  Statement s(db_.get(), "SELECT id, owner, name, comment, public, created_at, changed_at FROM playlists ORDER BY id", path_);
  while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3), s.i64(4) != 0, s.i64(5), s.i64(6), {}});
  for (PlaylistRow& p : out) p.track_ids = read_playlist_tracks(db_.get(), path_, p.id);
  return out;
}

std::optional<PlaylistRow> LibraryDb::playlist(int64_t id) const {
  std::lock_guard lock(mutex_);
  if (!has_table(db_.get(), "playlists", path_)) return std::nullopt;
  Statement s(db_.get(), "SELECT id, owner, name, comment, public, created_at, changed_at FROM playlists WHERE id = ?1", path_);
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  PlaylistRow p{s.i64(0), s.text(1), s.text(2), s.text(3), s.i64(4) != 0, s.i64(5), s.i64(6), {}};
  p.track_ids = read_playlist_tracks(db_.get(), path_, id);
  return p;
}

int64_t LibraryDb::create_playlist(const PlaylistRow& p) {
  if (p.name.empty()) throw Error(ExitCode::usage, "a playlist needs a name");
  std::lock_guard lock(mutex_);
  return in_transaction(db_.get(), path_, [&] {
    Statement s(db_.get(),
                "INSERT INTO playlists(owner, name, comment, public, created_at, changed_at) "
                "VALUES(?1, ?2, ?3, ?4, strftime('%s','now'), strftime('%s','now')) RETURNING id",
                path_);
    s.bind(1, std::string_view(p.owner)).bind(2, std::string_view(p.name)).bind(3, std::string_view(p.comment));
    s.bind(4, int64_t(p.is_public));
    if (!s.step()) throw InputError(ExitCode::internal, path_, "playlist insert returned no id");
    const int64_t id = s.i64(0);
    s.run();
    write_playlist_tracks(db_.get(), path_, id, p.track_ids);
    return id;
  });
}

bool LibraryDb::edit_playlist(int64_t id, const PlaylistEdit& e) {
  if (e.name && e.name->empty()) throw Error(ExitCode::usage, "a playlist needs a name");
  std::lock_guard lock(mutex_);
  return in_transaction(db_.get(), path_, [&] {
    Statement s(db_.get(),
                "UPDATE playlists SET name = coalesce(?2, name), comment = coalesce(?3, comment), "
                "public = coalesce(?4, public), changed_at = strftime('%s','now') WHERE id = ?1",
                path_);
    s.bind(1, id);
    if (e.name) s.bind(2, std::string_view(*e.name));
    if (e.comment) s.bind(3, std::string_view(*e.comment));
    if (e.is_public) s.bind(4, int64_t(*e.is_public));
    s.run();
    if (sqlite3_changes(db_.get()) == 0) return false;
    std::vector<int64_t> tracks = e.replace_tracks ? *e.replace_tracks : read_playlist_tracks(db_.get(), path_, id);
    std::vector<bool> removed(tracks.size(), false);
    for (int position : e.remove_positions) {
      if (position < 0 || size_t(position) >= tracks.size())
        throw Error(ExitCode::usage, "the playlist has no song at index " + std::to_string(position));
      removed[size_t(position)] = true;
    }
    std::vector<int64_t> kept;
    for (size_t i = 0; i < tracks.size(); ++i)
      if (!removed[i]) kept.push_back(tracks[i]);
    kept.insert(kept.end(), e.add_tracks.begin(), e.add_tracks.end());
    write_playlist_tracks(db_.get(), path_, id, kept);
    return true;
  });
}

bool LibraryDb::delete_playlist(int64_t id) {
  std::lock_guard lock(mutex_);
  return in_transaction(db_.get(), path_, [&] {
    Statement t(db_.get(), "DELETE FROM playlist_tracks WHERE playlist_id = ?1", path_);
    t.bind(1, id).run();
    Statement s(db_.get(), "DELETE FROM playlists WHERE id = ?1", path_);
    s.bind(1, id).run();
    return sqlite3_changes(db_.get()) > 0;
  });
}

int64_t LibraryDb::generation() const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), prepared("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'"), path_);
  return s.step() ? s.i64(0) : 0;
}

int64_t LibraryDb::stats_generation() const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), prepared("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'stats_generation'"), path_);
  return s.step() ? s.i64(0) : 0;  // a library whose statistics were never stored since it existed
}

int64_t LibraryDb::track_count() const {
  std::lock_guard lock(mutex_);
  Statement s(db_.get(), prepared("SELECT COUNT(*) FROM tracks WHERE error IS NULL"), path_);
  return s.step() ? s.i64(0) : 0;
}

}  // namespace soundalike

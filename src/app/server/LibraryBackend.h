#pragma once
// What the HTTP server needs from a library. The server only translates HTTP to these calls and back;
// the real implementation sits over the song library, tests may use a small fake.
// Errors: throw soundalike::Error; the server maps ExitCode::usage -> 400, not_found -> 404,
// undecodable / no_audio -> 422, anything else -> 500.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "library/LibraryDb.h"
#include "recommend/PlaylistControls.h"

namespace soundalike::app {

struct SimilarRequest {
  int k = 10;
  std::string metric;  // empty = the library's default
  std::vector<int64_t> with;  // further seed tracks beside the one asked about
  PlaylistControls controls;  // from the query parameters; genre groups are the server's own
};

class LibraryBackend {
 public:
  virtual ~LibraryBackend() = default;
  // {"status": "ok", "tracks": N, ...}
  virtual nlohmann::json health() const = 0;
  // {"tracks": [{"id", "title", "artist", "album", "genre", "duration", "bpm", "label"}...], "total": N}
  virtual nlohmann::json tracks(std::string_view query, int limit, int offset) const = 0;
  virtual nlohmann::json track(int64_t id) const = 0;
  // The same JSON as `soundalike similar --json`.
  virtual nlohmann::json similar_to_track(int64_t id, const SimilarRequest& request) const = 0;
  virtual nlohmann::json similar_to_audio(std::span<const std::byte> audio, std::string_view name,
                                          const SimilarRequest& request) const = 0;
  // The file a track's audio is read from (a path from the library, never from a client).
  virtual std::filesystem::path audio_file(int64_t id) const = 0;
  virtual std::vector<unsigned char> spectrogram_png(int64_t id) const = 0;
  // {"tracks": [...], "mix": {...}} from `from` to `to`
  virtual nlohmann::json path(int64_t from, int64_t to, int steps, const PlaylistControls& controls) const = 0;
  // {"points": [{"id", "x", "y", "label", "title", "artist"}...]}
  virtual nlohmann::json map() const = 0;
  // How far songs lie from `from` in the space `path` walks: {"metric", "normalize", "distances": [one
  // per id, in order]}, "normalize" being "mp" when the distances are mutual-proximity ones in [0, 1].
  // Null when the backend cannot tell (the Subsonic API then reports places on the path instead).
  virtual nlohmann::json distances_from(int64_t from, std::span<const int64_t> ids) const { return nullptr; }
  // Every indexed track in browsing order (artist, album, track number, file), the same object for as
  // long as the library does not change: what the Subsonic API groups into artists and albums. A
  // backend without one serves an empty catalogue.
  virtual std::shared_ptr<const std::vector<TrackRow>> catalogue() const {
    return std::make_shared<const std::vector<TrackRow>>();
  }
};

}  // namespace soundalike::app

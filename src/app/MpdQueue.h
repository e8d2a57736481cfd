#pragma once
// What `soundalike mpd` decides, apart from talking to MPD (MpdClient.h): how MPD's song URIs map to
// library paths, and which songs to ask the library for given the queue and what the radio has seen.
// Kept free of libmpdclient so that it can be tested without a running MPD.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace soundalike::app::mpd {

// The library path of an MPD song URI: relative URIs lie under MPD's music directory; "file:///x" and
// "/x" (what MPD accepts from local clients) are absolute paths. Streams ("http://...") and relative URIs
// without a music directory have none.
std::optional<std::string> library_path_for_uri(const std::filesystem::path& music_dir, std::string_view uri);

// The URI MPD knows a library file by: its path relative to the music directory, or none when the file
// lies outside it (MPD's database only holds songs below its music directory).
std::optional<std::string> uri_for_library_path(const std::filesystem::path& music_dir, std::string_view path);

struct QueuedSong {
  std::string uri;
  std::optional<int64_t> track;  // the library track, when the song is one
};

struct PlayerQueue {
  std::vector<QueuedSong> songs;  // in queue order
  std::optional<size_t> current;  // the playing (or paused) song's position; none when stopped
};

// What to ask the library: `count` songs similar to `seeds` (newest first) that are none of `previous`
// (library tracks, oldest first, as PlaylistControls::previous wants them).
struct QueueRequest {
  std::vector<int64_t> seeds;
  std::vector<int64_t> previous;
  size_t count = 0;
};

// `--add N`: N songs like the current song or, when nothing plays, the last queued one; every library
// song in the queue counts as previous, in queue order, so that the answer is the one of
// `similar SEED -k N --previous Q1 --previous Q2 ...`. Throws Error(usage) for an empty queue,
// Error(not_found) naming the seed's URI when it is not a library song.
QueueRequest plan_add(const PlayerQueue& queue, size_t count);

// `--radio`: follows the player across queue states and remembers what it has seen, so that no song
// comes twice while it runs (even one the user removed from the queue, or one that consume mode dropped).
class RadioPlanner {
 public:
  RadioPlanner(size_t ahead, size_t seeds) : ahead_(ahead), seeds_(seeds) {}

  // What to ask for now: nothing while no song is current or `ahead` songs already follow the current
  // one, or when no library song has played yet (then `waiting_reason` says why).
  std::optional<QueueRequest> plan(const PlayerQueue& queue);
  // The songs that were queued; they are never asked for again.
  void queued(const std::vector<int64_t>& tracks);
  const std::string& waiting_reason() const { return waiting_reason_; }
  const std::vector<int64_t>& played() const { return played_; }

 private:
  void see(int64_t track);
  size_t ahead_, seeds_;
  std::vector<int64_t> played_;  // library songs that were current, oldest first
  std::vector<int64_t> seen_;    // every library song seen in the queue or queued, oldest first
  std::set<int64_t> seen_set_;
  std::string waiting_reason_;
};

// Seconds to wait before reconnecting after `failures` failed attempts in a row: 1, 2, 4, ... up to 30.
int reconnect_delay_s(int failures);

}  // namespace soundalike::app::mpd

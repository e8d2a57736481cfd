#include "app/MpdQueue.h"

#include <algorithm>

#include "common/Error.h"

namespace soundalike::app::mpd {
namespace fs = std::filesystem;

std::optional<std::string> library_path_for_uri(const fs::path& music_dir, std::string_view uri) {
  if (uri.empty()) return std::nullopt;
  if (uri.starts_with("file://")) uri.remove_prefix(7);
  else if (uri.find("://") != std::string_view::npos) return std::nullopt;  // a stream
  if (uri.starts_with('/')) return fs::path(uri).lexically_normal().string();
  if (music_dir.empty()) return std::nullopt;
  const fs::path p = (music_dir / fs::path(uri)).lexically_normal();
  // A URI that climbs out of the music directory is none MPD would hand out.
  if (!uri_for_library_path(music_dir, p.string())) return std::nullopt;
  return p.string();
}

std::optional<std::string> uri_for_library_path(const fs::path& music_dir, std::string_view path) {
  if (music_dir.empty()) return std::nullopt;
  const fs::path rel = fs::path(path).lexically_normal().lexically_relative(music_dir.lexically_normal());
  if (rel.empty() || rel == "." || *rel.begin() == "..") return std::nullopt;
  return rel.generic_string();
}

namespace {

std::vector<int64_t> library_songs(const PlayerQueue& queue) {
  std::vector<int64_t> out;
  for (const QueuedSong& s : queue.songs)
    if (s.track) out.push_back(*s.track);
  return out;
}

}  // namespace

QueueRequest plan_add(const PlayerQueue& queue, size_t count) {
  if (queue.songs.empty())
    throw Error(ExitCode::usage, "MPD's queue is empty: queue or play a song of the library first, then add songs like it");
  const size_t seed_pos = queue.current.value_or(queue.songs.size() - 1);
  const QueuedSong& seed = queue.songs.at(seed_pos);
  if (!seed.track)
    throw Error(ExitCode::not_found, std::string(queue.current ? "the current song" : "the last queued song") + " '" +
                                         seed.uri + "' is not in the library (index MPD's music directory, or check --music-dir)");
  QueueRequest r;
  r.seeds = {*seed.track};
  r.previous = library_songs(queue);
  r.count = count;
  return r;
}

void RadioPlanner::see(int64_t track) {
  if (seen_set_.insert(track).second) seen_.push_back(track);
}

void RadioPlanner::queued(const std::vector<int64_t>& tracks) {
  for (int64_t t : tracks) see(t);
}

std::optional<QueueRequest> RadioPlanner::plan(const PlayerQueue& queue) {
  waiting_reason_.clear();
  for (const QueuedSong& s : queue.songs)
    if (s.track) see(*s.track);
  if (!queue.current || *queue.current >= queue.songs.size()) {
    waiting_reason_ = "nothing is playing";
    return std::nullopt;
  }
  const QueuedSong& current = queue.songs[*queue.current];
  if (current.track && (played_.empty() || played_.back() != *current.track)) played_.push_back(*current.track);
  const size_t after = queue.songs.size() - *queue.current - 1;
  if (after >= ahead_) return std::nullopt;
  if (played_.empty()) {
    waiting_reason_ = "the current song '" + current.uri + "' is not in the library, and no library song has played yet";
    return std::nullopt;
  }
  QueueRequest r;
  r.count = ahead_ - after;
  // The most recent first: with interleaved seeds it gets the first pick.
  for (auto it = played_.rbegin(); it != played_.rend() && r.seeds.size() < seeds_; ++it)
    if (std::find(r.seeds.begin(), r.seeds.end(), *it) == r.seeds.end()) r.seeds.push_back(*it);
  // What left the queue first, then the queue itself in order: the queue's end is what new songs follow,
  // so the no-repeat controls must see it last.
  const std::vector<int64_t> in_queue = library_songs(queue);
  const std::set<int64_t> queued_now(in_queue.begin(), in_queue.end());
  for (int64_t t : seen_)
    if (!queued_now.contains(t)) r.previous.push_back(t);
  r.previous.insert(r.previous.end(), in_queue.begin(), in_queue.end());
  return r;
}

int reconnect_delay_s(int failures) {
  if (failures <= 0) return 1;
  return failures >= 5 ? 30 : std::min(30, 1 << failures);
}

}  // namespace soundalike::app::mpd

#pragma once
// Turns the folder watcher's events into batches of work for the library, without any timing of its
// own (the caller passes the clock), so the batching is tested without inotify. A burst of events (an
// album copied, a tagger rewriting every file) becomes one batch once the folders have been quiet for a
// moment, and each path is acted on once, by its last event.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "library/FolderWatcher.h"

namespace soundalike {

struct ChangeSet {
  bool rescan = false;                                 // events were lost: walk every folder again
  std::vector<std::filesystem::path> removed_folders;  // prune every track below them that is gone
  std::vector<std::filesystem::path> removed;          // prune these tracks (if their file is gone)
  std::vector<std::filesystem::path> written;          // index these (if they still exist)
  bool empty() const { return !rescan && removed_folders.empty() && removed.empty() && written.empty(); }
};

class ChangeBatcher {
 public:
  using Clock = std::chrono::steady_clock;
  // A batch is due once no event came for `quiet`, or `max_delay` after its first event even while
  // events keep coming (a long copy still shows up piece by piece).
  explicit ChangeBatcher(std::chrono::milliseconds quiet = std::chrono::milliseconds(1000),
                         std::chrono::milliseconds max_delay = std::chrono::milliseconds(10000));

  // Events on files that are not audio (by extension, as the indexer's walk decides) are dropped.
  void add(const FolderEvent& event, Clock::time_point now);
  bool pending() const { return first_.has_value(); }
  bool due(Clock::time_point now) const;
  // How long until the pending batch is due (zero when it is; `idle` when nothing is pending).
  std::chrono::milliseconds time_left(Clock::time_point now, std::chrono::milliseconds idle) const;
  // The batch so far, and a fresh start.
  ChangeSet take();

 private:
  enum class Last { written, removed };
  std::chrono::milliseconds quiet_, max_delay_;
  std::optional<Clock::time_point> first_;
  Clock::time_point last_{};
  bool rescan_ = false;
  std::set<std::filesystem::path> removed_folders_;
  std::map<std::filesystem::path, Last> files_;
};

}  // namespace soundalike

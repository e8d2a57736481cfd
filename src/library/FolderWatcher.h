#pragma once
// Follows folder trees for `index --watch` with Linux inotify, used through <sys/inotify.h> directly:
// the kernel interface is three calls, and a library would add a dependency without removing any of
// the work below (inotify is not recursive, so every folder needs its own watch, and folders created
// later must be found and watched by us).
//
// Only what a library needs is reported: a file finished being written (IN_CLOSE_WRITE) or moved in
// (IN_MOVED_TO), a file or folder removed or moved away, and a lost event queue (IN_Q_OVERFLOW), after
// which the caller must rescan because events are missing. A file that is still open for writing is not
// reported until it is closed, so a song being copied is never read half-written.
#include <chrono>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace soundalike {

struct FolderEvent {
  enum class Type {
    file_written,    // closed after writing, moved in, or found in a folder that appeared
    file_removed,    // deleted or moved away
    folder_removed,  // deleted or moved away, with everything below it
    overflow,        // the kernel dropped events: what changed is unknown (path is empty)
  };
  Type type;
  std::filesystem::path path;
  bool operator==(const FolderEvent&) const = default;
};

class FolderWatcher {
 public:
  // Throws Error(missing_resource) when the process may not open another inotify instance.
  FolderWatcher();
  ~FolderWatcher();
  FolderWatcher(const FolderWatcher&) = delete;
  FolderWatcher& operator=(const FolderWatcher&) = delete;

  // Watches `folder` and every folder below it (symbolic links are not followed, as the indexer's walk
  // does not follow them). Throws Error(missing_resource) when the per-user watch limit
  // (fs.inotify.max_user_watches) is reached, InputError(not_found) when `folder` does not exist and
  // InputError(usage) when it is a file.
  void watch_tree(const std::filesystem::path& folder);

  // The events that arrived, waiting up to `timeout` for the first one; empty after the timeout or when
  // a signal interrupted the wait (so a caller polling a cancel flag notices it within `timeout`).
  // A folder that appears is watched before its events are returned, and the files already in it are
  // reported as written, since they may have been created before its watch existed.
  std::vector<FolderEvent> wait(std::chrono::milliseconds timeout);

  size_t watched_folders() const { return folders_.size(); }

 private:
  void handle(int wd, uint32_t mask, const std::string& name, std::vector<FolderEvent>& out);
  void add_watch(const std::filesystem::path& folder);
  // Watches a folder that appeared and reports the files already in it.
  void adopt_tree(const std::filesystem::path& folder, std::vector<FolderEvent>& out);
  // Forgets the watches of `folder` and everything below it (the kernel drops them itself when the
  // folders are deleted, but not when they are moved out of the tree).
  void forget_tree(const std::filesystem::path& folder, bool remove_from_kernel);

  int fd_ = -1;
  std::unordered_map<int, std::filesystem::path> folders_;  // watch descriptor -> folder
};

}  // namespace soundalike

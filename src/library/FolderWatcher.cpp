#include "library/FolderWatcher.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/Error.h"
#include "library/Indexer.h"

namespace soundalike {
namespace fs = std::filesystem;

namespace {

// IN_CREATE is wanted for folders only (a new file is reported when it is closed); IN_DELETE_SELF and
// IN_MOVE_SELF tell when a watched root itself goes away.
constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_DELETE_SELF |
                           IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;

std::string watch_limit_text() {
  std::ifstream f("/proc/sys/fs/inotify/max_user_watches");
  long limit = 0;
  if (f >> limit) return "the inotify watch limit (fs.inotify.max_user_watches = " + std::to_string(limit) + ")";
  return "the inotify watch limit (fs.inotify.max_user_watches)";
}

}  // namespace

FolderWatcher::FolderWatcher() {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    throw Error(ExitCode::missing_resource,
                std::string("cannot start watching folders (inotify): ") + std::strerror(err) +
                    (err == EMFILE ? "; the inotify instance limit (fs.inotify.max_user_instances) is reached" : ""));
  }
}

FolderWatcher::~FolderWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

void FolderWatcher::add_watch(const fs::path& folder) {
  const int wd = ::inotify_add_watch(fd_, folder.c_str(), kMask);
  if (wd >= 0) {
    folders_[wd] = folder;
    return;
  }
  const int err = errno;
  if (err == ENOSPC)
    throw InputError(ExitCode::missing_resource, folder,
                     "cannot watch this folder: " + watch_limit_text() + " is reached; raise it, e.g. `sysctl "
                     "fs.inotify.max_user_watches=524288`");
  if (err == ENOMEM) throw InputError(ExitCode::missing_resource, folder, "cannot watch this folder: out of kernel memory");
  // Gone again or unreadable (ENOENT, EACCES, ENOTDIR): nothing below it can be indexed either; the
  // indexer's walk skips it the same way.
}

void FolderWatcher::watch_tree(const fs::path& folder) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) throw InputError(ExitCode::not_found, folder, "no such folder");
  if (!fs::is_directory(folder, ec)) throw InputError(ExitCode::usage, folder, "not a folder (only folders can be watched)");
  std::vector<FolderEvent> ignored;  // the caller's first pass indexes what is there now
  adopt_tree(fs::canonical(folder, ec), ignored);
}

void FolderWatcher::adopt_tree(const fs::path& folder, std::vector<FolderEvent>& out) {
  // The folder is watched before it is listed, so a file created meanwhile is either listed or reported
  // by the watch (or both: a repeated report costs the indexer one stat).
  add_watch(folder);
  std::error_code ec;
  for (fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end; it != end;
       it.increment(ec)) {
    if (ec) break;
    if (it->is_symlink(ec)) continue;
    if (it->is_directory(ec)) add_watch(it->path());
    else if (it->is_regular_file(ec)) out.push_back({FolderEvent::Type::file_written, it->path().lexically_normal()});
  }
}

void FolderWatcher::forget_tree(const fs::path& folder, bool remove_from_kernel) {
  for (auto it = folders_.begin(); it != folders_.end();) {
    if (is_below(it->second, folder)) {
      if (remove_from_kernel) ::inotify_rm_watch(fd_, it->first);
      it = folders_.erase(it);
    } else {
      ++it;
    }
  }
}

void FolderWatcher::handle(int wd, uint32_t mask, const std::string& name, std::vector<FolderEvent>& out) {
  using Type = FolderEvent::Type;
  if (mask & IN_Q_OVERFLOW) {
    out.push_back({Type::overflow, {}});
    return;
  }
  const auto it = folders_.find(wd);
  if (it == folders_.end()) return;  // a folder forgotten while its last events were queued
  const fs::path folder = it->second;
  if (mask & IN_IGNORED) {
    folders_.erase(it);
    return;
  }
  if (mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
    // For a folder inside the tree its parent reports the same; for a root this is the only report.
    out.push_back({Type::folder_removed, folder});
    forget_tree(folder, (mask & IN_MOVE_SELF) != 0);
    return;
  }
  if (name.empty()) return;
  const fs::path path = folder / name;
  if (mask & IN_ISDIR) {
    if (mask & (IN_CREATE | IN_MOVED_TO)) {
      adopt_tree(path, out);
    } else if (mask & (IN_DELETE | IN_MOVED_FROM)) {
      out.push_back({Type::folder_removed, path});
      // Moved away, its watches would go on reporting under the old path.
      forget_tree(path, (mask & IN_MOVED_FROM) != 0);
    }
    return;
  }
  if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) out.push_back({Type::file_written, path});
  else if (mask & (IN_DELETE | IN_MOVED_FROM)) out.push_back({Type::file_removed, path});
}

std::vector<FolderEvent> FolderWatcher::wait(std::chrono::milliseconds timeout) {
  std::vector<FolderEvent> out;
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, int(std::max<int64_t>(0, timeout.count())));
  if (ready < 0) {
    if (errno == EINTR) return out;
    throw Error(ExitCode::internal, std::string("watching folders: poll failed: ") + std::strerror(errno));
  }
  if (ready == 0) return out;
  // Drained completely: the queue is non-blocking, and a burst (a whole album copied) arrives in pieces.
  alignas(inotify_event) char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      throw Error(ExitCode::internal, std::string("watching folders: reading inotify events failed: ") + std::strerror(errno));
    }
    if (n == 0) break;
    for (ssize_t at = 0; at + ssize_t(sizeof(inotify_event)) <= n;) {
      inotify_event event;
      std::memcpy(&event, buffer + at, sizeof event);
      // The name is NUL-padded to the record's length.
      const char* name_start = buffer + at + sizeof(inotify_event);
      const std::string name = event.len ? std::string(name_start, ::strnlen(name_start, event.len)) : std::string();
      handle(event.wd, event.mask, name, out);
      at += ssize_t(sizeof(inotify_event) + event.len);
    }
  }
  return out;
}

}  // namespace soundalike

#include "library/ChangeBatcher.h"

#include <algorithm>

#include "library/Indexer.h"

namespace soundalike {
namespace fs = std::filesystem;

ChangeBatcher::ChangeBatcher(std::chrono::milliseconds quiet, std::chrono::milliseconds max_delay)
    : quiet_(quiet), max_delay_(max_delay) {}

void ChangeBatcher::add(const FolderEvent& event, Clock::time_point now) {
  using Type = FolderEvent::Type;
  const fs::path path = event.path.lexically_normal();
  switch (event.type) {
    case Type::overflow:
      rescan_ = true;
      break;
    case Type::folder_removed:
      // Whatever happened below it before no longer matters; files written there again after this
      // event are added back by their own events, and are indexed after the folder is pruned.
      std::erase_if(files_, [&](const auto& f) { return is_below(f.first, path); });
      removed_folders_.insert(path);
      break;
    case Type::file_written:
    case Type::file_removed:
      if (!is_audio_extension(path)) return;
      files_[path] = event.type == Type::file_written ? Last::written : Last::removed;
      break;
  }
  if (!first_) first_ = now;
  last_ = now;
}

bool ChangeBatcher::due(Clock::time_point now) const {
  return first_ && (now - last_ >= quiet_ || now - *first_ >= max_delay_);
}

std::chrono::milliseconds ChangeBatcher::time_left(Clock::time_point now, std::chrono::milliseconds idle) const {
  using std::chrono::milliseconds;
  if (!first_) return idle;
  // Rounded up: waking a fraction of a millisecond early would only mean a second wait.
  return std::max(milliseconds(0), std::chrono::ceil<milliseconds>(std::min(last_ + quiet_, *first_ + max_delay_) - now));
}

ChangeSet ChangeBatcher::take() {
  ChangeSet c;
  c.rescan = rescan_;
  c.removed_folders.assign(removed_folders_.begin(), removed_folders_.end());
  for (const auto& [path, last] : files_) (last == Last::written ? c.written : c.removed).push_back(path);
  first_.reset();
  rescan_ = false;
  removed_folders_.clear();
  files_.clear();
  return c;
}

}  // namespace soundalike

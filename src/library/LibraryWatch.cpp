#include "library/LibraryWatch.h"

#include <algorithm>
#include <set>

#include "search/ProximityInput.h"

namespace soundalike {
namespace fs = std::filesystem;

namespace {

// Long enough to cost nothing, short enough that Ctrl-C is noticed at once: the signal may be delivered
// to a thread other than the one waiting in poll(), which then only sees it at the timeout.
constexpr std::chrono::milliseconds kPollInterval{200};

// `base` as a watch runs it: quiet, tolerant of roots that vanished, every commit reported.
IndexerOptions indexer_options(IndexerOptions io, const WatchOptions& o, BatchResult& result) {
  io.progress = false;
  io.skip_missing_roots = true;
  io.on_committed = [&o, &result](const TrackRow& t) {
    if (t.failed()) {
      ++result.failed;
      if (o.on_change) o.on_change({WatchChange::Type::failed, t.path, t.error, t.error_code});
    } else {
      ++result.indexed;
      if (o.on_change) o.on_change({WatchChange::Type::indexed, t.path, {}, 0});
    }
  };
  return io;
}

void report_removed(const WatchOptions& o, const std::vector<std::string>& paths, BatchResult& result) {
  result.removed += paths.size();
  if (o.on_change)
    for (const std::string& p : paths) o.on_change({WatchChange::Type::removed, p, {}, 0});
}

}  // namespace

IndexerOptions full_pass_options(const WatchOptions& options) {
  IndexerOptions io = options.indexer;
  io.prune = true;
  io.prune_within_roots = true;
  return io;
}

BatchResult apply_changes(LibraryDb& db, const FeatureExtractor& extractor, const ChangeSet& changes,
                          const WatchOptions& o) {
  BatchResult result;
  if (changes.rescan) {
    // Events were lost, so the batch's own lists are incomplete: a full pass covers them and the rest.
    if (o.on_change) o.on_change({WatchChange::Type::rescan, {}, {}, 0});
    const IndexerOptions io = indexer_options(full_pass_options(o), o, result);
    const IndexSummary s = run_indexer(db, extractor, io);
    report_removed(o, s.pruned_paths, result);
  } else {
    if (!changes.removed.empty() || !changes.removed_folders.empty()) {
      // A path is pruned only if it is really gone: a file deleted and written again before the batch
      // ran, or a folder moved away and back, is still there and is indexed (or skipped) below.
      const std::set<fs::path> files(changes.removed.begin(), changes.removed.end());
      std::vector<int64_t> ids;
      std::vector<std::string> paths;
      for (const auto& [path, state] : db.file_states(extractor.kind())) {
        const fs::path p(path);
        const bool named = files.contains(p) || std::any_of(changes.removed_folders.begin(), changes.removed_folders.end(),
                                                            [&](const fs::path& f) { return is_below(p, f); });
        std::error_code ec;
        if (named && !fs::exists(p, ec)) {
          ids.push_back(state.id);
          paths.push_back(path);
        }
      }
      if (!ids.empty()) {
        db.remove(ids);
        std::sort(paths.begin(), paths.end());
        report_removed(o, paths, result);
      }
    }
    if (!changes.written.empty() && !cancel_requested(o.indexer.cancel)) {
      IndexerOptions io = indexer_options(o.indexer, o, result);
      io.roots.clear();
      for (const fs::path& p : changes.written) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) io.roots.push_back(p);
      }
      if (!io.roots.empty()) run_indexer(db, extractor, io);
    }
  }
  // Stored statistics go with their track (ON DELETE CASCADE), and re-indexing a file drops its own,
  // so after a batch only the new and changed songs lack them (or all, once the library has doubled);
  // a batch that only removed songs leaves nothing to compute.
  if (o.mp_statistics && result.indexed && !cancel_requested(o.indexer.cancel))
    result.mp = update_distance_stats(db, extractor.kind(), Metric::l2, kMpSampleSize, o.indexer.jobs);
  return result;
}

void watch_library(LibraryDb& db, const FeatureExtractor& extractor, FolderWatcher& watcher, const WatchOptions& o) {
  using Clock = ChangeBatcher::Clock;
  ChangeBatcher batcher(o.quiet, o.max_delay);
  while (!cancel_requested(o.indexer.cancel)) {
    const auto timeout = std::min(kPollInterval, batcher.time_left(Clock::now(), kPollInterval));
    for (const FolderEvent& e : watcher.wait(timeout)) batcher.add(e, Clock::now());
    if (batcher.due(Clock::now()) && !cancel_requested(o.indexer.cancel)) apply_changes(db, extractor, batcher.take(), o);
  }
}

}  // namespace soundalike

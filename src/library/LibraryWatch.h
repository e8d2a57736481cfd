#pragma once
// `index --watch`: after the first pass, keeps a library in step with its folders. Folder events
// (FolderWatcher) are batched (ChangeBatcher) and each batch is applied with the ordinary indexer, so
// every file is committed as soon as it is analysed and a kill -9 loses at most the files being
// analysed; the next start's first pass catches up with anything that changed meanwhile.
#include <chrono>
#include <functional>
#include <string>

#include "features/FeatureExtractor.h"
#include "library/ChangeBatcher.h"
#include "library/FolderWatcher.h"
#include "library/Indexer.h"
#include "library/LibraryDb.h"
#include "library/LibraryProximity.h"

namespace soundalike {

struct WatchChange {
  enum class Type { indexed, failed, removed, rescan };
  Type type;
  std::string path;   // empty for rescan
  std::string error;  // failed: why
  int exit_code = 0;  // failed: the ExitCode of that failure
};

struct WatchOptions {
  // roots (folders), jobs, analysis and cancel; the watch sets prune, progress and on_committed itself.
  IndexerOptions indexer;
  bool mp_statistics = false;  // keep the mutual-proximity statistics current after every batch
  std::chrono::milliseconds quiet{1000};
  std::chrono::milliseconds max_delay{10000};
  // Called on the calling thread for every change as it is committed.
  std::function<void(const WatchChange&)> on_change;
};

struct BatchResult {
  size_t indexed = 0, failed = 0, removed = 0;
  MpUpdate mp;
};

// The indexer's options for a pass over every root that also prunes vanished files below them (the
// first pass of a watch, and the rescan after lost events).
IndexerOptions full_pass_options(const WatchOptions& options);

// Applies one batch: prunes what is gone, indexes what was written (unchanged files are skipped as in
// any run), then updates the mutual-proximity statistics when asked to.
BatchResult apply_changes(LibraryDb& db, const FeatureExtractor& extractor, const ChangeSet& changes,
                          const WatchOptions& options);

// Follows the folders until options.indexer.cancel is set, then returns. `watcher` already watches
// the roots (set up before the first pass, so that nothing written during it is missed).
void watch_library(LibraryDb& db, const FeatureExtractor& extractor, FolderWatcher& watcher, const WatchOptions& options);

}  // namespace soundalike

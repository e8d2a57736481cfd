#pragma once
// `soundalike index`: walks folders, analyses new and changed audio files on all cores and commits
// each finished file from one writer thread, so an interruption (Ctrl-C, kill -9) loses no finished work.
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "audio/AudioFiles.h"
#include "common/Cancel.h"
#include "features/FeatureExtractor.h"
#include "library/LibraryDb.h"
#include "library/TrackAnalyzer.h"

namespace soundalike {

// Whether `path` is `folder` or lies below it, comparing whole path elements (both lexically normal).
bool is_below(const std::filesystem::path& path, const std::filesystem::path& folder);

struct IndexerOptions {
  std::vector<std::filesystem::path> roots;  // folders (walked recursively) or single files
  int jobs = 0;                              // 0 = all cores
  bool prune = false;                        // remove tracks whose file no longer exists
  // With prune: only tracks below the roots, so watching one folder never drops songs of another
  // folder that is merely unmounted.
  bool prune_within_roots = false;
  // A root that vanished is skipped instead of failing the run (`--watch` indexes files it was told
  // about a moment ago, and any of them may be gone again).
  bool skip_missing_roots = false;
  bool progress = true;                      // a progress bar when stderr is a terminal
  AnalysisOptions analysis;
  // Polled between files: once set, no new file starts and the finished ones are committed.
  CancelToken cancel = nullptr;
  // Called on the calling thread after each file (indexed or failed) is committed, in commit order.
  std::function<void(const TrackRow&)> on_committed;
};

struct IndexFailure {
  std::string path;
  std::string reason;
  int exit_code = 0;
};

struct IndexSummary {
  size_t found = 0;       // audio files found under the roots
  size_t indexed = 0;     // analysed and stored in this run
  size_t unchanged = 0;   // skipped: same size and mtime as stored
  size_t failed = 0;      // failed in this run
  size_t failed_before = 0;  // unchanged files that failed in an earlier run (not retried)
  size_t pruned = 0;      // removed because their file vanished (--prune)
  size_t missing = 0;     // vanished files left in the library (no --prune)
  size_t tags_refreshed = 0;  // unchanged files whose tags were read again (a library from before schema 5)
  bool interrupted = false;
  std::vector<std::string> pruned_paths;  // what `pruned` counts
  std::vector<IndexFailure> failures;  // this run's and earlier unchanged ones, by path
};

IndexSummary run_indexer(LibraryDb& db, const FeatureExtractor& extractor, const IndexerOptions& options);

}  // namespace soundalike

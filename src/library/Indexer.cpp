#include "library/Indexer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "audio/AudioDecoder.h"
#include "common/Error.h"
#include "common/Parallel.h"
#include "common/Progress.h"

namespace soundalike {
namespace fs = std::filesystem;

bool is_below(const fs::path& path, const fs::path& folder) {
  const auto [f, p] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  return f == folder.end();
}

namespace {

std::vector<std::string> walk(const std::vector<fs::path>& roots, bool skip_missing) {
  std::set<std::string> found;
  for (const fs::path& root : roots) {
    std::error_code ec;
    const fs::path abs = fs::weakly_canonical(fs::absolute(root), ec);
    if (ec || !fs::exists(abs)) {
      if (skip_missing) continue;
      throw InputError(ExitCode::not_found, root, "no such file or folder");
    }
    if (fs::is_regular_file(abs)) {
      found.insert(abs.string());
      continue;
    }
    for (fs::recursive_directory_iterator it(abs, fs::directory_options::skip_permission_denied, ec), end; it != end;
         it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec) && is_audio_extension(it->path())) found.insert(it->path().lexically_normal().string());
    }
  }
  return {found.begin(), found.end()};
}

// file_state() for a file whose state is only advisory: false (and size and mtime left 0) when it
// cannot be read, e.g. because the file vanished since the walk.
bool try_file_state(const std::string& path, int64_t& size, int64_t& mtime_ns) {
  try {
    file_state(path, size, mtime_ns);
    return true;
  } catch (const Error&) {
    size = mtime_ns = 0;
    return false;
  }
}

// Results travel from the workers to the one thread that writes to SQLite.
struct Queue {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<TrackUpdate> items;
  bool done = false;
};

}  // namespace

IndexSummary run_indexer(LibraryDb& db, const FeatureExtractor& extractor, const IndexerOptions& o) {
  IndexSummary summary;
  const std::vector<std::string> files = walk(o.roots, o.skip_missing_roots);
  summary.found = files.size();
  auto states = db.file_states(extractor.kind());

  std::vector<std::string> todo;
  for (const std::string& f : files) {
    auto it = states.find(f);
    if (it != states.end()) {
      // A file the walk just found but cannot stat now is not "unchanged": it is analysed again, and
      // that attempt records why it fails, with its path, in the summary and the library.
      int64_t size = 0, mtime = 0;
      const bool stat_ok = try_file_state(f, size, mtime);
      const FileState& s = it->second;
      if (stat_ok && s.size == size && s.mtime_ns == mtime && (s.has_embedding || s.failed)) {
        if (s.failed) ++summary.failed_before;
        else ++summary.unchanged;
        states.erase(it);
        continue;
      }
      states.erase(it);
    }
    todo.push_back(f);
  }
  // What is left in `states` is in the library but was not found now.
  std::vector<fs::path> roots;
  if (o.prune_within_roots)
    for (const fs::path& r : o.roots) {
      std::error_code ec;
      roots.push_back(fs::weakly_canonical(fs::absolute(r), ec));
    }
  std::vector<int64_t> vanished;
  std::vector<std::string> vanished_paths;
  for (const auto& [path, s] : states) {
    if (o.prune_within_roots && std::none_of(roots.begin(), roots.end(), [&](const fs::path& r) { return is_below(path, r); }))
      continue;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      vanished.push_back(s.id);
      vanished_paths.push_back(path);
    }
  }
  if (o.prune && !vanished.empty()) {
    db.remove(vanished);
    summary.pruned = vanished.size();
    std::sort(vanished_paths.begin(), vanished_paths.end());
    summary.pruned_paths = std::move(vanished_paths);
  } else {
    summary.missing = vanished.size();
  }

  // A library from before a tag was stored (the year, schema 5): the tags of every track this run does
  // not analyse (under these roots or not) are read again from the file headers (milliseconds a file), once.
  if (db.tags_stale() && !cancel_requested(o.cancel)) {
    const AudioDecoder prober;
    const std::set<std::string> analysed(todo.begin(), todo.end());
    std::vector<std::pair<int64_t, AudioTags>> tags;
    for (const TrackRow& t : db.tracks()) {
      if (analysed.count(t.path)) continue;
      try {
        tags.emplace_back(t.id, prober.probe(t.path).tags);
      } catch (const Error&) {
        // Unreadable now: the file keeps its old tags; analysing it again is the next change's business.
      }
    }
    db.refresh_tags(tags);
    summary.tags_refreshed = tags.size();
  }

  const TrackAnalyzer analyzer(extractor, o.analysis);
  Queue queue;
  std::atomic<bool> stop{false};
  Progress progress("indexing", todo.size());
  std::exception_ptr analysis_failure;
  std::jthread producer([&] {
    try {
      parallel_for(todo.size(), o.jobs, [&](size_t i) {
        if (stop.load() || cancel_requested(o.cancel)) {
          stop = true;
          return;
        }
        TrackUpdate u;
        // Every failure of one file becomes that file's recorded error, so one bad file never ends the run.
        auto failed = [&](std::string reason, ExitCode code) {
          u = TrackUpdate{};
          u.track.path = todo[i];
          // A failed file is retried once its size or mtime change; 0 when it cannot even be stat'ed.
          try_file_state(todo[i], u.track.size, u.track.mtime_ns);
          u.track.error = std::move(reason);
          u.track.error_code = int(code);
        };
        try {
          u = analyzer.analyze(todo[i]);
        } catch (const Error& e) {
          const auto* ie = dynamic_cast<const InputError*>(&e);
          failed(ie ? ie->reason() : std::string(e.what()), e.code());
        } catch (const std::exception& e) {
          failed(std::string("internal error: ") + e.what(), ExitCode::internal);
        } catch (...) {
          failed("internal error: an exception of unknown type", ExitCode::internal);
        }
        std::lock_guard lock(queue.mutex);
        queue.items.push_back(std::move(u));
        queue.cv.notify_one();
      });
    } catch (...) {
      // What escapes the per-file handlers (memory for the queue, starting a thread) stops the run; the writer still commits what arrived, and the error is raised after it.
      analysis_failure = std::current_exception();
      stop = true;
    }
    std::lock_guard lock(queue.mutex);
    queue.done = true;
    queue.cv.notify_one();
  });

  // The writer: commits whatever has arrived as one small transaction, so at most the files being
  // analysed at the moment of a kill are lost (and redone by the next run).
  std::exception_ptr write_failure;
  for (;;) {
    std::vector<TrackUpdate> batch;
    {
      std::unique_lock lock(queue.mutex);
      queue.cv.wait(lock, [&] { return !queue.items.empty() || queue.done; });
      if (queue.items.empty() && queue.done) break;
      while (!queue.items.empty() && batch.size() < 64) {
        batch.push_back(std::move(queue.items.front()));
        queue.items.pop_front();
      }
    }
    try {
      if (!write_failure) {
        db.commit(batch);
        if (o.on_committed)
          for (const TrackUpdate& u : batch) o.on_committed(u.track);
      }
    } catch (...) {
      write_failure = std::current_exception();
      stop = true;
    }
    for (const TrackUpdate& u : batch) {
      if (u.track.failed()) {
        ++summary.failed;
        summary.failures.push_back({u.track.path, u.track.error, u.track.error_code});
      } else {
        ++summary.indexed;
      }
    }
    if (o.progress) progress.advance(batch.size());
  }
  producer.join();
  if (o.progress) progress.finish();
  if (write_failure) std::rethrow_exception(write_failure);
  if (analysis_failure) {
    try {
      std::rethrow_exception(analysis_failure);
    } catch (const std::exception& e) {
      throw Error(ExitCode::internal, std::string("indexing stopped after ") + std::to_string(summary.indexed + summary.failed) +
                                          " of " + std::to_string(todo.size()) + " files: " + e.what());
    } catch (...) {
      throw Error(ExitCode::internal, "indexing stopped after " + std::to_string(summary.indexed + summary.failed) + " of " +
                                          std::to_string(todo.size()) + " files: an exception of unknown type");
    }
  }
  summary.interrupted = stop.load();

  // Unchanged files that failed before are listed too: a summary should show every unreadable file.
  std::set<std::string> listed;
  for (const auto& f : summary.failures) listed.insert(f.path);
  const std::set<std::string> under(files.begin(), files.end());
  for (const TrackRow& t : db.failures())
    if (under.contains(t.path) && !listed.contains(t.path)) summary.failures.push_back({t.path, t.error, t.error_code});
  std::sort(summary.failures.begin(), summary.failures.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return summary;
}

}  // namespace soundalike

#include "index/Indexer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "common/Error.h"
#include "common/Parallel.h"
#include "common/Progress.h"

namespace soundalike {
namespace fs = std::filesystem;

bool is_audio_extension(const fs::path& path) {
  static const std::set<std::string> kExtensions = {".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".mp4",
                                                    ".aac", ".wav", ".wma", ".aif", ".aiff", ".ape", ".wv",
                                                    ".mka", ".webm", ".mpc"};
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return kExtensions.contains(ext);
}

namespace {

std::vector<std::string> walk(const std::vector<fs::path>& roots) {
  std::set<std::string> found;
  for (const fs::path& root : roots) {
    std::error_code ec;
    const fs::path abs = fs::weakly_canonical(fs::absolute(root), ec);
    if (ec || !fs::exists(abs)) throw InputError(ExitCode::not_found, root, "no such file or folder");
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
  const std::vector<std::string> files = walk(o.roots);
  summary.found = files.size();
  auto states = db.file_states(extractor.kind());

  std::vector<std::string> todo;
  for (const std::string& f : files) {
    auto it = states.find(f);
    if (it != states.end()) {
      int64_t size = 0, mtime = 0;
      try {
        file_state(f, size, mtime);
      } catch (const Error&) {
      }
      const FileState& s = it->second;
      if (s.size == size && s.mtime_ns == mtime && (s.has_embedding || s.failed)) {
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
  std::vector<int64_t> vanished;
  for (const auto& [path, s] : states) {
    std::error_code ec;
    if (!fs::exists(path, ec)) vanished.push_back(s.id);
  }
  if (o.prune && !vanished.empty()) {
    db.remove(vanished);
    summary.pruned = vanished.size();
  } else {
    summary.missing = vanished.size();
  }

  const TrackAnalyzer analyzer(extractor, o.analysis);
  Queue queue;
  std::atomic<bool> stop{false};
  Progress progress("indexing", todo.size());
  std::jthread producer([&] {
    try {
      parallel_for(todo.size(), o.jobs, [&](size_t i) {
        if (stop.load() || (o.cancelled && o.cancelled())) {
          stop = true;
          return;
        }
        TrackUpdate u;
        try {
          u = analyzer.analyze(todo[i]);
        } catch (const Error& e) {
          u.track.path = todo[i];
          try {
            file_state(todo[i], u.track.size, u.track.mtime_ns);
          } catch (const Error&) {
          }
          const auto* ie = dynamic_cast<const InputError*>(&e);
          u.track.error = ie ? ie->reason() : std::string(e.what());
          u.track.error_code = int(e.code());
        } catch (const std::exception& e) {
          u.track.path = todo[i];
          u.track.error = std::string("internal error: ") + e.what();
          u.track.error_code = int(ExitCode::internal);
        }
        std::lock_guard lock(queue.mutex);
        queue.items.push_back(std::move(u));
        queue.cv.notify_one();
      });
    } catch (...) {
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
      if (!write_failure) db.commit(batch);
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

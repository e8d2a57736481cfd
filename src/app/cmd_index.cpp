#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/FeatureChoice.h"
#include "app/Interrupt.h"
#include "common/Error.h"
#include "library/FolderWatcher.h"
#include "library/Indexer.h"
#include "library/LibraryProximity.h"
#include "library/LibrarySearch.h"
#include "library/LibraryWatch.h"

namespace soundalike::app {
namespace {

struct IndexOptions {
  std::vector<std::string> roots;
  std::string db;
  std::string features;
  std::string model;
  int jobs = 0;
  bool prune = false;
  std::string normalize = "auto";
  bool json = false;
  bool watch = false;
};

// `index --json`: the summary for scripts; "failed" counts every listed failure, earlier ones included.
nlohmann::json summary_json(const IndexOptions& o, const std::string& kind, const IndexSummary& s, size_t mp_computed,
                            double seconds) {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : s.failures) failures.push_back({{"path", f.path}, {"error", f.reason}, {"exit_code", f.exit_code}});
  return {{"database", o.db},
          {"kind", kind},
          {"found", s.found},
          {"indexed", s.indexed},
          {"unchanged", s.unchanged},
          {"failed", s.failed + s.failed_before},
          {"failed_before", s.failed_before},
          {"pruned", s.pruned},
          {"missing", s.missing},
          {"tags_refreshed", s.tags_refreshed},
          {"interrupted", s.interrupted},
          {"mp_statistics_computed", mp_computed},
          {"elapsed_seconds", seconds},
          {"failures", std::move(failures)}};
}

// `index --watch`: one line per change, flushed at once (stdout is often a pipe to a log or a script).
void print_change(const WatchChange& c, bool json) {
  using Type = WatchChange::Type;
  if (json) {
    nlohmann::json j;
    switch (c.type) {
      case Type::indexed: j = {{"event", "indexed"}, {"path", c.path}}; break;
      case Type::failed: j = {{"event", "failed"}, {"path", c.path}, {"error", c.error}, {"exit_code", c.exit_code}}; break;
      case Type::removed: j = {{"event", "removed"}, {"path", c.path}}; break;
      case Type::rescan: j = {{"event", "rescan"}, {"reason", "inotify queue overflow"}}; break;
    }
    std::cout << j.dump() << std::endl;
    return;
  }
  switch (c.type) {
    case Type::indexed: std::printf("indexed  %s\n", c.path.c_str()); break;
    case Type::failed: std::printf("failed   %s: %s\n", c.path.c_str(), c.error.c_str()); break;
    case Type::removed: std::printf("removed  %s\n", c.path.c_str()); break;
    case Type::rescan: std::printf("rescan   events were lost (inotify queue overflow): walking every folder again\n"); break;
  }
  std::fflush(stdout);
}

int run(const IndexOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const auto extractor = choose_features(o.features, o.model);
  LibraryDb db(o.db, LibraryDb::Mode::read_write);
  const Normalization mp = o.normalize == "auto" ? default_normalization(extractor->kind()) : parse_normalization(o.normalize);
  WatchOptions wo;
  for (const auto& r : o.roots) wo.indexer.roots.emplace_back(r);
  wo.indexer.jobs = o.jobs;
  wo.indexer.prune = o.prune;
  wo.mp_statistics = mp == Normalization::mp;
  wo.on_change = [json = o.json](const WatchChange& c) { print_change(c, json); };
  // The folders are watched before the first pass walks them, so a file written during the pass is
  // either seen by the pass or reported by the watch, never missed.
  std::unique_ptr<FolderWatcher> watcher;
  if (o.watch) {
    watcher = std::make_unique<FolderWatcher>();
    for (const auto& r : wo.indexer.roots) watcher->watch_tree(r);
  }
  IndexerOptions io = o.watch ? full_pass_options(wo) : wo.indexer;
  if (o.prune) io.prune_within_roots = false;  // asked for explicitly: the whole library, as without --watch
  // Without --watch only the indexing is interruptible (Ctrl-C during the statistics stops at once, as
  // before); a watch stays interruptible to the end, since Ctrl-C is how it ends.
  std::optional<ScopedInterrupt> interrupt;
  interrupt.emplace();
  io.cancel = wo.indexer.cancel = interrupt->token();
  const IndexSummary s = run_indexer(db, *extractor, io);
  if (!o.watch) interrupt.reset();

  if (!o.json) {
    std::printf("%zu audio files found: %zu indexed, %zu unchanged, %zu failed", s.found, s.indexed, s.unchanged,
                s.failed + s.failed_before);
    if (s.failed_before) std::printf(" (%zu in earlier runs, unchanged since)", s.failed_before);
    if (s.pruned) std::printf(", %zu pruned", s.pruned);
    if (s.missing) std::printf(", %zu missing (run with --prune to remove them)", s.missing);
    if (s.tags_refreshed) std::printf(", tags of %zu read again (years)", s.tags_refreshed);
    std::printf("; features %s; library %s\n", extractor->kind().c_str(), o.db.c_str());
    if (!s.failures.empty()) {
      std::printf("failed files:\n");
      for (const auto& f : s.failures) std::printf("  %s: %s\n", f.path.c_str(), f.reason.c_str());
    }
  }
  // Mutual-proximity statistics of the songs that lack them (a sample of distances per song), for
  // `similar --normalize mp`; only after a complete run, so an interrupted one stays quick to stop.
  MpUpdate u;
  if (!s.interrupted && wo.mp_statistics) {
    u = update_distance_stats(db, extractor->kind(), Metric::l2, kMpSampleSize, o.jobs);
    if (u.computed && !o.json)
      std::printf("mutual proximity: statistics of %zu songs computed%s\n", u.computed,
                  u.refreshed_all ? " (the library doubled: all refreshed)" : "");
  }
  if (o.json) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Watching, stdout is a stream of objects, one per line, that a script reads as they come.
    const auto summary = summary_json(o, extractor->kind(), s, u.computed, seconds);
    std::cout << (o.watch ? summary.dump() : summary.dump(2)) << std::endl;
  }
  if (s.interrupted) {
    std::fprintf(stderr, "soundalike: interrupted; finished files are saved, run the same command again to go on\n");
    return int(ExitCode::interrupted);
  }
  if (o.watch) {
    if (o.json)
      std::cout << nlohmann::json{{"event", "watching"}, {"folders", o.roots}, {"watches", watcher->watched_folders()}}.dump()
                << std::endl;
    else
      std::printf("watching %zu folder%s (%zu inotify watches); Ctrl-C to stop\n", o.roots.size(),
                  o.roots.size() == 1 ? "" : "s", watcher->watched_folders());
    std::fflush(stdout);
    watch_library(db, *extractor, *watcher, wo);
    // Ctrl-C or SIGTERM is how a watch ends, so it is a success; everything committed stays.
    if (o.json) std::cout << nlohmann::json{{"event", "stopped"}}.dump() << std::endl;
    else std::printf("stopped watching\n");
    return 0;
  }
  if (!s.failures.empty()) return int(ExitCode::partial);
  return 0;
}

}  // namespace

void add_index_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<IndexOptions>(
      app, status, "index", "Add the audio files under folders to a library database (incremental)", run);
  cmd->add_option("dirs", o->roots, "Folders (walked recursively) or audio files")->required();
  add_db_option(cmd, o->db, "created when missing");
  add_features_choice(cmd, o->features);
  add_normalize_option(cmd, o->normalize, "index stores the statistics mp needs");
  add_model_option(cmd, o->model);
  add_jobs_option(cmd, o->jobs);
  cmd->add_flag("--prune", o->prune, "Remove library tracks whose file no longer exists");
  cmd->add_flag("--watch", o->watch,
                "After indexing, follow the folders (inotify) and index new or changed files as they are closed, "
                "prune removed ones, until Ctrl-C or SIGTERM (exit 0); implies --prune below the folders");
  add_json_flag(cmd, o->json,
                "one object at the end: database, kind, found, indexed, unchanged, failed, failures [{path, error, "
                "exit_code}], elapsed_seconds, ...");
  cmd->footer("Exit status: 0 all files indexed or unchanged; 6 some files failed (listed, recorded in the "
              "library, retried when they change); 130 interrupted (finished files are kept). With --watch: 0 once "
              "stopped by Ctrl-C or SIGTERM while watching; --json prints one object per line.");
}

}  // namespace soundalike::app

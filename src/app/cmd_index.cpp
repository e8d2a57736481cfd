#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/FeatureChoice.h"
#include "app/Interrupt.h"
#include "common/Error.h"
#include "library/Indexer.h"
#include "library/LibraryProximity.h"
#include "library/LibrarySearch.h"

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
          {"interrupted", s.interrupted},
          {"mp_statistics_computed", mp_computed},
          {"elapsed_seconds", seconds},
          {"failures", std::move(failures)}};
}

int run(const IndexOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const auto extractor = choose_features(o.features, o.model);
  LibraryDb db(o.db, LibraryDb::Mode::read_write);
  IndexerOptions io;
  for (const auto& r : o.roots) io.roots.emplace_back(r);
  io.jobs = o.jobs;
  io.prune = o.prune;
  IndexSummary s;
  {
    const ScopedInterrupt interrupt;
    io.cancel = interrupt.token();
    s = run_indexer(db, *extractor, io);
  }

  if (!o.json) {
    std::printf("%zu audio files found: %zu indexed, %zu unchanged, %zu failed", s.found, s.indexed, s.unchanged,
                s.failed + s.failed_before);
    if (s.failed_before) std::printf(" (%zu in earlier runs, unchanged since)", s.failed_before);
    if (s.pruned) std::printf(", %zu pruned", s.pruned);
    if (s.missing) std::printf(", %zu missing (run with --prune to remove them)", s.missing);
    std::printf("; features %s; library %s\n", extractor->kind().c_str(), o.db.c_str());
    if (!s.failures.empty()) {
      std::printf("failed files:\n");
      for (const auto& f : s.failures) std::printf("  %s: %s\n", f.path.c_str(), f.reason.c_str());
    }
  }
  // Mutual-proximity statistics of the songs that lack them (a sample of distances per song), for
  // `similar --normalize mp`; only after a complete run, so an interrupted one stays quick to stop.
  const Normalization mp = o.normalize == "auto" ? default_normalization(extractor->kind()) : parse_normalization(o.normalize);
  MpUpdate u;
  if (!s.interrupted && mp == Normalization::mp) {
    u = update_distance_stats(db, extractor->kind(), Metric::l2, kMpSampleSize, o.jobs);
    if (u.computed && !o.json)
      std::printf("mutual proximity: statistics of %zu songs computed%s\n", u.computed,
                  u.refreshed_all ? " (the library doubled: all refreshed)" : "");
  }
  if (o.json) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << summary_json(o, extractor->kind(), s, u.computed, seconds).dump(2) << '\n';
  }
  if (s.interrupted) {
    std::fprintf(stderr, "soundalike: interrupted; finished files are saved, run the same command again to go on\n");
    return int(ExitCode::interrupted);
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
  add_json_flag(cmd, o->json,
                "one object at the end: database, kind, found, indexed, unchanged, failed, failures [{path, error, "
                "exit_code}], elapsed_seconds, ...");
  cmd->footer("Exit status: 0 all files indexed or unchanged; 6 some files failed (listed, recorded in the "
              "library, retried when they change); 130 interrupted (finished files are kept).");
}

}  // namespace soundalike::app

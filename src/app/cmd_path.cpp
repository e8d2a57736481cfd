#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/FeatureChoice.h"
#include "app/LibraryOutput.h"
#include "library/LibrarySearch.h"
#include "recommend/Recommender.h"

namespace soundalike::app {
namespace {

struct PathCli : LibraryCli {
  std::string from, to, metric = "l2", m3u;
  int steps = 8;
  bool json = false;
  PlaylistCli playlist;
};

int run(const PathCli& o) {
  const PlaylistControls controls = o.playlist.controls();
  LibraryDb db(o.db, LibraryDb::Mode::read_only);
  const std::string kind = library_kind(db, o.features, o.model);
  const auto extractor = extractor_for_kind(kind, o.model);
  std::unique_ptr<TrackAnalyzer> analyzer = extractor ? std::make_unique<TrackAnalyzer>(*extractor) : nullptr;
  const QueryTrack a = resolve_query(db, kind, o.from, analyzer.get());
  const QueryTrack b = resolve_query(db, kind, o.to, analyzer.get());
  FaissIndexOptions fo;
  fo.metric = parse_metric(o.metric);
  LibrarySearch search(db, kind, fo);
  const Mix mix = path_mix(db, search, a, b, o.steps, controls);
  if (o.json) {
    std::cout << path_answer(a, b, mix).dump(2) << '\n';
    return 0;
  }
  print_table(mix.results);
  if (const std::string note = shortfall_note(mix); !note.empty()) std::fprintf(stderr, "soundalike: %s\n", note.c_str());
  if (!o.m3u.empty()) write_m3u(o.m3u, mix.results);
  return 0;
}

}  // namespace

void add_path_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<PathCli>(
      app, status, "path", "A playlist that moves smoothly from song A to song B", run);
  cmd->add_option("from", o->from, "Start: library track id or path, or an audio file")->required();
  cmd->add_option("to", o->to, "End: library track id or path, or an audio file")->required();
  o->add(cmd);
  cmd->add_option("--steps", o->steps, "Songs between A and B")->capture_default_str();
  add_metric_option(cmd, o->metric);
  auto* json = add_json_flag(cmd, o->json, "{\"from\": {...}, \"to\": {...}, \"results\": [...]}");
  cmd->add_option("--m3u", o->m3u, "Also write the playlist as M3U")->excludes(json);
  o->playlist.add(cmd);
}

}  // namespace soundalike::app

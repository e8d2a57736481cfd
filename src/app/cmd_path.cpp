#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "app/Commands.h"
#include "app/FeatureChoice.h"
#include "app/LibraryOutput.h"
#include "index/LibrarySearch.h"
#include "index/Recommender.h"

namespace soundalike::app {
namespace {

struct PathCli {
  std::string from, to, db, metric = "l2", m3u, features, model;
  int steps = 8;
  bool json = false;
};

int run(const PathCli& o) {
  LibraryDb db(o.db, LibraryDb::Mode::read_only);
  const std::string kind = library_kind(db, o.features, o.model);
  const auto extractor = extractor_for_kind(kind, o.model);
  std::unique_ptr<TrackAnalyzer> analyzer = extractor ? std::make_unique<TrackAnalyzer>(*extractor) : nullptr;
  const QueryTrack a = resolve_query(db, kind, o.from, analyzer.get());
  const QueryTrack b = resolve_query(db, kind, o.to, analyzer.get());
  FaissIndexOptions fo;
  fo.metric = parse_metric(o.metric);
  LibrarySearch search(db, kind, fo);
  const auto rows = playlist_path(db, search, a, b, o.steps);
  if (o.json) {
    nlohmann::json out{{"from", to_json(a)}, {"to", to_json(b)}, {"results", nlohmann::json::array()}};
    for (const auto& r : rows) out["results"].push_back(to_json(r));
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  print_table(rows);
  if (!o.m3u.empty()) write_m3u(o.m3u, rows);
  return 0;
}

}  // namespace

void add_path_command(CLI::App& app, CommandStatus& status) {
  auto o = std::make_shared<PathCli>();
  CLI::App* cmd = app.add_subcommand("path", "A playlist that moves smoothly from song A to song B");
  cmd->add_option("from", o->from, "Start: library track id or path, or an audio file")->required();
  cmd->add_option("to", o->to, "End: library track id or path, or an audio file")->required();
  cmd->add_option("--db", o->db, "Library database")->required();
  cmd->add_option("--steps", o->steps, "Songs between A and B")->capture_default_str();
  cmd->add_option("--metric", o->metric, "l2 or cosine")->capture_default_str()->check(CLI::IsMember({"l2", "cosine"}));
  auto* json = cmd->add_flag("--json", o->json, "Print JSON");
  cmd->add_option("--m3u", o->m3u, "Also write the playlist as M3U")->excludes(json);
  cmd->add_option("--features", o->features, "Which feature kind to use when the library holds several");
  cmd->add_option("--model", o->model, "A CNN model file (\"default\" = the shipped model)");
  cmd->callback([o, &status] { status.code = run(*o); });
}

}  // namespace soundalike::app

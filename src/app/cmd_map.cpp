#include <cstdio>
#include <memory>
#include <string>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/FeatureChoice.h"
#include "recommend/LibraryMap.h"
#include "recommend/Recommender.h"

namespace soundalike::app {
namespace {

struct MapCli : LibraryCli {
  std::string out, highlight;
  int width = 1200, height = 900, k = 10;
};

int run(const MapCli& o) {
  LibraryDb db(o.db, LibraryDb::Mode::read_only);
  const std::string kind = library_kind(db, o.features, o.model);
  MapOptions mo;
  mo.width = o.width;
  mo.height = o.height;
  if (!o.highlight.empty()) {
    const auto extractor = extractor_for_kind(kind, o.model);
    std::unique_ptr<TrackAnalyzer> analyzer = extractor ? std::make_unique<TrackAnalyzer>(*extractor) : nullptr;
    const QueryTrack q = resolve_query(db, kind, o.highlight, analyzer.get());
    if (q.id) mo.highlight.insert(*q.id);
    LibrarySearch search(db, kind);
    SimilarOptions so;
    so.k = o.k;
    for (const auto& r : recommend(db, search, std::span(&q, 1), so)) mo.highlight.insert(r.track.id);
  }
  const auto points = project_library(db, kind);
  write_png(o.out, render_map(points, mo));
  std::printf("map of %zu songs written to %s\n", points.size(), o.out.c_str());
  return 0;
}

}  // namespace

void add_map_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<MapCli>(
      app, status, "map", "A 2-D picture of the library (PCA), coloured by label or genre", run);
  o->add(cmd);
  cmd->add_option("-o,--output", o->out, "PNG file to write")->required();
  cmd->add_option("--highlight", o->highlight, "Mark a query (track id, path or audio file) and its k nearest songs");
  add_k_option(cmd, o->k, "Neighbours to highlight");
  cmd->add_option("--width", o->width, "Image width")->capture_default_str()->check(CLI::Range(400, 8000));
  cmd->add_option("--height", o->height, "Image height")->capture_default_str()->check(CLI::Range(300, 8000));
}

}  // namespace soundalike::app

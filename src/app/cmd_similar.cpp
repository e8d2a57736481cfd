#include <cstdio>
#include <optional>
#include <string_view>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/FeatureChoice.h"
#include "app/LibraryOutput.h"
#include "common/Error.h"
#include "library/LibrarySearch.h"
#include "recommend/Recommender.h"

namespace soundalike::app {
namespace {

struct SimilarCli : LibraryCli {
  std::vector<std::string> queries;
  int k = 10;
  bool json = false;
  std::string m3u;
  PlaylistCli playlist;
  SearchCli search;
};

int run(const SimilarCli& o) {
  // Bad controls are reported before any audio is analysed.
  const PlaylistControls controls = o.playlist.controls();
  LibraryDb db(o.db, LibraryDb::Mode::read_only);
  const std::string kind = library_kind(db, o.features, o.model);
  const auto extractor = extractor_for_kind(kind, o.model);
  std::unique_ptr<TrackAnalyzer> analyzer = extractor ? std::make_unique<TrackAnalyzer>(*extractor) : nullptr;
  std::vector<QueryTrack> queries;
  for (const auto& q : o.queries) queries.push_back(resolve_query(db, kind, q, analyzer.get()));

  LibrarySearch search(db, kind, o.search.options(kind));
  const Mix mix = similar_mix(db, search, queries, o.k, controls);

  if (o.json) {
    std::cout << similar_answer(to_json(std::span<const QueryTrack>(queries)), search, mix).dump(2) << '\n';
    return 0;
  }
  print_table(mix.results);
  if (const std::string note = shortfall_note(mix); !note.empty()) std::fprintf(stderr, "soundalike: %s\n", note.c_str());
  if (mix.report.shuffle_seed)
    std::fprintf(stderr, "shuffled with --seed %llu\n", static_cast<unsigned long long>(*mix.report.shuffle_seed));
  if (!o.m3u.empty()) {
    write_m3u(o.m3u, mix.results);
    std::fprintf(stderr, "playlist of %zu songs written to %s\n", mix.results.size(), o.m3u.c_str());
  }
  return 0;
}

}  // namespace

void add_similar_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<SimilarCli>(
      app, status, "similar", "The library songs that sound most like one or more query songs", run);
  cmd->add_option("queries", o->queries, "Audio files (in the library or not), library track ids or paths; several seeds: see --seed-mix")
      ->required();
  o->add(cmd);
  add_k_option(cmd, o->k, "Number of songs");
  auto* json = add_json_flag(cmd, o->json, "{\"query\": {...}, \"results\": [...]}");
  cmd->add_option("--m3u", o->m3u, "Also write the results as an M3U playlist")->excludes(json);
  o->playlist.add(cmd);
  o->search.add(cmd);
}

}  // namespace soundalike::app

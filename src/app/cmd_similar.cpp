#include <charconv>
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
#include "index/LibrarySearch.h"
#include "index/Recommender.h"

namespace soundalike::app {
namespace {

struct SimilarCli : LibraryCli {
  std::vector<std::string> queries;
  int k = 10;
  std::string metric = "l2";
  bool json = false;
  std::string m3u;
  int max_per_artist = 0;
  std::string bpm;
  std::vector<std::string> exclude_artists;
  bool ann = false;
  int ef_search = 256;
  std::string normalize = "auto";
};

// An empty side is open: "120:" = at least 120.
std::optional<double> parse_bound(std::string_view text, double open) {
  if (text.empty()) return open;
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::pair<double, double> parse_bpm(const std::string& s) {
  const auto colon = s.find(':');
  if (colon != std::string::npos) {
    const auto a = parse_bound(std::string_view(s).substr(0, colon), 0.0);
    const auto b = parse_bound(std::string_view(s).substr(colon + 1), 1e9);
    if (a && b && *a <= *b) return {*a, *b};
  }
  throw Error(ExitCode::usage, "--bpm wants A:B with A <= B, e.g. 110:130 (got '" + s + "')");
}

int run(const SimilarCli& o) {
  LibraryDb db(o.db, LibraryDb::Mode::read_only);
  const std::string kind = library_kind(db, o.features, o.model);
  const auto extractor = extractor_for_kind(kind, o.model);
  std::unique_ptr<TrackAnalyzer> analyzer = extractor ? std::make_unique<TrackAnalyzer>(*extractor) : nullptr;
  std::vector<QueryTrack> queries;
  for (const auto& q : o.queries) queries.push_back(resolve_query(db, kind, q, analyzer.get()));

  FaissIndexOptions fo;
  fo.metric = parse_metric(o.metric);
  fo.type = o.ann ? IndexType::hnsw : IndexType::automatic;
  fo.hnsw_ef_search = o.ef_search;
  SearchOptions sopt;
  sopt.faiss = fo;
  sopt.timbre.force_filter = o.ann;
  sopt.normalize = o.normalize == "auto" ? default_normalization(kind) : parse_normalization(o.normalize);
  LibrarySearch search(db, kind, sopt);
  SimilarOptions so;
  so.k = o.k;
  so.max_per_artist = o.max_per_artist;
  if (!o.bpm.empty()) so.bpm = parse_bpm(o.bpm);
  so.exclude_artists = o.exclude_artists;
  const auto results = recommend(db, search, queries, so);

  if (o.json) {
    std::cout << similar_answer(to_json(std::span<const QueryTrack>(queries)), search, results).dump(2) << '\n';
    return 0;
  }
  print_table(results);
  if (!o.m3u.empty()) {
    write_m3u(o.m3u, results);
    std::fprintf(stderr, "playlist of %zu songs written to %s\n", results.size(), o.m3u.c_str());
  }
  return 0;
}

}  // namespace

void add_similar_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<SimilarCli>(
      app, status, "similar", "The library songs that sound most like one or more query songs", run);
  cmd->add_option("queries", o->queries, "Audio files (in the library or not), library track ids or paths; several = their centroid")
      ->required();
  o->add(cmd);
  add_k_option(cmd, o->k, "Number of songs");
  add_metric_option(cmd, o->metric);
  auto* json = add_json_flag(cmd, o->json, "{\"query\": {...}, \"results\": [...]}");
  cmd->add_option("--m3u", o->m3u, "Also write the results as an M3U playlist")->excludes(json);
  cmd->add_option("--max-per-artist", o->max_per_artist, "At most N songs per artist");
  cmd->add_option("--bpm", o->bpm, "Only songs with A <= BPM <= B, e.g. 110:130");
  cmd->add_option("--exclude-artist", o->exclude_artists, "Leave out an artist (repeatable)");
  cmd->add_flag("--ann", o->ann, "Approximate search (HNSW) even for a small library");
  cmd->add_option("--ef-search", o->ef_search,
                  "HNSW search breadth (approximate search only): lower is faster, higher finds more of the true "
                  "nearest songs (docs/benchmarks.md)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  add_normalize_option(cmd, o->normalize);
}

}  // namespace soundalike::app

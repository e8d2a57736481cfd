#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/Commands.h"
#include "app/FeatureChoice.h"
#include "app/LibraryOutput.h"
#include "common/Error.h"
#include "index/LibrarySearch.h"
#include "index/Recommender.h"

namespace soundalike::app {
namespace {

struct SimilarCli {
  std::vector<std::string> queries;
  std::string db;
  int k = 10;
  std::string metric = "l2";
  bool json = false;
  std::string m3u;
  int max_per_artist = 0;
  std::string bpm;
  std::vector<std::string> exclude_artists;
  bool ann = false;
  int ef_search = 256;
  std::string features, model;
  std::string normalize = "auto";
};

std::pair<double, double> parse_bpm(const std::string& s) {
  const auto colon = s.find(':');
  try {
    if (colon != std::string::npos) {
      const double a = colon == 0 ? 0.0 : std::stod(s.substr(0, colon));
      const double b = colon + 1 == s.size() ? 1e9 : std::stod(s.substr(colon + 1));
      if (a <= b) return {a, b};
    }
  } catch (const std::exception&) {
  }
  throw Error(ExitCode::usage, "--bpm wants A:B, e.g. 110:130 (got '" + s + "')");
}

int run(const SimilarCli& o) {
  if (o.k <= 0) throw Error(ExitCode::usage, "-k must be positive");
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
    nlohmann::json q = queries.size() == 1 ? to_json(queries.front()) : nlohmann::json::object();
    if (queries.size() > 1) {
      q["tracks"] = nlohmann::json::array();
      for (const auto& t : queries) q["tracks"].push_back(to_json(t));
    }
    describe_search(q, search);
    nlohmann::json out{{"query", q}, {"results", nlohmann::json::array()}};
    for (const auto& r : results) out["results"].push_back(to_json(r));
    std::cout << out.dump(2) << '\n';
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
  auto o = std::make_shared<SimilarCli>();
  CLI::App* cmd = app.add_subcommand("similar", "The library songs that sound most like one or more query songs");
  cmd->add_option("queries", o->queries, "Audio files (in the library or not), library track ids or paths; several = their centroid")
      ->required();
  cmd->add_option("--db", o->db, "Library database")->required();
  cmd->add_option("-k", o->k, "Number of songs")->capture_default_str();
  cmd->add_option("--metric", o->metric, "l2 or cosine")->capture_default_str()->check(CLI::IsMember({"l2", "cosine"}));
  auto* json = cmd->add_flag("--json", o->json, "Print JSON: {\"query\": {...}, \"results\": [...]}");
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
  cmd->add_option("--features", o->features, "Which feature kind to use when the library holds several");
  cmd->add_option("--normalize", o->normalize,
                  "Rescale distances: none, mp (mutual proximity), or auto (mp for timbre, none otherwise)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "none", "mp"}));
  cmd->add_option("--model", o->model, "A CNN model file (\"default\" = the shipped model)");
  cmd->callback([o, &status] { status.code = run(*o); });
}

}  // namespace soundalike::app

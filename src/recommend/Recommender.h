#pragma once
// What `similar` and `path` (and the web server) ask of a library: resolve queries, find neighbours
// under the user's filters, walk from one song to another.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "library/LibraryDb.h"
#include "library/LibrarySearch.h"
#include "recommend/PlaylistControls.h"
#include "library/TrackAnalyzer.h"

namespace soundalike {

struct QueryTrack {
  std::optional<int64_t> id;  // set when the query is a library track
  TrackRow track;             // the library row, or what analysing the file found
  std::vector<float> vector;
};

// `query` is a track id ("42"), a path stored in the library, or an audio file (analysed with
// `analyzer`, which may be null when only library tracks are expected). Throws Error naming the query.
QueryTrack resolve_query(const LibraryDb& db, std::string_view kind, std::string_view query, const TrackAnalyzer* analyzer);

// The library song a `previous` reference (an id or a library path) names; throws Error naming `option`
// and the reference when it names none, or one that could not be indexed.
TrackRow previous_track(const LibraryDb& db, std::string_view ref, std::string_view option);

struct SimilarOptions {
  int k = 10;
  PlaylistControls controls;
};

struct Recommendation {
  int rank = 0;
  float distance = 0.0f;
  TrackRow track;
  std::string label;  // top label of the embedding, else the genre tag, else ""
};

// What a mix answer tells beside its songs.
struct MixReport {
  int requested = 0;  // k, or steps + 2 for a path
  // Per active control (its name, as in PlaylistControls): how many distinct songs it dropped from the
  // candidates looked at before the answer was complete.
  std::map<std::string, int64_t> dropped;
  std::optional<uint64_t> shuffle_seed;  // the seed of the --shuffle-top draw, when there was one
  std::optional<SeedMix> seed_mix;       // how several seeds were combined; none for one seed
};

struct Mix {
  std::vector<Recommendation> results;
  MixReport report;
};

// The mean of the queries' vectors (normalised first for cosine), i.e. what several seeds search for.
std::vector<float> query_centroid(std::span<const QueryTrack> queries, Metric metric);

// The k songs nearest the seeds that pass the controls (and the library's ignore list), nearest first
// (or drawn at random from the N best with shuffle-top); never a seed itself nor a file with the same
// content hash as a seed. Several seeds: interleaved or their centroid (controls.seed_mix). Searches
// ever more candidates until k pass or the library is exhausted, so an answer may hold fewer than k
// songs (report.requested says how many were asked for). Throws Error(usage) for bad controls,
// Error(not_found) for a `previous` song that is not in the library.
Mix similar_mix(const LibraryDb& db, LibrarySearch& search, std::span<const QueryTrack> seeds, int k,
                const PlaylistControls& controls);
std::vector<Recommendation> recommend(const LibraryDb& db, LibrarySearch& search, std::span<const QueryTrack> queries,
                                      const SimilarOptions& options);

// A playlist from a to b: a, then for `steps` evenly spaced points on the line between their vectors the
// nearest track not used yet that passes the controls, then b. No track appears twice (content
// duplicates included); a step where no song passes is left out (fewer than steps + 2 songs).
Mix path_mix(const LibraryDb& db, LibrarySearch& search, const QueryTrack& a, const QueryTrack& b, int steps,
             const PlaylistControls& controls);
std::vector<Recommendation> playlist_path(const LibraryDb& db, LibrarySearch& search, const QueryTrack& a,
                                          const QueryTrack& b, int steps);

// The label a person sees for a track: the first stored label of `kind`, else its genre tag.
std::string display_label(const LibraryDb& db, const TrackRow& track, std::string_view kind);

}  // namespace soundalike

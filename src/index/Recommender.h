#pragma once
// What `similar` and `path` (and the web server) ask of a library: resolve queries, find neighbours
// under the user's filters, walk from one song to another.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/LibraryDb.h"
#include "index/LibrarySearch.h"
#include "index/TrackAnalyzer.h"

namespace soundalike {

struct QueryTrack {
  std::optional<int64_t> id;  // set when the query is a library track
  TrackRow track;             // the library row, or what analysing the file found
  std::vector<float> vector;
};

// `query` is a track id ("42"), a path stored in the library, or an audio file (analysed with
// `analyzer`, which may be null when only library tracks are expected). Throws Error naming the query.
QueryTrack resolve_query(const LibraryDb& db, std::string_view kind, std::string_view query, const TrackAnalyzer* analyzer);

struct SimilarOptions {
  int k = 10;
  int max_per_artist = 0;                         // 0 = no limit
  std::optional<std::pair<double, double>> bpm;  // keep tracks with A <= bpm <= B
  std::vector<std::string> exclude_artists;       // case-insensitive
};

struct Recommendation {
  int rank = 0;
  float distance = 0.0f;
  TrackRow track;
  std::string label;  // top label of the embedding, else the genre tag, else ""
};

// The mean of the queries' vectors (normalised first for cosine), i.e. what several seeds search for.
std::vector<float> query_centroid(std::span<const QueryTrack> queries, Metric metric);

// Nearest tracks to the queries' centroid, nearest first; never a query itself nor a file with the same
// content hash as a query.
std::vector<Recommendation> recommend(const LibraryDb& db, LibrarySearch& search, std::span<const QueryTrack> queries,
                                      const SimilarOptions& options);

// A playlist from a to b: a, then for `steps` evenly spaced points on the line between their vectors the
// nearest track not used yet, then b. No track appears twice (content duplicates included).
std::vector<Recommendation> playlist_path(const LibraryDb& db, LibrarySearch& search, const QueryTrack& a,
                                          const QueryTrack& b, int steps);

// The label a person sees for a track: the first stored label of `kind`, else its genre tag.
std::string display_label(const LibraryDb& db, const TrackRow& track, std::string_view kind);

}  // namespace soundalike

#pragma once
// Printing shared by similar, path and the server: the table, the JSON objects, M3U playlists.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <span>
#include <string>

#include "library/LibrarySearch.h"
#include "recommend/Recommender.h"

namespace soundalike::app {

std::string display_title(const TrackRow& t);  // the title tag, falling back to the file name
std::string artist_title(const TrackRow& t);  // "Artist – Title", falling back to the file name
void print_table(std::span<const Recommendation> rows);
nlohmann::json to_json(const Recommendation& r);
nlohmann::json to_json(const QueryTrack& q);
nlohmann::json to_json(std::span<const Recommendation> rows);  // an array of to_json(row)
// One query track's object, or for several {"tracks": [...]} (their centroid was searched for).
nlohmann::json to_json(std::span<const QueryTrack> queries);
// {"requested", "returned", "fewer_than_k", "short_by", "dropped": {control: songs}, "note"?,
// "seed_mix"?, "shuffle_seed"?}: what the playlist controls did (docs/mixes.md).
nlohmann::json to_json(const Mix& mix);
// "" when the answer holds every song asked for; else one line saying so and which controls dropped how
// many songs, for people (the table's stderr) and in JSON ("note").
std::string shortfall_note(const Mix& mix);
// The JSON of a similar answer, {"query": {...}, "results": [...], "mix": {...}}, built here alone because
// `similar --json` and the server's /similar answers promise the same JSON (LibraryBackend). `query` gains
// what the search was made with: "kind", "metric" and "normalize"; a timbre kind is compared by its
// divergence whatever vector metric was asked for, so its "metric" is that divergence.
nlohmann::json similar_answer(nlohmann::json query, const LibrarySearch& search, const Mix& mix);
// `path --json`: {"from": {...}, "to": {...}, "results": [...], "mix": {...}}.
nlohmann::json path_answer(const QueryTrack& from, const QueryTrack& to, const Mix& mix);
// Throws Error(cannot_write) naming the file.
void write_m3u(const std::filesystem::path& out, std::span<const Recommendation> rows);

}  // namespace soundalike::app

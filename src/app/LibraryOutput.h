#pragma once
// Printing shared by similar, path and the server: the table, the JSON objects, M3U playlists.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <span>
#include <string>

#include "index/LibrarySearch.h"
#include "index/Recommender.h"

namespace soundalike::app {

std::string display_title(const TrackRow& t);  // the title tag, falling back to the file name
std::string artist_title(const TrackRow& t);  // "Artist – Title", falling back to the file name
void print_table(std::span<const Recommendation> rows);
nlohmann::json to_json(const Recommendation& r);
nlohmann::json to_json(const QueryTrack& q);
// Adds what a search was made with to a "query" object: "kind", "metric" and "normalize". `similar --json`
// and the server both call this, since LibraryBackend promises them the same JSON. A timbre kind is
// compared by its divergence whatever vector metric was asked for, so its "metric" is that divergence.
void describe_search(nlohmann::json& query, const LibrarySearch& search);
// Throws Error(cannot_write) naming the file.
void write_m3u(const std::filesystem::path& out, std::span<const Recommendation> rows);

}  // namespace soundalike::app

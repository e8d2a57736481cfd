#pragma once
// Printing shared by similar and path: the table, the JSON objects, M3U playlists.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <span>
#include <string>

#include "index/Recommender.h"

namespace soundalike::app {

std::string display_title(const TrackRow& t);  // the title tag, falling back to the file name
std::string artist_title(const TrackRow& t);  // "Artist – Title", falling back to the file name
void print_table(std::span<const Recommendation> rows);
nlohmann::json to_json(const Recommendation& r);
nlohmann::json to_json(const QueryTrack& q);
// Throws Error(cannot_write) naming the file.
void write_m3u(const std::filesystem::path& out, std::span<const Recommendation> rows);

}  // namespace soundalike::app

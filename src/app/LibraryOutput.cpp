#include "app/LibraryOutput.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "common/Error.h"
#include "library/LibraryProximity.h"

namespace soundalike::app {

std::string display_title(const TrackRow& t) {
  return t.tags.title.empty() ? std::filesystem::path(t.path).stem().string() : t.tags.title;
}

std::string artist_title(const TrackRow& t) {
  const std::string title = display_title(t);
  return t.tags.artist.empty() ? title : t.tags.artist + " \u2013 " + title;
}

void print_table(std::span<const Recommendation> rows) {
  std::printf("%4s  %9s  %-40s  %5s  %-12s  %s\n", "rank", "distance", "artist \u2013 title", "bpm", "label", "path");
  for (const Recommendation& r : rows) {
    const std::string bpm = r.track.descriptors.bpm > 0 ? std::to_string(int(std::lround(r.track.descriptors.bpm))) : "-";
    std::printf("%4d  %9.4f  %-40s  %5s  %-12s  %s\n", r.rank, r.distance, artist_title(r.track).c_str(), bpm.c_str(),
                r.label.empty() ? "-" : r.label.c_str(), r.track.path.c_str());
  }
}

nlohmann::json to_json(const Recommendation& r) {
  return {{"rank", r.rank},
          {"id", r.track.id},
          {"distance", r.distance},
          {"path", r.track.path},
          {"title", r.track.tags.title},
          {"artist", r.track.tags.artist},
          {"album", r.track.tags.album},
          {"genre", r.track.tags.genre},
          {"duration", r.track.duration},
          {"bpm", r.track.descriptors.bpm},
          {"label", r.label}};
}

nlohmann::json to_json(const QueryTrack& q) {
  return {{"id", q.id ? nlohmann::json(*q.id) : nlohmann::json(nullptr)},
          {"path", q.track.path},
          {"title", q.track.tags.title},
          {"artist", q.track.tags.artist},
          {"bpm", q.track.descriptors.bpm}};
}

nlohmann::json to_json(std::span<const Recommendation> rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const Recommendation& r : rows) out.push_back(to_json(r));
  return out;
}

nlohmann::json to_json(std::span<const QueryTrack> queries) {
  if (queries.size() == 1) return to_json(queries.front());
  nlohmann::json out{{"tracks", nlohmann::json::array()}};
  for (const QueryTrack& q : queries) out["tracks"].push_back(to_json(q));
  return out;
}

std::string shortfall_note(const Mix& mix) {
  const size_t returned = mix.results.size();
  if (returned >= size_t(mix.report.requested)) return "";
  std::string note = "only " + std::to_string(returned) + " of the " + std::to_string(mix.report.requested) +
                     " songs asked for pass the controls";
  std::string dropped;
  for (const auto& [control, n] : mix.report.dropped)
    if (n > 0) dropped += (dropped.empty() ? "" : ", ") + control + " " + std::to_string(n);
  return note + (dropped.empty() ? " (the library has no more songs)" : " (dropped: " + dropped + ")");
}

nlohmann::json to_json(const Mix& mix) {
  const int returned = int(mix.results.size());
  nlohmann::json j{{"requested", mix.report.requested},
                   {"returned", returned},
                   {"fewer_than_k", returned < mix.report.requested},
                   {"short_by", std::max(0, mix.report.requested - returned)},
                   {"dropped", mix.report.dropped}};
  if (const std::string note = shortfall_note(mix); !note.empty()) j["note"] = note;
  if (mix.report.seed_mix) j["seed_mix"] = std::string(to_string(*mix.report.seed_mix));
  if (mix.report.shuffle_seed) j["shuffle_seed"] = *mix.report.shuffle_seed;
  return j;
}

nlohmann::json similar_answer(nlohmann::json query, const LibrarySearch& search, const Mix& mix) {
  query["kind"] = search.kind();
  // The name mutual proximity stores its statistics under is exactly this: the divergence for timbre.
  query["metric"] = mp_metric_key(search.kind(), search.metric());
  query["normalize"] = std::string(to_string(search.normalization()));
  return {{"query", std::move(query)}, {"results", to_json(std::span<const Recommendation>(mix.results))}, {"mix", to_json(mix)}};
}

nlohmann::json path_answer(const QueryTrack& from, const QueryTrack& to, const Mix& mix) {
  return {{"from", to_json(from)}, {"to", to_json(to)}, {"results", to_json(std::span<const Recommendation>(mix.results))},
          {"mix", to_json(mix)}};
}

namespace {
// Plain ASCII separator: many players read .m3u as Latin-1.
std::string m3u_name(const TrackRow& t) {
  const std::string title = display_title(t);
  return t.tags.artist.empty() ? title : t.tags.artist + " - " + title;
}
}  // namespace

void write_m3u(const std::filesystem::path& out, std::span<const Recommendation> rows) {
  std::ofstream f(out, std::ios::trunc);
  if (!f) throw InputError(ExitCode::cannot_write, out, "cannot write the playlist");
  f << "#EXTM3U\n";
  for (const Recommendation& r : rows)
    f << "#EXTINF:" << long(std::lround(r.track.duration)) << "," << m3u_name(r.track) << "\n" << r.track.path << "\n";
  if (!f) throw InputError(ExitCode::cannot_write, out, "cannot write the playlist");
}

}  // namespace soundalike::app

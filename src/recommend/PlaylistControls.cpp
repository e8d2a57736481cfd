#include "recommend/PlaylistControls.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "common/Error.h"
#include "common/Text.h"

namespace soundalike {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

constexpr std::array kInfos = {
    PlaylistControlInfo{"previous", "ID|PATH", "Already queued, oldest first (library ids or paths): never returned; "
                                              "counts for --no-repeat-artist/--no-repeat-album", true},
    PlaylistControlInfo{"no-repeat-artist", "N", "No artist again within the last N songs (previous + results)", false},
    PlaylistControlInfo{"no-repeat-album", "N", "No album again within the last N songs (previous + results)", false},
    PlaylistControlInfo{"duration", "MIN:MAX", "Only songs of MIN to MAX seconds; a side may be empty (\"120:\")", false},
    PlaylistControlInfo{"bpm", "A:B", "Only songs with A <= BPM <= B, e.g. 110:130; a side may be empty", false},
    PlaylistControlInfo{"max-bpm-diff", "D", "Only songs within D BPM of a seed (path: of the point between A and B)", false},
    PlaylistControlInfo{"genre", "G", "Only songs of one of these genres or genre groups (genre tag)", true},
    PlaylistControlInfo{"exclude-genre", "G", "Leave out these genres or genre groups", true},
    PlaylistControlInfo{"exclude-artist", "ARTIST", "Leave out an artist (case-insensitive)", true},
    PlaylistControlInfo{"max-per-artist", "N", "At most N songs per artist", false},
    PlaylistControlInfo{"shuffle-top", "N", "Draw the songs at random from the N best (N >= k) instead of taking the best", false},
    PlaylistControlInfo{"seed", "S", "Seed of the --shuffle-top draw (the answer reports the one used)", false},
    PlaylistControlInfo{"seed-mix", "interleave|centroid",
                        "Several seeds: take each seed's neighbours in turn (interleave, default) or the neighbours of "
                        "the seeds' mean vector (centroid; vector kinds only)", false},
};

[[noreturn]] void bad(std::string_view name, std::string_view what, std::string_view value) {
  throw Error(ExitCode::usage, std::string(name) + ": " + std::string(what) + " (got '" + std::string(value) + "')");
}

template <class T>
std::optional<T> number(std::string_view text) {
  text = trim(text);
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if constexpr (std::is_floating_point_v<T>)
    if (!std::isfinite(v)) return std::nullopt;
  return v;
}

int count(std::string_view name, std::string_view value, int lo, int hi) {
  const auto v = number<int>(value);
  if (!v || *v < lo || *v > hi)
    bad(name, "wants a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", value);
  return *v;
}

ValueRange range(std::string_view name, std::string_view value) {
  const auto colon = value.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view a = trim(value.substr(0, colon)), b = trim(value.substr(colon + 1));
    const auto lo = a.empty() ? std::optional<double>(0.0) : number<double>(a);
    const auto hi = b.empty() ? std::optional<double>(1e9) : number<double>(b);
    if (lo && hi && *lo >= 0 && *lo <= *hi) return {*lo, *hi};
  }
  bad(name, "wants MIN:MAX with 0 <= MIN <= MAX, e.g. 110:130", value);
}

std::string nonempty(std::string_view name, std::string_view value) {
  const std::string_view v = trim(value);
  if (v.empty()) bad(name, "wants a value", value);
  return std::string(v);
}

}  // namespace

std::span<const PlaylistControlInfo> playlist_control_infos() { return kInfos; }

std::string_view to_string(SeedMix m) { return m == SeedMix::centroid ? "centroid" : "interleave"; }

void set_playlist_control(PlaylistControls& c, std::string_view name, std::string_view value) {
  if (name == "previous") c.previous.push_back(nonempty(name, value));
  else if (name == "no-repeat-artist") c.no_repeat_artist = count(name, value, 0, 100000);
  else if (name == "no-repeat-album") c.no_repeat_album = count(name, value, 0, 100000);
  else if (name == "duration") c.duration = range(name, value);
  else if (name == "bpm") c.bpm = range(name, value);
  else if (name == "max-bpm-diff") {
    const auto d = number<double>(value);
    if (!d || *d < 0) bad(name, "wants a number of BPM >= 0", value);
    c.max_bpm_diff = *d;
  } else if (name == "genre") c.genres.push_back(nonempty(name, value));
  else if (name == "exclude-genre") c.exclude_genres.push_back(nonempty(name, value));
  else if (name == "exclude-artist") c.exclude_artists.push_back(nonempty(name, value));
  else if (name == "max-per-artist") c.max_per_artist = count(name, value, 0, 1000000);
  else if (name == "shuffle-top") c.shuffle_top = count(name, value, 0, 1000000);
  else if (name == "seed") {
    const auto s = number<uint64_t>(value);
    if (!s) bad(name, "wants a whole number >= 0", value);
    c.seed = *s;
  } else if (name == "seed-mix") {
    if (value == "interleave") c.seed_mix = SeedMix::interleave;
    else if (value == "centroid") c.seed_mix = SeedMix::centroid;
    else bad(name, "wants interleave or centroid", value);
  } else {
    throw Error(ExitCode::usage, "unknown playlist control '" + std::string(name) + "'");
  }
}

std::vector<std::string> genre_tokens(std::string_view tag) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= tag.size(); ++i) {
    // Taggers join several genres with any of these; none occurs inside a common genre name.
    if (i == tag.size() || tag[i] == ';' || tag[i] == ',' || tag[i] == '/' || tag[i] == '|') {
      const std::string_view t = trim(tag.substr(start, i - start));
      if (!t.empty()) out.push_back(to_lower(t));
      start = i + 1;
    }
  }
  return out;
}

std::set<std::string> expand_genre(const GenreGroups& groups, std::string_view name) {
  const std::string key = to_lower(trim(name));
  std::set<std::string> out{key};
  if (auto it = groups.find(key); it != groups.end()) out.insert(it->second.begin(), it->second.end());
  return out;
}

GenreGroups parse_genre_groups(std::string_view text, const std::filesystem::path& source) {
  GenreGroups groups;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string_view l = line;
    if (const auto hash = l.find('#'); hash != std::string_view::npos) l = l.substr(0, hash);
    l = trim(l);
    if (l.empty()) continue;
    const auto eq = l.find('=');
    const std::string name = eq == std::string_view::npos ? std::string() : to_lower(trim(l.substr(0, eq)));
    const auto members = eq == std::string_view::npos ? std::vector<std::string>{} : genre_tokens(l.substr(eq + 1));
    if (name.empty() || members.empty())
      throw InputError(ExitCode::usage, source,
                       "line " + std::to_string(number) + ": want 'GROUP = GENRE, GENRE, ...', got '" + std::string(l) + "'");
    groups[name].insert(members.begin(), members.end());
  }
  return groups;
}

GenreGroups load_genre_groups(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(ExitCode::not_found, file, "cannot read the genre groups file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_genre_groups(text.str(), file);
}

}  // namespace soundalike

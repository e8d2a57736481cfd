#pragma once
// The controls a person steers a mix with (docs/mixes.md). One set, named once here, so that
// `similar`, `path` and the HTTP API cannot come to mean different things by "--bpm" or "genre": the
// CLI passes each flag's text, the server each query parameter's, to set_playlist_control.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace soundalike {

struct ValueRange {
  double lo = 0, hi = 0;  // inclusive
  bool contains(double v) const { return v >= lo && v <= hi; }
};

// How several seeds become one list: each seed's own neighbours taken in turn (interleave), or the
// neighbours of the mean of their vectors (centroid; for vector kinds only).
enum class SeedMix { interleave, centroid };

// Named sets of genre tags, lower-case: `--genre rock` matches every genre of the group "rock".
using GenreGroups = std::map<std::string, std::set<std::string>>;
// The format of a genre groups file: one group per line, `NAME = GENRE, GENRE, ...`; '#' starts a
// comment. Throws InputError(usage) naming the file and line.
GenreGroups parse_genre_groups(std::string_view text, const std::filesystem::path& source);
GenreGroups load_genre_groups(const std::filesystem::path& file);  // + InputError(not_found)

struct PlaylistControls {
  std::vector<std::string> previous;  // already queued, oldest first: library ids or paths
  int no_repeat_artist = 0;           // no artist again within the last N songs (previous + results)
  int no_repeat_album = 0;
  std::optional<ValueRange> duration;  // seconds
  std::optional<ValueRange> bpm;
  std::optional<double> max_bpm_diff;  // within D BPM of a seed (of the point between the two, for path)
  std::vector<std::string> genres;     // keep songs with one of these genres (or groups)
  std::vector<std::string> exclude_genres;
  std::vector<std::string> exclude_artists;
  int max_per_artist = 0;  // 0 = no limit
  int shuffle_top = 0;     // > 0: the songs are drawn at random from the N best
  std::optional<uint64_t> seed;  // of that draw; a random one (reported) when none is given
  SeedMix seed_mix = SeedMix::interleave;
  GenreGroups genre_groups;  // never from a request: a file the command or server was started with
  bool honour_ignore_list = true;
};

// What the front ends declare: name (flag without "--", query parameter), its value, help.
struct PlaylistControlInfo {
  std::string_view name, value, help;
  bool repeatable;  // a list: each occurrence adds values
};
std::span<const PlaylistControlInfo> playlist_control_infos();

// Sets one control from its text. Throws Error(usage) "NAME: what is wrong (got 'VALUE')" for a bad
// value or an unknown name.
void set_playlist_control(PlaylistControls& controls, std::string_view name, std::string_view value);

std::string_view to_string(SeedMix m);

// A genre tag split into its genres, lower-case ("Rock; Pop/Dance" -> rock, pop, dance).
std::vector<std::string> genre_tokens(std::string_view tag);
// The genres `name` stands for: the group's members and the name itself, lower-case.
std::set<std::string> expand_genre(const GenreGroups& groups, std::string_view name);

}  // namespace soundalike

#include "synth/Genre.h"

#include <algorithm>

#include "common/Error.h"

namespace soundalike::synth {

std::string_view genre_name(Genre genre) {
  static constexpr std::array<std::string_view, 10> names = {"blues", "classical", "country", "disco", "hiphop",
                                                              "jazz",  "metal",     "pop",     "reggae", "rock"};
  return names[size_t(genre)];
}

Genre parse_genre(std::string_view name) {
  for (Genre g : kAllGenres)
    if (genre_name(g) == name) return g;
  std::string valid;
  for (Genre g : kAllGenres) valid += (valid.empty() ? "" : ", ") + std::string(genre_name(g));
  throw Error(ExitCode::usage, "unknown genre \"" + std::string(name) + "\" (expected one of: " + valid + ")");
}

std::vector<Genre> parse_genre_list(std::string_view list) {
  if (list.empty()) return {kAllGenres.begin(), kAllGenres.end()};
  std::vector<Genre> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const Genre g = parse_genre(list.substr(start, comma - start));
    if (std::find(out.begin(), out.end(), g) != out.end())
      throw Error(ExitCode::usage, "genre \"" + std::string(genre_name(g)) + "\" is listed twice");
    out.push_back(g);
    start = comma + 1;
  }
  return out;
}

}  // namespace soundalike::synth

#pragma once
// The ten GTZAN genres, in GTZAN's (alphabetical) order.
#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace soundalike::synth {

enum class Genre { blues, classical, country, disco, hiphop, jazz, metal, pop, reggae, rock };

inline constexpr std::array<Genre, 10> kAllGenres = {Genre::blues, Genre::classical, Genre::country, Genre::disco,
                                                     Genre::hiphop, Genre::jazz,      Genre::metal,   Genre::pop,
                                                     Genre::reggae, Genre::rock};

std::string_view genre_name(Genre genre);
// Throws Error(usage) naming the valid genres.
Genre parse_genre(std::string_view name);
// "blues,jazz" -> {blues, jazz}; empty -> all ten. Throws Error(usage) on an unknown or repeated name.
std::vector<Genre> parse_genre_list(std::string_view list);

}  // namespace soundalike::synth

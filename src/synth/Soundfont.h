#pragma once
// Finding a General MIDI soundfont: the one file the generator cannot make itself.
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>

namespace soundalike::synth {

inline constexpr std::string_view kSoundfontPackage = "timgm6mb-soundfont";
inline constexpr std::string_view kSoundfontEnv = "SOUNDALIKE_SOUNDFONT";
// Colon-separated list that replaces the built-in search list (for soundfonts kept elsewhere).
inline constexpr std::string_view kSoundfontSearchEnv = "SOUNDALIKE_SOUNDFONT_PATH";

// Where Debian's GM soundfont packages put their files, best quality per megabyte first.
std::span<const std::string_view> default_soundfont_paths();

// Order: `requested` (--soundfont), then $SOUNDALIKE_SOUNDFONT, then the search list
// ($SOUNDALIKE_SOUNDFONT_PATH or the Debian paths). A named file that is missing throws
// InputError(not_found); finding nothing throws Error(missing_resource) naming the package to install.
std::filesystem::path find_soundfont(const std::optional<std::filesystem::path>& requested = std::nullopt);

}  // namespace soundalike::synth

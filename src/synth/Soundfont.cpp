#include "synth/Soundfont.h"

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/Error.h"

namespace soundalike::synth {
namespace {

namespace fs = std::filesystem;

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);  // follows symlinks, so a dangling alternatives link does not count
}

std::string env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  return v ? v : "";
}

}  // namespace

std::span<const std::string_view> default_soundfont_paths() {
  static constexpr std::array<std::string_view, 7> paths{
      "/usr/share/sounds/sf2/TimGM6mb.sf2",           // timgm6mb-soundfont, 6 MB
      "/usr/share/sounds/sf2/default-GM.sf2",         // whichever GM soundfont the alternatives system picked
      "/usr/share/sounds/sf2/FluidR3_GM.sf2",         // fluid-soundfont-gm, 140 MB
      "/usr/share/sounds/sf3/default-GM.sf3",
      "/usr/share/sounds/sf3/MuseScore_General.sf3",  // musescore-general-soundfont
      "/usr/share/sounds/sf3/FluidR3Mono_GM.sf3",
      "/usr/share/soundfonts/default.sf2",            // the Fedora/Arch convention, for other systems
  };
  return paths;
}

fs::path find_soundfont(const std::optional<fs::path>& requested) {
  if (requested) {
    if (!is_file(*requested)) throw InputError(ExitCode::not_found, *requested, "no such soundfont file (--soundfont)");
    return *requested;
  }
  if (const std::string from_env = env(kSoundfontEnv); !from_env.empty()) {
    if (!is_file(from_env))
      throw InputError(ExitCode::not_found, from_env, "no such soundfont file ($" + std::string(kSoundfontEnv) + ")");
    return from_env;
  }
  std::vector<std::string> candidates;
  if (const std::string search = env(kSoundfontSearchEnv); !search.empty()) {
    for (size_t start = 0; start <= search.size();) {
      const size_t colon = std::min(search.find(':', start), search.size());
      if (colon > start) candidates.push_back(search.substr(start, colon - start));
      start = colon + 1;
    }
  } else {
    for (std::string_view p : default_soundfont_paths()) candidates.emplace_back(p);
  }
  std::string looked;
  for (const std::string& c : candidates) {
    if (is_file(c)) return c;
    looked += (looked.empty() ? "" : ", ") + c;
  }
  throw Error(ExitCode::missing_resource,
              "no General MIDI soundfont found (looked in " + (looked.empty() ? std::string("nothing") : looked) +
                  "); install one with `apt-get install " + std::string(kSoundfontPackage) +
                  "`, or name one with --soundfont PATH or $" + std::string(kSoundfontEnv));
}

}  // namespace soundalike::synth

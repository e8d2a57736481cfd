#include "audio/AudioFiles.h"

#include <set>
#include <string>

#include "common/Text.h"

namespace soundalike {

bool is_audio_extension(const std::filesystem::path& path) {
  static const std::set<std::string> kExtensions = {".mp3", ".flac", ".ogg", ".oga",  ".opus", ".m4a", ".mp4",
                                                    ".aac", ".wav",  ".wma", ".aif",  ".aiff", ".ape", ".wv",
                                                    ".mka", ".webm", ".mpc", ".au"};
  return kExtensions.contains(to_lower(path.extension().string()));
}

}  // namespace soundalike

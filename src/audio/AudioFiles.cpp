#include "audio/AudioFiles.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

namespace soundalike {

bool is_audio_extension(const std::filesystem::path& path) {
  static const std::set<std::string> kExtensions = {".mp3", ".flac", ".ogg", ".oga",  ".opus", ".m4a", ".mp4",
                                                    ".aac", ".wav",  ".wma", ".aif",  ".aiff", ".ape", ".wv",
                                                    ".mka", ".webm", ".mpc", ".au"};
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return kExtensions.contains(ext);
}

}  // namespace soundalike

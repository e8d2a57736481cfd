#pragma once
// Which files are music, by name: what the indexer, the watcher and the training data loaders pick up
// when they walk a folder (anything else — covers, cue sheets, playlists — is left alone).
#include <filesystem>

namespace soundalike {

// Case-insensitive: the common audio containers FFmpeg reads (MP3, FLAC, Ogg/Opus, MP4/M4A, WAV, AIFF,
// WMA, Matroska/WebM, APE, WavPack, Musepack, AU).
bool is_audio_extension(const std::filesystem::path& path);

}  // namespace soundalike

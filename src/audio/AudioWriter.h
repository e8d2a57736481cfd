#pragma once
// Float samples -> a WAV (16-bit PCM) or FLAC file through FFmpeg, with tags. The bytes depend only on
// the samples, the format and the tags: FFmpeg's bitexact mode keeps its version strings out of the file,
// so generated corpora hash the same on every machine with the same FFmpeg major version.
#include <filesystem>
#include <span>

#include "audio/AudioDecoder.h"

namespace soundalike {

enum class AudioFileFormat { wav, flac };

// "wav" | "flac" -> the format; anything else throws Error(usage).
AudioFileFormat parse_audio_file_format(std::string_view name);
std::string_view extension(AudioFileFormat format);  // "wav" or "flac", no dot

struct AudioWriteOptions {
  AudioFileFormat format = AudioFileFormat::wav;
  int sample_rate = 22050;
  int channels = 1;  // 1 = mono, 2 = interleaved stereo (L R L R ...)
  AudioTags tags;    // empty fields are not written
};

// Samples are scaled by 32768, rounded and clipped to 16 bits (both formats store 16-bit samples), the
// inverse of the decoder's int16 -> float, so a round trip is exact to half a step.
// Failures throw InputError(ExitCode::cannot_write, path, reason). Writes `path` directly; callers that
// need all-or-nothing files write to a temporary name and rename.
void write_audio_file(const std::filesystem::path& path, std::span<const float> interleaved,
                      const AudioWriteOptions& options);

}  // namespace soundalike

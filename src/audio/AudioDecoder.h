#pragma once
// Any file FFmpeg can read -> mono float32 at one sample rate, plus what the container says about it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace soundalike {

struct AudioTags {
  std::string title;
  std::string artist;
  std::string album;
  std::string genre;
  std::optional<int> track;
  std::optional<int> year;  // from the date or year tag ("1999-05-01" -> 1999)
};

struct AudioInfo {
  std::string container;   // FFmpeg demuxer name, e.g. "mp3", "ogg", "mov,mp4,m4a,3gp,3g2,mj2"
  std::string codec;       // e.g. "mp3", "vorbis", "flac", "pcm_s16le"
  int sample_rate = 0;     // of the audio stream, before resampling
  int channels = 0;
  double duration = 0.0;   // seconds, as the container declares it (0 when unknown)
  int64_t bit_rate = 0;    // bits per second (0 when unknown)
  AudioTags tags;
};

struct DecodeOptions {
  int sample_rate = 22050;
  double offset = 0.0;                 // seconds from the start; seeks rather than decodes up to it
  std::optional<double> duration;      // seconds; none = to the end
};

struct DecodedAudio {
  std::vector<float> samples;  // mono: the mean of all channels (so opposite-phase stereo cancels)
  int sample_rate = 0;
  double offset = 0.0;         // where samples[0] sits in the file, seconds
  AudioInfo info;
  double seconds() const { return sample_rate ? double(samples.size()) / sample_rate : 0.0; }
};

// Stateless: every call opens its own FFmpeg contexts, so one decoder (or many) may be used from
// several threads at once. Failures throw InputError naming the file and the reason.
class AudioDecoder {
 public:
  explicit AudioDecoder(DecodeOptions options = {});

  const DecodeOptions& options() const { return options_; }

  // Reads the container header only (fast); does not check that the audio decodes.
  AudioInfo probe(const std::filesystem::path& path) const;

  DecodedAudio decode(const std::filesystem::path& path) const;
  DecodedAudio decode(const std::filesystem::path& path, const DecodeOptions& options) const;

  // For uploads: decodes bytes held in memory. `name` only labels error messages.
  DecodedAudio decode_memory(std::span<const std::byte> bytes, std::string_view name) const;
  DecodedAudio decode_memory(std::span<const std::byte> bytes, std::string_view name,
                             const DecodeOptions& options) const;

 private:
  DecodeOptions options_;
};

}  // namespace soundalike

#pragma once
// Any file FFmpeg can read -> an MP3 or Ogg Opus stream at a chosen bit rate, produced piece by piece so
// that a server can send it while it is made (players on a slow link ask for a lower bit rate, and some
// cannot play FLAC or Vorbis at all).
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace soundalike {

enum class StreamCodec { mp3, opus };

struct TranscodeOptions {
  StreamCodec codec = StreamCodec::mp3;
  int kbps = 192;            // clamped to what the codec accepts (MP3 32-320, Opus 6-510)
  double start_seconds = 0;  // seeks there first; past the end gives a valid stream with no audio
};

std::string_view content_type(StreamCodec codec);  // "audio/mpeg", "audio/ogg"
std::string_view suffix(StreamCodec codec);        // "mp3", "opus"
int clamp_kbps(StreamCodec codec, int kbps);
int default_kbps(StreamCodec codec);  // when nothing is asked: 192 for MP3, 128 for Opus

// Opening throws InputError naming the file (missing, not media, no audio), or Error(missing_resource)
// when this FFmpeg build has no encoder for the codec. One transcoder belongs to one thread at a time.
class AudioTranscoder {
 public:
  AudioTranscoder(const std::filesystem::path& input, const TranscodeOptions& options);
  ~AudioTranscoder();
  AudioTranscoder(const AudioTranscoder&) = delete;
  AudioTranscoder& operator=(const AudioTranscoder&) = delete;

  // The next bytes of the encoded file (tens of kilobytes at a time); empty once the file is complete.
  // Packets the decoder rejects are skipped, as players do.
  std::string next_chunk();

  // Output channels and sample rate (what the encoder was opened with).
  int channels() const;
  int sample_rate() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soundalike

#pragma once
// Opening a media file (or bytes in memory) with FFmpeg and choosing its audio stream, shared by the
// readers of this folder (AudioDecoder, AudioTranscoder, CoverArt). Private to src/audio, like FfmpegSupport.h.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>

#include "audio/FfmpegSupport.h"

namespace soundalike::ffmpeg {

// Serves FFmpeg's reads and seeks from bytes in memory (uploads).
struct MemoryReader {
  std::span<const std::byte> bytes;
  int64_t pos = 0;
  static int read(void* opaque, uint8_t* buf, int size);
  static int64_t seek(void* opaque, int64_t offset, int whence);
};

// Either a path or bytes in memory; `label` is what error messages name.
struct Source {
  std::filesystem::path label;
  std::optional<std::filesystem::path> path;
  std::span<const std::byte> bytes;
};

struct OpenMedia {
  std::unique_ptr<MemoryReader> reader;  // must outlive avio
  std::unique_ptr<AVIOContext, AvioFree> avio;
  std::unique_ptr<AVFormatContext, FormatCloser> format;
  AVStream* stream = nullptr;
  const AVCodec* codec = nullptr;
};

// Throws InputError naming the file: missing, a directory, empty, unreadable, not media, no audio stream, or
// no decoder for it in this FFmpeg build.
OpenMedia open_media(const Source& src);

// The decoder of the chosen stream, on one thread (parallelism comes from many files at once). Throws
// InputError(undecodable) naming `label` when it cannot be opened.
CodecPtr open_decoder(const OpenMedia& m, const std::filesystem::path& label);

// Seeks to a little before `seconds` and flushes the decoder: lossy codecs (MP3's bit reservoir, MDCT
// overlap) need a few frames of history before their output is right, so the caller drops the samples
// before `seconds` by their timestamps (seconds_at). Where the container cannot seek, decoding simply
// starts at the beginning and the same dropping applies.
void seek_before(OpenMedia& m, AVCodecContext& decoder, double seconds);

// Where a timestamp of the chosen stream lies, in seconds from the stream's start.
double seconds_at(const OpenMedia& m, int64_t pts);

}  // namespace soundalike::ffmpeg

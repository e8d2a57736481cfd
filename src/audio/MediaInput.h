#pragma once
// Opening a media file (or bytes in memory) with FFmpeg and choosing its audio stream, shared by the
// readers of this folder (AudioDecoder, AudioTranscoder). Private to src/audio, like FfmpegSupport.h.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>

extern "C" {
#include <libavformat/avformat.h>
#include <libswresample/swresample.h>
}

namespace soundalike::ffmpeg {

struct FormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct SwrFree {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
struct AvioFree {
  void operator()(AVIOContext* c) const {
    if (c) {
      av_freep(&c->buffer);
      avio_context_free(&c);
    }
  }
};

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

}  // namespace soundalike::ffmpeg

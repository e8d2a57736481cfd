#include "audio/MediaInput.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include "audio/FfmpegSupport.h"
#include "common/Error.h"

namespace soundalike::ffmpeg {
namespace fs = std::filesystem;

int MemoryReader::read(void* opaque, uint8_t* buf, int size) {
  auto* r = static_cast<MemoryReader*>(opaque);
  const int64_t left = int64_t(r->bytes.size()) - r->pos;
  if (left <= 0) return AVERROR_EOF;
  const int n = int(std::min<int64_t>(left, size));
  std::memcpy(buf, r->bytes.data() + r->pos, size_t(n));
  r->pos += n;
  return n;
}
int64_t MemoryReader::seek(void* opaque, int64_t offset, int whence) {
  auto* r = static_cast<MemoryReader*>(opaque);
  const auto size = int64_t(r->bytes.size());
  if (whence == AVSEEK_SIZE) return size;
  whence &= ~AVSEEK_FORCE;
  int64_t target = offset;
  if (whence == SEEK_CUR) target = r->pos + offset;
  else if (whence == SEEK_END) target = size + offset;
  else if (whence != SEEK_SET) return AVERROR(EINVAL);
  if (target < 0 || target > size) return AVERROR(EINVAL);
  r->pos = target;
  return target;
}

namespace {

void check_file(const fs::path& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) throw InputError(ExitCode::not_found, path, "no such file");
  if (fs::is_directory(status)) throw InputError(ExitCode::not_found, path, "is a directory, not a file");
  const auto size = fs::file_size(path, ec);
  if (ec) throw InputError(ExitCode::not_found, path, "cannot read the file size: " + ec.message());
  if (size == 0) throw InputError(ExitCode::undecodable, path, "empty file (0 bytes)");
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw InputError(ExitCode::not_found, path, "cannot open the file (permission denied?)");
}

}  // namespace

OpenMedia open_media(const Source& src) {
  quiet_logging();
  OpenMedia m;
  // Checked before the context exists: nothing owns it until avformat_open_input, so a throw would leak it.
  if (src.path)
    check_file(*src.path);
  else if (src.bytes.empty())
    throw InputError(ExitCode::undecodable, src.label, "empty upload (0 bytes)");
  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) throw Error(ExitCode::internal, "out of memory allocating a format context");
  if (!src.path) {
    m.reader = std::make_unique<MemoryReader>(MemoryReader{src.bytes, 0});
    constexpr int kBufferSize = 1 << 16;
    auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
    m.avio.reset(avio_alloc_context(buffer, kBufferSize, 0, m.reader.get(), &MemoryReader::read, nullptr,
                                    &MemoryReader::seek));
    if (!m.avio) {
      av_free(buffer);
      avformat_free_context(raw);
      throw Error(ExitCode::internal, "out of memory allocating an I/O context");
    }
    raw->pb = m.avio.get();
    raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  }
  const std::string url = src.path ? src.path->string() : std::string();
  if (int err = avformat_open_input(&raw, url.c_str(), nullptr, nullptr); err < 0) {
    // avformat_open_input frees the context on failure.
    if (err == AVERROR(ENOENT)) throw InputError(ExitCode::not_found, src.label, "no such file");
    if (err == AVERROR(EACCES)) throw InputError(ExitCode::not_found, src.label, "permission denied");
    throw InputError(ExitCode::undecodable, src.label, "not a recognised audio or media file (" + error_text(err) + ")");
  }
  m.format.reset(raw);
  if (int err = avformat_find_stream_info(raw, nullptr); err < 0)
    throw InputError(ExitCode::undecodable, src.label, "cannot read the stream layout (" + error_text(err) + ")");

  const AVCodec* codec = nullptr;
  const int index = av_find_best_stream(raw, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
  if (index == AVERROR_STREAM_NOT_FOUND) {
    bool has_video = false;
    for (unsigned i = 0; i < raw->nb_streams; ++i)
      has_video |= raw->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
    throw InputError(ExitCode::no_audio, src.label,
                     has_video ? "no audio stream (the file holds video only)" : "no audio stream");
  }
  if (index == AVERROR_DECODER_NOT_FOUND || !codec)
    throw InputError(ExitCode::undecodable, src.label, "no decoder for this audio codec in this FFmpeg build");
  if (index < 0) throw InputError(ExitCode::undecodable, src.label, "cannot select an audio stream (" + error_text(index) + ")");
  m.stream = raw->streams[index];
  m.codec = codec;
  return m;
}


CodecPtr open_decoder(const OpenMedia& m, const fs::path& label) {
  CodecPtr ctx(avcodec_alloc_context3(m.codec));
  if (!ctx) throw Error(ExitCode::internal, "out of memory allocating a codec context");
  avcodec_parameters_to_context(ctx.get(), m.stream->codecpar);
  ctx->thread_count = 1;
  ctx->pkt_timebase = m.stream->time_base;  // lets the decoder shift timestamps when it drops priming samples
  if (int err = avcodec_open2(ctx.get(), m.codec, nullptr); err < 0)
    throw InputError(ExitCode::undecodable, label,
                     std::string("cannot open the ") + avcodec_get_name(m.stream->codecpar->codec_id) + " decoder (" +
                         error_text(err) + ")");
  return ctx;
}

namespace {
int64_t stream_origin(const AVStream* st) { return st->start_time != AV_NOPTS_VALUE ? st->start_time : 0; }
}  // namespace

void seek_before(OpenMedia& m, AVCodecContext& decoder, double seconds) {
  constexpr double kPreRollSeconds = 0.25;
  const AVStream* st = m.stream;
  const auto target = int64_t(std::max(0.0, seconds - kPreRollSeconds) / av_q2d(st->time_base)) + stream_origin(st);
  if (avformat_seek_file(m.format.get(), st->index, INT64_MIN, target, target, 0) < 0)
    av_seek_frame(m.format.get(), st->index, target, AVSEEK_FLAG_BACKWARD);  // else: decode and discard
  avcodec_flush_buffers(&decoder);
}

double seconds_at(const OpenMedia& m, int64_t pts) {
  return double(pts - stream_origin(m.stream)) * av_q2d(m.stream->time_base);
}

}  // namespace soundalike::ffmpeg

#include "audio/AudioWriter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "audio/FfmpegSupport.h"
#include "common/Error.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
}

namespace soundalike {
namespace {

namespace fs = std::filesystem;

struct OutputCloser {
  void operator()(AVFormatContext* c) const {
    if (!c) return;
    if (c->pb && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};

class Encoder {
 public:
  Encoder(const fs::path& path, const AudioWriteOptions& o) : path_(path) {
    ffmpeg::quiet_logging();
    const char* muxer = o.format == AudioFileFormat::wav ? "wav" : "flac";
    AVFormatContext* raw = nullptr;
    check(avformat_alloc_output_context2(&raw, nullptr, muxer, path.c_str()), "cannot set up the muxer");
    format_.reset(raw);
    // No "Lavf58.x" encoder strings: identical samples must give identical bytes on every machine.
    format_->flags |= AVFMT_FLAG_BITEXACT;

    const AVCodecID id = o.format == AudioFileFormat::wav ? AV_CODEC_ID_PCM_S16LE : AV_CODEC_ID_FLAC;
    const AVCodec* codec = avcodec_find_encoder(id);
    if (!codec) fail(std::string("this FFmpeg has no ") + (id == AV_CODEC_ID_FLAC ? "FLAC" : "PCM") + " encoder");
    stream_ = avformat_new_stream(format_.get(), nullptr);
    if (!stream_) fail("cannot add an audio stream");
    codec_.reset(avcodec_alloc_context3(codec));
    if (!codec_) fail("out of memory");
    codec_->sample_fmt = AV_SAMPLE_FMT_S16;
    codec_->sample_rate = o.sample_rate;
    av_channel_layout_default(&codec_->ch_layout, o.channels);
    codec_->time_base = AVRational{1, o.sample_rate};
    codec_->flags |= AV_CODEC_FLAG_BITEXACT;
    if (format_->oformat->flags & AVFMT_GLOBALHEADER) codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    check(avcodec_open2(codec_.get(), codec, nullptr), "cannot open the encoder");
    check(avcodec_parameters_from_context(stream_->codecpar, codec_.get()), "cannot copy encoder parameters");
    stream_->time_base = codec_->time_base;

    auto tag = [&](const char* key, const std::string& value) {
      if (!value.empty()) av_dict_set(&format_->metadata, key, value.c_str(), 0);
    };
    tag("title", o.tags.title);
    tag("artist", o.tags.artist);
    tag("album", o.tags.album);
    tag("genre", o.tags.genre);
    if (o.tags.track) tag("track", std::to_string(*o.tags.track));
    if (o.tags.year) tag("date", std::to_string(*o.tags.year));

    check(avio_open(&format_->pb, path.c_str(), AVIO_FLAG_WRITE), "cannot open for writing");
    check(avformat_write_header(format_.get(), nullptr), "cannot write the header");
    packet_.reset(av_packet_alloc());
    if (!packet_) fail("out of memory");
  }

  void write(std::span<const float> interleaved, int channels) {
    // PCM takes any frame size; FLAC wants its own, with a smaller last frame allowed.
    const int frame_size = codec_->frame_size > 0 ? codec_->frame_size : 4096;
    const size_t total = interleaved.size() / size_t(channels);
    int64_t pts = 0;
    for (size_t start = 0; start < total; start += size_t(frame_size)) {
      const int n = int(std::min<size_t>(size_t(frame_size), total - start));
      ffmpeg::FramePtr frame(av_frame_alloc());
      if (!frame) fail("out of memory");
      frame->nb_samples = n;
      frame->format = codec_->sample_fmt;
      frame->sample_rate = codec_->sample_rate;
      check(av_channel_layout_copy(&frame->ch_layout, &codec_->ch_layout), "cannot set the channel layout");
      check(av_frame_get_buffer(frame.get(), 0), "out of memory");
      auto* out = reinterpret_cast<int16_t*>(frame->data[0]);
      const float* in = interleaved.data() + start * size_t(channels);
      // FFmpeg's own convention (and AudioDecoder's inverse): scale by 2^15, clip to the int16 range.
      for (size_t i = 0; i < size_t(n) * size_t(channels); ++i)
        out[i] = int16_t(std::clamp(std::lrint(double(in[i]) * 32768.0), -32768L, 32767L));
      frame->pts = pts;
      pts += n;
      check(avcodec_send_frame(codec_.get(), frame.get()), "encoding failed");
      drain();
    }
    check(avcodec_send_frame(codec_.get(), nullptr), "encoding failed");
    drain();
    check(av_write_trailer(format_.get()), "cannot finish the file");
    check(avio_closep(&format_->pb), "cannot close the file");
  }

 private:
  void drain() {
    for (;;) {
      const int r = avcodec_receive_packet(codec_.get(), packet_.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      check(r, "encoding failed");
      av_packet_rescale_ts(packet_.get(), codec_->time_base, stream_->time_base);
      packet_->stream_index = stream_->index;
      check(av_interleaved_write_frame(format_.get(), packet_.get()), "cannot write audio data");
    }
  }
  void check(int r, const char* what) const {
    if (r < 0) fail(std::string(what) + " (" + ffmpeg::error_text(r) + ")");
  }
  [[noreturn]] void fail(const std::string& reason) const { throw InputError(ExitCode::cannot_write, path_, reason); }

  fs::path path_;
  std::unique_ptr<AVFormatContext, OutputCloser> format_;
  ffmpeg::CodecPtr codec_;
  ffmpeg::PacketPtr packet_;
  AVStream* stream_ = nullptr;
};

}  // namespace

AudioFileFormat parse_audio_file_format(std::string_view name) {
  if (name == "wav") return AudioFileFormat::wav;
  if (name == "flac") return AudioFileFormat::flac;
  throw Error(ExitCode::usage, "unknown audio format \"" + std::string(name) + "\" (expected wav or flac)");
}

std::string_view extension(AudioFileFormat format) { return format == AudioFileFormat::wav ? "wav" : "flac"; }

void write_audio_file(const fs::path& path, std::span<const float> interleaved, const AudioWriteOptions& options) {
  if (options.channels < 1 || options.channels > 2)
    throw InputError(ExitCode::cannot_write, path, "only mono or stereo can be written");
  if (options.sample_rate <= 0) throw InputError(ExitCode::cannot_write, path, "sample rate must be positive");
  if (interleaved.size() % size_t(options.channels) != 0)
    throw InputError(ExitCode::cannot_write, path, "sample count is not a multiple of the channel count");
  Encoder encoder(path, options);
  encoder.write(interleaved, options.channels);
}

}  // namespace soundalike

#include "audio/AudioDecoder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

#include "audio/FfmpegSupport.h"
#include "audio/MediaInput.h"
#include "common/Error.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

namespace soundalike {
namespace {

namespace fs = std::filesystem;

std::string tag(const AVFormatContext* f, const AVStream* s, const char* key) {
  // Vorbis comments live on the stream, ID3 and MP4 atoms on the container: look at both.
  if (const AVDictionaryEntry* e = av_dict_get(f->metadata, key, nullptr, 0)) return e->value;
  if (const AVDictionaryEntry* e = av_dict_get(s->metadata, key, nullptr, 0)) return e->value;
  return {};
}

std::optional<int> parse_track(const std::string& text) {
  int value = 0;
  const char* begin = text.data();
  while (begin < text.data() + text.size() && *begin == ' ') ++begin;
  auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), value);  // "3/12" -> 3
  if (ec != std::errc() || ptr == begin) return std::nullopt;
  return value;
}

// The first run of exactly four digits: "1999", "1999-05-01", "(p) 1999 Label" all say 1999.
std::optional<int> parse_year(const std::string& text) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (size_t i = 0; i < text.size();) {
    if (!digit(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && digit(text[j])) ++j;
    if (j - i == 4 && text[i] != '0') return std::stoi(text.substr(i, 4));
    i = j;
  }
  return std::nullopt;
}

AudioInfo describe(const ffmpeg::OpenMedia& m) {
  const AVFormatContext* f = m.format.get();
  const AVStream* s = m.stream;
  AudioInfo info;
  info.container = f->iformat ? f->iformat->name : "";
  info.codec = avcodec_get_name(s->codecpar->codec_id);
  info.sample_rate = s->codecpar->sample_rate;
  info.channels = s->codecpar->ch_layout.nb_channels;
  if (s->duration != AV_NOPTS_VALUE && s->duration > 0)
    info.duration = double(s->duration) * av_q2d(s->time_base);
  else if (f->duration != AV_NOPTS_VALUE && f->duration > 0)
    info.duration = double(f->duration) / AV_TIME_BASE;
  info.bit_rate = f->bit_rate > 0 ? f->bit_rate : s->codecpar->bit_rate;
  info.tags.title = tag(f, s, "title");
  info.tags.artist = tag(f, s, "artist");
  info.tags.album = tag(f, s, "album");
  info.tags.genre = tag(f, s, "genre");
  info.tags.track = parse_track(tag(f, s, "track"));
  info.tags.year = parse_year(tag(f, s, "date"));
  if (!info.tags.year) info.tags.year = parse_year(tag(f, s, "year"));
  return info;
}

void validate(const DecodeOptions& o) {
  if (o.sample_rate < 1000 || o.sample_rate > 768000)
    throw Error(ExitCode::usage, "sample rate must be between 1000 and 768000 Hz, got " + std::to_string(o.sample_rate));
  if (!(o.offset >= 0.0) || !std::isfinite(o.offset))
    throw Error(ExitCode::usage, "offset must be a non-negative number of seconds");
  if (o.duration && (!(*o.duration > 0.0) || !std::isfinite(*o.duration)))
    throw Error(ExitCode::usage, "duration must be a positive number of seconds");
}

// Downmixes (mean of channels) and resamples to mono float, created for the first frame's format.
class MonoResampler {
 public:
  MonoResampler(const AVFrame& frame, int out_rate, const fs::path& label) : label_(label) {
    AVChannelLayout in_layout{};
    if (frame.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || av_channel_layout_check(&frame.ch_layout) == 0)
      av_channel_layout_default(&in_layout, frame.ch_layout.nb_channels);
    else
      av_channel_layout_copy(&in_layout, &frame.ch_layout);
    channels_ = in_layout.nb_channels;
    format_ = AVSampleFormat(frame.format);
    rate_ = frame.sample_rate;
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    SwrContext* raw = nullptr;
    int err = swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_FLT, out_rate, &in_layout, format_, rate_, 0, nullptr);
    av_channel_layout_uninit(&in_layout);
    swr_.reset(raw);
    if (err < 0 || !raw) throw InputError(ExitCode::undecodable, label_, "cannot set up resampling (" + ffmpeg::error_text(err) + ")");
    // A plain mean, not FFmpeg's -3 dB centre mix: documented, and what the parity tests assert.
    std::vector<double> matrix(size_t(channels_), 1.0 / channels_);
    if ((err = swr_set_matrix(raw, matrix.data(), channels_)) < 0 || (err = swr_init(raw)) < 0)
      throw InputError(ExitCode::undecodable, label_, "cannot set up resampling (" + ffmpeg::error_text(err) + ")");
  }

  bool matches(const AVFrame& f) const {
    return f.format == format_ && f.sample_rate == rate_ && f.ch_layout.nb_channels == channels_;
  }

  int input_rate() const { return rate_; }

  // Appends the resampled form of `count` input samples starting at `first`.
  void push(const AVFrame& frame, int first, int count, std::vector<float>& out) {
    const int bps = av_get_bytes_per_sample(format_);
    const bool planar = av_sample_fmt_is_planar(format_);
    std::vector<const uint8_t*> in(size_t(planar ? channels_ : 1));
    for (size_t c = 0; c < in.size(); ++c)
      in[c] = frame.extended_data[c] + size_t(first) * bps * (planar ? 1 : channels_);
    convert(in.data(), count, out);
  }

  void flush(std::vector<float>& out) { convert(nullptr, 0, out); }

 private:
  void convert(const uint8_t** in, int count, std::vector<float>& out) {
    for (;;) {
      const int room = swr_get_out_samples(swr_.get(), count) + 16;
      const size_t old = out.size();
      out.resize(old + size_t(room));
      auto* dst = reinterpret_cast<uint8_t*>(out.data() + old);
      const int got = swr_convert(swr_.get(), &dst, room, in, count);
      if (got < 0) {
        out.resize(old);
        throw InputError(ExitCode::undecodable, label_, "resampling failed (" + ffmpeg::error_text(got) + ")");
      }
      out.resize(old + size_t(got));
      if (in || got == 0) return;  // flushing drains until nothing is left
    }
  }

  fs::path label_;
  std::unique_ptr<SwrContext, ffmpeg::SwrFree> swr_;
  AVSampleFormat format_ = AV_SAMPLE_FMT_NONE;
  int rate_ = 0;
  int channels_ = 0;
};

DecodedAudio decode_source(const ffmpeg::Source& src, const DecodeOptions& opt) {
  validate(opt);
  ffmpeg::OpenMedia m = ffmpeg::open_media(src);
  DecodedAudio result;
  result.info = describe(m);
  result.sample_rate = opt.sample_rate;
  result.offset = opt.offset;
  const double declared = result.info.duration;
  if (opt.offset > 0 && declared > 0 && opt.offset >= declared)
    throw InputError(ExitCode::usage, src.label,
                     "offset " + std::to_string(opt.offset) + " s is past the end (" + std::to_string(declared) + " s)");

  const ffmpeg::CodecPtr ctx = ffmpeg::open_decoder(m, src.label);
  AVStream* st = m.stream;
  if (opt.offset > 0) ffmpeg::seek_before(m, *ctx, opt.offset);  // the samples before it are dropped below
  const double end_time = opt.duration ? opt.offset + *opt.duration : INFINITY;

  ffmpeg::PacketPtr packet(av_packet_alloc());
  ffmpeg::FramePtr frame(av_frame_alloc());
  std::unique_ptr<MonoResampler> resampler;
  double clock = opt.offset > 0 ? -1.0 : 0.0;  // seconds; -1 until a timestamp is seen after a seek
  double decoded_until = 0.0;
  int corrupt_packets = 0;
  int read_error = 0;
  bool window_complete = false;

  auto take_frames = [&]() {
    for (;;) {
      const int err = avcodec_receive_frame(ctx.get(), frame.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      if (err < 0) {
        ++corrupt_packets;
        return;
      }
      const AVFrame& f = *frame;
      const double rate = f.sample_rate;
      // From the start of the file the decoder's own output (priming already dropped) is the timeline;
      // after a seek only the frame timestamps say where we landed.
      double t0 = clock;
      if (opt.offset > 0 && f.best_effort_timestamp != AV_NOPTS_VALUE)
        t0 = ffmpeg::seconds_at(m, f.best_effort_timestamp);
      else if (t0 < 0)
        t0 = opt.offset;
      clock = t0 + f.nb_samples / rate;
      decoded_until = std::max(decoded_until, clock);
      int first = 0;
      int count = f.nb_samples;
      if (t0 < opt.offset) first = std::min(count, int(std::lround((opt.offset - t0) * rate)));
      if (clock > end_time) {
        count = std::max(0, int(std::lround((end_time - t0) * rate)));
        window_complete = true;
      }
      if (count > first) {
        if (resampler && !resampler->matches(f)) {
          resampler->flush(result.samples);
          resampler.reset();
        }
        if (!resampler) resampler = std::make_unique<MonoResampler>(f, opt.sample_rate, src.label);
        resampler->push(f, first, count - first, result.samples);
      }
      av_frame_unref(frame.get());
      if (window_complete) return;
    }
  };

  while (!window_complete) {
    const int err = av_read_frame(m.format.get(), packet.get());
    if (err == AVERROR_EOF) break;
    if (err < 0) {
      read_error = err;
      break;
    }
    if (packet->stream_index == st->index) {
      const int sent = avcodec_send_packet(ctx.get(), packet.get());
      if (sent < 0 && sent != AVERROR(EAGAIN)) ++corrupt_packets;
      else take_frames();
    }
    av_packet_unref(packet.get());
  }
  if (!window_complete) {
    avcodec_send_packet(ctx.get(), nullptr);
    take_frames();
  }
  if (resampler) resampler->flush(result.samples);

  if (opt.duration) {
    const auto wanted = size_t(std::llround(*opt.duration * opt.sample_rate));
    if (result.samples.size() > wanted) result.samples.resize(wanted);
  }
  if (result.samples.empty()) {
    if (corrupt_packets > 0 || read_error < 0)
      throw InputError(ExitCode::undecodable, src.label,
                       "no decodable audio (" + std::to_string(corrupt_packets) + " corrupt packets" +
                           (read_error < 0 ? ", read error: " + ffmpeg::error_text(read_error) : std::string()) + ")");
    if (opt.offset > 0) throw InputError(ExitCode::usage, src.label, "no audio after the requested offset");
    throw InputError(ExitCode::no_audio, src.label, "the audio stream is empty (0 samples)");
  }
  // A header that promises more than the data holds means the file was cut short. Bitrate-based
  // estimates are guesses from the (already cut) file size, so they prove nothing either way.
  const bool header_duration = m.format->duration_estimation_method != AVFMT_DURATION_FROM_BITRATE;
  if (!window_complete && declared > 0 && header_duration &&
      decoded_until < declared - std::max(0.5, 0.05 * declared)) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "truncated: decodes to %.2f s of the %.2f s its header declares", decoded_until,
                  declared);
    throw InputError(ExitCode::undecodable, src.label, msg);
  }
  for (float& x : result.samples)
    if (!std::isfinite(x)) x = 0.0f;  // float PCM may carry NaN/inf; nothing downstream should see them
  return result;
}

}  // namespace

AudioDecoder::AudioDecoder(DecodeOptions options) : options_(options) { validate(options_); }

AudioInfo AudioDecoder::probe(const std::filesystem::path& path) const {
  return describe(ffmpeg::open_media(ffmpeg::Source{path, path, {}}));
}

DecodedAudio AudioDecoder::decode(const std::filesystem::path& path) const { return decode(path, options_); }

DecodedAudio AudioDecoder::decode(const std::filesystem::path& path, const DecodeOptions& options) const {
  return decode_source(ffmpeg::Source{path, path, {}}, options);
}

DecodedAudio AudioDecoder::decode_memory(std::span<const std::byte> bytes, std::string_view name) const {
  return decode_memory(bytes, name, options_);
}

DecodedAudio AudioDecoder::decode_memory(std::span<const std::byte> bytes, std::string_view name,
                                         const DecodeOptions& options) const {
  return decode_source(ffmpeg::Source{fs::path(name), std::nullopt, bytes}, options);
}

}  // namespace soundalike

#include "audio/AudioTranscoder.h"

#include <algorithm>
#include <cmath>

#include "audio/FfmpegSupport.h"
#include "audio/MediaInput.h"
#include "common/Error.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

namespace soundalike {
namespace {

struct OutputFree {
  void operator()(AVFormatContext* c) const { avformat_free_context(c); }  // pb is ours, freed apart
};
struct FifoFree {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};

// Big enough that a server sends few, full chunks; small enough that the first arrives at once.
constexpr size_t kChunkBytes = 32 * 1024;

const AVCodec* find_encoder(StreamCodec codec) {
  const AVCodec* c = avcodec_find_encoder_by_name(codec == StreamCodec::mp3 ? "libmp3lame" : "libopus");
  if (!c) c = avcodec_find_encoder(codec == StreamCodec::mp3 ? AV_CODEC_ID_MP3 : AV_CODEC_ID_OPUS);
  if (!c)
    throw Error(ExitCode::missing_resource,
                std::string("this FFmpeg build has no ") + (codec == StreamCodec::mp3 ? "MP3" : "Opus") + " encoder");
  return c;
}

// The input's rate when the encoder takes it (no resampling needed), else the codec's usual rate.
int choose_rate(const AVCodec* enc, StreamCodec codec, int input_rate) {
  const int fallback = codec == StreamCodec::mp3 ? 44100 : 48000;
  if (!enc->supported_samplerates) return input_rate > 0 ? input_rate : fallback;
  for (const int* r = enc->supported_samplerates; *r; ++r)
    if (*r == input_rate) return input_rate;
  return fallback;
}

}  // namespace

std::string_view content_type(StreamCodec codec) { return codec == StreamCodec::mp3 ? "audio/mpeg" : "audio/ogg"; }
std::string_view suffix(StreamCodec codec) { return codec == StreamCodec::mp3 ? "mp3" : "opus"; }

int default_kbps(StreamCodec codec) { return codec == StreamCodec::mp3 ? 192 : 128; }

int clamp_kbps(StreamCodec codec, int kbps) {
  return codec == StreamCodec::mp3 ? std::clamp(kbps, 32, 320) : std::clamp(kbps, 6, 510);
}

struct AudioTranscoder::Impl {
  std::filesystem::path label;
  ffmpeg::OpenMedia in;
  ffmpeg::CodecPtr decoder;
  ffmpeg::CodecPtr encoder;
  std::unique_ptr<AVIOContext, ffmpeg::AvioFree> out_io;
  std::unique_ptr<AVFormatContext, OutputFree> out;
  AVStream* out_stream = nullptr;
  std::unique_ptr<SwrContext, ffmpeg::SwrFree> resampler;
  std::unique_ptr<AVAudioFifo, FifoFree> fifo;
  ffmpeg::PacketPtr packet{av_packet_alloc()};
  ffmpeg::FramePtr decoded{av_frame_alloc()};
  ffmpeg::FramePtr converted{av_frame_alloc()};
  std::string pending;  // what the muxer wrote since the last chunk
  double start = 0;
  int64_t next_pts = 0;
  bool input_done = false;
  bool finished = false;

  static int write(void* opaque, uint8_t* buf, int size) {
    static_cast<Impl*>(opaque)->pending.append(reinterpret_cast<const char*>(buf), size_t(size));
    return size;
  }

  void check(int err, const char* what) const {
    if (err < 0) throw InputError(ExitCode::undecodable, label, std::string(what) + " (" + ffmpeg::error_text(err) + ")");
  }

  void open(const TranscodeOptions& o) {
    in = ffmpeg::open_media(ffmpeg::Source{label, label, {}});
    decoder = ffmpeg::open_decoder(in, label);

    const AVCodec* codec = find_encoder(o.codec);
    encoder.reset(avcodec_alloc_context3(codec));
    if (!encoder) throw Error(ExitCode::internal, "out of memory allocating a codec context");
    encoder->sample_rate = choose_rate(codec, o.codec, decoder->sample_rate);
    // Stereo stays stereo, more channels fold to it; mono stays mono (half the bits for the same quality).
    av_channel_layout_default(&encoder->ch_layout, decoder->ch_layout.nb_channels >= 2 ? 2 : 1);
    encoder->sample_fmt = codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
    encoder->bit_rate = int64_t(clamp_kbps(o.codec, o.kbps)) * 1000;
    encoder->time_base = AVRational{1, encoder->sample_rate};
    encoder->thread_count = 1;

    AVFormatContext* raw = nullptr;
    check(avformat_alloc_output_context2(&raw, nullptr, o.codec == StreamCodec::mp3 ? "mp3" : "ogg", nullptr),
          "cannot set up the muxer");
    out.reset(raw);
    if (out->oformat->flags & AVFMT_GLOBALHEADER) encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    // maxBitRate is a cap the listener's link needs: Opus's free VBR overshoots it by half on tonal music.
    if (o.codec == StreamCodec::opus) av_opt_set(encoder->priv_data, "vbr", "constrained", 0);
    if (int err = avcodec_open2(encoder.get(), codec, nullptr); err < 0)
      throw Error(ExitCode::internal, std::string("cannot open the ") + codec->name + " encoder (" + ffmpeg::error_text(err) + ")");

    constexpr int kBufferSize = 1 << 16;
    auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
    out_io.reset(avio_alloc_context(buffer, kBufferSize, 1, this, nullptr, &Impl::write, nullptr));
    if (!out_io) {
      av_free(buffer);
      throw Error(ExitCode::internal, "out of memory allocating an I/O context");
    }
    out->pb = out_io.get();
    out->flags |= AVFMT_FLAG_CUSTOM_IO;
    // Players show the tags of what they play: the input's, wherever its container keeps them.
    av_dict_copy(&out->metadata, in.format->metadata, 0);
    av_dict_copy(&out->metadata, in.stream->metadata, 0);
    out_stream = avformat_new_stream(out.get(), nullptr);
    if (!out_stream) throw Error(ExitCode::internal, "out of memory allocating a stream");
    check(avcodec_parameters_from_context(out_stream->codecpar, encoder.get()), "cannot describe the output stream");
    out_stream->time_base = encoder->time_base;
    check(avformat_write_header(out.get(), nullptr), "cannot write the output header");

    fifo.reset(av_audio_fifo_alloc(encoder->sample_fmt, encoder->ch_layout.nb_channels, encoder->frame_size > 0 ? encoder->frame_size : 1024));
    if (!fifo) throw Error(ExitCode::internal, "out of memory allocating a sample queue");

    start = o.start_seconds > 0 && std::isfinite(o.start_seconds) ? o.start_seconds : 0;
    if (start > 0) ffmpeg::seek_before(in, *decoder, start);
  }

  // Converts `count` samples of `frame` from `first` on (all of them when frame is null: the resampler's
  // tail) into the encoder's format and queues them.
  void queue(const AVFrame* frame, int first, int count) {
    if (!resampler) {
      if (!frame) return;
      AVChannelLayout in_layout{};
      if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || av_channel_layout_check(&frame->ch_layout) == 0)
        av_channel_layout_default(&in_layout, frame->ch_layout.nb_channels);
      else
        av_channel_layout_copy(&in_layout, &frame->ch_layout);
      SwrContext* raw = nullptr;
      const int err = swr_alloc_set_opts2(&raw, &encoder->ch_layout, encoder->sample_fmt, encoder->sample_rate,
                                          &in_layout, AVSampleFormat(frame->format), frame->sample_rate, 0, nullptr);
      av_channel_layout_uninit(&in_layout);
      resampler.reset(raw);
      check(err, "cannot set up resampling");
      check(swr_init(raw), "cannot set up resampling");
    }
    const uint8_t* planes[AV_NUM_DATA_POINTERS] = {};
    const uint8_t** src = nullptr;
    if (frame) {
      const int bps = av_get_bytes_per_sample(AVSampleFormat(frame->format));
      const bool planar = av_sample_fmt_is_planar(AVSampleFormat(frame->format));
      const int channels = frame->ch_layout.nb_channels;
      for (int c = 0; c < (planar ? std::min(channels, AV_NUM_DATA_POINTERS) : 1); ++c)
        planes[c] = frame->extended_data[c] + size_t(first) * bps * (planar ? 1 : channels);
      src = planes;
    }
    const int room = swr_get_out_samples(resampler.get(), frame ? count : 0) + 32;
    av_frame_unref(converted.get());
    converted->format = encoder->sample_fmt;
    converted->sample_rate = encoder->sample_rate;
    converted->nb_samples = room;
    av_channel_layout_copy(&converted->ch_layout, &encoder->ch_layout);
    check(av_frame_get_buffer(converted.get(), 0), "out of memory for resampled audio");
    const int got = swr_convert(resampler.get(), converted->extended_data, room, src, frame ? count : 0);
    check(got, "resampling failed");
    if (got > 0 && av_audio_fifo_write(fifo.get(), reinterpret_cast<void**>(converted->extended_data), got) < got)
      throw Error(ExitCode::internal, "out of memory queueing audio");
  }

  // Feeds the encoder whole frames from the queue (and the short or padded last one when `drain`).
  void encode_queued(bool drain) {
    const int frame_size = encoder->frame_size > 0 ? encoder->frame_size : 1024;
    const bool small_last = encoder->codec->capabilities & (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE);
    while (av_audio_fifo_size(fifo.get()) >= frame_size || (drain && av_audio_fifo_size(fifo.get()) > 0)) {
      const int n = std::min(frame_size, av_audio_fifo_size(fifo.get()));
      ffmpeg::FramePtr f(av_frame_alloc());
      f->format = encoder->sample_fmt;
      f->sample_rate = encoder->sample_rate;
      f->nb_samples = small_last ? n : frame_size;
      av_channel_layout_copy(&f->ch_layout, &encoder->ch_layout);
      check(av_frame_get_buffer(f.get(), 0), "out of memory for an audio frame");
      if (f->nb_samples > n)
        av_samples_set_silence(f->extended_data, n, f->nb_samples - n, f->ch_layout.nb_channels, encoder->sample_fmt);
      if (av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(f->extended_data), n) < n)
        throw Error(ExitCode::internal, "reading queued audio failed");
      f->pts = next_pts;
      next_pts += f->nb_samples;
      send_to_encoder(f.get());
    }
  }

  void send_to_encoder(const AVFrame* frame) {
    if (int err = avcodec_send_frame(encoder.get(), frame); err < 0 && err != AVERROR_EOF)
      throw Error(ExitCode::internal, "encoding failed (" + ffmpeg::error_text(err) + ")");
    ffmpeg::PacketPtr encoded(av_packet_alloc());
    for (;;) {
      const int err = avcodec_receive_packet(encoder.get(), encoded.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      if (err < 0) throw Error(ExitCode::internal, "encoding failed (" + ffmpeg::error_text(err) + ")");
      av_packet_rescale_ts(encoded.get(), encoder->time_base, out_stream->time_base);
      encoded->stream_index = out_stream->index;
      if (int w = av_write_frame(out.get(), encoded.get()); w < 0)
        throw Error(ExitCode::internal, "writing the stream failed (" + ffmpeg::error_text(w) + ")");
      av_packet_unref(encoded.get());
    }
  }

  void take_decoded() {
    for (;;) {
      const int err = avcodec_receive_frame(decoder.get(), decoded.get());
      if (err < 0) return;  // EAGAIN, EOF, or a frame the decoder could not make: skipped
      int first = 0;
      // After a seek the frame timestamps say where we landed; the samples before the start are dropped.
      if (start > 0 && decoded->best_effort_timestamp != AV_NOPTS_VALUE) {
        const double t0 = ffmpeg::seconds_at(in, decoded->best_effort_timestamp);
        if (t0 < start) first = std::min(decoded->nb_samples, int(std::lround((start - t0) * decoded->sample_rate)));
      }
      if (first < decoded->nb_samples) queue(decoded.get(), first, decoded->nb_samples - first);
      av_frame_unref(decoded.get());
    }
  }

  // One step of the pipeline: read a packet and push what it yields through; at the end, drain everything
  // and write the trailer.
  void step() {
    if (!input_done) {
      const int err = av_read_frame(in.format.get(), packet.get());
      if (err < 0) {  // the end, or a read error that ends the file here: what came so far is still a file
        input_done = true;
        avcodec_send_packet(decoder.get(), nullptr);
        take_decoded();
        return;
      }
      if (packet->stream_index == in.stream->index && avcodec_send_packet(decoder.get(), packet.get()) >= 0)
        take_decoded();
      av_packet_unref(packet.get());
      encode_queued(false);
      return;
    }
    queue(nullptr, 0, 0);
    encode_queued(true);
    send_to_encoder(nullptr);
    if (int err = av_write_trailer(out.get()); err < 0)
      throw Error(ExitCode::internal, "finishing the stream failed (" + ffmpeg::error_text(err) + ")");
    avio_flush(out_io.get());
    finished = true;
  }
};

AudioTranscoder::AudioTranscoder(const std::filesystem::path& input, const TranscodeOptions& options)
    : impl_(std::make_unique<Impl>()) {
  ffmpeg::quiet_logging();
  impl_->label = input;
  impl_->open(options);
}

AudioTranscoder::~AudioTranscoder() = default;

std::string AudioTranscoder::next_chunk() {
  Impl& t = *impl_;
  while (!t.finished && t.pending.size() < kChunkBytes) {
    t.step();
    avio_flush(t.out_io.get());  // else the muxer's bytes wait in its 64 KB buffer
  }
  std::string chunk;
  chunk.swap(t.pending);
  return chunk;
}

int AudioTranscoder::channels() const { return impl_->encoder->ch_layout.nb_channels; }
int AudioTranscoder::sample_rate() const { return impl_->encoder->sample_rate; }

}  // namespace soundalike

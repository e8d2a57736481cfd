// Front-end speed on one core: decoding 30 s of MP3, FLAC and WAV to 22050 Hz mono, the log-mel, and
// transcoding 30 s of FLAC for a Subsonic stream (MP3, Opus).
// Run: build/bench/bench_frontend   (make sure nothing else is running; see docs/benchmarks.md)
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numbers>
#include <random>
#include <string>

#include "audio/AudioDecoder.h"
#include "audio/AudioTranscoder.h"
#include "features/MelSpectrogram.h"

namespace fs = std::filesystem;
using namespace soundalike;

namespace {

// 30 s of 44.1 kHz stereo music-like material (chords + noise bursts), made once with ffmpeg's
// sine/noise sources, then encoded the way libraries usually hold music.
const fs::path& fixtures() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / "soundalike-bench-frontend";
    fs::create_directories(d);
    if (!fs::exists(d / "clip.mp3")) {
      const std::string src = "-f lavfi -i \"sine=f=220:d=30:r=44100\" -f lavfi -i \"sine=f=277:d=30:r=44100\" "
                              "-f lavfi -i \"anoisesrc=d=30:c=pink:r=44100:a=0.1\" "
                              "-filter_complex \"[0][1][2]amix=inputs=3,volume=1.5,aformat=channel_layouts=stereo\" ";
      const std::string out = (d / "clip").string();
      const std::string cmd = "ffmpeg -nostdin -v error -y " + src + "-c:a pcm_s16le '" + out + ".wav' && " +
                              "ffmpeg -nostdin -v error -y -i '" + out + ".wav' '" + out + ".flac' && " +
                              "ffmpeg -nostdin -v error -y -i '" + out + ".wav' -b:a 192k '" + out + ".mp3'";
      if (std::system(cmd.c_str()) != 0) std::abort();
    }
    return d;
  }();
  return dir;
}

void decode(benchmark::State& state, const char* name) {
  const fs::path file = fixtures() / name;
  const AudioDecoder decoder;
  size_t samples = 0;
  for (auto _ : state) samples = decoder.decode(file).samples.size();
  state.counters["audio_s"] = double(samples) / 22050.0;
  state.counters["x_realtime"] = benchmark::Counter(double(samples) / 22050.0, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(decode, mp3_30s, "clip.mp3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(decode, flac_30s, "clip.flac")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(decode, wav_30s, "clip.wav")->Unit(benchmark::kMillisecond);

// What one listener of a transcoded Subsonic stream costs: x_realtime = seconds of audio per CPU second.
void transcode(benchmark::State& state, StreamCodec codec, int kbps) {
  const fs::path file = fixtures() / "clip.flac";
  size_t bytes = 0;
  for (auto _ : state) {
    AudioTranscoder t(file, {codec, kbps, 0});
    bytes = 0;
    for (std::string c = t.next_chunk(); !c.empty(); c = t.next_chunk()) bytes += c.size();
  }
  state.counters["kbps_out"] = double(bytes) * 8 / 30 / 1000;
  state.counters["x_realtime"] = benchmark::Counter(30.0, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(transcode, flac_to_mp3_192k_30s, StreamCodec::mp3, 192)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(transcode, flac_to_mp3_64k_30s, StreamCodec::mp3, 64)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(transcode, flac_to_opus_128k_30s, StreamCodec::opus, 128)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(transcode, flac_to_opus_64k_30s, StreamCodec::opus, 64)->Unit(benchmark::kMillisecond);

void logmel_30s(benchmark::State& state) {
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  std::vector<float> x(30 * 22050);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.3f * float(std::sin(2 * std::numbers::pi * 440 * double(i) / 22050)) + noise(rng);
  const MelSpectrogram mel;
  for (auto _ : state) benchmark::DoNotOptimize(mel.compute(x).data.data());
}
BENCHMARK(logmel_30s)->Unit(benchmark::kMillisecond);

void decode_and_logmel_mp3_30s(benchmark::State& state) {
  const fs::path file = fixtures() / "clip.mp3";
  const AudioDecoder decoder;
  const MelSpectrogram mel;
  for (auto _ : state) benchmark::DoNotOptimize(mel.compute(decoder.decode(file).samples).data.data());
}
BENCHMARK(decode_and_logmel_mp3_30s)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

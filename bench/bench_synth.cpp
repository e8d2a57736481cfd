// Generated-music throughput: composing, rendering (FluidSynth) and encoding 30 s clips on one core.
// Run: build/bench/bench_synth   (docs/benchmarks.md has the figures and the full-run command)
#include <benchmark/benchmark.h>

#include <filesystem>

#include "audio/AudioWriter.h"
#include "synth/Composer.h"
#include "synth/FluidRenderer.h"
#include "synth/Song.h"
#include "synth/Soundfont.h"

namespace {

using namespace soundalike;
using namespace soundalike::synth;

constexpr double kSeconds = 30.0;
constexpr int kRate = 22050;

void BM_Compose(benchmark::State& state) {
  const Genre genre = kAllGenres[size_t(state.range(0))];
  uint64_t seed = 1;
  for (auto _ : state) {
    Score s = compose(draw_style(genre, seed), seed, kSeconds);
    benchmark::DoNotOptimize(s.notes.data());
    ++seed;
  }
  state.SetLabel(std::string(genre_name(genre)));
}
BENCHMARK(BM_Compose)->DenseRange(0, 9)->Unit(benchmark::kMicrosecond);

// Compose + render + mix-down + levelling of one 30 s mono clip: the per-clip cost of `synth`
// minus file writing. "realtime" = seconds of audio made per CPU second of this thread (CPU time,
// because the machines are shared and wall time there measures the neighbours too).
void BM_RenderSong(benchmark::State& state) {
  const Genre genre = kAllGenres[size_t(state.range(0))];
  FluidRenderer renderer(find_soundfont(), kRate);
  uint64_t seed = 1;
  for (auto _ : state) {
    RenderedSong song = render_song(renderer, draw_style(genre, seed), seed, kSeconds);
    benchmark::DoNotOptimize(song.samples.data());
    ++seed;
  }
  state.SetLabel(std::string(genre_name(genre)));
  state.counters["realtime"] =
      benchmark::Counter(kSeconds * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RenderSong)->DenseRange(0, 9)->Unit(benchmark::kMillisecond);

// First load of the soundfont by a worker (later clips reuse it through FluidSynth's sample cache).
void BM_LoadSoundfont(benchmark::State& state) {
  const auto soundfont = find_soundfont();
  for (auto _ : state) {
    FluidRenderer renderer(soundfont, kRate);
    benchmark::DoNotOptimize(&renderer);
  }
}
BENCHMARK(BM_LoadSoundfont)->Unit(benchmark::kMillisecond);

void BM_Write(benchmark::State& state) {
  const auto format = state.range(0) == 0 ? AudioFileFormat::wav : AudioFileFormat::flac;
  const RenderedSong song = render_song(Genre::rock, 1, kSeconds, kRate);
  const auto file = std::filesystem::temp_directory_path() /
                    ("soundalike-bench-synth." + std::string(extension(format)));
  AudioWriteOptions o;
  o.format = format;
  o.sample_rate = kRate;
  for (auto _ : state) write_audio_file(file, song.samples, o);
  std::filesystem::remove(file);
  state.SetLabel(std::string(extension(format)));
}
BENCHMARK(BM_Write)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

#include "synth/Song.h"

#include <algorithm>
#include <cmath>

#include "synth/Composer.h"
#include "synth/Random.h"
#include "synth/Soundfont.h"

namespace soundalike::synth {
namespace {

// One gain for the whole clip: the target RMS, lowered if that would push a peak past -1 dBFS.
void level(std::vector<float>& samples, double target_db) {
  double sum = 0, peak = 0;
  for (float x : samples) {
    sum += double(x) * x;
    peak = std::max(peak, double(std::fabs(x)));
  }
  if (samples.empty() || peak <= 0) return;
  const double rms = std::sqrt(sum / double(samples.size()));
  const double ceiling = std::pow(10.0, -1.0 / 20);
  const double gain = std::min(std::pow(10.0, target_db / 20) / rms, ceiling / peak);
  for (float& x : samples) x = float(x * gain);
}

}  // namespace

uint64_t clip_seed(uint64_t corpus_seed, Genre genre, int index) {
  return mix_seed(mix_seed(corpus_seed, uint64_t(genre) + 1), uint64_t(index));
}

RenderedSong render_song(FluidRenderer& renderer, const Style& style, uint64_t seed, double seconds, int channels) {
  RenderedSong song;
  song.sample_rate = renderer.sample_rate();
  song.channels = channels;
  song.seed = seed;
  song.score = compose(style, seed, seconds);
  std::vector<float> stereo = renderer.render(song.score, seconds);
  if (channels == 2) {
    song.samples = std::move(stereo);
  } else {
    song.samples.resize(stereo.size() / 2);
    for (size_t i = 0; i < song.samples.size(); ++i) song.samples[i] = 0.5f * (stereo[2 * i] + stereo[2 * i + 1]);
  }
  level(song.samples, song.score.loudness_db);
  return song;
}

RenderedSong render_song(Genre genre, uint64_t seed, double seconds, int sample_rate, int channels,
                         const std::optional<std::filesystem::path>& soundfont) {
  FluidRenderer renderer(find_soundfont(soundfont), sample_rate);
  return render_song(renderer, draw_style(genre, seed), seed, seconds, channels);
}

}  // namespace soundalike::synth

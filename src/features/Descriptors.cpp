#include "features/Descriptors.h"

#include "features/FftwPlanner.h"

#include <aubio/aubio.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <vector>

namespace soundalike {
namespace {

// aubio plans its FFTs with FFTW, whose planner is not thread safe; aubio guards only its own calls.
// Making and freeing aubio objects one at a time keeps concurrent workers from planning at once
// (soundalike's own plans are made once, before workers start).
std::mutex& aubio_setup_mutex() {
  static std::mutex m;
  return m;
}

struct TempoDeleter {
  void operator()(aubio_tempo_t* t) const {
    std::lock_guard lock(aubio_setup_mutex());
    del_aubio_tempo(t);
  }
};
struct FvecDeleter {
  void operator()(fvec_t* v) const { del_fvec(v); }
};

}  // namespace

TempoEstimate estimate_tempo(std::span<const float> samples, int sample_rate) {
  TempoEstimate out;
  if (sample_rate <= 0 || samples.size() < size_t(sample_rate) * 2) return out;  // < 2 s: no tempo
  // Beats live in onsets, not in the top octave: halving the rate (pairwise means, a crude low-pass)
  // halves aubio's FFT work, which was the largest single cost of indexing a song.
  std::vector<float> half;
  if (sample_rate >= 16000) {
    half.resize(samples.size() / 2);
    for (size_t i = 0; i < half.size(); ++i) half[i] = 0.5f * (samples[2 * i] + samples[2 * i + 1]);
    samples = half;
    sample_rate /= 2;
  }
  // aubio's beat tracker weights beat periods with a prior tuned for 512-sample hops at 44.1 kHz
  // (11.6 ms frames, peak near 120 BPM). Keeping that frame duration at any rate avoids the octave
  // error it makes otherwise (a 120 BPM click track read as 60 BPM at 22.05 kHz with hop 512).
  uint_t kHop = 32;
  while (double(kHop) * 2 * 44100.0 / sample_rate <= 512.0 * 1.5) kHop *= 2;
  const uint_t kWin = 4 * kHop;
  std::unique_ptr<aubio_tempo_t, TempoDeleter> tempo;
  {
    std::lock_guard lock(aubio_setup_mutex());
    make_fftw_planner_thread_safe();  // aubio plans FFTs with the same FFTW as MelSpectrogram
    tempo.reset(new_aubio_tempo("default", kWin, kHop, uint_t(sample_rate)));
  }
  if (!tempo) return out;
  std::unique_ptr<fvec_t, FvecDeleter> in(new_fvec(kHop)), beat(new_fvec(1));
  for (size_t pos = 0; pos + kHop <= samples.size(); pos += kHop) {
    std::copy_n(samples.data() + pos, kHop, in->data);
    aubio_tempo_do(tempo.get(), in.get(), beat.get());
  }
  const double bpm = aubio_tempo_get_bpm(tempo.get());
  const double c = aubio_tempo_get_confidence(tempo.get());
  out.confidence = std::isfinite(c) ? c : 0.0;
  // aubio always names some tempo, even for a steady tone (confidence 0) or noise (~0.1); a click
  // track reads about 2.4. Below kMinConfidence there is no beat to report. 0.2 was chosen against the
  // tempos the generated corpora were written at (docs/benchmarks.md, "Tempo"): it reports 89 % of songs
  // with 91 % exact (99 % up to an octave), where 0.5 reported 57 % with 94 % exact; the songs left out are
  // mostly drumless (classical, rubato).
  constexpr double kMinConfidence = 0.2;
  if (std::isfinite(bpm) && bpm > 0 && out.confidence >= kMinConfidence) out.bpm = bpm;
  return out;
}

double rms_db(std::span<const float> samples) {
  if (samples.empty()) return -120.0;
  double sum = 0;
  for (float v : samples) sum += double(v) * v;
  const double rms = std::sqrt(sum / double(samples.size()));
  return std::max(-120.0, 20.0 * std::log10(std::max(rms, 1e-6)));
}

DescriptorExtractor::DescriptorExtractor(int sample_rate)
    : mel_([&] {
        SpectrogramConfig c;
        c.sample_rate = sample_rate;
        return c;
      }()) {
  const SpectrogramConfig& c = mel_.config();
  const double lo = hz_to_mel_slaney(c.f_min), hi = hz_to_mel_slaney(c.effective_f_max());
  std::vector<double> edges(size_t(c.n_mels) + 2);
  for (size_t i = 0; i < edges.size(); ++i)
    edges[i] = mel_to_hz_slaney(lo + (hi - lo) * double(i) / double(edges.size() - 1));
  for (int b = 0; b < c.n_mels; ++b) {
    band_hz_.push_back(edges[size_t(b) + 1]);
    band_width_hz_.push_back(0.5 * (edges[size_t(b) + 2] - edges[size_t(b)]));
  }
}

double DescriptorExtractor::centroid_hz(std::span<const float> samples) const {
  const Spectrogram p = mel_.power(samples);
  double num = 0, den = 0;
  for (int b = 0; b < p.n_mels; ++b) {
    double band = 0;
    for (float v : p.band(b)) band += v;
    band *= band_width_hz_[size_t(b)];
    num += band * band_hz_[size_t(b)];
    den += band;
  }
  return den > 1e-20 ? num / den : 0.0;
}

Descriptors DescriptorExtractor::compute(std::span<const float> samples) const {
  Descriptors d;
  const TempoEstimate t = estimate_tempo(samples, sample_rate());
  d.bpm = t.bpm;
  d.tempo_confidence = t.confidence;
  d.loudness_db = rms_db(samples);
  d.centroid_hz = centroid_hz(samples);
  return d;
}

}  // namespace soundalike

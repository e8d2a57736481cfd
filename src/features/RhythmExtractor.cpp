#include "features/RhythmExtractor.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "common/Error.h"
#include "features/Cepstrum.h"

namespace soundalike {
namespace {

constexpr float kAmin = 1e-10f;

SpectrogramConfig mel_config(const RhythmConfig& c) {
  SpectrogramConfig s;
  s.sample_rate = c.sample_rate;
  s.n_fft = c.n_fft;
  s.hop_length = c.hop_length;
  s.n_mels = c.n_mels;
  s.top_db = 0;
  s.amin = kAmin;
  return s;
}

RhythmConfig checked(RhythmConfig c) {
  if (c.bands < 1 || c.n_mels % c.bands != 0) throw Error(ExitCode::usage, "rhythm: n_mels must be a multiple of bands");
  if (c.segment_frames < 8 || c.segment_hop < 1 || c.modulation_bins < 1 || c.modulation_bins > c.segment_frames / 2)
    throw Error(ExitCode::usage, "rhythm: bad segment or modulation settings");
  return c;
}

std::string make_kind(const RhythmConfig& c) {
  if (c == RhythmConfig{}) return "rhythm-v1";
  return "rhythm-v1:" + std::to_string(c.sample_rate) + "/" + std::to_string(c.n_fft) + "/" + std::to_string(c.hop_length) + "/" +
         std::to_string(c.n_mels) + "/" + std::to_string(c.bands) + "/" + std::to_string(c.segment_frames) + "/" +
         std::to_string(c.segment_hop) + "/" + std::to_string(c.modulation_bins);
}

// The median of v (the mean of the two middle values for an even count); reorders v.
double median(std::vector<double>& v) {
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(mid), v.end());
  if (v.size() % 2 == 1) return v[mid];
  const double upper = v[mid];
  return 0.5 * (upper + *std::max_element(v.begin(), v.begin() + std::ptrdiff_t(mid)));
}

}  // namespace

bool is_rhythm_kind(std::string_view kind) { return kind.starts_with("rhythm-v1"); }

RhythmExtractor::RhythmExtractor(RhythmConfig config)
    : config_(checked(config)), kind_(make_kind(config_)), mel_(mel_config(config_)) {
  const int n = config_.segment_frames, bins = config_.modulation_bins;
  cos_.resize(size_t(bins) * size_t(n));
  sin_.resize(size_t(bins) * size_t(n));
  for (int k = 0; k < bins; ++k) {
    const double f = modulation_hz(k);
    // Fluctuation strength (Fastl): the ear hears loudness modulation most strongly near 4 Hz.
    const double weight = 1.0 / (f / 4.0 + 4.0 / f);
    for (int t = 0; t < n; ++t) {
      const double hann = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * t / (n - 1));
      const double phase = 2.0 * std::numbers::pi * double(k + 1) * t / n;
      cos_[size_t(k) * size_t(n) + size_t(t)] = weight * hann * std::cos(phase);
      sin_[size_t(k) * size_t(n) + size_t(t)] = weight * hann * std::sin(phase);
    }
  }
}

double RhythmExtractor::modulation_hz(int k) const {
  const double frame_rate = double(config_.sample_rate) / config_.hop_length;
  return double(k + 1) * frame_rate / config_.segment_frames;
}

std::vector<float> RhythmExtractor::extract(std::span<const float> samples) const {
  if (samples.empty()) throw Error(ExitCode::no_audio, "rhythm: no samples");
  const Spectrogram power = mel_.power(samples);
  const int per_band = config_.n_mels / config_.bands, n = config_.segment_frames, bins = config_.modulation_bins;
  // Loudness (dB) of each band per frame; a clip shorter than one segment repeats its last frame.
  const int frames = std::max(power.n_frames, n);
  std::vector<double> loud(size_t(config_.bands) * size_t(frames));
  for (int g = 0; g < config_.bands; ++g)
    for (int f = 0; f < frames; ++f) {
      const int src = std::min(f, power.n_frames - 1);
      double sum = 0;
      for (int b = g * per_band; b < (g + 1) * per_band; ++b) sum += power_to_db(power.at(b, src), kAmin);
      loud[size_t(g) * size_t(frames) + size_t(f)] = sum / per_band;
    }
  std::vector<int> starts;
  for (int s = 0; s + n <= frames; s += config_.segment_hop) starts.push_back(s);
  // Per (band, bin) the magnitudes over segments, then their median.
  std::vector<std::vector<double>> magnitudes(size_t(config_.bands) * size_t(bins), std::vector<double>(starts.size()));
  std::vector<double> x(static_cast<size_t>(n));
  for (size_t si = 0; si < starts.size(); ++si)
    for (int g = 0; g < config_.bands; ++g) {
      const double* curve = loud.data() + size_t(g) * size_t(frames) + size_t(starts[si]);
      double mean = 0;
      for (int t = 0; t < n; ++t) mean += curve[t];
      mean /= n;
      // Without the mean the 0 Hz leakage of a loud band would swamp its slow modulations.
      for (int t = 0; t < n; ++t) x[size_t(t)] = curve[t] - mean;
      for (int k = 0; k < bins; ++k) {
        const double* c = cos_.data() + size_t(k) * size_t(n);
        const double* s = sin_.data() + size_t(k) * size_t(n);
        double re = 0, im = 0;
        for (int t = 0; t < n; ++t) {
          re += c[t] * x[size_t(t)];
          im += s[t] * x[size_t(t)];
        }
        magnitudes[size_t(g) * size_t(bins) + size_t(k)][si] = std::hypot(re, im);
      }
    }
  std::vector<float> out(magnitudes.size());
  for (size_t i = 0; i < magnitudes.size(); ++i) out[i] = float(median(magnitudes[i]));
  return out;
}

}  // namespace soundalike

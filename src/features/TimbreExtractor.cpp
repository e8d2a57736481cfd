#include "features/TimbreExtractor.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "common/Error.h"
#include "features/GaussianTimbre.h"

namespace soundalike {
namespace {

constexpr float kAmin = 1e-10f;

SpectrogramConfig mel_config(const TimbreConfig& c) {
  SpectrogramConfig s;
  s.sample_rate = c.sample_rate;
  s.n_fft = c.n_fft;
  s.hop_length = c.hop_length;
  s.n_mels = c.n_mels;
  s.top_db = c.top_db;
  s.amin = kAmin;
  return s;
}

std::string make_kind(const TimbreConfig& c) {
  const bool js = c.divergence == TimbreDivergence::jensen_shannon;
  if (c == kTimbreV1) return "timbre-v1";
  if (c == kTimbreV2) return "timbre-v2";
  // Other frame settings (tuning experiments) get their own kind so they never mix with the shipped ones.
  return std::string(js ? "timbre-v2:" : "timbre-v1:") + std::to_string(c.sample_rate) + "/" + std::to_string(c.n_fft) + "/" + std::to_string(c.hop_length) +
         "/" + std::to_string(c.n_mels) + "/" + std::to_string(c.n_mfcc) + "/" + std::to_string(int(c.top_db));
}

}  // namespace

TimbreExtractor::TimbreExtractor(TimbreConfig config)
    : config_(config), kind_(make_kind(config)), mel_(mel_config(config)) {
  if (config_.n_mfcc < 2 || config_.n_mfcc > config_.n_mels)
    throw Error(ExitCode::usage, "timbre: n_mfcc must be between 2 and n_mels");
  const int n = config_.n_mels;
  dct_.resize(size_t(config_.n_mfcc) * size_t(n));
  for (int k = 0; k < config_.n_mfcc; ++k) {
    const double w = k == 0 ? std::sqrt(1.0 / n) : std::sqrt(2.0 / n);
    for (int i = 0; i < n; ++i)
      dct_[size_t(k) * size_t(n) + size_t(i)] = float(w * std::cos(std::numbers::pi * k * (2 * i + 1) / (2.0 * n)));
  }
}

int TimbreExtractor::dimension() const {
  const int d = config_.n_mfcc;
  return 1 + d + d * (d + 1) + (config_.divergence == TimbreDivergence::jensen_shannon ? 2 : 0);
}

std::vector<float> TimbreExtractor::frames(std::span<const float> samples) const {
  if (samples.empty()) throw Error(ExitCode::no_audio, "timbre: no samples");
  const Spectrogram power = mel_.power(samples);
  const int nm = power.n_mels, nf = power.n_frames, d = config_.n_mfcc;
  float peak = kAmin;
  for (float v : power.data) peak = std::max(peak, v);
  const float floor_db = config_.top_db > 0 ? 10.0f * std::log10(peak) - config_.top_db : -1e30f;
  std::vector<float> out;
  out.reserve(size_t(nf) * size_t(d));
  std::vector<float> db(static_cast<size_t>(nm));
  auto add_frame = [&](int f) {
    for (int b = 0; b < nm; ++b)
      db[size_t(b)] = std::max(10.0f * std::log10(std::max(power.at(b, f), kAmin)), floor_db);
    for (int k = 0; k < d; ++k) {
      const float* row = dct_.data() + size_t(k) * size_t(nm);
      float s = 0.0f;
      for (int b = 0; b < nm; ++b) s += row[b] * db[size_t(b)];
      out.push_back(s);
    }
  };
  // Digital silence (gaps between tracks, a muted intro) would pile frames onto one point and make
  // the covariance of a quiet song meaningless; a frame counts when any band rises above amin.
  for (int f = 0; f < nf; ++f) {
    bool audible = false;
    for (int b = 0; b < nm && !audible; ++b) audible = power.at(b, f) > kAmin;
    if (audible) add_frame(f);
  }
  if (out.size() < 2 * size_t(d)) {
    out.clear();
    for (int f = 0; f < nf; ++f) add_frame(f);
  }
  if (out.size() < 2 * size_t(d)) throw Error(ExitCode::no_audio, "timbre: the audio is too short for a timbre model");
  return out;
}

std::vector<float> TimbreExtractor::extract(std::span<const float> samples) const {
  return GaussianTimbre::fit(frames(samples), config_.n_mfcc).to_vector(config_.divergence == TimbreDivergence::jensen_shannon);
}

}  // namespace soundalike

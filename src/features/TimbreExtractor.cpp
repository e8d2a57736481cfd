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

namespace {
TimbreConfig checked(TimbreConfig c) {
  if (c.n_mfcc < 2 || c.n_mfcc > c.n_mels) throw Error(ExitCode::usage, "timbre: n_mfcc must be between 2 and n_mels");
  return c;
}
}  // namespace

TimbreExtractor::TimbreExtractor(TimbreConfig config)
    : config_(checked(config)), kind_(make_kind(config)), mel_(mel_config(config)), dct_(config.n_mfcc, config.n_mels) {}

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
  std::vector<float> db(static_cast<size_t>(nm)), cepstrum(static_cast<size_t>(d));
  auto add_frame = [&](int f) {
    for (int b = 0; b < nm; ++b) db[size_t(b)] = std::max(power_to_db(power.at(b, f), kAmin), floor_db);
    dct_.apply(db, cepstrum);
    out.insert(out.end(), cepstrum.begin(), cepstrum.end());
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

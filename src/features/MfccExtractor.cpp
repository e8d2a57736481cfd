#include "features/MfccExtractor.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include "common/Error.h"

namespace soundalike {
namespace {

constexpr float kAmin = 1e-10f;
constexpr float kTopDb = 80.0f;  // librosa.feature.mfcc's power_to_db default
constexpr int kHop = 512;

struct Scale {
  float centre;
  float scale;
};

// Fixed standardisation: (raw - centre) / scale per dimension. The centres and scales are the typical
// value and spread of each statistic over very different sounds (sustained harmonic stacks, noise
// bursts, plucked tones, bass and kick, a pure tone, white noise), read off the Mfcc.RawStatisticsReport
// test's output and rounded; see docs/library.md "Standardisation". Fixed
// constants keep a single query, a library of three songs and a library of a million comparable without
// refitting, and make "mfcc-v1" vectors stable across libraries. They are part of the kind: changing
// them means a new kind string.
std::vector<Scale> make_scaling() {
  std::vector<Scale> s;
  // MFCC means. c0 is sqrt(128) x the mean log-mel level in dB of FFTW's unnormalised power, so it
  // carries loudness; higher coefficients shrink with their order.
  s.push_back({-300.0f, 200.0f});
  for (int k = 1; k < MfccExtractor::kMfccCount; ++k) s.push_back({0.0f, 40.0f / (1.0f + 0.05f * float(k))});
  // MFCC standard deviations over frames.
  s.push_back({60.0f, 50.0f});
  for (int k = 1; k < MfccExtractor::kMfccCount; ++k) s.push_back({8.0f, 10.0f});
  s.push_back({9.5f, 2.0f});     // centroid mean, log2 Hz (724 Hz), spread two octaves
  s.push_back({0.2f, 0.2f});     // centroid std, octaves
  s.push_back({0.6f, 0.5f});     // bandwidth mean, octaves
  s.push_back({0.05f, 0.05f});   // bandwidth std
  s.push_back({10.0f, 2.5f});    // 85 % roll-off mean, log2 Hz
  s.push_back({0.25f, 0.25f});   // roll-off std
  s.push_back({-60.0f, 40.0f});  // flatness mean, dB (0 = white noise, -110 = a pure tone)
  s.push_back({12.0f, 12.0f});   // flatness std
  for (int b = 0; b < MfccExtractor::kContrastBands; ++b) s.push_back({20.0f, 20.0f});  // contrast, dB
  s.push_back({20.0f, 15.0f});   // frame level mean, dB
  s.push_back({3.0f, 3.0f});     // frame level std
  s.push_back({1.5f, 1.5f});     // onset flux mean, dB per band per frame
  s.push_back({3.0f, 3.0f});     // onset flux std
  s.push_back({0.5f, 0.4f});     // pulse clarity (autocorrelation peak of the flux, 0..1)
  s.push_back({0.0f, 1.0f});     // periodicity tempo, log2(bpm / 120)
  return s;
}

double mean_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}
double std_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size()));
}

}  // namespace

MfccExtractor::MfccExtractor() : mel_(SpectrogramConfig{}), dct_(kMfccCount, mel_.config().n_mels) {
  const SpectrogramConfig& c = mel_.config();
  const int n = c.n_mels;
  const double lo = hz_to_mel_slaney(c.f_min), hi = hz_to_mel_slaney(c.effective_f_max());
  std::vector<double> edges(size_t(n) + 2);
  for (size_t i = 0; i < edges.size(); ++i)
    edges[i] = mel_to_hz_slaney(lo + (hi - lo) * double(i) / double(edges.size() - 1));
  for (int b = 0; b < n; ++b) {
    band_hz_.push_back(std::max(edges[size_t(b) + 1], 1.0));
    band_width_.push_back(0.5 * (edges[size_t(b) + 2] - edges[size_t(b)]));
  }
}

void MfccExtractor::dct(std::span<const float> log_mel, std::span<float> mfcc) const { dct_.apply(log_mel, mfcc); }

const std::vector<std::string>& MfccExtractor::dimension_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (int k = 0; k < kMfccCount; ++k) v.push_back("mfcc" + std::to_string(k) + "_mean");
    for (int k = 0; k < kMfccCount; ++k) v.push_back("mfcc" + std::to_string(k) + "_std");
    for (const char* s : {"centroid_mean", "centroid_std", "bandwidth_mean", "bandwidth_std", "rolloff_mean",
                          "rolloff_std", "flatness_mean", "flatness_std"})
      v.push_back(s);
    for (int b = 0; b < kContrastBands; ++b) v.push_back("contrast" + std::to_string(b));
    for (const char* s : {"level_mean", "level_std", "flux_mean", "flux_std", "pulse_clarity", "pulse_tempo"})
      v.push_back(s);
    return v;
  }();
  return names;
}

std::vector<float> MfccExtractor::raw_features(std::span<const float> samples) const {
  const SpectrogramConfig& c = mel_.config();
  const int n_mels = c.n_mels;
  const Spectrogram p = mel_.power(samples);
  const int T = p.n_frames;

  // Frame power and the clip's peak bin, for librosa's top_db floor and to drop digital silence,
  // which would otherwise drag every statistic toward the floor.
  std::vector<double> frame_power(static_cast<size_t>(T), 0.0);
  float peak = 0.0f;
  for (int b = 0; b < n_mels; ++b)
    for (int t = 0; t < T; ++t) {
      const float v = p.at(b, t);
      frame_power[size_t(t)] += v;
      peak = std::max(peak, v);
    }
  const double max_frame = T ? *std::max_element(frame_power.begin(), frame_power.end()) : 0.0;
  std::vector<int> frames;
  for (int t = 0; t < T; ++t)
    if (frame_power[size_t(t)] > max_frame * 1e-8 && frame_power[size_t(t)] > 1e-12) frames.push_back(t);
  std::vector<float> out(size_t(kDimension), 0.0f);
  if (frames.empty()) {
    // Digital silence: every statistic at its floor, deterministic and finite.
    const float floor_db = power_to_db(0.0f, kAmin);
    std::vector<float> db(size_t(n_mels), floor_db), m(static_cast<size_t>(kMfccCount));
    dct(db, m);
    for (int k = 0; k < kMfccCount; ++k) out[size_t(k)] = m[size_t(k)];
    out[size_t(2 * kMfccCount + 6)] = 0.0f;  // flatness of silence: treat as white (0 dB)
    out[size_t(2 * kMfccCount + 8 + kContrastBands)] = -120.0f;
    return out;
  }
  const float floor_db = power_to_db(peak, kAmin) - kTopDb;

  std::vector<std::vector<double>> mfcc(static_cast<size_t>(kMfccCount));
  std::vector<double> centroid, bandwidth, rolloff, flatness, level, flux;
  std::vector<std::vector<double>> contrast(static_cast<size_t>(kContrastBands));
  std::vector<float> db(static_cast<size_t>(n_mels)), prev_db(static_cast<size_t>(n_mels)), m(static_cast<size_t>(kMfccCount));
  std::vector<double> bandpow(static_cast<size_t>(n_mels));
  std::vector<float> sorted;
  int prev_t = -2;
  for (int t : frames) {
    double total = 0, log_sum = 0;
    for (int b = 0; b < n_mels; ++b) {
      const float v = p.at(b, t);
      db[size_t(b)] = std::max(power_to_db(v, kAmin), floor_db);
      bandpow[size_t(b)] = double(v) * band_width_[size_t(b)];
      total += bandpow[size_t(b)];
      log_sum += std::log(std::max(double(v), 1e-20));
    }
    dct(db, m);
    for (int k = 0; k < kMfccCount; ++k) mfcc[size_t(k)].push_back(m[size_t(k)]);
    if (total <= 0) continue;
    // Spectral shape on a log-frequency axis (octaves), where musical differences are even.
    double c_log = 0;
    for (int b = 0; b < n_mels; ++b) c_log += bandpow[size_t(b)] * std::log2(band_hz_[size_t(b)]);
    c_log /= total;
    double var = 0, cum = 0;
    int roll = n_mels - 1;
    bool roll_set = false;
    for (int b = 0; b < n_mels; ++b) {
      const double d = std::log2(band_hz_[size_t(b)]) - c_log;
      var += bandpow[size_t(b)] * d * d;
      cum += bandpow[size_t(b)];
      if (!roll_set && cum >= 0.85 * total) {
        roll = b;
        roll_set = true;
      }
    }
    centroid.push_back(c_log);
    bandwidth.push_back(std::sqrt(var / total));
    rolloff.push_back(std::log2(band_hz_[size_t(roll)]));
    double arith = 0;
    for (int b = 0; b < n_mels; ++b) arith += p.at(b, t);
    arith /= n_mels;
    const double geo = std::exp(log_sum / n_mels);
    flatness.push_back(10.0 * std::log10(std::max(geo, 1e-20) / std::max(arith, 1e-20)));
    level.push_back(10.0 * std::log10(std::max(frame_power[size_t(t)], 1e-20)));
    // Contrast: peak minus valley (top and bottom fifth of the bands' dB) in six mel regions.
    for (int g = 0; g < kContrastBands; ++g) {
      const int b0 = g * n_mels / kContrastBands, b1 = (g + 1) * n_mels / kContrastBands;
      sorted.assign(db.begin() + b0, db.begin() + b1);
      std::sort(sorted.begin(), sorted.end());
      const size_t q = std::max<size_t>(1, sorted.size() / 5);
      double lo = 0, hi = 0;
      for (size_t i = 0; i < q; ++i) {
        lo += sorted[i];
        hi += sorted[sorted.size() - 1 - i];
      }
      contrast[size_t(g)].push_back((hi - lo) / double(q));
    }
    if (prev_t == t - 1) {
      double f = 0;
      for (int b = 0; b < n_mels; ++b) f += std::max(0.0f, db[size_t(b)] - prev_db[size_t(b)]);
      flux.push_back(f / n_mels);
    }
    prev_db = db;
    prev_t = t;
  }

  size_t i = 0;
  for (int k = 0; k < kMfccCount; ++k) out[i++] = float(mean_of(mfcc[size_t(k)]));
  for (int k = 0; k < kMfccCount; ++k) out[i++] = float(std_of(mfcc[size_t(k)]));
  for (const auto* v : {&centroid, &bandwidth, &rolloff, &flatness}) {
    out[i++] = float(mean_of(*v));
    out[i++] = float(std_of(*v));
  }
  for (int g = 0; g < kContrastBands; ++g) out[i++] = float(mean_of(contrast[size_t(g)]));
  out[i++] = float(mean_of(level));
  out[i++] = float(std_of(level));
  out[i++] = float(mean_of(flux));
  out[i++] = float(std_of(flux));

  // Rhythm: autocorrelation of the onset-flux envelope over lags of 40..240 BPM. The peak height
  // (normalised by lag 0) says how periodic the music is; its lag gives a periodicity tempo.
  double clarity = 0, tempo = 0;
  const double frames_per_s = double(c.sample_rate) / kHop;
  if (flux.size() > size_t(frames_per_s * 2)) {
    const double fm = mean_of(flux);
    std::vector<double> e(flux.size());
    for (size_t j = 0; j < flux.size(); ++j) e[j] = flux[j] - fm;
    auto ac = [&](size_t lag) {
      double s = 0;
      for (size_t j = lag; j < e.size(); ++j) s += e[j] * e[j - lag];
      return s / double(e.size() - lag);
    };
    const double r0 = ac(0);
    const size_t min_lag = size_t(std::floor(frames_per_s * 60.0 / 240.0));
    const size_t max_lag = std::min(e.size() / 2, size_t(std::ceil(frames_per_s * 60.0 / 40.0)));
    if (r0 > 1e-12) {
      size_t best = 0;
      double best_r = -1;
      for (size_t lag = std::max<size_t>(min_lag, 1); lag <= max_lag; ++lag) {
        const double r = ac(lag) / r0;
        if (r > best_r) {
          best_r = r;
          best = lag;
        }
      }
      if (best > 0) {
        clarity = std::clamp(best_r, 0.0, 1.0);
        tempo = std::log2(60.0 * frames_per_s / double(best) / 120.0);
      }
    }
  }
  out[i++] = float(clarity);
  out[i++] = float(tempo);
  return out;
}

std::vector<float> MfccExtractor::extract(std::span<const float> samples) const {
  static const std::vector<Scale> scaling = make_scaling();
  std::vector<float> v = raw_features(samples);
  for (size_t d = 0; d < v.size(); ++d) {
    const float z = (v[d] - scaling[d].centre) / scaling[d].scale;
    // Clamp so one absurd statistic (e.g. a file of pure DC) cannot dominate every distance.
    v[d] = std::isfinite(z) ? std::clamp(z, -8.0f, 8.0f) : 0.0f;
  }
  return v;
}

}  // namespace soundalike

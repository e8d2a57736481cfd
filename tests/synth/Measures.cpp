#include "synth/Measures.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace soundalike::test {
namespace {

SpectrogramConfig config_for(int sample_rate) {
  SpectrogramConfig c;
  c.sample_rate = sample_rate;
  return c;
}

std::vector<double> centred(const OnsetEnvelope& env) {
  std::vector<double> x = env.strength;
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / double(std::max<size_t>(1, x.size()));
  for (double& v : x) v -= mean;
  return x;
}

double autocorrelation_at(const std::vector<double>& x, int lag) {
  if (lag <= 0 || size_t(lag) >= x.size()) return lag == 0 ? 1.0 : 0.0;
  double num = 0, den = 0;
  for (size_t i = 0; i < x.size(); ++i) den += x[i] * x[i];
  for (size_t i = size_t(lag); i < x.size(); ++i) num += x[i] * x[i - size_t(lag)];
  // Unbiased: overlap shrinks with the lag.
  return den > 0 ? num / den * double(x.size()) / double(x.size() - size_t(lag)) : 0.0;
}

// Peak of r over integer lags in [lo, hi], refined by a parabola through its neighbours.
double peak_lag(const std::vector<double>& x, double lo, double hi) {
  int best = -1;
  double best_r = -1e300;
  for (int lag = std::max(1, int(std::ceil(lo))); lag <= int(std::floor(hi)); ++lag) {
    const double r = autocorrelation_at(x, lag);
    if (r > best_r) best_r = r, best = lag;
  }
  if (best < 2) return best;
  const double a = autocorrelation_at(x, best - 1), b = best_r, c = autocorrelation_at(x, best + 1);
  const double denom = a - 2 * b + c;
  return denom < 0 ? best + 0.5 * (a - c) / denom : best;
}

}  // namespace

OnsetEnvelope onset_envelope(std::span<const float> samples, int sample_rate, const OnsetOptions& options) {
  SpectrogramConfig config = config_for(sample_rate);
  config.hop_length = options.hop_length;
  config.n_fft = options.n_fft;
  const MelSpectrogram mel(config);
  const Spectrogram s = mel.compute(samples);
  OnsetEnvelope env;
  env.frames_per_second = double(sample_rate) / mel.config().hop_length;
  env.strength.assign(size_t(s.n_frames), 0.0);
  for (int t = 1; t < s.n_frames; ++t) {
    double sum = 0;
    int bands = 0;
    for (int b = 0; b < s.n_mels; ++b) {
      if (mel.filterbank().centre_hz(b) < options.min_hz) continue;
      sum += std::max(0.0f, s.at(b, t) - s.at(b, t - 1));
      ++bands;
    }
    env.strength[size_t(t)] = bands ? sum / bands : 0.0;
  }
  return env;
}

double autocorrelation(const OnsetEnvelope& env, double lag) {
  const std::vector<double> x = centred(env);
  const int l = int(std::floor(lag));
  const double f = lag - l;
  return (1 - f) * autocorrelation_at(x, l) + f * autocorrelation_at(x, l + 1);
}

double estimate_tempo(const OnsetEnvelope& env, double lo_bpm, double hi_bpm) {
  const std::vector<double> x = centred(env);
  const double fps = env.frames_per_second;
  const double beat = peak_lag(x, 60 * fps / hi_bpm, 60 * fps / lo_bpm);
  // Four beats later the same peak pins the period down four times more precisely.
  const double bar = peak_lag(x, 4 * beat - 2, 4 * beat + 2);
  return 60 * fps / (bar / 4);
}

double pulse_clarity(const OnsetEnvelope& env) {
  const std::vector<double> x = centred(env);
  const double fps = env.frames_per_second;
  double best = 0;
  for (int lag = int(60 * fps / 200); lag <= int(60 * fps / 50); ++lag) best = std::max(best, autocorrelation_at(x, lag));
  return best;
}

double spectral_flatness(std::span<const float> samples, int sample_rate) {
  const MelSpectrogram mel(config_for(sample_rate));
  const Spectrogram p = mel.power(samples);
  double total = 0;
  int counted = 0;
  for (int t = 0; t < p.n_frames; ++t) {
    double log_sum = 0, sum = 0;
    for (int b = 0; b < p.n_mels; ++b) {
      const double v = std::max(1e-12, double(p.at(b, t)));
      log_sum += std::log(v);
      sum += v;
    }
    if (sum / p.n_mels < 1e-8) continue;  // near-silent frames say nothing about timbre
    total += std::exp(log_sum / p.n_mels) / (sum / p.n_mels);
    ++counted;
  }
  return counted ? total / counted : 0.0;
}

double low_band_share(std::span<const float> samples, int sample_rate, double hz) {
  const MelSpectrogram mel(config_for(sample_rate));
  const Spectrogram p = mel.power(samples);
  double low = 0, all = 0;
  for (int b = 0; b < p.n_mels; ++b)
    for (int t = 0; t < p.n_frames; ++t) {
      all += p.at(b, t);
      if (mel.filterbank().centre_hz(b) < hz) low += p.at(b, t);
    }
  return all > 0 ? low / all : 0.0;
}

double strength_at(const OnsetEnvelope& env, const std::vector<double>& times) {
  double sum = 0;
  int n = 0;
  for (double t : times) {
    const long f = std::lround(t * env.frames_per_second);
    double best = 0;
    for (long k = f - 1; k <= f + 1; ++k)
      if (k >= 0 && size_t(k) < env.strength.size()) best = std::max(best, env.strength[size_t(k)]);
    sum += best;
    ++n;
  }
  return n ? sum / n : 0.0;
}

}  // namespace soundalike::test

#pragma once
// Songs in four generated "styles" whose timbres MFCC statistics can tell apart, with random variation
// inside each style (pitches, rates, levels), shared by the feature, index and CLI tests.
#include <cmath>
#include <filesystem>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "support/TestSupport.h"

namespace soundalike::test {

inline constexpr int kStyleCount = 4;
inline const char* style_name(int style) {
  static const char* names[] = {"organ", "hats", "pluck", "bass"};
  return names[style % kStyleCount];
}

inline std::vector<float> generate_style(int style, uint32_t seed, double seconds, int rate = 22050) {
  std::mt19937 rng(seed * 7919u + uint32_t(style));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> g(0.0, 1.0);
  const size_t n = size_t(seconds * rate);
  std::vector<float> x(n, 0.0f);
  const double gain = std::pow(10.0, (-6.0 * u(rng)) / 20.0);
  const double two_pi = 2.0 * std::numbers::pi;
  switch (style % kStyleCount) {
    case 0: {  // organ: sustained harmonic stacks (1/k harmonics), a new chord every half second
      const double note_len = 0.4 + 0.2 * u(rng);
      double f = 0;
      for (size_t i = 0; i < n; ++i) {
        const double t = double(i) / rate;
        if (i % size_t(note_len * rate) == 0) f = 110.0 * std::pow(2.0, std::floor(u(rng) * 18) / 12.0);
        double s = 0;
        for (int k = 1; k <= 8; ++k) s += std::sin(two_pi * f * k * t) / k;
        x[i] = float(0.25 * s);
      }
      break;
    }
    case 1: {  // hats: bursts of bright noise at 4-7 per second over a faint high whistle
      const double rate_hz = 4.0 + 3.0 * u(rng);
      const double whistle = 3000.0 + 2000.0 * u(rng);
      double prev = 0;
      for (size_t i = 0; i < n; ++i) {
        const double t = double(i) / rate;
        const double phase = std::fmod(t * rate_hz, 1.0) / rate_hz;
        const double w = g(rng);
        const double hp = w - prev;  // first difference: tilts the noise toward high frequencies
        prev = w;
        x[i] = float(0.3 * hp * std::exp(-phase * 30.0) + 0.05 * std::sin(two_pi * whistle * t));
      }
      break;
    }
    case 2: {  // pluck: decaying square-ish tones (odd harmonics), 2-4 notes per second, higher register
      const double note_len = 0.25 + 0.25 * u(rng);
      double f = 0, start = 0;
      for (size_t i = 0; i < n; ++i) {
        const double t = double(i) / rate;
        if (i % size_t(note_len * rate) == 0) {
          f = 400.0 * std::pow(2.0, std::floor(u(rng) * 14) / 12.0);
          start = t;
        }
        double s = 0;
        for (int k = 1; k <= 9; k += 2) s += std::sin(two_pi * f * k * t) / k;
        x[i] = float(0.5 * s * std::exp(-(t - start) * 8.0));
      }
      break;
    }
    default: {  // bass: low sine with kick-drum pulses at 100-140 BPM
      const double bpm = 100.0 + 40.0 * u(rng);
      const double f = 45.0 + 40.0 * u(rng);
      const double beat = 60.0 / bpm;
      for (size_t i = 0; i < n; ++i) {
        const double t = double(i) / rate;
        const double since = std::fmod(t, beat);
        const double kick = std::sin(two_pi * (60.0 + 100.0 * std::exp(-since * 30.0)) * since) * std::exp(-since * 12.0);
        x[i] = float(0.35 * std::sin(two_pi * f * t) + 0.5 * kick);
      }
      break;
    }
  }
  for (float& v : x) v = float(v * gain);
  return x;
}

// DIR/<style>/<i>.wav: `per_style` songs of each style, 4 s at 22050 Hz; a folder-per-label tree.
inline void write_style_tree(const std::filesystem::path& dir, int per_style) {
  for (int s = 0; s < kStyleCount; ++s) {
    std::filesystem::create_directories(dir / style_name(s));
    for (int i = 0; i < per_style; ++i)
      write_wav(dir / style_name(s) / (std::to_string(i) + ".wav"), generate_style(s, uint32_t(i + 1), 4.0), 22050);
  }
}

}  // namespace soundalike::test

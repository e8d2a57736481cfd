#include "model/GeneratedAudio.h"

#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>

#include "support/TestSupport.h"

namespace soundalike::test {

std::vector<float> generated_clip(int label, double seconds, int rate, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> gauss(0.0, 1.0);
  const size_t n = size_t(seconds * rate);
  std::vector<float> x(n, 0.0f);
  const double two_pi = 2 * std::numbers::pi;
  const double noise_floor = 0.005 + 0.01 * u(rng);
  switch (label % 4) {
    case 0: {  // chirps: rising sweeps, one every 0.4-0.7 s
      const double period = 0.4 + 0.3 * u(rng), f1 = 300 + 300 * u(rng);
      double phase = 0;
      for (size_t i = 0; i < n; ++i) {
        const double t = double(i) / rate, local = std::fmod(t, period) / period;
        const double f = f1 * std::pow(4.0, local);
        phase += two_pi * f / rate;
        x[i] = float(0.4 * std::sin(phase) * std::sin(std::numbers::pi * local));
      }
      break;
    }
    case 1: {  // noise bursts with fast decay, irregular
      double next = 0;
      double env = 0;
      for (size_t i = 0; i < n; ++i) {
        const double t = double(i) / rate;
        if (t >= next) env = 0.5, next = t + 0.15 + 0.3 * u(rng);
        env *= std::exp(-1.0 / (0.04 * rate));
        x[i] = float(env * gauss(rng));
      }
      break;
    }
    case 2: {  // low pulses on a beat, with a high click on the off-beat
      const double beat = 60.0 / (90 + 60 * u(rng)), f = 60 + 50 * u(rng);
      for (size_t i = 0; i < n; ++i) {
        const double t = double(i) / rate, in_beat = std::fmod(t, beat);
        const double off = std::fmod(t + beat / 2, beat);
        x[i] = float(0.6 * std::exp(-in_beat * 12) * std::sin(two_pi * f * in_beat) +
                     0.2 * std::exp(-off * 300) * gauss(rng));
      }
      break;
    }
    default: {  // sustained tone cluster (three partials of a random root) with slow tremolo
      const double f0 = 200 + 250 * u(rng), trem = 2 + 3 * u(rng);
      const double ratios[3] = {1.0, 1.25 + 0.05 * u(rng), 1.5};
      for (size_t i = 0; i < n; ++i) {
        const double t = double(i) / rate;
        double s = 0;
        for (double r : ratios) s += std::sin(two_pi * f0 * r * t);
        x[i] = float(0.15 * s * (0.75 + 0.25 * std::sin(two_pi * trem * t)));
      }
    }
  }
  for (auto& v : x) v += float(noise_floor * gauss(rng));
  return x;
}

void write_generated_corpus(const std::filesystem::path& dir, int labels, int clips_per_label, double seconds,
                            uint64_t seed, int rate) {
  for (int l = 0; l < labels; ++l) {
    const std::string& name = kGeneratedLabels[size_t(l) % kGeneratedLabels.size()];
    std::filesystem::create_directories(dir / name);
    for (int c = 0; c < clips_per_label; ++c) {
      char file[64];
      std::snprintf(file, sizeof file, "%s.%05d.wav", name.c_str(), c);
      write_wav(dir / name / file, generated_clip(l, seconds, rate, seed * 1000003 + uint64_t(l) * 1009 + uint64_t(c)), rate);
    }
  }
}

}  // namespace soundalike::test

// Not a test: writes a generated corpus for trying the CLI by hand, e.g.
//   SOUNDALIKE_CORPUS_DIR=/tmp/corpus SOUNDALIKE_CORPUS_SHAPE=4x12x4 \
//     build/tests/test_model --gtest_also_run_disabled_tests --gtest_filter='*WriteCorpus'
#include <gtest/gtest.h>
TEST(GeneratedAudio, DISABLED_WriteCorpus) {
  const char* dir = std::getenv("SOUNDALIKE_CORPUS_DIR");
  ASSERT_NE(dir, nullptr) << "set SOUNDALIKE_CORPUS_DIR";
  int labels = 4, clips = 12;
  double seconds = 4;
  if (const char* shape = std::getenv("SOUNDALIKE_CORPUS_SHAPE")) std::sscanf(shape, "%dx%dx%lf", &labels, &clips, &seconds);
  soundalike::test::write_generated_corpus(dir, labels, clips, seconds);
}

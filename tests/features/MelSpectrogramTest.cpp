#include "features/MelSpectrogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "support/TestSupport.h"

namespace soundalike {
namespace {

std::vector<float> band_means(const Spectrogram& s) {
  std::vector<float> m(size_t(s.n_mels), 0.0f);
  for (int b = 0; b < s.n_mels; ++b) {
    for (float v : s.band(b)) m[size_t(b)] += v;
    m[size_t(b)] /= float(s.n_frames);
  }
  return m;
}

int nearest_band(const MelFilterbank& fb, double hz) {
  int best = 0;
  for (int b = 1; b < fb.n_mels(); ++b)
    if (std::abs(fb.centre_hz(b) - hz) < std::abs(fb.centre_hz(best) - hz)) best = b;
  return best;
}

TEST(MelSpectrogram, ToneLandsInTheBandCentredNearest) {
  const MelSpectrogram mel;
  for (double hz : {440.0, 1000.0, 3000.0}) {
    const auto s = mel.compute(test::sine(hz, 2.0, 22050));
    const auto m = band_means(s);
    const int loudest = int(std::max_element(m.begin(), m.end()) - m.begin());
    EXPECT_EQ(loudest, nearest_band(mel.filterbank(), hz)) << hz << " Hz";
  }
}

TEST(MelSpectrogram, TwoTonesGiveTwoPeaks) {
  const MelSpectrogram mel;
  const auto s = mel.compute(test::mix(test::sine(440, 2.0, 22050, 0.3f), test::sine(3000, 2.0, 22050, 0.3f)));
  const auto m = band_means(s);
  std::vector<int> peaks;
  for (int b = 1; b + 1 < s.n_mels; ++b)
    if (m[size_t(b)] > m[size_t(b) - 1] && m[size_t(b)] >= m[size_t(b) + 1] && m[size_t(b)] > -20.0f) peaks.push_back(b);
  ASSERT_EQ(peaks.size(), 2u);
  EXPECT_EQ(peaks[0], nearest_band(mel.filterbank(), 440));
  EXPECT_EQ(peaks[1], nearest_band(mel.filterbank(), 3000));
}

TEST(MelSpectrogram, DecibelsRunFromZeroDownToTheFloor) {
  const MelSpectrogram mel;
  const auto s = mel.compute(test::sine(440, 1.0, 22050));
  const auto [lo, hi] = std::minmax_element(s.data.begin(), s.data.end());
  EXPECT_FLOAT_EQ(*hi, 0.0f);
  EXPECT_FLOAT_EQ(*lo, -80.0f);
}

TEST(MelSpectrogram, FrameCountFollowsCentredFraming) {
  const MelSpectrogram mel;
  for (size_t n : {0u, 1u, 511u, 512u, 22050u, 661500u}) {
    const auto s = mel.compute(std::vector<float>(n, 0.1f));
    EXPECT_EQ(s.n_frames, 1 + int(n / 512)) << n;
    EXPECT_EQ(s.n_mels, 128);
    EXPECT_EQ(s.data.size(), size_t(s.n_frames) * 128u);
  }
}

TEST(MelSpectrogram, SilenceSitsAtTheFloorWithoutNaN) {
  const MelSpectrogram mel;
  for (size_t n : {0u, 100u, 22050u}) {
    const auto s = mel.compute(std::vector<float>(n, 0.0f));
    for (float v : s.data) ASSERT_EQ(v, -80.0f);
  }
}

TEST(MelSpectrogram, PowerMatchesADirectDft) {
  // One frame checked against a plain O(n^2) DFT of the same windowed, reflect-padded samples.
  SpectrogramConfig c;
  c.n_fft = 256;
  c.hop_length = 64;
  c.n_mels = 20;
  const MelSpectrogram mel(c);
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::vector<float> x(1000);
  for (float& v : x) v = noise(rng);
  const auto s = mel.power(x);
  const int t = 0;  // the first frame: half of it is reflect padding
  std::vector<double> frame(256);
  for (int i = 0; i < 256; ++i) {
    const long j = long(t) * 64 - 128 + i;
    const double w = 0.5 - 0.5 * std::cos(2 * M_PI * i / 256);
    frame[size_t(i)] = w * x[size_t(j < 0 ? -j : j)];
  }
  std::vector<double> power(129);
  for (int k = 0; k < 129; ++k) {
    double re = 0, im = 0;
    for (int i = 0; i < 256; ++i) {
      re += frame[size_t(i)] * std::cos(2 * M_PI * k * i / 256);
      im -= frame[size_t(i)] * std::sin(2 * M_PI * k * i / 256);
    }
    power[size_t(k)] = re * re + im * im;
  }
  for (int b = 0; b < c.n_mels; ++b) {
    double expected = 0;
    for (int k = 0; k < 129; ++k) expected += mel.filterbank().weight(b, k) * power[size_t(k)];
    EXPECT_NEAR(s.at(b, t), expected, 1e-3 * std::max(1.0, expected)) << "band " << b;
  }
}

TEST(MelSpectrogram, ConcurrentCallsAgreeWithASerialOne) {
  const MelSpectrogram mel;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  std::vector<float> x(22050 * 3);
  for (float& v : x) v = u(rng);
  const auto expected = mel.compute(x).data;
  std::vector<std::vector<float>> got(4);
  {
    std::vector<std::jthread> threads;
    for (size_t i = 0; i < got.size(); ++i) threads.emplace_back([&, i] { got[i] = mel.compute(x).data; });
  }
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

}  // namespace
}  // namespace soundalike

// RhythmExtractor: a tone whose loudness pulses at a known rate puts its pattern's peak at that
// modulation rate, in the band the tone sounds in; a steady tone hardly fluctuates at all.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <vector>

#include "common/Error.h"
#include "features/RhythmExtractor.h"

using namespace soundalike;

namespace {

constexpr int kRate = 22050;

// A `carrier` Hz tone whose amplitude swings by `depth` around its mean at `pulse` Hz.
std::vector<float> pulsing_tone(double carrier, double pulse, double depth, double seconds) {
  std::vector<float> x(size_t(seconds * kRate));
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = double(i) / kRate;
    x[i] = float(0.5 * (1.0 + depth * std::sin(2 * std::numbers::pi * pulse * t)) * std::sin(2 * std::numbers::pi * carrier * t));
  }
  return x;
}

double total(const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

}  // namespace

TEST(RhythmExtractor, KindAndDimension) {
  const RhythmExtractor e;
  EXPECT_EQ(e.kind(), "rhythm-v1");
  EXPECT_EQ(e.dimension(), 12 * 60);
  EXPECT_EQ(e.sample_rate(), kRate);
  EXPECT_NEAR(e.modulation_hz(0), 22050.0 / 512 / 256, 1e-12);
  EXPECT_NE(RhythmExtractor(RhythmConfig{.bands = 6}).kind(), e.kind());  // other settings, other kind
  EXPECT_TRUE(is_rhythm_kind("rhythm-v1"));
  EXPECT_FALSE(is_rhythm_kind("timbre-v2"));
  EXPECT_THROW(RhythmExtractor(RhythmConfig{.bands = 7}), Error);
}

class RhythmPulse : public ::testing::TestWithParam<double> {};

TEST_P(RhythmPulse, PeaksAtThePulseRateInTheTonesBand) {
  const double pulse = GetParam();
  const RhythmExtractor e;
  const auto v = e.extract(pulsing_tone(1000, pulse, 0.5, 20));
  ASSERT_EQ(int(v.size()), e.dimension());
  // The band that fluctuates most is the tone's; its strongest bin is the pulse rate (bins are 0.17 Hz apart).
  int best_band = 0;
  double best_sum = -1;
  for (int g = 0; g < 12; ++g) {
    const double s = std::accumulate(v.begin() + g * 60, v.begin() + (g + 1) * 60, 0.0);
    if (s > best_sum) best_sum = s, best_band = g;
  }
  const auto row = v.begin() + best_band * 60;
  const int peak = int(std::max_element(row, row + 60) - row);
  EXPECT_NEAR(e.modulation_hz(peak), pulse, 0.17) << "band " << best_band;
  // 1 kHz lies in the lower half of a 36-band mel scale up to 11 kHz.
  EXPECT_LT(best_band, 6);
}

INSTANTIATE_TEST_SUITE_P(Rates, RhythmPulse, ::testing::Values(2.0, 4.0, 6.0));

TEST(RhythmExtractor, ASteadyToneHardlyFluctuates) {
  const RhythmExtractor e;
  const auto pulsing = e.extract(pulsing_tone(1000, 4.0, 0.5, 12));
  const auto steady = e.extract(pulsing_tone(1000, 4.0, 0.0, 12));
  for (float x : steady) ASSERT_TRUE(std::isfinite(x));
  // Not zero: bands far from a pure tone hold almost no power, and their loudness in dB wobbles with the
  // frames' leakage (2.6% of the pulsing tone's total here); music has no such empty bands.
  EXPECT_LT(total(steady), 0.05 * total(pulsing));
}

TEST(RhythmExtractor, ShortAndSilentClipsGiveFiniteDeterministicPatterns) {
  const RhythmExtractor e;
  const auto clip = pulsing_tone(440, 3.0, 0.8, 2.0);  // under one 5.9 s segment
  const auto a = e.extract(clip), b = e.extract(clip);
  ASSERT_EQ(int(a.size()), e.dimension());
  EXPECT_EQ(a, b);
  for (float x : a) ASSERT_TRUE(std::isfinite(x));
  const auto silent = e.extract(std::vector<float>(size_t(kRate) * 3, 0.0f));
  for (float x : silent) EXPECT_EQ(x, 0.0f);  // nothing fluctuates
  EXPECT_THROW(e.extract(std::vector<float>{}), Error);
}

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "common/Error.h"
#include "model/Augmenter.h"

namespace soundalike::model {
namespace {

constexpr int kMels = 8, kFrames = 32;

std::vector<float> ramp_window() {
  std::vector<float> w(kMels * kFrames);
  for (int b = 0; b < kMels; ++b)
    for (int t = 0; t < kFrames; ++t) w[size_t(b * kFrames + t)] = float(-80 + b * 5 + t);
  return w;
}

TEST(Augmenter, ShiftMovesContentByK) {
  for (int k : {3, -5, 0, kFrames + 2}) {
    SCOPED_TRACE(k);
    const auto in = ramp_window();
    auto out = in;
    Augmenter::shift(out, kMels, kFrames, k);
    for (int b = 0; b < kMels; ++b)
      for (int t = 0; t < kFrames; ++t) {
        const int to = ((t + k) % kFrames + kFrames) % kFrames;
        EXPECT_EQ(out[size_t(b * kFrames + to)], in[size_t(b * kFrames + t)]);
      }
  }
}

TEST(Augmenter, RollMovesBandsByK) {
  for (int k : {2, -3, 0, kMels + 1}) {
    SCOPED_TRACE(k);
    const auto in = ramp_window();
    auto out = in;
    Augmenter::roll_bands(out, kMels, kFrames, k);
    for (int b = 0; b < kMels; ++b)
      for (int t = 0; t < kFrames; ++t) {
        const int to = ((b + k) % kMels + kMels) % kMels;
        EXPECT_EQ(out[size_t(to * kFrames + t)], in[size_t(b * kFrames + t)]);
      }
  }
}

// "contrastive": gain, Gaussian noise and a band roll on every window, one mask of each kind.
TEST(Augmenter, ContrastivePresetChangesEveryWindowReproducibly) {
  const AugmentOptions o = AugmentOptions::parse("contrastive");
  EXPECT_TRUE(o.gain.enabled && o.gauss.enabled && o.roll.enabled && o.time_mask.enabled && o.freq_mask.enabled);
  EXPECT_EQ(o.masks, 1);
  EXPECT_FALSE(o.noise.enabled || o.shift.enabled || o.brightness.enabled || o.mixup.enabled);
  const Augmenter a(o);
  std::mt19937_64 r1(7), r2(7);
  for (int i = 0; i < 20; ++i) {
    auto w1 = ramp_window(), w2 = ramp_window();
    a.augment_raw(w1, kMels, kFrames, r1);
    a.augment_normalized(w1, kMels, kFrames, r1);
    a.augment_raw(w2, kMels, kFrames, r2);
    a.augment_normalized(w2, kMels, kFrames, r2);
    EXPECT_EQ(w1, w2);
    EXPECT_NE(w1, ramp_window());
  }
}

TEST(Augmenter, TimeMaskZeroesItsFramesOnly) {
  auto w = std::vector<float>(kMels * kFrames, 1.0f);
  Augmenter::time_mask(w, kMels, kFrames, 10, 4);
  for (int b = 0; b < kMels; ++b)
    for (int t = 0; t < kFrames; ++t) EXPECT_EQ(w[size_t(b * kFrames + t)], (t >= 10 && t < 14) ? 0.0f : 1.0f);
}

TEST(Augmenter, FrequencyMaskZeroesItsBandsOnly) {
  auto w = std::vector<float>(kMels * kFrames, 1.0f);
  Augmenter::freq_mask(w, kMels, kFrames, 2, 3);
  for (int b = 0; b < kMels; ++b)
    for (int t = 0; t < kFrames; ++t) EXPECT_EQ(w[size_t(b * kFrames + t)], (b >= 2 && b < 5) ? 0.0f : 1.0f);
}

TEST(Augmenter, NoiseRaisesTheFloorAndKeepsLoudBins) {
  std::vector<float> w(kMels * kFrames, -80.0f);
  w[0] = 0.0f;  // one loud bin
  std::mt19937_64 rng(3);
  Augmenter::add_noise(w, -40.0f, rng);
  const double quiet_mean = std::accumulate(w.begin() + 1, w.end(), 0.0) / double(w.size() - 1);
  EXPECT_GT(quiet_mean, -50.0);  // the floor rose from -80 towards the -40 dB noise
  EXPECT_NEAR(w[0], 0.0f, 0.1f);
  EXPECT_GT(*std::min_element(w.begin(), w.end()), -80.0f);
}

TEST(Augmenter, GainAndContrast) {
  std::vector<float> w = {-10, -20, -30, -40};
  Augmenter::gain_contrast(w, 5.0f, 2.0f);  // mean -25
  EXPECT_FLOAT_EQ(w[0], -25 + 30 + 5);
  EXPECT_FLOAT_EQ(w[3], -25 - 30 + 5);
}

TEST(Augmenter, DisabledDoesNothingAndParseKnowsTheNames) {
  Augmenter none(AugmentOptions::parse("none"));
  auto w = ramp_window();
  const auto before = w;
  std::mt19937_64 rng(1);
  none.augment_raw(w, kMels, kFrames, rng);
  none.augment_normalized(w, kMels, kFrames, rng);
  EXPECT_EQ(w, before);
  EXPECT_EQ(none.mixup_lambda(rng), 1.0f);
  const auto all = AugmentOptions::parse("noise,shift,brightness,specaugment,mixup");
  EXPECT_EQ(all.describe(), "noise,shift,brightness,specaugment,mixup");
  EXPECT_TRUE(all.time_mask.enabled && all.freq_mask.enabled);
  EXPECT_THROW(AugmentOptions::parse("rotate"), Error);
}

TEST(Augmenter, EnabledChangesWindowsReproducibly) {
  auto o = AugmentOptions::parse("all");
  for (auto* a : {&o.noise, &o.shift, &o.brightness, &o.time_mask, &o.freq_mask, &o.mixup}) a->probability = 1.0f;
  Augmenter aug(o);
  auto a = ramp_window(), b = ramp_window();
  std::mt19937_64 r1(9), r2(9);
  aug.augment_raw(a, kMels, kFrames, r1);
  aug.augment_raw(b, kMels, kFrames, r2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, ramp_window());
  const float lambda = aug.mixup_lambda(r1);
  EXPECT_GE(lambda, 0.5f);
  EXPECT_LE(lambda, 1.0f);
}

}  // namespace
}  // namespace soundalike::model

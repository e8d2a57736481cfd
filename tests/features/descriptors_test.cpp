#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "features/Descriptors.h"
#include "support/TestSupport.h"

using namespace soundalike;

namespace {
constexpr int kRate = 22050;

std::vector<float> click_track(double bpm, double seconds) {
  std::vector<float> x(size_t(seconds * kRate), 0.0f);
  const size_t period = size_t(std::lround(60.0 / bpm * kRate));
  for (size_t start = 0; start < x.size(); start += period)
    for (size_t j = 0; j < 200 && start + j < x.size(); ++j)
      x[start + j] = float(0.8 * std::sin(2 * std::numbers::pi * 1500.0 * double(j) / kRate) * std::exp(-double(j) / 40.0));
  return x;
}
}  // namespace

TEST(Descriptors, ClickTrackTempo) {
  for (double bpm : {90.0, 120.0, 140.0}) {
    const TempoEstimate t = estimate_tempo(click_track(bpm, 20.0), kRate);
    EXPECT_NEAR(t.bpm, bpm, bpm * 0.03) << "click track at " << bpm;
  }
}

TEST(Descriptors, NoTempoForShortOrSilentClips) {
  EXPECT_EQ(estimate_tempo(std::vector<float>(kRate, 0.0f), kRate).bpm, 0.0);
  const TempoEstimate silent = estimate_tempo(std::vector<float>(size_t(kRate) * 10, 0.0f), kRate);
  EXPECT_EQ(silent.bpm, 0.0);
  EXPECT_EQ(estimate_tempo(test::sine(300, 10, kRate), kRate).bpm, 0.0) << "a steady tone has no beat";
}

TEST(Descriptors, LoudnessFollowsLevel) {
  const auto quiet = test::sine(440, 3, kRate, 0.05f), loud = test::sine(440, 3, kRate, 0.5f);
  EXPECT_NEAR(rms_db(loud), 20 * std::log10(0.5 / std::sqrt(2.0)), 0.05);
  EXPECT_NEAR(rms_db(loud) - rms_db(quiet), 20.0, 0.05);
  EXPECT_EQ(rms_db(std::vector<float>(100, 0.0f)), -120.0);
}

TEST(Descriptors, BrighterToneHasHigherCentroid) {
  const DescriptorExtractor d(kRate);
  const double c440 = d.centroid_hz(test::sine(440, 3, kRate));
  const double c3000 = d.centroid_hz(test::sine(3000, 3, kRate));
  EXPECT_NEAR(c440, 440, 440 * 0.08);
  EXPECT_NEAR(c3000, 3000, 3000 * 0.08);
  // Two equal tones: the centroid sits between them (power-weighted mean frequency).
  const double both = d.centroid_hz(test::mix(test::sine(500, 3, kRate, 0.3f), test::sine(2500, 3, kRate, 0.3f)));
  EXPECT_NEAR(both, 1500, 150);
  EXPECT_EQ(d.centroid_hz(std::vector<float>(kRate, 0.0f)), 0.0);
}

TEST(Descriptors, ComputeCombinesAll) {
  const DescriptorExtractor d(kRate);
  const Descriptors r = d.compute(click_track(120, 15));
  EXPECT_NEAR(r.bpm, 120, 4);
  EXPECT_GT(r.loudness_db, -60);
  EXPECT_GT(r.centroid_hz, 800);
  EXPECT_LT(r.centroid_hz, 3000);
}

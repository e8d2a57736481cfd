#include "features/MelFilterbank.h"

#include <gtest/gtest.h>

#include <cmath>

namespace soundalike {
namespace {

// Slaney's Auditory Toolbox formulas, written out again here on purpose: the test must not share
// code with what it checks.
double slaney_mel(double hz) {
  const double f_sp = 200.0 / 3.0;
  const double min_log_hz = 1000.0;
  if (hz >= min_log_hz) return min_log_hz / f_sp + std::log(hz / min_log_hz) * 27.0 / std::log(6.4);
  return hz / f_sp;
}
double slaney_hz(double mel) {
  const double f_sp = 200.0 / 3.0;
  const double min_log_mel = 15.0;
  if (mel >= min_log_mel) return 1000.0 * std::exp((mel - min_log_mel) * std::log(6.4) / 27.0);
  return mel * f_sp;
}

double reference_weight(const SpectrogramConfig& c, int band, int bin) {
  const double top = slaney_mel(c.sample_rate / 2.0);
  auto edge = [&](int i) { return slaney_hz(top * i / (c.n_mels + 1)); };
  const double lo = edge(band), mid = edge(band + 1), hi = edge(band + 2);
  const double f = bin * double(c.sample_rate) / c.n_fft;
  double w = 0.0;
  if (f > lo && f <= mid) w = (f - lo) / (mid - lo);
  else if (f > mid && f < hi) w = (hi - f) / (hi - mid);
  return w * 2.0 / (hi - lo);
}

TEST(MelFilterbank, MelScaleRoundTripsAndIsLinearBelowOneKilohertz) {
  for (double hz : {0.0, 100.0, 440.0, 999.0, 1000.0, 4000.0, 11025.0}) {
    EXPECT_NEAR(hz_to_mel_slaney(hz), slaney_mel(hz), 1e-9) << hz;
    EXPECT_NEAR(mel_to_hz_slaney(hz_to_mel_slaney(hz)), hz, 1e-6) << hz;
  }
  EXPECT_NEAR(hz_to_mel_slaney(500.0), 7.5, 1e-12);
}

TEST(MelFilterbank, WeightsMatchTheSlaneyFormulas) {
  const SpectrogramConfig c;  // 22050 Hz, n_fft 2048, 128 bands
  const MelFilterbank fb(c);
  ASSERT_EQ(fb.n_mels(), 128);
  ASSERT_EQ(fb.n_bins(), 1025);
  for (int band : {0, 1, 10, 40, 64, 100, 127})
    for (int bin = 0; bin < fb.n_bins(); ++bin)
      ASSERT_NEAR(fb.weight(band, bin), reference_weight(c, band, bin), 1e-5) << "band " << band << " bin " << bin;
}

TEST(MelFilterbank, AreaNormalisationGivesEqualAreaTriangles) {
  // Slaney normalisation: each triangle integrates to 1 in Hz, so sum(w) * bin width ~ 1 where bands
  // span several bins.
  const SpectrogramConfig c;
  const MelFilterbank fb(c);
  const double bin_hz = double(c.sample_rate) / c.n_fft;
  for (int band : {60, 90, 120}) {
    double sum = 0;
    for (int k = 0; k < fb.n_bins(); ++k) sum += fb.weight(band, k);
    EXPECT_NEAR(sum * bin_hz, 1.0, 0.02) << band;
  }
}

TEST(MelFilterbank, OtherSampleRatesAndBandCounts) {
  SpectrogramConfig c;
  c.sample_rate = 16000;
  c.n_fft = 1024;
  c.n_mels = 64;
  const MelFilterbank fb(c);
  for (int band : {0, 31, 63})
    for (int bin = 0; bin < fb.n_bins(); ++bin)
      ASSERT_NEAR(fb.weight(band, bin), reference_weight(c, band, bin), 1e-5);
}

}  // namespace
}  // namespace soundalike

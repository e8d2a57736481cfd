#pragma once
// The classical baseline ("--features mfcc", kind "mfcc-v1"): per track the mean and standard deviation
// of 20 MFCCs plus spectral and rhythm statistics, each dimension standardised with fixed constants
// (see kScaling in MfccExtractor.cpp and docs/library.md) so that one song needs no library to be
// turned into a comparable vector.
#include <array>
#include <span>
#include <string>
#include <vector>

#include "features/Cepstrum.h"
#include "features/FeatureExtractor.h"
#include "features/MelSpectrogram.h"

namespace soundalike {

class MfccExtractor final : public FeatureExtractor {
 public:
  static constexpr int kMfccCount = 20;
  static constexpr int kContrastBands = 6;
  static constexpr int kDimension = 2 * kMfccCount + 8 + kContrastBands + 6;  // 60

  MfccExtractor();

  std::string kind() const override { return "mfcc-v1"; }
  int dimension() const override { return kDimension; }
  int sample_rate() const override { return mel_.config().sample_rate; }
  // Standardised features; safe to call from several threads at once.
  std::vector<float> extract(std::span<const float> samples) const override;

  // The same statistics before standardisation, in physical units (for tests and for tuning the
  // constants). Names of the dimensions in order: see dimension_names().
  std::vector<float> raw_features(std::span<const float> samples) const;
  static const std::vector<std::string>& dimension_names();

  // DCT-II with orthonormal scaling (scipy.fft.dct(type=2, norm="ortho"), as librosa.feature.mfcc),
  // keeping the first kMfccCount coefficients of one frame of n_mels log-mel values.
  void dct(std::span<const float> log_mel, std::span<float> mfcc) const;

 private:
  MelSpectrogram mel_;
  Dct dct_;                        // kMfccCount of n_mels
  std::vector<double> band_hz_;    // centre of each mel band
  std::vector<double> band_width_; // half the triangle's base, Hz: turns band density into power
};

}  // namespace soundalike

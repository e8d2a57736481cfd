#pragma once
// "--features timbre": a song as one full-covariance Gaussian over its MFCC frames (GaussianTimbre), the
// class of model Musly's "timbre" method uses. The stored vector is GaussianTimbre::to_vector(). Kind
// "timbre-v1" compares songs with the symmetrised KL divergence, "timbre-v2" with the Jensen-Shannon
// divergence and stores log det of the covariance for it (PairDistance, TimbreSongIndex); the frames
// are the same. Written from the published method (Mandel & Ellis 2005, Pampalk 2006, Schnitzer 2012);
// nothing here is taken from Musly.
#include <span>
#include <string>
#include <vector>

#include "features/Cepstrum.h"
#include "features/FeatureExtractor.h"
#include "features/GaussianTimbre.h"
#include "features/MelSpectrogram.h"

namespace soundalike {

// Frame settings and divergence. The frame defaults are those of "timbre-v1" and "timbre-v2" (chosen on
// the training packages, see docs/benchmarks.md, issues 9 and 14); any other setting gets a different
// kind string so vectors made with different settings are never compared.
struct TimbreConfig {
  int sample_rate = 22050;
  int n_fft = 2048;
  int hop_length = 512;
  int n_mels = 36;
  int n_mfcc = 25;
  // dB floor below the clip's loudest bin (librosa's power_to_db); <= 0: none, only amin (1e-10). A floor
  // makes quiet passages constant in the upper coefficients, nearly singular covariances and huge
  // divergences; without it P@1 with MP rose from 0.33 to 0.50 on the training packages.
  float top_db = 0.0f;
  TimbreDivergence divergence = TimbreDivergence::symmetric_kl;
  bool operator==(const TimbreConfig&) const = default;
};

inline constexpr TimbreConfig kTimbreV1{};
inline constexpr TimbreConfig kTimbreV2{.divergence = TimbreDivergence::jensen_shannon};

class TimbreExtractor final : public FeatureExtractor {
 public:
  explicit TimbreExtractor(TimbreConfig config = {});

  std::string kind() const override { return kind_; }
  int dimension() const override;
  int sample_rate() const override { return config_.sample_rate; }
  std::vector<float> extract(std::span<const float> samples) const override;

  // The MFCC frames the Gaussian is fitted to, frame-major (n_frames x n_mfcc); frames of digital
  // silence are left out (unless every frame is silent).
  std::vector<float> frames(std::span<const float> samples) const;
  const TimbreConfig& config() const { return config_; }

 private:
  TimbreConfig config_;
  std::string kind_;
  MelSpectrogram mel_;
  Dct dct_;  // n_mfcc of n_mels
};

}  // namespace soundalike

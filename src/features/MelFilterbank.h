#pragma once
// Slaney-scale triangular mel filters with Slaney area normalisation (librosa.filters.mel, htk=False,
// norm="slaney"), stored sparsely: each filter touches only a few FFT bins.
#include <span>
#include <vector>

#include "features/SpectrogramConfig.h"

namespace soundalike {

double hz_to_mel_slaney(double hz);
double mel_to_hz_slaney(double mel);

class MelFilterbank {
 public:
  explicit MelFilterbank(const SpectrogramConfig& config);

  int n_mels() const { return int(filters_.size()); }
  int n_bins() const { return n_bins_; }
  // Centre frequency of band b in Hz (the peak of its triangle).
  double centre_hz(int band) const { return centres_hz_[size_t(band) + 1]; }
  // Weight of FFT bin `bin` in band `band` (0 outside the triangle).
  float weight(int band, int bin) const;
  // mel[b] = sum_k weight(b, k) * power[k]
  void apply(std::span<const float> power, std::span<float> mel) const;

 private:
  struct Filter {
    int first_bin = 0;
    std::vector<float> weights;
  };
  std::vector<Filter> filters_;
  std::vector<double> centres_hz_;  // n_mels + 2 edges
  int n_bins_ = 0;
};

}  // namespace soundalike

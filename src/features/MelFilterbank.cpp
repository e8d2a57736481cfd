#include "features/MelFilterbank.h"

#include <algorithm>
#include <cmath>

namespace soundalike {
namespace {
constexpr double kLinearStep = 200.0 / 3.0;  // Hz per mel below 1 kHz
constexpr double kLogStartHz = 1000.0;
constexpr double kLogStartMel = kLogStartHz / kLinearStep;  // 15
const double kLogStep = std::log(6.4) / 27.0;
}  // namespace

double hz_to_mel_slaney(double hz) {
  if (hz < kLogStartHz) return hz / kLinearStep;
  return kLogStartMel + std::log(hz / kLogStartHz) / kLogStep;
}

double mel_to_hz_slaney(double mel) {
  if (mel < kLogStartMel) return mel * kLinearStep;
  return kLogStartHz * std::exp(kLogStep * (mel - kLogStartMel));
}

MelFilterbank::MelFilterbank(const SpectrogramConfig& c) : n_bins_(c.n_bins()) {
  c.validate();
  const int n = c.n_mels;
  const double lo = hz_to_mel_slaney(c.f_min), hi = hz_to_mel_slaney(c.effective_f_max());
  centres_hz_.resize(size_t(n) + 2);
  for (int i = 0; i < n + 2; ++i) centres_hz_[size_t(i)] = mel_to_hz_slaney(lo + (hi - lo) * i / (n + 1));
  filters_.resize(size_t(n));
  const double bin_hz = double(c.sample_rate) / c.n_fft;
  for (int b = 0; b < n; ++b) {
    const double left = centres_hz_[size_t(b)], mid = centres_hz_[size_t(b) + 1], right = centres_hz_[size_t(b) + 2];
    const double area_norm = 2.0 / (right - left);  // Slaney: every triangle has unit area
    Filter& f = filters_[size_t(b)];
    f.first_bin = -1;
    for (int k = 0; k < n_bins_; ++k) {
      const double hz = k * bin_hz;
      const double w = std::max(0.0, std::min((hz - left) / (mid - left), (right - hz) / (right - mid)));
      if (w > 0) {
        if (f.first_bin < 0) f.first_bin = k;
        f.weights.resize(size_t(k - f.first_bin) + 1, 0.0f);
        f.weights.back() = float(w * area_norm);
      }
    }
    if (f.first_bin < 0) f.first_bin = 0;  // a band narrower than one bin stays empty, as in librosa
  }
}

float MelFilterbank::weight(int band, int bin) const {
  const Filter& f = filters_[size_t(band)];
  const int i = bin - f.first_bin;
  return i >= 0 && i < int(f.weights.size()) ? f.weights[size_t(i)] : 0.0f;
}

void MelFilterbank::apply(std::span<const float> power, std::span<float> mel) const {
  for (size_t b = 0; b < filters_.size(); ++b) {
    const Filter& f = filters_[b];
    const float* p = power.data() + f.first_bin;
    float sum = 0.0f;
    for (size_t i = 0; i < f.weights.size(); ++i) sum += f.weights[i] * p[i];
    mel[b] = sum;
  }
}

}  // namespace soundalike

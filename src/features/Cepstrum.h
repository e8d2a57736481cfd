#pragma once
// The two steps every cepstral feature shares, defined once: power to decibels and the orthonormal
// DCT-II that turns a frame of log-mel bands into cepstral coefficients (scipy.fft.dct(type=2,
// norm="ortho"), as librosa.feature.mfcc). mfcc-v1, timbre-v1/v2 and the log-mel image all use them, so
// their stored vectors stay pinned by the golden tests when either changes.
#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

namespace soundalike {

// 10 log10(max(power, amin)): amin keeps digital silence finite.
inline float power_to_db(float power, float amin) { return 10.0f * std::log10(std::max(power, amin)); }

class Dct {
 public:
  // The first n_out coefficients of an n_in-point DCT-II.
  Dct(int n_out, int n_in);
  int n_out() const { return n_out_; }
  int n_in() const { return n_in_; }
  // out[k] = sum_i row_k[i] * in[i], accumulated in double; in.size() == n_in, out.size() >= n_out.
  void apply(std::span<const float> in, std::span<float> out) const;

 private:
  int n_out_, n_in_;
  std::vector<float> rows_;  // n_out x n_in
};

}  // namespace soundalike

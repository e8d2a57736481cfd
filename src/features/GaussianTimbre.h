#pragma once
// A song as one Gaussian over its MFCC frames (full covariance), compared with the symmetrised
// Kullback-Leibler divergence: the "timbre" model of Mandel & Ellis (2005) that Musly also builds on.
// Written from the published method; nothing here is taken from Musly.
#include <span>
#include <vector>

namespace soundalike {

class GaussianTimbre {
 public:
  // frames: n_frames rows of `dim` coefficients (frame-major). A small ridge keeps the covariance
  // invertible for near-constant material (silence, a single held tone).
  static GaussianTimbre fit(std::span<const float> frames, int dim, float ridge = 1e-3f);

  // A flat vector form for storage: [dim, mean(d), cov upper triangle (d(d+1)/2), inverse upper triangle].
  std::vector<float> to_vector() const;
  static GaussianTimbre from_vector(std::span<const float> v);

  int dim() const { return dim_; }
  const std::vector<float>& mean() const { return mean_; }
  float covariance(int i, int j) const;

  // Symmetrised KL divergence KL(a||b) + KL(b||a): 0 for identical Gaussians, symmetric, > 0 otherwise.
  friend double symmetric_kl(const GaussianTimbre& a, const GaussianTimbre& b);

 private:
  int dim_ = 0;
  std::vector<float> mean_;
  // Upper triangles, row by row, with off-diagonal entries doubled so that a plain dot product of two
  // packed symmetric matrices is the trace of their product.
  std::vector<float> cov_packed_;
  std::vector<float> inv_packed_;
  std::vector<float> inv_full_;  // for the quadratic term
};

double symmetric_kl(const GaussianTimbre& a, const GaussianTimbre& b);

}  // namespace soundalike

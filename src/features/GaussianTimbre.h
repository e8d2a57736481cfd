#pragma once
// A song as one Gaussian over its MFCC frames (full covariance): the "timbre" model of Mandel & Ellis
// (2005) that Musly also builds on. Two divergences compare such songs: the symmetrised Kullback-Leibler
// divergence (timbre-v1) and the Jensen-Shannon divergence in the approximation Schnitzer's thesis and
// the Musly paper describe (timbre-v2). Written from the published methods; nothing here is taken from Musly.
#include <span>
#include <vector>

namespace soundalike {

enum class TimbreDivergence { symmetric_kl, jensen_shannon };

class GaussianTimbre {
 public:
  // frames: n_frames rows of `dim` coefficients (frame-major). A small ridge keeps the covariance
  // invertible for near-constant material (silence, a single held tone).
  static GaussianTimbre fit(std::span<const float> frames, int dim, float ridge = 1e-3f);

  // A flat vector form for storage: [dim, mean(d), cov upper triangle (d(d+1)/2), inverse upper triangle],
  // and with_log_det (timbre-v2) two more floats: log det cov as a float and the float of what that
  // rounding lost, so that the divergence of a song with itself is zero to double precision.
  std::vector<float> to_vector(bool with_log_det = false) const;
  // Reads either layout.
  static GaussianTimbre from_vector(std::span<const float> v);

  int dim() const { return dim_; }
  const std::vector<float>& mean() const { return mean_; }
  float covariance(int i, int j) const;
  double log_det() const { return log_det_; }

  // Symmetrised KL divergence KL(a||b) + KL(b||a): 0 for identical Gaussians, symmetric, > 0 otherwise.
  friend double symmetric_kl(const GaussianTimbre& a, const GaussianTimbre& b);
  friend double jensen_shannon(const GaussianTimbre& a, const GaussianTimbre& b);

 private:
  int dim_ = 0;
  std::vector<float> mean_;
  // Upper triangles, row by row, with off-diagonal entries doubled so that a plain dot product of two
  // packed symmetric matrices is the trace of their product.
  std::vector<float> cov_packed_;
  std::vector<float> inv_packed_;
  std::vector<float> inv_full_;  // for the quadratic term
  double log_det_ = 0.0;         // of the covariance as stored (float-rounded)
};

double symmetric_kl(const GaussianTimbre& a, const GaussianTimbre& b);
double jensen_shannon(const GaussianTimbre& a, const GaussianTimbre& b);

// log det of a covariance in the packed layout (upper triangle, off-diagonal entries doubled).
double packed_log_det(int d, std::span<const float> cov_packed);

// The Jensen-Shannon divergence of two Gaussians through the single Gaussian that moment-matches their
// equal-weight mixture (the mixture itself has no closed-form entropy):
//   JS ~ 1/2 log det S_m - 1/4 (log det S_a + log det S_b),  S_m = (S_a + S_b)/2 + dd',  d = (mu_a - mu_b)/2.
// 0 for identical Gaussians, symmetric, and >= 0 (log det is concave). Unlike the symmetrised KL it
// needs no inverse and stays moderate for near-singular covariances, which the KL turns into outliers.
// Covariances in the packed layout; log dets as packed_log_det gives them.
double gaussian_js(int d, std::span<const float> mean_a, std::span<const float> cov_a, double log_det_a,
                   std::span<const float> mean_b, std::span<const float> cov_b, double log_det_b);

}  // namespace soundalike

#include "features/GaussianTimbre.h"

#include <Eigen/Dense>

#include <string>

#include "common/Error.h"

namespace soundalike {
namespace {

size_t packed_size(int d) { return size_t(d) * size_t(d + 1) / 2; }

std::vector<float> pack(const Eigen::MatrixXd& m, bool double_off_diagonal) {
  const int d = int(m.rows());
  std::vector<float> out;
  out.reserve(packed_size(d));
  for (int i = 0; i < d; ++i)
    for (int j = i; j < d; ++j) out.push_back(float(m(i, j) * (double_off_diagonal && i != j ? 2.0 : 1.0)));
  return out;
}

// log det of a symmetric positive definite matrix. The Cholesky factor gives it cheaply; should rounding
// leave the matrix a hair from definite, LDL' with a floor on the pivots keeps the result finite.
template <typename Matrix>
double log_det_spd(const Matrix& m) {
  const Eigen::LLT<Matrix> llt(m);
  if (llt.info() == Eigen::Success) return 2.0 * llt.matrixLLT().diagonal().array().log().sum();
  const Eigen::LDLT<Matrix> ldlt(m);
  return ldlt.vectorD().array().abs().max(1e-300).log().sum();
}

template <typename Matrix>
void unpack_into(std::span<const float> p, int d, bool off_diagonal_doubled, Matrix& m) {
  size_t k = 0;
  for (int i = 0; i < d; ++i)
    for (int j = i; j < d; ++j) m(i, j) = m(j, i) = p[k++] / (off_diagonal_doubled && i != j ? 2.0 : 1.0);
}

template <typename Matrix>
double js_with(Matrix& m, int d, std::span<const float> mean_a, std::span<const float> cov_a, double log_det_a,
               std::span<const float> mean_b, std::span<const float> cov_b, double log_det_b) {
  size_t k = 0;
  for (int i = 0; i < d; ++i) {
    const double di = 0.5 * (double(mean_a[size_t(i)]) - mean_b[size_t(i)]);
    for (int j = i; j < d; ++j, ++k) {
      const double dj = 0.5 * (double(mean_a[size_t(j)]) - mean_b[size_t(j)]);
      const double half_sum = 0.5 * (double(cov_a[k]) + double(cov_b[k])) / (i != j ? 2.0 : 1.0);
      m(i, j) = m(j, i) = half_sum + di * dj;
    }
  }
  const double js = 0.5 * log_det_spd(m) - 0.25 * (log_det_a + log_det_b);
  return js > 0.0 ? js : 0.0;  // rounding can dip a hair below zero for identical models
}

// Calls f with a d x d work matrix: on the stack for the usual sizes (25 coefficients), since the
// divergence runs once per song pair in a search, where a heap allocation would be a measurable share.
// Both log dets of a divergence go through the same matrix type, so a song's divergence with itself
// is zero to the last bit.
template <typename F>
double with_work_matrix(int d, F&& f) {
  constexpr int kStack = 32;
  if (d <= kStack) {
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kStack, kStack> m(d, d);
    return f(m);
  }
  Eigen::MatrixXd m(d, d);
  return f(m);
}

}  // namespace

double packed_log_det(int d, std::span<const float> cov_packed) {
  if (cov_packed.size() != packed_size(d)) throw Error(ExitCode::internal, "packed_log_det: size does not match the dimension");
  return with_work_matrix(d, [&](auto& m) {
    unpack_into(cov_packed, d, true, m);
    return log_det_spd(m);
  });
}

double gaussian_js(int d, std::span<const float> mean_a, std::span<const float> cov_a, double log_det_a,
                   std::span<const float> mean_b, std::span<const float> cov_b, double log_det_b) {
  return with_work_matrix(d, [&](auto& m) { return js_with(m, d, mean_a, cov_a, log_det_a, mean_b, cov_b, log_det_b); });
}

GaussianTimbre GaussianTimbre::fit(std::span<const float> frames, int dim, float ridge) {
  if (dim < 1 || frames.size() % size_t(dim) != 0)
    throw Error(ExitCode::internal, "GaussianTimbre::fit: frame data is not a whole number of frames");
  const auto n = Eigen::Index(frames.size() / size_t(dim));
  if (n < 2) throw Error(ExitCode::internal, "GaussianTimbre::fit: needs at least two frames");
  const Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> x(frames.data(), n, dim);
  const Eigen::RowVectorXd mu = x.cast<double>().colwise().mean();
  const Eigen::MatrixXd centred = x.cast<double>().rowwise() - mu;
  Eigen::MatrixXd cov = (centred.transpose() * centred) / double(n - 1);
  cov.diagonal().array() += double(ridge);
  const Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success) throw Error(ExitCode::internal, "GaussianTimbre::fit: covariance is not positive definite");
  const Eigen::MatrixXd inv = llt.solve(Eigen::MatrixXd::Identity(dim, dim));

  GaussianTimbre g;
  g.dim_ = dim;
  g.mean_.assign(mu.data(), mu.data() + dim);
  g.cov_packed_ = pack(cov, true);
  g.inv_packed_ = pack(inv, false);
  g.log_det_ = packed_log_det(dim, g.cov_packed_);  // of the stored floats, as every comparison sees them
  g.inv_full_.resize(size_t(dim) * size_t(dim));
  for (int i = 0; i < dim; ++i)
    for (int j = 0; j < dim; ++j) g.inv_full_[size_t(i * dim + j)] = float(inv(i, j));
  return g;
}

float GaussianTimbre::covariance(int i, int j) const {
  if (i > j) std::swap(i, j);
  const size_t k = size_t(i) * size_t(2 * dim_ - i + 1) / 2 + size_t(j - i);
  return cov_packed_[k] / (i != j ? 2.0f : 1.0f);
}

std::vector<float> GaussianTimbre::to_vector(bool with_log_det) const {
  std::vector<float> v;
  v.reserve(3 + mean_.size() + 2 * cov_packed_.size());
  v.push_back(float(dim_));
  v.insert(v.end(), mean_.begin(), mean_.end());
  v.insert(v.end(), cov_packed_.begin(), cov_packed_.end());
  v.insert(v.end(), inv_packed_.begin(), inv_packed_.end());
  if (with_log_det) {
    const float high = float(log_det_);
    v.push_back(high);
    v.push_back(float(log_det_ - double(high)));
  }
  return v;
}

GaussianTimbre GaussianTimbre::from_vector(std::span<const float> v) {
  if (v.empty()) throw Error(ExitCode::bad_data, "timbre model: empty vector");
  const int d = int(v[0]);
  const size_t plain = 1 + size_t(d) + 2 * packed_size(d);
  if (d < 1 || d > 256 || (v.size() != plain && v.size() != plain + 2))
    throw Error(ExitCode::bad_data, "timbre model: vector of " + std::to_string(v.size()) + " floats is not a Gaussian");
  GaussianTimbre g;
  g.dim_ = d;
  g.mean_.assign(v.begin() + 1, v.begin() + 1 + d);
  const auto cov = v.subspan(1 + size_t(d), packed_size(d));
  const auto inv = v.subspan(1 + size_t(d) + packed_size(d), packed_size(d));
  g.cov_packed_.assign(cov.begin(), cov.end());
  g.inv_packed_.assign(inv.begin(), inv.end());
  Eigen::MatrixXd full(d, d);
  unpack_into(inv, d, false, full);
  g.inv_full_.resize(size_t(d) * size_t(d));
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) g.inv_full_[size_t(i * d + j)] = float(full(i, j));
  g.log_det_ = v.size() == plain ? packed_log_det(d, g.cov_packed_) : double(v[plain]) + double(v[plain + 1]);
  return g;
}

double symmetric_kl(const GaussianTimbre& a, const GaussianTimbre& b) {
  const int d = a.dim_;
  if (b.dim_ != d) throw Error(ExitCode::bad_data, "timbre models of different dimensions cannot be compared");
  // tr(inv_b cov_a) + tr(inv_a cov_b), via packed dot products (off-diagonals of cov are doubled).
  double trace = 0.0;
  const size_t p = a.cov_packed_.size();
  for (size_t k = 0; k < p; ++k) trace += double(b.inv_packed_[k]) * a.cov_packed_[k] + double(a.inv_packed_[k]) * b.cov_packed_[k];
  // (mu_a - mu_b)^T (inv_a + inv_b) (mu_a - mu_b)
  double quad = 0.0;
  for (int i = 0; i < d; ++i) {
    const double di = double(a.mean_[size_t(i)]) - b.mean_[size_t(i)];
    double row = 0.0;
    for (int j = 0; j < d; ++j)
      row += (double(a.inv_full_[size_t(i * d + j)]) + b.inv_full_[size_t(i * d + j)]) *
             (double(a.mean_[size_t(j)]) - b.mean_[size_t(j)]);
    quad += di * row;
  }
  const double skl = 0.5 * (trace + quad) - d;
  return skl > 0.0 ? skl : 0.0;  // rounding can dip a hair below zero for identical models
}

double jensen_shannon(const GaussianTimbre& a, const GaussianTimbre& b) {
  if (b.dim_ != a.dim_) throw Error(ExitCode::bad_data, "timbre models of different dimensions cannot be compared");
  return gaussian_js(a.dim_, a.mean_, a.cov_packed_, a.log_det_, b.mean_, b.cov_packed_, b.log_det_);
}

}  // namespace soundalike

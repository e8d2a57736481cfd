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

Eigen::MatrixXd unpack(std::span<const float> p, int d, bool off_diagonal_doubled) {
  Eigen::MatrixXd m(d, d);
  size_t k = 0;
  for (int i = 0; i < d; ++i)
    for (int j = i; j < d; ++j) {
      const double v = p[k++] / (off_diagonal_doubled && i != j ? 2.0 : 1.0);
      m(i, j) = m(j, i) = v;
    }
  return m;
}

}  // namespace

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

std::vector<float> GaussianTimbre::to_vector() const {
  std::vector<float> v;
  v.reserve(1 + mean_.size() + 2 * cov_packed_.size());
  v.push_back(float(dim_));
  v.insert(v.end(), mean_.begin(), mean_.end());
  v.insert(v.end(), cov_packed_.begin(), cov_packed_.end());
  v.insert(v.end(), inv_packed_.begin(), inv_packed_.end());
  return v;
}

GaussianTimbre GaussianTimbre::from_vector(std::span<const float> v) {
  if (v.empty()) throw Error(ExitCode::bad_data, "timbre model: empty vector");
  const int d = int(v[0]);
  if (d < 1 || d > 256 || v.size() != 1 + size_t(d) + 2 * packed_size(d))
    throw Error(ExitCode::bad_data, "timbre model: vector of " + std::to_string(v.size()) + " floats is not a Gaussian");
  GaussianTimbre g;
  g.dim_ = d;
  g.mean_.assign(v.begin() + 1, v.begin() + 1 + d);
  const auto cov = v.subspan(1 + size_t(d), packed_size(d));
  const auto inv = v.subspan(1 + size_t(d) + packed_size(d), packed_size(d));
  g.cov_packed_.assign(cov.begin(), cov.end());
  g.inv_packed_.assign(inv.begin(), inv.end());
  const Eigen::MatrixXd full = unpack(inv, d, false);
  g.inv_full_.resize(size_t(d) * size_t(d));
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) g.inv_full_[size_t(i * d + j)] = float(full(i, j));
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

}  // namespace soundalike

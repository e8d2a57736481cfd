#include "features/Cepstrum.h"

#include <numbers>

#include "common/Error.h"

namespace soundalike {

Dct::Dct(int n_out, int n_in) : n_out_(n_out), n_in_(n_in) {
  if (n_in < 1 || n_out < 1 || n_out > n_in) throw Error(ExitCode::internal, "Dct: needs 1 <= n_out <= n_in");
  rows_.resize(size_t(n_out) * size_t(n_in));
  for (int k = 0; k < n_out; ++k) {
    const double w = k == 0 ? std::sqrt(1.0 / n_in) : std::sqrt(2.0 / n_in);
    for (int i = 0; i < n_in; ++i)
      rows_[size_t(k) * size_t(n_in) + size_t(i)] = float(w * std::cos(std::numbers::pi * k * (2 * i + 1) / (2.0 * n_in)));
  }
}

void Dct::apply(std::span<const float> in, std::span<float> out) const {
  if (in.size() != size_t(n_in_) || out.size() < size_t(n_out_)) throw Error(ExitCode::internal, "Dct::apply: wrong sizes");
  for (int k = 0; k < n_out_; ++k) {
    const float* row = rows_.data() + size_t(k) * size_t(n_in_);
    double s = 0;
    for (int i = 0; i < n_in_; ++i) s += double(row[i]) * in[size_t(i)];
    out[size_t(k)] = float(s);
  }
}

}  // namespace soundalike

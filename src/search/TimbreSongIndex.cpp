#include "search/TimbreSongIndex.h"

#include <Eigen/Dense>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "common/Error.h"
#include "common/Parallel.h"
#include "features/GaussianTimbre.h"

namespace soundalike {

bool is_timbre_kind(std::string_view kind) { return kind.starts_with("timbre-"); }
bool is_jensen_shannon_kind(std::string_view kind) { return kind.starts_with("timbre-v2"); }

namespace {

size_t packed_size(int d) { return size_t(d) * size_t(d + 1) / 2; }

// The stored layout of GaussianTimbre::to_vector(): [d, mean(d), cov (P, off-diagonal doubled), inverse (P)]
// and, for the Jensen-Shannon kinds (timbre-v2), log det cov as two floats (value, rounding remainder).
struct Stored {
  int d = 0;
  std::span<const float> mean, cov, inv;
  bool js = false;
  double log_det = 0.0;
};

size_t plain_size(int d) { return 1 + size_t(d) + 2 * packed_size(d); }

Stored view(std::span<const float> v) {
  if (v.empty()) throw Error(ExitCode::bad_data, "timbre model: empty vector");
  const int d = int(v[0]);
  if (d < 1 || d > 256 || (v.size() != plain_size(d) && v.size() != plain_size(d) + 2))
    throw Error(ExitCode::bad_data, "timbre model: vector of " + std::to_string(v.size()) + " floats is not a Gaussian");
  const size_t p = packed_size(d);
  Stored s{d, v.subspan(1, size_t(d)), v.subspan(1 + size_t(d), p), v.subspan(1 + size_t(d) + p, p)};
  if (v.size() == plain_size(d) + 2) {
    s.js = true;
    s.log_det = double(v[plain_size(d)]) + double(v[plain_size(d) + 1]);
  }
  return s;
}

double js_of(const Stored& x, const Stored& y) { return gaussian_js(x.d, x.mean, x.cov, x.log_det, y.mean, y.cov, y.log_det); }

// inv (packed, not doubled) times x.
void packed_times(std::span<const float> inv, int d, std::span<const double> x, std::span<double> out) {
  std::fill(out.begin(), out.end(), 0.0);
  size_t k = 0;
  for (int i = 0; i < d; ++i)
    for (int j = i; j < d; ++j, ++k) {
      out[size_t(i)] += double(inv[k]) * x[size_t(j)];
      if (j != i) out[size_t(j)] += double(inv[k]) * x[size_t(i)];
    }
}

// The scan's inner loop with 8-wide fused multiply-adds. The build targets baseline x86-64 (SSE2, no
// FMA), where Eigen's product ran at ~1 GMAC/s; this is chosen at run time where the CPU has AVX2+FMA.
__attribute__((target("avx2,fma"))) void dot_rows_avx2(const float* rows, size_t n, size_t len, const float* q,
                                                       float* out) {
  for (size_t r = 0; r < n; ++r) {
    const float* x = rows + r * len;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 32 <= len; j += 32) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(q + j), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + j + 8), _mm256_loadu_ps(q + j + 8), a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + j + 16), _mm256_loadu_ps(q + j + 16), a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + j + 24), _mm256_loadu_ps(q + j + 24), a3);
    }
    for (; j + 8 <= len; j += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(q + j), a0);
    const __m256 sum = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    const __m128 h = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, h);
    float t = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (; j < len; ++j) t += x[j] * q[j];
    out[r] = t;
  }
}

bool has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

}  // namespace

double timbre_divergence(std::span<const float> a, std::span<const float> b) {
  const Stored x = view(a), y = view(b);
  if (x.d != y.d) throw Error(ExitCode::bad_data, "timbre models of different dimensions cannot be compared");
  if (x.js != y.js) throw Error(ExitCode::bad_data, "timbre-v1 and timbre-v2 models cannot be compared; re-index with one kind");
  if (x.js) return js_of(x, y);
  const int d = x.d;
  double trace = 0.0, quad = 0.0;
  size_t k = 0;
  for (int i = 0; i < d; ++i) {
    const double di = double(x.mean[size_t(i)]) - y.mean[size_t(i)];
    for (int j = i; j < d; ++j, ++k) {
      trace += double(y.inv[k]) * x.cov[k] + double(x.inv[k]) * y.cov[k];
      const double dj = double(x.mean[size_t(j)]) - y.mean[size_t(j)];
      quad += (double(x.inv[k]) + y.inv[k]) * di * dj * (i == j ? 1.0 : 2.0);
    }
  }
  const double skl = 0.5 * (trace + quad) - d;
  return skl > 0.0 ? skl : 0.0;  // rounding can dip a hair below zero for identical models
}

namespace {

class TimbreSongIndex final : public SongIndex {
 public:
  TimbreSongIndex(int dimension, const TimbreIndexOptions& o, size_t expected_size)
      : dimension_(dimension), options_(o), filtered_(o.force_filter || expected_size > o.filter_threshold) {
    // The dimension must be that of a stored Gaussian: 1 + d + d(d+1), and 2 more with log det (JS).
    for (int d = 1; d <= 256; ++d) {
      if (int(plain_size(d)) == dimension) d_ = d;
      if (int(plain_size(d)) + 2 == dimension) d_ = d, js_ = true;
    }
    if (d_ == 0) throw Error(ExitCode::bad_data, "a timbre index needs timbre vectors; got dimension " + std::to_string(dimension));
    p_ = packed_size(d_);
    row_ = 2 * p_ + 2 * size_t(d_) + 2;
  }

  int dimension() const override { return dimension_; }
  Metric metric() const override { return Metric::l2; }  // unused: the distance is the divergence
  size_t size() const override { return ids_.size(); }
  std::string type() const override {
    if (js_) return exact_js() ? "timbre-js-exact" : filtered_ ? "timbre-js-filter" : "timbre-js-shortlist";
    return filtered_ ? "timbre-filter" : "timbre-exact";
  }

  void add(std::span<const int64_t> ids, std::span<const float> vectors) override {
    const size_t n = ids.size();
    if (vectors.size() != n * size_t(dimension_))
      throw Error(ExitCode::internal, "TimbreSongIndex::add: vector data does not match the ids");
    if (n == 0) return;
    if (ids_.empty()) fix_centre(vectors, n);
    rows_.resize((ids_.size() + n) * row_);
    if (js_) js_vectors_.insert(js_vectors_.end(), vectors.begin(), vectors.end());
    std::vector<float> proxies(filtered_ ? n * 2 * size_t(d_) : 0);
    parallel_for(n, options_.jobs, [&](size_t i) {
      const auto v = vectors.subspan(i * size_t(dimension_), size_t(dimension_));
      song_row(v, std::span(rows_).subspan((ids_.size() + i) * row_, row_));
      if (filtered_) proxy(v, std::span(proxies).subspan(i * 2 * size_t(d_), 2 * size_t(d_)));
    });
    if (filtered_) {
      std::vector<int64_t> positions(n);
      std::iota(positions.begin(), positions.end(), int64_t(ids_.size()));
      if (!filter_) {
        FaissIndexOptions fo;
        fo.hnsw_threshold = 1000000;  // flat L2 over 2d floats is a few ms per query below that
        fo.hnsw_ef_search = std::max(256, options_.filter_candidates);
        filter_ = make_faiss_index(2 * d_, fo, ids_.size() + n);
      }
      filter_->add(positions, proxies);
    }
    ids_.insert(ids_.end(), ids.begin(), ids.end());
  }

  std::vector<Neighbor> search(std::span<const float> query, int k) const override {
    if (query.size() != size_t(dimension_))
      throw Error(ExitCode::bad_data, "query vector has dimension " + std::to_string(query.size()) +
                                          " but the timbre index holds dimension " + std::to_string(dimension_));
    const size_t n = ids_.size();
    k = int(std::min<size_t>(size_t(std::max(k, 0)), n));
    if (k <= 0) return {};
    const std::vector<double> q = query_row(query);
    // The Jensen-Shannon divergence needs a Cholesky factorisation per pair (a few microseconds), so
    // large libraries shortlist by the symmetrised KL, whose nearest songs are nearly the same set.
    const size_t shortlist = js_ ? size_t(std::max(options_.js_candidates, 4 * k)) : size_t(4 * k + 64);
    std::vector<size_t> candidates;
    if (js_ && exact_js()) {
      candidates.resize(n);
      std::iota(candidates.begin(), candidates.end(), size_t(0));
    } else if (filtered_) {
      std::vector<float> p(2 * size_t(d_));
      proxy(query, p);
      const int wanted = std::max(options_.filter_candidates, int(js_ ? shortlist : size_t(4 * k)));
      for (const Neighbor& c : filter_->search(p, wanted)) candidates.push_back(size_t(c.id));
    } else {
      candidates = scan(q, std::min(n, shortlist));
    }
    if (js_) return rank_by_js(query, candidates, k);
    // Exact re-scoring in double: the float scan only has to get the right songs into the shortlist.
    std::vector<Neighbor> out;
    out.reserve(candidates.size());
    for (size_t c : candidates) {
      const float* r = rows_.data() + c * row_;
      double s = 0.0;
      for (size_t j = 0; j < row_; ++j) s += double(r[j]) * q[j];
      out.push_back({ids_[c], float(std::max(0.0, 0.5 * s - d_))});
    }
    std::sort(out.begin(), out.end(), [](const Neighbor& a, const Neighbor& b) {
      return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
    });
    if (out.size() > size_t(k)) out.resize(size_t(k));
    return out;
  }

  void save(const std::filesystem::path& path) const override {
    // Rebuilding from the library is a single pass over the stored vectors, so there is no file format.
    throw InputError(ExitCode::internal, path, "timbre indexes are rebuilt from the library, not saved");
  }

 private:
  void fix_centre(std::span<const float> vectors, size_t n) {
    // KL is unchanged when every mean moves by the same vector; centring keeps the expanded inner
    // product's terms small, so the float scan loses little to cancellation.
    centre_.assign(size_t(d_), 0.0);
    std::vector<double> var(size_t(d_), 0.0);
    for (size_t i = 0; i < n; ++i) {
      const Stored s = view(vectors.subspan(i * size_t(dimension_), size_t(dimension_)));
      for (int a = 0; a < d_; ++a) {
        centre_[size_t(a)] += s.mean[size_t(a)] / double(n);
        var[size_t(a)] += s.cov[diag(a)] / double(n);
      }
    }
    scale_.resize(size_t(d_));
    for (int a = 0; a < d_; ++a) scale_[size_t(a)] = float(1.0 / std::sqrt(std::max(var[size_t(a)], 1e-6)));
  }

  size_t diag(int i) const { return size_t(i) * size_t(2 * d_ - i + 1) / 2; }

  bool exact_js() const { return ids_.size() <= options_.js_exact_threshold; }

  std::vector<Neighbor> rank_by_js(std::span<const float> query, const std::vector<size_t>& positions, int k) const {
    const Stored q = view(query);
    if (!q.js) throw Error(ExitCode::bad_data, "a timbre-v2 index needs timbre-v2 queries");
    std::vector<Neighbor> out(positions.size());
    // Chunks so that small libraries stay on the calling thread and large ones pay once per thread.
    constexpr size_t kChunk = 512;
    const size_t chunks = (positions.size() + kChunk - 1) / kChunk;
    parallel_for(chunks, chunks < 2 ? 1 : options_.jobs, [&](size_t c) {
      for (size_t i = c * kChunk; i < std::min(positions.size(), (c + 1) * kChunk); ++i) {
        const size_t p = positions[i];
        const Stored s = view(std::span(js_vectors_).subspan(p * size_t(dimension_), size_t(dimension_)));
        out[i] = {ids_[p], float(js_of(s, q))};
      }
    });
    const auto closer = [](const Neighbor& a, const Neighbor& b) {
      return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
    };
    const size_t keep = std::min(out.size(), size_t(k));
    std::partial_sort(out.begin(), out.begin() + std::ptrdiff_t(keep), out.end(), closer);
    out.resize(keep);
    return out;
  }

  // [inv (P), cov + m m' (P, off-diagonal doubled), inv m (d), m (d), m' inv m, 1], m = mean - centre.
  void song_row(std::span<const float> v, std::span<float> row) const {
    const Stored s = view(v);
    std::vector<double> m(static_cast<size_t>(d_)), im(static_cast<size_t>(d_));
    for (int i = 0; i < d_; ++i) m[size_t(i)] = double(s.mean[size_t(i)]) - centre_[size_t(i)];
    packed_times(s.inv, d_, m, im);
    size_t o = 0, k = 0;
    for (size_t j = 0; j < p_; ++j) row[o++] = s.inv[j];
    for (int i = 0; i < d_; ++i)
      for (int j = i; j < d_; ++j, ++k) row[o++] = float(s.cov[k] + m[size_t(i)] * m[size_t(j)] * (i == j ? 1.0 : 2.0));
    double c = 0.0;
    for (int i = 0; i < d_; ++i) {
      row[o + size_t(i)] = float(im[size_t(i)]);
      row[o + size_t(d_) + size_t(i)] = float(m[size_t(i)]);
      c += m[size_t(i)] * im[size_t(i)];
    }
    o += 2 * size_t(d_);
    row[o++] = float(c);
    row[o++] = 1.0f;
  }

  // The partner of song_row: [cov + m m' (doubled), inv, -2 m, -2 inv m, 1, m' inv m].
  std::vector<double> query_row(std::span<const float> v) const {
    const Stored s = view(v);
    if (s.d != d_) throw Error(ExitCode::bad_data, "timbre models of different dimensions cannot be compared");
    std::vector<double> m(static_cast<size_t>(d_)), im(static_cast<size_t>(d_)), q(row_);
    for (int i = 0; i < d_; ++i) m[size_t(i)] = double(s.mean[size_t(i)]) - centre_[size_t(i)];
    packed_times(s.inv, d_, m, im);
    size_t o = 0, k = 0;
    for (int i = 0; i < d_; ++i)
      for (int j = i; j < d_; ++j, ++k) q[o++] = s.cov[k] + m[size_t(i)] * m[size_t(j)] * (i == j ? 1.0 : 2.0);
    for (size_t j = 0; j < p_; ++j) q[o++] = s.inv[j];
    double c = 0.0;
    for (int i = 0; i < d_; ++i) {
      q[o + size_t(i)] = -2.0 * m[size_t(i)];
      q[o + size_t(d_) + size_t(i)] = -2.0 * im[size_t(i)];
      c += m[size_t(i)] * im[size_t(i)];
    }
    o += 2 * size_t(d_);
    q[o++] = 1.0;
    q[o++] = c;
    return q;
  }

  // Mean scaled by the library's typical spread, log-variance / sqrt 2 (see the header).
  void proxy(std::span<const float> v, std::span<float> out) const {
    const Stored s = view(v);
    for (int i = 0; i < d_; ++i) {
      out[size_t(i)] = float((s.mean[size_t(i)] - centre_[size_t(i)]) * scale_[size_t(i)]);
      out[size_t(d_ + i)] = float(std::log(std::max(double(s.cov[diag(i)]), 1e-12)) * M_SQRT1_2);
    }
  }

  // Positions of the `keep` smallest divergences by a float matrix-vector product over all rows.
  std::vector<size_t> scan(const std::vector<double>& q, size_t keep) const {
    const size_t n = ids_.size();
    Eigen::VectorXf qf(static_cast<Eigen::Index>(row_));
    for (size_t j = 0; j < row_; ++j) qf[Eigen::Index(j)] = float(q[j]);
    std::vector<float> score(n);
    // Chunks of a few thousand rows: enough work per thread to pay for starting it, and small libraries
    // stay on the calling thread.
    constexpr size_t kChunk = 8192;
    const size_t chunks = (n + kChunk - 1) / kChunk;
    parallel_for(chunks, chunks < 3 ? 1 : options_.jobs, [&](size_t c) {
      const size_t begin = c * kChunk, rows = std::min(kChunk, n - begin);
      if (has_avx2_fma()) {
        dot_rows_avx2(rows_.data() + begin * row_, rows, row_, qf.data(), score.data() + begin);
        return;
      }
      const Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> m(
          rows_.data() + begin * row_, Eigen::Index(rows), Eigen::Index(row_));
      Eigen::Map<Eigen::VectorXf>(score.data() + begin, Eigen::Index(rows)).noalias() = m * qf;
    });
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    keep = std::min(keep, n);
    std::nth_element(order.begin(), order.begin() + std::ptrdiff_t(keep - 1), order.end(),
                     [&](size_t a, size_t b) { return score[a] < score[b]; });
    order.resize(keep);
    return order;
  }

  int dimension_;
  TimbreIndexOptions options_;
  bool filtered_;
  int d_ = 0;
  bool js_ = false;
  size_t p_ = 0, row_ = 0;
  std::vector<double> centre_;
  std::vector<float> scale_;
  std::vector<float> rows_;  // packed song rows, row_ floats each
  std::vector<int64_t> ids_;
  std::vector<float> js_vectors_;  // the stored vectors as given (timbre-v2 only): mean, cov, log det
  std::unique_ptr<SongIndex> filter_;  // proxies -> positions (filtered_ only)
};

}  // namespace

std::unique_ptr<SongIndex> make_timbre_index(int dimension, const TimbreIndexOptions& options, size_t expected_size) {
  return std::make_unique<TimbreSongIndex>(dimension, options, expected_size);
}

}  // namespace soundalike

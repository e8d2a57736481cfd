#include <faiss/IndexFlat.h>
#include <Eigen/Dense>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/index_io.h>

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/Error.h"
#include "search/SongIndex.h"

namespace soundalike {

std::string_view to_string(Metric m) { return m == Metric::cosine ? "cosine" : "l2"; }

Metric parse_metric(std::string_view s) {
  if (s == "l2") return Metric::l2;
  if (s == "cosine") return Metric::cosine;
  throw Error(ExitCode::usage, "unknown metric '" + std::string(s) + "' (use l2 or cosine)");
}

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

constexpr char kMagic[8] = {'S', 'A', 'I', 'D', 'X', '0', '0', '1'};

void normalise(std::span<float> v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  if (s <= 0) return;
  const float inv = float(1.0 / std::sqrt(s));
  for (float& x : v) x *= inv;
}

class FaissSongIndex final : public SongIndex {
 public:
  FaissSongIndex(std::unique_ptr<faiss::Index> index, Metric metric, std::string type, std::vector<int64_t> ids,
                 int ef_search)
      : index_(std::move(index)), metric_(metric), type_(std::move(type)), ids_(std::move(ids)), ef_search_(ef_search) {
    // FAISS 1.7.3 sizes the candidate heap from the index's own efSearch and reads the per-call
    // parameter only for its stopping rule, so a larger per-call value alone changes nothing (measured:
    // identical recall at 128 and 256). Setting it here, before any search runs, keeps search() free of
    // writes and therefore thread safe.
    if (auto* h = dynamic_cast<faiss::IndexHNSW*>(index_.get())) h->hnsw.efSearch = ef_search_;
    flat_ = dynamic_cast<const faiss::IndexFlat*>(index_.get());
    if (flat_) update_norms();
  }

  int dimension() const override { return int(index_->d); }
  Metric metric() const override { return metric_; }
  size_t size() const override { return ids_.size(); }
  std::string type() const override { return type_; }

  void add(std::span<const int64_t> ids, std::span<const float> vectors) override {
    const size_t d = size_t(index_->d);
    if (vectors.size() != ids.size() * d)
      throw Error(ExitCode::internal, "SongIndex::add: " + std::to_string(vectors.size()) + " floats for " +
                                          std::to_string(ids.size()) + " vectors of dimension " + std::to_string(d));
    std::vector<float> copy(vectors.begin(), vectors.end());
    if (metric_ == Metric::cosine)
      for (size_t i = 0; i < ids.size(); ++i) normalise(std::span(copy).subspan(i * d, d));
    index_->add(faiss::Index::idx_t(ids.size()), copy.data());
    ids_.insert(ids_.end(), ids.begin(), ids.end());
    if (flat_) update_norms();
  }

  std::vector<Neighbor> search(std::span<const float> query, int k) const override {
    if (query.size() != size_t(index_->d))
      throw Error(ExitCode::bad_data, "query vector has dimension " + std::to_string(query.size()) +
                                          " but the index holds dimension " + std::to_string(index_->d));
    k = std::min<int>(k, int(ids_.size()));
    if (k <= 0) return {};
    std::vector<float> q(query.begin(), query.end());
    if (metric_ == Metric::cosine) normalise(q);
    if (flat_) return search_flat(q, k);
    std::vector<float> dist(size_t(k), 0.0f);
    std::vector<faiss::Index::idx_t> labels(size_t(k), -1);
    // Per-call parameters: the index itself is never mutated, so concurrent searches are safe.
    faiss::SearchParametersHNSW hnsw_params;
    hnsw_params.efSearch = std::max(ef_search_, k);
    const faiss::SearchParameters* params = type_ == "hnsw" ? &hnsw_params : nullptr;
    // FAISS opens an OpenMP team for every search call, even for one query, and HNSW gives each thread
    // a visited table the size of the library: for single queries that costs more than the search.
    // The thread count is a per-thread OpenMP setting, so this does not touch other threads' searches.
    omp_set_num_threads(1);
    try {
      index_->search(1, q.data(), k, dist.data(), labels.data(), params);
    } catch (const faiss::FaissException& e) {
      throw Error(ExitCode::internal, std::string("FAISS search failed: ") + e.what());
    }
    std::vector<Neighbor> out;
    out.reserve(size_t(k));
    for (int i = 0; i < k; ++i) {
      const faiss::Index::idx_t l = labels[size_t(i)];
      if (l < 0 || size_t(l) >= ids_.size()) continue;
      const float d = metric_ == Metric::cosine ? 1.0f - dist[size_t(i)] : std::sqrt(std::max(0.0f, dist[size_t(i)]));
      out.push_back({ids_[size_t(l)], d});
    }
    return out;
  }

  void save(const std::filesystem::path& path) const override {
    // Layout: magic, metric, type length + type, id count + ids, then FAISS's own serialisation.
    std::filesystem::path tmp = path;
    tmp += ".tmp";
    {
      File f(std::fopen(tmp.c_str(), "wb"));
      if (!f) throw InputError(ExitCode::cannot_write, tmp, "cannot create the index file");
      bool ok = std::fwrite(kMagic, sizeof kMagic, 1, f.get()) == 1;
      const int32_t metric = metric_ == Metric::cosine ? 1 : 0;
      ok = ok && std::fwrite(&metric, sizeof metric, 1, f.get()) == 1;
      const uint32_t tlen = uint32_t(type_.size());
      ok = ok && std::fwrite(&tlen, sizeof tlen, 1, f.get()) == 1;
      ok = ok && std::fwrite(type_.data(), 1, type_.size(), f.get()) == type_.size();
      const uint64_t n = ids_.size();
      ok = ok && std::fwrite(&n, sizeof n, 1, f.get()) == 1;
      ok = ok && std::fwrite(ids_.data(), sizeof(int64_t), ids_.size(), f.get()) == ids_.size();
      if (!ok) throw InputError(ExitCode::cannot_write, tmp, "cannot write the index file");
      try {
        faiss::write_index(index_.get(), f.get());
      } catch (const faiss::FaissException& e) {
        throw InputError(ExitCode::cannot_write, tmp, std::string("FAISS could not write the index: ") + e.what());
      }
      if (std::fflush(f.get()) != 0) throw InputError(ExitCode::cannot_write, tmp, "cannot write the index file");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw InputError(ExitCode::cannot_write, path, "cannot replace the index file: " + ec.message());
  }

  faiss::Index* raw() { return index_.get(); }

 private:
  // Exact search without FAISS's single-query path: Debian's FAISS is built for the baseline CPU and
  // compares one query with a scalar loop (fvec_L2sqr_ref was a third of the server's time). One
  // vectorised matrix-vector product (Eigen) ranks all songs by |x|^2 - 2 q.x (or q.x for cosine);
  // the few best are then measured exactly, so rounding in that expansion cannot reorder near-ties.
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  // The exact index's stored vectors as an n x d matrix, without copying.
  Eigen::Map<const RowMajor> stored() const {
    return {flat_->get_xb(), Eigen::Index(ids_.size()), Eigen::Index(index_->d)};
  }

  std::vector<Neighbor> search_flat(const std::vector<float>& q, int k) const {
    const size_t n = ids_.size(), d = size_t(index_->d);
    const auto X = stored();
    const Eigen::Map<const Eigen::VectorXf> qv(q.data(), Eigen::Index(d));
    Eigen::VectorXf score = X * qv;
    if (metric_ == Metric::l2) score = norms_ - 2.0f * score;  // + |q|^2, the same for every song
    else score = -score;
    const size_t candidates = std::min(n, size_t(k) + 16);
    // The best `candidates` scores in one pass with a max-heap of that size: almost every song is
    // rejected by one comparison with the heap's worst, where sorting an index array of all n songs
    // cost more than the scan itself (perf, 10k songs).
    std::vector<std::pair<float, uint32_t>> best;
    best.reserve(candidates);
    for (size_t i = 0; i < n; ++i) {
      const float v = score[Eigen::Index(i)];
      if (best.size() < candidates) {
        best.emplace_back(v, uint32_t(i));
        std::push_heap(best.begin(), best.end());
      } else if (v < best.front().first) {
        std::pop_heap(best.begin(), best.end());
        best.back() = {v, uint32_t(i)};
        std::push_heap(best.begin(), best.end());
      }
    }
    std::vector<Neighbor> out;
    out.reserve(candidates);
    for (const auto& candidate : best) {
      const uint32_t i = candidate.second;
      const float* x = flat_->get_xb() + size_t(i) * d;
      double acc = 0.0;
      if (metric_ == Metric::l2) {
        for (size_t j = 0; j < d; ++j) acc += double(x[j] - q[j]) * double(x[j] - q[j]);
        out.push_back({ids_[i], float(std::sqrt(acc))});
      } else {
        for (size_t j = 0; j < d; ++j) acc += double(x[j]) * q[j];
        out.push_back({ids_[i], float(1.0 - acc)});
      }
    }
    std::sort(out.begin(), out.end(), [](const Neighbor& a, const Neighbor& b) {
      return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
    });
    out.resize(std::min(out.size(), size_t(k)));
    return out;
  }

  void update_norms() { norms_ = stored().rowwise().squaredNorm(); }

  const faiss::IndexFlat* flat_ = nullptr;  // set when exact: search_flat reads its vectors directly
  Eigen::VectorXf norms_;                   // |x|^2 of every stored vector (flat only)
  std::unique_ptr<faiss::Index> index_;
  Metric metric_;
  std::string type_;
  std::vector<int64_t> ids_;  // FAISS position -> caller id
  int ef_search_;
};

}  // namespace

std::unique_ptr<SongIndex> make_faiss_index(int dimension, const FaissIndexOptions& o, size_t expected_size) {
  if (dimension <= 0) throw Error(ExitCode::internal, "make_faiss_index: dimension must be positive");
  const faiss::MetricType mt = o.metric == Metric::cosine ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2;
  const bool hnsw = o.type == IndexType::hnsw || (o.type == IndexType::automatic && expected_size > o.hnsw_threshold);
  std::unique_ptr<faiss::Index> index;
  if (hnsw) {
    auto h = std::make_unique<faiss::IndexHNSWFlat>(dimension, o.hnsw_m, mt);
    h->hnsw.efConstruction = o.hnsw_ef_construction;
    h->hnsw.efSearch = o.hnsw_ef_search;
    index = std::move(h);
  } else {
    index = std::make_unique<faiss::IndexFlat>(dimension, mt);
  }
  return std::make_unique<FaissSongIndex>(std::move(index), o.metric, hnsw ? "hnsw" : "flat", std::vector<int64_t>{},
                                          o.hnsw_ef_search);
}

std::unique_ptr<SongIndex> load_faiss_index(const std::filesystem::path& path, int hnsw_ef_search) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw InputError(ExitCode::not_found, path, "cannot open the index file");
  auto get = [&](void* p, size_t n) {
    if (n && std::fread(p, n, 1, f.get()) != 1) throw InputError(ExitCode::bad_data, path, "index file is truncated");
  };
  char magic[8];
  get(magic, sizeof magic);
  if (std::memcmp(magic, kMagic, sizeof magic) != 0) throw InputError(ExitCode::bad_data, path, "not a soundalike index file");
  int32_t metric = 0;
  get(&metric, sizeof metric);
  uint32_t tlen = 0;
  get(&tlen, sizeof tlen);
  if (tlen > 16) throw InputError(ExitCode::bad_data, path, "corrupt index header");
  std::string type(tlen, '\0');
  get(type.data(), tlen);
  if (type != "flat" && type != "hnsw") throw InputError(ExitCode::bad_data, path, "unknown index type " + type);
  uint64_t n = 0;
  get(&n, sizeof n);
  std::error_code ec;
  if (n > std::filesystem::file_size(path, ec) / sizeof(int64_t)) throw InputError(ExitCode::bad_data, path, "index file is truncated");
  std::vector<int64_t> ids(n);
  get(ids.data(), n * sizeof(int64_t));
  std::unique_ptr<faiss::Index> index;
  try {
    index.reset(faiss::read_index(f.get()));
  } catch (const faiss::FaissException& e) {
    throw InputError(ExitCode::bad_data, path, std::string("corrupt FAISS data: ") + e.what());
  }
  if (!index || size_t(index->ntotal) != n) throw InputError(ExitCode::bad_data, path, "index and id list disagree");
  return std::make_unique<FaissSongIndex>(std::move(index), metric == 1 ? Metric::cosine : Metric::l2, type,
                                          std::move(ids), hnsw_ef_search);
}

}  // namespace soundalike

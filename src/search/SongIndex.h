#pragma once
// Nearest-neighbour search over song vectors behind one abstract interface, so that kinds whose
// distance is not L2 (e.g. a Gaussian timbre model with a divergence) can bring their own index.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace soundalike {

enum class Metric { l2, cosine };
std::string_view to_string(Metric m);
Metric parse_metric(std::string_view s);  // "l2" | "cosine"; throws Error(usage) otherwise

struct Neighbor {
  int64_t id = 0;         // the caller's id (a library track id)
  float distance = 0.0f;  // l2: Euclidean distance; cosine: 1 - cosine similarity (0..2)
  bool operator==(const Neighbor&) const = default;
};

class SongIndex {
 public:
  virtual ~SongIndex() = default;
  virtual int dimension() const = 0;
  virtual Metric metric() const = 0;
  virtual size_t size() const = 0;
  // "flat" (exact) or "hnsw" (approximate), for messages and file names.
  virtual std::string type() const = 0;
  // Adds vectors (row-major, size = ids.size() * dimension()). Not safe concurrently with search().
  virtual void add(std::span<const int64_t> ids, std::span<const float> vectors) = 0;
  // The k nearest stored vectors, nearest first. Const and safe to call from several threads at once.
  virtual std::vector<Neighbor> search(std::span<const float> query, int k) const = 0;
  // Writes the index to one file (atomically: a temporary file renamed over `path`).
  virtual void save(const std::filesystem::path& path) const = 0;
};

enum class IndexType { automatic, flat, hnsw };

struct FaissIndexOptions {
  Metric metric = Metric::l2;
  IndexType type = IndexType::automatic;
  // automatic: exact search up to this many vectors (brute force over 50k x 256 floats is ~5 ms on
  // one core), HNSW above.
  size_t hnsw_threshold = 50000;
  int hnsw_m = 32;                // graph degree
  int hnsw_ef_construction = 80;
  int hnsw_ef_search = 256;       // search breadth; higher = better recall, slower
};

// FAISS implementation: IndexFlatL2 / IndexFlatIP (exact) or IndexHNSWFlat. Cosine is inner product
// over L2-normalised vectors (done here, for stored and query vectors alike).
// `expected_size` picks the type when options.type is automatic.
std::unique_ptr<SongIndex> make_faiss_index(int dimension, const FaissIndexOptions& options, size_t expected_size);
// Reads a file written by save(). Throws Error(bad_data) naming the file when it is not one.
std::unique_ptr<SongIndex> load_faiss_index(const std::filesystem::path& path, int hnsw_ef_search = 256);

}  // namespace soundalike

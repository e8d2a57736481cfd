#pragma once
// The search index of one feature kind of a library, kept in step with the database: loaded from the
// file saved beside it when that file was built at the database's current generation, rebuilt (and
// saved again) otherwise.
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "search/FusedSongIndex.h"
#include "library/LibraryDb.h"
#include "search/SongIndex.h"
#include "search/TimbreSongIndex.h"

namespace soundalike {

// How a query's candidate distances are rescaled: not at all, or with mutual proximity (hubness
// reduction; MP distances lie in [0, 1]).
enum class Normalization { none, mp };
Normalization parse_normalization(std::string_view s);  // "none" | "mp"; throws Error(usage)
std::string_view to_string(Normalization n);
// What a kind uses when the user does not say (chosen on the training packages: docs/benchmarks.md, issue 9).
Normalization default_normalization(std::string_view kind);

struct SearchOptions {
  FaissIndexOptions faiss;     // vector kinds
  TimbreIndexOptions timbre;   // timbre kinds (divergence)
  Normalization normalize = Normalization::none;
  // With mp, the raw nearest this many songs (at least k) are rescaled and re-ranked; libraries up to
  // mp_exhaustive songs are rescaled whole.
  size_t mp_candidates = 500;
  size_t mp_exhaustive = 5000;
  // Fused kinds (FusedSongIndex): the weight of the first part's MP distance (the others share 1 - w);
  // kKindFusionWeight: the kind's default.
  double fusion_weight = kKindFusionWeight;
};

class LibrarySearch {
 public:
  LibrarySearch(const LibraryDb& db, std::string kind, FaissIndexOptions options = {});
  LibrarySearch(const LibraryDb& db, std::string kind, SearchOptions options);

  const std::string& kind() const { return kind_; }
  Metric metric() const { return options_.faiss.metric; }
  Normalization normalization() const { return options_.normalize; }
  // The current index; checks the generation on every call (one cheap query; with mutual proximity
  // also the statistics' generation) and rebuilds when the library changed. Thread safe; searches
  // already running keep the index they started with.
  std::shared_ptr<const SongIndex> index();
  // Where the index of this kind/metric/type is saved: "<db>.<kind>.<metric>.<type>.faiss".
  std::filesystem::path index_path(const std::string& type) const;
  // Whether the last index() call loaded a saved file (true) or built one (false); for messages/tests.
  bool loaded_from_file() const;
  // The k nearest songs to `query` (a vector of this kind), nearest first, with distances rescaled by
  // mutual proximity when the options ask for it (then MP distances in [0, 1]). Thread safe.
  std::vector<Neighbor> search(std::span<const float> query, size_t k);

 private:
  // Everything mutual proximity needs, built with the index for one generation.
  struct MpState {
    std::vector<float> sample;  // sample vectors, row-major
    std::unordered_map<int64_t, DistanceStats> stats;  // stored ones
  };
  std::shared_ptr<const SongIndex> build(int64_t generation);
  std::shared_ptr<const MpState> build_mp();
  DistanceStats stats_of(const MpState& mp, std::span<const float> v) const;
  const LibraryDb& db_;
  std::string kind_;
  SearchOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<const SongIndex> index_;
  std::shared_ptr<const MpState> mp_;
  int64_t generation_ = -1;
  int64_t stats_generation_ = -1;
  bool loaded_ = false;
};

}  // namespace soundalike

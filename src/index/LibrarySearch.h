#pragma once
// The search index of one feature kind of a library, kept in step with the database: loaded from the
// file saved beside it when that file was built at the database's current generation, rebuilt (and
// saved again) otherwise.
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "index/LibraryDb.h"
#include "index/SongIndex.h"

namespace soundalike {

class LibrarySearch {
 public:
  LibrarySearch(const LibraryDb& db, std::string kind, FaissIndexOptions options = {});

  const std::string& kind() const { return kind_; }
  Metric metric() const { return options_.metric; }
  // The current index; checks the generation on every call (one cheap query) and rebuilds when the
  // library changed. Thread safe; searches already running keep the index they started with.
  std::shared_ptr<const SongIndex> index();
  // Where the index of this kind/metric/type is saved: "<db>.<kind>.<metric>.<type>.faiss".
  std::filesystem::path index_path(const std::string& type) const;
  // Whether the last index() call loaded a saved file (true) or built one (false); for messages/tests.
  bool loaded_from_file() const;

 private:
  std::shared_ptr<const SongIndex> build(int64_t generation);
  const LibraryDb& db_;
  std::string kind_;
  FaissIndexOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<const SongIndex> index_;
  int64_t generation_ = -1;
  bool loaded_ = false;
};

}  // namespace soundalike

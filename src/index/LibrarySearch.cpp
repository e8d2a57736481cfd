#include "index/LibrarySearch.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include "common/Error.h"

namespace soundalike {
namespace {

std::string file_safe(std::string_view s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

std::filesystem::path stamp_path(std::filesystem::path p) { return p += ".json"; }

}  // namespace

LibrarySearch::LibrarySearch(const LibraryDb& db, std::string kind, FaissIndexOptions options)
    : db_(db), kind_(std::move(kind)), options_(options) {}

std::filesystem::path LibrarySearch::index_path(const std::string& type) const {
  std::filesystem::path p = db_.path();
  p += "." + file_safe(kind_) + "." + std::string(to_string(options_.metric)) + "." + type + ".faiss";
  return p;
}

bool LibrarySearch::loaded_from_file() const {
  std::lock_guard lock(mutex_);
  return loaded_;
}

std::shared_ptr<const SongIndex> LibrarySearch::index() {
  const int64_t generation = db_.generation();
  std::lock_guard lock(mutex_);
  if (index_ && generation == generation_) return index_;
  index_ = build(generation);
  generation_ = generation;
  return index_;
}

std::shared_ptr<const SongIndex> LibrarySearch::build(int64_t generation) {
  // The saved file is trusted only when its stamp names this generation, kind and metric: any commit
  // to the library (index, prune) bumps the generation and so makes every saved index stale.
  for (const char* type : {"flat", "hnsw"}) {
    if (options_.type == IndexType::flat && std::string(type) != "flat") continue;
    if (options_.type == IndexType::hnsw && std::string(type) != "hnsw") continue;
    const auto path = index_path(type);
    std::ifstream stamp(stamp_path(path));
    if (!stamp) continue;
    const auto j = nlohmann::json::parse(stamp, nullptr, false);
    if (!j.is_object() || j.value("generation", int64_t(-1)) != generation || j.value("kind", "") != kind_) continue;
    try {
      auto loaded = load_faiss_index(path, options_.hnsw_ef_search);
      // A stamp from one writer beside an index file from another (two processes saving at once)
      // would disagree on the count: rebuild rather than trust either.
      if (loaded->metric() != options_.metric || loaded->size() != j.value("count", size_t(0))) continue;
      loaded_ = true;
      return loaded;
    } catch (const Error&) {
      // A damaged or half-written file is simply rebuilt below.
    }
  }
  const VectorSet v = db_.vectors(kind_);
  if (v.ids.empty())
    throw InputError(ExitCode::bad_data, db_.path(), "the library has no vectors of kind " + kind_);
  auto index = make_faiss_index(v.dimension, options_, v.ids.size());
  index->add(v.ids, v.data);
  loaded_ = false;
  // Saving is a cache: a read-only folder or a full disk only costs a rebuild next time.
  try {
    const auto path = index_path(index->type());
    index->save(path);
    std::ofstream stamp(stamp_path(path), std::ios::trunc);
    stamp << nlohmann::json{{"generation", generation}, {"kind", kind_}, {"count", v.ids.size()},
                            {"metric", to_string(options_.metric)}, {"type", index->type()}}
                 .dump();
  } catch (const Error&) {
  }
  return index;
}

}  // namespace soundalike

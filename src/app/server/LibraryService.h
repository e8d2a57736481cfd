#pragma once
// The real LibraryBackend: a library database opened read-only (so `index` may write beside it), its
// FAISS indexes, and the extractor that analyses uploads. Safe to call from the server's thread pool.
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "app/server/LibraryBackend.h"

namespace soundalike::app {

struct LibraryServiceOptions {
  std::string features;  // as for `similar`: which kind to serve when the library holds several
  std::string model;     // model file ("default" = shipped) for libraries indexed with a model
  GenreGroups genre_groups;  // what genre/exclude-genre and the ignore list's genres expand
};

class LibraryService : public LibraryBackend {
 public:
  // Throws Error: not_found / bad_data for the database, usage for a kind the library lacks.
  LibraryService(const std::filesystem::path& db, const LibraryServiceOptions& options);
  ~LibraryService() override;

  // The kind served now (it follows the library when the server was started without a choice).
  std::string kind() const;
  // False when the library's vectors come from a model this server has not loaded: then uploads are
  // refused (422) while everything about library tracks still works.
  bool can_analyse_uploads() const;

  nlohmann::json health() const override;
  nlohmann::json tracks(std::string_view query, int limit, int offset) const override;
  nlohmann::json track(int64_t id) const override;
  nlohmann::json similar_to_track(int64_t id, const SimilarRequest& request) const override;
  nlohmann::json similar_to_audio(std::span<const std::byte> audio, std::string_view name,
                                  const SimilarRequest& request) const override;
  std::filesystem::path audio_file(int64_t id) const override;
  std::vector<unsigned char> spectrogram_png(int64_t id) const override;
  nlohmann::json path(int64_t from, int64_t to, int steps, const PlaylistControls& controls) const override;
  nlohmann::json map() const override;
  std::shared_ptr<const std::vector<TrackRow>> catalogue() const override;
  nlohmann::json distances_from(int64_t from, std::span<const int64_t> ids) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soundalike::app

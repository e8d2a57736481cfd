#pragma once
// One audio file -> everything the library stores about it: file state, content hash, tags, duration,
// descriptors and the extractor's vector averaged over windows spread across the song.
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "audio/AudioDecoder.h"
#include "features/Descriptors.h"
#include "features/FeatureExtractor.h"
#include "library/LibraryDb.h"

namespace soundalike {

struct AnalysisOptions {
  // Songs up to this long are decoded whole; longer ones are sampled: `windows` windows of
  // `window_seconds`, spread evenly over the middle of the song (centres at 1/(w+1) .. w/(w+1) of the
  // length), each decoded by seeking. Leading and trailing silence is trimmed from every window.
  double whole_up_to_seconds = 45.0;
  int windows = 3;
  double window_seconds = 10.0;
  double silence_db = -60.0;  // blocks of 2048 samples quieter than this (dBFS RMS) count as silence
  int top_labels = 3;
};

// The parts of a file that analysis reads: the whole song when it is short, else `windows` windows
// decoded by seeking (nothing else of the file is decoded), each with leading and trailing silence
// trimmed. Parts under a second after trimming are dropped unless nothing would be left.
struct SongExcerpts {
  SongExcerpts() = default;
  SongExcerpts(SongExcerpts&&) = default;  // moving keeps every part's buffer, so `usable` stays valid
  SongExcerpts& operator=(SongExcerpts&&) = default;
  SongExcerpts(const SongExcerpts&) = delete;  // a copy's `usable` would still point into the original
  SongExcerpts& operator=(const SongExcerpts&) = delete;

  std::vector<DecodedAudio> parts;
  std::vector<std::span<const float>> usable;  // views into `parts`: what the extractor reads
  double duration = 0;                         // of the whole song: declared, or decoded when short
  AudioInfo info;
};
// Throws InputError naming the file when it is empty, unreadable or has no audio samples (a silent song
// is kept whole: trimming never removes everything).
SongExcerpts decode_excerpts(const AudioDecoder& decoder, const std::filesystem::path& path, const AnalysisOptions& options);

// 16 hex digits of a 64-bit hash over every byte of the file (and its size). Equal files, equal hash.
std::string content_hash(const std::filesystem::path& path);

// Size and modification time as the indexer compares them. Throws InputError(not_found).
void file_state(const std::filesystem::path& path, int64_t& size, int64_t& mtime_ns);

// Thread safe (the extractors are). Throws InputError naming the file when it cannot be analysed.
class TrackAnalyzer {
 public:
  TrackAnalyzer(const FeatureExtractor& extractor, AnalysisOptions options = {});
  TrackUpdate analyze(const std::filesystem::path& path) const;
  // Only the averaged vector (and labels) of a file, e.g. for a query that is not in the library: the
  // same vector analyze() stores, without descriptors or the content hash.
  EmbeddingRow embed(const std::filesystem::path& path) const;
  const FeatureExtractor& extractor() const { return extractor_; }

 private:
  EmbeddingRow average(const std::filesystem::path& path, std::span<const FeatureResult> parts) const;
  const FeatureExtractor& extractor_;
  AnalysisOptions options_;
  DescriptorExtractor descriptors_;
  AudioDecoder decoder_;
};

}  // namespace soundalike

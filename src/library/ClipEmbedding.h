#pragma once
// One vector per file from a fixed-length clip in the middle of the song: the protocol of retrieval
// evaluation (and of musly-eval's 30 s excerpts), where every song is judged on equal material.
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "features/FeatureExtractor.h"

namespace soundalike {

struct ClipOptions {
  double seconds = 30.0;  // the whole song when shorter; 0 = always the whole song
  int jobs = 0;           // files analysed in parallel (0 = all cores)
};

struct ClipVectors {
  std::vector<std::optional<std::vector<float>>> vectors;  // per file; empty when it failed
  std::vector<std::string> failures;                       // "path: reason"
  double seconds_elapsed = 0.0;                            // wall time of the analysis (decode included)
};

ClipVectors embed_middle_clips(std::span<const std::filesystem::path> files, const FeatureExtractor& extractor,
                               const ClipOptions& options = {});

}  // namespace soundalike

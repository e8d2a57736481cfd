#pragma once
// The one place that maps the command line's feature options to a FeatureExtractor.
#include <memory>
#include <string>

#include "features/FeatureExtractor.h"

namespace soundalike::app {

// features: "", "mfcc", "timbre" (timbre-v2), "timbre-v1", "timbre-v2", "rhythm", "fusion", or "A+B[+C...]"
// with parts of model|default|mfcc|timbre|timbre-v1|timbre-v2|rhythm
// (model = the file given with --model); model_path: "", "default" or a model file (Error bad_model when
// unusable). Neither -> the default: "fusion", the shipped CNN fused with the timbre model and the rhythm
// pattern (the best measured, docs/benchmarks.md), or timbre alone when no model is installed.
// --model alone -> that CNN alone. --features with --model -> Error(usage) unless the features name
// "model" as a part.
std::unique_ptr<FeatureExtractor> choose_features(const std::string& features, const std::string& model_path);

// What choose_features("", "") means, in words, for --help texts and messages.
inline constexpr const char* kDefaultFeaturesHelp =
    "fusion (the shipped CNN, the timbre model and the rhythm pattern, each with mutual proximity, weighted sum)";

// The extractor that makes vectors of a library's `kind` (for queries that are files outside the
// library), or nullptr when that kind cannot be made from the given options (a model library needs the
// same model file, given with --model or shipped as the default).
std::unique_ptr<FeatureExtractor> extractor_for_kind(const std::string& kind, const std::string& model_path);

}  // namespace soundalike::app

namespace soundalike {
class LibraryDb;
}

namespace soundalike::app {

// The feature kind a command uses on an existing library: the kind named by --features/--model when
// given (it must be in the library), else the library's only kind. Throws Error(bad_data) for an empty
// library, Error(usage) when the library holds several kinds and none was chosen.
std::string library_kind(const LibraryDb& db, const std::string& features, const std::string& model_path);

}  // namespace soundalike::app

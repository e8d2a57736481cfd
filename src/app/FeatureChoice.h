#pragma once
// The one place that maps the command line's feature options to a FeatureExtractor. When the CNN
// Embedder lands it is wired in here (and becomes the default once a shipped model exists).
#include <memory>
#include <string>

#include "features/FeatureExtractor.h"

namespace soundalike::app {

// features: "" or "mfcc"; model_path: "" or a model file. Neither -> mfcc for now (the shipped default
// model will replace it). Both -> Error(usage). --model throws Error(bad_model) in this build.
std::unique_ptr<FeatureExtractor> choose_features(const std::string& features, const std::string& model_path);

// The extractor that makes vectors of a library's `kind` (for queries that are files outside the
// library), or nullptr when this build cannot make that kind from the given options.
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

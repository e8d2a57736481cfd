#include "app/FeatureChoice.h"

#include "app/DefaultModel.h"
#include "common/Error.h"
#include "features/FusedExtractor.h"
#include "features/MfccExtractor.h"
#include "features/RhythmExtractor.h"
#include "features/TimbreExtractor.h"
#include "model/Embedder.h"

namespace soundalike::app {

namespace {

// One torch thread per extractor: the callers (indexer workers, server threads) parallelise across songs.
std::unique_ptr<FeatureExtractor> embedder(const std::string& model_path) {
  return std::make_unique<model::Embedder>(resolve_model_name(model_path), model::EmbedderOptions{1, 64});
}

// "timbre" is the timbre kind that measured better on the training packages (docs/benchmarks.md, issue 14);
// libraries indexed with the other keep working under its explicit name.
std::unique_ptr<FeatureExtractor> timbre() { return std::make_unique<TimbreExtractor>(kTimbreV2); }

std::unique_ptr<FeatureExtractor> single(const std::string& name, const std::string& model_path) {
  if (name == "mfcc") return std::make_unique<MfccExtractor>();
  if (name == "timbre") return timbre();
  if (name == "timbre-v1") return std::make_unique<TimbreExtractor>(kTimbreV1);
  if (name == "timbre-v2") return std::make_unique<TimbreExtractor>(kTimbreV2);
  if (name == "rhythm") return std::make_unique<RhythmExtractor>();
  if (name == "default") return embedder("default");
  if (name == "model") {
    if (model_path.empty()) throw Error(ExitCode::usage, "--features with a 'model' part needs --model");
    return embedder(model_path);
  }
  throw Error(ExitCode::usage, "unknown --features '" + name +
                                   "' (available: fusion, timbre, timbre-v1, timbre-v2, rhythm, mfcc, or A+B[+C...] of model, default, mfcc, timbre, "
                                   "timbre-v1, timbre-v2, rhythm)");
}

}  // namespace

std::unique_ptr<FeatureExtractor> choose_features(const std::string& features, const std::string& model_path) {
  if (features.empty() && !model_path.empty()) return embedder(model_path);
  // Nothing chosen: the option that found songs of the same label best on held-out real music
  // (docs/benchmarks.md, issue 14), as the issues ask: ship the better option. Without an installed
  // model it is the better of its parts.
  if (features.empty() || features == "fusion") {
    if (!model_path.empty()) throw Error(ExitCode::usage, "--features fusion uses the shipped model; for another, use --features model+timbre --model FILE");
    if (!default_model_path()) {
      if (features == "fusion") throw Error(ExitCode::missing_resource, "--features fusion needs the shipped model, which is not installed");
      return timbre();
    }
    std::vector<std::unique_ptr<FeatureExtractor>> parts;
    parts.push_back(embedder("default"));
    parts.push_back(timbre());
    parts.push_back(std::make_unique<RhythmExtractor>());
    return std::make_unique<FusedExtractor>(std::move(parts));
  }
  if (features.find('+') != std::string::npos) {
    std::vector<std::unique_ptr<FeatureExtractor>> parts;
    size_t at = 0;
    for (size_t plus; (plus = features.find('+', at)) != std::string::npos; at = plus + 1)
      parts.push_back(single(features.substr(at, plus - at), model_path));
    parts.push_back(single(features.substr(at), model_path));
    return std::make_unique<FusedExtractor>(std::move(parts));
  }
  if (!model_path.empty()) throw Error(ExitCode::usage, "give either --features or --model, not both");
  if (features == "model" || features == "default") throw Error(ExitCode::usage, "use --model for a CNN alone");
  return single(features, model_path);
}

std::unique_ptr<FeatureExtractor> extractor_for_kind(const std::string& kind, const std::string& model_path) {
  if (auto fused = FusedKind::parse(kind)) {
    std::vector<std::unique_ptr<FeatureExtractor>> parts;
    for (const std::string& k : fused->kinds) {
      parts.push_back(extractor_for_kind(k, model_path));
      if (!parts.back()) return nullptr;
    }
    auto e = std::make_unique<FusedExtractor>(std::move(parts));
    return e->kind() == kind ? std::move(e) : nullptr;
  }
  if (kind == "mfcc-v1") return std::make_unique<MfccExtractor>();
  if (kind == "timbre-v1") return std::make_unique<TimbreExtractor>(kTimbreV1);
  if (kind == "timbre-v2") return std::make_unique<TimbreExtractor>(kTimbreV2);
  if (kind == "rhythm-v1") return std::make_unique<RhythmExtractor>();
  if (kind.starts_with("model:")) {
    std::unique_ptr<FeatureExtractor> e;
    if (!model_path.empty())
      e = choose_features("", model_path);
    else if (auto shipped = default_model_path())
      e = std::make_unique<model::Embedder>(*shipped, model::EmbedderOptions{1, 64});
    if (e && e->kind() == kind) return e;
  }
  return nullptr;
}

}  // namespace soundalike::app

#include "library/LibraryDb.h"

namespace soundalike::app {

std::string library_kind(const LibraryDb& db, const std::string& features, const std::string& model_path) {
  const auto kinds = db.kinds();
  if (kinds.empty())
    throw InputError(ExitCode::bad_data, db.path(), "the library holds no vectors yet; run `soundalike index` first");
  if (!features.empty() || !model_path.empty()) {
    const std::string kind = choose_features(features, model_path)->kind();
    for (const auto& [k, n] : kinds)
      if (k == kind) return kind;
    throw InputError(ExitCode::usage, db.path(), "the library has no vectors of kind " + kind + "; index it with that choice first");
  }
  if (kinds.size() == 1) return kinds.front().first;
  std::string names;
  for (const auto& [k, n] : kinds) names += (names.empty() ? "" : ", ") + k;
  throw InputError(ExitCode::usage, db.path(), "the library holds several kinds (" + names + "); choose one with --features or --model");
}

}  // namespace soundalike::app

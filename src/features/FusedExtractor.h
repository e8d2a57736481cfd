#pragma once
// Several feature kinds read from the same audio and stored side by side as one vector, so a library
// can rank songs by a weighted sum of the kinds' mutual-proximity distances (search/FusedSongIndex.h).
// The default of `index` fuses the shipped CNN, the timbre model and the rhythm pattern: the CNN hears
// what a single Gaussian of MFCC frames misses, the rhythm pattern what both average away
// (docs/benchmarks.md).
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "features/FeatureExtractor.h"

namespace soundalike {

// The kind string of a fused vector: "fusion:<floats of each part but the last, comma-separated>:<kind
// A>+<kind B>[+<kind C>...]", e.g. "fusion:512:model:0123456789abcdef+timbre-v2" or
// "fusion:960,678:model:0123456789abcdef+timbre-v2+rhythm-v1". The widths are in the name so that code
// holding only stored vectors (search, statistics) can split them.
struct FusedKind {
  std::vector<std::string> kinds;  // the parts' kinds, at least two
  std::vector<int> sizes;          // floats of every part but the last, which is the rest
  std::string name() const;
  // nullopt when `kind` is not a fused kind; throws Error(bad_data) for a malformed one.
  static std::optional<FusedKind> parse(std::string_view kind);
};
bool is_fused_kind(std::string_view kind);

class FusedExtractor final : public FeatureExtractor {
 public:
  // At least two parts, all decoding at the same rate (Error(usage) otherwise). Labels come from the first.
  explicit FusedExtractor(std::vector<std::unique_ptr<FeatureExtractor>> parts);

  std::string kind() const override { return kind_.name(); }
  int dimension() const override;
  int sample_rate() const override { return parts_.front()->sample_rate(); }
  std::vector<float> extract(std::span<const float> samples) const override;
  std::vector<LabelScore> classify(std::span<const float> samples, int top_k) const override;
  FeatureResult describe(std::span<const float> samples, int top_k) const override;

  const FusedKind& fused_kind() const { return kind_; }

 private:
  std::vector<std::unique_ptr<FeatureExtractor>> parts_;
  FusedKind kind_;
};

}  // namespace soundalike

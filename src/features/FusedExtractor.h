#pragma once
// Two feature kinds read from the same audio and stored side by side as one vector, so a library can
// rank songs by a weighted sum of both kinds' mutual-proximity distances (search/FusedSongIndex.h). The
// default of `index` fuses the shipped CNN with the timbre model: the CNN hears what a single Gaussian
// of MFCC frames misses (docs/benchmarks.md).
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "features/FeatureExtractor.h"

namespace soundalike {

// The kind string of a fused vector: "fusion:<floats of the first part>:<kind A>+<kind B>", e.g.
// "fusion:512:model:0123456789abcdef+timbre-v2". The first part's width is in the name so that code
// holding only stored vectors (search, statistics) can split them.
struct FusedKind {
  std::string first, second;  // the parts' kinds
  int first_size = 0;         // floats of the first part; the second part is the rest
  std::string name() const;
  // nullopt when `kind` is not a fused kind; throws Error(bad_data) for a malformed one.
  static std::optional<FusedKind> parse(std::string_view kind);
};
bool is_fused_kind(std::string_view kind);

class FusedExtractor final : public FeatureExtractor {
 public:
  // Both parts must decode at the same rate (Error(usage) otherwise). Labels come from the first part.
  FusedExtractor(std::unique_ptr<FeatureExtractor> first, std::unique_ptr<FeatureExtractor> second);

  std::string kind() const override { return kind_.name(); }
  int dimension() const override;
  int sample_rate() const override { return first_->sample_rate(); }
  std::vector<float> extract(std::span<const float> samples) const override;
  std::vector<LabelScore> classify(std::span<const float> samples, int top_k) const override;
  FeatureResult describe(std::span<const float> samples, int top_k) const override;

  const FusedKind& fused_kind() const { return kind_; }

 private:
  std::unique_ptr<FeatureExtractor> first_, second_;
  FusedKind kind_;
};

}  // namespace soundalike

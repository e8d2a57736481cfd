#include "features/FusedExtractor.h"

#include <charconv>

#include "common/Error.h"

namespace soundalike {

namespace {
constexpr std::string_view kPrefix = "fusion:";
}

std::string FusedKind::name() const {
  return std::string(kPrefix) + std::to_string(first_size) + ":" + first + "+" + second;
}

bool is_fused_kind(std::string_view kind) { return kind.starts_with(kPrefix); }

std::optional<FusedKind> FusedKind::parse(std::string_view kind) {
  if (!is_fused_kind(kind)) return std::nullopt;
  std::string_view rest = kind.substr(kPrefix.size());
  FusedKind k;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), k.first_size);
  const size_t colon = size_t(end - rest.data());
  // Feature kinds never contain '+', so the last one separates the parts.
  const size_t plus = rest.rfind('+');
  if (ec != std::errc() || k.first_size <= 0 || colon >= rest.size() || rest[colon] != ':' || plus == std::string_view::npos ||
      plus <= colon + 1 || plus + 1 >= rest.size())
    throw Error(ExitCode::bad_data, "malformed fused feature kind '" + std::string(kind) + "'");
  k.first = std::string(rest.substr(colon + 1, plus - colon - 1));
  k.second = std::string(rest.substr(plus + 1));
  return k;
}

FusedExtractor::FusedExtractor(std::unique_ptr<FeatureExtractor> first, std::unique_ptr<FeatureExtractor> second)
    : first_(std::move(first)), second_(std::move(second)) {
  if (first_->sample_rate() != second_->sample_rate())
    throw Error(ExitCode::usage, "cannot fuse " + first_->kind() + " and " + second_->kind() +
                                     ": they read audio at different sample rates");
  kind_ = {first_->kind(), second_->kind(), first_->dimension()};
}

int FusedExtractor::dimension() const { return first_->dimension() + second_->dimension(); }

std::vector<float> FusedExtractor::extract(std::span<const float> samples) const {
  std::vector<float> v = first_->extract(samples);
  const std::vector<float> b = second_->extract(samples);
  v.insert(v.end(), b.begin(), b.end());
  return v;
}

std::vector<LabelScore> FusedExtractor::classify(std::span<const float> samples, int top_k) const {
  return first_->classify(samples, top_k);
}

FeatureResult FusedExtractor::describe(std::span<const float> samples, int top_k) const {
  FeatureResult r = first_->describe(samples, top_k);
  const std::vector<float> b = second_->extract(samples);
  r.vector.insert(r.vector.end(), b.begin(), b.end());
  return r;
}

}  // namespace soundalike

#include "features/FusedExtractor.h"

#include <charconv>

#include "common/Error.h"

namespace soundalike {

namespace {
constexpr std::string_view kPrefix = "fusion:";
}

std::string FusedKind::name() const {
  std::string n(kPrefix);
  for (size_t i = 0; i < sizes.size(); ++i) n += (i ? "," : "") + std::to_string(sizes[i]);
  n += ":";
  for (size_t i = 0; i < kinds.size(); ++i) n += (i ? "+" : "") + kinds[i];
  return n;
}

bool is_fused_kind(std::string_view kind) { return kind.starts_with(kPrefix); }

std::optional<FusedKind> FusedKind::parse(std::string_view kind) {
  if (!is_fused_kind(kind)) return std::nullopt;
  auto malformed = [&] { return Error(ExitCode::bad_data, "malformed fused feature kind '" + std::string(kind) + "'"); };
  std::string_view rest = kind.substr(kPrefix.size());
  FusedKind k;
  // The widths: integers separated by ',' up to the first ':'.
  size_t at = 0;
  for (;;) {
    int size = 0;
    const auto [end, ec] = std::from_chars(rest.data() + at, rest.data() + rest.size(), size);
    if (ec != std::errc() || size <= 0) throw malformed();
    k.sizes.push_back(size);
    at = size_t(end - rest.data());
    if (at >= rest.size()) throw malformed();
    if (rest[at] == ':') break;
    if (rest[at] != ',') throw malformed();
    ++at;
  }
  // Feature kinds never contain '+', so '+' separates the parts (a part's kind may contain ':').
  std::string_view kinds = rest.substr(at + 1);
  for (size_t plus; (plus = kinds.find('+')) != std::string_view::npos; kinds.remove_prefix(plus + 1))
    k.kinds.emplace_back(kinds.substr(0, plus));
  k.kinds.emplace_back(kinds);
  if (k.kinds.size() != k.sizes.size() + 1) throw malformed();
  for (const auto& part : k.kinds)
    if (part.empty()) throw malformed();
  return k;
}

FusedExtractor::FusedExtractor(std::vector<std::unique_ptr<FeatureExtractor>> parts) : parts_(std::move(parts)) {
  if (parts_.size() < 2) throw Error(ExitCode::internal, "a fusion needs at least two parts");
  for (const auto& p : parts_) {
    if (p->sample_rate() != parts_.front()->sample_rate())
      throw Error(ExitCode::usage, "cannot fuse " + parts_.front()->kind() + " and " + p->kind() +
                                       ": they read audio at different sample rates");
    kind_.kinds.push_back(p->kind());
    if (&p != &parts_.back()) kind_.sizes.push_back(p->dimension());
  }
}

int FusedExtractor::dimension() const {
  int d = 0;
  for (const auto& p : parts_) d += p->dimension();
  return d;
}

std::vector<float> FusedExtractor::extract(std::span<const float> samples) const {
  std::vector<float> v;
  for (const auto& p : parts_) {
    const std::vector<float> part = p->extract(samples);
    v.insert(v.end(), part.begin(), part.end());
  }
  return v;
}

std::vector<LabelScore> FusedExtractor::classify(std::span<const float> samples, int top_k) const {
  return parts_.front()->classify(samples, top_k);
}

FeatureResult FusedExtractor::describe(std::span<const float> samples, int top_k) const {
  FeatureResult r = parts_.front()->describe(samples, top_k);
  for (size_t i = 1; i < parts_.size(); ++i) {
    const std::vector<float> part = parts_[i]->extract(samples);
    r.vector.insert(r.vector.end(), part.begin(), part.end());
  }
  return r;
}

}  // namespace soundalike

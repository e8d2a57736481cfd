#pragma once
// One abstract interface for everything that turns a song into a vector that nearest-neighbour search
// compares (faiss::Index in spirit): the CNN embedder (src/model), MFCC statistics (src/features), and
// later kinds. The library, the CLI and the server only ever talk to this interface.
#include <span>
#include <string>
#include <vector>

namespace soundalike {

struct LabelScore {
  std::string label;
  float probability = 0.0f;
};

struct FeatureResult {
  std::vector<float> vector;
  std::vector<LabelScore> labels;  // top labels, best first; empty for extractors that do not classify
};

class FeatureExtractor {
 public:
  virtual ~FeatureExtractor() = default;

  // Stable identifier stored with every vector in a library, e.g. "mfcc-v1" or "model:<content hash>";
  // vectors of different kinds are never compared.
  virtual std::string kind() const = 0;
  virtual int dimension() const = 0;
  // The rate the audio must be decoded at before extract().
  virtual int sample_rate() const = 0;
  // Mono samples at sample_rate() -> a vector of dimension() floats. Must be safe to call from several
  // threads at once.
  virtual std::vector<float> extract(std::span<const float> samples) const = 0;
  // Top labels with probabilities, for extractors that classify (empty otherwise).
  virtual std::vector<LabelScore> classify(std::span<const float> samples, int top_k) const { return {}; }
  // Both at once; extractors whose vector and labels come from one computation (a CNN's forward pass)
  // override it so that callers wanting both pay once.
  virtual FeatureResult describe(std::span<const float> samples, int top_k) const {
    return {extract(samples), classify(samples, top_k)};
  }
};

}  // namespace soundalike

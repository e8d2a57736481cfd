#pragma once
// A trained model as a FeatureExtractor: audio -> log-mel -> windows spread across the clip -> the
// penultimate Dense layer averaged over the windows. Torch-free interface (pimpl), so the library and
// the CLI can use it without torch's headers.
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "features/FeatureExtractor.h"
#include "features/Spectrogram.h"
#include "model/ModelFile.h"

namespace soundalike::model {

struct EmbedderOptions {
  int threads = 0;      // torch intra-op threads (a process-wide setting; 0 = leave it) and log-mel
                        // threads in extract_batch (0 = all cores)
  int max_batch = 64;   // windows per forward pass
};

struct ClipAnalysis {
  std::vector<float> embedding;      // dimension() floats
  std::vector<float> probabilities;  // one per label (softmax of the window-averaged logits); empty without labels
};

class Embedder : public FeatureExtractor {
 public:
  // Throws InputError(bad_model) when the file cannot be used.
  explicit Embedder(const std::filesystem::path& model_file, EmbedderOptions options = {});
  ~Embedder() override;
  Embedder(Embedder&&) noexcept;
  Embedder& operator=(Embedder&&) noexcept;

  std::string kind() const override;  // "model:<16 hex digits of the file's hash>"
  int dimension() const override;
  int sample_rate() const override;
  std::vector<float> extract(std::span<const float> samples) const override;
  std::vector<LabelScore> classify(std::span<const float> samples, int top_k) const override;
  FeatureResult describe(std::span<const float> samples, int top_k) const override;

  const ModelMetadata& metadata() const;
  const std::vector<std::string>& labels() const;

  // The log-mel the model expects (its own SpectrogramConfig).
  Spectrogram spectrogram(std::span<const float> samples) const;
  ClipAnalysis analyze(const Spectrogram& s) const;
  // Many clips in shared forward passes: the fast path for embedding a library.
  std::vector<ClipAnalysis> analyze_batch(std::span<const Spectrogram* const> clips) const;
  std::vector<std::vector<float>> extract_batch(std::span<const std::span<const float>> clips) const;

  static std::vector<LabelScore> top_labels(const ClipAnalysis& a, const std::vector<std::string>& labels, int top_k);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soundalike::model

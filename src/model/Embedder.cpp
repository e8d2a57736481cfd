#include "model/Embedder.h"

#include <algorithm>
#include <numeric>

#include "common/Error.h"
#include "common/Parallel.h"
#include "features/MelSpectrogram.h"
#include "model/Network.h"

namespace soundalike::model {

struct Embedder::Impl {
  LoadedModel model;
  MelSpectrogram mel;
  EmbedderOptions options;
  Impl(LoadedModel m, EmbedderOptions o) : model(std::move(m)), mel(model.metadata.spectrogram), options(o) {}
};

Embedder::Embedder(const std::filesystem::path& model_file, EmbedderOptions options) {
  if (options.threads > 0) at::set_num_threads(options.threads);
  impl_ = std::make_unique<Impl>(load_model(model_file), options);
}
Embedder::~Embedder() = default;
Embedder::Embedder(Embedder&&) noexcept = default;
Embedder& Embedder::operator=(Embedder&&) noexcept = default;

std::string Embedder::kind() const { return "model:" + impl_->model.content_hash; }
int Embedder::dimension() const {
  const int window = impl_->model.network->window_embedding_size();
  return impl_->model.metadata.clip_summary == "mean_std" ? 2 * window : window;
}
int Embedder::sample_rate() const { return impl_->model.metadata.spectrogram.sample_rate; }
const ModelMetadata& Embedder::metadata() const { return impl_->model.metadata; }
const std::vector<std::string>& Embedder::labels() const { return impl_->model.metadata.labels; }

Spectrogram Embedder::spectrogram(std::span<const float> samples) const {
  if (samples.empty()) throw Error(ExitCode::no_audio, "no audio samples to embed");
  return impl_->mel.compute(samples);
}

std::vector<ClipAnalysis> Embedder::analyze_batch(std::span<const Spectrogram* const> clips) const {
  std::vector<ClipAnalysis> out(clips.size());
  if (clips.empty()) return out;
  // Forward passes only read the module (eval mode, no autograd), so concurrent calls are safe.
  auto r = run_clips(*impl_->model.network, clips, impl_->model.metadata, std::max(1, impl_->options.max_batch));
  auto e = r.embeddings.contiguous();
  torch::Tensor p;
  if (r.logits.defined()) p = torch::softmax(r.logits, 1).contiguous();
  for (size_t i = 0; i < clips.size(); ++i) {
    const float* ep = e.data_ptr<float>() + int64_t(i) * e.size(1);
    out[i].embedding.assign(ep, ep + e.size(1));
    if (p.defined()) {
      const float* pp = p.data_ptr<float>() + int64_t(i) * p.size(1);
      out[i].probabilities.assign(pp, pp + p.size(1));
    }
  }
  return out;
}

ClipAnalysis Embedder::analyze(const Spectrogram& s) const {
  const Spectrogram* one[] = {&s};
  return std::move(analyze_batch(one)[0]);
}

std::vector<float> Embedder::extract(std::span<const float> samples) const {
  return analyze(spectrogram(samples)).embedding;
}

std::vector<std::vector<float>> Embedder::extract_batch(std::span<const std::span<const float>> clips) const {
  std::vector<Spectrogram> specs(clips.size());
  // The log-mel is a third of the cost of a clip; MelSpectrogram::compute is safe on several threads.
  parallel_for(clips.size(), impl_->options.threads, [&](size_t i) { specs[i] = spectrogram(clips[i]); });
  std::vector<const Spectrogram*> ptrs;
  for (auto& s : specs) ptrs.push_back(&s);
  std::vector<std::vector<float>> out;
  for (auto& a : analyze_batch(ptrs)) out.push_back(std::move(a.embedding));
  return out;
}

std::vector<LabelScore> Embedder::top_labels(const ClipAnalysis& a, const std::vector<std::string>& labels, int top_k) {
  std::vector<size_t> order(a.probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t k = std::min(order.size(), size_t(std::max(0, top_k)));
  std::partial_sort(order.begin(), order.begin() + ptrdiff_t(k), order.end(),
                    [&](size_t x, size_t y) { return a.probabilities[x] > a.probabilities[y]; });
  std::vector<LabelScore> out;
  for (size_t i = 0; i < k; ++i) out.push_back({labels[order[i]], a.probabilities[order[i]]});
  return out;
}

std::vector<LabelScore> Embedder::classify(std::span<const float> samples, int top_k) const {
  return top_labels(analyze(spectrogram(samples)), labels(), top_k);
}

FeatureResult Embedder::describe(std::span<const float> samples, int top_k) const {
  ClipAnalysis a = analyze(spectrogram(samples));
  FeatureResult r;
  r.labels = top_labels(a, labels(), top_k);
  r.vector = std::move(a.embedding);
  return r;
}

}  // namespace soundalike::model

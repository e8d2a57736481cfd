#include "model/TrainingSupport.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "common/Parallel.h"
#include "model/Windows.h"

namespace soundalike::model {

void start_torch(int threads, uint64_t seed) {
  at::set_num_threads(resolve_jobs(threads));
  at::globalContext().setFlushDenormal(true);
  torch::manual_seed(seed);
}

void set_learning_rate(torch::optim::AdamW& opt, double lr) {
  for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
}

std::string serialize_state(torch::nn::Module& m) {
  torch::serialize::OutputArchive a;
  m.save(a);
  std::ostringstream s;
  a.save_to(s);
  return s.str();
}

void restore_state(torch::nn::Module& m, const std::string& bytes) {
  torch::serialize::InputArchive a;
  std::istringstream s(bytes);
  a.load_from(s);
  m.load(a);
}

void augmented_window(const Spectrogram& s, const ModelMetadata& m, const Augmenter& aug, std::mt19937_64& rng,
                      std::span<float> out) {
  const int mels = m.spectrogram.n_mels, frames = m.window_frames;
  copy_raw_window(s, random_window_start(s.n_frames, frames, rng), frames, out);
  aug.augment_raw(out, mels, frames, rng);
  normalize_window(out, frames, m.normalization);
  aug.augment_normalized(out, mels, frames, rng);
}

void recalibrate_batchnorm(NetworkImpl& net, const ModelMetadata& m, int batch, size_t windows, std::mt19937_64& rng,
                           const std::function<const Spectrogram&(size_t)>& source) {
  std::vector<torch::nn::BatchNorm2dImpl*> bns;
  for (auto& mod : net.backbone().modules(false))
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(mod.get())) bns.push_back(bn);
  if (bns.empty()) return;
  std::vector<c10::optional<double>> momentum;
  for (auto* bn : bns) {
    momentum.push_back(bn->options.momentum());
    bn->reset_running_stats();
    bn->options.momentum(c10::nullopt);  // cumulative average over the batches below
  }
  const int mels = m.spectrogram.n_mels, frames = m.window_frames;
  const size_t per = size_t(mels) * size_t(frames);
  torch::NoGradGuard no_grad;
  net.train();
  for (size_t at = 0; at < windows; at += size_t(batch)) {
    const size_t n = std::min(windows, at + size_t(batch)) - at;
    if (n < 2) break;
    auto x = torch::empty({int64_t(n), 1, mels, frames});
    for (size_t b = 0; b < n; ++b) {
      const Spectrogram& s = source(at + b);
      copy_window(s, random_window_start(s.n_frames, frames, rng), frames, m.normalization, {x.data_ptr<float>() + b * per, per});
    }
    net.pooled_features(x);
  }
  for (size_t i = 0; i < bns.size(); ++i) bns[i]->options.momentum(momentum[i]);
}

}  // namespace soundalike::model

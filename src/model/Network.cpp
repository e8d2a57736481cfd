#include "model/Network.h"

#include <sstream>

#include "common/Error.h"
#include "model/Windows.h"

namespace soundalike::model {

namespace nn = torch::nn;

HeadSpec HeadSpec::of(const ModelMetadata& m) {
  HeadSpec h;
  h.embedding_size = m.embedding_size;
  h.num_labels = int(m.labels.size());
  h.pooling = m.pooling;
  h.pooled_embedding = m.embedding == "pooled";
  h.all_blocks = m.pooled_blocks == "all";
  return h;
}

NetworkImpl::NetworkImpl(std::shared_ptr<BackboneImpl> backbone, int embedding_size, int num_labels, double dropout)
    : NetworkImpl(std::move(backbone), HeadSpec{embedding_size, num_labels, "mean", false, dropout}) {}

NetworkImpl::NetworkImpl(std::shared_ptr<BackboneImpl> backbone, const HeadSpec& head)
    : backbone_(std::move(backbone)), embedding_size_(head.embedding_size), num_labels_(head.num_labels) {
  if (head.pooling != "mean" && head.pooling != "mean_max")
    throw Error(ExitCode::usage, "unknown pooling '" + head.pooling + "' (choose mean or mean_max)");
  mean_max_ = head.pooling == "mean_max";
  pooled_embedding_ = head.pooled_embedding;
  pooled_size_ = backbone_->out_channels() * (mean_max_ ? 2 : 1);
  if (head.all_blocks) {
    if (!pooled_embedding_) throw Error(ExitCode::usage, "an every-block read-out needs the pooled embedding");
    all_blocks_ = true;
    for (int c : backbone_->block_channels()) all_blocks_size_ += c * (mean_max_ ? 2 : 1);
  }
  register_module("backbone", backbone_);
  embed_ = register_module("embed", nn::Linear(pooled_size_, embedding_size_));
  dropout_ = register_module("dropout", nn::Dropout(head.dropout));
  if (num_labels_ > 0) classify_ = register_module("classify", nn::Linear(embedding_size_, num_labels_));
}

torch::Tensor NetworkImpl::pool(const torch::Tensor& map) const {
  if (map.dim() != 4) return map;
  if (!mean_max_) return map.mean({2, 3});
  return torch::cat({map.mean({2, 3}), map.amax({2, 3})}, 1);
}

torch::Tensor NetworkImpl::pooled_features(const torch::Tensor& x) { return pool(backbone_->forward(x)); }

torch::Tensor NetworkImpl::hidden(const torch::Tensor& pooled) { return torch::relu(embed_(pooled)); }

NetworkOutput NetworkImpl::forward(const torch::Tensor& x) {
  NetworkOutput out;
  auto pooled = pooled_features(x);
  // A pooled-embedding network pretrained without labels never trained its Dense layer: skip it then.
  if (pooled_embedding_ && !classify_) {
    out.embedding = pooled;
    return out;
  }
  auto h = hidden(pooled);
  out.embedding = pooled_embedding_ ? pooled : h;
  if (classify_) out.logits = classify_(dropout_(h));
  return out;
}

NetworkOutput NetworkImpl::infer(const torch::Tensor& x) {
  if (!all_blocks_) return forward(x);
  std::vector<torch::Tensor> pooled;
  for (const auto& map : backbone_->forward_blocks(x)) pooled.push_back(pool(map));
  NetworkOutput out;
  out.embedding = torch::cat(pooled, 1);
  if (classify_) out.logits = classify_(dropout_(hidden(pooled.back())));
  return out;
}

void NetworkImpl::freeze_backbone() {
  frozen_ = true;
  for (auto& p : backbone_->parameters()) p.set_requires_grad(false);
  backbone_->eval();
}

void NetworkImpl::train(bool on) {
  nn::Module::train(on);
  if (frozen_) backbone_->eval();
}

void NetworkImpl::copy_backbone_from(NetworkImpl& other) {
  torch::NoGradGuard no_grad;
  auto src = other.backbone().named_parameters();
  for (auto& p : backbone_->named_parameters()) {
    auto* s = src.find(p.key());
    if (!s || !s->sizes().equals(p.value().sizes()))
      throw Error(ExitCode::bad_model, "backbone weights do not fit: parameter " + p.key());
    p.value().copy_(*s);
  }
  auto bsrc = other.backbone().named_buffers();
  for (auto& b : backbone_->named_buffers()) {
    auto* s = bsrc.find(b.key());
    if (!s || !s->sizes().equals(b.value().sizes()))
      throw Error(ExitCode::bad_model, "backbone weights do not fit: buffer " + b.key());
    b.value().copy_(*s);
  }
}

Network build_network(const ModelMetadata& m, const std::string& torchscript) {
  std::shared_ptr<BackboneImpl> backbone;
  if (m.backbone.name == "torchscript") {
    if (torchscript.empty()) throw Error(ExitCode::bad_model, "model has a TorchScript backbone but no module");
    std::istringstream in(torchscript);
    backbone = make_torchscript_backbone(torch::jit::load(in), m.spectrogram.n_mels, m.window_frames);
  } else {
    backbone = make_backbone(m.backbone);
  }
  return Network(backbone, HeadSpec::of(m));
}

LoadedModel load_model(const std::filesystem::path& path) {
  ModelFileContents c = read_model_file(path);
  LoadedModel lm;
  try {
    lm.network = build_network(c.metadata, c.torchscript);
    torch::serialize::InputArchive archive;
    std::istringstream in(c.weights);
    archive.load_from(in);
    lm.network->load(archive);
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw InputError(ExitCode::bad_model, path, "cannot load the weights: " + what.substr(0, what.find('\n')));
  }
  lm.network->eval();
  lm.metadata = std::move(c.metadata);
  lm.content_hash = c.content_hash;
  return lm;
}

void save_model(const std::filesystem::path& path, const ModelMetadata& metadata, NetworkImpl& network) {
  torch::serialize::OutputArchive archive;
  network.save(archive);
  std::ostringstream weights;
  archive.save_to(weights);
  std::string script;
  if (const torch::jit::Module* m = torchscript_module(network.backbone())) {
    std::ostringstream s;
    m->save(s);
    script = s.str();
  }
  write_model_file(path, metadata, weights.str(), script);
}

PretrainedBackbone load_backbone_weights(const std::filesystem::path& path, int probe_mels, int probe_frames) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(ExitCode::bad_model, path, "cannot open the backbone weights");
  char magic[8] = {};
  f.read(magic, 8);
  if (std::string(magic, 8) == "SALMODEL") {
    LoadedModel lm = load_model(path);
    return {lm.network->backbone_ptr(), std::move(lm.metadata)};
  }
  try {
    return {make_torchscript_backbone(torch::jit::load(path.string()), probe_mels, probe_frames), std::nullopt};
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw InputError(ExitCode::bad_model, path,
                     "neither a soundalike model nor a TorchScript module: " + what.substr(0, what.find('\n')));
  }
}

torch::Tensor clip_windows(std::span<const Spectrogram* const> clips, const ModelMetadata& m, std::vector<int64_t>& owner) {
  const int mels = m.spectrogram.n_mels, frames = m.window_frames;
  std::vector<std::pair<size_t, int>> windows;
  for (size_t c = 0; c < clips.size(); ++c) {
    if (clips[c]->n_mels != mels) throw Error(ExitCode::internal, "spectrogram band count differs from the model's");
    for (int s : clip_window_starts(clips[c]->n_frames, m)) windows.emplace_back(c, s);
  }
  auto x = torch::empty({int64_t(windows.size()), 1, mels, frames});
  float* data = x.data_ptr<float>();
  const size_t per = size_t(mels) * size_t(frames);
  owner.resize(windows.size());
  for (size_t w = 0; w < windows.size(); ++w) {
    copy_window(*clips[windows[w].first], windows[w].second, frames, m.normalization, {data + w * per, per});
    owner[w] = int64_t(windows[w].first);
  }
  return x;
}

ClipOutputs run_clips(NetworkImpl& net, std::span<const Spectrogram* const> clips, const ModelMetadata& m, int max_batch) {
  torch::NoGradGuard no_grad;
  std::vector<int64_t> owner;
  auto x = clip_windows(clips, m, owner);
  const int64_t n = x.size(0);
  std::vector<torch::Tensor> emb, log;
  for (int64_t at = 0; at < n; at += max_batch) {
    auto out = net.infer(x.slice(0, at, std::min(n, at + max_batch)));
    emb.push_back(out.embedding);
    if (out.logits.defined()) log.push_back(out.logits);
  }
  auto idx = torch::tensor(owner, torch::kLong);
  auto counts = torch::zeros({int64_t(clips.size()), 1}).index_add_(0, idx, torch::ones({n, 1}));
  ClipOutputs r;
  auto e = torch::cat(emb);
  auto mean = torch::zeros({int64_t(clips.size()), e.size(1)}).index_add_(0, idx, e) / counts;
  if (m.clip_summary == "mean_std") {
    auto centred = e - mean.index_select(0, idx);
    auto var = torch::zeros_like(mean).index_add_(0, idx, centred * centred) / counts;
    r.embeddings = torch::cat({mean, var.sqrt()}, 1);
  } else {
    r.embeddings = mean;
  }
  if (!log.empty()) {
    auto l = torch::cat(log);
    r.logits = torch::zeros({int64_t(clips.size()), l.size(1)}).index_add_(0, idx, l) / counts;
  }
  return r;
}

}  // namespace soundalike::model

#pragma once
// The paper's classifier: backbone -> global average pooling -> Dense(embedding, ReLU) -> Dropout(0.5)
// -> Dense(labels). The ReLU output of the first Dense layer is the song embedding. Torch-facing:
// include only from src/model and tests/model.
#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "features/Spectrogram.h"
#include "model/Backbone.h"
#include "model/ModelFile.h"

namespace soundalike::model {

struct NetworkOutput {
  torch::Tensor embedding;  // [N, training_ or window_embedding_size()]: the Dense layer after ReLU, or pooled features
  torch::Tensor logits;     // [N, labels], undefined for a backbone-only model
};

// The head's shape: how the feature map is pooled and which layer is the embedding (ModelMetadata).
struct HeadSpec {
  int embedding_size = 256;
  int num_labels = 0;               // 0: a backbone-only model (no classifier), e.g. for pretraining
  std::string pooling = "mean";     // "mean" | "mean_max"
  bool pooled_embedding = false;    // the embedding is the pooled features, not the Dense layer
  double dropout = 0.5;
  bool all_blocks = false;          // a pooled embedding read from every block (ModelMetadata::pooled_blocks)
  static HeadSpec of(const ModelMetadata& m);
};

class NetworkImpl : public torch::nn::Module {
 public:
  // num_labels == 0 builds a backbone-only model (embedding layer, no classifier), e.g. for
  // self-supervised pretraining.
  NetworkImpl(std::shared_ptr<BackboneImpl> backbone, int embedding_size, int num_labels, double dropout = 0.5);
  NetworkImpl(std::shared_ptr<BackboneImpl> backbone, const HeadSpec& head);

  // What training optimises: the embedding from the last block. x: [N, 1, mels, frames], normalised.
  NetworkOutput forward(const torch::Tensor& x);
  // What a song vector reads: forward's output, except that an every-block read-out pools each block.
  NetworkOutput infer(const torch::Tensor& x);
  torch::Tensor pooled_features(const torch::Tensor& x);  // [N, pooled_size()]
  // The Dense layer's ReLU output on pooled features (what the classifier reads).
  torch::Tensor hidden(const torch::Tensor& pooled);
  int pooled_size() const { return pooled_size_; }
  // Width of forward's embedding (what a projection head for training reads).
  int training_embedding_size() const { return pooled_embedding_ ? pooled_size_ : embedding_size_; }
  // Width of infer's embedding: one window's share of a song vector.
  int window_embedding_size() const { return all_blocks_ ? all_blocks_size_ : training_embedding_size(); }
  bool pooled_embedding() const { return pooled_embedding_; }

  BackboneImpl& backbone() { return *backbone_; }
  std::shared_ptr<BackboneImpl> backbone_ptr() { return backbone_; }
  torch::nn::Linear& embedding_layer() { return embed_; }
  torch::nn::Linear& classifier() { return classify_; }
  int embedding_size() const { return embedding_size_; }
  int num_labels() const { return num_labels_; }

  // Stops gradients into the backbone and keeps it in inference mode (BatchNorm statistics frozen too),
  // whatever train() is called with later: a frozen backbone stays bit-identical.
  void freeze_backbone();
  bool backbone_frozen() const { return frozen_; }
  void train(bool on = true) override;

  // Copies every backbone parameter and buffer from `other` (same structure required).
  void copy_backbone_from(NetworkImpl& other);

 private:
  std::shared_ptr<BackboneImpl> backbone_;
  torch::nn::Linear embed_{nullptr}, classify_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  int embedding_size_, num_labels_;
  bool mean_max_ = false, pooled_embedding_ = false, all_blocks_ = false;
  int pooled_size_ = 0, all_blocks_size_ = 0;
  torch::Tensor pool(const torch::Tensor& map) const;
  bool frozen_ = false;
};
TORCH_MODULE(Network);

struct LoadedModel {
  ModelMetadata metadata;
  Network network{nullptr};
  std::string content_hash;
};

// Builds the structure the metadata describes (weights untrained). For TorchScript backbones pass the
// module bytes (ModelFileContents::torchscript).
Network build_network(const ModelMetadata& metadata, const std::string& torchscript = {});
// Reads and validates a model file; torch-level failures become InputError(bad_model) too.
LoadedModel load_model(const std::filesystem::path& path);
// Serialises the network (and a TorchScript backbone's module) into a model file.
void save_model(const std::filesystem::path& path, const ModelMetadata& metadata, NetworkImpl& network);

// A backbone for `--backbone-weights FILE`: a soundalike model file (its backbone, trained weights) or
// a TorchScript module. `probe_mels`/`probe_frames` size the probe run of a TorchScript module.
struct PretrainedBackbone {
  std::shared_ptr<BackboneImpl> backbone;
  std::optional<ModelMetadata> source;  // set when it came from a soundalike model file
};
PretrainedBackbone load_backbone_weights(const std::filesystem::path& path, int probe_mels, int probe_frames);

// Windows spread across each clip, normalised, stacked: [sum of windows, 1, mels, window]; `owner`
// receives, for each window, the index of its clip.
torch::Tensor clip_windows(std::span<const Spectrogram* const> clips, const ModelMetadata& m, std::vector<int64_t>& owner);


struct ClipOutputs {
  // [clips, song vector size]: the mean of the windows' embeddings, followed by their standard deviation
  // for a mean_std clip summary
  torch::Tensor embeddings;
  torch::Tensor logits;      // [clips, labels]: mean of the windows' logits (undefined without labels)
};
// Inference over whole clips (NetworkImpl::infer) in batches of at most `max_batch` windows; the network
// must be in eval mode.
ClipOutputs run_clips(NetworkImpl& net, std::span<const Spectrogram* const> clips, const ModelMetadata& m,
                      int max_batch = 64);

}  // namespace soundalike::model

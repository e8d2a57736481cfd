#pragma once
// Convolutional backbones: a spectrogram batch [N, 1, mels, frames] -> a feature map [N, C, h, w]
// (or features [N, C]); the head pools and classifies. Torch-facing: include only from src/model and
// tests/model, never from a header other stages see.
#include <torch/script.h>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/ModelFile.h"

namespace soundalike::model {


class BackboneImpl : public torch::nn::Module {
 public:
  // `x` is [N, 1, mels, frames]; backbones with in_channels > 1 repeat the single channel.
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  virtual int out_channels() const = 0;
  // The feature map at the end of each block, first to last (the last is forward's output). A backbone
  // without blocks of its own answers with forward's output alone.
  virtual std::vector<torch::Tensor> forward_blocks(torch::Tensor x) { return {forward(std::move(x))}; }
  // Channels of each map forward_blocks returns.
  virtual std::vector<int> block_channels() const { return {out_channels()}; }
  virtual const BackboneSpec& spec() const = 0;
};

// Builds an untrained backbone by name. Throws Error(usage) for unknown names.
std::shared_ptr<BackboneImpl> make_backbone(const BackboneSpec& spec);

// Wraps a TorchScript module (e.g. a torchvision ImageNet model exported in Python). The channel count
// it expects and its output width are found by probing it once with a window of the given size.
std::shared_ptr<BackboneImpl> make_torchscript_backbone(torch::jit::Module module, int probe_mels,
                                                        int probe_frames);
// The TorchScript module inside such a backbone (for saving it into a model file); null otherwise.
const torch::jit::Module* torchscript_module(const BackboneImpl& backbone);

// Names accepted by make_backbone, in the order the CLI lists them.
std::vector<std::string> backbone_names();

// Counts as Keras does: trainable and non-trainable weights, BatchNorm moving mean and variance
// included (torch keeps those as buffers), num_batches_tracked excluded.
int64_t keras_parameter_count(torch::nn::Module& module);
int64_t trainable_parameter_count(torch::nn::Module& module);

}  // namespace soundalike::model

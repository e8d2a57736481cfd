#include "model/Backbone.h"

#include <algorithm>
#include <utility>

#include "common/Error.h"

namespace soundalike::model {

namespace nn = torch::nn;
namespace F = torch::nn::functional;


std::vector<std::string> backbone_names() { return {"compact", "conv4", "resnet50v2", "vgg19", "xception"}; }

namespace {

torch::Tensor to_channels(const torch::Tensor& x, int channels) {
  if (x.size(1) == channels) return x;
  return x.expand({x.size(0), channels, x.size(2), x.size(3)});
}

nn::Conv2dOptions conv(int64_t in, int64_t out, int64_t k, int64_t stride = 1, int64_t pad = 0, bool bias = true,
                       int64_t groups = 1) {
  return nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(bias).groups(groups);
}

// ---------------------------------------------------------------------------------------------------------
// compact: our spectrogram CNN, built for two CPU cores. Measured on these machines, a network this
// small is bound by memory traffic and per-layer overhead, not by multiply-adds: an earlier design with
// depthwise-separable blocks had 11x fewer MACs than a plain 4-block CNN but ran only 1.6x faster,
// because its full-resolution BatchNorm/ReLU/pooling passes dominated. So every convolution here
// strides by 2 (no pooling layers, no full-resolution activations): a 128x128 window is 64x64 after
// the first layer and 8x8 after the fourth. Dense 3x3 convolutions use oneDNN's fast paths; one extra
// 3x3 at 16x16 adds depth where the receptive field starts covering whole notes and beats.
class CompactBackbone : public BackboneImpl {
 public:
  explicit CompactBackbone(BackboneSpec spec) : spec_(std::move(spec)) {
    const int w = spec_.width > 0 ? spec_.width : 16;
    spec_.width = w;
    struct Layer { int in, out, stride; };
    const Layer layers[] = {{spec_.in_channels, w, 2}, {w, 2 * w, 2}, {2 * w, 4 * w, 2}, {4 * w, 4 * w, 1}, {4 * w, 8 * w, 2}};
    int i = 0;
    for (const Layer& l : layers) {
      convs_.push_back(register_module("conv" + std::to_string(i), nn::Conv2d(conv(l.in, l.out, 3, l.stride, 1, false))));
      bns_.push_back(register_module("bn" + std::to_string(i), nn::BatchNorm2d(l.out)));
      ++i;
    }
    out_ = 8 * w;
  }
  torch::Tensor forward(torch::Tensor x) override {
    x = to_channels(x, spec_.in_channels);
    for (size_t i = 0; i < convs_.size(); ++i) x = torch::relu(bns_[i](convs_[i](x)));
    return x;
  }
  int out_channels() const override { return out_; }
  const BackboneSpec& spec() const override { return spec_; }

 private:
  BackboneSpec spec_;
  std::vector<nn::Conv2d> convs_;
  std::vector<nn::BatchNorm2d> bns_;
  int out_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// conv4: four VGG-style blocks [3x3 conv -> BN -> ReLU -> 3x3 conv -> BN -> ReLU -> 2x2 max pool] of
// w, 2w, 4w, 8w channels (w = 16: about 0.29 M parameters). Four times the multiply-adds of compact,
// because the first block works at full resolution; in exchange its features keep the fine detail in
// time and frequency that contrastive pretraining on real music learns to use (docs/model-card.md:
// compact reached MFCC level there, this one passes the timbre model).
class Conv4Backbone : public BackboneImpl {
 public:
  explicit Conv4Backbone(BackboneSpec spec) : spec_(std::move(spec)) {
    const int w = spec_.width > 0 ? spec_.width : 16;
    spec_.width = w;
    int in = spec_.in_channels, i = 0;
    for (int out : {w, 2 * w, 4 * w, 8 * w}) {
      for (int k = 0; k < 2; ++k, ++i) {
        convs_.push_back(register_module("conv" + std::to_string(i), nn::Conv2d(conv(in, out, 3, 1, 1, false))));
        bns_.push_back(register_module("bn" + std::to_string(i), nn::BatchNorm2d(out)));
        in = out;
      }
    }
    out_ = 8 * w;
  }
  torch::Tensor forward(torch::Tensor x) override { return run(std::move(x), nullptr); }
  std::vector<torch::Tensor> forward_blocks(torch::Tensor x) override {
    std::vector<torch::Tensor> blocks;
    run(std::move(x), &blocks);
    return blocks;
  }
  std::vector<int> block_channels() const override {
    const int w = spec_.width;
    return {w, 2 * w, 4 * w, 8 * w};
  }
  int out_channels() const override { return out_; }
  const BackboneSpec& spec() const override { return spec_; }

 private:
  // The blocks in turn; each block's pooled map is appended to `blocks` when given (forward keeps none
  // alive: it needs the last alone).
  torch::Tensor run(torch::Tensor x, std::vector<torch::Tensor>* blocks) {
    x = to_channels(x, spec_.in_channels);
    for (size_t i = 0; i < convs_.size(); ++i) {
      x = torch::relu(bns_[i](convs_[i](x)));
      if (i % 2 == 1) {
        x = torch::max_pool2d(x, 2);
        if (blocks) blocks->push_back(x);
      }
    }
    return x;
  }

  BackboneSpec spec_;
  std::vector<nn::Conv2d> convs_;
  std::vector<nn::BatchNorm2d> bns_;
  int out_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// VGG19 as keras.applications.VGG19(include_top=False): 16 3x3 convolutions with bias and ReLU in five
// blocks of 2, 2, 4, 4, 4, each block closed by 2x2 max pooling.
class Vgg19Backbone : public BackboneImpl {
 public:
  explicit Vgg19Backbone(BackboneSpec spec) : spec_(std::move(spec)) {
    const int blocks[5][2] = {{64, 2}, {128, 2}, {256, 4}, {512, 4}, {512, 4}};
    int in = spec_.in_channels;
    for (int b = 0; b < 5; ++b) {
      std::vector<nn::Conv2d> convs;
      for (int c = 0; c < blocks[b][1]; ++c) {
        convs.push_back(register_module("block" + std::to_string(b + 1) + "_conv" + std::to_string(c + 1),
                                        nn::Conv2d(conv(in, blocks[b][0], 3, 1, 1, true))));
        in = blocks[b][0];
      }
      blocks_.push_back(std::move(convs));
    }
  }
  torch::Tensor forward(torch::Tensor x) override {
    x = to_channels(x, spec_.in_channels);
    for (auto& block : blocks_) {
      for (auto& c : block) x = torch::relu(c(x));
      x = F::max_pool2d(x, F::MaxPool2dFuncOptions(2).stride(2));
    }
    return x;
  }
  int out_channels() const override { return 512; }
  const BackboneSpec& spec() const override { return spec_; }

 private:
  BackboneSpec spec_;
  std::vector<std::vector<nn::Conv2d>> blocks_;
};

// ---------------------------------------------------------------------------------------------------------
// ResNet50V2 as keras.applications.ResNet50V2(include_top=False): pre-activation bottleneck blocks
// (stacks of 3, 4, 6, 3), stride on the last block of each stack, BatchNorm epsilon 1.001e-5.
nn::BatchNorm2d keras_bn(int64_t c, double eps) {
  return nn::BatchNorm2d(nn::BatchNorm2dOptions(c).eps(eps).momentum(0.01));
}

class PreactBlock : public nn::Module {
 public:
  PreactBlock(int64_t in, int64_t filters, int64_t stride, bool conv_shortcut) : stride_(stride) {
    preact_bn_ = register_module("preact_bn", keras_bn(in, 1.001e-5));
    if (conv_shortcut) shortcut_ = register_module("shortcut", nn::Conv2d(conv(in, 4 * filters, 1, stride, 0, true)));
    conv1_ = register_module("conv1", nn::Conv2d(conv(in, filters, 1, 1, 0, false)));
    bn1_ = register_module("bn1", keras_bn(filters, 1.001e-5));
    conv2_ = register_module("conv2", nn::Conv2d(conv(filters, filters, 3, stride, 0, false)));
    bn2_ = register_module("bn2", keras_bn(filters, 1.001e-5));
    conv3_ = register_module("conv3", nn::Conv2d(conv(filters, 4 * filters, 1, 1, 0, true)));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto pre = torch::relu(preact_bn_(x));
    torch::Tensor shortcut;
    if (shortcut_) shortcut = shortcut_(pre);
    else if (stride_ > 1) shortcut = F::max_pool2d(x, F::MaxPool2dFuncOptions(1).stride(stride_));
    else shortcut = x;
    auto y = torch::relu(bn1_(conv1_(pre)));
    y = F::pad(y, F::PadFuncOptions({1, 1, 1, 1}));  // Keras ZeroPadding2D(1) then a 'valid' convolution
    y = torch::relu(bn2_(conv2_(y)));
    return shortcut + conv3_(y);
  }

 private:
  int64_t stride_;
  nn::BatchNorm2d preact_bn_{nullptr}, bn1_{nullptr}, bn2_{nullptr};
  nn::Conv2d shortcut_{nullptr}, conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
};

class ResNet50V2Backbone : public BackboneImpl {
 public:
  explicit ResNet50V2Backbone(BackboneSpec spec) : spec_(std::move(spec)) {
    conv1_ = register_module("conv1", nn::Conv2d(conv(spec_.in_channels, 64, 7, 2, 0, true)));
    const int stacks[4][3] = {{64, 3, 2}, {128, 4, 2}, {256, 6, 2}, {512, 3, 1}};
    int64_t in = 64;
    for (int s = 0; s < 4; ++s) {
      const int filters = stacks[s][0], n = stacks[s][1], stride_last = stacks[s][2];
      for (int b = 0; b < n; ++b) {
        const bool first = b == 0, last = b == n - 1;
        auto blk = std::make_shared<PreactBlock>(in, filters, last ? stride_last : 1, first);
        blocks_.push_back(register_module("conv" + std::to_string(s + 2) + "_block" + std::to_string(b + 1), blk));
        in = 4 * filters;
      }
    }
    post_bn_ = register_module("post_bn", keras_bn(2048, 1.001e-5));
  }
  torch::Tensor forward(torch::Tensor x) override {
    x = to_channels(x, spec_.in_channels);
    x = conv1_(F::pad(x, F::PadFuncOptions({3, 3, 3, 3})));
    x = F::max_pool2d(F::pad(x, F::PadFuncOptions({1, 1, 1, 1})), F::MaxPool2dFuncOptions(3).stride(2));
    for (auto& b : blocks_) x = b->forward(x);
    return torch::relu(post_bn_(x));
  }
  int out_channels() const override { return 2048; }
  const BackboneSpec& spec() const override { return spec_; }

 private:
  BackboneSpec spec_;
  nn::Conv2d conv1_{nullptr};
  std::vector<std::shared_ptr<PreactBlock>> blocks_;
  nn::BatchNorm2d post_bn_{nullptr};
};

// ---------------------------------------------------------------------------------------------------------
// Xception as keras.applications.Xception(include_top=False): entry flow (2 convolutions, 3 residual
// separable blocks), middle flow (8 blocks of 3 separable convolutions at 728), exit flow. Keras'
// SeparableConv2D = depthwise 3x3 + pointwise 1x1, no bias; BatchNorm epsilon 1e-3.
class SeparableConv : public nn::Module {
 public:
  SeparableConv(int64_t in, int64_t out) {
    dw_ = register_module("depthwise", nn::Conv2d(conv(in, in, 3, 1, 1, false, in)));
    pw_ = register_module("pointwise", nn::Conv2d(conv(in, out, 1, 1, 0, false)));
    bn_ = register_module("bn", keras_bn(out, 1e-3));
  }
  torch::Tensor forward(const torch::Tensor& x) { return bn_(pw_(dw_(x))); }

 private:
  nn::Conv2d dw_{nullptr}, pw_{nullptr};
  nn::BatchNorm2d bn_{nullptr};
};

class XceptionBackbone : public BackboneImpl {
 public:
  explicit XceptionBackbone(BackboneSpec spec) : spec_(std::move(spec)) {
    conv1_ = register_module("block1_conv1", nn::Conv2d(conv(spec_.in_channels, 32, 3, 2, 0, false)));
    bn1_ = register_module("block1_conv1_bn", keras_bn(32, 1e-3));
    conv2_ = register_module("block1_conv2", nn::Conv2d(conv(32, 64, 3, 1, 0, false)));
    bn2_ = register_module("block1_conv2_bn", keras_bn(64, 1e-3));
    const int entry[3][2] = {{64, 128}, {128, 256}, {256, 728}};
    for (int i = 0; i < 3; ++i) {
      const std::string n = "block" + std::to_string(i + 2);
      Entry e;
      e.res = register_module(n + "_res", nn::Conv2d(conv(entry[i][0], entry[i][1], 1, 2, 0, false)));
      e.res_bn = register_module(n + "_res_bn", keras_bn(entry[i][1], 1e-3));
      e.sep1 = register_module(n + "_sepconv1", std::make_shared<SeparableConv>(entry[i][0], entry[i][1]));
      e.sep2 = register_module(n + "_sepconv2", std::make_shared<SeparableConv>(entry[i][1], entry[i][1]));
      entry_.push_back(e);
    }
    for (int i = 0; i < 8; ++i) {
      const std::string n = "block" + std::to_string(i + 5);
      std::array<std::shared_ptr<SeparableConv>, 3> m;
      for (int k = 0; k < 3; ++k)
        m[k] = register_module(n + "_sepconv" + std::to_string(k + 1), std::make_shared<SeparableConv>(728, 728));
      middle_.push_back(m);
    }
    exit_res_ = register_module("block13_res", nn::Conv2d(conv(728, 1024, 1, 2, 0, false)));
    exit_res_bn_ = register_module("block13_res_bn", keras_bn(1024, 1e-3));
    exit_sep1_ = register_module("block13_sepconv1", std::make_shared<SeparableConv>(728, 728));
    exit_sep2_ = register_module("block13_sepconv2", std::make_shared<SeparableConv>(728, 1024));
    exit_sep3_ = register_module("block14_sepconv1", std::make_shared<SeparableConv>(1024, 1536));
    exit_sep4_ = register_module("block14_sepconv2", std::make_shared<SeparableConv>(1536, 2048));
  }
  torch::Tensor forward(torch::Tensor x) override {
    x = to_channels(x, spec_.in_channels);
    x = torch::relu(bn1_(conv1_(x)));
    x = torch::relu(bn2_(conv2_(x)));
    // Keras' 'same' 3x3/2 max pooling: the padded border never wins, as with torch's -inf padding.
    auto pool = [](const torch::Tensor& t) { return F::max_pool2d(t, F::MaxPool2dFuncOptions(3).stride(2).padding(1)); };
    for (size_t i = 0; i < entry_.size(); ++i) {
      auto& e = entry_[i];
      auto residual = e.res_bn(e.res(x));
      auto y = i == 0 ? x : torch::relu(x);  // Keras' first entry block follows a ReLU already
      y = e.sep1->forward(y);
      y = e.sep2->forward(torch::relu(y));
      x = pool(y) + residual;
    }
    for (auto& m : middle_) {
      auto y = x;
      for (auto& s : m) y = s->forward(torch::relu(y));
      x = x + y;
    }
    auto residual = exit_res_bn_(exit_res_(x));
    auto y = exit_sep1_->forward(torch::relu(x));
    y = exit_sep2_->forward(torch::relu(y));
    x = pool(y) + residual;
    x = torch::relu(exit_sep3_->forward(x));
    return torch::relu(exit_sep4_->forward(x));
  }
  int out_channels() const override { return 2048; }
  const BackboneSpec& spec() const override { return spec_; }

 private:
  struct Entry {
    nn::Conv2d res{nullptr};
    nn::BatchNorm2d res_bn{nullptr};
    std::shared_ptr<SeparableConv> sep1, sep2;
  };
  BackboneSpec spec_;
  nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, exit_res_{nullptr};
  nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, exit_res_bn_{nullptr};
  std::vector<Entry> entry_;
  std::vector<std::array<std::shared_ptr<SeparableConv>, 3>> middle_;
  std::shared_ptr<SeparableConv> exit_sep1_, exit_sep2_, exit_sep3_, exit_sep4_;
};

// ---------------------------------------------------------------------------------------------------------
// A TorchScript module as a backbone. Its weights are not registered with this nn::Module, so no
// optimizer ever sees them: a TorchScript backbone is always frozen (the paper's best setting anyway).
class TorchScriptBackbone : public BackboneImpl {
 public:
  TorchScriptBackbone(torch::jit::Module m, int mels, int frames) : module_(std::move(m)) {
    module_.eval();
    for (auto p : module_.parameters()) p.set_requires_grad(false);
    spec_.name = "torchscript";
    torch::NoGradGuard no_grad;
    std::string first_error;
    for (int channels : {1, 3}) {
      try {
        spec_.in_channels = channels;
        auto out = run(torch::zeros({1, 1, mels, frames}));
        out_ = int(out.size(1));
        return;
      } catch (const std::exception& e) {
        if (first_error.empty()) first_error = e.what();
      }
    }
    throw Error(ExitCode::bad_model, "TorchScript backbone accepts neither a 1- nor a 3-channel " +
                                         std::to_string(mels) + "x" + std::to_string(frames) +
                                         " input: " + first_error.substr(0, 300));
  }
  torch::Tensor forward(torch::Tensor x) override {
    torch::NoGradGuard no_grad;
    return run(x);
  }
  int out_channels() const override { return out_; }
  const BackboneSpec& spec() const override { return spec_; }
  const torch::jit::Module& module() const { return module_; }

 private:
  torch::Tensor run(const torch::Tensor& x) {
    auto out = module_.forward({to_channels(x, spec_.in_channels).contiguous()});
    torch::Tensor t;
    if (out.isTensor()) t = out.toTensor();
    else if (out.isTuple()) t = out.toTuple()->elements().at(0).toTensor();
    else throw Error(ExitCode::bad_model, "TorchScript backbone returned neither a tensor nor a tuple");
    if (t.dim() != 2 && t.dim() != 4)
      throw Error(ExitCode::bad_model, "TorchScript backbone must return [N, C] or [N, C, H, W], got " +
                                           std::to_string(t.dim()) + " dimensions");
    return t;
  }
  torch::jit::Module module_;
  BackboneSpec spec_;
  int out_ = 0;
};

// Keras initialises every convolution kernel with glorot_uniform and biases with zeros; torch's default
// (kaiming_uniform with a = sqrt(5)) gives much smaller weights, with which a 16-layer VGG19 without
// BatchNorm does not start learning at all. The Keras architectures get Keras' initialisation.
std::shared_ptr<BackboneImpl> keras_initialised(std::shared_ptr<BackboneImpl> b) {
  torch::NoGradGuard no_grad;
  for (auto& m : b->modules(false))
    if (auto* c = dynamic_cast<nn::Conv2dImpl*>(m.get())) {
      nn::init::xavier_uniform_(c->weight);
      if (c->bias.defined()) nn::init::zeros_(c->bias);
    }
  return b;
}

}  // namespace

std::shared_ptr<BackboneImpl> make_backbone(const BackboneSpec& spec) {
  if (spec.in_channels < 1 || spec.in_channels > 4)
    throw Error(ExitCode::usage, "backbone input channels must be 1..4");
  if (spec.name == "compact") return std::make_shared<CompactBackbone>(spec);
  if (spec.name == "conv4") return std::make_shared<Conv4Backbone>(spec);
  if (spec.name == "vgg19") return keras_initialised(std::make_shared<Vgg19Backbone>(spec));
  if (spec.name == "resnet50v2") return keras_initialised(std::make_shared<ResNet50V2Backbone>(spec));
  if (spec.name == "xception") return keras_initialised(std::make_shared<XceptionBackbone>(spec));
  throw Error(ExitCode::usage, "unknown backbone '" + spec.name + "' (choose compact, conv4, resnet50v2, vgg19 or xception)");
}

std::shared_ptr<BackboneImpl> make_torchscript_backbone(torch::jit::Module module, int probe_mels, int probe_frames) {
  return std::make_shared<TorchScriptBackbone>(std::move(module), probe_mels, probe_frames);
}

const torch::jit::Module* torchscript_module(const BackboneImpl& backbone) {
  auto* ts = dynamic_cast<const TorchScriptBackbone*>(&backbone);
  return ts ? &ts->module() : nullptr;
}

namespace {
bool is_bn_statistic(const std::string& name) {
  auto ends = [&](std::string_view s) { return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
  return ends("running_mean") || ends("running_var");
}
}  // namespace

int64_t keras_parameter_count(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.named_parameters()) n += p.value().numel();
  for (const auto& b : module.named_buffers())
    if (is_bn_statistic(b.key())) n += b.value().numel();
  return n;
}

int64_t trainable_parameter_count(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters())
    if (p.requires_grad()) n += p.numel();
  return n;
}

}  // namespace soundalike::model

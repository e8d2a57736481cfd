// Structure of each backbone: output shapes and parameter counts against Keras' published figures.
#include <gtest/gtest.h>

#include "common/Error.h"
#include "model/Backbone.h"
#include "model/Network.h"

namespace soundalike::model {
namespace {

int64_t keras_count(const std::string& name, int channels) {
  auto b = make_backbone({name, channels, 0});
  return keras_parameter_count(*b);
}

// Keras' counts for the 3-channel models without top (keras.applications, include_top=False).
TEST(Backbone, KerasParameterCountsThreeChannels) {
  EXPECT_EQ(keras_count("resnet50v2", 3), 23564800);
  EXPECT_EQ(keras_count("vgg19", 3), 20024384);
  EXPECT_EQ(keras_count("xception", 3), 20861480);
}

// The 1-channel versions differ only in the first convolution's input channels (documented in docs/model.md).
TEST(Backbone, ParameterCountsOneChannel) {
  EXPECT_EQ(keras_count("resnet50v2", 1), 23564800 - 2 * 7 * 7 * 64);
  EXPECT_EQ(keras_count("vgg19", 1), 20024384 - 2 * 3 * 3 * 64);
  EXPECT_EQ(keras_count("xception", 1), 20861480 - 2 * 3 * 3 * 32);
}

TEST(Backbone, CompactIsWellUnderAMillionParameters) {
  auto b = make_backbone({"compact", 1, 0});
  Network net(b, 256, 10);
  const int64_t n = keras_parameter_count(*net);
  EXPECT_LT(n, 1000000);
  EXPECT_GT(n, 10000);
}

// The contrastive recipe's network (docs/model-card.md): four double-conv blocks of 16/32/64/128
// channels, about 0.29 M parameters; mean+max pooling makes its embedding 256 wide.
TEST(Backbone, Conv4HasTheRecipesShape) {
  torch::NoGradGuard no_grad;
  auto b = make_backbone({"conv4", 1, 0});
  b->eval();
  EXPECT_EQ(b->out_channels(), 128);
  const int64_t params = keras_parameter_count(*b);
  EXPECT_GT(params, 280000);
  EXPECT_LT(params, 300000);
  auto y = b->forward(torch::randn({2, 1, 96, 128}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 128, 6, 8}));
  Network net(b, HeadSpec{256, 0, "mean_max", true});
  net->eval();
  auto x = torch::randn({3, 1, 96, 128});
  auto out = net->forward(x);
  ASSERT_EQ(out.embedding.sizes(), (std::vector<int64_t>{3, 256}));
  EXPECT_FALSE(out.logits.defined());
  auto map = b->forward(x);
  EXPECT_TRUE(out.embedding.slice(1, 0, 128).allclose(map.mean({2, 3})));
  EXPECT_TRUE(out.embedding.slice(1, 128, 256).allclose(map.amax({2, 3})));
}

struct ShapeCase {
  std::string name;
  int size;          // square test input (tiny, to stay fast)
  int channels;      // backbone output channels
  int reduction;     // total spatial reduction
};

TEST(Backbone, OutputShapes) {
  torch::NoGradGuard no_grad;
  for (const ShapeCase& c : {ShapeCase{"compact", 128, 128, 16}, ShapeCase{"vgg19", 64, 512, 32},
                             ShapeCase{"resnet50v2", 64, 2048, 32}, ShapeCase{"xception", 96, 2048, 32}}) {
    SCOPED_TRACE(c.name);
    auto b = make_backbone({c.name, 1, 0});
    b->eval();
    auto y = b->forward(torch::randn({2, 1, c.size, c.size}));
    ASSERT_EQ(y.dim(), 4);
    EXPECT_EQ(y.size(0), 2);
    EXPECT_EQ(y.size(1), c.channels);
    EXPECT_EQ(b->out_channels(), c.channels);
    EXPECT_EQ(y.size(2), (c.size + c.reduction - 1) / c.reduction);
    Network net(b, 256, 7);
    net->eval();
    auto out = net->forward(torch::randn({3, 1, c.size, c.size}));
    EXPECT_EQ(out.embedding.sizes(), (std::vector<int64_t>{3, 256}));
    EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{3, 7}));
    EXPECT_GE(out.embedding.min().item<float>(), 0.0f);  // ReLU
  }
}

TEST(Backbone, SpectrogramShapedInputs) {
  // Not square: 128 mel bands x 64 frames, and a 1-channel input fed to a 3-channel network.
  torch::NoGradGuard no_grad;
  auto b = make_backbone({"compact", 3, 0});
  b->eval();
  auto y = b->forward(torch::randn({1, 1, 128, 64}));
  EXPECT_EQ(y.size(2), 8);
  EXPECT_EQ(y.size(3), 4);
}

TEST(Backbone, UnknownNameIsAUsageError) {
  try {
    make_backbone({"alexnet", 1, 0});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

}  // namespace
}  // namespace soundalike::model

// Training: learning happens on generated labeled audio, frozen backbones stay frozen, the TorchScript
// path works, and the CLI commands run end to end.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/Error.h"
#include "model/Embedder.h"
#include "model/GeneratedAudio.h"
#include "model/Network.h"
#include "model/Trainer.h"
#include "support/TestSupport.h"

namespace soundalike::model {
namespace {

// 4 labels x 12 clips of 4 s, computed once for the whole file (spectrograms are the slow part).
class Training : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    test::write_generated_corpus(dir_->path() / "data", 4, 12, 4.0);
    SpectrogramJob job;
    job.config.n_mels = 64;
    job.progress = false;
    job.cache_dir = dir_->path() / "cache";
    data_ = new PreparedData(prepare_data(load_dataset(dir_->path() / "data"), job, 0.25, 0.1, 3));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete dir_;
  }
  static TrainOptions small_options() {
    TrainOptions o;
    o.backbone = {"compact", 1, 8};
    o.embedding_size = 32;
    o.window_frames = 64;
    o.eval_windows = 4;
    o.epochs = 6;
    o.batch_size = 16;
    o.windows_per_clip = 4;
    o.threads = 2;
    o.progress = false;
    o.augment = AugmentOptions::parse("noise,shift,brightness,specaugment");
    return o;
  }
  static test::TempDir* dir_;
  static PreparedData* data_;
};
test::TempDir* Training::dir_ = nullptr;
PreparedData* Training::data_ = nullptr;

TEST_F(Training, LossFallsAndAccuracyIsFarAboveChance) {
  auto o = small_options();
  o.augment = AugmentOptions::parse("all");
  o.epochs = 8;
  o.windows_per_clip = 8;
  const auto r = train_model(*data_, o, dir_->path() / "small.model");
  ASSERT_GE(r.history.size(), 2u);
  // Mixup keeps the training loss high (targets are mixed), so learning shows against chance instead.
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);
  ASSERT_TRUE(r.test);
  EXPECT_LT(r.test->loss, 0.6 * std::log(4.0));
  EXPECT_EQ(r.test->clips, int(data_->split.test.size()));
  EXPECT_GE(r.test->accuracy, 0.75);  // chance is 0.25
  EXPECT_GE(r.test->p_at_10_capped, 0.5);
  Embedder e(dir_->path() / "small.model");
  EXPECT_EQ(e.labels(), test::kGeneratedLabels);
  EXPECT_EQ(e.metadata().training.at("test").at("accuracy").get<double>(), r.test->accuracy);
  // The model classifies a fresh clip of each label.
  int right = 0;
  for (int l = 0; l < 4; ++l) right += e.classify(test::generated_clip(l, 4.0, 22050, 999 + uint64_t(l)), 1)[0].label == test::kGeneratedLabels[size_t(l)];
  EXPECT_GE(right, 3);
}

TEST_F(Training, SeededRunsAreReproducible) {
  auto o = small_options();
  o.epochs = 1;
  const auto a = train_model(*data_, o, dir_->path() / "a.model");
  const auto b = train_model(*data_, o, dir_->path() / "b.model");
  EXPECT_EQ(a.history[0].train_loss, b.history[0].train_loss);
  EXPECT_EQ(Embedder(dir_->path() / "a.model").extract(test::generated_clip(0, 3, 22050, 5)),
            Embedder(dir_->path() / "b.model").extract(test::generated_clip(0, 3, 22050, 5)));
}

std::map<std::string, torch::Tensor> snapshot(torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> s;
  for (auto& p : m.named_parameters()) s[p.key()] = p.value().detach().clone();
  for (auto& b : m.named_buffers()) s[b.key()] = b.value().detach().clone();
  return s;
}

TEST_F(Training, FrozenBackboneIsBitIdenticalWhileTheHeadChanges) {
  auto o = small_options();
  o.epochs = 1;
  train_model(*data_, o, dir_->path() / "base.model");
  LoadedModel base = load_model(dir_->path() / "base.model");

  o.backbone_weights = dir_->path() / "base.model";
  o.freeze_backbone = true;
  o.seed = 17;
  const auto r = train_model(*data_, o, dir_->path() / "frozen.model");
  EXPECT_LT(r.trainable_parameters, r.parameters);
  LoadedModel tuned = load_model(dir_->path() / "frozen.model");

  const auto before = snapshot(base.network->backbone()), after = snapshot(tuned.network->backbone());
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [name, t] : before) EXPECT_TRUE(torch::equal(t, after.at(name))) << name;
  EXPECT_FALSE(torch::equal(base.network->embedding_layer()->weight, tuned.network->embedding_layer()->weight));
  EXPECT_FALSE(torch::equal(base.network->classifier()->weight, tuned.network->classifier()->weight));
  // Another seed, another training split, other band statistics: the frozen backbone keeps its own.
  EXPECT_EQ(tuned.metadata.normalization.mean, base.metadata.normalization.mean);

  PreparedData other = *data_;
  other.config.hop_length = 256;  // spectrograms the backbone never saw
  try {
    train_model(other, o, dir_->path() / "mismatch.model");
    FAIL() << "trained on mismatched spectrogram settings";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

TEST_F(Training, FreezeWithoutWeightsIsAUsageError) {
  auto o = small_options();
  o.freeze_backbone = true;
  try {
    train_model(*data_, o, dir_->path() / "x.model");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

TEST_F(Training, TorchScriptBackboneIsFedThreeChannelsAndStaysFrozen) {
  // A tiny 3-channel "ImageNet-style" module, built and scripted here rather than in Python.
  torch::jit::Module m("TinyBackbone");
  torch::manual_seed(1);
  m.register_parameter("w1", torch::randn({8, 3, 3, 3}) * 0.3, false);
  m.register_parameter("w2", torch::randn({16, 8, 3, 3}) * 0.2, false);
  m.define(R"JIT(
def forward(self, x):
    assert x.size(1) == 3
    y = torch.relu(torch.conv2d(x, self.w1, None, [2, 2]))
    return torch.relu(torch.conv2d(y, self.w2, None, [2, 2]))
)JIT");
  m.save((dir_->path() / "tiny.pt").string());
  const auto w1 = m.attr("w1").toTensor().clone();

  auto o = small_options();
  o.epochs = 3;
  o.backbone_weights = dir_->path() / "tiny.pt";
  o.freeze_backbone = true;
  const auto r = train_model(*data_, o, dir_->path() / "ts.model");
  ASSERT_TRUE(r.test);
  EXPECT_EQ(r.backbone, "torchscript");
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);

  Embedder e(dir_->path() / "ts.model");  // the module travels inside the model file
  EXPECT_EQ(e.metadata().backbone.name, "torchscript");
  EXPECT_EQ(e.metadata().backbone.in_channels, 3);
  const auto emb = e.extract(test::generated_clip(2, 3.0, 22050, 4));
  EXPECT_EQ(emb.size(), 32u);
  LoadedModel lm = load_model(dir_->path() / "ts.model");
  const auto* loaded = torchscript_module(lm.network->backbone());
  ASSERT_NE(loaded, nullptr);
  EXPECT_TRUE(torch::equal(loaded->attr("w1").toTensor(), w1));
}

TEST_F(Training, CliTrainEvaluateEmbedClassify) {
  const auto data = dir_->path() / "data";
  const auto model = dir_->path() / "cli.model";
  const std::string common = " --cache " + test::quote((dir_->path() / "cache").string()) +
                             " --n-mels 64 --window 64 --eval-windows 4 --epochs 3 --threads 2 --seed 2";
  auto r = test::run_cli("train " + test::quote(data.string()) + " --out " + test::quote(model.string()) + common + " --json -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"accuracy", "precision", "recall", "f1", "loss", "p_at_10", "p_at_10_capped", "confusion"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_TRUE(std::filesystem::exists(dir_->path() / "cli.curves.png"));
  EXPECT_TRUE(std::filesystem::exists(dir_->path() / "cli.confusion.png"));

  r = test::run_cli("evaluate --model " + test::quote(model.string()) + " " + test::quote(data.string()) + " --json --threads 2 --no-cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ev = nlohmann::json::parse(r.out);
  EXPECT_EQ(ev["clips"], 48);
  EXPECT_GT(ev["accuracy"].get<double>(), 0.5);

  const auto clip = data / "tones" / "tones.00000.wav";
  r = test::run_cli("embed --model " + test::quote(model.string()) + " " + test::quote(clip.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\t'), 256);  // default embedding size
  EXPECT_EQ(r.out.rfind(clip.string() + "\t", 0), 0u);

  r = test::run_cli("embed --model " + test::quote(model.string()) + " --format json " + test::quote(clip.string()) + " " +
                    test::quote((dir_->path() / "missing.wav").string()));
  EXPECT_EQ(r.exit_code, int(ExitCode::partial));
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["embedding"].size(), 256u);
  EXPECT_NE(r.err.find("missing.wav"), std::string::npos);

  r = test::run_cli("classify --model " + test::quote(model.string()) + " " + test::quote(clip.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), ','), 2);  // top-3

  // Without --model the shipped default model (models/default.model, 960 numbers a song) stands in.
  r = test::run_cli("embed " + test::quote(clip.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\t'), 960);

  r = test::run_cli("compare " + test::quote(data.string()) + " --backbones compact --json -q --out-dir " +
                    test::quote((dir_->path() / "compare").string()) + common);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto table = nlohmann::json::parse(r.out);
  ASSERT_EQ(table["rows"].size(), 1u);
  for (const char* k : {"backbone", "loss", "accuracy", "precision", "recall", "f1", "p_at_10", "p_at_10_capped", "parameters",
                        "train_seconds"})
    EXPECT_TRUE(table["rows"][0].contains(k)) << k;

  std::ofstream(dir_->path() / "junk.model") << "junk";
  r = test::run_cli("classify --model " + test::quote((dir_->path() / "junk.model").string()) + " " + test::quote(clip.string()));
  EXPECT_EQ(r.exit_code, int(ExitCode::bad_model));
}

TEST_F(Training, CtrlCKeepsTheBestCheckpoint) {
  const auto model = dir_->path() / "interrupted.model";
  // Long enough that it is still training when the first checkpoint appears; then SIGINT.
  const std::string train = test::quote(SOUNDALIKE_CLI) + " train " + test::quote((dir_->path() / "data").string()) +
                            " --out " + test::quote(model.string()) + " --cache " +
                            test::quote((dir_->path() / "cache").string()) +
                            " --n-mels 64 --window 64 --eval-windows 4 --epochs 1000 --patience 1000 --threads 2 -q";
  const std::string script = train + " & pid=$!; for i in $(seq 600); do [ -f " + test::quote(model.string()) +
                             " ] && break; sleep 0.1; done; sleep 0.3; kill -INT $pid; wait $pid; echo rc=$?";
  const auto r = test::run_command("bash -c " + test::quote(script));
  EXPECT_NE(r.out.find("rc=130"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("best checkpoint"), std::string::npos) << r.err;
  Embedder e(model);  // a complete, loadable model
  EXPECT_EQ(e.labels().size(), 4u);
  EXPECT_GE(e.metadata().training.at("best_epoch").get<int>(), 1);
}

}  // namespace
}  // namespace soundalike::model

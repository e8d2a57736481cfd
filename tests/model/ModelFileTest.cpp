// The model file: save -> load gives identical embeddings; damaged or foreign files give bad_model.
#include <gtest/gtest.h>

#include <fstream>

#include "common/Error.h"
#include "model/Embedder.h"
#include "model/GeneratedAudio.h"
#include "model/Network.h"
#include "support/TestSupport.h"

namespace soundalike::model {
namespace {

ModelMetadata small_metadata() {
  ModelMetadata m;
  m.spectrogram.n_mels = 64;
  m.window_frames = 64;
  m.eval_windows = 4;
  m.embedding_size = 32;
  m.labels = {"a", "b", "c"};
  m.normalization.mean.assign(64, -40.0f);
  m.normalization.std.assign(64, 20.0f);
  m.backbone = {"compact", 1, 8};
  return m;
}

std::filesystem::path write_small_model(const test::TempDir& dir) {
  torch::manual_seed(5);
  const ModelMetadata m = small_metadata();
  Network net = build_network(m);
  // Non-default BatchNorm statistics, so that buffers must round-trip too.
  net->train();
  net->forward(torch::randn({4, 1, 64, 64}) * 3 + 1);
  net->eval();
  save_model(dir / "m.model", m, *net);
  return dir / "m.model";
}

void expect_bad_model(const std::filesystem::path& p, const std::string& needle) {
  try {
    Embedder e(p);
    FAIL() << "loaded a bad model";
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), ExitCode::bad_model);
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ModelFile, SaveLoadGivesIdenticalEmbeddings) {
  test::TempDir dir;
  torch::manual_seed(5);
  const ModelMetadata m = small_metadata();
  Network net = build_network(m);
  net->train();
  net->forward(torch::randn({4, 1, 64, 64}) * 3 + 1);
  net->eval();
  save_model(dir / "m.model", m, *net);

  const auto audio = test::generated_clip(3, 4.0, 22050, 11);
  Embedder e(dir / "m.model");
  const Spectrogram s = e.spectrogram(audio);
  std::vector<const Spectrogram*> one = {&s};
  auto direct = run_clips(*net, one, m).embeddings;
  auto loaded = e.analyze(s);
  ASSERT_EQ(loaded.embedding.size(), 32u);
  for (size_t i = 0; i < 32; ++i) EXPECT_EQ(loaded.embedding[i], direct[0][int64_t(i)].item<float>());
  EXPECT_EQ(e.extract(audio), loaded.embedding);
  EXPECT_EQ(e.dimension(), 32);
  EXPECT_EQ(e.labels(), m.labels);
  EXPECT_EQ(e.kind().rfind("model:", 0), 0u);
  EXPECT_EQ(e.metadata().spectrogram, m.spectrogram);
  auto top = e.classify(audio, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_GE(top[0].probability, top[1].probability);
  // A second save of the loaded model is the same file.
  auto again = load_model(dir / "m.model");
  save_model(dir / "m2.model", again.metadata, *again.network);
  EXPECT_EQ(test::read_file(dir / "m.model"), test::read_file(dir / "m2.model"));
}

TEST(ModelFile, BatchAndThreadsGiveTheSameEmbeddings) {
  test::TempDir dir;
  Embedder e(write_small_model(dir));
  const auto a = test::generated_clip(0, 3.0, 22050, 1), b = test::generated_clip(1, 5.0, 22050, 2);
  std::vector<std::span<const float>> both = {a, b};
  auto batch = e.extract_batch(both);
  auto ea = e.extract(a), eb = e.extract(b);
  for (size_t i = 0; i < ea.size(); ++i) {
    EXPECT_NEAR(batch[0][i], ea[i], 1e-5);
    EXPECT_NEAR(batch[1][i], eb[i], 1e-5);
  }
  std::vector<std::vector<float>> from_threads(4);
  {
    std::vector<std::jthread> ts;
    for (size_t t = 0; t < 4; ++t) ts.emplace_back([&, t] { from_threads[t] = e.extract(a); });
  }
  for (const auto& v : from_threads) EXPECT_EQ(v, ea);
}

TEST(ModelFile, CorruptTruncatedForeignAndMissingFilesAreBadModel) {
  test::TempDir dir;
  const auto good = write_small_model(dir);
  const std::string bytes = test::read_file(good);
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
    return dir / name;
  };
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x5a;
  expect_bad_model(write("flipped.model", flipped), "corrupt");
  expect_bad_model(write("truncated.model", bytes.substr(0, bytes.size() - 100)), "model file");
  expect_bad_model(write("short.model", bytes.substr(0, 12)), "truncated");
  expect_bad_model(write("foreign.model", "PK\x03\x04 this is a zip, not a model"), "not a soundalike model");
  expect_bad_model(write("empty.model", ""), "not a soundalike model");
  expect_bad_model(dir / "missing.model", "cannot open");
  std::string newer = bytes;
  newer[8] = 99;
  expect_bad_model(write("newer.model", newer), "version");
}

}  // namespace
}  // namespace soundalike::model

// Model throughput on the machine's cores (pass --threads=N first to choose; default 2):
//   training samples/s and inference windows/s per backbone on 128x128 windows, and the time to embed an
//   already-decoded 30 s clip with compact (log-mel + windows + network).
//   build/bench/bench_model --threads=2 --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <numbers>
#include <random>
#include <string>

#include "app/Environment.h"
#include "audio/AudioDecoder.h"
#include "common/HeapPolicy.h"
#include "library/TrackAnalyzer.h"
#include "model/Embedder.h"
#include "model/Network.h"

namespace {

using namespace soundalike;
using namespace soundalike::model;

int g_threads = 2;

// A plain 4-block 32-64-128-256 CNN (3x3 conv, BN, ReLU, 2x2 pool): the reference the issue quotes.
class PlainCnn : public BackboneImpl {
 public:
  PlainCnn() {
    int in = 1;
    for (int c : {32, 64, 128, 256}) {
      convs_.push_back(register_module("conv" + std::to_string(c), torch::nn::Conv2d(torch::nn::Conv2dOptions(in, c, 3).padding(1))));
      bns_.push_back(register_module("bn" + std::to_string(c), torch::nn::BatchNorm2d(c)));
      in = c;
    }
    spec_.name = "plain4";
  }
  torch::Tensor forward(torch::Tensor x) override {
    for (size_t i = 0; i < convs_.size(); ++i) x = torch::max_pool2d(torch::relu(bns_[i](convs_[i](x))), 2);
    return x;
  }
  int out_channels() const override { return 256; }
  const BackboneSpec& spec() const override { return spec_; }

 private:
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<torch::nn::BatchNorm2d> bns_;
  BackboneSpec spec_;
};

std::shared_ptr<BackboneImpl> backbone(const std::string& name) {
  if (name == "plain4") return std::make_shared<PlainCnn>();
  return make_backbone({name, 1, 0});
}

const char* kNames[] = {"compact", "plain4", "resnet50v2", "vgg19", "xception"};

void BM_Inference(benchmark::State& state) {
  at::set_num_threads(g_threads);
  at::globalContext().setFlushDenormal(true);
  const std::string name = kNames[state.range(0)];
  const int batch = int(state.range(1));
  Network net(backbone(name), 256, 10);
  net->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({batch, 1, 128, 128});
  net->forward(x);
  for (auto _ : state) benchmark::DoNotOptimize(net->forward(x).embedding);
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetLabel(name + " windows/s, batch " + std::to_string(batch));
}

void BM_Training(benchmark::State& state) {
  at::set_num_threads(g_threads);
  at::globalContext().setFlushDenormal(true);
  const std::string name = kNames[state.range(0)];
  const int batch = 32;
  Network net(backbone(name), 256, 10);
  net->train();
  torch::optim::AdamW opt(net->parameters(), torch::optim::AdamWOptions(1e-3));
  auto x = torch::randn({batch, 1, 128, 128});
  auto y = torch::randint(0, 10, {batch}, torch::kLong);
  for (auto _ : state) {
    auto loss = torch::nn::functional::cross_entropy(net->forward(x).logits, y);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetLabel(name + " training samples/s, batch 32");
}

// An already-decoded 30 s clip -> embedding, with a compact model saved and loaded like a user's.
void BM_EmbedClip30s(benchmark::State& state) {
  at::set_num_threads(g_threads);
  at::globalContext().setFlushDenormal(true);
  const auto path = std::filesystem::temp_directory_path() / "bench_model_compact.model";
  {
    ModelMetadata m;
    m.labels = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
    m.normalization.mean.assign(128, -40.0f);
    m.normalization.std.assign(128, 15.0f);
    m.eval_windows = int(state.range(0));
    Network net = build_network(m);
    net->eval();
    save_model(path, m, *net);
  }
  const Embedder e(path);
  std::vector<float> audio(size_t(30 * 22050));
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0, 0.05f);
  for (size_t i = 0; i < audio.size(); ++i)
    audio[i] = 0.3f * std::sin(2 * std::numbers::pi_v<float> * 440.0f * float(i) / 22050.0f) + g(rng);
  for (auto _ : state) benchmark::DoNotOptimize(e.extract(audio));
  state.SetLabel("compact, " + std::to_string(state.range(0)) + " windows, log-mel included");
  std::filesystem::remove(path);
}

// Many already-decoded 30 s clips through Embedder::extract_batch (shared forward passes): clips/s.
void BM_EmbedBatch30s(benchmark::State& state) {
  at::set_num_threads(g_threads);
  at::globalContext().setFlushDenormal(true);
  const auto path = std::filesystem::temp_directory_path() / "bench_model_batch.model";
  {
    ModelMetadata m;
    m.labels = {"a", "b"};
    m.normalization.mean.assign(128, -40.0f);
    m.normalization.std.assign(128, 15.0f);
    Network net = build_network(m);
    net->eval();
    save_model(path, m, *net);
  }
  const Embedder e(path, {g_threads, 64});
  const int clips = int(state.range(0));
  std::vector<std::vector<float>> audio(size_t(clips), std::vector<float>(size_t(30 * 22050)));
  std::mt19937 rng(2);
  std::normal_distribution<float> g(0, 0.1f);
  for (auto& a : audio)
    for (auto& v : a) v = g(rng);
  std::vector<std::span<const float>> spans(audio.begin(), audio.end());
  for (auto _ : state) benchmark::DoNotOptimize(e.extract_batch(spans));
  state.SetItemsProcessed(state.iterations() * clips);
  state.SetLabel("compact, 30 s clips/s, log-mel included");
  std::filesystem::remove(path);
}

// The shipped default model on a real file, decode included (issue 7: a 3-minute MP3 in <= 150 ms on
// 2 cores). SOUNDALIKE_BENCH_AUDIO names the file; the model is $SOUNDALIKE_MODEL, else
// models/default.model under the current folder.
void BM_EmbedFileDefaultModel(benchmark::State& state) {
  const char* audio_env = std::getenv("SOUNDALIKE_BENCH_AUDIO");
  const char* model_env = std::getenv("SOUNDALIKE_MODEL");
  const std::filesystem::path model = model_env && *model_env ? model_env : "models/default.model";
  if (!audio_env || !std::filesystem::exists(model)) {
    state.SkipWithError("set SOUNDALIKE_BENCH_AUDIO (and run from the source tree or set SOUNDALIKE_MODEL)");
    return;
  }
  at::set_num_threads(g_threads);
  const Embedder e(model, {g_threads, 64});
  // What `embed`, `index` and `similar FILE` do: the library's excerpts of the song (three 10 s windows
  // decoded by seeking for a long song), log-mel, network, average.
  const TrackAnalyzer analyzer(e);
  for (auto _ : state) benchmark::DoNotOptimize(analyzer.embed(audio_env));
  state.SetLabel(std::filesystem::path(audio_env).filename().string() + ", excerpts decoded + log-mel + compact");
}

BENCHMARK(BM_Inference)->ArgsProduct({{0, 1, 2, 3, 4}, {16}})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Inference)->Args({0, 1})->Args({0, 64})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Training)->DenseRange(0, 4)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EmbedClip30s)->Arg(10)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EmbedFileDefaultModel)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EmbedBatch30s)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  soundalike::app::prefer_passive_openmp(argv);  // OMP_WAIT_POLICY=ACTIVE in the environment measures the default
  soundalike::keep_large_blocks_for_reuse();     // as the CLI does
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      g_threads = std::max(1, std::atoi(argv[i] + 10));
      for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      break;
    }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

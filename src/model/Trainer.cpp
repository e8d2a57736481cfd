#include "model/Trainer.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

#include "common/Error.h"
#include "model/EpochLoop.h"
#include "model/Network.h"
#include "model/TrainingSupport.h"
#include "model/Windows.h"
#include "retrieval/PrecisionAtK.h"

namespace soundalike::model {

PreparedData prepare_data(Dataset dataset, const SpectrogramJob& job, double test_fraction, double validation_fraction,
                          uint64_t seed) {
  std::vector<std::filesystem::path> paths;
  for (const auto& c : dataset.clips) paths.push_back(c.path);
  SpectrogramResult r = compute_spectrograms(paths, job);
  PreparedData d;
  d.config = job.config;
  d.failures = std::move(r.failures);
  d.from_cache = r.from_cache;
  for (size_t i = 0; i < dataset.clips.size(); ++i) {
    if (!r.spectrograms[i]) continue;
    d.dataset.clips.push_back(dataset.clips[i]);
    d.spectrograms.push_back(std::move(*r.spectrograms[i]));
  }
  d.dataset.labels = dataset.labels;  // keep every label of the data set, even one whose files all failed
  if (d.dataset.clips.empty()) throw Error(ExitCode::bad_data, "no clip of the data set could be read");
  if (d.dataset.labels.size() < 2) throw Error(ExitCode::bad_data, "a classifier needs at least two labels");
  d.split = split_dataset(d.dataset, test_fraction, validation_fraction, seed);
  if (d.split.train.empty()) throw Error(ExitCode::bad_data, "the split left no training clips");
  return d;
}

namespace {

// Precise BN (TrainingSupport.h) over windows of the training clips, in a seeded shuffled order. A
// frozen backbone is left alone: it must stay bit-identical.
void recalibrate_batchnorm(NetworkImpl& net, const PreparedData& d, const ModelMetadata& m, int batch, uint64_t seed) {
  if (net.backbone_frozen()) return;
  std::mt19937_64 rng(seed);
  std::vector<size_t> clips(d.split.train);
  std::shuffle(clips.begin(), clips.end(), rng);
  const size_t windows = std::min<size_t>(512, std::max<size_t>(clips.size() * 2, size_t(batch)));
  model::recalibrate_batchnorm(net, m, batch, windows, rng,
                               [&](size_t i) -> const Spectrogram& { return d.spectrograms[clips[i % clips.size()]]; });
}

struct ClipSetResult {
  double loss = 0, accuracy = 0;
  torch::Tensor logits, embeddings;
  std::vector<int> truth;
};

ClipSetResult evaluate_clips(NetworkImpl& net, const PreparedData& d, const std::vector<size_t>& idx, const ModelMetadata& m) {
  ClipSetResult r;
  if (idx.empty()) return r;
  std::vector<const Spectrogram*> clips;
  for (size_t i : idx) {
    clips.push_back(&d.spectrograms[i]);
    r.truth.push_back(d.dataset.label_index(d.dataset.clips[i].label));
  }
  net.eval();
  auto out = run_clips(net, clips, m);
  auto y = torch::tensor(std::vector<int64_t>(r.truth.begin(), r.truth.end()), torch::kLong);
  r.loss = torch::nn::functional::cross_entropy(out.logits, y).item<double>();
  r.accuracy = out.logits.argmax(1).eq(y).to(torch::kDouble).mean().item<double>();
  r.logits = out.logits;
  r.embeddings = out.embeddings;
  return r;
}

}  // namespace

TrainResult train_model(const PreparedData& d, const TrainOptions& o, const std::filesystem::path& out) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  start_torch(o.threads, o.seed);
  std::mt19937_64 rng(o.seed);

  ModelMetadata meta;
  meta.spectrogram = d.config;
  meta.window_frames = o.window_frames;
  meta.eval_windows = o.eval_windows;
  meta.embedding_size = o.embedding_size;
  meta.labels = d.dataset.labels;
  {
    std::vector<const Spectrogram*> train;
    for (size_t i : d.split.train) train.push_back(&d.spectrograms[i]);
    meta.normalization = compute_normalization(train, d.config.n_mels);
  }

  std::shared_ptr<BackboneImpl> backbone;
  if (!o.backbone_weights.empty()) {
    PretrainedBackbone pre = load_backbone_weights(o.backbone_weights, d.config.n_mels, o.window_frames);
    backbone = pre.backbone;
    meta.backbone = backbone->spec();
    if (pre.source) {
      if (!(pre.source->spectrogram == d.config))
        throw Error(ExitCode::usage, o.backbone_weights.string() +
                                         ": the backbone was trained on other spectrogram settings; train with the same "
                                         "--sample-rate, --hop and --n-mels");
      // The pretrained backbone learnt on inputs normalised with its own statistics; feeding it
      // differently scaled bands would shift every feature it computes.
      meta.normalization = pre.source->normalization;
      // The head reads the backbone's features pooled the way it was pretrained to make them useful.
      meta.pooling = pre.source->pooling;
    }
  } else {
    if (o.freeze_backbone) throw Error(ExitCode::usage, "--freeze-backbone needs --backbone-weights FILE");
    meta.backbone = o.backbone;
    backbone = make_backbone(o.backbone);
    meta.backbone = backbone->spec();
  }
  Network net(backbone, HeadSpec::of(meta));
  if (o.freeze_backbone || meta.backbone.name == "torchscript") net->freeze_backbone();

  TrainResult result;
  result.backbone = meta.backbone.name;
  result.parameters = keras_parameter_count(*net);
  result.trainable_parameters = trainable_parameter_count(*net);

  std::vector<torch::Tensor> params;
  for (auto& p : net->parameters())
    if (p.requires_grad()) params.push_back(p);
  const bool small = meta.backbone.name == "compact" || net->backbone_frozen();
  const double base_lr = o.learning_rate > 0 ? o.learning_rate : (small ? 1e-3 : 3e-4);
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(base_lr).weight_decay(o.weight_decay));

  const Augmenter augmenter(o.augment);
  const int mels = d.config.n_mels, frames = o.window_frames;
  const size_t per = size_t(mels) * size_t(frames);
  const int batch = std::max(2, o.batch_size);
  const size_t samples_per_epoch = d.split.train.size() * size_t(std::max(1, o.windows_per_clip));
  const size_t batches_per_epoch = (samples_per_epoch + size_t(batch) - 1) / size_t(batch);

  auto save_checkpoint = [&](const nlohmann::json& extra) {
    meta.training = extra;
    save_model(out, meta, *net);
  };
  auto summary = [&] {
    return nlohmann::json{{"backbone_weights", o.backbone_weights.string()},
                          {"frozen_backbone", net->backbone_frozen()},
                          {"augment", o.augment.describe()},
                          {"seed", o.seed},
                          {"epochs_requested", o.epochs},
                          {"windows_per_clip", o.windows_per_clip},
                          {"batch_size", batch},
                          {"learning_rate", base_lr},
                          {"schedule", o.schedule},
                          {"clips", {{"train", d.split.train.size()}, {"validation", d.split.validation.size()},
                                     {"test", d.split.test.size()}}},
                          {"parameters", result.parameters},
                          {"best_epoch", result.best_epoch},
                          {"history", to_json(result.history)}};
  };

  EpochLoopOptions loop;
  loop.epochs = o.epochs;
  // Patience 0 and 1 both stopped at the first epoch without progress; 0 means "never" to the loop.
  loop.patience = std::max(1, o.patience);
  loop.time_limit_s = o.time_limit_s;
  loop.started = t0;
  loop.schedule = o.schedule == "cosine" ? Schedule::cosine : o.schedule == "plateau" ? Schedule::plateau : Schedule::constant;
  loop.learning_rate = base_lr;
  loop.total_steps = batches_per_epoch * size_t(std::max(1, o.epochs));
  loop.seed = o.seed;
  loop.progress = o.progress;
  loop.stop = o.stop;

  std::vector<std::pair<size_t, int>> samples;  // (clip, label) of this epoch, shuffled
  double loss_sum = 0, correct = 0, seen = 0;
  EpochTask task;
  task.network = net.get();
  task.begin_epoch = [&](int) {
    net->train();
    samples.clear();
    for (size_t i : d.split.train)
      for (int k = 0; k < std::max(1, o.windows_per_clip); ++k)
        samples.emplace_back(i, d.dataset.label_index(d.dataset.clips[i].label));
    std::shuffle(samples.begin(), samples.end(), rng);
    loss_sum = correct = seen = 0;
    size_t steps = (samples.size() + size_t(batch) - 1) / size_t(batch);
    if (steps > 1 && samples.size() % size_t(batch) == 1) --steps;  // BatchNorm cannot train on a single window
    return EpochPlan{steps, samples.size()};
  };
  task.set_learning_rate = [&](double lr) { set_learning_rate(opt, lr); };
  task.step = [&](size_t i) {
    const size_t at = i * size_t(batch);
    const size_t n = std::min(samples.size(), at + size_t(batch)) - at;
    auto x = torch::empty({int64_t(n), 1, mels, frames});
    std::vector<int64_t> y(n);
    float* xd = x.data_ptr<float>();
    for (size_t b = 0; b < n; ++b) {
      augmented_window(d.spectrograms[samples[at + b].first], meta, augmenter, rng, {xd + b * per, per});
      y[b] = samples[at + b].second;
    }
    auto target = torch::tensor(y, torch::kLong);
    const float lambda = augmenter.mixup_lambda(rng);
    torch::Tensor loss, logits;
    if (lambda < 1.0f) {
      std::vector<int64_t> perm(n);
      std::iota(perm.begin(), perm.end(), 0);
      std::shuffle(perm.begin(), perm.end(), rng);
      auto p = torch::tensor(perm, torch::kLong);
      x = lambda * x + (1.0f - lambda) * x.index_select(0, p);
      logits = net->forward(x).logits;
      loss = lambda * torch::nn::functional::cross_entropy(logits, target) +
             (1.0f - lambda) * torch::nn::functional::cross_entropy(logits, target.index_select(0, p));
    } else {
      logits = net->forward(x).logits;
      loss = torch::nn::functional::cross_entropy(logits, target);
    }
    opt.zero_grad();
    loss.backward();
    opt.step();
    loss_sum += loss.item<double>() * double(n);
    correct += logits.argmax(1).eq(target).sum().item<double>();
    seen += double(n);
    char note[96];
    std::snprintf(note, sizeof note, "loss %.3f acc %.3f", loss_sum / seen, correct / seen);
    return StepDone{n, note};
  };
  task.recalibrate = [&](uint64_t seed) { recalibrate_batchnorm(*net, d, meta, batch, seed); };
  task.evaluate = [&](const EpochInfo& info) {
    EpochStats es;
    es.epoch = info.epoch;
    es.train_loss = loss_sum / seen;
    es.train_accuracy = correct / seen;
    es.learning_rate = info.learning_rate;
    const auto val = evaluate_clips(*net, d, d.split.validation, meta);
    // Without a validation slice (tiny data sets) the training loss decides.
    es.val_loss = d.split.validation.empty() ? es.train_loss : val.loss;
    es.val_accuracy = d.split.validation.empty() ? es.train_accuracy : val.accuracy;
    es.seconds = info.seconds();
    result.history.push_back(es);
    if (o.on_epoch) o.on_epoch(es);
    return -es.val_loss;  // the loop keeps the highest score
  };
  task.save_best = [&](int epoch) {
    result.best_epoch = epoch;
    save_checkpoint(summary());
  };

  const EpochLoopResult ran = run_epochs(loop, task);
  result.interrupted = ran.interrupted;
  result.early_stopped = ran.early_stopped;
  result.train_seconds = ran.seconds;
  if (result.interrupted) return result;

  nlohmann::json s = summary();
  s["seconds"] = result.train_seconds;
  s["early_stopped"] = result.early_stopped;
  if (!d.split.test.empty()) {
    auto t = evaluate_clips(*net, d, d.split.test, meta);
    std::vector<std::vector<int>> confusion(meta.labels.size(), std::vector<int>(meta.labels.size(), 0));
    auto pred = t.logits.argmax(1);
    for (size_t i = 0; i < t.truth.size(); ++i) ++confusion[size_t(t.truth[i])][size_t(pred[int64_t(i)].item<int64_t>())];
    ClassificationReport rep = report_from_confusion(confusion, meta.labels);
    rep.loss = t.loss;
    std::vector<std::vector<float>> emb(t.truth.size());
    auto e = t.embeddings.contiguous();
    for (size_t i = 0; i < emb.size(); ++i) {
      const float* p = e[int64_t(i)].data_ptr<float>();
      emb[i].assign(p, p + e.size(1));
    }
    const PrecisionAtK p10 = precision_at_k(emb, t.truth, 10);
    rep.p_at_10 = p10.plain;
    rep.p_at_10_capped = p10.capped;
    s["test"] = to_json(rep);
    result.test = rep;
  }
  save_checkpoint(s);
  return result;
}

}  // namespace soundalike::model

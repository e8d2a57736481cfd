#include "model/Pretrainer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <random>

#include "common/Error.h"
#include "retrieval/RetrievalEvaluation.h"
#include "model/EpochLoop.h"
#include "model/Network.h"
#include "model/TrainingSupport.h"
#include "model/Windows.h"

namespace soundalike::model {

namespace {

namespace F = torch::nn::functional;

// Precise BN (TrainingSupport.h) over windows of random training tracks before every evaluation, so
// that the checkpoint chosen on validation is exactly the one that ships.
void recalibrate_batchnorm(NetworkImpl& net, const std::vector<Spectrogram>& tracks, const ModelMetadata& m, int batch,
                           uint64_t seed) {
  std::mt19937_64 rng(seed);
  const size_t windows = std::min<size_t>(512, std::max<size_t>(tracks.size() * 2, size_t(batch)));
  model::recalibrate_batchnorm(net, m, batch, windows, rng, [&](size_t) -> const Spectrogram& {
    return tracks[std::uniform_int_distribution<size_t>(0, tracks.size() - 1)(rng)];
  });
}

// NT-Xent over 2N views: row i's positive is its partner (i +- N), every other view a negative.
torch::Tensor nt_xent(const torch::Tensor& z, double temperature) {
  const int64_t two_n = z.size(0), n = two_n / 2;
  auto u = F::normalize(z, F::NormalizeFuncOptions().dim(1));
  auto sim = torch::matmul(u, u.t()) / temperature;
  sim = sim.masked_fill(torch::eye(two_n, torch::kBool), -1e9);
  auto idx = torch::arange(two_n, torch::kLong);
  auto target = torch::cat({idx.slice(0, n, two_n), idx.slice(0, 0, n)});
  return F::cross_entropy(sim, target);
}

// Supervised contrast (Khosla et al. 2020): row i's positives are every other row of its group; the
// loss is the mean negative log-likelihood of those positives against all other rows.
torch::Tensor sup_con(const torch::Tensor& z, const torch::Tensor& groups, double temperature) {
  const int64_t m = z.size(0);
  auto u = F::normalize(z, F::NormalizeFuncOptions().dim(1));
  auto self = torch::eye(m, torch::kBool);
  auto sim = (torch::matmul(u, u.t()) / temperature).masked_fill(self, -1e9);
  auto log_prob = sim - torch::logsumexp(sim, 1, true);
  auto positive = groups.unsqueeze(0).eq(groups.unsqueeze(1)).logical_and(self.logical_not()).to(torch::kFloat);
  auto per_row = (positive * log_prob).sum(1) / positive.sum(1).clamp_min(1);
  return -per_row.mean();
}

void score_validation(NetworkImpl& net, const PretrainData& d, const ModelMetadata& m, PretrainEpoch& e) {
  if (d.validation.size() < 2) return;
  std::vector<const Spectrogram*> clips;
  for (const auto& s : d.validation) clips.push_back(&s);
  net.eval();
  auto emb = run_clips(net, clips, m).embeddings.contiguous();
  const size_t n = clips.size();
  auto l2 = torch::cdist(emb, emb).contiguous();
  auto u = F::normalize(emb, F::NormalizeFuncOptions().dim(1));
  auto cos = (1 - torch::matmul(u, u.t())).contiguous();
  auto as_vector = [n](const torch::Tensor& t) {
    const float* p = t.data_ptr<float>();
    return std::vector<float>(p, p + n * n);
  };
  const RetrievalScores a = score_retrieval(d.validation_labels, as_vector(l2));
  const RetrievalScores b = score_retrieval(d.validation_labels, as_vector(cos));
  e.val_p_at_1_l2 = a.p_at_1;
  e.val_p_at_10_l2 = a.p_at_10;
  e.val_p_at_1_cosine = b.p_at_1;
  e.val_p_at_10_cosine = b.p_at_10;
}

nlohmann::json to_json(const PretrainEpoch& e) {
  return {{"epoch", e.epoch},
          {"loss", e.loss},
          {"learning_rate", e.learning_rate},
          {"val_p_at_1_l2", e.val_p_at_1_l2},
          {"val_p_at_10_l2", e.val_p_at_10_l2},
          {"val_p_at_1_cosine", e.val_p_at_1_cosine},
          {"val_p_at_10_cosine", e.val_p_at_10_cosine},
          {"seconds", e.seconds}};
}

// The output layer on frozen embeddings: per-window embeddings are computed once (the network below is
// fixed, so they never change), then Dropout -> Dense(labels) is fitted on them full-batch. A linear
// layer's window-averaged logits equal the logits of the averaged embedding, which is what
// classification at inference computes.
HeadFit fit_head(NetworkImpl& net, const PreparedData& data, const ModelMetadata& m, const PretrainOptions& o) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  HeadFit fit;
  fit.labels = data.dataset.labels;
  const int mels = m.spectrogram.n_mels, frames = m.window_frames;
  const size_t per = size_t(mels) * size_t(frames);
  std::mt19937_64 rng(o.seed + 7919);
  std::vector<size_t> train(data.split.train);
  train.insert(train.end(), data.split.validation.begin(), data.split.validation.end());
  const int per_clip = std::max(1, o.head_windows_per_clip);
  auto x = torch::empty({int64_t(train.size()) * per_clip, 1, mels, frames});
  std::vector<int64_t> y;
  for (size_t c = 0; c < train.size(); ++c) {
    const Spectrogram& s = data.spectrograms[train[c]];
    for (int k = 0; k < per_clip; ++k) {
      const size_t row = c * size_t(per_clip) + size_t(k);
      copy_window(s, random_window_start(s.n_frames, frames, rng), frames, m.normalization, {x.data_ptr<float>() + row * per, per});
      y.push_back(data.dataset.label_index(data.dataset.clips[train[c]].label));
    }
  }
  // What stays fixed: the Dense layer's output when it is the (frozen) embedding, else the pooled
  // features, with the Dense layer learning together with the output layer.
  const bool dense_learns = net.pooled_embedding();
  torch::Tensor features;
  {
    torch::NoGradGuard no_grad;
    net.eval();
    std::vector<torch::Tensor> parts;
    for (int64_t at = 0; at < x.size(0); at += 64) {
      auto pooled = net.pooled_features(x.slice(0, at, std::min(x.size(0), at + 64)));
      parts.push_back(dense_learns ? pooled : net.hidden(pooled));
    }
    features = torch::cat(parts);
  }
  auto target = torch::tensor(y, torch::kLong);
  auto& head = net.classifier();
  std::vector<torch::Tensor> learn = head->parameters();
  if (dense_learns)
    for (auto& p : net.embedding_layer()->parameters()) learn.push_back(p);
  torch::optim::AdamW opt(learn, torch::optim::AdamWOptions(1e-2).weight_decay(1e-4));
  auto drop = [](const torch::Tensor& t) { return F::dropout(t, F::DropoutFuncOptions().p(0.5).training(true)); };
  for (int step = 0; step < o.head_epochs; ++step) {
    auto h = dense_learns ? net.hidden(features) : features;
    auto loss = F::cross_entropy(head(drop(h)), target);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  auto accuracy = [&](const std::vector<size_t>& idx) {
    if (idx.empty()) return 0.0;
    std::vector<const Spectrogram*> clips;
    std::vector<int64_t> truth;
    for (size_t i : idx) {
      clips.push_back(&data.spectrograms[i]);
      truth.push_back(data.dataset.label_index(data.dataset.clips[i].label));
    }
    net.eval();
    auto out = run_clips(net, clips, m);
    return out.logits.argmax(1).eq(torch::tensor(truth, torch::kLong)).to(torch::kDouble).mean().item<double>();
  };
  fit.train_accuracy = accuracy(train);
  fit.test_accuracy = accuracy(data.split.test);
  fit.train_clips = int(train.size());
  fit.test_clips = int(data.split.test.size());
  fit.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return fit;
}

}  // namespace

double selection_score(const PretrainEpoch& e) { return 0.5 * (e.val_p_at_10_l2 + e.val_p_at_10_cosine); }

void PretrainOptions::check_readout() const {
  if (contrast_every_block && pooled_blocks != "all")
    throw Error(ExitCode::usage, "contrast on every block (--contrast-blocks all) needs --pooled-blocks all");
  if (pooled_blocks == "all" && (!pooled_embedding || backbone.name != "conv4"))
    throw Error(ExitCode::usage,
                "--pooled-blocks all reads the blocks of a conv4 backbone: add --backbone conv4 --embedding pooled");
}

PretrainResult pretrain_model(const PretrainData& d, const PretrainOptions& o, const std::filesystem::path& out) {
  o.check_readout();
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  if (d.tracks.size() < 2) throw Error(ExitCode::bad_data, "contrastive pretraining needs at least two readable tracks");
  start_torch(o.threads, o.seed);
  std::mt19937_64 rng(o.seed);

  ModelMetadata meta;
  meta.spectrogram = d.config;
  meta.window_frames = o.window_frames;
  meta.eval_windows = o.eval_windows;
  meta.embedding_size = o.embedding_size;
  meta.pooling = o.pooling;
  meta.embedding = o.pooled_embedding ? "pooled" : "dense";
  meta.pooled_blocks = o.pooled_blocks;
  meta.clip_summary = o.clip_summary;
  meta.window_hop = o.window_hop;
  {
    std::vector<const Spectrogram*> all;
    for (const auto& s : d.tracks) all.push_back(&s);
    meta.normalization = compute_normalization(all, d.config.n_mels, o.global_normalization);
  }
  auto backbone = make_backbone(o.backbone);
  meta.backbone = backbone->spec();
  Network net(backbone, HeadSpec::of(meta));
  const int64_t width = o.contrast_every_block ? net->window_embedding_size() : net->training_embedding_size();
  torch::nn::Sequential projection{nullptr};
  if (o.projection_size > 0)
    projection = torch::nn::Sequential(torch::nn::Linear(width, o.embedding_size), torch::nn::ReLU(),
                                       torch::nn::Linear(o.embedding_size, o.projection_size));

  PretrainResult result;
  result.parameters = keras_parameter_count(*net);
  std::vector<torch::Tensor> params = net->parameters();
  if (projection)
    for (auto& p : projection->parameters()) params.push_back(p);
  // Optional genre task trained alongside (labeled_weight): its own linear layer on the embedding; the
  // shipped output layer is still fitted afterwards on the frozen embedding, like without it.
  std::vector<size_t> labeled_train;
  torch::nn::Linear genre_head{nullptr};
  if (o.labeled_weight > 0 && d.labeled) {
    labeled_train = d.labeled->split.train;
    labeled_train.insert(labeled_train.end(), d.labeled->split.validation.begin(), d.labeled->split.validation.end());
    genre_head = torch::nn::Linear(width, int64_t(d.labeled->dataset.labels.size()));
    for (auto& p : genre_head->parameters()) params.push_back(p);
  }
  std::vector<int64_t> group_of_track(d.tracks.size(), 0);
  {
    std::map<std::string, int64_t> ids;
    for (size_t i = 0; i < d.tracks.size() && i < d.track_groups.size(); ++i)
      group_of_track[i] = ids.emplace(d.track_groups[i], int64_t(ids.size())).first->second;
  }
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.learning_rate).weight_decay(o.weight_decay));

  const Augmenter augmenter(o.augment);
  const int mels = d.config.n_mels, frames = o.window_frames;
  const size_t per = size_t(mels) * size_t(frames);
  // A batch never holds two pairs of one track (that would be a false negative), so it is at most the
  // number of tracks; a final chunk smaller than half a batch is dropped (it is reshuffled next pass).
  const size_t batch = std::clamp<size_t>(size_t(o.batch_size), 2, d.tracks.size());
  const size_t chunks = std::max<size_t>(1, (d.tracks.size() + batch / 2) / batch);
  double windows_trained = 0;

  auto summary = [&] {
    nlohmann::json h = nlohmann::json::array();
    for (const auto& e : result.history) h.push_back(to_json(e));
    return nlohmann::json{{"method", "contrastive (NT-Xent), then output layer on frozen embedding"},
                          {"data", d.description},
                          {"tracks", d.tracks.size()},
                          {"validation_clips", d.validation.size()},
                          {"augment", o.augment.describe()},
                          {"seed", o.seed},
                          {"epochs_requested", o.epochs},
                          {"stop_after", o.stop_after},
                          {"passes_per_epoch", o.passes_per_epoch},
                          {"batch_tracks", batch},
                          {"temperature", o.temperature},
                          {"group_weight", o.group_weight},
                          {"labeled_weight", o.labeled_weight},
                          {"projection_size", o.projection_size},
                          {"pooling", o.pooling},
                          {"embedding", meta.embedding},
                          {"pooled_blocks", o.pooled_blocks},
                          {"contrast_blocks", o.contrast_every_block ? "all" : "last"},
                          {"clip_summary", o.clip_summary},
                          {"window_hop", o.window_hop},
                          {"normalization", o.global_normalization ? "global" : "per band"},
                          {"weight_decay", o.weight_decay},
                          {"learning_rate", o.learning_rate},
                          {"selected_on", result.averaged_epochs > 0 ? "mean of the weights of the last " +
                                                                             std::to_string(result.averaged_epochs) + " epochs"
                                          : o.keep_last ? "last epoch"
                                                        : "mean of L2 and cosine P@10 on the validation clips"},
                          {"averaged_epochs", result.averaged_epochs},
                          {"averaged_validation", result.averaged_epochs > 0 ? to_json(result.averaged) : nlohmann::json()},
                          {"best_epoch", result.best_epoch},
                          {"history", h}};
  };

  EpochLoopOptions loop;
  loop.epochs = o.epochs;
  loop.stop_after = o.stop_after;
  // Without validation clips there is no score to choose by: the last epoch is kept.
  loop.keep_last = o.keep_last || d.validation.size() < 2;
  loop.time_limit_s = o.time_limit_s;
  loop.started = t0;
  loop.schedule = Schedule::cosine;
  loop.learning_rate = o.learning_rate;
  loop.total_steps = chunks * size_t(std::max(1, o.passes_per_epoch)) * size_t(std::max(1, o.epochs));
  loop.seed = o.seed;
  loop.progress = o.progress;
  loop.stop = o.stop;
  loop.what = "pretraining";

  std::vector<std::vector<size_t>> steps;  // this epoch's batches of tracks
  double loss_sum = 0;
  std::vector<torch::Tensor> average;      // of net's parameters, with average_from
  auto add_to_average = [&] {
    torch::NoGradGuard no_grad;
    const auto now = net->parameters();
    if (average.empty()) {
      for (const auto& p : now) average.push_back(p.detach().clone());
    } else {
      const double w = 1.0 / double(result.averaged_epochs + 1);
      for (size_t i = 0; i < now.size(); ++i) average[i].add_(now[i].detach() - average[i], w);
    }
    ++result.averaged_epochs;
  };
  EpochTask task;
  task.network = net.get();
  task.begin_epoch = [&](int) {
    net->train();
    if (projection) projection->train();
    if (genre_head) genre_head->train();
    steps.clear();
    for (int pass = 0; pass < std::max(1, o.passes_per_epoch); ++pass) {
      std::vector<size_t> order(d.tracks.size());
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      for (size_t at = 0; at < order.size(); at += batch) {
        const size_t n = std::min(order.size(), at + batch) - at;
        if (n * 2 < batch && at > 0) break;
        steps.emplace_back(order.begin() + int64_t(at), order.begin() + int64_t(at + n));
      }
    }
    loss_sum = 0;
    return EpochPlan{steps.size(), steps.size()};
  };
  task.set_learning_rate = [&](double lr) { set_learning_rate(opt, lr); };
  task.step = [&](size_t i) {
    const std::vector<size_t>& tracks = steps[i];
    const size_t n = tracks.size();
    auto x = torch::empty({int64_t(2 * n), 1, mels, frames});
    float* xd = x.data_ptr<float>();
    for (size_t b = 0; b < n; ++b) {
      augmented_window(d.tracks[tracks[b]], meta, augmenter, rng, {xd + b * per, per});
      augmented_window(d.tracks[tracks[b]], meta, augmenter, rng, {xd + (n + b) * per, per});
    }
    auto emb = o.contrast_every_block ? net->infer(x).embedding : net->forward(x).embedding;
    auto z = projection ? projection->forward(emb) : emb;
    torch::Tensor loss;
    if (o.group_weight > 0) {
      std::vector<int64_t> g(2 * n);
      for (size_t b = 0; b < n; ++b) g[b] = g[n + b] = group_of_track[tracks[b]];
      auto grouped = sup_con(z, torch::tensor(g, torch::kLong), o.temperature);
      loss = o.group_weight >= 1 ? grouped : (1 - o.group_weight) * nt_xent(z, o.temperature) + o.group_weight * grouped;
    } else {
      loss = nt_xent(z, o.temperature);
    }
    if (genre_head) {
      const size_t nl = size_t(std::max(1, o.labeled_batch));
      auto xl = torch::empty({int64_t(nl), 1, mels, frames});
      std::vector<int64_t> yl(nl);
      for (size_t b = 0; b < nl; ++b) {
        const size_t c = labeled_train[std::uniform_int_distribution<size_t>(0, labeled_train.size() - 1)(rng)];
        augmented_window(d.labeled->spectrograms[c], meta, augmenter, rng, {xl.data_ptr<float>() + b * per, per});
        yl[b] = d.labeled->dataset.label_index(d.labeled->dataset.clips[c].label);
      }
      auto el = F::dropout(net->forward(xl).embedding, F::DropoutFuncOptions().p(0.5).training(true));
      loss = loss + o.labeled_weight * F::cross_entropy(genre_head(el), torch::tensor(yl, torch::kLong));
    }
    opt.zero_grad();
    loss.backward();
    opt.step();
    const double l = loss.item<double>();
    loss_sum += l;
    windows_trained += double(2 * n);
    char note[64];
    std::snprintf(note, sizeof note, "loss %.3f", l);
    return StepDone{1, note};
  };
  task.recalibrate = [&](uint64_t seed) { recalibrate_batchnorm(*net, d.tracks, meta, 64, seed); };
  task.evaluate = [&](const EpochInfo& info) {
    if (o.average_from > 0 && info.epoch >= o.average_from && !info.cancelled) add_to_average();
    PretrainEpoch e;
    e.epoch = info.epoch;
    e.loss = steps.empty() ? 0 : loss_sum / double(steps.size());
    e.learning_rate = info.learning_rate;
    score_validation(*net, d, meta, e);
    e.seconds = info.seconds();
    result.history.push_back(e);
    if (o.on_epoch) o.on_epoch(e);
    return selection_score(e);
  };
  task.save_best = [&](int epoch) {
    result.best_epoch = epoch;
    meta.training = summary();
    save_model(out, meta, *net);  // backbone-only
  };

  const EpochLoopResult ran = run_epochs(loop, task);
  result.interrupted = ran.interrupted;
  result.pretrain_seconds = ran.seconds;
  result.windows_per_second = ran.step_seconds > 0 ? windows_trained / ran.step_seconds : 0;
  if (result.interrupted) return result;
  if (result.averaged_epochs > 0) {
    {
      torch::NoGradGuard no_grad;
      const auto now = net->parameters();
      for (size_t i = 0; i < now.size(); ++i) now[i].copy_(average[i]);
    }
    // The mean of the weights needs its own BatchNorm statistics (those of no single epoch fit it).
    recalibrate_batchnorm(*net, d.tracks, meta, 64, o.seed + 104729);
    result.averaged.epoch = 0;
    score_validation(*net, d, meta, result.averaged);
  }

  nlohmann::json s = summary();
  s["pretrain_seconds"] = result.pretrain_seconds;
  s["windows_per_second"] = result.windows_per_second;
  if (d.labeled) {
    // The same backbone and embedding layer, now with the paper's output layer on top; only that layer
    // learns, so the embedding validated above is exactly what ships.
    meta.labels = d.labeled->dataset.labels;
    Network full(net->backbone_ptr(), HeadSpec::of(meta));
    full->freeze_backbone();
    if (!o.pooled_embedding) {
      torch::NoGradGuard no_grad;
      full->embedding_layer()->weight.copy_(net->embedding_layer()->weight);
      full->embedding_layer()->bias.copy_(net->embedding_layer()->bias);
      for (auto& p : full->embedding_layer()->parameters()) p.set_requires_grad(false);
    }
    const HeadFit fit = fit_head(*full, *d.labeled, meta, o);
    s["labels"] = {{"labels", fit.labels},
                   {"meaning", "closest generated genre (the labeled corpus), not a real-music genre classifier"},
                   {"train_clips", fit.train_clips},
                   {"test_clips", fit.test_clips},
                   {"train_accuracy", fit.train_accuracy},
                   {"test_accuracy", fit.test_accuracy},
                   {"seconds", fit.seconds}};
    result.head = fit;
    meta.training = s;
    save_model(out, meta, *full);
  } else {
    meta.training = s;
    save_model(out, meta, *net);
  }
  return result;
}

}  // namespace soundalike::model

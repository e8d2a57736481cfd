// soundalike pretrain: self-supervised (contrastive) pretraining on unlabeled music, then the output
// layer on labeled clips with the embedding frozen. The recipe of the shipped default model.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/Interrupt.h"
#include "app/ModelOptions.h"
#include "common/Error.h"
#include "common/Parallel.h"
#include "model/Pretrainer.h"

namespace soundalike::app {
namespace {

namespace fs = std::filesystem;

struct PretrainCli {
  std::string data, out, validate, labels, augment = "noise,shift,brightness,specaugment";
  std::string embedding = "dense", normalization = "band", contrast_blocks = "last";
  model::PretrainOptions train;
  SpectrogramConfig spectrogram;
  CacheOptions cache;
  double max_seconds = 120, clip_seconds = 30;
  size_t max_labeled_clips = 0;
  bool json = false, quiet = false;
};

// Every file of DIR/<folder>/… as spectrograms; unreadable files are reported and left out.
struct Loaded {
  std::vector<Spectrogram> spectrograms;
  std::vector<std::string> folders;
  std::map<std::string, int> per_folder;
};
Loaded load_folder_tree(const std::string& dir, const model::SpectrogramJob& job, std::vector<std::string>& failures) {
  const model::Dataset ds = model::load_dataset(dir);
  std::vector<fs::path> paths;
  for (const auto& c : ds.clips) paths.push_back(c.path);
  model::SpectrogramResult r = model::compute_spectrograms(paths, job);
  failures.insert(failures.end(), r.failures.begin(), r.failures.end());
  Loaded l;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!r.spectrograms[i]) continue;
    l.spectrograms.push_back(std::move(*r.spectrograms[i]));
    l.folders.push_back(ds.clips[i].label);
    ++l.per_folder[ds.clips[i].label];
  }
  return l;
}

void log_epoch(const model::PretrainEpoch& e) {
  std::fprintf(stderr, "epoch %3d  loss %.4f  val P@1/P@10 l2 %.3f/%.3f cosine %.3f/%.3f  lr %.2e  %.1f s\n", e.epoch,
               e.loss, e.val_p_at_1_l2, e.val_p_at_10_l2, e.val_p_at_1_cosine, e.val_p_at_10_cosine, e.learning_rate,
               e.seconds);
}

int run(PretrainCli& o) {
  if (o.train.labeled_weight > 0 && o.labels.empty())
    throw Error(ExitCode::usage, "--labeled-weight trains on labeled clips: give them with --labels DIR");
  const int last_epoch = o.train.stop_after > 0 ? std::min(o.train.stop_after, o.train.epochs) : o.train.epochs;
  if (o.train.average_from > last_epoch)
    throw Error(ExitCode::usage, "--average-from " + std::to_string(o.train.average_from) + " starts after the last epoch (" +
                                     std::to_string(last_epoch) + ")");
  o.train.augment = model::AugmentOptions::parse(o.augment);
  o.train.pooled_embedding = o.embedding == "pooled";
  o.train.contrast_every_block = o.contrast_blocks == "all";
  o.train.check_readout();
  o.train.global_normalization = o.normalization == "global";
  o.spectrogram.validate();
  o.train.threads = resolve_jobs(o.train.threads);
  o.train.progress = !o.quiet;
  if (!o.quiet) o.train.on_epoch = log_epoch;
  model::SpectrogramJob job;
  job.config = o.spectrogram;
  job.cache_dir = o.cache.dir();
  job.jobs = o.train.threads;
  job.progress = !o.quiet;

  std::vector<std::string> failures;
  model::PretrainData d;
  d.config = o.spectrogram;
  job.max_seconds = o.max_seconds;
  Loaded train = load_folder_tree(o.data, job, failures);
  d.tracks = std::move(train.spectrograms);
  d.track_groups = std::move(train.folders);
  d.description["pretrain"] = {{"dir", o.data}, {"folders", train.per_folder}, {"max_seconds", o.max_seconds}};
  if (!o.validate.empty()) {
    // The protocol of evaluate-retrieval: one clip from the middle of each file.
    job.max_seconds = o.clip_seconds;
    Loaded val = load_folder_tree(o.validate, job, failures);
    d.validation = std::move(val.spectrograms);
    d.validation_labels = std::move(val.folders);
    d.description["validation"] = {{"dir", o.validate}, {"folders", val.per_folder}, {"clip_seconds", o.clip_seconds}};
  }
  if (!o.labels.empty()) {
    model::DatasetOptions dopt;
    dopt.max_clips_per_label = o.max_labeled_clips;
    dopt.seed = o.train.seed;
    job.max_seconds = 0;
    d.labeled = model::prepare_data(model::load_dataset(o.labels, dopt), job, 0.2, 0.0, o.train.seed);
    failures.insert(failures.end(), d.labeled->failures.begin(), d.labeled->failures.end());
    d.description["labels"] = {{"dir", o.labels}, {"clips", d.labeled->dataset.clips.size()}};
  }
  // One file may serve pretraining, validation and labels; report it once.
  std::set<std::string> seen;
  std::erase_if(failures, [&](const std::string& f) { return !seen.insert(f).second; });
  for (const auto& f : failures) std::fprintf(stderr, "soundalike: skipped %s\n", f.c_str());
  if (!o.quiet)
    std::fprintf(stderr, "data: %zu tracks to pretrain on, %zu validation clips, %zu labeled clips\n", d.tracks.size(),
                 d.validation.size(), d.labeled ? d.labeled->dataset.clips.size() : size_t(0));

  ScopedInterrupt interrupt;
  o.train.stop = interrupt.token();
  const model::PretrainResult r = model::pretrain_model(d, o.train, o.out);
  if (r.interrupted) {
    std::fprintf(stderr, "soundalike: interrupted; %s holds the best backbone-only checkpoint (epoch %d)\n", o.out.c_str(),
                 r.best_epoch);
    return int(ExitCode::interrupted);
  }
  // What shipped: the mean of the last epochs' weights, or the best (or last) epoch.
  const bool averaged = r.averaged_epochs > 0;
  const model::PretrainEpoch& kept = averaged ? r.averaged : r.history[size_t(r.best_epoch - 1)];
  auto validation_json = [](const model::PretrainEpoch& e) {
    return nlohmann::json{{"val_p_at_1_l2", e.val_p_at_1_l2}, {"val_p_at_10_l2", e.val_p_at_10_l2},
                          {"val_p_at_1_cosine", e.val_p_at_1_cosine}, {"val_p_at_10_cosine", e.val_p_at_10_cosine}};
  };
  if (o.json) {
    nlohmann::json h = nlohmann::json::array();
    for (const auto& e : r.history) {
      nlohmann::json entry = validation_json(e);
      entry.update({{"epoch", e.epoch}, {"loss", e.loss}, {"seconds", e.seconds}});
      h.push_back(std::move(entry));
    }
    nlohmann::json j{{"model", o.out},           {"best_epoch", r.best_epoch},
                     {"epochs_run", r.history.size()}, {"pretrain_seconds", r.pretrain_seconds},
                     {"windows_per_second", r.windows_per_second}, {"parameters", r.parameters},
                     {"history", h},             {"failures", failures}};
    if (averaged) {
      j["averaged"] = validation_json(r.averaged);
      j["averaged"]["epochs"] = r.averaged_epochs;
    }
    if (r.head)
      j["head"] = {{"labels", r.head->labels}, {"train_accuracy", r.head->train_accuracy},
                   {"test_accuracy", r.head->test_accuracy}, {"test_clips", r.head->test_clips}};
    std::cout << j.dump(2) << '\n';
  } else {
    const std::string what = averaged ? "the mean of the last " + std::to_string(r.averaged_epochs) + " epochs"
                                      : "epoch " + std::to_string(r.best_epoch);
    std::printf("pretrained in %.1f s (%.0f windows/s); kept %s of %zu: validation P@10 l2 %.3f cosine %.3f\n",
                r.pretrain_seconds, r.windows_per_second, what.c_str(), r.history.size(), kept.val_p_at_10_l2,
                kept.val_p_at_10_cosine);
    if (r.head)
      std::printf("output layer: %zu labels, accuracy train %.3f, test %.3f (%d clips)\n", r.head->labels.size(),
                  r.head->train_accuracy, r.head->test_accuracy, r.head->test_clips);
    std::printf("wrote %s\n", o.out.c_str());
  }
  return failures.empty() ? 0 : int(ExitCode::partial);
}

}  // namespace

void add_pretrain_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<PretrainCli>(
      app, status, "pretrain",
      "Self-supervised (contrastive) pretraining on unlabeled music, then the output layer on labeled clips", run);
  auto& t = o->train;
  cmd->add_option("data", o->data, "DIR/<folder>/<audio files>: unlabeled music (folders only describe the data)")->required();
  cmd->add_option("-o,--out", o->out, "Model file to write")->required();
  cmd->add_option("--validate", o->validate,
                  "DIR/<label>/<audio files> scored after every epoch (leave-one-out P@10, same label = relevant); "
                  "the best epoch is kept");
  cmd->add_option("--labels", o->labels,
                  "Labeled clips (DIR/<label>/…) for the output layer, fitted with backbone and embedding frozen");
  add_training_options(cmd, t, o->augment, "noise,shift,brightness,specaugment,gain,gauss,roll | contrastive | all | none");
  cmd->add_option("--stop-after", t.stop_after,
                  "Stop after this epoch; the learning-rate schedule still spans --epochs (0 = run them all)")
      ->capture_default_str()->check(CLI::Range(0, 100000));
  cmd->add_option("--passes", t.passes_per_epoch, "Positive pairs per track and epoch")->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--temperature", t.temperature, "NT-Xent temperature")->capture_default_str();
  cmd->add_option("--group-weight", t.group_weight,
                  "Share of the loss for supervised contrast over the training folders (views of tracks of one folder "
                  "are positives); 0 = per-track contrast only")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--labeled-weight", t.labeled_weight,
                  "Weight of a genre cross-entropy on --labels trained together with the contrastive loss (0 = off)")
      ->capture_default_str()->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--labeled-batch", t.labeled_batch, "Labeled windows per step with --labeled-weight")
      ->capture_default_str()->check(CLI::Range(1, 4096));
  cmd->add_flag("--keep-last", t.keep_last, "Keep the last epoch rather than the best on --validate (still scored)");
  cmd->add_option("--average-from", t.average_from,
                  "Ship the mean of the weights of every epoch from this one on (weight averaging), batch norm "
                  "re-estimated; validation still scores each epoch and the mean (0 = off)")
      ->capture_default_str()->check(CLI::Range(0, 100000));
  cmd->add_option("--projection", t.projection_size, "Width of the projection the loss sees (0 = the embedding itself)")
      ->capture_default_str()->check(CLI::Range(0, 65536));
  cmd->add_option("--backbone", t.backbone.name, "Network: compact (strided, fast) or conv4 (four VGG-style blocks)")
      ->capture_default_str()->check(CLI::IsMember({"compact", "conv4"}));
  cmd->add_option("--width", t.backbone.width, "compact/conv4: channels of the first layer (0 = 16)")->capture_default_str();
  cmd->add_option("--pooling", t.pooling, "Pooling of the last block: mean, or mean_max (both, concatenated)")
      ->capture_default_str()->check(CLI::IsMember({"mean", "mean_max"}));
  cmd->add_option("--embedding", o->embedding,
                  "The shipped embedding: dense (the Dense layer, the paper's) or pooled (the pooled features)")
      ->capture_default_str()->check(CLI::IsMember({"dense", "pooled"}));
  cmd->add_option("--pooled-blocks", t.pooled_blocks,
                  "With --embedding pooled: the song vector reads the last block, or all blocks (concatenated)")
      ->capture_default_str()->check(CLI::IsMember({"last", "all"}));
  cmd->add_option("--contrast-blocks", o->contrast_blocks,
                  "What the loss's projection head reads: the last block's pooled features, or all blocks' (needs "
                  "--pooled-blocks all)")
      ->capture_default_str()->check(CLI::IsMember({"last", "all"}));
  cmd->add_option("--clip-summary", t.clip_summary, "Windows -> clip vector: mean, or mean_std (mean and deviation)")
      ->capture_default_str()->check(CLI::IsMember({"mean", "mean_std"}));
  cmd->add_option("--window-hop", t.window_hop,
                  "Frames between the windows a clip is read as (0 = --eval-windows spread evenly)")
      ->capture_default_str()->check(CLI::Range(0, 100000));
  cmd->add_option("--normalization", o->normalization, "Input standardisation: band (per mel band) or global")
      ->capture_default_str()->check(CLI::IsMember({"band", "global"}));
  cmd->add_option("--max-seconds", o->max_seconds, "Seconds from the middle of each training track (0 = all)")
      ->capture_default_str();
  cmd->add_option("--clip-seconds", o->clip_seconds, "Seconds from the middle of each validation file")->capture_default_str();
  cmd->add_option("--max-labeled-clips", o->max_labeled_clips, "At most this many labeled clips per label (0 = all)")
      ->capture_default_str();
  add_spectrogram_options(cmd, o->spectrogram);
  add_training_output_flags(cmd, o->json, o->quiet);
  o->cache.add(cmd);
  cmd->footer("Model files: the embedding is the 256-wide Dense layer; docs/model-card.md describes the shipped one.");
}

}  // namespace soundalike::app

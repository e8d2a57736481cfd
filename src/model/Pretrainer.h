#pragma once
// Self-supervised pretraining on unlabeled music (SimCLR-style contrastive learning), then fitting the
// paper's output layer on labeled clips with everything below it frozen. Torch-free interface.
//
// Two augmented windows cut from the same track at independent random positions are a positive pair;
// the windows of the other tracks in the batch are its negatives (NT-Xent / InfoNCE). The embedding
// that ships is the ReLU output of the Dense layer the paper's head already has, so a model made here
// is an ordinary model file: embed, index, similar and `train --backbone-weights` read it unchanged.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/Cancel.h"
#include "features/Spectrogram.h"
#include "model/Augmenter.h"
#include "model/ModelFile.h"
#include "model/Trainer.h"

namespace soundalike::model {

struct PretrainEpoch {
  int epoch = 0;
  double loss = 0;            // mean NT-Xent loss over the epoch's steps
  double learning_rate = 0;
  // Leave-one-out retrieval on the validation tracks (relevant = same folder); 0 without validation.
  double val_p_at_1_l2 = 0, val_p_at_10_l2 = 0, val_p_at_1_cosine = 0, val_p_at_10_cosine = 0;
  double seconds = 0;
};

struct PretrainOptions {
  BackboneSpec backbone;       // compact by default
  int embedding_size = 256;    // the Dense layer whose ReLU output is the embedding
  int projection_size = 128;   // Dense(embedding)->ReLU->Dense(this) used only for the loss; 0 = loss on the embedding
  // The shape of what ships (ModelMetadata): pooling of the last block, whether the embedding is the
  // pooled features (the Dense layer then only serves an output layer fitted on --labels), how a clip's
  // windows are summarised and how far apart they are; and the input normalisation (per band or global).
  std::string pooling = "mean";
  bool pooled_embedding = false;
  std::string pooled_blocks = "last";  // with a pooled embedding: the last block's features, or "all" blocks'
  bool contrast_every_block = false;   // the loss's projection head reads the every-block vector (pooled_blocks all)
  std::string clip_summary = "mean";
  int window_hop = 0;
  bool global_normalization = false;
  int window_frames = 128;
  int eval_windows = 10;
  int epochs = 12;             // also the length of the cosine learning-rate schedule
  int passes_per_epoch = 4;    // every track is the anchor of this many positive pairs per epoch
  int batch_size = 64;         // tracks per step (two windows each); never two pairs from one track
  double temperature = 0.5;    // defaults: the shipped model's recipe (docs/model-card.md)
  // Share of the loss given to supervised contrast over PretrainData::track_groups (SupCon: every view
  // of a track of the same group, e.g. the same soundtrack package, is a positive); the rest is the
  // per-track NT-Xent. 0 = per-track only, 1 = groups only.
  double group_weight = 0;
  // Weight of a ten-genre cross-entropy on the labeled clips trained together with the contrastive loss
  // (0 = the labeled clips only fit the output layer at the end). Each step adds `labeled_batch`
  // augmented windows of labeled training clips.
  double labeled_weight = 0;
  int labeled_batch = 32;
  // Keep the last epoch instead of the one with the best validation score (validation is still scored
  // and reported): for recipes whose other goal, e.g. the genre task, keeps improving after validation
  // retrieval has levelled off.
  bool keep_last = false;
  // Ship the mean of the weights at the end of every epoch from this one on (stochastic weight averaging,
  // Izmailov et al. 2018), batch norm re-estimated for it, instead of one epoch's weights (0 = off).
  // Single epochs' validation scores swing by ±0.03 on real music; their mean is steadier.
  int average_from = 0;
  double learning_rate = 1e-3;
  double weight_decay = 1e-4;
  uint64_t seed = 1;
  int threads = 0;             // torch intra-op threads; 0 = all cores
  AugmentOptions augment;
  double time_limit_s = 0;     // stop after the epoch that crosses it (0 = none)
  // Stop after this epoch (0 = run all `epochs`); the schedule still spans `epochs`, so a run stopped
  // here equals the first epochs of the full one (the shipped model's recipe stops early: its
  // validation score had peaked, docs/model-card.md).
  int stop_after = 0;
  int head_epochs = 300;       // full-batch steps fitting the output layer on frozen embeddings
  int head_windows_per_clip = 8;
  bool progress = true;
  CancelToken stop = nullptr;
  std::function<void(const PretrainEpoch&)> on_epoch;  // after each epoch (logging)

  // Throws Error(usage) for read-out choices that cannot go together; pretrain_model calls it, and the
  // CLI before it loads any music.
  void check_readout() const;
};

struct PretrainData {
  SpectrogramConfig config;
  std::vector<Spectrogram> tracks;              // unlabeled training music (each track its own class)
  std::vector<std::string> track_groups;        // e.g. the package of each track, for the summary only
  std::vector<Spectrogram> validation;          // clips scored each epoch to choose the checkpoint
  std::vector<std::string> validation_labels;   // relevant = same label
  std::optional<PreparedData> labeled;          // clips for the output layer (none: a backbone-only model)
  nlohmann::json description = nlohmann::json::object();  // data sources, written into the model's summary
};

struct HeadFit {
  std::vector<std::string> labels;
  double train_accuracy = 0, test_accuracy = 0;
  int train_clips = 0, test_clips = 0;
  double seconds = 0;
};

struct PretrainResult {
  std::vector<PretrainEpoch> history;
  int best_epoch = 0;          // 1-based; the shipped weights are this epoch's, unless averaged
  // With PretrainOptions::average_from: how many epochs' weights were averaged (0 = none) and the
  // validation scores of their mean, which is what shipped.
  int averaged_epochs = 0;
  PretrainEpoch averaged;
  bool interrupted = false;
  std::optional<HeadFit> head;
  int64_t parameters = 0;
  double pretrain_seconds = 0;
  double windows_per_second = 0;  // training throughput
};

// The score a checkpoint is chosen by: mean of the L2 and cosine P@10 on the validation tracks.
double selection_score(const PretrainEpoch& e);

// Pretrains, keeps the epoch with the best selection score (the last one without validation clips),
// fits the output layer when labeled data is given, and writes the model to `out` (atomically; a
// backbone-only checkpoint is written whenever validation improves, so Ctrl-C keeps the best so far).
// Throws Error(bad_data) with fewer than two tracks.
PretrainResult pretrain_model(const PretrainData& data, const PretrainOptions& options, const std::filesystem::path& out);

}  // namespace soundalike::model

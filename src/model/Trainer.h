#pragma once
// Training the classifier whose penultimate layer becomes the embedding. Torch-free interface.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/Cancel.h"
#include "features/Spectrogram.h"
#include "model/Augmenter.h"
#include "model/Dataset.h"
#include "model/Metrics.h"
#include "model/ModelFile.h"

namespace soundalike::model {

struct TrainOptions {
  BackboneSpec backbone;                      // ignored when backbone_weights names a file
  std::filesystem::path backbone_weights;     // a soundalike model file or a TorchScript module
  bool freeze_backbone = false;               // train only the head (needs backbone_weights)
  int embedding_size = 256;
  int window_frames = 128;
  int eval_windows = 10;                      // windows per clip for validation/test/embedding
  int epochs = 30;
  int batch_size = 32;
  int windows_per_clip = 4;                   // random training windows drawn per clip per epoch
  double learning_rate = 0;                   // 0 = 1e-3 for compact or a frozen backbone, 3e-4 otherwise
  double weight_decay = 1e-4;
  std::string schedule = "cosine";            // cosine (per step, to 0 at the last epoch) | plateau (x0.5)
  int patience = 8;                           // early stopping: epochs without a better validation loss
  uint64_t seed = 1;
  int threads = 0;                            // torch intra-op threads; 0 = all cores
  AugmentOptions augment;
  double time_limit_s = 0;                    // stop after the epoch that crosses it (0 = none)
  bool progress = true;                       // a progress bar per epoch on a terminal
  CancelToken stop = nullptr;                 // set (e.g. by SIGINT) to stop between batches
  std::function<void(const EpochStats&)> on_epoch;  // called after each epoch (logging)
};

// Spectrograms computed once, failed files dropped, split made: what training and compare share.
struct PreparedData {
  Dataset dataset;                  // only clips whose spectrogram was computed
  std::vector<Spectrogram> spectrograms;  // parallel to dataset.clips
  Split split;
  SpectrogramConfig config;
  std::vector<std::string> failures;  // files that could not be read, with reasons
  size_t from_cache = 0;
};
// Throws InputError(bad_data) when fewer than two labels or no training clips remain.
PreparedData prepare_data(Dataset dataset, const SpectrogramJob& job, double test_fraction = 0.2,
                          double validation_fraction = 0.1, uint64_t seed = 1);

struct TrainResult {
  std::vector<EpochStats> history;
  int best_epoch = 0;                 // 1-based; the weights saved are this epoch's
  bool interrupted = false;           // stopped by `stop`; the file holds the best checkpoint so far
  bool early_stopped = false;
  std::optional<ClassificationReport> test;  // none when interrupted or there is no test split
  int64_t parameters = 0;             // Keras-style count (BatchNorm statistics included)
  int64_t trainable_parameters = 0;
  double train_seconds = 0;
  std::string backbone;
};

// Trains, writes the best checkpoint to `out` whenever validation improves, and at the end the best
// weights with the test metrics in the model's training summary.
TrainResult train_model(const PreparedData& data, const TrainOptions& options, const std::filesystem::path& out);

}  // namespace soundalike::model

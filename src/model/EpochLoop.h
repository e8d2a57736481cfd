#pragma once
// The epoch loop the supervised Trainer and the contrastive Pretrainer share: the learning-rate schedule,
// precise BN before every evaluation, keeping the best epoch (in memory and on disk), early stopping,
// --stop-after and --time-limit, Ctrl-C between steps, and the per-epoch progress bar. What differs
// between them (how an epoch is batched, one step, how an epoch is scored) comes in as callables, so the
// loop itself needs no torch; torch::nn::Module is only named, for the in-memory copy of the best epoch.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "common/Cancel.h"

namespace torch::nn {
class Module;
}

namespace soundalike::model {

enum class Schedule {
  constant,
  cosine,   // per step, from the base rate to 0 over `total_steps`
  plateau,  // x0.5 after two epochs whose score did not beat the best by 1e-4
};

struct EpochLoopOptions {
  int epochs = 1;
  // Stop after this epoch (0 = none); the cosine schedule still spans `epochs`, so a run stopped here
  // equals the first epochs of the full one.
  int stop_after = 0;
  int patience = 0;            // stop after this many epochs without a better score (0 = never)
  bool keep_last = false;      // every epoch replaces the kept one, whatever its score
  double time_limit_s = 0;     // stop after the epoch that crosses it, counted from `started` (0 = none)
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  Schedule schedule = Schedule::cosine;
  double learning_rate = 1e-3; // the optimizer's rate when the loop starts
  size_t total_steps = 1;      // the cosine schedule's length
  uint64_t seed = 1;           // epoch e re-estimates BatchNorm with seed + e
  bool progress = true;
  CancelToken stop = nullptr;
  std::string what = "training";  // names the work in errors
};

struct EpochPlan {
  size_t steps = 0;   // optimizer steps this epoch
  size_t units = 0;   // what the progress bar counts (windows, steps)
};

struct StepDone {
  size_t units = 1;   // progress made
  std::string note;   // shown after the bar, e.g. the running loss
};

struct EpochInfo {
  int epoch = 0;              // 1-based
  double learning_rate = 0;   // the rate of the epoch's last step
  bool cancelled = false;     // the epoch was cut short by `stop`
  std::chrono::steady_clock::time_point started;
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); }
};

struct EpochTask {
  torch::nn::Module* network = nullptr;                  // the weights kept for the best epoch
  std::function<EpochPlan(int epoch)> begin_epoch;       // training mode, this epoch's batches
  std::function<void(double)> set_learning_rate;
  std::function<StepDone(size_t step)> step;             // one optimizer step (0-based within the epoch)
  std::function<void(uint64_t seed)> recalibrate;        // precise BN (TrainingSupport.h)
  // Scores the epoch (higher is better); records it in the task's history and reports it.
  std::function<double(const EpochInfo&)> evaluate;
  std::function<void(int epoch)> save_best;              // the network holds that epoch's weights
};

struct EpochLoopResult {
  int best_epoch = 0;           // 1-based; the network holds its weights unless interrupted
  bool interrupted = false;     // the file `save_best` wrote holds the best epoch so far
  bool early_stopped = false;
  double seconds = 0;           // from `started` to the end of the last epoch
  double step_seconds = 0;      // in optimizer steps only (throughput)
};

// Runs the epochs. Throws Error(interrupted) when stopped before any epoch was kept. Unless interrupted,
// the network ends with the best epoch's weights.
EpochLoopResult run_epochs(const EpochLoopOptions& options, const EpochTask& task);

}  // namespace soundalike::model

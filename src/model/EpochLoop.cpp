#include "model/EpochLoop.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>

#include "common/Error.h"
#include "common/Progress.h"
#include "model/TrainingSupport.h"

namespace soundalike::model {

EpochLoopResult run_epochs(const EpochLoopOptions& o, const EpochTask& task) {
  using clock = std::chrono::steady_clock;
  EpochLoopResult r;
  double lr = o.learning_rate;
  double best = -std::numeric_limits<double>::infinity(), plateau_best = best;
  int since_best = 0, plateau_wait = 0;
  size_t step = 0;  // over the whole run: the cosine schedule's position
  std::string best_state;

  for (int epoch = 1; epoch <= o.epochs && !r.interrupted; ++epoch) {
    EpochInfo info;
    info.epoch = epoch;
    info.started = clock::now();
    const EpochPlan plan = task.begin_epoch(epoch);
    std::optional<Progress> bar;
    if (o.progress) bar.emplace("epoch " + std::to_string(epoch) + "/" + std::to_string(o.epochs), plan.units);
    const auto steps_started = clock::now();
    size_t done = 0;
    for (; done < plan.steps; ++done) {
      if (cancel_requested(o.stop)) {
        r.interrupted = true;
        break;
      }
      if (o.schedule == Schedule::cosine) {
        lr = o.learning_rate * 0.5 *
             (1.0 + std::cos(std::numbers::pi * double(step) / double(std::max<size_t>(1, o.total_steps))));
        task.set_learning_rate(lr);
      }
      const StepDone s = task.step(done);
      ++step;
      if (bar) bar->advance(s.units, s.note);
    }
    r.step_seconds += std::chrono::duration<double>(clock::now() - steps_started).count();
    if (bar) bar->finish();
    // Ctrl-C before the epoch's first step (often pressed during the previous evaluation): the weights
    // are the last epoch's, already scored.
    if (done == 0) break;

    info.learning_rate = lr;
    info.cancelled = r.interrupted;
    // A cut-short epoch is still scored: its steps may have found a better checkpoint to keep.
    task.recalibrate(o.seed + uint64_t(epoch));
    const double score = task.evaluate(info);
    if (score > best || o.keep_last) {
      best = score;
      since_best = 0;
      r.best_epoch = epoch;
      best_state = serialize_state(*task.network);
      task.save_best(epoch);  // Ctrl-C from here on keeps this one
    } else if (o.patience > 0 && ++since_best >= o.patience) {
      r.early_stopped = true;
      break;
    }
    if (o.schedule == Schedule::plateau) {
      if (score > plateau_best + 1e-4) {
        plateau_best = score;
        plateau_wait = 0;
      } else if (++plateau_wait >= 2) {
        lr *= 0.5;
        task.set_learning_rate(lr);
        plateau_wait = 0;
      }
    }
    if (o.time_limit_s > 0 && std::chrono::duration<double>(clock::now() - o.started).count() > o.time_limit_s) break;
    if (o.stop_after > 0 && epoch >= o.stop_after) break;
  }
  r.seconds = std::chrono::duration<double>(clock::now() - o.started).count();
  if (best_state.empty()) {
    if (r.interrupted) throw Error(ExitCode::interrupted, "interrupted before the first epoch finished; nothing saved");
    throw Error(ExitCode::internal, o.what + " produced no epoch");
  }
  if (!r.interrupted) restore_state(*task.network, best_state);
  return r;
}

}  // namespace soundalike::model

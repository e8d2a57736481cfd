// soundalike evaluate: a trained model's metrics on a labeled data set.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/ModelOptions.h"
#include "common/Error.h"
#include "common/Parallel.h"
#include "model/Evaluation.h"

namespace soundalike::app {
namespace {

struct EvaluateOptions {
  std::string model, data, group_column, confusion_png;
  CacheOptions cache;
  int threads = 0;
  size_t max_clips = 0;
  double max_seconds = 0;
  bool json = false;
};

int run(const EvaluateOptions& o) {
  const std::string model_file = model_or_default(o.model);
  const int threads = resolve_jobs(o.threads);
  const model::Embedder embedder(model_file, {threads, 64});
  model::DatasetOptions dopt;
  dopt.max_clips_per_label = o.max_clips;
  const model::Dataset data = model::load_dataset(o.data, dopt);
  model::SpectrogramJob job;
  job.cache_dir = o.cache.dir();
  job.jobs = threads;
  job.max_seconds = o.max_seconds;
  const model::EvaluationResult r = model::evaluate_model(embedder, data, job);
  for (const auto& f : r.failures) std::fprintf(stderr, "soundalike: skipped %s\n", f.c_str());
  if (!o.confusion_png.empty()) model::write_confusion_png(o.confusion_png, r.report);
  if (o.json) {
    nlohmann::json j = model::to_json(r.report);
    j["model"] = model_file;
    j["failures"] = r.failures;
    std::cout << j.dump(2) << '\n';
  } else {
    std::printf("%s on %s (%d clips):\n%s", model_file.c_str(), o.data.c_str(), r.report.clips,
                model::format_report(r.report).c_str());
  }
  return r.failures.empty() ? 0 : int(ExitCode::partial);
}

}  // namespace

void add_evaluate_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<EvaluateOptions>(
      app, status, "evaluate",
      "Loss, accuracy, precision, recall, F1, confusion and P@10 of a model on labeled audio", run);
  add_model_option(cmd, o->model, "default: the shipped model");
  add_labeled_data_options(cmd, o->data, o->max_clips, o->max_seconds);
  cmd->add_option("--confusion-png", o->confusion_png, "Also draw the confusion matrix into this PNG");
  add_threads_option(cmd, o->threads);
  add_json_flag(cmd, o->json, "accuracy, precision, recall, f1, loss, p_at_10, p_at_10_capped, confusion, ...");
  o->cache.add(cmd);
}

}  // namespace soundalike::app

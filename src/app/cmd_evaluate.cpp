// soundalike evaluate: a trained model's metrics on a labeled data set.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "app/Commands.h"
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
  auto o = std::make_shared<EvaluateOptions>();
  CLI::App* cmd = app.add_subcommand("evaluate", "Loss, accuracy, precision, recall, F1, confusion and P@10 of a model on labeled audio");
  cmd->add_option("--model", o->model, "Model file from 'soundalike train' (default: the shipped model)");
  cmd->add_option("data", o->data, "DIR/<label>/<audio files>, or a CSV of path,label[,group]")->required();
  cmd->add_option("--confusion-png", o->confusion_png, "Also draw the confusion matrix into this PNG");
  cmd->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--max-clips", o->max_clips, "Use at most this many clips per label (0 = all)")->capture_default_str();
  cmd->add_option("--max-seconds", o->max_seconds, "Use at most this many seconds from the middle of each file (0 = all)");
  cmd->add_flag("--json", o->json, "Print JSON (accuracy, precision, recall, f1, loss, p_at_10, p_at_10_capped, confusion, ...)");
  o->cache.add(cmd);
  cmd->callback([o, &status] { status.code = run(*o); });
}

}  // namespace soundalike::app

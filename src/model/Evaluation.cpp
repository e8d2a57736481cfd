#include "model/Evaluation.h"

#include <algorithm>
#include <cmath>

#include "common/Error.h"
#include "retrieval/PrecisionAtK.h"

namespace soundalike::model {

EvaluationResult evaluate_model(const Embedder& embedder, const Dataset& data, SpectrogramJob job) {
  job.config = embedder.metadata().spectrogram;
  const auto& labels = embedder.labels();
  if (labels.empty()) throw Error(ExitCode::bad_model, "this model has no classifier (labels); it can only embed");
  EvaluationResult r;
  std::vector<std::filesystem::path> paths;
  std::vector<int> truth;
  for (const auto& c : data.clips) {
    auto it = std::find(labels.begin(), labels.end(), c.label);
    if (it == labels.end()) {
      r.failures.push_back(c.path.string() + ": label '" + c.label + "' is not one the model knows");
      continue;
    }
    paths.push_back(c.path);
    truth.push_back(int(it - labels.begin()));
  }
  SpectrogramResult specs = compute_spectrograms(paths, job);
  r.failures.insert(r.failures.end(), specs.failures.begin(), specs.failures.end());
  std::vector<const Spectrogram*> ok;
  std::vector<int> ok_truth;
  for (size_t i = 0; i < paths.size(); ++i)
    if (specs.spectrograms[i]) ok.push_back(&*specs.spectrograms[i]), ok_truth.push_back(truth[i]);
  if (ok.empty()) throw Error(ExitCode::bad_data, "no clip of the data set could be evaluated");

  std::vector<std::vector<int>> confusion(labels.size(), std::vector<int>(labels.size(), 0));
  std::vector<std::vector<float>> embeddings;
  double loss = 0;
  constexpr size_t chunk = 32;  // clips per batch: bounded memory, shared forward passes
  for (size_t at = 0; at < ok.size(); at += chunk) {
    const size_t n = std::min(ok.size(), at + chunk) - at;
    auto analyses = embedder.analyze_batch(std::span(ok).subspan(at, n));
    for (size_t i = 0; i < n; ++i) {
      const auto& p = analyses[i].probabilities;
      const int t = ok_truth[at + i];
      const int pred = int(std::max_element(p.begin(), p.end()) - p.begin());
      ++confusion[size_t(t)][size_t(pred)];
      loss -= std::log(std::max(p[size_t(t)], 1e-12f));
      embeddings.push_back(std::move(analyses[i].embedding));
    }
  }
  r.report = report_from_confusion(std::move(confusion), labels);
  r.report.loss = loss / double(ok.size());
  const PrecisionAtK p10 = precision_at_k(embeddings, ok_truth, 10);
  r.report.p_at_10 = p10.plain;
  r.report.p_at_10_capped = p10.capped;
  return r;
}

}  // namespace soundalike::model

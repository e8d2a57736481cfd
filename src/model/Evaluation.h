#pragma once
// Evaluating a trained model on a labeled data set (all of it is test data here). Torch-free.
#include <string>
#include <vector>

#include "model/Dataset.h"
#include "model/Embedder.h"
#include "model/Metrics.h"

namespace soundalike::model {

struct EvaluationResult {
  ClassificationReport report;
  std::vector<std::string> failures;  // unreadable files and clips whose label the model does not know
};

// Clips whose label is not among the model's labels are skipped and listed in failures. Throws
// Error(bad_data) when no clip is left to evaluate.
EvaluationResult evaluate_model(const Embedder& embedder, const Dataset& data, SpectrogramJob job);

}  // namespace soundalike::model

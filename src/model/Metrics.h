#pragma once
// Classification metrics, as the paper reports them (loss, accuracy, precision, recall) plus F1 and the
// confusion matrix, and the report that also carries the retrieval P@10 of the clips' embeddings (computed
// by retrieval/PrecisionAtK.h). Torch-free.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace soundalike::model {

struct ClassMetrics {
  std::string label;
  double precision = 0, recall = 0, f1 = 0;
  int support = 0;  // clips whose true label this is
};

struct ClassificationReport {
  std::vector<std::string> labels;
  std::vector<std::vector<int>> confusion;  // [true][predicted]
  std::vector<ClassMetrics> per_class;
  int clips = 0;
  double loss = 0;       // mean cross-entropy per clip (natural log)
  double accuracy = 0;
  double precision = 0;  // macro averages over labels; a label never predicted has precision 0
  double recall = 0;
  double f1 = 0;
  // Retrieval precision@10 over the clips' embeddings, in both definitions of retrieval/PrecisionAtK.h:
  double p_at_10 = 0;         // musly-eval's: the share of same-label clips among the 10 nearest
  double p_at_10_capped = 0;  // divided by min(10, other clips with that label) instead of 10
};

// Fills accuracy, per-class and macro precision/recall/F1 from the confusion matrix. Labels with no
// clips (support 0) are left out of the macro averages, as scikit-learn does with labels=present.
ClassificationReport report_from_confusion(std::vector<std::vector<int>> confusion, std::vector<std::string> labels);

nlohmann::json to_json(const ClassificationReport& r);
// A fixed-width text table: the confusion matrix and the per-class figures.
std::string format_report(const ClassificationReport& r);

// One epoch of training, for the curves.
struct EpochStats {
  int epoch = 0;
  double train_loss = 0, train_accuracy = 0;
  double val_loss = 0, val_accuracy = 0;
  double learning_rate = 0;
  double seconds = 0;
};
nlohmann::json to_json(const std::vector<EpochStats>& history);

// PNGs: the confusion matrix as a heat map with counts, and loss/accuracy curves per epoch.
void write_confusion_png(const std::filesystem::path& path, const ClassificationReport& r);
void write_curves_png(const std::filesystem::path& path, const std::vector<EpochStats>& history);

}  // namespace soundalike::model

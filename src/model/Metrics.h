#pragma once
// Classification and retrieval metrics, as the paper reports them (loss, accuracy, precision, recall)
// plus F1, the confusion matrix and retrieval precision@k. Torch-free.
#include <filesystem>
#include <span>
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
  double p_at_10 = 0;    // retrieval precision@10 over the clips' embeddings, capped (see precision_at_k)
  double p_at_10_uncapped = 0;  // the plain share of same-label clips among the 10 nearest
};

// Fills accuracy, per-class and macro precision/recall/F1 from the confusion matrix. Labels with no
// clips (support 0) are left out of the macro averages, as scikit-learn does with labels=present.
ClassificationReport report_from_confusion(std::vector<std::vector<int>> confusion, std::vector<std::string> labels);

// For each item: how many of its k nearest other items (L2 distance) have its label, averaged over all
// items. k shrinks to n - 1 when there are fewer items. Uncapped, that count is divided by k; capped, by
// min(k, other items with that label), so that a perfect embedding scores 1 even when a label has
// fewer than k other items (a 20 % test split of 40 clips per label leaves 7 same-label neighbours, and
// the uncapped figure could not exceed 0.7).
double precision_at_k(const std::vector<std::vector<float>>& embeddings, std::span<const int> labels, int k,
                      bool capped = true);

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

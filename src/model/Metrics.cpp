#include "model/Metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "common/Error.h"
#include "common/Image.h"

namespace soundalike::model {

ClassificationReport report_from_confusion(std::vector<std::vector<int>> confusion, std::vector<std::string> labels) {
  const size_t n = labels.size();
  if (confusion.size() != n) throw Error(ExitCode::internal, "confusion matrix does not match the labels");
  ClassificationReport r;
  r.labels = std::move(labels);
  r.confusion = std::move(confusion);
  std::vector<long> row(n, 0), col(n, 0);
  long total = 0, correct = 0;
  for (size_t t = 0; t < n; ++t) {
    if (r.confusion[t].size() != n) throw Error(ExitCode::internal, "confusion matrix is not square");
    for (size_t p = 0; p < n; ++p) {
      row[t] += r.confusion[t][p];
      col[p] += r.confusion[t][p];
      total += r.confusion[t][p];
    }
    correct += r.confusion[t][t];
  }
  r.clips = int(total);
  r.accuracy = total ? double(correct) / double(total) : 0.0;
  int present = 0;
  for (size_t c = 0; c < n; ++c) {
    ClassMetrics m;
    m.label = r.labels[c];
    m.support = int(row[c]);
    const double tp = r.confusion[c][c];
    m.precision = col[c] ? tp / double(col[c]) : 0.0;
    m.recall = row[c] ? tp / double(row[c]) : 0.0;
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
    if (m.support > 0) {
      ++present;
      r.precision += m.precision;
      r.recall += m.recall;
      r.f1 += m.f1;
    }
    r.per_class.push_back(m);
  }
  if (present) {
    r.precision /= present;
    r.recall /= present;
    r.f1 /= present;
  }
  return r;
}

nlohmann::json to_json(const ClassificationReport& r) {
  nlohmann::json per = nlohmann::json::array();
  for (const auto& c : r.per_class)
    per.push_back({{"label", c.label}, {"precision", c.precision}, {"recall", c.recall}, {"f1", c.f1}, {"support", c.support}});
  return {{"clips", r.clips},   {"loss", r.loss},     {"accuracy", r.accuracy}, {"precision", r.precision},
          {"recall", r.recall}, {"f1", r.f1},         {"p_at_10", r.p_at_10},   {"p_at_10_capped", r.p_at_10_capped}, {"labels", r.labels},
          {"confusion", r.confusion}, {"per_class", per}};
}

std::string format_report(const ClassificationReport& r) {
  std::string out;
  char buf[256];
  size_t w = 5;
  for (const auto& l : r.labels) w = std::max(w, l.size());
  w = std::min<size_t>(w, 16);
  auto cell = [&](const std::string& s, size_t width) {
    std::string t = s.substr(0, width);
    return std::string(width - t.size(), ' ') + t;
  };
  out += "confusion matrix (rows: true label, columns: predicted)\n";
  out += cell("", w) + " ";
  for (size_t p = 0; p < r.labels.size(); ++p) out += " " + cell(r.labels[p].substr(0, 6), 6);
  out += "\n";
  for (size_t t = 0; t < r.labels.size(); ++t) {
    out += cell(r.labels[t], w) + " ";
    for (int v : r.confusion[t]) out += " " + cell(std::to_string(v), 6);
    out += "\n";
  }
  out += "\n" + cell("label", w) + "  precision  recall      f1  support\n";
  for (const auto& c : r.per_class) {
    std::snprintf(buf, sizeof buf, "  %9.3f %7.3f %7.3f %8d\n", c.precision, c.recall, c.f1, c.support);
    out += cell(c.label, w) + buf;
  }
  std::snprintf(buf, sizeof buf, "  %9.3f %7.3f %7.3f %8d\n", r.precision, r.recall, r.f1, r.clips);
  out += cell("macro", w) + buf;
  std::snprintf(buf, sizeof buf, "loss %.4f  accuracy %.4f  precision %.4f  recall %.4f  f1 %.4f  P@10 %.4f (capped %.4f)\n", r.loss,
                r.accuracy, r.precision, r.recall, r.f1, r.p_at_10, r.p_at_10_capped);
  out += buf;
  return out;
}

nlohmann::json to_json(const std::vector<EpochStats>& history) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& e : history)
    a.push_back({{"epoch", e.epoch},
                 {"train_loss", e.train_loss},
                 {"train_accuracy", e.train_accuracy},
                 {"val_loss", e.val_loss},
                 {"val_accuracy", e.val_accuracy},
                 {"learning_rate", e.learning_rate},
                 {"seconds", e.seconds}});
  return a;
}

void write_confusion_png(const std::filesystem::path& path, const ClassificationReport& r) {
  const int n = int(r.labels.size());
  const int cellpx = 36, left = 110, top = 40;
  RgbImage img(left + n * cellpx + 20, top + n * cellpx + 90, Rgb{255, 255, 255});
  img.text(8, 8, "CONFUSION MATRIX: ROWS TRUE, COLUMNS PREDICTED", Rgb{0, 0, 0});
  for (int t = 0; t < n; ++t) {
    int row = 0;
    for (int v : r.confusion[size_t(t)]) row += v;
    for (int p = 0; p < n; ++p) {
      const int v = r.confusion[size_t(t)][size_t(p)];
      const float share = row ? float(v) / float(row) : 0.0f;
      const Rgb c = colormap(Palette::viridis, share);
      img.fill_rect(left + p * cellpx, top + t * cellpx, cellpx - 1, cellpx - 1, c);
      img.text(left + p * cellpx + 4, top + t * cellpx + 14, std::to_string(v),
               share > 0.6f ? Rgb{0, 0, 0} : Rgb{255, 255, 255});
    }
    img.text(4, top + t * cellpx + 14, r.labels[size_t(t)].substr(0, 16), Rgb{0, 0, 0});
  }
  for (int p = 0; p < n; ++p)  // column labels, staggered so that neighbours do not overlap
    img.text(left + p * cellpx, top + n * cellpx + 6 + (p % 3) * 12, r.labels[size_t(p)].substr(0, 8), Rgb{0, 0, 0});
  char buf[128];
  std::snprintf(buf, sizeof buf, "ACCURACY %.3f  F1 %.3f", r.accuracy, r.f1);
  img.text(8, top + n * cellpx + 50, buf, Rgb{0, 0, 0});
  std::snprintf(buf, sizeof buf, "P10 %.3f  CAPPED %.3f", r.p_at_10, r.p_at_10_capped);
  img.text(8, top + n * cellpx + 64, buf, Rgb{0, 0, 0});
  write_png(path, img);
}

void write_curves_png(const std::filesystem::path& path, const std::vector<EpochStats>& h) {
  const int pw = 360, ph = 220, margin = 40;
  RgbImage img(2 * pw + 3 * margin, ph + 2 * margin + 30, Rgb{255, 255, 255});
  const Rgb train{31, 119, 180}, val{255, 127, 14}, axis{0, 0, 0};
  auto panel = [&](int x0, const char* title, auto get_train, auto get_val, double lo, double hi) {
    const int y0 = margin;
    img.line(x0, y0 + ph, x0 + pw, y0 + ph, axis);
    img.line(x0, y0, x0, y0 + ph, axis);
    img.text(x0, y0 - 16, title, axis);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", hi);
    img.text(x0 - 36, y0, buf, axis);
    std::snprintf(buf, sizeof buf, "%.2f", lo);
    img.text(x0 - 36, y0 + ph - 8, buf, axis);
    if (h.empty() || hi <= lo) return;
    auto px = [&](size_t i) { return x0 + (h.size() == 1 ? pw / 2 : int(double(i) * pw / double(h.size() - 1))); };
    auto py = [&](double v) { return y0 + ph - int(std::clamp((v - lo) / (hi - lo), 0.0, 1.0) * ph); };
    for (size_t i = 0; i + 1 < h.size(); ++i) {
      img.line(px(i), py(get_train(h[i])), px(i + 1), py(get_train(h[i + 1])), train);
      img.line(px(i), py(get_val(h[i])), px(i + 1), py(get_val(h[i + 1])), val);
    }
    for (size_t i = 0; i < h.size(); ++i) {
      img.fill_rect(px(i) - 1, py(get_train(h[i])) - 1, 3, 3, train);
      img.fill_rect(px(i) - 1, py(get_val(h[i])) - 1, 3, 3, val);
    }
  };
  double max_loss = 0.1;
  for (const auto& e : h) max_loss = std::max({max_loss, e.train_loss, e.val_loss});
  panel(margin, "LOSS", [](const EpochStats& e) { return e.train_loss; }, [](const EpochStats& e) { return e.val_loss; },
        0.0, max_loss);
  panel(2 * margin + pw, "ACCURACY", [](const EpochStats& e) { return e.train_accuracy; },
        [](const EpochStats& e) { return e.val_accuracy; }, 0.0, 1.0);
  const int ly = ph + margin + 16;
  img.fill_rect(margin, ly, 12, 6, train);
  img.text(margin + 16, ly, "TRAIN", axis);
  img.fill_rect(margin + 80, ly, 12, 6, val);
  img.text(margin + 96, ly, "VALIDATION", axis);
  img.text(margin + 200, ly, "X: EPOCH 1.." + std::to_string(h.size()), axis);
  write_png(path, img);
}

}  // namespace soundalike::model

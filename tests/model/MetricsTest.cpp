#include <gtest/gtest.h>

#include <cmath>

#include "common/Error.h"
#include "model/Metrics.h"
#include "model/Windows.h"
#include "support/TestSupport.h"

namespace soundalike::model {
namespace {

TEST(Metrics, HandComputedConfusion) {
  // rows true, columns predicted
  //        a  b  c
  //   a    5  1  0
  //   b    2  3  1
  //   c    0  0  4
  auto r = report_from_confusion({{5, 1, 0}, {2, 3, 1}, {0, 0, 4}}, {"a", "b", "c"});
  EXPECT_EQ(r.clips, 16);
  EXPECT_DOUBLE_EQ(r.accuracy, 12.0 / 16.0);
  EXPECT_DOUBLE_EQ(r.per_class[0].precision, 5.0 / 7.0);
  EXPECT_DOUBLE_EQ(r.per_class[0].recall, 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(r.per_class[1].precision, 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(r.per_class[1].recall, 3.0 / 6.0);
  EXPECT_DOUBLE_EQ(r.per_class[2].precision, 4.0 / 5.0);
  EXPECT_DOUBLE_EQ(r.per_class[2].recall, 1.0);
  const double f1a = 2 * (5.0 / 7) * (5.0 / 6) / (5.0 / 7 + 5.0 / 6);
  EXPECT_DOUBLE_EQ(r.per_class[0].f1, f1a);
  EXPECT_NEAR(r.precision, (5.0 / 7 + 3.0 / 4 + 4.0 / 5) / 3, 1e-12);
  EXPECT_NEAR(r.recall, (5.0 / 6 + 3.0 / 6 + 1.0) / 3, 1e-12);
  EXPECT_EQ(r.per_class[1].support, 6);
}

TEST(Metrics, NeverPredictedLabelHasZeroPrecision) {
  auto r = report_from_confusion({{2, 0}, {2, 0}}, {"x", "y"});
  EXPECT_DOUBLE_EQ(r.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(r.per_class[1].precision, 0.0);
  EXPECT_DOUBLE_EQ(r.per_class[1].f1, 0.0);
  EXPECT_DOUBLE_EQ(r.precision, 0.25);
  EXPECT_DOUBLE_EQ(r.recall, 0.5);
}

TEST(Metrics, JsonHasTheDocumentedKeys) {
  auto r = report_from_confusion({{1, 0}, {0, 1}}, {"a", "b"});
  auto j = to_json(r);
  for (const char* k : {"accuracy", "precision", "recall", "f1", "loss", "p_at_10", "p_at_10_capped", "confusion"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["confusion"][1][1], 1);
  EXPECT_NE(format_report(r).find("confusion"), std::string::npos);
}

TEST(Metrics, PngsAreWritten) {
  test::TempDir dir;
  auto r = report_from_confusion({{3, 1}, {0, 4}}, {"rock", "jazz"});
  write_confusion_png(dir / "c.png", r);
  std::vector<EpochStats> h = {{1, 1.2, 0.4, 1.3, 0.3, 1e-3, 1}, {2, 0.8, 0.7, 0.9, 0.6, 5e-4, 1}};
  write_curves_png(dir / "curves.png", h);
  EXPECT_GT(std::filesystem::file_size(dir / "c.png"), 100u);
  EXPECT_GT(std::filesystem::file_size(dir / "curves.png"), 100u);
}

TEST(Windows, StartsSpreadAcrossTheClip) {
  EXPECT_EQ(window_starts(1292, 128, 10), (std::vector<int>{0, 129, 259, 388, 517, 647, 776, 905, 1035, 1164}));
  EXPECT_EQ(window_starts(100, 128, 10), (std::vector<int>{0}));
  EXPECT_EQ(window_starts(300, 128, 10), (std::vector<int>{0, 86, 172}));
  EXPECT_EQ(window_starts(1292, 128, 1), (std::vector<int>{582}));
}

TEST(Windows, HopGivesHalfOverlappingWindowsUpToTheCap) {
  ModelMetadata m;
  m.window_frames = 128;
  m.window_hop = 64;
  m.eval_windows = 32;
  EXPECT_EQ(clip_window_starts(300, m), (std::vector<int>{0, 64, 128}));
  EXPECT_EQ(clip_window_starts(100, m), (std::vector<int>{0}));
  EXPECT_EQ(clip_window_starts(1292, m).size(), 19u);  // a 30 s clip at hop 512
  m.eval_windows = 4;                                  // more hops than allowed: spread instead
  EXPECT_EQ(clip_window_starts(1292, m), window_starts(1292, 128, 4));
  m.window_hop = 0;
  EXPECT_EQ(clip_window_starts(1292, m), window_starts(1292, 128, 4));
}

TEST(Windows, GlobalNormalisationIsOneMeanAndDeviation) {
  Spectrogram s;
  s.n_mels = 2;
  s.n_frames = 2;
  s.data = {0, 2, 4, 6};
  std::vector<const Spectrogram*> all = {&s};
  auto n = compute_normalization(all, 2, true);
  EXPECT_FLOAT_EQ(n.mean[0], 3.0f);
  EXPECT_FLOAT_EQ(n.mean[1], 3.0f);
  EXPECT_FLOAT_EQ(n.std[0], std::sqrt(5.0f));
  EXPECT_FLOAT_EQ(n.std[1], std::sqrt(5.0f));
}

TEST(Windows, NormalisesPerBandAndPadsWithTheFloor) {
  Spectrogram s;
  s.n_mels = 2;
  s.n_frames = 3;
  s.data = {-10, -20, -30, 0, -80, -40};
  std::vector<const Spectrogram*> all = {&s};
  auto n = compute_normalization(all, 2);
  EXPECT_FLOAT_EQ(n.mean[0], -20.0f);
  EXPECT_FLOAT_EQ(n.mean[1], -40.0f);
  std::vector<float> w(2 * 4);
  copy_window(s, 1, 4, n, w);
  const float sd0 = n.std[0];
  EXPECT_FLOAT_EQ(w[0], 0.0f);                      // -20 is band 0's mean
  EXPECT_FLOAT_EQ(w[1], (-30.0f + 20.0f) / sd0);
  EXPECT_FLOAT_EQ(w[2], (-80.0f + 20.0f) / sd0);    // past the end: the clip's floor, -80
}

}  // namespace
}  // namespace soundalike::model

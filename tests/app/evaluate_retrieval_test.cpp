// evaluate-retrieval through the real CLI on generated styles with known labels.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "app/GeneratedStyles.h"
#include "search/FusedSongIndex.h"
#include "support/TestSupport.h"

using namespace soundalike;
namespace fs = std::filesystem;

namespace {

void make_tree(const fs::path& dir, int per_style) { test::write_style_tree(dir, per_style); }

nlohmann::json scores(const fs::path& dir, const std::string& extra) {
  const auto r = test::run_cli("evaluate-retrieval " + test::quote(dir.string()) + " --json " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(EvaluateRetrieval, MfccFindsTheSameStyleFarAboveRandom) {
  test::TempDir dir;
  make_tree(dir / "data", 5);
  const auto mfcc = scores(dir / "data", "--features mfcc");
  EXPECT_EQ(mfcc.at("items"), 20);
  EXPECT_EQ(mfcc.at("labels"), 4);
  EXPECT_EQ(mfcc.at("kind"), "mfcc-v1");
  EXPECT_GE(mfcc.at("p_at_1").get<double>(), 0.8);
  EXPECT_GT(mfcc.at("files_per_second").get<double>(), 0.0);
  const auto random = scores(dir / "data", "--features random");
  EXPECT_LT(random.at("p_at_1").get<double>(), mfcc.at("p_at_1").get<double>() - 0.3);
  // P@10 with 4 same-style songs among 19 others: at most 4 of the 10 are relevant.
  EXPECT_LE(mfcc.at("p_at_10").get<double>(), 0.4 + 1e-9);
  EXPECT_GE(mfcc.at("p_at_10").get<double>(), 0.3);
  EXPECT_GT(mfcc.at("r_precision").get<double>(), random.at("r_precision").get<double>() + 0.3);
  const auto mp = scores(dir / "data", "--features mfcc --normalize mp --metric cosine");
  EXPECT_EQ(mp.at("normalize"), "mp");
  EXPECT_GE(mp.at("p_at_1").get<double>(), 0.7);
}

// Issue 14: evaluate-retrieval with no options scores exactly what `index` + `similar` rank by with no
// options (feature kind, normalisation, fusion and its weight). Every song of a small labelled library
// is queried with `similar -k 1`; the share whose nearest song has its label must be the P@1 that
// evaluate-retrieval reports for the same files (songs shorter than the 30 s clip are read whole by
// both, and with fewer songs than the MP sample the statistics are the same).
TEST(EvaluateRetrieval, DefaultScoresWhatIndexAndSimilarRankBy) {
  test::TempDir dir;
  make_tree(dir / "data", 3);
  const auto eval = scores(dir / "data", "");
  EXPECT_EQ(eval.at("features"), "default");
  EXPECT_EQ(eval.at("normalize"), "mp");
  const std::string kind = eval.at("kind").get<std::string>();
  EXPECT_EQ(kind.rfind("fusion:", 0), 0u) << kind;  // the shipped model is in the source tree
  EXPECT_DOUBLE_EQ(eval.at("fusion_weight").get<double>(), kDefaultRhythmFusionWeight);
  ASSERT_EQ(eval.at("parts").size(), 3u);  // the CNN, timbre and rhythm (session 11)
  EXPECT_EQ(eval.at("parts").at(1).at("kind"), "timbre-v2");
  EXPECT_EQ(eval.at("parts").at(2).at("kind"), "rhythm-v1");
  double weights = 0;
  for (const auto& p : eval.at("parts")) weights += p.at("weight").get<double>();
  EXPECT_NEAR(weights, 1.0, 1e-9);

  const auto db = (dir / "lib.db").string();
  const auto indexed = test::run_cli("index " + test::quote((dir / "data").string()) + " --db " + test::quote(db));
  ASSERT_EQ(indexed.exit_code, 0) << indexed.err;
  int hits = 0, songs = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "data")) {
    if (!entry.is_regular_file()) continue;
    const auto r = test::run_cli("similar " + test::quote(entry.path().string()) + " --db " + test::quote(db) + " -k 1 --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("query").at("kind"), kind);
    EXPECT_EQ(j.at("query").at("normalize"), "mp");
    const fs::path nearest = j.at("results").at(0).at("path").get<std::string>();
    hits += nearest.parent_path().filename() == entry.path().parent_path().filename();
    ++songs;
  }
  ASSERT_EQ(songs, 12);
  EXPECT_DOUBLE_EQ(eval.at("p_at_1").get<double>(), double(hits) / songs);
}

TEST(EvaluateRetrieval, BadFilesAreSkippedAndListed) {
  test::TempDir dir;
  make_tree(dir / "data", 3);
  {
    std::ofstream f(dir / "data" / test::style_name(0) / "broken.wav");
    f << "RIFF but not really";
  }
  const auto r = test::run_cli("evaluate-retrieval " + test::quote((dir / "data").string()) + " --features mfcc --json");
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find("broken.wav"), std::string::npos) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("items"), 12);
  const auto missing = test::run_cli("evaluate-retrieval " + test::quote((dir / "nope").string()));
  EXPECT_NE(missing.exit_code, 0);
}

}  // namespace

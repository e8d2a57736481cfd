// evaluate-retrieval through the real CLI on generated styles with known labels.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "app/GeneratedStyles.h"
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

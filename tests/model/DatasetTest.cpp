#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "common/Error.h"
#include "model/Dataset.h"
#include "model/GeneratedAudio.h"
#include "support/TestSupport.h"

namespace soundalike::model {
namespace {

Dataset synthetic(int labels, int per_label, bool groups) {
  Dataset d;
  for (int l = 0; l < labels; ++l) {
    d.labels.push_back("l" + std::to_string(l));
    for (int c = 0; c < per_label; ++c)
      d.clips.push_back({"f" + std::to_string(l) + "_" + std::to_string(c), "l" + std::to_string(l),
                         groups ? "artist" + std::to_string(l) + "_" + std::to_string(c / 3) : ""});
  }
  return d;
}

TEST(Dataset, StratifiedSeededSplit) {
  const Dataset d = synthetic(4, 40, false);
  const Split s = split_dataset(d, 0.2, 0.1, 42);
  EXPECT_EQ(s.test.size(), 4u * 8u);
  EXPECT_EQ(s.validation.size(), 4u * 3u);  // round(32 * 0.1) per label
  EXPECT_EQ(s.train.size() + s.validation.size() + s.test.size(), d.clips.size());
  for (int l = 0; l < 4; ++l) {
    int n = 0;
    for (size_t i : s.test) n += d.clips[i].label == d.labels[size_t(l)];
    EXPECT_EQ(n, 8);
  }
  std::set<size_t> all(s.train.begin(), s.train.end());
  all.insert(s.validation.begin(), s.validation.end());
  all.insert(s.test.begin(), s.test.end());
  EXPECT_EQ(all.size(), d.clips.size());
  EXPECT_EQ(split_dataset(d, 0.2, 0.1, 42).test, s.test);
  EXPECT_NE(split_dataset(d, 0.2, 0.1, 43).test, s.test);
}

TEST(Dataset, GroupsNeverStraddleTheSplit) {
  const Dataset d = synthetic(3, 30, true);
  const Split s = split_dataset(d, 0.2, 0.1, 1);
  std::set<std::string> train_groups, other_groups;
  for (size_t i : s.train) train_groups.insert(d.clips[i].group);
  for (size_t i : s.test) other_groups.insert(d.clips[i].group);
  for (size_t i : s.validation) other_groups.insert(d.clips[i].group);
  for (const auto& g : other_groups) EXPECT_FALSE(train_groups.count(g)) << g;
  EXPECT_FALSE(s.test.empty());
}

TEST(Dataset, FolderTreeAndCsvManifest) {
  test::TempDir dir;
  test::write_generated_corpus(dir / "data", 2, 3, 0.5);
  std::ofstream(dir / "data" / "noise" / "readme.txt") << "not audio, ignored by extension";
  const Dataset d = load_dataset(dir / "data");
  EXPECT_EQ(d.labels, (std::vector<std::string>{"chirps", "noise"}));
  EXPECT_EQ(d.clips.size(), 6u);
  EXPECT_EQ(d.label_index("noise"), 1);

  std::ofstream(dir / "m.csv") << "path,label,artist\ndata/chirps/chirps.00000.wav,x,A\n"
                                  "data/noise/noise.00001.wav,y,B\n\"data/noise/noise.00002.wav\",y,B\n";
  DatasetOptions o;
  o.group_column = "artist";
  const Dataset c = load_dataset(dir / "m.csv", o);
  ASSERT_EQ(c.clips.size(), 3u);
  EXPECT_EQ(c.clips[2].group, "B");
  EXPECT_TRUE(std::filesystem::exists(c.clips[2].path));
  o.group_column = "nope";
  EXPECT_THROW(load_dataset(dir / "m.csv", o), InputError);
  try {
    load_dataset(dir / "data" / "chirps");  // a folder of files, no label folders
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), ExitCode::bad_data);
  }
}

TEST(Dataset, BadFilesAreSkippedAndTheCacheIsReused) {
  test::TempDir dir;
  test::write_generated_corpus(dir / "data", 1, 3, 1.0);
  std::ofstream(dir / "data" / "chirps" / "broken.wav") << "RIFF....WAVEnot really";
  const Dataset d = load_dataset(dir / "data");
  std::vector<std::filesystem::path> paths;
  for (const auto& c : d.clips) paths.push_back(c.path);
  SpectrogramJob job;
  job.cache_dir = dir / "cache";
  job.progress = false;
  job.jobs = 2;
  auto first = compute_spectrograms(paths, job);
  ASSERT_EQ(first.failures.size(), 1u);
  EXPECT_NE(first.failures[0].find("broken.wav"), std::string::npos);
  EXPECT_EQ(first.from_cache, 0u);
  auto second = compute_spectrograms(paths, job);
  EXPECT_EQ(second.from_cache, 3u);
  for (size_t i = 0; i < paths.size(); ++i) {
    ASSERT_EQ(bool(first.spectrograms[i]), bool(second.spectrograms[i]));
    if (first.spectrograms[i]) EXPECT_EQ(first.spectrograms[i]->data, second.spectrograms[i]->data);
  }
  job.config.n_mels = 64;  // other settings: other cache entries
  EXPECT_EQ(compute_spectrograms(paths, job).from_cache, 0u);
}

}  // namespace
}  // namespace soundalike::model

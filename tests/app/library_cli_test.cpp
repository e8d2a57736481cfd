// End-to-end tests of index / similar / path / map / stats through the real CLI on generated libraries.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "app/GeneratedStyles.h"
#include "library/LibraryDb.h"
#include "support/TestSupport.h"

using namespace soundalike;
namespace fs = std::filesystem;

namespace {

constexpr int kRate = 22050;

// DIR/<style>/<style>NN.wav, `per_style` songs of `seconds` each.
void make_library(const fs::path& dir, int per_style, double seconds) {
  for (int s = 0; s < test::kStyleCount; ++s) {
    fs::create_directories(dir / test::style_name(s));
    for (int i = 0; i < per_style; ++i) {
      char name[64];
      std::snprintf(name, sizeof name, "%s%02d.wav", test::style_name(s), i);
      test::write_wav(dir / test::style_name(s) / name, test::generate_style(s, uint32_t(i + 1), seconds, kRate), kRate);
    }
  }
}

std::string style_of(const std::string& path) { return fs::path(path).parent_path().filename().string(); }

// These tests are about the library's mechanics, with MFCC statistics (fast; the expectations are
// MFCC's): without a feature choice the shipped default model would stand in.
test::CommandResult index_dir(const fs::path& dir, const fs::path& db, const std::string& extra = "") {
  const bool chosen = extra.find("--model") != std::string::npos || extra.find("--features") != std::string::npos;
  return test::run_cli("index " + test::quote(dir.string()) + " --db " + test::quote(db.string()) + " " + extra +
                       (chosen ? "" : " --features mfcc"));
}

// The "N indexed, M unchanged, F failed" numbers of the index summary line.
struct Counts {
  int indexed = -1, unchanged = -1, failed = -1, pruned = 0;
};
Counts counts(const std::string& out) {
  Counts c;
  auto num = [&](const std::string& word) {
    const auto pos = out.find(" " + word);
    if (pos == std::string::npos) return -1;
    auto start = out.rfind(' ', pos - 1);
    return std::stoi(out.substr(start + 1, pos - start - 1));
  };
  c.indexed = num("indexed");
  c.unchanged = num("unchanged");
  c.failed = num("failed");
  const int p = num("pruned");
  c.pruned = p < 0 ? 0 : p;
  return c;
}

class LibraryCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    make_library(*dir_ / "lib", 12, 4.0);
    const auto r = index_dir(*dir_ / "lib", *dir_ / "lib.db", "--jobs 2");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static fs::path db() { return *dir_ / "lib.db"; }
  static fs::path lib() { return *dir_ / "lib"; }
  static test::TempDir* dir_;
};
test::TempDir* LibraryCli::dir_ = nullptr;

nlohmann::json similar_json(const fs::path& db, const std::string& query, const std::string& extra = "") {
  const auto r = test::run_cli("similar " + test::quote(query) + " --db " + test::quote(db.string()) + " --json " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
}

}  // namespace

TEST_F(LibraryCli, SimilarReturnsKSortedWithoutQueryAndSameStyleDominates) {
  LibraryDb library(db(), LibraryDb::Mode::read_only);
  const auto tracks = library.tracks();
  ASSERT_EQ(tracks.size(), 48u);
  double precision_sum = 0;
  int queries = 0;
  for (size_t i = 0; i < tracks.size(); i += 2) {  // every other track keeps the test quick
    const auto j = similar_json(db(), std::to_string(tracks[i].id), "-k 10");
    const auto& results = j.at("results");
    ASSERT_EQ(results.size(), 10u);
    int same = 0;
    double last = -1;
    for (const auto& r : results) {
      EXPECT_NE(r.at("id").get<int64_t>(), tracks[i].id) << "the query came back";
      EXPECT_GE(r.at("distance").get<double>(), last);
      last = r.at("distance").get<double>();
      same += style_of(r.at("path")) == style_of(tracks[i].path);
    }
    precision_sum += same / 10.0;
    ++queries;
  }
  const double p_at_10 = precision_sum / queries;
  std::printf("P@10 over %d queries: %.3f\n", queries, p_at_10);
  EXPECT_GE(p_at_10, 0.7);
}

TEST_F(LibraryCli, JsonShape) {
  const fs::path q = lib() / "organ" / "organ03.wav";
  const auto j = similar_json(db(), q.string(), "-k 5 --metric cosine");
  ASSERT_TRUE(j.contains("query"));
  ASSERT_TRUE(j.at("query").is_object());
  EXPECT_EQ(j.at("query").at("path"), fs::weakly_canonical(q).string());
  ASSERT_TRUE(j.at("results").is_array());
  ASSERT_EQ(j.at("results").size(), 5u);
  int rank = 1;
  for (const auto& r : j.at("results")) {
    for (const char* key : {"rank", "id", "distance", "path", "title", "artist", "bpm", "label"})
      EXPECT_TRUE(r.contains(key)) << key;
    EXPECT_EQ(r.at("rank"), rank++);
    EXPECT_TRUE(r.at("id").is_number_integer());
    EXPECT_TRUE(r.at("distance").is_number());
    EXPECT_TRUE(r.at("bpm").is_number());
    EXPECT_TRUE(fs::exists(r.at("path").get<std::string>()));
    EXPECT_LE(r.at("distance").get<double>(), 2.0);  // cosine distance
  }
}

TEST_F(LibraryCli, OutsideFileDuplicateAndSeveralQueries) {
  test::TempDir tmp;
  // A byte-identical copy outside the library: same content hash, so the library original is excluded.
  const fs::path copy = tmp / "copy.wav";
  fs::copy_file(lib() / "pluck" / "pluck04.wav", copy);
  const auto j = similar_json(db(), copy.string(), "-k 10");
  EXPECT_TRUE(j.at("query").at("id").is_null());
  for (const auto& r : j.at("results")) EXPECT_NE(fs::path(r.at("path").get<std::string>()).filename(), "pluck04.wav");
  EXPECT_EQ(style_of(j.at("results").at(0).at("path")), "pluck");
  // Two seeds: neither comes back; the centroid of two bass songs finds bass songs.
  const auto a = (lib() / "bass" / "bass01.wav").string(), b = (lib() / "bass" / "bass02.wav").string();
  const auto r = test::run_cli("similar " + test::quote(a) + " " + test::quote(b) + " --db " + test::quote(db().string()) + " --json -k 5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto both = nlohmann::json::parse(r.out);
  ASSERT_EQ(both.at("results").size(), 5u);
  for (const auto& x : both.at("results")) {
    EXPECT_NE(x.at("path"), fs::weakly_canonical(a).string());
    EXPECT_NE(x.at("path"), fs::weakly_canonical(b).string());
    EXPECT_EQ(style_of(x.at("path")), "bass");
  }
}

TEST_F(LibraryCli, M3uIsValid) {
  test::TempDir tmp;
  const fs::path m3u = tmp / "out.m3u";
  const auto r = test::run_cli("similar " + test::quote((lib() / "hats" / "hats00.wav").string()) + " --db " +
                               test::quote(db().string()) + " -k 7 --m3u " + test::quote(m3u.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream f(m3u);
  std::string line;
  ASSERT_TRUE(std::getline(f, line));
  EXPECT_EQ(line, "#EXTM3U");
  int entries = 0;
  while (std::getline(f, line)) {
    ASSERT_EQ(line.rfind("#EXTINF:", 0), 0u) << line;
    ASSERT_NE(line.find(','), std::string::npos);
    ASSERT_TRUE(std::getline(f, line));
    EXPECT_TRUE(fs::exists(line)) << line;
    ++entries;
  }
  EXPECT_EQ(entries, 7);
  // The table names the columns the issue asks for.
  EXPECT_NE(r.out.find("distance"), std::string::npos);
  EXPECT_NE(r.out.find("bpm"), std::string::npos);
}

TEST_F(LibraryCli, FiltersBpmAndArtistsAndAnn) {
  LibraryDb library(db(), LibraryDb::Mode::read_only);
  const auto j = similar_json(db(), (lib() / "bass" / "bass05.wav").string(), "-k 10 --bpm 100:145");
  for (const auto& r : j.at("results")) {
    EXPECT_GE(r.at("bpm").get<double>(), 100);
    EXPECT_LE(r.at("bpm").get<double>(), 145);
  }
  const auto ann = similar_json(db(), (lib() / "bass" / "bass05.wav").string(), "-k 10 --ann");
  EXPECT_EQ(ann.at("results").size(), 10u);
  const auto narrow = similar_json(db(), (lib() / "bass" / "bass05.wav").string(), "-k 10 --ann --ef-search 16");
  EXPECT_EQ(narrow.at("results").size(), 10u);
  const auto r = test::run_cli("similar " + test::quote((lib() / "bass" / "bass05.wav").string()) + " --db " +
                               test::quote(db().string()) + " --ann --ef-search 0");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(LibraryCli, PathMovesFromAToBWithoutRepeats) {
  const std::string a = (lib() / "organ" / "organ00.wav").string(), b = (lib() / "bass" / "bass00.wav").string();
  const auto r = test::run_cli("path " + test::quote(a) + " " + test::quote(b) + " --db " + test::quote(db().string()) + " --steps 6 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& rows = j.at("results");
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows.front().at("path"), fs::weakly_canonical(a).string());
  EXPECT_EQ(rows.back().at("path"), fs::weakly_canonical(b).string());
  std::set<std::string> seen;
  for (const auto& x : rows) EXPECT_TRUE(seen.insert(x.at("path")).second) << "repeat " << x.at("path");
  EXPECT_EQ(style_of(rows.at(1).at("path")), "organ");  // starts near A
  EXPECT_EQ(style_of(rows.at(6).at("path")), "bass");   // ends near B
}

TEST_F(LibraryCli, MapAndStats) {
  test::TempDir tmp;
  const fs::path png = tmp / "map.png";
  auto r = test::run_cli("map --db " + test::quote(db().string()) + " -o " + test::quote(png.string()) + " --highlight 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(fs::file_size(png), 2000u);
  r = test::run_cli("stats --db " + test::quote(db().string()) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("tracks"), 48);
  EXPECT_EQ(j.at("kinds").at("mfcc-v1"), 48);
  EXPECT_TRUE(j.at("failures").empty());
}

TEST(LibraryIndexing, IncrementalTouchAndPrune) {
  test::TempDir dir;
  make_library(dir / "lib", 3, 2.0);  // 12 files
  auto r = index_dir(dir / "lib", dir / "lib.db");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(counts(r.out).indexed, 12) << r.out;
  r = index_dir(dir / "lib", dir / "lib.db");
  EXPECT_EQ(counts(r.out).indexed, 0) << r.out;
  EXPECT_EQ(counts(r.out).unchanged, 12) << r.out;
  // Touch one file: exactly that one is analysed again.
  const fs::path touched = dir / "lib" / "hats" / "hats01.wav";
  fs::last_write_time(touched, fs::last_write_time(touched) + std::chrono::seconds(5));
  r = index_dir(dir / "lib", dir / "lib.db");
  EXPECT_EQ(counts(r.out).indexed, 1) << r.out;
  EXPECT_EQ(counts(r.out).unchanged, 11) << r.out;
  // Delete one: without --prune it stays (reported missing), with --prune it goes.
  fs::remove(dir / "lib" / "organ" / "organ02.wav");
  r = index_dir(dir / "lib", dir / "lib.db");
  EXPECT_NE(r.out.find("1 missing"), std::string::npos) << r.out;
  EXPECT_EQ(LibraryDb(dir / "lib.db", LibraryDb::Mode::read_only).track_count(), 12);
  r = index_dir(dir / "lib", dir / "lib.db", "--prune");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(counts(r.out).pruned, 1) << r.out;
  LibraryDb after(dir / "lib.db", LibraryDb::Mode::read_only);
  EXPECT_EQ(after.track_count(), 11);
  EXPECT_FALSE(after.track_by_path(fs::weakly_canonical(dir / "lib" / "organ").string() + "/organ02.wav"));
}

TEST(LibraryIndexing, BadFilesAreListedAndDoNotStopTheRun) {
  test::TempDir dir;
  make_library(dir / "lib", 2, 2.0);  // 8 good files
  const fs::path bad = dir / "lib" / "bad";
  fs::create_directories(bad);
  test::write_wav(dir / "tone.wav", test::sine(440, 5, kRate), kRate);
  test::ffmpeg_convert(dir / "tone.wav", dir / "tone.mp3");
  {
    const std::string bytes = test::read_file(dir / "tone.mp3");
    std::ofstream(bad / "truncated.mp3", std::ios::binary) << bytes.substr(0, bytes.size() / 3);
    std::ofstream(bad / "text.mp3") << "This is a text file, not an MP3.\n";
    std::ofstream(bad / "zero.flac");
  }
  auto r = index_dir(dir / "lib", dir / "lib.db");
  EXPECT_EQ(r.exit_code, 6) << "documented: 6 = some files failed\n" << r.out << r.err;
  const Counts c = counts(r.out);
  EXPECT_EQ(c.indexed, 8) << r.out;
  EXPECT_EQ(c.failed, 3) << r.out;
  for (const char* name : {"truncated.mp3", "text.mp3", "zero.flac"}) EXPECT_NE(r.out.find(name), std::string::npos) << name;
  EXPECT_NE(r.out.find("truncated"), std::string::npos);
  EXPECT_NE(r.out.find("empty file"), std::string::npos);
  // Recorded in the library, listed by stats, not retried while unchanged.
  r = test::run_cli("stats --db " + test::quote((dir / "lib.db").string()));
  EXPECT_NE(r.out.find("failures     3"), std::string::npos) << r.out;
  r = index_dir(dir / "lib", dir / "lib.db");
  EXPECT_EQ(counts(r.out).indexed, 0) << r.out;
  EXPECT_EQ(counts(r.out).failed, 3) << r.out;
}

// `index --json`: stdout is exactly one JSON object with the counts and every failure, for scripts.
TEST(LibraryIndexing, JsonSummaryCountsAndListsFailures) {
  test::TempDir dir;
  make_library(dir / "lib", 1, 1.0);  // 4 good files
  std::ofstream(dir / "lib" / "text.mp3") << "This is a text file, not an MP3.\n";
  const fs::path db = dir / "lib.db";
  auto r = index_dir(dir / "lib", db, "--json");
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;
  EXPECT_EQ(j.at("database"), db.string());
  EXPECT_EQ(j.at("kind"), "mfcc-v1");
  EXPECT_EQ(j.at("found"), 5);
  EXPECT_EQ(j.at("indexed"), 4);
  EXPECT_EQ(j.at("unchanged"), 0);
  EXPECT_EQ(j.at("failed"), 1);
  EXPECT_EQ(j.at("interrupted"), false);
  EXPECT_GE(j.at("elapsed_seconds").get<double>(), 0.0);
  ASSERT_EQ(j.at("failures").size(), 1u);
  EXPECT_EQ(fs::path(j.at("failures")[0].at("path").get<std::string>()).filename(), "text.mp3");
  EXPECT_FALSE(j.at("failures")[0].at("error").get<std::string>().empty());
  EXPECT_NE(j.at("failures")[0].at("exit_code"), 0);
  // Again: nothing new, the earlier failure still listed (not retried while unchanged).
  r = index_dir(dir / "lib", db, "--json");
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;
  EXPECT_EQ(j.at("indexed"), 0);
  EXPECT_EQ(j.at("unchanged"), 4);
  EXPECT_EQ(j.at("failed"), 1);
  EXPECT_EQ(j.at("failed_before"), 1);
}

TEST(LibraryIndexing, KillMinus9ThenRerunIndexesEveryFileOnce) {
  test::TempDir dir;
  make_library(dir / "lib", 10, 12.0);  // 40 files, slow enough to be caught mid-run on one job
  const fs::path db = dir / "lib.db";
  const auto start = test::run_command(std::string(SOUNDALIKE_CLI) + " index " + test::quote((dir / "lib").string()) +
                                       " --db " + test::quote(db.string()) + " --features mfcc --jobs 1 > /dev/null 2>&1 & echo $!");
  const pid_t pid = pid_t(std::stol(start.out));
  int64_t before = 0;
  for (int i = 0; i < 2000 && before < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!fs::exists(db)) continue;
    try {
      before = LibraryDb(db, LibraryDb::Mode::read_only).track_count();
    } catch (const std::exception&) {
    }
  }
  ::kill(pid, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  before = LibraryDb(db, LibraryDb::Mode::read_only).track_count();
  ASSERT_GE(before, 3);
  ASSERT_LT(before, 40) << "indexing finished before the kill; the test needs slower work";
  const auto r = index_dir(dir / "lib", db, "--jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Counts c = counts(r.out);
  EXPECT_EQ(c.unchanged, before) << r.out;
  EXPECT_EQ(c.indexed, 40 - before) << r.out;
  LibraryDb library(db, LibraryDb::Mode::read_only);
  const auto tracks = library.tracks();
  EXPECT_EQ(tracks.size(), 40u);
  std::set<std::string> paths;
  for (const auto& t : tracks) EXPECT_TRUE(paths.insert(t.path).second);
  EXPECT_EQ(library.vectors("mfcc-v1").ids.size(), 40u);
}

TEST(LibraryIndexing, UnusableModelIsAClearError) {
  test::TempDir dir;
  make_library(dir / "lib", 1, 1.0);
  auto r = index_dir(dir / "lib", dir / "lib.db", "--model " + test::quote((dir / "m.model").string()));
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("m.model"), std::string::npos) << r.err;
  {
    std::ofstream f(dir / "junk.model");
    f << "not a model";
  }
  r = index_dir(dir / "lib", dir / "lib.db", "--model " + test::quote((dir / "junk.model").string()));
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("junk.model"), std::string::npos) << r.err;
  r = index_dir(dir / "lib", dir / "lib.db", "--model x --features mfcc");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

// The paper's pipeline end to end through the CLI: train a CNN on labeled songs, index a library with
// its embedding, ask for neighbours; the library remembers which model made its vectors.
TEST(LibraryIndexing, IndexesWithATrainedModel) {
  test::TempDir dir;
  make_library(dir / "train", 4, 4.0);
  make_library(dir / "lib", 2, 4.0);
  const fs::path model = dir / "styles.model";
  auto r = test::run_cli("train " + test::quote((dir / "train").string()) + " --out " + test::quote(model.string()) +
                         " --epochs 2 --no-cache --threads 2 -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = index_dir(dir / "lib", dir / "lib.db", "--model " + test::quote(model.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = test::run_cli("stats --db " + test::quote((dir / "lib.db").string()) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model:"), std::string::npos) << r.out;
  const fs::path query = dir / "lib" / test::style_name(0) / (std::string(test::style_name(0)) + "00.wav");
  r = test::run_cli("similar " + test::quote(query.string()) + " --db " + test::quote((dir / "lib.db").string()) + " --model " +
                    test::quote(model.string()) + " -k 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("results").size(), 3u);
  EXPECT_TRUE(j.at("query").at("kind").get<std::string>().starts_with("model:"));
  // Asking with MFCC features finds no such vectors in this library: a clear usage error.
  r = test::run_cli("similar " + test::quote(query.string()) + " --db " + test::quote((dir / "lib.db").string()) + " --features mfcc");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(LibraryIndexing, CtrlCSavesFinishedFilesAndExits130) {
  test::TempDir dir;
  make_library(dir / "lib", 10, 12.0);  // 40 files
  const fs::path db = dir / "lib.db", out = dir / "out.txt", pidfile = dir / "pid";
  // The subshell records soundalike's own pid and, once it ends, its exit status.
  test::run_command("(" + std::string(SOUNDALIKE_CLI) + " index " + test::quote((dir / "lib").string()) + " --db " +
                    test::quote(db.string()) + " --features mfcc --jobs 1 > " + test::quote(out.string()) + " 2>&1 & echo $! > " +
                    test::quote(pidfile.string()) + "; wait $!; echo \"rc=$?\" >> " + test::quote(out.string()) +
                    ") > /dev/null 2>&1 &");
  int64_t before = 0;
  for (int i = 0; i < 2000 && before < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!fs::exists(db)) continue;
    try {
      before = LibraryDb(db, LibraryDb::Mode::read_only).track_count();
    } catch (const std::exception&) {
    }
  }
  ASSERT_GE(before, 2);
  // SIGINT to the soundalike process itself (the subshell waits for it and records its status).
  const pid_t pid = pid_t(std::stol(test::read_file(pidfile)));
  ASSERT_GT(pid, 0);
  ::kill(pid, SIGINT);
  std::string text;
  for (int i = 0; i < 1000 && text.find("rc=") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    text = test::read_file(out);
  }
  ASSERT_NE(text.find("rc="), std::string::npos) << "index did not stop";
  const int64_t saved = LibraryDb(db, LibraryDb::Mode::read_only).track_count();
  if (saved < 40) {
    EXPECT_NE(text.find("rc=130"), std::string::npos) << text;
    EXPECT_NE(text.find("interrupted"), std::string::npos) << text;
  }
  const auto r = index_dir(dir / "lib", db);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(counts(r.out).unchanged, saved) << r.out;
  EXPECT_EQ(counts(r.out).indexed, 40 - saved) << r.out;
}

TEST(LibraryIndexing, TagsArtistLimitsAndExclusions) {
  test::TempDir dir;
  fs::create_directories(dir / "lib");
  for (int i = 0; i < 8; ++i) {
    const fs::path wav = dir / ("s" + std::to_string(i) + ".wav");
    test::write_wav(wav, test::generate_style(i % 2 == 0 ? 0 : 2, uint32_t(i + 1), 3.0, kRate), kRate);
    const std::string artist = i < 4 ? "Alpha" : "Beta";
    test::ffmpeg_convert(wav, dir / "lib" / ("song" + std::to_string(i) + ".flac"),
                         "-metadata artist=" + artist + " -metadata title=Song" + std::to_string(i) + " -metadata genre=Test");
  }
  auto r = index_dir(dir / "lib", dir / "lib.db");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const fs::path db = dir / "lib.db";
  const std::string query = (dir / "lib" / "song0.flac").string();
  auto j = similar_json(db, query, "-k 7");
  ASSERT_EQ(j.at("results").size(), 7u);
  EXPECT_EQ(j.at("query").at("artist"), "Alpha");
  EXPECT_EQ(j.at("results").at(0).at("label"), "Test");  // no classifier labels: the genre tag
  j = similar_json(db, query, "-k 7 --max-per-artist 1");
  std::map<std::string, int> per_artist;
  for (const auto& x : j.at("results")) ++per_artist[x.at("artist").get<std::string>()];
  EXPECT_EQ(per_artist["Alpha"], 1);
  EXPECT_EQ(per_artist["Beta"], 1);
  EXPECT_EQ(j.at("results").size(), 2u);
  j = similar_json(db, query, "-k 7 --exclude-artist beta");
  EXPECT_EQ(j.at("results").size(), 3u);
  for (const auto& x : j.at("results")) EXPECT_EQ(x.at("artist"), "Alpha");
  r = test::run_cli("similar " + test::quote(query) + " --db " + test::quote(db.string()) + " -k 3");
  EXPECT_NE(r.out.find("Alpha \u2013 Song"), std::string::npos) << r.out;
}

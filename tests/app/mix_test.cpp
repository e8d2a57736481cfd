// The playlist controls (docs/mixes.md) end to end: each one through `similar`/`path` and through the
// HTTP API of `soundalike serve`, over a small tagged library, and the ignore list honoured by both.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <set>

#include "app/GeneratedStyles.h"
#include "app/ServeProcess.h"
#include "support/TestSupport.h"

using namespace soundalike;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int kRate = 22050;
constexpr int kSongs = 20;

// Song i: bass or hats alternately (both with a beat, so a tempo), artist "Artist<i%5>", album
// "Album<i/4>", 3 s long for i < 10 and 4 s after, genre by i%4: Rock, "Hard Rock; Metal", Techno, "House/Electronic".
const char* genre_of(int i) {
  static const char* genres[] = {"Rock", "Hard Rock; Metal", "Techno", "House/Electronic"};
  return genres[i % 4];
}

std::set<std::string> tokens(const std::string& genre) {
  std::set<std::string> out;
  std::string cur;
  for (char c : genre + ";") {
    if (c == ';' || c == '/') {
      while (!cur.empty() && cur.front() == ' ') cur.erase(0, 1);
      if (!cur.empty()) {
        std::transform(cur.begin(), cur.end(), cur.begin(), [](unsigned char x) { return char(std::tolower(x)); });
        out.insert(cur);
      }
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

class Mixes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    fs::create_directories(*dir_ / "lib" / "a");
    fs::create_directories(*dir_ / "lib" / "b");
    for (int i = 0; i < kSongs; ++i) {
      const fs::path wav = *dir_ / ("s" + std::to_string(i) + ".wav");
      test::write_wav(wav, test::generate_style(i % 2 == 0 ? 3 : 1, uint32_t(i + 1), i < 10 ? 3.0 : 4.0, kRate), kRate);
      const std::string meta = " -metadata " + test::quote("artist=Artist" + std::to_string(i % 5)) + " -metadata " +
                               test::quote("album=Album" + std::to_string(i / 4)) + " -metadata " +
                               test::quote("title=Song" + std::to_string(i)) + " -metadata " +
                               test::quote(std::string("genre=") + genre_of(i));
      test::ffmpeg_convert(wav, *dir_ / "lib" / (i < 10 ? "a" : "b") / ("song" + std::to_string(i) + ".flac"), meta);
    }
    const auto r = test::run_cli("index " + test::quote((*dir_ / "lib").string()) + " --db " + test::quote(db().string()) +
                                 " --features mfcc --jobs 2");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::ofstream(*dir_ / "groups.txt") << "# test groups\nguitar = rock, hard rock, metal\ndance = techno, house  # club\n";
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static fs::path db() { return *dir_ / "lib.db"; }
  static fs::path groups() { return *dir_ / "groups.txt"; }
  static std::string song(int i) {
    return fs::weakly_canonical(*dir_ / "lib" / (i < 10 ? "a" : "b") / ("song" + std::to_string(i) + ".flac")).string();
  }
  static int number_of(const json& row) {
    const std::string stem = fs::path(row.at("path").get<std::string>()).stem().string();
    return std::stoi(stem.substr(4));
  }
  static test::CommandResult cli(const std::string& args) { return test::run_cli(args + " --db " + test::quote(db().string())); }
  // `similar SEEDS --json ARGS`, expecting success.
  static json similar(const std::string& seeds, const std::string& args) {
    const auto r = cli("similar " + seeds + " --json " + args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json::object({{"results", json::array()}, {"mix", json::object()}});
  }
  static std::vector<int> numbers(const json& answer) {
    std::vector<int> out;
    for (const auto& x : answer.at("results")) out.push_back(number_of(x));
    return out;
  }
  static test::TempDir* dir_;
};
test::TempDir* Mixes::dir_ = nullptr;

TEST_F(Mixes, PreviousIsNeverReturnedAndCounted) {
  const json base = similar(song(0), "-k 5");
  ASSERT_EQ(base.at("results").size(), 5u);
  EXPECT_EQ(base.at("mix").at("fewer_than_k"), false);
  EXPECT_TRUE(base.at("mix").at("dropped").empty()) << "no control, nothing dropped";
  const int64_t first = base.at("results")[0].at("id");
  const std::string second = base.at("results")[1].at("path");
  const json j = similar(song(0), "-k 5 --previous " + std::to_string(first) + " --previous " + test::quote(second));
  ASSERT_EQ(j.at("results").size(), 5u);
  for (const auto& x : j.at("results")) {
    EXPECT_NE(x.at("id"), first);
    EXPECT_NE(x.at("path"), second);
  }
  EXPECT_EQ(j.at("mix").at("dropped").at("previous"), 2);
  const auto r = cli("similar " + song(0) + " --previous 999999");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("previous"), std::string::npos) << r.err;
}

TEST_F(Mixes, NoRepeatArtistAndAlbumCountThePreviousList) {
  // Song 5 is by Artist0 on Album1: with it queued last, no Artist0 may open the results.
  const json j = similar(song(0), "-k 8 --no-repeat-artist 3 --previous " + song(5));
  std::vector<std::string> artists{"artist0"};
  for (const auto& x : j.at("results")) {
    std::string a = x.at("artist");
    std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    artists.push_back(a);
  }
  ASSERT_GE(artists.size(), 6u);
  for (size_t i = 1; i < artists.size(); ++i)
    for (size_t back = 1; back <= 3 && back <= i; ++back) EXPECT_NE(artists[i], artists[i - back]) << "position " << i;
  EXPECT_GT(j.at("mix").at("dropped").at("no-repeat-artist").get<int>(), 0);

  const json al = similar(song(0), "-k 6 --no-repeat-album 2");
  std::vector<std::string> albums;
  for (const auto& x : al.at("results")) albums.push_back(x.at("album"));
  for (size_t i = 1; i < albums.size(); ++i) {
    EXPECT_NE(albums[i], albums[i - 1]);
    if (i >= 2) EXPECT_NE(albums[i], albums[i - 2]);
  }
  EXPECT_TRUE(al.at("mix").at("dropped").contains("no-repeat-album"));
  EXPECT_EQ(cli("similar " + song(0) + " --no-repeat-album -1").exit_code, 2);
  EXPECT_EQ(cli("similar " + song(0) + " --no-repeat-artist x").exit_code, 2);
}

TEST_F(Mixes, DurationKeepsOnlySongsInRange) {
  const json j = similar(song(0), "-k 8 --duration 3.5:");
  ASSERT_EQ(j.at("results").size(), 8u);
  for (const auto& x : j.at("results")) EXPECT_GE(x.at("duration").get<double>(), 3.5) << x.at("path");
  EXPECT_GT(j.at("mix").at("dropped").at("duration").get<int>(), 0);
  const json short_ones = similar(song(0), "-k 20 --duration :3.5");
  EXPECT_EQ(short_ones.at("results").size(), 9u) << "the ten 3 s songs but the seed";
  EXPECT_EQ(short_ones.at("mix").at("fewer_than_k"), true);
  EXPECT_EQ(short_ones.at("mix").at("short_by"), 11);
  for (const char* bad : {"3:2", "abc", "-1:4", "5"}) EXPECT_EQ(cli("similar " + song(0) + " --duration " + bad).exit_code, 2) << bad;
}

// Tempo needs longer songs with a beat than the fixture's: click tracks of known tempo.
std::vector<float> click_track(double bpm, double seconds, double pitch) {
  std::vector<float> x(size_t(seconds * kRate), 0.0f);
  const size_t period = size_t(std::lround(60.0 / bpm * kRate));
  for (size_t start = 0; start < x.size(); start += period)
    for (size_t j = 0; j < 200 && start + j < x.size(); ++j)
      x[start + j] = float(0.8 * std::sin(2 * std::numbers::pi * pitch * double(j) / kRate) * std::exp(-double(j) / 40.0));
  return x;
}

TEST(MixTempo, BpmRangeAndDifferenceFromTheSeeds) {
  test::TempDir dir;
  fs::create_directories(dir / "lib");
  const std::vector<double> tempos{90, 96, 120, 126, 150, 160};
  for (size_t i = 0; i < tempos.size(); ++i)
    test::write_wav(dir / "lib" / ("click" + std::to_string(int(tempos[i])) + ".wav"),
                    click_track(tempos[i], 12.0, 1200.0 + 100.0 * double(i)), kRate);
  const std::string db = " --db " + test::quote((dir / "lib.db").string());
  ASSERT_EQ(test::run_cli("index " + test::quote((dir / "lib").string()) + db + " --features mfcc").exit_code, 0);
  const std::string seed = test::quote((dir / "lib" / "click120.wav").string());
  auto run = [&](const std::string& args) {
    const auto r = test::run_cli("similar " + seed + " --json -k 5" + db + " " + args);
    EXPECT_EQ(r.exit_code, 0) << args << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json::object({{"results", json::array()}, {"mix", json::object()}});
  };
  const json all = run("");
  const double seed_bpm = all.at("query").at("bpm");
  ASSERT_NEAR(seed_bpm, 120, 4);
  const json near = run("--max-bpm-diff 10");
  ASSERT_EQ(near.at("results").size(), 1u) << near.dump();
  EXPECT_NEAR(near.at("results")[0].at("bpm").get<double>(), 126, 4);
  EXPECT_EQ(near.at("mix").at("dropped").at("max-bpm-diff"), 4);
  EXPECT_EQ(near.at("mix").at("short_by"), 4);
  const json range = run("--bpm 85:100");
  ASSERT_EQ(range.at("results").size(), 2u) << range.dump();
  for (const auto& x : range.at("results")) EXPECT_LT(x.at("bpm").get<double>(), 101);
  EXPECT_EQ(range.at("mix").at("dropped").at("bpm"), 3);
  // A path's reference tempo moves from A's to B's.
  const auto p = test::run_cli("path " + test::quote((dir / "lib" / "click90.wav").string()) + " " +
                               test::quote((dir / "lib" / "click160.wav").string()) + " --steps 3 --json --max-bpm-diff 12" + db);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const json pj = json::parse(p.out);
  ASSERT_GE(pj.at("results").size(), 3u);
  for (size_t i = 1; i + 1 < pj.at("results").size(); ++i) {
    const double t = double(i) / 4.0, target = 90 + t * 70;
    EXPECT_LE(std::abs(pj.at("results")[i].at("bpm").get<double>() - target), 12.0) << pj.dump();
  }
  for (const char* bad : {"--max-bpm-diff -3", "--max-bpm-diff x", "--bpm 130:120"})
    EXPECT_EQ(test::run_cli("similar " + seed + db + " " + bad).exit_code, 2) << bad;
}

TEST_F(Mixes, GenresAndGenreGroups) {
  const json rock = similar(song(0), "-k 19 --genre rock");
  ASSERT_FALSE(rock.at("results").empty());
  for (const auto& x : rock.at("results")) EXPECT_TRUE(tokens(x.at("genre")).contains("rock")) << x.at("genre");
  EXPECT_EQ(rock.at("results").size(), 4u) << "Rock songs 4, 8, 12, 16 (0 is the seed); 'Hard Rock' is another genre";
  const json guitar = similar(song(0), "-k 19 --genre guitar --genre-groups " + test::quote(groups().string()));
  EXPECT_EQ(guitar.at("results").size(), 9u) << "rock + hard rock/metal, but the seed";
  const json no_dance = similar(song(0), "-k 19 --exclude-genre dance --genre-groups " + test::quote(groups().string()));
  EXPECT_EQ(no_dance.at("results").size(), 9u);
  for (const auto& x : no_dance.at("results")) {
    const auto t = tokens(x.at("genre"));
    EXPECT_FALSE(t.contains("techno") || t.contains("house")) << x.at("genre");
  }
  EXPECT_EQ(no_dance.at("mix").at("dropped").at("exclude-genre"), 10);
  // Fewer than k is an answer, not a failure; the table says so on stderr.
  const auto r = cli("similar " + song(0) + " -k 10 --genre metal");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("only 5 of the 10"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("genre 14"), std::string::npos) << r.err;
  test::TempDir tmp;
  std::ofstream(tmp / "bad.txt") << "guitar rock\n";
  const auto bad = cli("similar " + song(0) + " --genre guitar --genre-groups " + test::quote((tmp / "bad.txt").string()));
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("line 1"), std::string::npos) << bad.err;
  EXPECT_EQ(cli("similar " + song(0) + " --genre-groups " + test::quote((tmp / "none.txt").string())).exit_code, 3);
}

TEST_F(Mixes, ShuffleTopDrawsFromTheBestReproducibly) {
  const std::vector<int> best = numbers(similar(song(0), "-k 8"));
  const json a = similar(song(0), "-k 4 --shuffle-top 8 --seed 7");
  const json b = similar(song(0), "-k 4 --shuffle-top 8 --seed 7");
  EXPECT_EQ(numbers(a), numbers(b)) << "same seed, same mix";
  EXPECT_EQ(a.at("mix").at("shuffle_seed"), 7);
  ASSERT_EQ(a.at("results").size(), 4u);
  for (int n : numbers(a)) EXPECT_NE(std::find(best.begin(), best.end(), n), best.end()) << n << " is not among the 8 best";
  std::set<std::vector<int>> draws;
  for (int seed = 0; seed < 6; ++seed) draws.insert(numbers(similar(song(0), "-k 4 --shuffle-top 8 --seed " + std::to_string(seed))));
  EXPECT_GT(draws.size(), 1u) << "different seeds draw differently";
  const json unseeded = similar(song(0), "-k 4 --shuffle-top 8");
  ASSERT_TRUE(unseeded.at("mix").contains("shuffle_seed"));
  const json replay = similar(song(0), "-k 4 --shuffle-top 8 --seed " + std::to_string(unseeded.at("mix").at("shuffle_seed").get<uint64_t>()));
  EXPECT_EQ(numbers(unseeded), numbers(replay)) << "the reported seed replays the draw";
}

TEST_F(Mixes, SeveralSeedsInterleaveOrCentroid) {
  // Seeds of the two styles: interleaving gives each its own neighbours in turn.
  const json j = similar(song(0) + " " + song(1), "-k 6");
  EXPECT_EQ(j.at("mix").at("seed_mix"), "interleave");
  ASSERT_EQ(j.at("results").size(), 6u);
  const auto n = numbers(j);
  for (size_t i = 0; i < n.size(); ++i) EXPECT_EQ(n[i] % 2, int(i % 2)) << "result " << i << " is song " << n[i];
  EXPECT_EQ(j.at("query").at("tracks").size(), 2u);
  const json c = similar(song(0) + " " + song(2), "-k 6 --seed-mix centroid");
  EXPECT_EQ(c.at("mix").at("seed_mix"), "centroid");
  for (int x : numbers(c)) EXPECT_EQ(x % 2, 0) << "two seeds of one style: that style";
  EXPECT_EQ(cli("similar " + song(0) + " " + song(1) + " --seed-mix mean").exit_code, 2);
}

TEST_F(Mixes, PathHonoursTheControls) {
  const auto r = cli("path " + song(0) + " " + song(1) + " --steps 6 --json --no-repeat-artist 1 --exclude-genre techno --previous " + song(4));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  const auto& rows = j.at("results");
  ASSERT_GE(rows.size(), 3u);
  for (size_t i = 1; i + 1 < rows.size(); ++i) {
    EXPECT_NE(rows[i].at("artist"), rows[i - 1].at("artist"));
    EXPECT_NE(number_of(rows[i]), 4) << "previous";
    EXPECT_FALSE(tokens(rows[i].at("genre")).contains("techno"));
  }
  EXPECT_EQ(j.at("mix").at("requested"), 8);
  EXPECT_TRUE(j.at("mix").at("dropped").contains("exclude-genre"));
  // shuffle-top: each step draws from its N nearest, the same draw for the same seed.
  const std::string shuffled = "path " + song(0) + " " + song(1) + " --steps 4 --json --shuffle-top 3 --seed 5";
  const auto s1 = cli(shuffled), s2 = cli(shuffled);
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  EXPECT_EQ(numbers(json::parse(s1.out)), numbers(json::parse(s2.out)));
  EXPECT_EQ(json::parse(s1.out).at("mix").at("shuffle_seed"), 5);
  // Only two songs pass: the path is shorter and says so.
  const auto few = cli("path " + song(0) + " " + song(1) + " --steps 6 --json --genre metal --duration 3.5:");
  ASSERT_EQ(few.exit_code, 0) << few.err;
  const json f = json::parse(few.out);
  EXPECT_EQ(f.at("results").size(), 4u) << "A, songs 13 and 17, B";
  EXPECT_EQ(f.at("mix").at("fewer_than_k"), true);
  EXPECT_EQ(f.at("mix").at("short_by"), 4);
}

TEST_F(Mixes, IgnoreListIsHonouredByEveryCommand) {
  test::TempDir tmp;
  fs::copy_file(db(), tmp / "lib.db");
  const std::string on = " --db " + test::quote((tmp / "lib.db").string());
  auto r = test::run_cli("ignore add --artist artist1 --album ALBUM2 --genre dance --path " +
                         test::quote((fs::path(song(10)).parent_path()).string()) + on);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = test::run_cli("ignore add --artist Artist1" + on);
  EXPECT_NE(r.out.find("already"), std::string::npos) << r.out;
  r = test::run_cli("ignore list --json" + on);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json list = json::parse(r.out);
  ASSERT_EQ(list.at("ignored").size(), 4u) << r.out;
  auto sim = test::run_cli("similar " + song(0) + " -k 19 --json --genre-groups " + test::quote(groups().string()) + on);
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  const json j = json::parse(sim.out);
  // Left: folder a (songs 0-9), not Artist1 (1, 6), not Album2 (8, 9), not techno/house (2, 3, 6, 7): 4 and 5.
  std::vector<int> left;
  for (const auto& x : j.at("results")) left.push_back(number_of(x));
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<int>{4, 5}));
  EXPECT_EQ(j.at("mix").at("dropped").at("ignore-list"), 17);
  auto path = test::run_cli("path " + song(0) + " " + song(1) + " --steps 4 --json" + on);
  ASSERT_EQ(path.exit_code, 0) << path.err;
  const json pj = json::parse(path.out);
  for (size_t i = 1; i + 1 < pj.at("results").size(); ++i) {
    const json& x = pj.at("results")[i];
    EXPECT_LT(number_of(x), 10) << "folder b is ignored";
    EXPECT_NE(x.at("artist"), "Artist1");
    EXPECT_NE(x.at("album"), "Album2");
  }
  r = test::run_cli("ignore remove --artist ARTIST1 --album album2 --genre dance --path " +
                    test::quote((fs::path(song(10)).parent_path()).string()) + on);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = test::run_cli("ignore list --json" + on);
  EXPECT_TRUE(json::parse(r.out).at("ignored").empty()) << r.out;
  EXPECT_EQ(test::run_cli("ignore add" + on).exit_code, 2);
  EXPECT_EQ(test::run_cli("ignore list --artist x" + on).exit_code, 2);
  EXPECT_EQ(test::run_cli("ignore frob --artist x" + on).exit_code, 2);
  EXPECT_EQ(test::run_cli("ignore add --artist x --db " + test::quote((tmp / "none.db").string())).exit_code, 3);
}

// The measurement behind the default --seed-mix (docs/mixes.md): two seeds of different styles, k = 10;
// where do the results come from? Prints the shares; asserts only what the choice rests on.
TEST(SeedMix, InterleaveKeepsBothSeedsStyles) {
  test::TempDir dir;
  constexpr int kPer = 6;
  for (int s = 0; s < test::kStyleCount; ++s) {
    fs::create_directories(dir / "lib" / test::style_name(s));
    for (int i = 0; i < kPer; ++i)
      test::write_wav(dir / "lib" / test::style_name(s) / (std::string(test::style_name(s)) + std::to_string(i) + ".wav"),
                      test::generate_style(s, uint32_t(i + 1), 3.0, kRate), kRate);
  }
  const std::string db = test::quote((dir / "lib.db").string());
  ASSERT_EQ(test::run_cli("index " + test::quote((dir / "lib").string()) + " --db " + db + " --features mfcc --jobs 2").exit_code, 0);
  auto style_of = [](const std::string& p) { return fs::path(p).parent_path().filename().string(); };
  for (const char* mode : {"interleave", "centroid"}) {
    double of_a = 0, of_b = 0, neither = 0;
    for (int a = 0; a < test::kStyleCount; ++a)
      for (int b = a + 1; b < test::kStyleCount; ++b)
        for (int i = 0; i < 2; ++i) {
          const auto song = [&](int s) {
            return test::quote((dir / "lib" / test::style_name(s) / (std::string(test::style_name(s)) + std::to_string(i) + ".wav")).string());
          };
          const auto r = test::run_cli("similar " + song(a) + " " + song(b) + " -k 10 --json --seed-mix " + mode + " --db " + db);
          ASSERT_EQ(r.exit_code, 0) << r.err;
          const json answer = json::parse(r.out);
          for (const auto& x : answer.at("results")) {
            const std::string s = style_of(x.at("path"));
            (s == test::style_name(a) ? of_a : s == test::style_name(b) ? of_b : neither) += 1;
          }
        }
    const double total = of_a + of_b + neither;
    std::printf("seed-mix %-10s  A's style %.2f  B's style %.2f  neither %.2f\n", mode, of_a / total, of_b / total, neither / total);
    if (std::string(mode) == "interleave") {
      EXPECT_GE(of_a / total, 0.4);
      EXPECT_GE(of_b / total, 0.4);
    }
  }
}

// The HTTP API takes the same controls under the same names and answers what the CLI answers.
TEST_F(Mixes, JsonApiMatchesTheCli) {
  test::TempDir tmp;
  fs::copy_file(db(), tmp / "lib.db");
  fs::create_directories(tmp / "t");
  test::ServeProcess server({"--db", (tmp / "lib.db").string(), "--port", "0", "--genre-groups", groups().string()}, tmp / "t");
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(30, 0);
  auto get = [&](const std::string& url, int status = 200) {
    auto res = client.Get(url);
    EXPECT_TRUE(res) << url;
    if (!res) return json::object();
    EXPECT_EQ(res->status, status) << url << ": " << res->body;
    return json::parse(res->body);
  };
  const json seed = similar(song(0), "-k 19");
  const int64_t id0 = seed.at("query").at("id"), id1 = similar(song(1), "-k 1").at("query").at("id");
  const int64_t id5 = similar(song(5), "-k 1").at("query").at("id");
  const std::string base = "/api/tracks/" + std::to_string(id0) + "/similar?k=6";
  const std::string db_arg = " --db " + test::quote((tmp / "lib.db").string());
  struct Case {
    std::string query, flags;
  };
  const std::vector<Case> cases{
      {"&previous=" + std::to_string(id5), "--previous " + std::to_string(id5)},
      {"&no-repeat-artist=2&no-repeat-album=1", "--no-repeat-artist 2 --no-repeat-album 1"},
      {"&duration=3.5:", "--duration 3.5:"},
      {"&bpm=0:200", "--bpm 0:200"},
      {"&genre=guitar&exclude-genre=metal", "--genre guitar --exclude-genre metal"},
      {"&exclude-artist=Artist2&max-per-artist=1", "--exclude-artist Artist2 --max-per-artist 1"},
      {"&shuffle-top=10&seed=3", "--shuffle-top 10 --seed 3"},
      {"&with=" + std::to_string(id1), std::to_string(id1)},
      {"&with=" + std::to_string(id1) + "&seed-mix=centroid", std::to_string(id1) + " --seed-mix centroid"},
  };
  // The fixture's short songs have no tempo: max-bpm-diff says so, in both (MixTempo measures from one).
  const json no_tempo = get(base + "&max-bpm-diff=15", 400);
  EXPECT_NE(no_tempo.at("error").get<std::string>().find("max-bpm-diff"), std::string::npos);
  EXPECT_EQ(test::run_cli("similar " + std::to_string(id0) + " --max-bpm-diff 15" + db_arg).exit_code, 2);
  for (const Case& c : cases) {
    const json api = get(base + c.query);
    const auto r = test::run_cli("similar " + std::to_string(id0) + " -k 6 --json --genre-groups " +
                                 test::quote(groups().string()) + " " + c.flags + db_arg);
    ASSERT_EQ(r.exit_code, 0) << c.flags << r.err;
    const json cli_answer = json::parse(r.out);
    EXPECT_EQ(numbers(api), numbers(cli_answer)) << c.query;
    EXPECT_EQ(api.at("mix"), cli_answer.at("mix")) << c.query;
  }
  // Fewer than k: 200 with the note.
  const json few = get(base + "&genre=metal&k=10");
  EXPECT_EQ(few.at("mix").at("fewer_than_k"), true);
  EXPECT_TRUE(few.at("mix").contains("note"));
  // Bad values are 400s naming the control.
  for (const std::string bad : {"&duration=9:1", "&no-repeat-artist=x", "&bpm=1:2&bpm=3:4", "&seed-mix=mean", "&shuffle-top=-2"}) {
    const json e = get(base + bad, 400);
    EXPECT_TRUE(e.contains("error")) << bad;
  }
  get(base + "&previous=999999", 404);
  // The path endpoint takes them too.
  const json p = get("/api/path?from=" + std::to_string(id0) + "&to=" + std::to_string(id1) + "&steps=6&exclude-genre=techno&no-repeat-artist=1");
  for (const auto& t : p.at("tracks")) EXPECT_FALSE(tokens(t.at("genre")).contains("techno")) << t.dump();
  EXPECT_TRUE(p.at("mix").at("dropped").contains("exclude-genre"));
  // An ignore list written while the server runs applies to its next answer.
  ASSERT_EQ(test::run_cli("ignore add --artist Artist2 --artist Artist3" + db_arg).exit_code, 0);
  const json after = get("/api/tracks/" + std::to_string(id0) + "/similar?k=19");
  for (const auto& x : after.at("results")) {
    EXPECT_NE(x.at("artist"), "Artist2");
    EXPECT_NE(x.at("artist"), "Artist3");
  }
  EXPECT_EQ(after.at("mix").at("dropped").at("ignore-list"), 8);
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace

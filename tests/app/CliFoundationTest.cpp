// End-to-end tests of the foundation commands through the real binary.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stb/stb_image.h>

#include <fstream>
#include <set>

#include "app/Environment.h"
#include "support/TestSupport.h"

namespace soundalike {
namespace {
using test::quote;
using test::run_cli;

TEST(Cli, VersionAndHelpOnEveryCommand) {
  const auto v = run_cli("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("soundalike "), std::string::npos);
  const auto top = run_cli("--help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* cmd : {"info", "spectrogram"}) {
    EXPECT_NE(top.out.find(cmd), std::string::npos) << cmd;
    const auto h = run_cli(std::string(cmd) + " --help");
    EXPECT_EQ(h.exit_code, 0) << cmd;
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << cmd;
  }
  EXPECT_EQ(run_cli("").exit_code, 2);
  EXPECT_EQ(run_cli("no-such-command").exit_code, 2);
  EXPECT_EQ(run_cli("spectrogram").exit_code, 2);  // missing arguments
}

// Only the commands that run torch on several threads pay for re-executing with a passive OpenMP policy.
TEST(Cli, OnlyMultithreadedTorchCommandsReexecute) {
  auto runs = [](std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    return soundalike::app::runs_multithreaded_torch(int(args.size()), argv.data());
  };
  for (const char* c : {"train", "evaluate", "embed", "classify", "compare", "pretrain", "evaluate-retrieval"})
    EXPECT_TRUE(runs({"soundalike", c, "x"})) << c;
  for (const char* c : {"info", "spectrogram", "synth", "index", "similar", "path", "map", "stats", "serve", "--version"})
    EXPECT_FALSE(runs({"soundalike", c})) << c;
  EXPECT_FALSE(runs({"soundalike"}));
}

TEST(Cli, InfoPrintsALinePerFileAndJson) {
  test::TempDir dir;
  test::write_wav(dir / "a.wav", test::sine(440, 1.5, 44100), 44100);
  test::ffmpeg_convert(dir / "a.wav", dir / "b.flac", "-metadata title=Bee -metadata artist=Hive -metadata track=2");
  const auto r = run_cli("info " + quote((dir / "a.wav").string()) + " " + quote((dir / "b.flac").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("a.wav: wav, pcm_s16le, 44100 Hz, 1 ch, 0:01.50"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("b.flac: flac, flac, 44100 Hz, 1 ch, 0:01.50"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("title \"Bee\""), std::string::npos);
  const auto j = run_cli("info --json " + quote((dir / "b.flac").string()));
  ASSERT_EQ(j.exit_code, 0);
  const auto doc = nlohmann::json::parse(j.out);
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc[0]["codec"], "flac");
  EXPECT_EQ(doc[0]["sample_rate"], 44100);
  EXPECT_EQ(doc[0]["channels"], 1);
  EXPECT_NEAR(doc[0]["duration"].get<double>(), 1.5, 1e-3);
  EXPECT_EQ(doc[0]["tags"]["artist"], "Hive");
  EXPECT_EQ(doc[0]["tags"]["track"], 2);
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_wav(dir / "good.wav", test::sine(300, 4.0, 44100), 44100);
    test::ffmpeg_convert(dir / "good.wav", dir / "good.mp3");
    const std::string mp3 = test::read_file(dir / "good.mp3");
    std::ofstream(dir / "truncated.mp3", std::ios::binary).write(mp3.data(), std::streamsize(mp3.size() / 4));
    std::ofstream(dir / "empty.mp3").close();
    std::ofstream(dir / "text.mp3") << "Dear diary, today I renamed a text file to .mp3\n";
    ASSERT_EQ(test::run_command("ffmpeg -nostdin -v error -f lavfi -i testsrc=duration=1:size=32x32:rate=5 -c:v mpeg4 " +
                                quote((dir / "video.mp4").string())).exit_code, 0);
    ASSERT_EQ(test::run_command("ffmpeg -nostdin -v error -f lavfi -i anullsrc=r=22050:cl=mono -t 0 -c:a pcm_s16le " +
                                quote((dir / "zero.wav").string())).exit_code, 0);
  }
  test::TempDir dir;
};

TEST_F(BadInput, EachGivesOneLineNamingTheFileAndItsExitCode) {
  struct Case {
    const char* name;
    int code;
    const char* reason;
  };
  for (const Case& c : {Case{"missing.mp3", 3, "no such file"}, Case{"empty.mp3", 4, "empty file (0 bytes)"},
                        Case{"text.mp3", 4, "not a recognised audio or media file"},
                        Case{"truncated.mp3", 4, "truncated"}, Case{"video.mp4", 5, "no audio stream"},
                        Case{"zero.wav", 5, "audio stream is empty"}}) {
    for (const std::string& cmd : std::vector<std::string>{"info", "spectrogram -o " + quote((dir / "x.png").string())}) {
      SCOPED_TRACE(std::string(c.name) + " / " + cmd);
      const std::string path = (dir / c.name).string();
      const auto r = run_cli(cmd + " " + quote(path));
      EXPECT_EQ(r.exit_code, c.code);
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
      EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(c.reason), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find("internal"), std::string::npos) << r.err;
    }
  }
}

TEST_F(BadInput, ABatchReportsEveryBadFileAndStillDescribesTheGoodOnes) {
  const auto r = run_cli("info " + quote((dir / "good.mp3").string()) + " " + quote((dir / "text.mp3").string()) + " " +
                         quote((dir / "empty.mp3").string()) + " " + quote((dir / "good.wav").string()));
  EXPECT_EQ(r.exit_code, 6);  // partial
  EXPECT_NE(r.out.find("good.mp3"), std::string::npos);
  EXPECT_NE(r.out.find("good.wav"), std::string::npos);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
}

TEST(Cli, SpectrogramWritesAReadablePicture) {
  test::TempDir dir;
  test::write_wav(dir / "two.wav", test::mix(test::sine(440, 3.0, 22050, 0.3f), test::sine(2500, 3.0, 22050, 0.2f)), 22050);
  const auto png = dir / "two.png";
  const auto r = run_cli("spectrogram " + quote((dir / "two.wav").string()) + " -o " + quote(png.string()) +
                         " --offset 0.5 --duration 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(png.string()), std::string::npos);
  int w = 0, h = 0, n = 0;
  unsigned char* pixels = stbi_load(png.c_str(), &w, &h, &n, 3);
  ASSERT_NE(pixels, nullptr);
  EXPECT_EQ(w, 1 + 2 * 22050 / 512);  // one column per frame
  EXPECT_EQ(h, 128 * 4);              // four pixels per mel band
  std::set<int> colours;
  for (int i = 0; i < w * h; ++i) colours.insert(pixels[3 * i] << 16 | pixels[3 * i + 1] << 8 | pixels[3 * i + 2]);
  // Low frequencies at the bottom: the 440 Hz row is brighter than the top row.
  auto brightness = [&](int y) {
    int sum = 0;
    for (int x = 0; x < w; ++x) sum += pixels[3 * (y * w + x)] + pixels[3 * (y * w + x) + 1] + pixels[3 * (y * w + x) + 2];
    return sum;
  };
  int brightest_row = 0;
  for (int y = 0; y < h; ++y)
    if (brightness(y) > brightness(brightest_row)) brightest_row = y;
  stbi_image_free(pixels);
  EXPECT_GT(colours.size(), 20u);
  EXPECT_GT(brightest_row, h / 2) << "440 Hz should be drawn in the lower half";
  EXPECT_EQ(run_cli("spectrogram " + quote((dir / "two.wav").string()) + " -o /nonexistent-dir/x.png").exit_code, 9);
}

}  // namespace
}  // namespace soundalike

// The synth command through the real binary: layout, exit codes, and the missing-soundfont error.
#include <gtest/gtest.h>

#include "common/Error.h"
#include "support/TestSupport.h"

namespace soundalike::test {
namespace {

namespace fs = std::filesystem;

// Runs the CLI with the soundfont search steered by environment variables (unset ones stay unset).
CommandResult run_cli_env(const std::string& env, const std::string& args) {
  return run_command("env -u SOUNDALIKE_SOUNDFONT -u SOUNDALIKE_SOUNDFONT_PATH " + env + " " + quote(SOUNDALIKE_CLI) +
                     " " + args + " </dev/null");
}

TEST(SynthCli, WritesGtzanLayoutAndManifest) {
  TempDir dir;
  const auto r = run_cli("synth --out " + quote(dir.path().string()) +
                         " --genres disco,classical --per-genre 2 --seconds 1 --seed 3 --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 4 clips"), std::string::npos) << r.out;
  for (const char* f : {"disco/disco.00000.wav", "disco/disco.00001.wav", "classical/classical.00000.wav",
                        "classical/classical.00001.wav", "manifest.csv"})
    EXPECT_TRUE(fs::is_regular_file(dir / f)) << f;
  EXPECT_FALSE(fs::exists(dir / "blues"));
  EXPECT_EQ(r.err, "");  // no progress bar when stderr is not a terminal
}

TEST(SynthCli, NoSoundfontAnywhereIsMissingResourceNamingThePackage) {
  TempDir dir;
  const auto r = run_cli_env("SOUNDALIKE_SOUNDFONT_PATH=" + quote((dir / "none.sf2").string()),
                             "synth --out " + quote((dir / "out").string()) + " --per-genre 1 --seconds 1");
  EXPECT_EQ(r.exit_code, int(ExitCode::missing_resource)) << r.err;
  EXPECT_NE(r.err.find("no General MIDI soundfont found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("apt-get install timgm6mb-soundfont"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "manifest.csv"));
}

TEST(SynthCli, NamedSoundfontThatDoesNotExistIsNotFound) {
  TempDir dir;
  const std::string missing = (dir / "missing.sf2").string();
  auto r = run_cli("synth --out " + quote((dir / "out").string()) + " --soundfont " + quote(missing));
  EXPECT_EQ(r.exit_code, int(ExitCode::not_found)) << r.err;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  r = run_cli_env("SOUNDALIKE_SOUNDFONT=" + quote(missing), "synth --out " + quote((dir / "out").string()));
  EXPECT_EQ(r.exit_code, int(ExitCode::not_found)) << r.err;
  EXPECT_NE(r.err.find("SOUNDALIKE_SOUNDFONT"), std::string::npos) << r.err;
}

TEST(SynthCli, FileThatIsNotASoundfontIsUndecodable) {
  TempDir dir;
  std::FILE* f = std::fopen((dir / "fake.sf2").c_str(), "w");
  std::fputs("not a soundfont", f);
  std::fclose(f);
  const auto r = run_cli("synth --out " + quote((dir / "out").string()) + " --per-genre 1 --seconds 1 --soundfont " +
                         quote((dir / "fake.sf2").string()));
  EXPECT_EQ(r.exit_code, int(ExitCode::undecodable)) << r.err;
  EXPECT_NE(r.err.find("fake.sf2"), std::string::npos) << r.err;
}

TEST(SynthCli, BadGenreIsAUsageError) {
  TempDir dir;
  const auto r = run_cli("synth --out " + quote(dir.path().string()) + " --genres jazz,polka");
  EXPECT_EQ(r.exit_code, int(ExitCode::usage));
  EXPECT_NE(r.err.find("polka"), std::string::npos) << r.err;
}

TEST(SynthCli, LibraryModeWritesArtistAlbumTrackFlac) {
  TempDir dir;
  const auto r = run_cli("synth --library --out " + quote(dir.path().string()) +
                         " --artists 2 --albums-per-artist 1 --tracks-per-album 2 --seconds 1 --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int flacs = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path()))
    if (e.path().extension() == ".flac") {
      ++flacs;
      const fs::path rel = fs::relative(e.path(), dir.path());  // <artist>/<album>/<NN title>.flac
      EXPECT_EQ(std::distance(rel.begin(), rel.end()), 3) << rel;
    }
  EXPECT_EQ(flacs, 4);
}

}  // namespace
}  // namespace soundalike::test

// generate_corpus / generate_library: GTZAN layout, manifest, exact lengths, levels, determinism,
// re-runs, and the demo library's tags and per-artist coherence.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "audio/AudioDecoder.h"
#include "common/Error.h"
#include "support/TestSupport.h"
#include "synth/Corpus.h"

namespace soundalike::test {
namespace {

namespace fs = std::filesystem;
using synth::Genre;

uint64_t fnv1a(const std::string& bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Every audio file under `dir` (relative path -> hash of its bytes).
std::map<std::string, uint64_t> hash_tree(const fs::path& dir) {
  std::map<std::string, uint64_t> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != "manifest.csv")
      out[fs::relative(e.path(), dir).generic_string()] = fnv1a(read_file(e.path()));
  return out;
}

synth::CorpusOptions small_corpus(const fs::path& out) {
  synth::CorpusOptions o;
  o.out = out;
  o.per_genre = 2;
  o.seconds = 3.0;
  o.seed = 11;
  o.jobs = 2;
  return o;
}

TEST(Corpus, GtzanLayoutAndManifest) {
  TempDir dir;
  const synth::CorpusManifest m = synth::generate_corpus(small_corpus(dir.path()));
  ASSERT_EQ(m.clips.size(), 20u);
  EXPECT_EQ(m.rendered, 20);
  EXPECT_EQ(m.reused, 0);
  for (Genre g : synth::kAllGenres) {
    const std::string name(synth::genre_name(g));
    for (const char* index : {"00000", "00001"})
      EXPECT_TRUE(fs::is_regular_file(dir / (name + "/" + name + "." + index + ".wav"))) << name << " " << index;
    EXPECT_FALSE(fs::exists(dir / (name + "/" + name + ".00002.wav")));
  }
  // No temporary files left behind.
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) EXPECT_NE(e.path().extension(), ".part");

  const std::vector<synth::ClipRecord> rows = synth::read_manifest(dir / "manifest.csv");
  ASSERT_EQ(rows, m.clips);
  const std::string csv = read_file(dir / "manifest.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "path,genre,tempo,key,instruments,seed,seconds,sample_rate,soundfont,artist,album,track,title");
  std::set<uint64_t> seeds;
  for (const auto& r : rows) {
    EXPECT_EQ(r.path, r.genre + "/" + fs::path(r.path).filename().string());
    EXPECT_GT(r.tempo, 50);
    EXPECT_LT(r.tempo, 200);
    EXPECT_TRUE(r.key.ends_with(" major") || r.key.ends_with(" minor")) << r.key;
    EXPECT_GE(r.instruments.size(), 3u) << r.path;
    EXPECT_EQ(r.seconds, 3.0);
    EXPECT_EQ(r.sample_rate, 22050);
    EXPECT_FALSE(r.soundfont.empty());
    seeds.insert(r.seed);
    const bool drums = std::find(r.instruments.begin(), r.instruments.end(), "drum kit") != r.instruments.end();
    EXPECT_EQ(drums, r.genre != "classical") << r.path;  // classical is the one genre without drums
  }
  EXPECT_EQ(seeds.size(), rows.size());
}

TEST(Corpus, ExactDurationsAudibleAndNotClipped) {
  TempDir dir;
  synth::CorpusOptions o = small_corpus(dir.path());
  o.per_genre = 1;
  o.seconds = 2.5;
  o.sample_rate = 16000;
  const auto m = synth::generate_corpus(o);
  const AudioDecoder decoder(DecodeOptions{.sample_rate = 16000});
  for (const auto& clip : m.clips) {
    const DecodedAudio a = decoder.decode(dir / clip.path);
    EXPECT_EQ(a.info.sample_rate, 16000) << clip.path;
    EXPECT_EQ(a.info.channels, 1) << clip.path;
    EXPECT_EQ(a.samples.size(), 40000u) << clip.path;  // 2.5 s x 16000 Hz, to the sample
    const double level_db = 20 * std::log10(rms(a.samples));
    EXPECT_GT(level_db, -40.0) << clip.path;
    size_t full_scale = 0;
    for (float x : a.samples) full_scale += std::fabs(x) >= 32767.0f / 32768.0f;
    EXPECT_LT(double(full_scale) / double(a.samples.size()), 0.001) << clip.path;
  }
}

TEST(Corpus, SameSeedSameBytesWhateverTheJobsOtherSeedDifferentBytes) {
  TempDir a, b, c;
  synth::CorpusOptions o = small_corpus(a.path());
  o.genres = {Genre::jazz, Genre::metal, Genre::classical};
  o.jobs = 2;
  synth::generate_corpus(o);
  o.out = b.path();
  o.jobs = 1;
  synth::generate_corpus(o);
  o.out = c.path();
  o.seed = 12;
  synth::generate_corpus(o);
  const auto ha = hash_tree(a.path()), hb = hash_tree(b.path()), hc = hash_tree(c.path());
  ASSERT_EQ(ha.size(), 6u);
  EXPECT_EQ(ha, hb);
  EXPECT_EQ(read_file(a / "manifest.csv"), read_file(b / "manifest.csv"));
  for (const auto& [path, hash] : ha) EXPECT_NE(hash, hc.at(path)) << path;
}

TEST(Corpus, FlacCorpusIsDeterministicAndDecodesToTheSameLength) {
  TempDir a, b;
  synth::CorpusOptions o = small_corpus(a.path());
  o.genres = {Genre::pop};
  o.per_genre = 1;
  o.format = AudioFileFormat::flac;
  synth::generate_corpus(o);
  o.out = b.path();
  synth::generate_corpus(o);
  ASSERT_TRUE(fs::is_regular_file(a / "pop/pop.00000.flac"));
  EXPECT_EQ(hash_tree(a.path()), hash_tree(b.path()));
  const DecodedAudio d = AudioDecoder().decode(a / "pop/pop.00000.flac");
  EXPECT_EQ(d.info.codec, "flac");
  EXPECT_EQ(d.samples.size(), size_t(3 * 22050));
}

TEST(Corpus, RerunReusesIdenticalFilesAndRerendersChangedOnes) {
  TempDir dir;
  synth::CorpusOptions o = small_corpus(dir.path());
  o.genres = {Genre::blues, Genre::reggae};
  const auto first = synth::generate_corpus(o);
  const auto before = hash_tree(dir.path());
  const auto again = synth::generate_corpus(o);
  EXPECT_EQ(again.reused, 4);
  EXPECT_EQ(again.rendered, 0);
  EXPECT_EQ(hash_tree(dir.path()), before);

  fs::remove(dir / "blues/blues.00001.wav");  // a lost file is rendered again, identically
  const auto repaired = synth::generate_corpus(o);
  EXPECT_EQ(repaired.rendered, 1);
  EXPECT_EQ(hash_tree(dir.path()), before);

  o.seconds = 2.0;  // other options: every row differs, so every file is rendered again
  const auto shorter = synth::generate_corpus(o);
  EXPECT_EQ(shorter.rendered, 4);
  EXPECT_EQ(AudioDecoder().decode(dir / "blues/blues.00000.wav").samples.size(), size_t(2 * 22050));

  o.seconds = 3.0;
  o.force = true;
  EXPECT_EQ(synth::generate_corpus(o).rendered, 4);
}

// An unreadable old manifest only means nothing is reused, and the caller is told why.
TEST(Corpus, UnreadableManifestIsReportedAndEverythingRendered) {
  TempDir dir;
  synth::CorpusOptions o = small_corpus(dir.path());
  o.genres = {Genre::blues, Genre::reggae};
  EXPECT_TRUE(synth::generate_corpus(o).warnings.empty());
  std::ofstream(dir / "manifest.csv", std::ios::trunc) << "not a manifest\n";
  const auto again = synth::generate_corpus(o);
  EXPECT_EQ(again.rendered, 4);
  ASSERT_EQ(again.warnings.size(), 1u);
  EXPECT_NE(again.warnings[0].find("manifest.csv"), std::string::npos) << again.warnings[0];
}

// Ctrl-C (the stop flag): nothing new starts, the manifest lists exactly the complete files, and a re-run
// renders only the missing ones.
TEST(Corpus, StopKeepsCompleteFilesListedAndARerunFinishes) {
  TempDir dir;
  synth::CorpusOptions o = small_corpus(dir.path());
  o.genres = {Genre::blues, Genre::metal};
  o.per_genre = 1;
  ASSERT_EQ(synth::generate_corpus(o).clips.size(), 2u);

  std::atomic<bool> stop{true};
  o.per_genre = 3;
  o.stop = &stop;
  const synth::CorpusManifest stopped = synth::generate_corpus(o);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_EQ(stopped.planned, 6);
  EXPECT_EQ(stopped.rendered, 0);
  EXPECT_EQ(stopped.reused, 2);
  EXPECT_EQ(synth::read_manifest(dir.path() / "manifest.csv").size(), 2u);
  EXPECT_EQ(hash_tree(dir.path()).size(), 2u);

  o.stop = nullptr;
  const synth::CorpusManifest finished = synth::generate_corpus(o);
  EXPECT_FALSE(finished.interrupted);
  EXPECT_EQ(finished.rendered, 4);
  EXPECT_EQ(finished.reused, 2);
  EXPECT_EQ(synth::read_manifest(dir.path() / "manifest.csv").size(), 6u);
}

TEST(Corpus, LibraryHasTaggedTracksAndArtistsKeepTheirStyle) {
  TempDir dir;
  synth::LibraryOptions o;
  o.out = dir.path();
  o.genres = {Genre::jazz, Genre::metal, Genre::reggae};
  o.artists = 3;
  o.albums_per_artist = 2;
  o.tracks_per_album = 2;
  o.seconds = 2.0;
  o.seed = 5;
  o.jobs = 2;
  const auto m = synth::generate_library(o);
  ASSERT_EQ(m.clips.size(), 12u);
  EXPECT_EQ(synth::read_manifest(dir / "manifest.csv"), m.clips);

  std::map<std::string, std::set<std::string>> genres_of, palettes_of;
  std::set<std::string> genres;
  for (const auto& r : m.clips) {
    // <artist>/<album>/<NN title>.flac
    const fs::path p(r.path);
    ASSERT_EQ(std::distance(p.begin(), p.end()), 3) << r.path;
    EXPECT_EQ(p.begin()->string(), r.artist);
    EXPECT_EQ(std::next(p.begin())->string(), r.album);
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%02d ", r.track);
    EXPECT_EQ(p.filename().string(), prefix + r.title + ".flac");

    const DecodedAudio a = AudioDecoder().decode(dir / r.path);
    EXPECT_EQ(a.info.codec, "flac");
    EXPECT_EQ(a.info.channels, 2);
    EXPECT_EQ(a.samples.size(), size_t(2 * 22050));
    EXPECT_EQ(a.info.tags.title, r.title);
    EXPECT_EQ(a.info.tags.artist, r.artist);
    EXPECT_EQ(a.info.tags.album, r.album);
    EXPECT_EQ(a.info.tags.genre, r.genre);
    EXPECT_EQ(a.info.tags.track, r.track);
    genres_of[r.artist].insert(r.genre);
    std::string palette;
    for (const auto& i : r.instruments) palette += i + ";";
    palettes_of[r.artist].insert(palette);
    genres.insert(r.genre);
  }
  EXPECT_EQ(genres_of.size(), 3u);
  for (const auto& [artist, g] : genres_of) EXPECT_EQ(g.size(), 1u) << artist;
  for (const auto& [artist, p] : palettes_of) EXPECT_EQ(p.size(), 1u) << artist;
  EXPECT_EQ(genres.size(), 3u);  // artists are spread over the requested genres
}

TEST(Corpus, InMemoryCorpusMatchesTheFilesToSixteenBits) {
  TempDir dir;
  synth::CorpusOptions o = small_corpus(dir.path());
  o.genres = {Genre::hiphop, Genre::country};
  const auto m = synth::generate_corpus(o);
  const std::vector<synth::RenderedSong> songs = synth::render_corpus(o);
  ASSERT_EQ(songs.size(), m.clips.size());
  for (size_t i = 0; i < songs.size(); ++i) {
    EXPECT_EQ(songs[i].seed, m.clips[i].seed);
    EXPECT_EQ(std::string(synth::genre_name(songs[i].score.genre)), m.clips[i].genre);
    const DecodedAudio a = AudioDecoder().decode(dir / m.clips[i].path);
    ASSERT_EQ(a.samples.size(), songs[i].samples.size());
    double worst = 0;
    for (size_t k = 0; k < a.samples.size(); ++k)
      worst = std::max(worst, double(std::fabs(a.samples[k] - songs[i].samples[k])));
    EXPECT_LE(worst, 0.5 / 32768) << m.clips[i].path;
  }
}

TEST(Corpus, BadOptionsAreUsageErrors) {
  TempDir dir;
  synth::CorpusOptions o = small_corpus(dir.path());
  o.per_genre = 0;
  try {
    synth::generate_corpus(o);
    FAIL() << "no error for --per-genre 0";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
  EXPECT_THROW(synth::parse_genre_list("jazz,polka"), Error);
  EXPECT_THROW(synth::parse_genre_list("jazz,jazz"), Error);
  EXPECT_EQ(synth::parse_genre_list("metal,blues"), (std::vector<Genre>{Genre::metal, Genre::blues}));
}

}  // namespace
}  // namespace soundalike::test

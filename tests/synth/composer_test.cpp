// Scores, before any audio: ranges, structure and the genre rules the composer is meant to follow.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "synth/Composer.h"
#include "synth/Random.h"
#include "synth/Song.h"

namespace soundalike::test {
namespace {

using synth::Genre;

synth::Score score_of(Genre g, uint64_t seed, double seconds = 30) {
  return synth::compose(synth::draw_style(g, seed), seed, seconds);
}

std::vector<synth::Note> on_channel(const synth::Score& s, int channel) {
  std::vector<synth::Note> v;
  for (const auto& n : s.notes)
    if (n.channel == channel) v.push_back(n);
  return v;
}

TEST(Composer, SameSeedSameScoreOtherSeedOtherScore) {
  for (Genre g : synth::kAllGenres) {
    const auto a = score_of(g, 5), b = score_of(g, 5), c = score_of(g, 6);
    ASSERT_EQ(a.notes.size(), b.notes.size());
    for (size_t i = 0; i < a.notes.size(); ++i) {
      EXPECT_EQ(a.notes[i].start, b.notes[i].start);
      EXPECT_EQ(a.notes[i].key, b.notes[i].key);
    }
    EXPECT_TRUE(a.notes.size() != c.notes.size() || a.tempo_bpm != c.tempo_bpm || a.key != c.key)
        << synth::genre_name(g);
  }
}

TEST(Composer, NotesFillTheWholeClipInEveryGenre) {
  for (Genre g : synth::kAllGenres)
    for (uint64_t seed = 0; seed < 20; ++seed) {
      const auto s = score_of(g, seed, 30);
      double last = 0;
      for (const auto& n : s.notes) {
        EXPECT_GE(n.start, 0.0);
        EXPECT_LT(n.start, 30.0);
        EXPECT_GT(n.length, 0.0);
        EXPECT_GE(n.velocity, 1);
        EXPECT_LE(n.velocity, 127);
        last = std::max(last, n.start);
      }
      // Even slow, rubato classical keeps playing into the last two seconds.
      EXPECT_GT(last, 28.0) << synth::genre_name(g) << " seed " << seed;
    }
}

TEST(Composer, TempoStaysInsideEachGenresRange) {
  const std::pair<double, double> ranges[] = {{66, 100}, {60, 108}, {96, 136}, {112, 128}, {82, 98},
                                              {110, 180}, {120, 170}, {96, 126}, {66, 86}, {100, 150}};
  for (Genre g : synth::kAllGenres)
    for (uint64_t seed = 0; seed < 30; ++seed) {
      const double t = score_of(g, seed, 4).tempo_bpm;
      EXPECT_GE(t, ranges[size_t(g)].first) << synth::genre_name(g);
      EXPECT_LE(t, ranges[size_t(g)].second) << synth::genre_name(g);
    }
}

TEST(Composer, ClassicalHasNoDrumsEveryOtherGenreDoes) {
  for (Genre g : synth::kAllGenres)
    for (uint64_t seed = 0; seed < 5; ++seed) {
      const auto s = score_of(g, seed, 8);
      EXPECT_EQ(on_channel(s, synth::kDrumChannel).empty(), g == Genre::classical) << synth::genre_name(g);
    }
}

TEST(Composer, MetalChordsArePowerChordsOnDistortedGuitars) {
  for (uint64_t seed = 0; seed < 10; ++seed) {
    const auto s = score_of(Genre::metal, seed, 10);
    const auto& comp = s.parts.at(1);
    EXPECT_TRUE(comp.program == 29 || comp.program == 30) << comp.name;
    // Chord notes are written chord by chord, so consecutive triples are chords (the clip's end may
    // cut the last one short). Every one must be a power chord, root + fifth + octave: no third.
    const auto notes = on_channel(s, 1);
    ASSERT_GE(notes.size(), 3u);
    for (size_t i = 0; i + 2 < notes.size(); i += 3) {
      std::array<int, 3> k{notes[i].key, notes[i + 1].key, notes[i + 2].key};
      std::sort(k.begin(), k.end());
      EXPECT_EQ(k[1] - k[0], 7);
      EXPECT_EQ(k[2] - k[0], 12);
    }
  }
}

TEST(Composer, ReggaeSkankFallsOnOffBeats) {
  for (uint64_t seed = 0; seed < 10; ++seed) {
    const auto s = score_of(Genre::reggae, seed, 12);
    const double beat = 60.0 / s.tempo_bpm;
    for (const auto& n : on_channel(s, 1)) {
      const double phase = std::fmod(n.start / beat, 1.0);
      // Off-beat eighths, give or take swing (<= 0.56) and humanising (<= 6 ms + strum).
      EXPECT_GT(phase, 0.4) << "seed " << seed << " note at " << n.start;
      EXPECT_LT(phase, 0.7) << "seed " << seed << " note at " << n.start;
    }
  }
}

TEST(Composer, ArtistsStyleKeepsInstrumentsAcrossSongs) {
  const synth::Style style = synth::draw_style(Genre::jazz, 77);
  std::set<std::vector<std::string>> palettes;
  std::set<std::string> keys;
  for (uint64_t song = 0; song < 8; ++song) {
    const auto s = synth::compose(style, song, 6);
    palettes.insert(s.instrument_names());
    keys.insert(s.key);
    EXPECT_NEAR(s.tempo_bpm, style.tempo_bpm, 0.041 * style.tempo_bpm);
  }
  EXPECT_EQ(palettes.size(), 1u);
  EXPECT_GT(keys.size(), 1u);  // but the songs differ
}

TEST(Composer, RandomIsFixedByItsOwnCode) {
  // SplitMix64 reference values (seed 1234567): the corpus must not change with the standard library.
  synth::Rng r(1234567);
  EXPECT_EQ(r.next(), 6457827717110365317ull);
  EXPECT_EQ(r.next(), 3203168211198807973ull);
}

}  // namespace
}  // namespace soundalike::test

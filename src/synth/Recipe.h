#pragma once
// Internal to src/synth: what makes each genre sound like itself. One table entry per genre, read by
// draw_style() (palettes, tempo, feel) and compose() (harmony, patterns, parts).
#include <span>
#include <string_view>
#include <vector>

#include "synth/Genre.h"

namespace soundalike::synth {

enum class BassStyle { eighths, root_fifth, walking, boogie, octaves, follow_kick, one_drop, sustained };
enum class CompStyle { strum, boom_chick, power_chugs, skank, sustain, stabs, jazz_comp, arpeggio, shuffle_dyads };

// One drum voice over a 4/4 bar of sixteen 16th steps: 'X' accent, 'x' normal, 'o' ghost, '.' rest.
struct DrumLine {
  int key;  // General MIDI percussion key (36 kick, 38 snare, 42 closed hi-hat, ...)
  std::string_view steps;
};
struct DrumPattern {
  std::vector<DrumLine> verse;
  std::vector<DrumLine> chorus;  // empty = same as verse
};

struct Recipe {
  double tempo_lo, tempo_hi;  // BPM
  double major_probability;
  // Roman numerals relative to the tonic, one bar per token, "ii7+V7" = two chords in one bar.
  std::vector<std::string_view> major_progressions, minor_progressions;
  std::vector<DrumPattern> drums;  // empty = no drums at all
  BassStyle bass;
  std::vector<int> scale_major, scale_minor;  // the melody's scale, semitones above the tonic
  std::vector<double> lead_rhythm;  // weights of note lengths 1, 2, 3, 4, 6, 8, 12, 16 sixteenths
  double lead_rest;                 // chance that a slot of the melody is a rest
  bool lead_loops;                  // one-bar melodic loop repeated (hip hop's sampled-loop feel)
  std::vector<int> bass_palette, comp_palette, lead_palette, pad_palette;  // GM programs
  double pad_probability;
  double swing_lo, swing_hi;  // off-beat eighth position within the beat
  double swing16;             // off-beat sixteenth position within the eighth (0.5 = straight)
  double humanize_ms;         // timing jitter, +-
  int velocity_jitter;        // +-
  double reverb_lo, reverb_hi, room_lo, room_hi;
  double loudness_lo, loudness_hi;  // target RMS of the clip, dBFS
  bool rubato;                // tempo breathes (classical): no steady grid
  bool fills;                 // drum fills at the ends of sections
  int bass_low;               // lowest bass root, MIDI
  int comp_center;            // centre of chord voicings, MIDI
  int lead_low, lead_high;    // melody range, MIDI
};

const Recipe& recipe(Genre genre);

// The comping style that suits this genre played on this instrument (a distorted guitar chugs power
// chords where a piano would strum the same progression).
CompStyle comp_style_for(Genre genre, int comp_program);

}  // namespace soundalike::synth

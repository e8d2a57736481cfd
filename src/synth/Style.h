#pragma once
// A band's sound: the choices that stay fixed from song to song. A corpus clip draws a fresh style per
// clip; a library artist draws one and keeps it, so that an artist's songs sound related.
#include <cstdint>

#include "synth/Genre.h"

namespace soundalike::synth {

struct Style {
  Genre genre = Genre::pop;
  int bass_program = 33;    // General MIDI programs, 0-based
  int comp_program = 0;     // the chord instrument
  int lead_program = 73;    // the melody instrument
  int pad_program = -1;     // -1 = no pad
  int drum_pattern = 0;     // index into the genre's pattern list (ignored for genres without drums)
  double tempo_bpm = 120;   // centre; songs vary a few percent around it
  double swing = 0.5;       // position of the off-beat eighth within the beat (0.5 straight, 0.67 triplet)
  double reverb_level = 0.4;
  double reverb_room = 0.4;
  double lead_volume = 1.0; // mix multipliers around the genre's defaults
  double comp_volume = 1.0;
  double drum_volume = 1.0;
};

// A random style from the genre's recipe (tempo range, palettes, patterns, feel).
Style draw_style(Genre genre, uint64_t seed);

}  // namespace soundalike::synth

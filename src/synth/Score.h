#pragma once
// What the composer hands to the renderer: instruments on MIDI channels and timed notes, in seconds.
#include <string>
#include <vector>

#include "synth/Genre.h"

namespace soundalike::synth {

inline constexpr int kDrumChannel = 9;  // General MIDI's percussion channel

struct Part {
  int channel = 0;
  int program = 0;      // General MIDI program, 0-based; ignored on the drum channel
  std::string name;     // "fingered bass", "drum kit"
  int volume = 100;     // CC7
  int pan = 64;         // CC10, 0 = left, 127 = right
  int reverb_send = 40; // CC91
};

struct Note {
  double start = 0;   // seconds from the beginning of the clip
  double length = 0;  // seconds
  int channel = 0;
  int key = 60;       // MIDI note number
  int velocity = 100;
};

struct Score {
  Genre genre = Genre::pop;
  double tempo_bpm = 120;  // the nominal tempo; classical scores drift around it (rubato)
  std::string key;         // "E minor", "Bb major"
  std::vector<Part> parts;
  std::vector<Note> notes; // any order
  double reverb_room = 0.4;   // FluidSynth reverb room size, 0..1
  double reverb_level = 0.4;  // FluidSynth reverb output level, 0..1
  double loudness_db = -16;   // target RMS of the finished clip, dBFS

  // Instrument names in channel order, e.g. {"fingered bass", "clean electric guitar", "drum kit"}.
  std::vector<std::string> instrument_names() const;
};

}  // namespace soundalike::synth

#pragma once
// Turns a style and a seed into a score: harmony, bass line, comping, melody and drums, in sections.
#include <cstdint>

#include "synth/Score.h"
#include "synth/Style.h"

namespace soundalike::synth {

// A song of at least `seconds` (notes may run past the end; the renderer cuts). Pure: the same
// arguments give the same score on every machine.
Score compose(const Style& style, uint64_t seed, double seconds);

// General MIDI program name ("fingered bass"), lower case; "drum kit" for the percussion channel.
const char* program_name(int program);

}  // namespace soundalike::synth

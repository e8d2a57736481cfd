#include "synth/Style.h"

#include "synth/Random.h"
#include "synth/Recipe.h"

namespace soundalike::synth {

Style draw_style(Genre genre, uint64_t seed) {
  const Recipe& r = recipe(genre);
  Rng rng(mix_seed(seed, 0x5717e));
  Style s;
  s.genre = genre;
  s.bass_program = rng.pick<int>(r.bass_palette);
  s.comp_program = rng.pick<int>(r.comp_palette);
  s.lead_program = rng.pick<int>(r.lead_palette);
  s.pad_program = (!r.pad_palette.empty() && rng.chance(r.pad_probability)) ? rng.pick<int>(r.pad_palette) : -1;
  s.drum_pattern = r.drums.empty() ? 0 : rng.between(0, int(r.drums.size()) - 1);
  s.tempo_bpm = rng.uniform(r.tempo_lo, r.tempo_hi);
  s.swing = rng.uniform(r.swing_lo, r.swing_hi);
  s.reverb_level = rng.uniform(r.reverb_lo, r.reverb_hi);
  s.reverb_room = rng.uniform(r.room_lo, r.room_hi);
  s.lead_volume = rng.uniform(0.8, 1.1);
  s.comp_volume = rng.uniform(0.75, 1.1);
  s.drum_volume = rng.uniform(0.85, 1.1);
  return s;
}

}  // namespace soundalike::synth

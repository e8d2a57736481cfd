#include "synth/Recipe.h"

#include <algorithm>
#include <array>

namespace soundalike::synth {
namespace {

// General MIDI percussion keys.
constexpr int kick = 36, rim = 37, snare = 38, clap = 39, closed_hat = 42, pedal_hat = 44, open_hat = 46,
              crash = 49, ride = 51, tambourine = 54, cowbell = 56, shaker = 70;

const std::vector<int> major_scale{0, 2, 4, 5, 7, 9, 11};
const std::vector<int> minor_scale{0, 2, 3, 5, 7, 8, 10};
const std::vector<int> major_pentatonic{0, 2, 4, 7, 9};
const std::vector<int> minor_pentatonic{0, 3, 5, 7, 10};
const std::vector<int> blues_scale{0, 3, 5, 6, 7, 10};
const std::vector<int> dorian{0, 2, 3, 5, 7, 9, 10};
const std::vector<int> mixolydian{0, 2, 4, 5, 7, 9, 10};
const std::vector<int> harmonic_minor{0, 2, 3, 5, 7, 8, 11};

std::array<Recipe, 10> make_recipes() {
  std::array<Recipe, 10> r{};

  r[size_t(Genre::blues)] = Recipe{
      .tempo_lo = 66, .tempo_hi = 100, .major_probability = 0.75,
      .major_progressions = {"I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7", "I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7"},
      .minor_progressions = {"i7 i7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7"},
      .drums = {{.verse = {{kick, "x.......x......."}, {snare, "....x.......x..."}, {closed_hat, "x.x.x.x.x.x.x.x."}},
                 .chorus = {{kick, "x.......x......."}, {snare, "....X.......X..."}, {ride, "x.x.x.x.x.x.x.x."}}},
                {.verse = {{kick, "x.....x.x......."}, {snare, "....x.......x..o"}, {ride, "x.x.x.x.x.x.x.x."},
                           {pedal_hat, "....x.......x..."}}, .chorus = {}}},
      .bass = BassStyle::boogie,
      .scale_major = blues_scale, .scale_minor = blues_scale,
      .lead_rhythm = {0.5, 3, 2, 3, 2, 2, 1, 0.5}, .lead_rest = 0.3, .lead_loops = false,
      .bass_palette = {32, 33, 34}, .comp_palette = {0, 16, 27, 29, 4, 26}, .lead_palette = {22, 65, 66, 29, 27, 56},
      .pad_palette = {16, 19}, .pad_probability = 0.2,
      .swing_lo = 0.64, .swing_hi = 0.70, .swing16 = 0.5, .humanize_ms = 10, .velocity_jitter = 10,
      .reverb_lo = 0.2, .reverb_hi = 0.5, .room_lo = 0.3, .room_hi = 0.6, .loudness_lo = -20, .loudness_hi = -15,
      .rubato = false, .fills = true, .bass_low = 28, .comp_center = 58, .lead_low = 60, .lead_high = 84};

  r[size_t(Genre::classical)] = Recipe{
      .tempo_lo = 60, .tempo_hi = 108, .major_probability = 0.6,
      .major_progressions = {"I IV V I", "I vi IV V", "I V vi iii IV I IV V", "I ii V I", "I IV ii V"},
      .minor_progressions = {"i iv V i", "i bVI iv V", "i bVII bVI V", "i iv bVII bIII bVI iidim V i"},
      .drums = {},
      .bass = BassStyle::sustained,
      .scale_major = major_scale, .scale_minor = harmonic_minor,
      .lead_rhythm = {0, 1, 1, 3, 2, 3, 1, 1}, .lead_rest = 0.08, .lead_loops = false,
      .bass_palette = {42, 43, 70, 42}, .comp_palette = {48, 49, 0, 46, 6, 44}, .lead_palette = {40, 73, 68, 71, 60, 41},
      .pad_palette = {49, 52, 48}, .pad_probability = 0.5,
      .swing_lo = 0.5, .swing_hi = 0.5, .swing16 = 0.5, .humanize_ms = 15, .velocity_jitter = 6,
      .reverb_lo = 0.5, .reverb_hi = 0.9, .room_lo = 0.6, .room_hi = 0.95, .loudness_lo = -24, .loudness_hi = -18,
      .rubato = true, .fills = false, .bass_low = 36, .comp_center = 62, .lead_low = 62, .lead_high = 88};

  r[size_t(Genre::country)] = Recipe{
      .tempo_lo = 96, .tempo_hi = 136, .major_probability = 1.0,
      .major_progressions = {"I I IV I V V I I", "I IV V I", "I IV I V", "I I IV IV V IV I V"},
      .minor_progressions = {},
      .drums = {{.verse = {{kick, "x.......x......."}, {rim, "....x.......x..."}, {closed_hat, "x.x.x.x.x.x.x.x."}},
                 .chorus = {{kick, "x.......x......."}, {snare, "....X.......X..."}, {closed_hat, "x.x.x.x.x.x.x.x."},
                            {tambourine, "....x.......x..."}}},
                {.verse = {{kick, "x.......x......."}, {snare, "oox.ooX.oox.ooX."}, {pedal_hat, "..x...x...x...x."}}, .chorus = {}}},
      .bass = BassStyle::root_fifth,
      .scale_major = major_pentatonic, .scale_minor = minor_pentatonic,
      .lead_rhythm = {0.5, 3, 1, 3, 1, 2, 0.5, 0.5}, .lead_rest = 0.2, .lead_loops = false,
      .bass_palette = {32, 33}, .comp_palette = {25, 24, 27, 0, 3}, .lead_palette = {110, 105, 22, 27, 25, 26},
      .pad_palette = {48, 21}, .pad_probability = 0.3,
      .swing_lo = 0.5, .swing_hi = 0.58, .swing16 = 0.5, .humanize_ms = 7, .velocity_jitter = 10,
      .reverb_lo = 0.2, .reverb_hi = 0.45, .room_lo = 0.3, .room_hi = 0.5, .loudness_lo = -18, .loudness_hi = -14,
      .rubato = false, .fills = true, .bass_low = 28, .comp_center = 60, .lead_low = 62, .lead_high = 86};

  r[size_t(Genre::disco)] = Recipe{
      .tempo_lo = 112, .tempo_hi = 128, .major_probability = 0.5,
      .major_progressions = {"vi7 ii7 V7 Imaj7", "Imaj7 ii7 iii7 ii7", "ii7 V7 Imaj7 vi7"},
      .minor_progressions = {"i7 iv7 i7 iv7", "i7 bVII bVI bVII", "i7 i7 iv7 V7"},
      .drums = {{.verse = {{kick, "X...x...X...x..."}, {snare, "....x.......x..."}, {closed_hat, "xo.oxo.oxo.oxo.o"},
                           {open_hat, "..X...X...X...X."}},
                 .chorus = {{kick, "X...x...X...x..."}, {clap, "....X.......X..."}, {closed_hat, "xo.oxo.oxo.oxo.o"},
                            {open_hat, "..X...X...X...X."}, {tambourine, "x.x.x.x.x.x.x.x."}}},
                {.verse = {{kick, "X...x...X...x..."}, {clap, "....x.......x..."}, {closed_hat, "x...x...x...x..."},
                           {open_hat, "..X...X...X...X."}, {cowbell, "..o...o...o...o."}}, .chorus = {}}},
      .bass = BassStyle::octaves,
      .scale_major = major_scale, .scale_minor = dorian,
      .lead_rhythm = {1, 3, 2, 3, 1, 1, 0.3, 0.3}, .lead_rest = 0.2, .lead_loops = false,
      .bass_palette = {33, 36, 38, 37}, .comp_palette = {28, 27, 4, 7, 48, 50},
      .lead_palette = {61, 62, 48, 81, 80, 73, 53}, .pad_palette = {48, 50, 49}, .pad_probability = 0.6,
      .swing_lo = 0.5, .swing_hi = 0.5, .swing16 = 0.5, .humanize_ms = 2, .velocity_jitter = 6,
      .reverb_lo = 0.2, .reverb_hi = 0.45, .room_lo = 0.3, .room_hi = 0.6, .loudness_lo = -16, .loudness_hi = -12,
      .rubato = false, .fills = true, .bass_low = 28, .comp_center = 64, .lead_low = 64, .lead_high = 88};

  r[size_t(Genre::hiphop)] = Recipe{
      .tempo_lo = 82, .tempo_hi = 98, .major_probability = 0.3,
      .major_progressions = {"Imaj7 vi7 ii7 V7", "IVmaj7 iii7 ii7 Imaj7"},
      .minor_progressions = {"i9 i9 bVImaj7 bVImaj7", "i7 iv7", "i9 bVII bVI V7", "i7 bIIImaj7 bVImaj7 V7"},
      .drums = {{.verse = {{kick, "X......xx.x....."}, {snare, "....X.......X..."}, {closed_hat, "x.x.x.x.x.x.x.x."}}, .chorus = {}},
                {.verse = {{kick, "X.....x...X..x.."}, {snare, "....X.......X..."}, {closed_hat, "x.xxx.x.x.xxx.x."}},
                 .chorus = {{kick, "X.....x...X..x.."}, {clap, "....X.......X..."}, {closed_hat, "x.xxx.x.x.xxx.x."},
                            {open_hat, "..............x."}}}},
      .bass = BassStyle::follow_kick,
      .scale_major = major_pentatonic, .scale_minor = minor_pentatonic,
      .lead_rhythm = {0.5, 3, 1, 3, 1, 1, 0, 0}, .lead_rest = 0.35, .lead_loops = true,
      .bass_palette = {38, 39, 33, 35}, .comp_palette = {4, 0, 5, 11, 88, 89},
      .lead_palette = {4, 0, 11, 80, 52, 61, 46}, .pad_palette = {89, 88, 91, 48}, .pad_probability = 0.5,
      .swing_lo = 0.5, .swing_hi = 0.5, .swing16 = 0.58, .humanize_ms = 8, .velocity_jitter = 8,
      .reverb_lo = 0.15, .reverb_hi = 0.4, .room_lo = 0.2, .room_hi = 0.5, .loudness_lo = -16, .loudness_hi = -12,
      .rubato = false, .fills = false, .bass_low = 26, .comp_center = 62, .lead_low = 62, .lead_high = 84};

  r[size_t(Genre::jazz)] = Recipe{
      .tempo_lo = 110, .tempo_hi = 180, .major_probability = 0.7,
      .major_progressions = {"ii7 V7 Imaj7 Imaj7", "ii7 V7 Imaj7 vi7", "Imaj7 vi7 ii7 V7", "iii7 vi7 ii7 V7",
                             "Imaj7+vi7 ii7+V7 Imaj7 ii7+V7"},
      .minor_progressions = {"iim7b5 V7 i7 i7", "i7 iv7 iim7b5+V7 i7"},
      .drums = {{.verse = {{ride, "x...x.x.x...x.x."}, {pedal_hat, "....x.......x..."}, {kick, "o...o...o...o..."}}, .chorus = {}},
                {.verse = {{ride, "x...x.x.x...x.x."}, {pedal_hat, "....x.......x..."}, {kick, "o.......o......."},
                           {rim, "..........o....."}}, .chorus = {}}},
      .bass = BassStyle::walking,
      .scale_major = major_scale, .scale_minor = dorian,
      .lead_rhythm = {0.3, 4, 1.5, 2, 1, 1, 0.3, 0.2}, .lead_rest = 0.2, .lead_loops = false,
      .bass_palette = {32, 32, 35}, .comp_palette = {0, 4, 26, 11}, .lead_palette = {65, 66, 56, 59, 11, 73, 57, 64},
      .pad_palette = {}, .pad_probability = 0.0,
      .swing_lo = 0.64, .swing_hi = 0.70, .swing16 = 0.5, .humanize_ms = 10, .velocity_jitter = 12,
      .reverb_lo = 0.25, .reverb_hi = 0.5, .room_lo = 0.4, .room_hi = 0.7, .loudness_lo = -22, .loudness_hi = -17,
      .rubato = false, .fills = false, .bass_low = 28, .comp_center = 60, .lead_low = 60, .lead_high = 84};

  r[size_t(Genre::metal)] = Recipe{
      .tempo_lo = 120, .tempo_hi = 170, .major_probability = 0.0,
      .major_progressions = {},
      .minor_progressions = {"i5 i5 bVI5 bVII5", "i5 bII5 i5 bII5", "i5 bVII5 bVI5 V5", "i5 iv5 bVI5 V5"},
      .drums = {{.verse = {{kick, "xxxxxxxxxxxxxxxx"}, {snare, "....X.......X..."}, {ride, "x.x.x.x.x.x.x.x."}},
                 .chorus = {{kick, "xxxxxxxxxxxxxxxx"}, {snare, "....X.......X..."}, {crash, "X...x...X...x..."}}},
                {.verse = {{kick, "x.xxx.xxx.xxx.xx"}, {snare, "....X.......X..."}, {closed_hat, "x.x.x.x.x.x.x.x."}},
                 .chorus = {{kick, "xxxxxxxxxxxxxxxx"}, {snare, "....X.......X..."}, {crash, "X...x...X...x..."}}}},
      .bass = BassStyle::eighths,
      .scale_major = harmonic_minor, .scale_minor = harmonic_minor,
      .lead_rhythm = {3, 3, 1, 2, 0.5, 0.5, 0.2, 0.2}, .lead_rest = 0.1, .lead_loops = false,
      .bass_palette = {34, 33}, .comp_palette = {30, 29, 30}, .lead_palette = {30, 29, 81, 84},
      .pad_palette = {48, 52, 19, 89}, .pad_probability = 0.3,
      .swing_lo = 0.5, .swing_hi = 0.5, .swing16 = 0.5, .humanize_ms = 3, .velocity_jitter = 6,
      .reverb_lo = 0.15, .reverb_hi = 0.35, .room_lo = 0.3, .room_hi = 0.6, .loudness_lo = -13, .loudness_hi = -10,
      .rubato = false, .fills = true, .bass_low = 28, .comp_center = 50, .lead_low = 62, .lead_high = 88};

  r[size_t(Genre::pop)] = Recipe{
      .tempo_lo = 96, .tempo_hi = 126, .major_probability = 0.75,
      .major_progressions = {"I V vi IV", "vi IV I V", "I vi IV V", "IV I V vi"},
      .minor_progressions = {"i bVI bIII bVII", "i bVII bVI bVII"},
      .drums = {{.verse = {{kick, "x.....x...x....."}, {clap, "....x.......x..."}, {closed_hat, "x.x.x.x.x.x.x.x."}},
                 .chorus = {{kick, "x.....x...x....."}, {clap, "....X.......X..."}, {closed_hat, "x.x.x.x.x.x.x.x."},
                            {tambourine, "..x...x...x...x."}}},
                {.verse = {{kick, "x.......x......."}, {snare, "....x.......x..."}, {closed_hat, "xoxoxoxoxoxoxoxo"}},
                 .chorus = {{kick, "x.......x.x....."}, {snare, "....X.......X..."}, {open_hat, "x.x.x.x.x.x.x.x."}}}},
      .bass = BassStyle::eighths,
      .scale_major = major_scale, .scale_minor = minor_scale,
      .lead_rhythm = {0.3, 3, 2, 3, 1, 1.5, 0.3, 0.2}, .lead_rest = 0.2, .lead_loops = false,
      .bass_palette = {33, 38, 34, 35}, .comp_palette = {0, 1, 4, 27, 25, 5, 50},
      .lead_palette = {80, 81, 0, 73, 53, 54, 11, 27, 65}, .pad_palette = {48, 50, 89, 90, 88}, .pad_probability = 0.6,
      .swing_lo = 0.5, .swing_hi = 0.5, .swing16 = 0.5, .humanize_ms = 3, .velocity_jitter = 8,
      .reverb_lo = 0.25, .reverb_hi = 0.5, .room_lo = 0.3, .room_hi = 0.6, .loudness_lo = -16, .loudness_hi = -12,
      .rubato = false, .fills = true, .bass_low = 28, .comp_center = 62, .lead_low = 62, .lead_high = 86};

  r[size_t(Genre::reggae)] = Recipe{
      .tempo_lo = 66, .tempo_hi = 86, .major_probability = 0.6,
      .major_progressions = {"I IV V IV", "I V IV V", "I IV I V"},
      .minor_progressions = {"i bVII i bVII", "i iv i bVII", "i7 iv7 i7 V"},
      .drums = {{.verse = {{kick, "........X......."}, {rim, "........x......."}, {closed_hat, "..x...x...x...x."}}, .chorus = {}},
                {.verse = {{kick, "........X......."}, {rim, "........X......."}, {closed_hat, "..x...x...x....."},
                           {open_hat, "..............x."}},
                 .chorus = {{kick, "........X......."}, {snare, "........X......."}, {closed_hat, "..x...x...x...x."},
                            {shaker, "..o...o...o...o."}}}},
      .bass = BassStyle::one_drop,
      .scale_major = major_pentatonic, .scale_minor = minor_pentatonic,
      .lead_rhythm = {0, 2, 1, 3, 1, 2, 0.5, 0.3}, .lead_rest = 0.35, .lead_loops = false,
      .bass_palette = {33, 34, 32}, .comp_palette = {27, 28, 16, 18, 0, 17},
      .lead_palette = {16, 56, 65, 22, 21, 27, 57}, .pad_palette = {16, 48}, .pad_probability = 0.25,
      .swing_lo = 0.5, .swing_hi = 0.56, .swing16 = 0.5, .humanize_ms = 6, .velocity_jitter = 8,
      .reverb_lo = 0.25, .reverb_hi = 0.55, .room_lo = 0.4, .room_hi = 0.7, .loudness_lo = -17, .loudness_hi = -13,
      .rubato = false, .fills = false, .bass_low = 26, .comp_center = 66, .lead_low = 62, .lead_high = 84};

  r[size_t(Genre::rock)] = Recipe{
      .tempo_lo = 100, .tempo_hi = 150, .major_probability = 0.65,
      .major_progressions = {"I IV V IV", "I bVII IV I", "I V IV IV", "I IV vi V"},
      .minor_progressions = {"i bVII bVI bVII", "i bIII bVII IV"},
      .drums = {{.verse = {{kick, "x.......x.x....."}, {snare, "....X.......X..."}, {closed_hat, "x.x.x.x.x.x.x.x."}},
                 .chorus = {{kick, "x.......x.x....."}, {snare, "....X.......X..."}, {ride, "x.x.x.x.x.x.x.x."}}},
                {.verse = {{kick, "x.x.....x......."}, {snare, "....X.......X..o"}, {closed_hat, "x.x.x.x.x.x.x.x."}},
                 .chorus = {{kick, "x.x.....x.x....."}, {snare, "....X.......X..."}, {open_hat, "x.x.x.x.x.x.x.x."}}}},
      .bass = BassStyle::eighths,
      .scale_major = major_pentatonic, .scale_minor = minor_pentatonic,
      .lead_rhythm = {0.5, 3, 2, 3, 1, 1.5, 0.5, 0.3}, .lead_rest = 0.2, .lead_loops = false,
      .bass_palette = {34, 33}, .comp_palette = {29, 30, 27, 25, 18, 0}, .lead_palette = {29, 30, 27, 18, 81},
      .pad_palette = {48, 18, 89}, .pad_probability = 0.3,
      .swing_lo = 0.5, .swing_hi = 0.5, .swing16 = 0.5, .humanize_ms = 6, .velocity_jitter = 8,
      .reverb_lo = 0.2, .reverb_hi = 0.45, .room_lo = 0.3, .room_hi = 0.6, .loudness_lo = -15, .loudness_hi = -11,
      .rubato = false, .fills = true, .bass_low = 28, .comp_center = 56, .lead_low = 62, .lead_high = 86};
  return r;
}

bool among(int program, std::initializer_list<int> set) {
  return std::find(set.begin(), set.end(), program) != set.end();
}

}  // namespace

const Recipe& recipe(Genre genre) {
  static const std::array<Recipe, 10> recipes = make_recipes();  // immutable after first use
  return recipes[size_t(genre)];
}

CompStyle comp_style_for(Genre genre, int p) {
  switch (genre) {
    case Genre::blues: return among(p, {26, 27, 29}) ? CompStyle::shuffle_dyads : CompStyle::strum;
    case Genre::classical: return among(p, {0, 6, 46}) ? CompStyle::arpeggio : CompStyle::sustain;
    case Genre::country: return among(p, {0, 3}) ? CompStyle::boom_chick : CompStyle::strum;
    case Genre::disco: return among(p, {48, 50}) ? CompStyle::sustain : CompStyle::stabs;
    case Genre::hiphop: return among(p, {88, 89}) ? CompStyle::sustain : CompStyle::stabs;
    case Genre::jazz: return CompStyle::jazz_comp;
    case Genre::metal: return CompStyle::power_chugs;
    case Genre::pop: return p == 50 ? CompStyle::sustain : CompStyle::strum;
    case Genre::reggae: return CompStyle::skank;
    case Genre::rock: return among(p, {29, 30}) ? CompStyle::power_chugs : CompStyle::strum;
  }
  return CompStyle::strum;
}

}  // namespace soundalike::synth

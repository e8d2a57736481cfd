#include "synth/Composer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <cmath>
#include <numbers>
#include <string_view>

#include "common/Error.h"
#include "synth/Random.h"
#include "synth/Recipe.h"

namespace soundalike::synth {
namespace {

constexpr int kStepsPerBar = 16;  // 4/4 in sixteenth notes
constexpr int kBassChannel = 0, kCompChannel = 1, kLeadChannel = 2, kPadChannel = 3;

int floor_mod(int a, int n) { return ((a % n) + n) % n; }
int floor_div(int a, int n) { return (a - floor_mod(a, n)) / n; }

struct Chord {
  int root = 0;                // semitones above the tonic
  std::vector<int> intervals;  // semitones above the root, root included
};

struct BarHarmony {
  Chord first, second;
  bool split = false;  // two chords, one per half bar
  const Chord& at(int step) const { return split && step >= kStepsPerBar / 2 ? second : first; }
};

// "bVII7", "ii7", "Imaj7", "i5", "iim7b5": accidental, numeral (case = major/minor), suffix.
Chord parse_chord(std::string_view token) {
  auto bad = [&] { return Error(ExitCode::internal, "bad chord symbol in a genre recipe: " + std::string(token)); };
  Chord c;
  size_t i = 0;
  if (i < token.size() && (token[i] == 'b' || token[i] == '#')) c.root += token[i++] == 'b' ? -1 : 1;
  const size_t numeral_start = i;
  while (i < token.size() && std::string_view("IViv").find(token[i]) != std::string_view::npos) ++i;
  std::string numeral(token.substr(numeral_start, i - numeral_start));
  if (numeral.empty()) throw bad();
  const bool upper = std::isupper(static_cast<unsigned char>(numeral[0])) != 0;
  for (char& ch : numeral) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  static constexpr std::array<std::pair<std::string_view, int>, 7> degrees{
      {{"I", 0}, {"II", 2}, {"III", 4}, {"IV", 5}, {"V", 7}, {"VI", 9}, {"VII", 11}}};
  const auto it = std::find_if(degrees.begin(), degrees.end(), [&](const auto& d) { return d.first == numeral; });
  if (it == degrees.end()) throw bad();
  c.root = floor_mod(c.root + it->second, 12);
  const std::string_view suffix = token.substr(i);
  const std::vector<int> third{0, upper ? 4 : 3, 7};
  if (suffix.empty()) c.intervals = third;
  else if (suffix == "7") c.intervals = upper ? std::vector<int>{0, 4, 7, 10} : std::vector<int>{0, 3, 7, 10};
  else if (suffix == "maj7") c.intervals = {0, 4, 7, 11};
  else if (suffix == "9") c.intervals = upper ? std::vector<int>{0, 4, 7, 10, 14} : std::vector<int>{0, 3, 7, 10, 14};
  else if (suffix == "5") c.intervals = {0, 7, 12};
  else if (suffix == "dim") c.intervals = {0, 3, 6};
  else if (suffix == "m7b5") c.intervals = {0, 3, 6, 10};
  else throw bad();
  return c;
}

std::vector<BarHarmony> parse_progression(std::string_view text) {
  std::vector<BarHarmony> bars;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view token = text.substr(start, end - start);
    BarHarmony bar;
    if (const size_t plus = token.find('+'); plus != std::string_view::npos) {
      bar.first = parse_chord(token.substr(0, plus));
      bar.second = parse_chord(token.substr(plus + 1));
      bar.split = true;
    } else {
      bar.first = parse_chord(token);
    }
    bars.push_back(std::move(bar));
    start = end + 1;
  }
  return bars;
}

// Where each sixteenth step falls in seconds: swing moves off-beats late, rubato lets the tempo breathe.
class Timeline {
 public:
  Timeline(double tempo, int steps, double swing8, double swing16, bool rubato, Rng& rng)
      : swing8_(swing8), swing16_(swing16), times_(size_t(steps) + 1) {
    double depth = 0, period = 1, phase = 0;
    if (rubato) {
      depth = rng.uniform(0.12, 0.2);
      period = kStepsPerBar * rng.uniform(1.0, 2.5);
      phase = rng.uniform(0, 2 * std::numbers::pi);
    }
    double t = 0;
    for (int s = 0; s <= steps; ++s) {
      times_[size_t(s)] = t;
      const double factor = 1 + depth * std::sin(2 * std::numbers::pi * s / period + phase) +
                            0.5 * depth * std::sin(2 * std::numbers::pi * s / (period * 0.37) + 2 * phase);
      t += 60.0 / (4.0 * tempo * factor);
    }
  }
  double time(double step) const {
    const double swung = swing(step);
    const double clamped = std::clamp(swung, 0.0, double(times_.size() - 1));
    const auto i = std::min(size_t(clamped), times_.size() - 2);
    return times_[i] + (clamped - double(i)) * (times_[i + 1] - times_[i]);
  }

 private:
  // Piecewise-linear maps: within each eighth, then within each beat.
  double swing(double step) const {
    const double eighth = std::floor(step / 2) * 2, g = step - eighth;
    step = eighth + (g < 1 ? g * 2 * swing16_ : 2 * swing16_ + (g - 1) * (2 - 2 * swing16_));
    const double beat = std::floor(step / 4) * 4, f = step - beat;
    return beat + (f < 2 ? f * 2 * swing8_ : 4 * swing8_ + (f - 2) * (4 - 4 * swing8_) / 2);
  }
  double swing8_, swing16_;
  std::vector<double> times_;
};

enum class Section { intro, verse, chorus };

struct Motif {
  struct Hit {
    int pos, len, degree;
  };
  std::vector<Hit> hits;
  int bars = 2;
};

class Composer {
 public:
  Composer(const Style& style, uint64_t seed, double seconds)
      : style_(style), recipe_(recipe(style.genre)), rng_(mix_seed(seed, 0xC0117)), seconds_(seconds) {}

  Score run() {
    choose_key_and_tempo();
    plan_sections();
    timeline_.emplace(score_.tempo_bpm, int(sections_.size()) * kStepsPerBar, style_.swing, recipe_.swing16,
                      recipe_.rubato, rng_);
    set_up_parts();
    Rng drums = rng_.fork("drums"), bass = rng_.fork("bass"), comp = rng_.fork("comp"), lead = rng_.fork("lead"),
        pad = rng_.fork("pad");
    if (!recipe_.drums.empty()) write_drums(drums);
    write_bass(bass);
    write_comp(comp);
    if (style_.pad_program >= 0) write_pad(pad);
    write_lead(lead);
    std::erase_if(score_.notes, [&](const Note& n) { return n.start >= seconds_; });
    return std::move(score_);
  }

 private:
  void choose_key_and_tempo() {
    score_.genre = style_.genre;
    const double tempo = style_.tempo_bpm * rng_.uniform(0.96, 1.04);
    score_.tempo_bpm = std::clamp(tempo, recipe_.tempo_lo, recipe_.tempo_hi);
    tonic_ = rng_.between(0, 11);
    major_ = recipe_.minor_progressions.empty() ||
             (!recipe_.major_progressions.empty() && rng_.chance(recipe_.major_probability));
    const auto& progressions = major_ ? recipe_.major_progressions : recipe_.minor_progressions;
    progression_ = parse_progression(rng_.pick<std::string_view>(progressions));
    scale_ = major_ ? recipe_.scale_major : recipe_.scale_minor;
    static constexpr std::array<const char*, 12> names{"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};
    score_.key = std::string(names[size_t(tonic_)]) + (major_ ? " major" : " minor");
    score_.reverb_level = style_.reverb_level;
    score_.reverb_room = style_.reverb_room;
    score_.loudness_db = rng_.uniform(recipe_.loudness_lo, recipe_.loudness_hi);
  }

  void plan_sections() {
    // Enough bars even if rubato held the tempo at its deepest dip (1 - 1.5 x 0.2) the whole time.
    const double bar_seconds = 240.0 / score_.tempo_bpm;
    const int bars = int(std::ceil(seconds_ / (bar_seconds * 0.7))) + 1;
    intro_bars_ = rng_.pick({1, 2, 2, 4});
    Section next = Section::verse;
    while (int(sections_.size()) < bars) {
      if (sections_.empty()) {
        for (int i = 0; i < intro_bars_; ++i) add_bar(Section::intro, i, intro_bars_);
        continue;
      }
      const int length = rng_.pick({4, 8, 8});
      for (int i = 0; i < length; ++i) add_bar(next, i, length);
      next = next == Section::verse ? Section::chorus : Section::verse;
    }
  }
  void add_bar(Section s, int index, int length) {
    sections_.push_back(s);
    bar_in_section_.push_back(index);
    section_length_.push_back(length);
  }

  void set_up_parts() {
    const bool classical = style_.genre == Genre::classical;
    auto part = [&](int channel, int program, double volume, int pan, int reverb) {
      score_.parts.push_back(Part{channel, program, program_name(program), std::clamp(int(volume), 1, 127),
                                  std::clamp(pan, 0, 127), std::clamp(reverb, 0, 127)});
    };
    const int send = classical ? rng_.between(70, 100) : rng_.between(25, 60);
    part(kBassChannel, style_.bass_program, 100 * rng_.uniform(0.85, 1.0), 64, send / 2);
    part(kCompChannel, style_.comp_program, 88 * style_.comp_volume, rng_.between(34, 94), send);
    part(kLeadChannel, style_.lead_program, 100 * style_.lead_volume, rng_.between(44, 84), send);
    if (style_.pad_program >= 0) part(kPadChannel, style_.pad_program, 70 * rng_.uniform(0.8, 1.1), 64, send + 10);
    if (!recipe_.drums.empty()) {
      score_.parts.push_back(Part{kDrumChannel, 0, "drum kit", std::clamp(int(105 * style_.drum_volume), 1, 127), 64,
                                  send / 2});
    }
  }

  const BarHarmony& harmony(int bar) const {
    return progression_[size_t(floor_mod(bar - intro_bars_, int(progression_.size())))];
  }
  int pitch_class(const Chord& c) const { return floor_mod(tonic_ + c.root, 12); }
  // The lowest key at or above `low` with the chord root's pitch class.
  int root_at_or_above(const Chord& c, int low) const { return low + floor_mod(pitch_class(c) - low, 12); }
  // A close voicing around `center`: each chord tone in the octave nearest the centre.
  std::vector<int> voicing(const Chord& c, int center, bool skip_root = false) const {
    std::vector<int> keys;
    for (int interval : c.intervals) {
      if (skip_root && interval % 12 == 0) continue;
      const int pc = floor_mod(tonic_ + c.root + interval, 12);
      keys.push_back(center - 6 + floor_mod(pc - (center - 6), 12));
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
  }

  void add(int channel, double pos, double len, int key, int velocity, Rng& rng, double jitter_scale = 1.0,
           double extra_seconds = 0.0) {
    const double jitter = recipe_.humanize_ms * jitter_scale / 1000.0;
    const double start = std::max(0.0, timeline_->time(pos) + rng.uniform(-jitter, jitter) + extra_seconds);
    const double end = timeline_->time(pos + len);
    const int vel = velocity + rng.between(-recipe_.velocity_jitter, recipe_.velocity_jitter);
    score_.notes.push_back(Note{start, std::max(0.03, end - start), channel, std::clamp(key, 0, 127),
                                std::clamp(vel, 1, 127)});
  }

  const DrumPattern& drum_pattern() const {
    return recipe_.drums[size_t(style_.drum_pattern) % recipe_.drums.size()];
  }
  const std::vector<DrumLine>& drum_lines(Section s) const {
    const DrumPattern& p = drum_pattern();
    return s == Section::chorus && !p.chorus.empty() ? p.chorus : p.verse;
  }

  void write_drums(Rng& rng) {
    for (int bar = 0; bar < int(sections_.size()); ++bar) {
      const Section s = sections_[size_t(bar)];
      const bool section_start = bar > 0 && bar_in_section_[size_t(bar)] == 0;
      const bool fill = recipe_.fills && s != Section::intro && section_length_[size_t(bar)] >= 4 &&
                        bar_in_section_[size_t(bar)] == section_length_[size_t(bar)] - 1;
      const double level = s == Section::intro ? 0.85 : 1.0;
      for (const DrumLine& line : drum_lines(s)) {
        for (int step = 0; step < kStepsPerBar; ++step) {
          const char c = line.steps[size_t(step)];
          if (c == '.') continue;
          // A fill replaces the snare and cymbals on the last beat; kick and hats keep time.
          if (fill && step >= 12 && line.key != 36) continue;
          const int velocity = c == 'X' ? 112 : c == 'x' ? 92 : 55;
          add(kDrumChannel, bar * kStepsPerBar + step, 1, line.key, int(velocity * level), rng, 0.6);
        }
      }
      if (section_start && s != Section::intro)
        add(kDrumChannel, bar * kStepsPerBar, 8, 49, 105, rng, 0.6);  // crash on the downbeat
      if (fill) {
        static constexpr std::array<std::array<int, 4>, 3> fills{{{38, 38, 38, 38}, {38, 38, 47, 45}, {50, 47, 45, 41}}};
        const auto& f = fills[size_t(rng.between(0, 2))];
        for (int i = 0; i < 4; ++i) add(kDrumChannel, bar * kStepsPerBar + 12 + i, 1, f[size_t(i)], 80 + 8 * i, rng, 0.6);
      }
      if (style_.genre == Genre::jazz) {  // the drummer comps on the snare
        for (int k = rng.between(1, 2); k > 0; --k)
          add(kDrumChannel, bar * kStepsPerBar + rng.pick({2, 6, 7, 10, 11, 14}), 1, 38, rng.between(38, 58), rng);
      }
    }
  }

  void write_bass(Rng& rng) {
    const BassStyle style = recipe_.bass;
    const int low = recipe_.bass_low;
    // Reggae and hip-hop bass parts are riffs chosen once per song.
    const int riff = rng.between(0, 1);
    for (int bar = 0; bar < int(sections_.size()); ++bar) {
      const Section s = sections_[size_t(bar)];
      if (s == Section::intro && bar_in_section_[size_t(bar)] == 0 && intro_bars_ > 1 && rng.chance(0.4)) continue;
      const BarHarmony& h = harmony(bar);
      const double b0 = bar * kStepsPerBar;
      auto root = [&](int step) { return root_at_or_above(h.at(step), low); };
      auto tone = [&](int step, int interval) { return root(step) + interval; };
      switch (style) {
        case BassStyle::eighths:
          for (int step = 0; step < 16; step += 2) {
            int key = root(step);
            if (step >= 12 && rng.chance(0.2)) key += rng.pick({7, 12});
            add(kBassChannel, b0 + step, 1.8, key, step % 4 == 0 ? 100 : 88, rng);
          }
          break;
        case BassStyle::root_fifth:
          add(kBassChannel, b0, 3.5, root(0), 100, rng);
          add(kBassChannel, b0 + 8, 3.5, tone(8, root(8) + 7 > low + 14 ? -5 : 7), 92, rng);
          if (rng.chance(0.3)) {
            add(kBassChannel, b0 + 12, 1.8, tone(12, 4), 85, rng);
            add(kBassChannel, b0 + 14, 1.8, tone(12, 5), 85, rng);
          }
          break;
        case BassStyle::walking: {
          const Chord& next = harmony(bar + 1).at(0);
          const int target = root_at_or_above(next, low);
          const int third = h.at(4).intervals[1];
          add(kBassChannel, b0, 3.6, root(0), 100, rng);
          add(kBassChannel, b0 + 4, 3.6, tone(4, rng.pick({third, 7, 2})), 88, rng);
          add(kBassChannel, b0 + 8, 3.6, root(8) + rng.pick({7, third, 10}), 92, rng);
          add(kBassChannel, b0 + 12, 3.6, target + rng.pick({-1, 1, 7}), 86, rng);
          break;
        }
        case BassStyle::boogie: {
          const int third = h.at(0).intervals[1];
          const std::array<int, 4> up{0, third, 7, 9}, down{10, 9, 7, third};
          const auto& line = bar % 2 == 0 ? up : down;
          for (int beat = 0; beat < 4; ++beat)
            add(kBassChannel, b0 + beat * 4, 3.6, tone(beat * 4, line[size_t(beat)]), beat % 2 == 0 ? 100 : 88, rng);
          break;
        }
        case BassStyle::octaves:
          for (int step = 0; step < 16; step += 2)
            add(kBassChannel, b0 + step, 1.5, root(step) + (step % 4 == 2 ? 12 : 0), step % 4 == 0 ? 100 : 92, rng);
          break;
        case BassStyle::follow_kick: {
          std::vector<int> hits;
          for (const DrumLine& line : drum_lines(s))
            if (line.key == 36)
              for (int step = 0; step < 16; ++step)
                if (line.steps[size_t(step)] != '.') hits.push_back(step);
          if (hits.empty()) hits = {0, 8};
          for (size_t i = 0; i < hits.size(); ++i) {
            const int next = i + 1 < hits.size() ? hits[i + 1] : 16;
            const int interval = rng.chance(0.2) ? rng.pick({7, 10, 12}) : 0;
            add(kBassChannel, b0 + hits[i], std::min(6, next - hits[i]) - 0.3, tone(hits[i], interval), 105, rng);
          }
          break;
        }
        case BassStyle::one_drop: {
          // Rests on the downbeat, as one-drop bass lines do.
          static constexpr std::array<std::array<int, 3>, 5> a{{{2, 2, 0}, {4, 2, 0}, {6, 2, 7}, {8, 3, 0}, {14, 2, 4}}};
          static constexpr std::array<std::array<int, 3>, 5> b{{{2, 2, 0}, {6, 2, 12}, {8, 3, 0}, {11, 1, 7}, {12, 2, 4}}};
          for (const auto& [step, len, interval] : riff == 0 ? a : b)
            add(kBassChannel, b0 + step, len - 0.2, tone(step, interval == 4 ? h.at(step).intervals[1] : interval), 100,
                rng);
          break;
        }
        case BassStyle::sustained:
          if (h.split || rng.chance(0.4)) {
            add(kBassChannel, b0, 8, root(0), 80, rng);
            add(kBassChannel, b0 + 8, 8, h.split ? root(8) : tone(8, 7), 76, rng);
          } else {
            add(kBassChannel, b0, 16, root(0), 80, rng);
          }
          break;
      }
    }
  }

  void write_comp(Rng& rng) {
    const CompStyle style = comp_style_for(style_.genre, style_.comp_program);
    const int center = recipe_.comp_center + rng.between(-3, 3);
    std::string_view pattern;
    switch (style_.genre) {
      case Genre::disco: pattern = rng.pick<std::string_view>({"..x..x....x..x..", "x..x..x...x..x..", "..x...x...x...x."}); break;
      case Genre::hiphop: pattern = rng.pick<std::string_view>({"x.....x...x.....", "x.......x..x....", "x..........x...."}); break;
      case Genre::blues: pattern = "x.x.x.x.x.x.x.x."; break;
      case Genre::metal: pattern = rng.pick<std::string_view>({"xxxxxxxxxxxxxxxx", "x.xxx.xxx.xxx.xx", "x.x.x.x.x.x.x.x."}); break;
      default: pattern = rng.pick<std::string_view>({"x.x.x.x.x.x.x.x.", "x..x..x.x..x..x.", "x...x...x.x.x.x.", "x...x...x...x..."});
    }
    const bool offbeats_too = rng.chance(0.5);
    const int arpeggio_shape = rng.between(0, 2);
    for (int bar = 0; bar < int(sections_.size()); ++bar) {
      const Section s = sections_[size_t(bar)];
      const BarHarmony& h = harmony(bar);
      const double b0 = bar * kStepsPerBar;
      const int accent = s == Section::chorus ? 8 : 0;
      auto chord = [&](double step, double len, const std::vector<int>& keys, int velocity, double strum_ms = 0) {
        for (size_t i = 0; i < keys.size(); ++i)
          add(kCompChannel, b0 + step, len, keys[i], velocity + accent, rng, 1.0, double(i) * strum_ms / 1000.0);
      };
      auto hits_of = [&](std::string_view p, auto&& play) {
        for (int step = 0; step < 16; ++step) {
          if (p[size_t(step)] == '.') continue;
          int next = step + 1;
          while (next < 16 && p[size_t(next)] == '.') ++next;
          play(step, next - step);
        }
      };
      switch (style) {
        case CompStyle::strum:
          hits_of(pattern, [&](int step, int gap) {
            chord(step, gap * 0.9, voicing(h.at(step), center), step % 4 == 0 ? 88 : 72, 7);
          });
          break;
        case CompStyle::boom_chick:
          for (int step : {4, 12}) chord(step, 1.5, voicing(h.at(step), center), 86);
          if (offbeats_too)
            for (int step : {6, 14}) chord(step, 1.2, voicing(h.at(step), center), 66);
          break;
        case CompStyle::power_chugs: {
          auto power = [&](int step) {
            const int r = root_at_or_above(h.at(step), 40);
            return std::vector<int>{r, r + 7, r + 12};
          };
          if (s == Section::chorus) {
            for (int step : {0, 8}) chord(step, 7.6, power(step), 100);
          } else {
            hits_of(pattern, [&](int step, int) { chord(step, 0.7, power(step), step % 4 == 0 ? 104 : 86); });
          }
          break;
        }
        case CompStyle::skank:
          for (int step : {2, 6, 10, 14}) chord(step, 0.9, voicing(h.at(step), center), 92);
          break;
        case CompStyle::sustain:
          if (h.split) {
            chord(0, 7.8, voicing(h.at(0), center), 72);
            chord(8, 7.8, voicing(h.at(8), center), 72);
          } else {
            chord(0, 15.8, voicing(h.at(0), center), 72);
          }
          break;
        case CompStyle::stabs:
          hits_of(pattern, [&](int step, int gap) {
            chord(step, style_.genre == Genre::hiphop ? std::min(gap, 4) - 0.3 : 1.2, voicing(h.at(step), center), 86);
          });
          break;
        case CompStyle::jazz_comp: {
          std::vector<int> slots{0, 2, 6, 8, 10, 14};
          for (int k = rng.between(2, 3); k > 0 && !slots.empty(); --k) {
            const size_t i = size_t(rng.between(0, int(slots.size()) - 1));
            const int step = slots[i];
            slots.erase(slots.begin() + long(i));
            std::vector<int> keys = voicing(h.at(step), center, true);
            if (keys.size() < 4) keys.push_back(root_at_or_above(h.at(step), center - 6) + 14);
            chord(step, rng.between(2, 5), keys, 74);
          }
          break;
        }
        case CompStyle::arpeggio: {
          for (int step = 0; step < 16; step += 2) {
            const std::vector<int> lowv = voicing(h.at(step), center - 6), highv = voicing(h.at(step), center + 6);
            std::vector<int> tones = lowv;
            tones.insert(tones.end(), highv.begin(), highv.end());
            std::sort(tones.begin(), tones.end());
            tones.erase(std::unique(tones.begin(), tones.end()), tones.end());
            const int n = int(tones.size()), i = step / 2;
            int index = 0;
            if (arpeggio_shape == 0) index = std::array<int, 4>{0, 2, 1, 2}[size_t(i % 4)];  // Alberti bass
            else if (arpeggio_shape == 1) index = i % n;                                     // rising
            else index = (i < 4 ? i : 7 - i) % n;                                             // up and down
            // Broken chords breathe: some notes are left out, so the texture never ticks like a clock.
            if (step % 8 != 0 && rng.chance(0.3)) continue;
            add(kCompChannel, b0 + step, 2.4, tones[size_t(index)], step % 8 == 0 ? 78 : 62, rng);
          }
          break;
        }
        case CompStyle::shuffle_dyads:
          for (int beat = 0; beat < 4; ++beat) {
            const int r = root_at_or_above(h.at(beat * 4), 40);
            const std::vector<int> dyad{r, r + (beat % 2 == 0 ? 7 : 9)};
            chord(beat * 4, 1.6, dyad, 92);
            chord(beat * 4 + 2, 1.6, dyad, 74);
          }
          break;
      }
    }
  }

  void write_pad(Rng& rng) {
    for (int bar = 0; bar < int(sections_.size()); ++bar) {
      if (sections_[size_t(bar)] == Section::intro) continue;
      const BarHarmony& h = harmony(bar);
      const int halves = h.split ? 2 : 1;
      for (int half = 0; half < halves; ++half)
        for (int key : voicing(h.at(half * 8), 67))
          add(kPadChannel, bar * kStepsPerBar + half * 8, 16.0 / halves - 0.1, key, 64, rng, 0.5);
    }
  }

  // The melody: a seeded walk on the scale, cut into motifs that repeat with variations, so that
  // songs have hooks instead of noodling.
  void write_lead(Rng& rng) {
    const int n = int(scale_.size());
    const int center = (recipe_.lead_low + recipe_.lead_high) / 2;
    const int base = center - 6 + floor_mod(tonic_ - (center - 6), 12);
    auto key_of = [&](int degree) { return base + scale_[size_t(floor_mod(degree, n))] + 12 * floor_div(degree, n); };
    int lo = 0, hi = 0;
    while (key_of(lo - 1) >= recipe_.lead_low) --lo;
    while (key_of(hi + 1) <= recipe_.lead_high) ++hi;
    const std::array<int, 8> lengths{1, 2, 3, 4, 6, 8, 12, 16};

    auto make_motif = [&](int bars, int start_degree) {
      Motif m;
      m.bars = bars;
      int degree = start_degree;
      static constexpr std::array<double, 7> step_weights{0.3, 1, 3, 0.8, 3, 1, 0.3};
      for (int pos = 0; pos < bars * kStepsPerBar;) {
        const int len = std::min(lengths[rng.weighted(recipe_.lead_rhythm)], bars * kStepsPerBar - pos);
        if (!rng.chance(recipe_.lead_rest) || pos == 0) {
          degree += int(rng.weighted(step_weights)) - 3;
          if (degree < lo) degree = lo + (lo - degree);
          if (degree > hi) degree = hi - (degree - hi);
          degree = std::clamp(degree, lo, hi);
          m.hits.push_back({pos, len, degree});
        }
        pos += len;
      }
      return m;
    };
    const int motif_bars = recipe_.lead_loops ? 1 : 2;
    const Motif verse = make_motif(motif_bars, (lo + hi) / 2 - n / 2);
    const Motif chorus = make_motif(motif_bars, (lo + hi) / 2 + n / 3);
    const double legato = style_.genre == Genre::classical ? 1.0 : style_.genre == Genre::reggae ? 0.7 : 0.9;

    for (int bar = 0; bar < int(sections_.size()); bar += motif_bars) {
      const Section s = sections_[size_t(bar)];
      if (s == Section::intro && !recipe_.lead_loops) continue;
      const Motif& m = s == Section::chorus ? chorus : verse;
      const bool vary = !recipe_.lead_loops && (bar_in_section_[size_t(bar)] / motif_bars) % 2 == 1;
      for (size_t i = 0; i < m.hits.size(); ++i) {
        auto [pos, len, degree] = m.hits[i];
        if (vary && i >= m.hits.size() / 2) degree = std::clamp(degree + rng.between(-2, 2), lo, hi);
        const int bar_of_hit = bar + pos / kStepsPerBar;
        if (bar_of_hit >= int(sections_.size())) break;
        int key = key_of(degree);
        if (pos % 8 == 0) key = nearest_chord_tone(key, harmony(bar_of_hit).at(pos % kStepsPerBar));
        const int velocity = (s == Section::chorus ? 100 : 90) + (pos % 4 == 0 ? 6 : 0);
        add(kLeadChannel, bar * kStepsPerBar + pos, len * legato, key, velocity, rng);
      }
    }
  }

  int nearest_chord_tone(int key, const Chord& c) const {
    for (int d = 0; d < 6; ++d)
      for (int candidate : {key - d, key + d})
        for (int interval : c.intervals)
          if (floor_mod(candidate - (tonic_ + c.root + interval), 12) == 0) return candidate;
    return key;
  }

  const Style& style_;
  const Recipe& recipe_;
  Rng rng_;
  double seconds_;
  Score score_;
  int tonic_ = 0;
  bool major_ = true;
  std::vector<BarHarmony> progression_;
  std::vector<int> scale_;
  int intro_bars_ = 0;
  std::vector<Section> sections_;
  std::vector<int> bar_in_section_, section_length_;
  std::optional<Timeline> timeline_;
};

}  // namespace

std::vector<std::string> Score::instrument_names() const {
  std::vector<std::string> names;
  for (const Part& p : parts) names.push_back(p.name);
  return names;
}

Score compose(const Style& style, uint64_t seed, double seconds) {
  if (!(seconds > 0)) throw Error(ExitCode::usage, "a song must last more than 0 seconds");
  return Composer(style, seed, seconds).run();
}

const char* program_name(int program) {
  static constexpr std::array<const char*, 128> names{
      "acoustic grand piano", "bright acoustic piano", "electric grand piano", "honky-tonk piano", "electric piano 1",
      "electric piano 2", "harpsichord", "clavinet", "celesta", "glockenspiel", "music box", "vibraphone", "marimba",
      "xylophone", "tubular bells", "dulcimer", "drawbar organ", "percussive organ", "rock organ", "church organ",
      "reed organ", "accordion", "harmonica", "tango accordion", "nylon guitar", "steel guitar", "jazz guitar",
      "clean electric guitar", "muted electric guitar", "overdriven guitar", "distortion guitar", "guitar harmonics",
      "acoustic bass", "fingered bass", "picked bass", "fretless bass", "slap bass 1", "slap bass 2", "synth bass 1",
      "synth bass 2", "violin", "viola", "cello", "contrabass", "tremolo strings", "pizzicato strings",
      "orchestral harp", "timpani", "string ensemble 1", "string ensemble 2", "synth strings 1", "synth strings 2",
      "choir aahs", "voice oohs", "synth voice", "orchestra hit", "trumpet", "trombone", "tuba", "muted trumpet",
      "french horn", "brass section", "synth brass 1", "synth brass 2", "soprano sax", "alto sax", "tenor sax",
      "baritone sax", "oboe", "english horn", "bassoon", "clarinet", "piccolo", "flute", "recorder", "pan flute",
      "blown bottle", "shakuhachi", "whistle", "ocarina", "square lead", "sawtooth lead", "calliope lead",
      "chiff lead", "charang lead", "voice lead", "fifths lead", "bass and lead", "new age pad", "warm pad",
      "polysynth pad", "choir pad", "bowed pad", "metallic pad", "halo pad", "sweep pad", "rain fx", "soundtrack fx",
      "crystal fx", "atmosphere fx", "brightness fx", "goblins fx", "echoes fx", "sci-fi fx", "sitar", "banjo",
      "shamisen", "koto", "kalimba", "bagpipe", "fiddle", "shanai", "tinkle bell", "agogo", "steel drums", "woodblock",
      "taiko drum", "melodic tom", "synth drum", "reverse cymbal", "guitar fret noise", "breath noise", "seashore",
      "bird tweet", "telephone ring", "helicopter", "applause", "gunshot"};
  return program >= 0 && program < 128 ? names[size_t(program)] : "unknown";
}

}  // namespace soundalike::synth

#include "synth/FluidRenderer.h"

#include <fluidsynth.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "common/Error.h"

namespace soundalike::synth {
namespace {

void quiet_fluidsynth_logging() {
  // FluidSynth's logger is process-wide and prints to stderr; our failures travel as exceptions.
  static std::once_flag once;
  std::call_once(once, [] {
    for (int level : {FLUID_PANIC, FLUID_ERR, FLUID_WARN, FLUID_INFO, FLUID_DBG})
      fluid_set_log_function(level, nullptr, nullptr);
  });
}

struct Event {
  int64_t frame;
  bool on;  // note-offs sort before note-ons at the same frame
  int channel, key, velocity;
};

}  // namespace

struct FluidRenderer::Synth {
  fluid_settings_t* settings = nullptr;  // owned only by the renderer's long-lived Synth
  fluid_synth_t* synth = nullptr;
  Synth() = default;
  Synth(const Synth&) = delete;
  Synth& operator=(const Synth&) = delete;
  ~Synth() {
    if (synth) delete_fluid_synth(synth);
    if (settings) delete_fluid_settings(settings);
  }
};

FluidRenderer::FluidRenderer(const std::filesystem::path& soundfont, int sample_rate)
    : synth_(std::make_unique<Synth>()), soundfont_(soundfont), sample_rate_(sample_rate) {
  quiet_fluidsynth_logging();
  if (sample_rate < 8000 || sample_rate > 96000)
    throw Error(ExitCode::usage, "sample rate must be between 8000 and 96000 Hz, not " + std::to_string(sample_rate));
  synth_->settings = new_fluid_settings();
  if (!synth_->settings) throw Error(ExitCode::internal, "FluidSynth: cannot create settings");
  fluid_settings_t* s = synth_->settings;
  fluid_settings_setnum(s, "synth.sample-rate", double(sample_rate));
  fluid_settings_setnum(s, "synth.gain", 0.4);
  fluid_settings_setint(s, "synth.polyphony", 256);
  fluid_settings_setint(s, "synth.reverb.active", 1);
  fluid_settings_setint(s, "synth.chorus.active", 0);  // costs time, adds little that a genre needs
  fluid_settings_setint(s, "synth.threadsafe-api", 0); // one thread per synth: skip the locking
  fluid_settings_setint(s, "synth.cpu-cores", 1);      // parallelism is across clips, not inside one
  fluid_settings_setint(s, "synth.lock-memory", 0);    // mlock of sample data can fail without privileges
  synth_->synth = new_fluid_synth(s);
  if (!synth_->synth) throw Error(ExitCode::internal, "FluidSynth: cannot create a synthesizer");
  if (fluid_synth_sfload(synth_->synth, soundfont.c_str(), 1) == FLUID_FAILED)
    throw InputError(ExitCode::undecodable, soundfont, "FluidSynth cannot load this soundfont");
}

FluidRenderer::~FluidRenderer() = default;

std::vector<float> FluidRenderer::render(const Score& score, double seconds) {
  // A fresh synthesizer per score: fluid_synth_system_reset() leaves enough state behind (measured:
  // later clips differed by rendering order) to break bit-for-bit reproducibility. Loading is cheap
  // because FluidSynth's sample cache shares the soundfont's samples with the synth held in synth_.
  Synth fresh;
  fresh.synth = new_fluid_synth(synth_->settings);
  if (!fresh.synth) throw Error(ExitCode::internal, "FluidSynth: cannot create a synthesizer");
  if (fluid_synth_sfload(fresh.synth, soundfont_.c_str(), 1) == FLUID_FAILED)
    throw InputError(ExitCode::undecodable, soundfont_, "FluidSynth cannot load this soundfont");
  fluid_synth_t* synth = fresh.synth;
  fluid_synth_set_reverb_group_roomsize(synth, -1, std::clamp(score.reverb_room, 0.0, 1.0));
  fluid_synth_set_reverb_group_damp(synth, -1, 0.4);
  fluid_synth_set_reverb_group_width(synth, -1, 0.8);
  fluid_synth_set_reverb_group_level(synth, -1, std::clamp(score.reverb_level, 0.0, 1.0));
  for (const Part& p : score.parts) {
    // Channel 10 (index 9) is a percussion channel in FluidSynth's GM mode: program 0 there is the
    // standard drum kit from bank 128.
    fluid_synth_program_change(synth, p.channel, p.channel == kDrumChannel ? 0 : p.program);
    fluid_synth_cc(synth, p.channel, 7, p.volume);
    fluid_synth_cc(synth, p.channel, 10, p.pan);
    fluid_synth_cc(synth, p.channel, 91, p.reverb_send);
    fluid_synth_cc(synth, p.channel, 93, 0);
  }

  const auto frames = int64_t(std::llround(seconds * sample_rate_));
  auto to_frame = [&](double t) { return std::clamp<int64_t>(std::llround(t * sample_rate_), 0, frames); };

  // A note-off for a key also silences a later note on the same key that has already started, so
  // each note ends no later than the next note on its channel and key begins.
  std::vector<Note> notes = score.notes;
  std::stable_sort(notes.begin(), notes.end(), [](const Note& a, const Note& b) {
    return std::tie(a.channel, a.key, a.start) < std::tie(b.channel, b.key, b.start);
  });
  std::vector<Event> events;
  events.reserve(notes.size() * 2);
  for (size_t i = 0; i < notes.size(); ++i) {
    const Note& n = notes[i];
    double end = n.start + n.length;
    if (i + 1 < notes.size() && notes[i + 1].channel == n.channel && notes[i + 1].key == n.key)
      end = std::min(end, notes[i + 1].start);
    const int64_t on = to_frame(n.start), off = std::max(on + 1, to_frame(end));
    if (on >= frames) continue;
    events.push_back({on, true, n.channel, n.key, n.velocity});
    events.push_back({off, false, n.channel, n.key, 0});
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return std::tie(a.frame, a.on) < std::tie(b.frame, b.on); });

  std::vector<float> out(size_t(frames) * 2, 0.0f);
  int64_t cursor = 0;
  auto render_until = [&](int64_t frame) {
    while (cursor < frame) {
      const int n = int(std::min<int64_t>(frame - cursor, 1 << 20));
      float* p = out.data() + size_t(cursor) * 2;
      if (fluid_synth_write_float(synth, n, p, 0, 2, p, 1, 2) != FLUID_OK)
        throw Error(ExitCode::internal, "FluidSynth failed while rendering");
      cursor += n;
    }
  };
  for (const Event& e : events) {
    render_until(e.frame);
    if (e.on) fluid_synth_noteon(synth, e.channel, e.key, e.velocity);
    else fluid_synth_noteoff(synth, e.channel, e.key);
  }
  render_until(frames);
  return out;
}

}  // namespace soundalike::synth

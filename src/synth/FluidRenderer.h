#pragma once
// Plays a Score through FluidSynth into memory: no audio driver, no player, no timers. Notes are
// applied between blocks at their sample positions, so the output depends only on the score, the
// soundfont and the sample rate.
#include <filesystem>
#include <memory>
#include <vector>

#include "synth/Score.h"

namespace soundalike::synth {

class FluidRenderer {
 public:
  // Loads the soundfont once; throws InputError(undecodable) when FluidSynth cannot read it.
  FluidRenderer(const std::filesystem::path& soundfont, int sample_rate);
  ~FluidRenderer();
  FluidRenderer(const FluidRenderer&) = delete;
  FluidRenderer& operator=(const FluidRenderer&) = delete;

  int sample_rate() const { return sample_rate_; }

  // Interleaved stereo, exactly round(seconds * sample_rate) frames, straight from the synth (not
  // normalised). Each call plays on a fresh synthesizer, so the result never depends on what was
  // rendered before. Not thread safe: one renderer per thread.
  std::vector<float> render(const Score& score, double seconds);

 private:
  struct Synth;
  std::unique_ptr<Synth> synth_;  // holds the loaded soundfont in FluidSynth's sample cache
  std::filesystem::path soundfont_;
  int sample_rate_;
};

}  // namespace soundalike::synth

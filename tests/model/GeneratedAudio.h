#pragma once
// Small labeled corpora made on the spot, so that learning is testable without the synth corpus:
// classes differ in spectral and rhythmic content the way genres do (sustained tone clusters, noise
// bursts, rising chirps, low pulses with clicks), with per-clip random pitch, tempo and noise.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace soundalike::test {

inline const std::vector<std::string> kGeneratedLabels = {"chirps", "noise", "pulses", "tones"};

std::vector<float> generated_clip(int label, double seconds, int rate, uint64_t seed);

// DIR/<label>/<label>.000NN.wav for the first `labels` classes.
void write_generated_corpus(const std::filesystem::path& dir, int labels, int clips_per_label, double seconds,
                            uint64_t seed = 7, int rate = 22050);

}  // namespace soundalike::test

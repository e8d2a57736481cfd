#pragma once
// Cutting a clip's spectrogram into the fixed-size, normalised windows the network reads.
// Torch-free: windows are plain float buffers, band-major [n_mels x frames] like Spectrogram.
#include <random>
#include <span>
#include <vector>

#include "features/Spectrogram.h"
#include "model/ModelFile.h"

namespace soundalike::model {

// Start frames of up to `max_windows` windows of `window` frames spread evenly from the clip's first to
// its last frame (the first starts at 0, the last ends at the last frame). A clip shorter than one
// window gives one window at 0 (padded by copy_window).
std::vector<int> window_starts(int n_frames, int window, int max_windows);

// Start frames of the windows a model reads a clip of n_frames as: every window_hop frames when the
// model sets a hop (at most eval_windows of them, else that many spread evenly), else window_starts.
std::vector<int> clip_window_starts(int n_frames, const ModelMetadata& m);

// A uniformly random start frame for one window of `window` frames in a clip of `n_frames` (0 when the
// clip is not longer than a window); one draw from `rng`, none for short clips.
int random_window_start(int n_frames, int window, std::mt19937_64& rng);

// Copies frames [start, start + window) of `s` into `out` (n_mels * window floats), normalised per
// band. Frames past the clip's end are the spectrogram floor (silence), normalised the same way.
void copy_window(const Spectrogram& s, int start, int window, const Normalization& norm, std::span<float> out);

// The same without normalisation (the raw dB values), for augmentations that work in dB.
void copy_raw_window(const Spectrogram& s, int start, int window, std::span<float> out);
// In place: (x - mean[band]) / std[band] for a band-major window of `frames` frames.
void normalize_window(std::span<float> window, int frames, const Normalization& norm);

// Per-band mean and standard deviation over all frames of all given spectrograms (std floored so a
// constant band does not divide by zero). `global`: one mean and one deviation over all bands, repeated
// for each band, which keeps the spectrum's tilt (the contrastive recipe's choice).
Normalization compute_normalization(std::span<const Spectrogram* const> spectrograms, int n_mels, bool global = false);

}  // namespace soundalike::model

#pragma once
// What the genre tests measure on rendered audio, computed with the project's own front end
// (MelSpectrogram): onset envelopes, tempo, pulse clarity, spectral flatness, band energy.
#include <span>
#include <vector>

#include "features/MelSpectrogram.h"

namespace soundalike::test {

struct OnsetEnvelope {
  std::vector<double> strength;  // per frame: mean over mel bands of the positive dB rise (spectral flux)
  double frames_per_second = 0;
};

struct OnsetOptions {
  int hop_length = 512;
  int n_fft = 2048;
  double min_hz = 0;  // only bands centred above this count (e.g. where cymbals and snares live)
};

OnsetEnvelope onset_envelope(std::span<const float> samples, int sample_rate, const OnsetOptions& options = {});

// Normalised autocorrelation of the mean-removed envelope at a (fractional) lag, in frames.
double autocorrelation(const OnsetEnvelope& env, double lag);

// Tempo from the autocorrelation peak with the beat period between lo_bpm and hi_bpm, refined by
// the peak four beats later (a bar) for sub-frame precision.
double estimate_tempo(const OnsetEnvelope& env, double lo_bpm, double hi_bpm);

// How steady the pulse is: the highest autocorrelation over beat periods of 50..200 BPM (0..1).
double pulse_clarity(const OnsetEnvelope& env);

// Mean over frames of the mel power spectrum's geometric / arithmetic mean (1 = white noise).
double spectral_flatness(std::span<const float> samples, int sample_rate);

// Share of mel power in bands centred below `hz`.
double low_band_share(std::span<const float> samples, int sample_rate, double hz);

// Mean onset strength within +-1 frame of the given times (seconds), over all times.
double strength_at(const OnsetEnvelope& env, const std::vector<double>& times);

}  // namespace soundalike::test

#pragma once
// Per-track numbers a person can read: tempo, loudness, brightness. Shown by `similar`, used by --bpm.
#include <span>

#include "features/MelSpectrogram.h"

namespace soundalike {

struct Descriptors {
  double bpm = 0.0;              // aubio's tempo estimate; 0 when no steady beat was found
  double tempo_confidence = 0.0; // aubio's confidence in that estimate (0 = none)
  double loudness_db = -120.0;   // RMS level in dBFS (a full-scale sine reads -3 dB), floored at -120
  double centroid_hz = 0.0;      // power-weighted mean frequency over the whole clip; 0 for silence
};

struct TempoEstimate {
  double bpm = 0.0;
  double confidence = 0.0;
};

// aubio's beat tracker (default onset function, ~11.6 ms hops, 4 hops per frame) over the whole clip.
// bpm 0 when the clip is shorter than 2 s or aubio's confidence is under 0.5 (no steady beat). Safe to call from several threads at once.
TempoEstimate estimate_tempo(std::span<const float> samples, int sample_rate);

// 20*log10(rms), floored at -120 dB.
double rms_db(std::span<const float> samples);

// Builds its mel front end (an FFTW plan) once; compute() is const and thread safe.
class DescriptorExtractor {
 public:
  explicit DescriptorExtractor(int sample_rate = 22050);
  int sample_rate() const { return mel_.config().sample_rate; }
  Descriptors compute(std::span<const float> samples) const;
  // Spectral centroid from the mel power summed over all frames. Each band's power is multiplied by
  // its bandwidth to turn the area-normalised (density-like) Slaney band back into band power, so a
  // broadband signal is not biased low; accuracy is about one mel band.
  double centroid_hz(std::span<const float> samples) const;

 private:
  MelSpectrogram mel_;
  std::vector<double> band_hz_, band_width_hz_;
};

}  // namespace soundalike

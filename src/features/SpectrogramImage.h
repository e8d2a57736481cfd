#pragma once
#include "common/Image.h"
#include "features/Spectrogram.h"

namespace soundalike {

struct SpectrogramImageOptions {
  float floor_db = -80.0f;  // maps to the darkest colour; 0 dB to the brightest
  int band_height = 4;      // pixels per mel band
  int max_width = 4096;     // longer spectrograms are averaged down to this many columns
  Palette palette = Palette::magma;
};

// Time runs to the right, low frequencies at the bottom.
RgbImage render_spectrogram(const Spectrogram& s, const SpectrogramImageOptions& options = {});

}  // namespace soundalike

#include "features/SpectrogramImage.h"

#include <algorithm>

#include "common/Error.h"

namespace soundalike {

RgbImage render_spectrogram(const Spectrogram& s, const SpectrogramImageOptions& o) {
  if (s.n_mels <= 0 || s.n_frames <= 0) throw Error(ExitCode::internal, "cannot draw an empty spectrogram");
  const int per_column = (s.n_frames + o.max_width - 1) / o.max_width;  // frames averaged into one column
  const int width = (s.n_frames + per_column - 1) / per_column;
  RgbImage img(width, s.n_mels * o.band_height);
  for (int b = 0; b < s.n_mels; ++b) {
    const int y0 = (s.n_mels - 1 - b) * o.band_height;
    for (int x = 0; x < width; ++x) {
      const int f0 = x * per_column, f1 = std::min(s.n_frames, f0 + per_column);
      float sum = 0;
      for (int f = f0; f < f1; ++f) sum += s.at(b, f);
      const float db = sum / float(f1 - f0);
      const Rgb c = colormap(o.palette, (db - o.floor_db) / -o.floor_db);
      for (int dy = 0; dy < o.band_height; ++dy) img.set(x, y0 + dy, c);
    }
  }
  return img;
}

}  // namespace soundalike

#pragma once
#include <cstddef>
#include <span>
#include <vector>

namespace soundalike {

// A log-mel spectrogram in dB: band-major, data[band * n_frames + frame], band 0 = lowest frequency.
struct Spectrogram {
  int n_mels = 0;
  int n_frames = 0;
  std::vector<float> data;

  float at(int band, int frame) const { return data[size_t(band) * size_t(n_frames) + size_t(frame)]; }
  std::span<const float> band(int b) const { return {data.data() + size_t(b) * size_t(n_frames), size_t(n_frames)}; }
};

}  // namespace soundalike

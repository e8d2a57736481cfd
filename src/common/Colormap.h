#pragma once
#include <cstdint>

namespace soundalike {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

// Perceptually uniform colour scales, so that equal steps in dB look like equal steps in colour.
enum class Palette { magma, viridis };

// t in [0, 1] (clamped) -> colour.
Rgb colormap(Palette palette, float t);

}  // namespace soundalike

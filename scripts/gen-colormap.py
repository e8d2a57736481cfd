#!/usr/bin/python3
"""Regenerates src/common/Colormap.cpp from matplotlib's colour tables (needs python3-matplotlib)."""
from matplotlib import cm
import numpy as np

print('''// Generated once from matplotlib's "magma" and "viridis" (CC0, van der Walt & Smith), sampled at 256 steps:
//   /usr/bin/python3 scripts/gen-colormap.py > src/common/Colormap.cpp  (needs python3-matplotlib). Data: do not edit.
#include "common/Colormap.h"

namespace soundalike {
namespace {''')
for name in ["magma", "viridis"]:
    c = (np.array(cm.get_cmap(name)(np.linspace(0, 1, 256)))[:, :3] * 255).round().astype(int)
    print(f"constexpr Rgb k{name.capitalize()}[256] = {{")
    for i in range(0, 256, 8):
        print("    " + ", ".join("{%d, %d, %d}" % tuple(x) for x in c[i:i + 8]) + ",")
    print("};")
print('''}  // namespace

Rgb colormap(Palette palette, float t) {
  if (!(t > 0.0f)) t = 0.0f;  // also maps NaN to the bottom of the scale
  if (t > 1.0f) t = 1.0f;
  const int i = int(t * 255.0f + 0.5f);
  return palette == Palette::viridis ? kViridis[i] : kMagma[i];
}

}  // namespace soundalike''')

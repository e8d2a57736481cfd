#pragma once
// A plain RGB raster and a PNG writer, shared by every picture soundalike draws
// (spectrograms, confusion matrices, training curves, library maps).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/Colormap.h"

namespace soundalike {

class RgbImage {
 public:
  RgbImage(int width, int height, Rgb fill = {});
  int width() const { return width_; }
  int height() const { return height_; }
  void set(int x, int y, Rgb c);  // ignores points outside the image
  Rgb get(int x, int y) const;
  void fill_rect(int x, int y, int w, int h, Rgb c);
  void line(int x0, int y0, int x1, int y1, Rgb c);
  // Tiny built-in 5x7 bitmap font (digits, letters, a few signs), scaled by `scale`.
  void text(int x, int y, const std::string& s, Rgb c, int scale = 1);
  const std::vector<uint8_t>& pixels() const { return pixels_; }

 private:
  int width_, height_;
  std::vector<uint8_t> pixels_;  // row-major RGB, row 0 at the top
};

// Throws Error(internal) naming the path when the file cannot be written.
void write_png(const std::filesystem::path& path, const RgbImage& image);
// The PNG file's bytes, for answers that never touch the disk (the web server).
std::vector<unsigned char> encode_png(const RgbImage& image);

}  // namespace soundalike

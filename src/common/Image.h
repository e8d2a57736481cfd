#pragma once
// A plain RGB raster and a PNG writer, shared by every picture soundalike draws
// (spectrograms, confusion matrices, training curves, library maps), and the little image work the
// Subsonic API's cover art needs: decoding a picture, scaling it down, encoding JPEG.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/Colormap.h"

namespace soundalike {

class RgbImage {
 public:
  RgbImage(int width, int height, Rgb fill = {});
  // Takes row-major RGB pixels, width * height * 3 of them (else Error(internal)).
  RgbImage(int width, int height, std::vector<uint8_t> pixels);
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

struct ImageSize {
  int width = 0, height = 0;
};

// `bytes` hold a whole image file (JPEG, PNG, BMP, GIF's first frame, ...). Both throw
// Error(undecodable) when stb_image cannot read it, or when it has more than kMaxDecodedPixels.
ImageSize image_size(std::string_view bytes);
RgbImage decode_image(std::string_view bytes);
// A server decodes pictures it found on disk: one huge file must not take gigabytes of memory.
inline constexpr int64_t kMaxDecodedPixels = int64_t(1) << 26;  // 8192 x 8192

// Scaled down, aspect ratio kept, so that the longer side is at most `max_side` (>= 1) pixels; an image
// that fits already is returned as it is (never enlarged).
RgbImage scale_to_fit(const RgbImage& image, int max_side);
// Baseline JPEG, quality 1..100.
std::vector<unsigned char> encode_jpeg(const RgbImage& image, int quality = 90);

}  // namespace soundalike

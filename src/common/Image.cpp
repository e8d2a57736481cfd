#include "common/Image.h"

#include <stb/stb_image.h>
#include <stb/stb_image_resize.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "common/Error.h"

namespace soundalike {
namespace {

struct Glyph {
  char c;
  const char* rows[7];  // '#' = ink
};

// A 5x7 pixel font, enough for axis labels and legends without a font library.
constexpr Glyph kFont[] = {
    {'0', {" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "}},
    {'1', {"  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
    {'2', {" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"}},
    {'3', {"#### ", "    #", "    #", " ### ", "    #", "    #", "#### "}},
    {'4', {"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "}},
    {'5', {"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "}},
    {'6', {" ### ", "#    ", "#    ", "#### ", "#   #", "#   #", " ### "}},
    {'7', {"#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "}},
    {'8', {" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "}},
    {'9', {" ### ", "#   #", "#   #", " ####", "    #", "    #", " ### "}},
    {'A', {" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"}},
    {'B', {"#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "}},
    {'C', {" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "}},
    {'D', {"#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "}},
    {'E', {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"}},
    {'F', {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "}},
    {'G', {" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"}},
    {'H', {"#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"}},
    {'I', {" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
    {'J', {"  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "}},
    {'K', {"#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"}},
    {'L', {"#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"}},
    {'M', {"#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"}},
    {'N', {"#   #", "#   #", "##  #", "# # #", "#  ##", "#   #", "#   #"}},
    {'O', {" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
    {'P', {"#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "}},
    {'Q', {" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"}},
    {'R', {"#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"}},
    {'S', {" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "}},
    {'T', {"#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'U', {"#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
    {'V', {"#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "}},
    {'W', {"#   #", "#   #", "#   #", "# # #", "# # #", "# # #", " # # "}},
    {'X', {"#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"}},
    {'Y', {"#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'Z', {"#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"}},
    {'.', {"     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "}},
    {',', {"     ", "     ", "     ", "     ", " ##  ", "  #  ", " #   "}},
    {':', {"     ", " ##  ", " ##  ", "     ", " ##  ", " ##  ", "     "}},
    {'-', {"     ", "     ", "     ", "#####", "     ", "     ", "     "}},
    {'+', {"     ", "  #  ", "  #  ", "#####", "  #  ", "  #  ", "     "}},
    {'/', {"    #", "    #", "   # ", "  #  ", " #   ", "#    ", "#    "}},
    {'%', {"##   ", "##  #", "   # ", "  #  ", " #   ", "#  ##", "   ##"}},
    {'(', {"   # ", "  #  ", " #   ", " #   ", " #   ", "  #  ", "   # "}},
    {')', {" #   ", "  #  ", "   # ", "   # ", "   # ", "  #  ", " #   "}},
    {'=', {"     ", "     ", "#####", "     ", "#####", "     ", "     "}},
    {'_', {"     ", "     ", "     ", "     ", "     ", "     ", "#####"}},
    {'?', {" ### ", "#   #", "    #", "   # ", "  #  ", "     ", "  #  "}},
};

struct StbFree {
  void operator()(unsigned char* p) const { stbi_image_free(p); }
};

const unsigned char* byte_data(std::string_view bytes) { return reinterpret_cast<const unsigned char*>(bytes.data()); }

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<unsigned char>*>(context);
  auto* bytes = static_cast<unsigned char*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

// stb_image's reason is a word or two ("bad huffman code"): enough to tell a truncated file from a foreign one.
[[noreturn]] void undecodable(std::string_view why) {
  throw Error(ExitCode::undecodable, "not a readable image (" + std::string(why) + ")");
}

struct Probe {
  int width = 0, height = 0, channels = 0;
};

Probe probe(std::string_view bytes) {
  if (bytes.empty()) undecodable("no bytes");
  if (bytes.size() > size_t(INT_MAX)) undecodable("over 2 GB");
  Probe p;
  if (!stbi_info_from_memory(byte_data(bytes), int(bytes.size()), &p.width, &p.height, &p.channels))
    undecodable(stbi_failure_reason());
  if (p.width <= 0 || p.height <= 0) undecodable("no pixels");
  if (int64_t(p.width) * int64_t(p.height) > kMaxDecodedPixels)
    undecodable(std::to_string(p.width) + "x" + std::to_string(p.height) + " pixels, more than soundalike decodes");
  return p;
}

const Glyph* find_glyph(char c) {
  const char u = char(std::toupper(static_cast<unsigned char>(c)));
  for (const Glyph& g : kFont)
    if (g.c == u) return &g;
  return nullptr;
}

}  // namespace

RgbImage::RgbImage(int width, int height, Rgb fill) : width_(width), height_(height) {
  if (width <= 0 || height <= 0) throw Error(ExitCode::internal, "image size must be positive");
  pixels_.resize(size_t(width) * size_t(height) * 3);
  for (size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = fill.r;
    pixels_[i + 1] = fill.g;
    pixels_[i + 2] = fill.b;
  }
}

RgbImage::RgbImage(int width, int height, std::vector<uint8_t> pixels)
    : width_(width), height_(height), pixels_(std::move(pixels)) {
  if (width <= 0 || height <= 0) throw Error(ExitCode::internal, "image size must be positive");
  if (pixels_.size() != size_t(width) * size_t(height) * 3)
    throw Error(ExitCode::internal, "an RGB image of " + std::to_string(width) + "x" + std::to_string(height) + " needs " +
                                        std::to_string(size_t(width) * size_t(height) * 3) + " bytes, not " +
                                        std::to_string(pixels_.size()));
}

void RgbImage::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const size_t i = (size_t(y) * size_t(width_) + size_t(x)) * 3;
  pixels_[i] = c.r;
  pixels_[i + 1] = c.g;
  pixels_[i + 2] = c.b;
}

Rgb RgbImage::get(int x, int y) const {
  const size_t i = (size_t(y) * size_t(width_) + size_t(x)) * 3;
  return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
}

void RgbImage::fill_rect(int x, int y, int w, int h, Rgb c) {
  for (int yy = std::max(0, y); yy < std::min(height_, y + h); ++yy)
    for (int xx = std::max(0, x); xx < std::min(width_, x + w); ++xx) set(xx, yy, c);
}

void RgbImage::line(int x0, int y0, int x1, int y1, Rgb c) {
  // Bresenham
  const int dx = std::abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
  const int dy = -std::abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
  int err = dx + dy;
  for (;;) {
    set(x0, y0, c);
    if (x0 == x1 && y0 == y1) return;
    const int e2 = 2 * err;
    if (e2 >= dy) { err += dy; x0 += sx; }
    if (e2 <= dx) { err += dx; y0 += sy; }
  }
}

void RgbImage::text(int x, int y, const std::string& s, Rgb c, int scale) {
  for (char ch : s) {
    if (const Glyph* g = find_glyph(ch))
      for (int row = 0; row < 7; ++row)
        for (int col = 0; col < 5; ++col)
          if (g->rows[row][col] == '#') fill_rect(x + col * scale, y + row * scale, scale, scale, c);
    x += 6 * scale;
  }
}

std::vector<unsigned char> encode_png(const RgbImage& image) {
  std::vector<unsigned char> out;
  if (!stbi_write_png_to_func(append_bytes, &out, image.width(), image.height(), 3, image.pixels().data(), image.width() * 3))
    throw Error(ExitCode::internal, "cannot encode a PNG image");
  return out;
}

ImageSize image_size(std::string_view bytes) {
  const Probe p = probe(bytes);
  return {p.width, p.height};
}

RgbImage decode_image(std::string_view bytes) {
  const Probe p = probe(bytes);  // refuses what is foreign or too large before any pixel memory is taken
  int w = 0, h = 0, channels = 0;
  // Transparency is laid over white: stb_image would otherwise drop it and show whatever colour the
  // transparent pixels happen to hold (often black), and JPEG has no alpha to keep it in.
  const bool alpha = p.channels == 2 || p.channels == 4;
  const int want = alpha ? 4 : 3;
  const std::unique_ptr<unsigned char, StbFree> data(
      stbi_load_from_memory(byte_data(bytes), int(bytes.size()), &w, &h, &channels, want));
  if (!data) undecodable(stbi_failure_reason());
  const size_t n = size_t(w) * size_t(h);
  std::vector<uint8_t> rgb(n * 3);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char* px = data.get() + i * size_t(want);
    const unsigned a = alpha ? px[3] : 255;
    for (int c = 0; c < 3; ++c) rgb[i * 3 + size_t(c)] = uint8_t((px[c] * a + 255 * (255 - a) + 127) / 255);
  }
  return RgbImage(w, h, std::move(rgb));
}

RgbImage scale_to_fit(const RgbImage& image, int max_side) {
  if (max_side < 1) throw Error(ExitCode::internal, "an image cannot be scaled to fit " + std::to_string(max_side) + " pixels");
  const int longer = std::max(image.width(), image.height());
  if (longer <= max_side) return image;
  const double ratio = double(max_side) / double(longer);
  const int w = std::clamp(int(std::lround(image.width() * ratio)), 1, max_side);
  const int h = std::clamp(int(std::lround(image.height() * ratio)), 1, max_side);
  std::vector<uint8_t> out(size_t(w) * size_t(h) * 3);
  // In linear light: averaging sRGB values directly darkens fine detail and edges.
  if (!stbir_resize_uint8_srgb(image.pixels().data(), image.width(), image.height(), 0, out.data(), w, h, 0, 3,
                               STBIR_ALPHA_CHANNEL_NONE, 0))
    throw Error(ExitCode::internal, "cannot scale an image");
  return RgbImage(w, h, std::move(out));
}

std::vector<unsigned char> encode_jpeg(const RgbImage& image, int quality) {
  std::vector<unsigned char> out;
  if (!stbi_write_jpg_to_func(append_bytes, &out, image.width(), image.height(), 3, image.pixels().data(),
                              std::clamp(quality, 1, 100)))
    throw Error(ExitCode::internal, "cannot encode a JPEG image");
  return out;
}

void write_png(const std::filesystem::path& path, const RgbImage& image) {
  const std::string p = path.string();
  if (!stbi_write_png(p.c_str(), image.width(), image.height(), 3, image.pixels().data(), image.width() * 3))
    throw InputError(ExitCode::cannot_write, path, "cannot write the PNG file (does its folder exist and is it writable?)");
}

}  // namespace soundalike

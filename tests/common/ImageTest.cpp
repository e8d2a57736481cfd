// Decoding, scaling and JPEG encoding in memory: what the Subsonic API's getCoverArt does with a
// picture before sending it.
#include "common/Image.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "common/Error.h"

namespace soundalike {
namespace {

std::string as_string(const std::vector<unsigned char>& bytes) { return std::string(bytes.begin(), bytes.end()); }

void expect_near(Rgb got, Rgb want, int tolerance) {
  EXPECT_LE(std::abs(int(got.r) - int(want.r)), tolerance) << int(got.r) << " vs " << int(want.r);
  EXPECT_LE(std::abs(int(got.g) - int(want.g)), tolerance) << int(got.g) << " vs " << int(want.g);
  EXPECT_LE(std::abs(int(got.b) - int(want.b)), tolerance) << int(got.b) << " vs " << int(want.b);
}

TEST(Image, DecodesAPngItEncoded) {
  RgbImage image(40, 30, Rgb{10, 200, 30});
  image.set(3, 4, Rgb{255, 0, 128});
  const std::string png = as_string(encode_png(image));
  const ImageSize size = image_size(png);
  EXPECT_EQ(size.width, 40);
  EXPECT_EQ(size.height, 30);
  const RgbImage back = decode_image(png);
  ASSERT_EQ(back.width(), 40);
  ASSERT_EQ(back.height(), 30);
  EXPECT_EQ(back.pixels(), image.pixels()) << "PNG is lossless";
}

TEST(Image, PixelsConstructorChecksTheSize) {
  const RgbImage image(2, 1, std::vector<uint8_t>{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(image.get(1, 0).b, 6);
  EXPECT_THROW(RgbImage(2, 2, std::vector<uint8_t>(5)), Error);
}

TEST(Image, ScalesDownKeepingTheAspectRatio) {
  const RgbImage wide(64, 32, Rgb{90, 60, 30});
  const RgbImage small = scale_to_fit(wide, 16);
  EXPECT_EQ(small.width(), 16);
  EXPECT_EQ(small.height(), 8);
  expect_near(small.get(7, 3), Rgb{90, 60, 30}, 1);

  const RgbImage tall = scale_to_fit(RgbImage(30, 300), 100);
  EXPECT_EQ(tall.width(), 10);
  EXPECT_EQ(tall.height(), 100);
  const RgbImage sliver = scale_to_fit(RgbImage(1000, 2), 50);
  EXPECT_EQ(sliver.width(), 50);
  EXPECT_EQ(sliver.height(), 1) << "never less than a pixel";

  const RgbImage fits = scale_to_fit(wide, 64);
  EXPECT_EQ(fits.width(), 64) << "never enlarged";
  EXPECT_EQ(scale_to_fit(wide, 500).height(), 32);
  EXPECT_THROW(scale_to_fit(wide, 0), Error);
}

TEST(Image, JpegRoundTripKeepsASolidColour) {
  const Rgb colour{200, 120, 40};
  const std::string jpeg = as_string(encode_jpeg(RgbImage(48, 24, colour), 90));
  ASSERT_GE(jpeg.size(), 3u);
  EXPECT_EQ(jpeg.substr(0, 3), "\xFF\xD8\xFF");
  const RgbImage back = decode_image(jpeg);
  ASSERT_EQ(back.width(), 48);
  ASSERT_EQ(back.height(), 24);
  for (int y = 0; y < 24; y += 7)
    for (int x = 0; x < 48; x += 11) expect_near(back.get(x, y), colour, 6);
}

TEST(Image, GarbageThrowsUndecodable) {
  for (const std::string& bytes : {std::string(), std::string("not an image at all"), std::string("\xFF\xD8\xFF\xE0 truncated", 14),
                                   std::string("\x89PNG\r\n\x1A\n", 8)}) {
    try {
      decode_image(bytes);
      ADD_FAILURE() << "decoded " << bytes.size() << " bytes of garbage";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::undecodable);
      EXPECT_NE(std::string(e.what()).find("image"), std::string::npos) << e.what();
    }
    EXPECT_THROW(image_size(bytes), Error);
  }
  // A header that claims more pixels than a server should ever decode is refused before any are.
  std::string png = as_string(encode_png(RgbImage(2, 2)));
  // IHDR's width and height, big-endian from byte 16: 2^20 x 256 pixels (stb_image checks no CRC).
  png.replace(16, 8, std::string("\x00\x10\x00\x00\x00\x00\x01\x00", 8));
  try {
    decode_image(png);
    ADD_FAILURE() << "a 2^28-pixel header was decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::undecodable);
  }
}

}  // namespace
}  // namespace soundalike

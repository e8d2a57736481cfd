// Cover art lookup: the embedded picture first (made with the ffmpeg program, as taggers write it),
// else an image in the song's folder by name, files recognised by their bytes rather than their names.
#include "audio/CoverArt.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/Image.h"
#include "support/TestSupport.h"

namespace soundalike::test {
namespace {

namespace fs = std::filesystem;

std::string png_bytes(int w, int h, Rgb colour) {
  const auto b = encode_png(RgbImage(w, h, colour));
  return std::string(b.begin(), b.end());
}
std::string jpeg_bytes(int w, int h, Rgb colour) {
  const auto b = encode_jpeg(RgbImage(w, h, colour));
  return std::string(b.begin(), b.end());
}
void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}
fs::path tone(const TempDir& dir, const std::string& name = "song.wav") {
  write_wav(dir / name, sine(440, 0.5, 22050), 22050);
  return dir / name;
}

// `pictures` are image files attached in order, each with its ID3/FLAC picture type.
void embed(const fs::path& wav, const std::vector<std::pair<fs::path, std::string>>& pictures, const fs::path& out,
           const std::string& audio_codec) {
  std::string cmd = "ffmpeg -nostdin -v error -y -i " + quote(wav.string());
  for (const auto& [file, type] : pictures) cmd += " -i " + quote(file.string());
  cmd += " -map 0";
  for (size_t i = 0; i < pictures.size(); ++i) {
    const std::string s = std::to_string(i);
    cmd += " -map " + std::to_string(i + 1) + " -disposition:v:" + s + " attached_pic -metadata:s:v:" + s + " " +
           quote("comment=" + pictures[i].second);
  }
  cmd += " -c:a " + audio_codec + " -c:v copy " + quote(out.string());
  const CommandResult r = run_command(cmd);
  ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
}

TEST(CoverArt, MimeTypeFromTheBytes) {
  EXPECT_EQ(image_mime_type(jpeg_bytes(4, 4, {})), "image/jpeg");
  EXPECT_EQ(image_mime_type(png_bytes(4, 4, {})), "image/png");
  EXPECT_EQ(image_mime_type("GIF89a......"), "image/gif");
  EXPECT_EQ(image_mime_type(std::string("RIFF\0\0\0\0WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(image_mime_type("\xFF\xD8"), "") << "too short to tell";
  EXPECT_EQ(image_mime_type("hello"), "");
  EXPECT_EQ(image_mime_type(""), "");
}

TEST(CoverArt, FindsTheCoverImageOfTheFolder) {
  TempDir dir;
  const fs::path song = tone(dir);
  write_bytes(dir / "another.png", png_bytes(8, 8, {0, 255, 0}));
  const std::string cover = jpeg_bytes(16, 16, {255, 0, 0});
  write_bytes(dir / "cover.jpg", cover);
  const auto art = find_cover_art(song);
  ASSERT_TRUE(art);
  EXPECT_EQ(art->bytes, cover);
  EXPECT_EQ(art->mime_type, "image/jpeg");
  EXPECT_EQ(art->source, dir / "cover.jpg");
}

TEST(CoverArt, FolderNamesInOrderOfPreferenceAnyCase) {
  TempDir dir;
  const fs::path song = tone(dir);
  write_bytes(dir / "b.jpg", jpeg_bytes(4, 4, {}));
  write_bytes(dir / "A.png", png_bytes(4, 4, {}));
  write_bytes(dir / "notes.txt", "not a picture");
  EXPECT_EQ(find_cover_art(song)->source, dir / "A.png") << "no preferred name: the first image by name";
  write_bytes(dir / "Front.JPG", jpeg_bytes(4, 4, {}));
  EXPECT_EQ(find_cover_art(song)->source, dir / "Front.JPG");
  write_bytes(dir / "FOLDER.png", png_bytes(4, 4, {}));
  EXPECT_EQ(find_cover_art(song)->source, dir / "FOLDER.png") << "folder before front";
  write_bytes(dir / "cover.png", png_bytes(4, 4, {}));
  write_bytes(dir / "cover.jpeg", jpeg_bytes(4, 4, {}));
  EXPECT_EQ(find_cover_art(song)->source, dir / "cover.jpeg") << ".jpeg before .png";

  // A name is no promise: text named cover.jpeg is passed over, PNG named .jpg is served as PNG.
  write_bytes(dir / "cover.jpeg", "<html>404</html>");
  EXPECT_EQ(find_cover_art(song)->source, dir / "cover.png");
  write_bytes(dir / "cover.jpg", png_bytes(4, 4, {}));
  const auto art = find_cover_art(song);
  EXPECT_EQ(art->source, dir / "cover.jpg");
  EXPECT_EQ(art->mime_type, "image/png");
}

TEST(CoverArt, EmbeddedPictureComesBeforeTheFolder) {
  TempDir dir;
  const fs::path wav = tone(dir);
  const std::string png = png_bytes(32, 16, {200, 10, 10});
  write_bytes(dir / "pic.png", png);
  write_bytes(dir / "cover.jpg", jpeg_bytes(16, 16, {0, 0, 255}));
  embed(wav, {{dir / "pic.png", "Cover (front)"}}, dir / "song.flac", "flac");
  const auto art = find_cover_art(dir / "song.flac");
  ASSERT_TRUE(art);
  EXPECT_EQ(art->bytes, png) << "the attached picture's bytes, untouched";
  EXPECT_EQ(art->mime_type, "image/png");
  EXPECT_EQ(art->source, dir / "song.flac");
  EXPECT_EQ(find_cover_art(wav)->source, dir / "cover.jpg") << "the WAV beside it has none of its own";
}

TEST(CoverArt, FrontCoverAmongSeveralEmbeddedPictures) {
  TempDir dir;
  const fs::path wav = tone(dir);
  const std::string back = jpeg_bytes(8, 8, {0, 255, 0}), front = jpeg_bytes(12, 12, {255, 0, 0});
  write_bytes(dir / "back.jpg", back);
  write_bytes(dir / "front.jpg", front);
  embed(wav, {{dir / "back.jpg", "Cover (back)"}, {dir / "front.jpg", "Cover (front)"}}, dir / "song.mp3", "libmp3lame");
  const auto art = embedded_picture(dir / "song.mp3");
  ASSERT_TRUE(art);
  EXPECT_EQ(art->bytes, front);
  EXPECT_EQ(art->mime_type, "image/jpeg");

  embed(wav, {{dir / "back.jpg", "Other"}}, dir / "other.mp3", "libmp3lame");
  ASSERT_TRUE(embedded_picture(dir / "other.mp3"));
  EXPECT_EQ(embedded_picture(dir / "other.mp3")->bytes, back) << "no front cover: the first picture";
}

TEST(CoverArt, NoArtIsNulloptNeverAnError) {
  TempDir dir;
  const fs::path song = tone(dir);
  write_bytes(dir / "readme.txt", "liner notes");
  EXPECT_FALSE(find_cover_art(song));
  EXPECT_FALSE(embedded_picture(song));
  EXPECT_FALSE(find_cover_art(dir / "missing.flac"));
  EXPECT_FALSE(embedded_picture(dir.path())) << "a folder is no audio file";
  write_bytes(dir / "garbage.mp3", std::string(1000, '\x42'));
  EXPECT_FALSE(find_cover_art(dir / "garbage.mp3"));
  EXPECT_FALSE(folder_picture(dir / "no such folder"));
  // An image too large to be a cover (a scan) is passed over for the next one.
  std::string huge = jpeg_bytes(4, 4, {});
  huge.resize(size_t(kMaxPictureBytes) + 1);
  write_bytes(dir / "cover.jpg", huge);
  EXPECT_FALSE(find_cover_art(song));
  write_bytes(dir / "small.png", png_bytes(4, 4, {}));
  EXPECT_EQ(find_cover_art(song)->source, dir / "small.png");
}

}  // namespace
}  // namespace soundalike::test

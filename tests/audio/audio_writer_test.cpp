// AudioWriter: WAV and FLAC round trips through AudioDecoder, tags, bit-for-bit output, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "audio/AudioDecoder.h"
#include "audio/AudioWriter.h"
#include "common/Error.h"
#include "support/TestSupport.h"

namespace soundalike::test {
namespace {

namespace fs = std::filesystem;

AudioWriteOptions options(AudioFileFormat format, int rate, int channels) {
  AudioWriteOptions o;
  o.format = format;
  o.sample_rate = rate;
  o.channels = channels;
  o.tags = AudioTags{"A Title", "Some Artist", "The Album", "jazz", 7, 1987};
  return o;
}

class WriterFormats : public ::testing::TestWithParam<AudioFileFormat> {};

TEST_P(WriterFormats, RoundTripIsExactTo16BitsAndKeepsTags) {
  TempDir dir;
  const fs::path file = dir / (std::string("tone.") + std::string(extension(GetParam())));
  const std::vector<float> tone = sine(440, 1.5, 22050, 0.5f);
  write_audio_file(file, tone, options(GetParam(), 22050, 1));
  const DecodedAudio d = AudioDecoder(DecodeOptions{.sample_rate = 22050}).decode(file);
  EXPECT_EQ(d.info.codec, GetParam() == AudioFileFormat::wav ? "pcm_s16le" : "flac");
  ASSERT_EQ(d.samples.size(), tone.size());
  double worst = 0;
  for (size_t i = 0; i < tone.size(); ++i) worst = std::max(worst, double(std::fabs(d.samples[i] - tone[i])));
  EXPECT_LE(worst, 0.5 / 32768);  // 16-bit rounding, nothing more
  EXPECT_EQ(d.info.tags.title, "A Title");
  EXPECT_EQ(d.info.tags.artist, "Some Artist");
  EXPECT_EQ(d.info.tags.album, "The Album");
  EXPECT_EQ(d.info.tags.genre, "jazz");
  EXPECT_EQ(d.info.tags.track, 7);
  EXPECT_EQ(d.info.tags.year, 1987);
}

TEST_P(WriterFormats, StereoIsInterleavedLeftRight) {
  TempDir dir;
  const fs::path file = dir / (std::string("stereo.") + std::string(extension(GetParam())));
  // Left = tone, right = its negation: the decoder's documented mono mix (the mean) cancels to zero.
  const std::vector<float> tone = sine(300, 0.5, 16000, 0.5f);
  std::vector<float> interleaved;
  for (float x : tone) interleaved.insert(interleaved.end(), {x, -x});
  write_audio_file(file, interleaved, options(GetParam(), 16000, 2));
  const DecodedAudio d = AudioDecoder(DecodeOptions{.sample_rate = 16000}).decode(file);
  EXPECT_EQ(d.info.channels, 2);
  ASSERT_EQ(d.samples.size(), tone.size());
  EXPECT_LT(rms(d.samples), 1e-4);
}

TEST_P(WriterFormats, SameSamplesSameBytes) {
  TempDir dir;
  const std::string ext(extension(GetParam()));
  const std::vector<float> tone = sine(523, 1.0, 22050, 0.3f);
  write_audio_file(dir / ("a." + ext), tone, options(GetParam(), 22050, 1));
  write_audio_file(dir / ("b." + ext), tone, options(GetParam(), 22050, 1));
  const std::string a = read_file(dir / ("a." + ext));
  EXPECT_EQ(a, read_file(dir / ("b." + ext)));
  EXPECT_EQ(a.find("Lavf"), std::string::npos);  // no FFmpeg version string in the file
}

INSTANTIATE_TEST_SUITE_P(AudioWriter, WriterFormats, ::testing::Values(AudioFileFormat::wav, AudioFileFormat::flac),
                         [](const auto& info) { return std::string(extension(info.param)); });

TEST(AudioWriter, OutOfRangeSamplesAreClampedNotWrapped) {
  TempDir dir;
  const std::vector<float> loud{2.0f, -2.0f, 0.0f, 1.0f};
  write_audio_file(dir / "loud.wav", loud, options(AudioFileFormat::wav, 8000, 1));
  const DecodedAudio d = AudioDecoder(DecodeOptions{.sample_rate = 8000}).decode(dir / "loud.wav");
  ASSERT_EQ(d.samples.size(), 4u);
  EXPECT_GT(d.samples[0], 0.99f);
  EXPECT_LT(d.samples[1], -0.99f);
}

TEST(AudioWriter, UnwritablePathIsCannotWriteNamingTheFile) {
  TempDir dir;
  const fs::path file = dir / "no-such-folder" / "x.wav";
  try {
    write_audio_file(file, std::vector<float>(100, 0.0f), options(AudioFileFormat::wav, 22050, 1));
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), ExitCode::cannot_write);
    EXPECT_EQ(e.path(), file);
  }
}

TEST(AudioWriter, UnknownFormatNameIsAUsageError) {
  EXPECT_EQ(parse_audio_file_format("flac"), AudioFileFormat::flac);
  try {
    parse_audio_file_format("mp3");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

}  // namespace
}  // namespace soundalike::test

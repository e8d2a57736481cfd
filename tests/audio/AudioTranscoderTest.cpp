// AudioTranscoder: MP3 and Ogg Opus streams that decode back to the same tone, the bit rate they were asked
// for, a start offset, tags carried over, and clear errors.
#include "audio/AudioTranscoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "audio/AudioDecoder.h"
#include "audio/AudioWriter.h"
#include "common/Error.h"
#include "support/TestSupport.h"

namespace soundalike::test {
namespace {

namespace fs = std::filesystem;

std::string transcode_all(const fs::path& in, const TranscodeOptions& o, int* chunks = nullptr) {
  AudioTranscoder t(in, o);
  std::string all;
  int n = 0;
  for (std::string c = t.next_chunk(); !c.empty(); c = t.next_chunk()) {
    all += c;
    ++n;
  }
  if (chunks) *chunks = n;
  return all;
}

fs::path save(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

// 6 s of a 440 Hz tone in a 44.1 kHz stereo FLAC with tags: a typical library file.
fs::path tone_flac(const TempDir& dir, double seconds = 6) {
  const auto mono = sine(440, seconds, 44100, 0.4f);
  std::vector<float> stereo;
  for (float x : mono) stereo.insert(stereo.end(), {x, x});
  AudioWriteOptions o;
  o.format = AudioFileFormat::flac;
  o.sample_rate = 44100;
  o.channels = 2;
  o.tags = AudioTags{"Tone", "Oscillator", "Tests", "", 3};
  const fs::path file = dir / "tone.flac";
  write_audio_file(file, stereo, o);
  return file;
}

struct Case {
  StreamCodec codec;
  int kbps;
  const char* codec_name;
};

class Transcode : public ::testing::TestWithParam<Case> {};

TEST_P(Transcode, DecodesBackToTheSameToneAtTheAskedBitRate) {
  TempDir dir;
  const fs::path flac = tone_flac(dir);
  const Case c = GetParam();
  int chunks = 0;
  const std::string bytes = transcode_all(flac, {c.codec, c.kbps, 0}, &chunks);
  if (bytes.size() > 64 * 1024) EXPECT_GT(chunks, 1) << "sent in pieces, not as one file at the end";
  const fs::path out = save(dir / (std::string("out.") + std::string(suffix(c.codec))), bytes);

  const DecodedAudio d = AudioDecoder(DecodeOptions{.sample_rate = 22050}).decode(out);
  EXPECT_EQ(d.info.codec, c.codec_name);
  EXPECT_EQ(d.info.channels, 2);
  EXPECT_NEAR(d.seconds(), 6.0, 0.1);
  // The middle second is still the 440 Hz tone at its level.
  const std::span<const float> middle(d.samples.data() + 2 * 22050, 22050);
  EXPECT_NEAR(zero_crossing_hz(middle, 22050), 440, 5);
  EXPECT_NEAR(rms(middle), 0.4 / std::sqrt(2.0), 0.03);
  EXPECT_EQ(d.info.tags.title, "Tone");
  EXPECT_EQ(d.info.tags.artist, "Oscillator");
  // A constant tone costs the encoder little, so the size may fall below the nominal rate, never far above.
  const double kbps = double(bytes.size()) * 8 / 6.0 / 1000;
  EXPECT_LT(kbps, c.kbps * 1.25) << bytes.size() << " bytes";
  EXPECT_GT(kbps, c.kbps * 0.3) << bytes.size() << " bytes";
}

INSTANTIATE_TEST_SUITE_P(Codecs, Transcode,
                         ::testing::Values(Case{StreamCodec::mp3, 128, "mp3"}, Case{StreamCodec::mp3, 64, "mp3"},
                                           Case{StreamCodec::opus, 96, "opus"}, Case{StreamCodec::opus, 32, "opus"}),
                         [](const auto& info) {
                           return std::string(suffix(info.param.codec)) + std::to_string(info.param.kbps);
                         });

TEST(Transcode, LowerBitRateMakesSmallerFiles) {
  TempDir dir;
  // Noise, unlike a tone, fills whatever rate the encoder is given.
  std::vector<float> noise(44100 * 4);
  uint32_t state = 1;
  for (float& x : noise) x = float(int32_t(state = state * 1664525u + 1013904223u)) / 4.3e9f;
  write_wav(dir / "noise.wav", noise, 44100);
  const size_t high = transcode_all(dir / "noise.wav", {StreamCodec::mp3, 192, 0}).size();
  const size_t low = transcode_all(dir / "noise.wav", {StreamCodec::mp3, 64, 0}).size();
  EXPECT_NEAR(double(high) / double(low), 3.0, 0.5);
}

TEST(Transcode, StartsAtTheOffset) {
  TempDir dir;
  const fs::path flac = tone_flac(dir);
  const fs::path out = save(dir / "late.mp3", transcode_all(flac, {StreamCodec::mp3, 128, 2.5}));
  EXPECT_NEAR(AudioDecoder(DecodeOptions{.sample_rate = 22050}).decode(out).seconds(), 3.5, 0.1);

  // Past the end: a valid file without audio, not an error half-way through a response.
  const std::string none = transcode_all(flac, {StreamCodec::opus, 64, 60});
  EXPECT_FALSE(none.empty());
  EXPECT_LT(none.size(), 4096u);
}

TEST(Transcode, MonoStaysMonoAndOddRatesAreResampled) {
  TempDir dir;
  write_wav(dir / "mono.wav", sine(1000, 2, 22050, 0.5f), 22050);
  AudioTranscoder opus(dir / "mono.wav", {StreamCodec::opus, 64, 0});
  EXPECT_EQ(opus.channels(), 1);
  EXPECT_EQ(opus.sample_rate(), 48000) << "Opus takes 48 kHz, not 22.05";
  AudioTranscoder mp3(dir / "mono.wav", {StreamCodec::mp3, 64, 0});
  EXPECT_EQ(mp3.sample_rate(), 22050) << "MP3 takes 22.05 kHz as it is";
  const fs::path out = save(dir / "mono.opus", transcode_all(dir / "mono.wav", {StreamCodec::opus, 64, 0}));
  const DecodedAudio d = AudioDecoder(DecodeOptions{.sample_rate = 22050}).decode(out);
  EXPECT_NEAR(zero_crossing_hz(std::span<const float>(d.samples).subspan(11025, 11025), 22050), 1000, 10);
}

TEST(Transcode, BadInputIsAClearError) {
  TempDir dir;
  try {
    AudioTranscoder t(dir / "missing.flac", {});
    FAIL() << "a missing file must throw";
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), ExitCode::not_found);
    EXPECT_NE(std::string(e.what()).find("missing.flac"), std::string::npos);
  }
  std::ofstream(dir / "text.mp3") << "this is not audio at all, only some words in a file";
  EXPECT_THROW(AudioTranscoder(dir / "text.mp3", {}), InputError);
}

TEST(Transcode, BitRatesAreClampedToTheCodec) {
  EXPECT_EQ(clamp_kbps(StreamCodec::mp3, 8), 32);
  EXPECT_EQ(clamp_kbps(StreamCodec::mp3, 1000), 320);
  EXPECT_EQ(clamp_kbps(StreamCodec::opus, 8), 8);
  EXPECT_EQ(clamp_kbps(StreamCodec::opus, 1000), 510);
  EXPECT_EQ(default_kbps(StreamCodec::mp3), 192);
  EXPECT_EQ(default_kbps(StreamCodec::opus), 128);
  EXPECT_EQ(content_type(StreamCodec::mp3), "audio/mpeg");
  EXPECT_EQ(content_type(StreamCodec::opus), "audio/ogg");
}

}  // namespace
}  // namespace soundalike::test

#include "audio/AudioDecoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <numbers>
#include <thread>

#include "common/Error.h"
#include "support/TestSupport.h"

namespace soundalike {
namespace {
namespace fs = std::filesystem;
using test::TempDir;

// A signal with structure at several time scales: two partials and a slow amplitude swell, so that a
// misaligned, dropped or distorted decode shows up in the correlation.
std::vector<float> reference_signal(int rate, double seconds) {
  std::vector<float> x(size_t(std::llround(seconds * rate)));
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = double(i) / rate;
    const double env = 0.6 + 0.4 * std::sin(2 * std::numbers::pi * 0.7 * t);
    x[i] = float(env * (0.35 * std::sin(2 * std::numbers::pi * 220 * t) + 0.15 * std::sin(2 * std::numbers::pi * 330 * t)));
  }
  return x;
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

TEST(AudioDecoder, LosslessFormatsDecodeExactlyAndLossyOnesCorrelate) {
  TempDir dir;
  const int rate = 44100;
  const auto original = reference_signal(rate, 3.0);
  test::write_wav(dir / "ref.wav", original, rate);
  struct Format {
    std::string ext, args;
    bool lossless;
  };
  const std::vector<Format> formats = {{"flac", "", true},          {"mp3", "-b:a 192k", false},
                                       {"ogg", "-c:a libvorbis -q:a 6", false}, {"opus", "-b:a 128k", false},
                                       {"m4a", "-c:a aac -b:a 192k", false}};
  DecodeOptions native;
  native.sample_rate = rate;
  const AudioDecoder decoder(native);
  const DecodedAudio wav = decoder.decode(dir / "ref.wav");
  ASSERT_EQ(wav.samples.size(), original.size());
  for (size_t i = 0; i < original.size(); ++i) ASSERT_NEAR(wav.samples[i], original[i], 1.0 / 32767 + 1e-6);
  for (const auto& f : formats) {
    SCOPED_TRACE(f.ext);
    const fs::path file = dir / ("ref." + f.ext);
    test::ffmpeg_convert(dir / "ref.wav", file, f.args);
    const DecodedAudio got = decoder.decode(file);
    EXPECT_NEAR(got.seconds(), wav.seconds(), 0.050);
    if (f.lossless) {
      ASSERT_EQ(got.samples, wav.samples);
    } else {
      EXPECT_GT(test::correlation(got.samples, wav.samples), 0.99);
    }
  }
}

TEST(AudioDecoder, ResamplingKeepsAToneFrequency) {
  TempDir dir;
  for (int rate : {8000, 44100, 48000}) {
    SCOPED_TRACE(rate);
    test::write_wav(dir / "tone.wav", test::sine(1000.0, 2.0, rate), rate);
    const DecodedAudio a = AudioDecoder().decode(dir / "tone.wav");
    EXPECT_EQ(a.sample_rate, 22050);
    EXPECT_NEAR(double(a.samples.size()), 2.0 * 22050, 2.0);
    EXPECT_NEAR(test::zero_crossing_hz(a.samples, a.sample_rate), 1000.0, 1.0);
  }
}

TEST(AudioDecoder, StereoDownmixIsTheMeanOfTheChannels) {
  TempDir dir;
  const int rate = 22050;
  const auto left = test::sine(440, 1.0, rate, 0.5f);
  std::vector<float> opposite, left_only;
  for (float v : left) {
    opposite.insert(opposite.end(), {v, -v});
    left_only.insert(left_only.end(), {v, 0.0f});
  }
  test::write_wav(dir / "opposite.wav", opposite, rate, 2);
  test::write_wav(dir / "left.wav", left_only, rate, 2);
  const AudioDecoder decoder;
  EXPECT_LT(test::rms(decoder.decode(dir / "opposite.wav").samples), 1e-6);  // cancels exactly
  const auto half = decoder.decode(dir / "left.wav");
  EXPECT_NEAR(test::rms(half.samples), test::rms(left) / 2, 1e-3);
  EXPECT_EQ(half.info.channels, 2);
}

TEST(AudioDecoder, WindowSeeksToTheRequestedSlice) {
  TempDir dir;
  const int rate = 22050;
  const auto x = reference_signal(rate, 4.0);
  test::write_wav(dir / "x.wav", x, rate);
  test::ffmpeg_convert(dir / "x.wav", dir / "x.flac");
  test::ffmpeg_convert(dir / "x.wav", dir / "x.mp3", "-b:a 192k");
  const AudioDecoder decoder;
  const auto full = decoder.decode(dir / "x.wav");
  DecodeOptions window;
  window.offset = 1.5;
  window.duration = 1.0;
  for (const char* name : {"x.wav", "x.flac"}) {
    SCOPED_TRACE(name);
    const auto part = decoder.decode(dir / name, window);
    ASSERT_EQ(part.samples.size(), size_t(rate));
    for (size_t i = 0; i < part.samples.size(); ++i)
      ASSERT_FLOAT_EQ(part.samples[i], full.samples[size_t(1.5 * rate) + i]) << "sample " << i;
  }
  const auto mp3 = decoder.decode(dir / "x.mp3", window);
  ASSERT_EQ(mp3.samples.size(), size_t(rate));
  EXPECT_GT(test::correlation(mp3.samples, std::span(full.samples).subspan(size_t(1.5 * rate), size_t(rate))), 0.99);
  // A window running past the end stops at the end; one starting past it is an error.
  window.offset = 3.5;
  EXPECT_NEAR(decoder.decode(dir / "x.wav", window).seconds(), 0.5, 1e-3);
  window.offset = 9.0;
  EXPECT_EQ(code_of([&] { decoder.decode(dir / "x.wav", window); }), ExitCode::usage);
}

TEST(AudioDecoder, ReadsTagsFromContainerAndStream) {
  TempDir dir;
  test::write_wav(dir / "t.wav", test::sine(440, 1.0, 22050), 22050);
  const std::string tags =
      "-metadata title='Blue Tone' -metadata artist=Gen -metadata album=Tests -metadata genre=Jazz -metadata track=7/9 -metadata date=1999-05-01";
  test::ffmpeg_convert(dir / "t.wav", dir / "t.mp3", tags);
  test::ffmpeg_convert(dir / "t.wav", dir / "t.ogg", "-c:a libvorbis " + tags);
  for (const char* name : {"t.mp3", "t.ogg"}) {
    SCOPED_TRACE(name);
    const AudioInfo info = AudioDecoder().probe(dir / name);
    EXPECT_EQ(info.tags.title, "Blue Tone");
    EXPECT_EQ(info.tags.artist, "Gen");
    EXPECT_EQ(info.tags.album, "Tests");
    EXPECT_EQ(info.tags.genre, "Jazz");
    EXPECT_EQ(info.tags.track, 7);
    EXPECT_EQ(info.tags.year, 1999);
    EXPECT_EQ(info.channels, 1);
    EXPECT_NEAR(info.duration, 1.0, 0.1);  // the header's figure: MP3 counts its encoder padding
  }
}

TEST(AudioDecoder, YearIsTheFirstFourDigitNumberOfTheDate) {
  TempDir dir;
  test::write_wav(dir / "t.wav", test::sine(440, 0.5, 22050), 22050);
  const std::pair<const char*, std::optional<int>> cases[] = {
      {"2003", 2003}, {"(p) 1984 Some Label", 1984}, {"20030512", std::nullopt}, {"unknown", std::nullopt}, {"0999", std::nullopt}};
  int n = 0;
  for (const auto& [date, year] : cases) {
    SCOPED_TRACE(date);
    const auto file = dir / ("d" + std::to_string(n++) + ".flac");
    test::ffmpeg_convert(dir / "t.wav", file, "-metadata date=" + test::quote(date));
    EXPECT_EQ(AudioDecoder().probe(file).tags.year, year);
  }
}

TEST(AudioDecoder, MemoryDecodeMatchesFileDecode) {
  TempDir dir;
  test::write_wav(dir / "x.wav", reference_signal(44100, 1.0), 44100);
  test::ffmpeg_convert(dir / "x.wav", dir / "x.ogg", "-c:a libvorbis");
  const std::string bytes = test::read_file(dir / "x.ogg");
  const AudioDecoder decoder;
  const auto from_memory = decoder.decode_memory(std::as_bytes(std::span(bytes.data(), bytes.size())), "upload.ogg");
  EXPECT_EQ(from_memory.samples, decoder.decode(dir / "x.ogg").samples);
  EXPECT_EQ(code_of([&] { decoder.decode_memory({}, "nothing"); }), ExitCode::undecodable);
  const std::string junk(4000, 'x');
  EXPECT_EQ(code_of([&] { decoder.decode_memory(std::as_bytes(std::span(junk.data(), junk.size())), "junk"); }),
            ExitCode::undecodable);
}

TEST(AudioDecoder, ParallelDecodesAgree) {
  TempDir dir;
  test::write_wav(dir / "x.wav", reference_signal(48000, 2.0), 48000);
  test::ffmpeg_convert(dir / "x.wav", dir / "x.mp3");
  const AudioDecoder decoder;
  const auto expected = decoder.decode(dir / "x.mp3").samples;
  std::vector<std::vector<float>> got(6);
  {
    std::vector<std::jthread> threads;
    for (size_t t = 0; t < got.size(); ++t) threads.emplace_back([&, t] { got[t] = decoder.decode(dir / "x.mp3").samples; });
  }
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

TEST(AudioDecoder, SilenceIsValidAudio) {
  TempDir dir;
  test::write_wav(dir / "quiet.wav", std::vector<float>(22050, 0.0f), 22050);
  const auto a = AudioDecoder().decode(dir / "quiet.wav");
  EXPECT_EQ(a.samples.size(), 22050u);
  EXPECT_EQ(test::rms(a.samples), 0.0);
}

TEST(AudioDecoder, BadInputsGiveTheirCodes) {
  TempDir dir;
  const AudioDecoder decoder;
  test::write_wav(dir / "x.wav", reference_signal(44100, 5.0), 44100);
  test::ffmpeg_convert(dir / "x.wav", dir / "x.mp3");
  const std::string mp3 = test::read_file(dir / "x.mp3");
  std::ofstream(dir / "truncated.mp3", std::ios::binary).write(mp3.data(), std::streamsize(mp3.size() / 3));
  std::ofstream(dir / "empty.mp3").close();
  std::ofstream(dir / "text.mp3") << "This is a shopping list, not a song.\nmilk\neggs\n";
  ASSERT_EQ(test::run_command("ffmpeg -nostdin -v error -f lavfi -i testsrc=duration=1:size=32x32:rate=5 -c:v mpeg4 " +
                              test::quote((dir / "video.mp4").string())).exit_code, 0);
  ASSERT_EQ(test::run_command("ffmpeg -nostdin -v error -f lavfi -i anullsrc=r=22050:cl=mono -t 0 -c:a pcm_s16le " +
                              test::quote((dir / "zero.wav").string())).exit_code, 0);
  struct Case {
    std::string name;
    ExitCode code;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{{"missing.mp3", ExitCode::not_found, "no such file"},
                                         {"empty.mp3", ExitCode::undecodable, "empty file"},
                                         {"text.mp3", ExitCode::undecodable, "not a recognised"},
                                         {"truncated.mp3", ExitCode::undecodable, "truncated"},
                                         {"video.mp4", ExitCode::no_audio, "no audio stream"},
                                         {"zero.wav", ExitCode::no_audio, "empty"}}) {
    SCOPED_TRACE(c.name);
    try {
      decoder.decode(dir / c.name);
      ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
      EXPECT_EQ(e.code(), c.code);
      EXPECT_EQ(e.path(), dir / c.name);
      EXPECT_NE(e.reason().find(c.reason), std::string::npos) << e.reason();
    }
  }
}

}  // namespace
}  // namespace soundalike

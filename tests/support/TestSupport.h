#pragma once
// Helpers shared by every test binary: generated signals, scratch folders, running the real CLI.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace soundalike::test {

// A fresh folder under the system temp dir, removed (with its contents) when this goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::vector<float> sine(double hz, double seconds, int rate, float amplitude = 0.5f, double phase = 0.0);
std::vector<float> mix(const std::vector<float>& a, const std::vector<float>& b);

// 16-bit PCM WAV (interleaved when channels > 1); the test's own writer, independent of FFmpeg.
void write_wav(const std::filesystem::path& path, std::span<const float> interleaved, int rate, int channels = 1);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs a shell command line; stdout and stderr captured separately.
CommandResult run_command(const std::string& command_line);
// Runs the soundalike binary built alongside the tests with the given (already quoted) arguments.
CommandResult run_cli(const std::string& args);
std::string quote(const std::string& s);

// Converts with the ffmpeg program that setup-deps installs. Throws on failure.
void ffmpeg_convert(const std::filesystem::path& in, const std::filesystem::path& out, const std::string& extra_args = "");

double correlation(std::span<const float> a, std::span<const float> b);
double rms(std::span<const float> x);
// Frequency of the strongest sinusoid, by zero crossings (adequate for a clean tone).
double zero_crossing_hz(std::span<const float> x, int rate);
std::string read_file(const std::filesystem::path& p);

}  // namespace soundalike::test

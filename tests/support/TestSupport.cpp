#include "support/TestSupport.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>
#include <stdexcept>

namespace soundalike::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "soundalike-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<float> sine(double hz, double seconds, int rate, float amplitude, double phase) {
  std::vector<float> x(size_t(std::llround(seconds * rate)));
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = amplitude * float(std::sin(2.0 * std::numbers::pi * hz * double(i) / rate + phase));
  return x;
}

std::vector<float> mix(const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<float> out(std::max(a.size(), b.size()), 0.0f);
  for (size_t i = 0; i < a.size(); ++i) out[i] += a[i];
  for (size_t i = 0; i < b.size(); ++i) out[i] += b[i];
  return out;
}

void write_wav(const fs::path& path, std::span<const float> x, int rate, int channels) {
  std::ofstream f(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
  const uint32_t data_bytes = uint32_t(x.size() * 2);
  f.write("RIFF", 4);
  u32(36 + data_bytes);
  f.write("WAVEfmt ", 8);
  u32(16);
  u16(1);
  u16(uint16_t(channels));
  u32(uint32_t(rate));
  u32(uint32_t(rate * channels * 2));
  u16(uint16_t(channels * 2));
  u16(16);
  f.write("data", 4);
  u32(data_bytes);
  for (float v : x) {
    const auto s = int16_t(std::lround(std::clamp(v, -1.0f, 1.0f) * 32767.0f));
    f.write(reinterpret_cast<const char*>(&s), 2);
  }
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

CommandResult run_command(const std::string& command_line) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const fs::path err_file = fs::temp_directory_path() / ("soundalike-stderr-" + std::to_string(rng()));
  CommandResult r;
  FILE* p = popen((command_line + " 2>" + quote(err_file.string())).c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.err = read_file(err_file);
  fs::remove(err_file);
  return r;
}

CommandResult run_cli(const std::string& args) { return run_command(quote(SOUNDALIKE_CLI) + " " + args + " </dev/null"); }

void ffmpeg_convert(const fs::path& in, const fs::path& out, const std::string& extra_args) {
  const auto r = run_command("ffmpeg -nostdin -v error -y -i " + quote(in.string()) + " " + extra_args + " " +
                             quote(out.string()));
  if (r.exit_code != 0) throw std::runtime_error("ffmpeg failed for " + out.string() + ": " + r.err);
}

double correlation(std::span<const float> a, std::span<const float> b) {
  const size_t n = std::min(a.size(), b.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) ma += a[i], mb += b[i];
  ma /= double(n), mb /= double(n);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb + 1e-30);
}

double rms(std::span<const float> x) {
  double s = 0;
  for (float v : x) s += double(v) * v;
  return x.empty() ? 0.0 : std::sqrt(s / double(x.size()));
}

double zero_crossing_hz(std::span<const float> x, int rate) {
  // Count rising crossings between the first and the last one, so partial periods do not bias it.
  long first = -1, last = -1, count = 0;
  for (size_t i = 1; i < x.size(); ++i)
    if (x[i - 1] < 0 && x[i] >= 0) {
      if (first < 0) first = long(i);
      last = long(i);
      ++count;
    }
  if (count < 2) return 0.0;
  return double(count - 1) * rate / double(last - first);
}

}  // namespace soundalike::test

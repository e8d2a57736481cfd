// Helper for bench/logmel_reference.py: raw float32 mono samples in, log-mel (band-major float32) out,
// and the time per call on this thread. Usage: logmel_tool IN.f32 OUT.f32 [REPEATS]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "features/MelSpectrogram.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: logmel_tool IN.f32 OUT.f32 [REPEATS]\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary | std::ios::ate);
  if (!in) {
    std::fprintf(stderr, "logmel_tool: %s: cannot open\n", argv[1]);
    return 3;
  }
  std::vector<float> x(size_t(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(x.data()), std::streamsize(x.size() * sizeof(float)));
  const int repeats = argc > 3 ? std::stoi(argv[3]) : 20;
  const soundalike::MelSpectrogram mel;
  soundalike::Spectrogram s = mel.compute(x);  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) s = mel.compute(x);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / repeats;
  std::ofstream(argv[2], std::ios::binary).write(reinterpret_cast<const char*>(s.data.data()),
                                                 std::streamsize(s.data.size() * sizeof(float)));
  std::printf("%d %d %.4f\n", s.n_mels, s.n_frames, ms);
  return 0;
}

#pragma once
// Every parameter of the log-mel front end. Stored inside model files, so a model always sees
// spectrograms made the way it was trained on. Defaults are librosa's.
#include <nlohmann/json_fwd.hpp>

namespace soundalike {

struct SpectrogramConfig {
  int sample_rate = 22050;
  int n_fft = 2048;
  int hop_length = 512;
  int n_mels = 128;
  float f_min = 0.0f;
  float f_max = 0.0f;    // 0 = sample_rate / 2
  float top_db = 80.0f;  // floor below the loudest bin; <= 0 disables the floor
  float amin = 1e-10f;   // power floor before the logarithm

  float effective_f_max() const { return f_max > 0.0f ? f_max : 0.5f * float(sample_rate); }
  int n_bins() const { return n_fft / 2 + 1; }
  // Throws Error(usage) when a value makes no sense.
  void validate() const;

  bool operator==(const SpectrogramConfig&) const = default;
};

void to_json(nlohmann::json& j, const SpectrogramConfig& c);
void from_json(const nlohmann::json& j, SpectrogramConfig& c);

}  // namespace soundalike

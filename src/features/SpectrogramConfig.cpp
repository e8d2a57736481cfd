#include "features/SpectrogramConfig.h"

#include <nlohmann/json.hpp>
#include <string>

#include "common/Error.h"

namespace soundalike {

void SpectrogramConfig::validate() const {
  auto fail = [](const std::string& what) { throw Error(ExitCode::usage, "spectrogram settings: " + what); };
  if (sample_rate < 1000) fail("sample_rate must be at least 1000 Hz");
  if (n_fft < 16 || (n_fft & (n_fft - 1)) != 0) fail("n_fft must be a power of two >= 16");
  if (hop_length < 1 || hop_length > n_fft) fail("hop_length must be in [1, n_fft]");
  if (n_mels < 1 || n_mels > n_fft / 2) fail("n_mels must be in [1, n_fft/2]");
  if (f_min < 0 || effective_f_max() <= f_min || effective_f_max() > 0.5f * float(sample_rate) + 1e-3f)
    fail("need 0 <= f_min < f_max <= sample_rate/2");
  if (!(amin > 0)) fail("amin must be positive");
}

void to_json(nlohmann::json& j, const SpectrogramConfig& c) {
  j = nlohmann::json{{"sample_rate", c.sample_rate}, {"n_fft", c.n_fft}, {"hop_length", c.hop_length},
                     {"n_mels", c.n_mels},           {"f_min", c.f_min}, {"f_max", c.f_max},
                     {"top_db", c.top_db},           {"amin", c.amin}};
}

void from_json(const nlohmann::json& j, SpectrogramConfig& c) {
  SpectrogramConfig d;
  c.sample_rate = j.value("sample_rate", d.sample_rate);
  c.n_fft = j.value("n_fft", d.n_fft);
  c.hop_length = j.value("hop_length", d.hop_length);
  c.n_mels = j.value("n_mels", d.n_mels);
  c.f_min = j.value("f_min", d.f_min);
  c.f_max = j.value("f_max", d.f_max);
  c.top_db = j.value("top_db", d.top_db);
  c.amin = j.value("amin", d.amin);
}

}  // namespace soundalike

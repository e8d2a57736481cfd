#pragma once
// Audio -> log-mel spectrogram (librosa.feature.melspectrogram + power_to_db(ref=np.max) semantics).
#include <memory>
#include <span>

#include "features/MelFilterbank.h"
#include "features/Spectrogram.h"
#include "features/SpectrogramConfig.h"

namespace soundalike {

// The FFTW plan is made once in the constructor; compute() is const and may run on several threads at
// once (FFTW's new-array execute is thread safe, scratch buffers are per call).
class MelSpectrogram {
 public:
  explicit MelSpectrogram(SpectrogramConfig config = {});
  ~MelSpectrogram();
  MelSpectrogram(MelSpectrogram&&) noexcept;
  MelSpectrogram& operator=(MelSpectrogram&&) noexcept;

  const SpectrogramConfig& config() const { return config_; }
  const MelFilterbank& filterbank() const { return filterbank_; }

  // Mel power (not dB), band-major, for centred frames with reflect padding.
  Spectrogram power(std::span<const float> samples) const;
  // power() -> dB relative to the loudest bin, floored at top_db below it. Digital silence (no bin
  // above amin) maps to the floor, -top_db, everywhere: never NaN or inf.
  Spectrogram compute(std::span<const float> samples) const;

  // Number of frames compute() returns for n samples.
  int frame_count(size_t n_samples) const { return 1 + int(n_samples / size_t(config_.hop_length)); }

  static void power_to_db(Spectrogram& s, float amin, float top_db);

 private:
  struct Plan;
  SpectrogramConfig config_;
  MelFilterbank filterbank_;
  std::vector<float> window_;
  std::unique_ptr<Plan> plan_;
};

}  // namespace soundalike

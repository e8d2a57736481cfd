#include "features/MelSpectrogram.h"

#include "features/Cepstrum.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numbers>

#include "common/Error.h"
#include "features/FftwPlanner.h"

namespace soundalike {
namespace {

// FFTW's planner is not thread safe (execution is); every plan made or destroyed in this process
// goes through this lock.
std::mutex& fftw_planner_mutex() {
  make_fftw_planner_thread_safe();  // also covers planners we do not call, such as aubio's
  static std::mutex m;
  return m;
}

struct FftwFree {
  void operator()(void* p) const { fftwf_free(p); }
};
template <class T>
using FftwBuffer = std::unique_ptr<T[], FftwFree>;

// numpy's "reflect" padding index (the edge sample is not repeated), for any distance from the edge.
inline size_t reflect(long i, long n) {
  if (n == 1) return 0;
  const long period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return size_t(i < n ? i : period - i);
}

}  // namespace

struct MelSpectrogram::Plan {
  fftwf_plan plan = nullptr;
  explicit Plan(int n_fft) {
    FftwBuffer<float> in(fftwf_alloc_real(size_t(n_fft)));
    FftwBuffer<fftwf_complex> out(fftwf_alloc_complex(size_t(n_fft / 2 + 1)));
    std::lock_guard lock(fftw_planner_mutex());
    plan = fftwf_plan_dft_r2c_1d(n_fft, in.get(), out.get(), FFTW_MEASURE);
    if (!plan) throw Error(ExitCode::internal, "FFTW could not plan a real FFT of size " + std::to_string(n_fft));
  }
  ~Plan() {
    std::lock_guard lock(fftw_planner_mutex());
    fftwf_destroy_plan(plan);
  }
};

MelSpectrogram::MelSpectrogram(SpectrogramConfig config)
    : config_(config), filterbank_(config_), plan_(std::make_unique<Plan>(config_.n_fft)) {
  window_.resize(size_t(config_.n_fft));
  // Periodic Hann (scipy.signal.get_window("hann", n, fftbins=True)), as librosa uses.
  for (int i = 0; i < config_.n_fft; ++i)
    window_[size_t(i)] = float(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / config_.n_fft));
}

MelSpectrogram::~MelSpectrogram() = default;
MelSpectrogram::MelSpectrogram(MelSpectrogram&&) noexcept = default;
MelSpectrogram& MelSpectrogram::operator=(MelSpectrogram&&) noexcept = default;

Spectrogram MelSpectrogram::power(std::span<const float> x) const {
  const int n_fft = config_.n_fft, hop = config_.hop_length, bins = config_.n_bins();
  Spectrogram s;
  s.n_mels = config_.n_mels;
  s.n_frames = frame_count(x.size());
  s.data.assign(size_t(s.n_mels) * size_t(s.n_frames), 0.0f);
  if (x.empty()) return s;

  FftwBuffer<float> frame(fftwf_alloc_real(size_t(n_fft)));
  FftwBuffer<fftwf_complex> spectrum(fftwf_alloc_complex(size_t(bins)));
  std::vector<float> pw(static_cast<size_t>(bins)), mel(static_cast<size_t>(s.n_mels));
  const long n = long(x.size()), pad = n_fft / 2;
  for (int t = 0; t < s.n_frames; ++t) {
    const long start = long(t) * hop - pad;  // centred frames
    if (start >= 0 && start + n_fft <= n) {
      const float* src = x.data() + start;
      for (int i = 0; i < n_fft; ++i) frame[size_t(i)] = src[i] * window_[size_t(i)];
    } else {
      for (int i = 0; i < n_fft; ++i) frame[size_t(i)] = x[reflect(start + i, n)] * window_[size_t(i)];
    }
    fftwf_execute_dft_r2c(plan_->plan, frame.get(), spectrum.get());
    for (int k = 0; k < bins; ++k) pw[size_t(k)] = spectrum[k][0] * spectrum[k][0] + spectrum[k][1] * spectrum[k][1];
    filterbank_.apply(pw, mel);
    for (int b = 0; b < s.n_mels; ++b) s.data[size_t(b) * size_t(s.n_frames) + size_t(t)] = mel[size_t(b)];
  }
  return s;
}

void MelSpectrogram::power_to_db(Spectrogram& s, float amin, float top_db) {
  if (s.data.empty()) return;
  const float peak = *std::max_element(s.data.begin(), s.data.end());
  if (!(peak > amin)) {  // digital silence: sit at the floor instead of librosa's all-zero dB
    std::fill(s.data.begin(), s.data.end(), top_db > 0 ? -top_db : 0.0f);
    return;
  }
  const float ref_db = 10.0f * std::log10(peak);
  for (float& v : s.data) v = soundalike::power_to_db(v, amin) - ref_db;
  if (top_db > 0)
    for (float& v : s.data) v = std::max(v, -top_db);  // the peak is 0 dB, so the floor is -top_db
}

Spectrogram MelSpectrogram::compute(std::span<const float> samples) const {
  Spectrogram s = power(samples);
  power_to_db(s, config_.amin, config_.top_db);
  return s;
}

}  // namespace soundalike

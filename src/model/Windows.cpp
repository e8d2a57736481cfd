#include "model/Windows.h"

#include <algorithm>
#include <cmath>

#include "common/Error.h"

namespace soundalike::model {

int random_window_start(int n_frames, int window, std::mt19937_64& rng) {
  return n_frames > window ? std::uniform_int_distribution<int>(0, n_frames - window)(rng) : 0;
}

std::vector<int> window_starts(int n_frames, int window, int max_windows) {
  const int last = n_frames - window;
  if (last <= 0 || max_windows <= 1) return {std::max(0, last / 2)};
  // Enough windows to cover the clip without gaps, but never more than asked for.
  const int needed = (n_frames + window - 1) / window;
  const int count = std::clamp(needed, 1, max_windows);
  std::vector<int> starts(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i)
    starts[size_t(i)] = count == 1 ? last / 2 : int(std::lround(double(last) * i / (count - 1)));
  return starts;
}

std::vector<int> clip_window_starts(int n_frames, const ModelMetadata& m) {
  if (m.window_hop <= 0) return window_starts(n_frames, m.window_frames, m.eval_windows);
  const int last = n_frames - m.window_frames;
  if (last <= 0) return {0};
  const int count = last / m.window_hop + 1;
  // More hops than eval_windows allows: the same count spread evenly instead.
  if (count > m.eval_windows) return window_starts(n_frames, m.window_frames, m.eval_windows);
  std::vector<int> starts;
  for (int i = 0; i < count; ++i) starts.push_back(i * m.window_hop);
  return starts;
}

void copy_window(const Spectrogram& s, int start, int window, const Normalization& norm, std::span<float> out) {
  const int mels = s.n_mels;
  if (out.size() != size_t(mels) * size_t(window) || norm.mean.size() != size_t(mels))
    throw Error(ExitCode::internal, "copy_window: size mismatch");
  float floor_value = 0.0f;
  if (start + window > s.n_frames && !s.data.empty())
    floor_value = *std::min_element(s.data.begin(), s.data.end());
  for (int b = 0; b < mels; ++b) {
    const float mean = norm.mean[size_t(b)], inv = 1.0f / norm.std[size_t(b)];
    float* dst = out.data() + size_t(b) * size_t(window);
    const float* src = s.data.data() + size_t(b) * size_t(s.n_frames);
    for (int t = 0; t < window; ++t) {
      const int f = start + t;
      const float v = (f >= 0 && f < s.n_frames) ? src[f] : floor_value;
      dst[t] = (v - mean) * inv;
    }
  }
}

void copy_raw_window(const Spectrogram& s, int start, int window, std::span<float> out) {
  Normalization identity{std::vector<float>(size_t(s.n_mels), 0.0f), std::vector<float>(size_t(s.n_mels), 1.0f)};
  copy_window(s, start, window, identity, out);
}

void normalize_window(std::span<float> window, int frames, const Normalization& norm) {
  const size_t mels = norm.mean.size();
  if (window.size() != mels * size_t(frames)) throw Error(ExitCode::internal, "normalize_window: size mismatch");
  for (size_t b = 0; b < mels; ++b) {
    const float mean = norm.mean[b], inv = 1.0f / norm.std[b];
    for (int t = 0; t < frames; ++t) {
      float& v = window[b * size_t(frames) + size_t(t)];
      v = (v - mean) * inv;
    }
  }
}

Normalization compute_normalization(std::span<const Spectrogram* const> spectrograms, int n_mels, bool global) {
  std::vector<double> sum(size_t(n_mels), 0.0), sq(size_t(n_mels), 0.0);
  double count = 0;
  for (const Spectrogram* s : spectrograms) {
    if (s->n_mels != n_mels) throw Error(ExitCode::internal, "spectrograms with different band counts");
    for (int b = 0; b < n_mels; ++b)
      for (float v : s->band(b)) {
        sum[size_t(b)] += v;
        sq[size_t(b)] += double(v) * v;
      }
    count += s->n_frames;
  }
  if (global) {
    for (int b = 1; b < n_mels; ++b) {
      sum[0] += sum[size_t(b)];
      sq[0] += sq[size_t(b)];
    }
    count *= n_mels;
    std::fill(sum.begin() + 1, sum.end(), sum[0]);
    std::fill(sq.begin() + 1, sq.end(), sq[0]);
  }
  Normalization n;
  n.mean.resize(size_t(n_mels));
  n.std.resize(size_t(n_mels));
  for (int b = 0; b < n_mels; ++b) {
    const double m = count > 0 ? sum[size_t(b)] / count : 0.0;
    const double var = count > 0 ? std::max(0.0, sq[size_t(b)] / count - m * m) : 1.0;
    n.mean[size_t(b)] = float(m);
    n.std[size_t(b)] = float(std::max(std::sqrt(var), 1e-3));
  }
  return n;
}

}  // namespace soundalike::model

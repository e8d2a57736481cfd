#include "model/Augmenter.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "common/Error.h"

namespace soundalike::model {

AugmentOptions AugmentOptions::parse(std::string_view list) {
  AugmentOptions o;
  size_t pos = 0;
  while (pos <= list.size()) {
    const size_t comma = std::min(list.find(',', pos), list.size());
    std::string_view name = list.substr(pos, comma - pos);
    if (name == "noise") o.noise.enabled = true;
    else if (name == "shift") o.shift.enabled = true;
    else if (name == "brightness") o.brightness.enabled = true;
    else if (name == "specaugment") o.time_mask.enabled = o.freq_mask.enabled = true;
    else if (name == "mixup") o.mixup.enabled = true;
    else if (name == "gain") o.gain.enabled = true;
    else if (name == "gauss") o.gauss.enabled = true;
    else if (name == "roll") o.roll.enabled = true;
    else if (name == "contrastive") {
      o.gain.enabled = o.gauss.enabled = o.roll.enabled = true;
      o.time_mask = {true, 1.0f, 20.0f};
      o.freq_mask = {true, 1.0f, 12.0f};
      o.masks = 1;
    } else if (name == "all") o = parse("noise,shift,brightness,specaugment,mixup");
    else if (name == "none" || name.empty()) {
    } else {
      throw Error(ExitCode::usage, "unknown augmentation '" + std::string(name) +
                                       "' (choose from noise, shift, brightness, specaugment, mixup, gain, gauss, roll, contrastive, all, none)");
    }
    pos = comma + 1;
  }
  return o;
}

std::string AugmentOptions::describe() const {
  std::string s;
  auto add = [&](bool on, const char* n) {
    if (on) s += (s.empty() ? "" : ",") + std::string(n);
  };
  add(noise.enabled, "noise");
  add(shift.enabled, "shift");
  add(brightness.enabled, "brightness");
  add((time_mask.enabled || freq_mask.enabled) && masks != 1, "specaugment");
  add((time_mask.enabled || freq_mask.enabled) && masks == 1, "specaugment(1 mask each)");
  add(mixup.enabled, "mixup");
  add(gain.enabled, "gain");
  add(gauss.enabled, "gauss");
  add(roll.enabled, "roll");
  return s.empty() ? "none" : s;
}

namespace {
bool draw(const Augmentation& a, std::mt19937_64& rng) {
  return a.enabled && std::uniform_real_distribution<float>(0.0f, 1.0f)(rng) < a.probability;
}
}  // namespace

void Augmenter::augment_raw(std::span<float> w, int mels, int frames, std::mt19937_64& rng) const {
  if (draw(options_.shift, rng)) {
    const int k = int(options_.shift.strength);
    shift(w, mels, frames, std::uniform_int_distribution<int>(-k, k)(rng));
  }
  if (draw(options_.noise, rng)) {
    const float peak = *std::max_element(w.begin(), w.end());
    const float below = options_.noise.strength + std::uniform_real_distribution<float>(-10.0f, 10.0f)(rng);
    add_noise(w, peak - below, rng);
  }
  if (draw(options_.brightness, rng)) {
    const float s = options_.brightness.strength;
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    const float gain = s * u(rng);
    const float contrast = 1.0f + s / 24.0f * u(rng);
    gain_contrast(w, gain, contrast);
  }
  if (draw(options_.roll, rng)) {
    const int k = int(options_.roll.strength);
    roll_bands(w, mels, frames, std::uniform_int_distribution<int>(-k, k)(rng));
  }
  if (draw(options_.gain, rng))
    gain_contrast(w, options_.gain.strength * std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng), 1.0f);
}

void Augmenter::augment_normalized(std::span<float> w, int mels, int frames, std::mt19937_64& rng) const {
  for (int m = 0; m < options_.masks; ++m) {
    if (draw(options_.time_mask, rng)) {
      const int width = std::uniform_int_distribution<int>(1, std::max(1, int(options_.time_mask.strength)))(rng);
      time_mask(w, mels, frames, std::uniform_int_distribution<int>(0, std::max(0, frames - width))(rng), width);
    }
    if (draw(options_.freq_mask, rng)) {
      const int width = std::uniform_int_distribution<int>(1, std::max(1, int(options_.freq_mask.strength)))(rng);
      freq_mask(w, mels, frames, std::uniform_int_distribution<int>(0, std::max(0, mels - width))(rng), width);
    }
  }
  if (draw(options_.gauss, rng)) {
    const float sd = options_.gauss.strength * std::uniform_real_distribution<float>(0.0f, 1.0f)(rng);
    std::normal_distribution<float> n(0.0f, 1.0f);
    for (float& v : w) v += sd * n(rng);
  }
}

float Augmenter::mixup_lambda(std::mt19937_64& rng) const {
  if (!draw(options_.mixup, rng)) return 1.0f;
  const float a = std::max(1e-3f, options_.mixup.strength);
  std::gamma_distribution<float> g(a, 1.0f);
  const float x = g(rng), y = g(rng);
  const float lambda = x + y > 0 ? x / (x + y) : 0.5f;
  return std::max(lambda, 1.0f - lambda);  // the first sample stays the dominant one (its label leads)
}

void Augmenter::shift(std::span<float> w, int mels, int frames, int k) {
  if (frames <= 0) return;
  k %= frames;
  if (k < 0) k += frames;
  if (k == 0) return;
  for (int b = 0; b < mels; ++b) {
    float* row = w.data() + size_t(b) * size_t(frames);
    std::rotate(row, row + (frames - k), row + frames);
  }
}

void Augmenter::add_noise(std::span<float> w, float level_db, std::mt19937_64& rng) {
  std::exponential_distribution<float> spread(1.0f);
  const float noise_power = std::pow(10.0f, level_db / 10.0f);
  for (float& v : w) v = 10.0f * std::log10(std::pow(10.0f, v / 10.0f) + noise_power * spread(rng) + 1e-20f);
}

void Augmenter::gain_contrast(std::span<float> w, float gain_db, float contrast) {
  if (w.empty()) return;
  const double mean = std::accumulate(w.begin(), w.end(), 0.0) / double(w.size());
  for (float& v : w) v = float(mean + (v - mean) * contrast + gain_db);
}

void Augmenter::roll_bands(std::span<float> w, int mels, int frames, int k) {
  if (mels <= 0) return;
  k %= mels;
  if (k < 0) k += mels;
  if (k == 0) return;
  // Band-major rows: rotating whole rows moves band b to b + k.
  std::rotate(w.begin(), w.begin() + ptrdiff_t(size_t(mels - k) * size_t(frames)), w.end());
}

void Augmenter::time_mask(std::span<float> w, int mels, int frames, int start, int width) {
  start = std::clamp(start, 0, frames);
  const int end = std::clamp(start + width, 0, frames);
  for (int b = 0; b < mels; ++b)
    std::fill(w.begin() + ptrdiff_t(size_t(b) * size_t(frames) + size_t(start)),
              w.begin() + ptrdiff_t(size_t(b) * size_t(frames) + size_t(end)), 0.0f);
}

void Augmenter::freq_mask(std::span<float> w, int mels, int frames, int start, int width) {
  start = std::clamp(start, 0, mels);
  const int end = std::clamp(start + width, 0, mels);
  std::fill(w.begin() + ptrdiff_t(size_t(start) * size_t(frames)), w.begin() + ptrdiff_t(size_t(end) * size_t(frames)), 0.0f);
}

}  // namespace soundalike::model

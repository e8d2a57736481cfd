#pragma once
// Training-time augmentation of spectrogram windows (never used for evaluation or embedding).
// The paper's three (random noise, horizontal shift, brightness) work on raw dB values; SpecAugment's
// masks work on normalised windows, where 0 is the band's mean; mixup works on whole batches (Trainer).
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>

namespace soundalike::model {

struct Augmentation {
  bool enabled = false;
  float probability = 0.5f;  // chance of applying it to one window (mixup: to one batch)
  float strength = 0.0f;     // meaning per kind, see AugmentOptions
};

struct AugmentOptions {
  Augmentation noise{false, 0.5f, 45.0f};      // noise floor this many dB below the window's peak (+-10 dB)
  Augmentation shift{false, 0.5f, 24.0f};      // circular time shift by up to this many frames
  Augmentation brightness{false, 0.5f, 6.0f};  // gain up to +-strength dB, contrast x(1 +- strength/24)
  Augmentation time_mask{false, 0.5f, 16.0f};  // SpecAugment: 2 masks, each up to this many frames
  Augmentation freq_mask{false, 0.5f, 12.0f};  // SpecAugment: 2 masks, each up to this many bands
  Augmentation mixup{false, 0.5f, 0.4f};       // Beta(strength, strength) mixing weight
  // The contrastive recipe's (docs/model-card.md); each drawn for every window by default.
  Augmentation gain{false, 1.0f, 4.34f};       // gain up to +-strength dB (4.34 dB = +-1 in natural-log power)
  Augmentation gauss{false, 1.0f, 0.2f};       // Gaussian noise on the normalised window, std up to strength
  Augmentation roll{false, 1.0f, 3.0f};        // circular roll over mel bands by up to +-strength bands
  int masks = 2;                               // SpecAugment masks of each kind per window

  // "noise,shift,brightness,specaugment,mixup", "gain,gauss,roll", "contrastive" (gain, gauss, roll and
  // one time mask of up to 20 frames and one band mask of up to 12 bands, always), "all" or "none".
  // Throws Error(usage) for unknown names.
  static AugmentOptions parse(std::string_view list);
  std::string describe() const;  // the enabled names, comma separated ("none" when none)
};

// Window buffers are band-major [mels x frames]. All randomness comes from the caller's generator, so
// a seeded run is reproducible.
class Augmenter {
 public:
  explicit Augmenter(AugmentOptions options) : options_(options) {}
  const AugmentOptions& options() const { return options_; }

  void augment_raw(std::span<float> window, int mels, int frames, std::mt19937_64& rng) const;
  void augment_normalized(std::span<float> window, int mels, int frames, std::mt19937_64& rng) const;
  // Mixing weight for one batch, or 1 when mixup is off or not drawn for this batch.
  float mixup_lambda(std::mt19937_64& rng) const;

  // The primitives, deterministic given their arguments (the tests call them directly).
  // Content moves k frames later in time (k < 0: earlier), wrapping around.
  static void shift(std::span<float> window, int mels, int frames, int k);
  // Adds noise power at `level_db` (with an exponential spread per bin) to each bin's power.
  static void add_noise(std::span<float> window, float level_db, std::mt19937_64& rng);
  // x -> mean + (x - mean) * contrast + gain_db, mean over the window.
  static void gain_contrast(std::span<float> window, float gain_db, float contrast);
  static void time_mask(std::span<float> window, int mels, int frames, int start, int width);
  static void freq_mask(std::span<float> window, int mels, int frames, int start, int width);
  // Content moves k bands up (k < 0: down), wrapping around.
  static void roll_bands(std::span<float> window, int mels, int frames, int k);

 private:
  AugmentOptions options_;
};

}  // namespace soundalike::model

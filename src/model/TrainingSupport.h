#pragma once
// Pieces shared by the supervised Trainer and the contrastive Pretrainer (internal to src/model; includes
// torch, so only model .cpp files include it).
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "features/Spectrogram.h"
#include "model/Augmenter.h"
#include "model/ModelFile.h"
#include "model/Network.h"

namespace soundalike::model {

// What a training run sets up first: torch's threads (0 = all cores), denormals flushed (early training
// makes many, and each costs about 10x on x86) and the seed of the initial weights.
void start_torch(int threads, uint64_t seed);

void set_learning_rate(torch::optim::AdamW& opt, double lr);

// A module's parameters and buffers as bytes, to keep the best epoch in memory and restore it.
std::string serialize_state(torch::nn::Module& m);
void restore_state(torch::nn::Module& m, const std::string& bytes);

// One random window of `s` as training reads it: the paper's augmentations on dB values, then the
// model's per-band normalisation, then SpecAugment's masks. `out` holds n_mels * window_frames floats.
void augmented_window(const Spectrogram& s, const ModelMetadata& m, const Augmenter& aug, std::mt19937_64& rng,
                      std::span<float> out);

// Precise BN: BatchNorm's running statistics trail the weights they describe; with the few hundred
// steps a small data set gives, inference-mode outputs drift far from training-mode ones (on the
// generated corpus the validation accuracy sat at chance for epochs while training accuracy was 95 %).
// So before every evaluation the statistics are recomputed as exact averages over `windows` random
// windows. `source(i)` names the spectrogram of window i and may draw from `rng`; each window's start is
// drawn from `rng` right after it, so callers keep their exact random streams.
void recalibrate_batchnorm(NetworkImpl& net, const ModelMetadata& m, int batch, size_t windows, std::mt19937_64& rng,
                           const std::function<const Spectrogram&(size_t)>& source);

}  // namespace soundalike::model

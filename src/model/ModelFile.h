#pragma once
// The model file: one self-describing file holding everything needed to embed a song the way the
// model was trained. Torch-free, so the library and the CLI can read a model's description cheaply.
//
// Layout (all integers little-endian):
//   8 bytes   magic "SALMODEL"
//   u32       format version (kModelFormatVersion)
//   u32       reserved, 0
//   u64       length of the JSON metadata, then the metadata (UTF-8)
//   blobs     back to back, sizes and names listed in metadata["blobs"]:
//             "weights"     torch::serialize::OutputArchive of the network (backbone.* and head.*)
//             "torchscript" only for TorchScript backbones: the scripted module as torch::jit saves it
//   u64       FNV-1a 64 hash of every byte before it (catches truncation and corruption)
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "features/SpectrogramConfig.h"

namespace soundalike::model {

inline constexpr uint32_t kModelFormatVersion = 1;

// Everything needed to rebuild a backbone's structure.
struct BackboneSpec {
  std::string name = "compact";  // compact | resnet50v2 | vgg19 | xception | torchscript
  int in_channels = 1;           // the network's own input channels; a 1-channel spectrogram is repeated
  int width = 0;                 // compact only: channels of the first layer (0 = default, 16)
};
void to_json(nlohmann::json& j, const BackboneSpec& s);
void from_json(const nlohmann::json& j, BackboneSpec& s);

// Per-mel-band statistics of the training spectrograms (dB); inputs are (x - mean) / std.
struct Normalization {
  std::vector<float> mean, std;
};

struct ModelMetadata {
  BackboneSpec backbone;
  SpectrogramConfig spectrogram;
  int window_frames = 128;        // frames per input window
  int eval_windows = 10;          // most windows spread across a clip when embedding/evaluating
  int embedding_size = 256;       // width of the penultimate Dense layer (the paper's embedding)
  // What a window's feature map becomes and which layer is the song vector. The paper's network pools
  // the map by its mean and embeds with the Dense layer; a contrastively pretrained network ships its
  // pooled features instead (mean and max of the last block: the Dense layer on top of them was trained
  // for the loss's projection and generalises worse), see docs/model-card.md.
  std::string pooling = "mean";     // "mean" | "mean_max" (the two concatenated, twice the channels)
  std::string embedding = "dense";  // "dense" (ReLU output of the Dense layer) | "pooled"
  // With a pooled embedding: the song vector reads the last block's pooled features ("last"), or every
  // block's, concatenated first to last ("all"). The early blocks hear timbre and texture that carry
  // over to music the model never heard; the last block specialises to its training music
  // (docs/model-card.md). The loss reads the last block unless pretrained with --contrast-blocks all, so
  // for most models this changes the read-out only.
  std::string pooled_blocks = "last";
  // Windows -> clip: their mean, or their mean and standard deviation concatenated ("mean_std"), which
  // keeps how much a song changes over time.
  std::string clip_summary = "mean";
  // 0: up to eval_windows windows spread evenly across a clip; > 0: a window every this many frames
  // (window_frames / 2 = half-overlapping), still at most eval_windows of them, spread when more.
  int window_hop = 0;
  std::vector<std::string> labels;  // empty for a backbone-only (e.g. self-supervised) model
  Normalization normalization;
  nlohmann::json training = nlohmann::json::object();  // summary: data, options, history, test metrics
};
void to_json(nlohmann::json& j, const ModelMetadata& m);
void from_json(const nlohmann::json& j, ModelMetadata& m);

struct ModelFileContents {
  ModelMetadata metadata;
  std::string weights;
  std::string torchscript;  // empty unless the backbone is a TorchScript module
  std::string content_hash; // hex FNV-1a of the file, identifies the model (FeatureExtractor::kind)
};

// Writes to a temporary file beside `path` and renames it over, so a crash or Ctrl-C never leaves a
// half-written model. Throws Error(cannot_write).
void write_model_file(const std::filesystem::path& path, const ModelMetadata& metadata, std::string_view weights,
                      std::string_view torchscript = {});
// Throws InputError(bad_model) for a missing, foreign, truncated, corrupt or newer-version file.
ModelFileContents read_model_file(const std::filesystem::path& path);

// Writes a copy of the model at `from` whose song vectors read the given blocks (ModelMetadata::
// pooled_blocks); weights and everything else unchanged. Throws InputError(bad_model) when the model
// cannot be read that way (not a conv4 backbone with a pooled embedding).
void write_model_readout(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& pooled_blocks);

// FNV-1a 64: fast, dependency-free content hashing for model files and the spectrogram cache.
uint64_t fnv1a64(std::string_view bytes, uint64_t seed = 0xcbf29ce484222325ULL);
std::string to_hex(uint64_t v);

}  // namespace soundalike::model

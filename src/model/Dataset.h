#pragma once
// Labeled audio for training and evaluation: a folder-per-label tree (GTZAN's layout) or a CSV
// manifest, a stratified seeded split, and log-mel spectrograms computed once and cached. Torch-free.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "features/Spectrogram.h"
#include "features/SpectrogramConfig.h"

namespace soundalike::model {

struct LabeledClip {
  std::filesystem::path path;
  std::string label;
  std::string group;  // e.g. the artist; clips of one group never straddle a split (empty: no group)
};

struct DatasetOptions {
  // CSV: the name of a column (header row needed) holding the group; folder tree: "artist" or "album"
  // reads that tag from each file. Empty: every clip is its own group.
  std::string group_column;
  size_t max_clips_per_label = 0;  // 0 = all; otherwise a seeded random subset per label
  uint64_t seed = 1;
};

struct Dataset {
  std::vector<LabeledClip> clips;
  std::vector<std::string> labels;  // sorted; a clip's label index is its position here
  int label_index(const std::string& label) const;  // -1 when absent
};

// DATA is a folder (DIR/<label>/<audio files>, nested folders below a label allowed) or a .csv file
// with rows path,label[,group] (paths relative to the CSV's folder; a first row starting "path" is a
// header). Throws InputError(bad_data) when nothing usable is found.
Dataset load_dataset(const std::filesystem::path& data, const DatasetOptions& options = {});

struct Split {
  std::vector<size_t> train, validation, test;  // indices into Dataset::clips
};
// Stratified by label, seeded: `test_fraction` of each label's groups go to test, then
// `validation_fraction` of the remaining ones to validation (at least one group each when a label has
// three or more groups). Groups are assigned whole, to the side of their most common label.
Split split_dataset(const Dataset& data, double test_fraction, double validation_fraction, uint64_t seed);

struct SpectrogramJob {
  SpectrogramConfig config;
  std::filesystem::path cache_dir;  // empty: no cache
  int jobs = 0;                     // 0 = all cores
  bool progress = true;
  double max_seconds = 0;           // 0 = whole file; otherwise at most this much from the middle
};

struct SpectrogramResult {
  std::vector<std::optional<Spectrogram>> spectrograms;  // one per input path, none when it failed
  std::vector<std::string> failures;                      // "<path>: <reason>", one per failed file
  size_t from_cache = 0;
};

// Decodes and transforms every file in parallel. A file that fails is reported in `failures` and left
// out; it never stops the batch. Cached spectrograms are keyed by the file's bytes and the config.
SpectrogramResult compute_spectrograms(const std::vector<std::filesystem::path>& files, const SpectrogramJob& job);

// $XDG_CACHE_HOME/soundalike/spectrograms, else ~/.cache/soundalike/spectrograms, else empty.
std::filesystem::path default_cache_dir();

}  // namespace soundalike::model

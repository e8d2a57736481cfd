#pragma once
// The options several commands share, each declared here once: one name, one help text and one set of
// allowed values, so `--metric` or `--normalize` cannot come to mean different things in different
// commands. A `note` adds what one command does with the option to the shared help text.
#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

#include "features/SpectrogramConfig.h"
#include "library/LibrarySearch.h"
#include "recommend/PlaylistControls.h"

namespace soundalike::app {

// --db FILE, required.
CLI::Option* add_db_option(CLI::App* cmd, std::string& db, const char* note = nullptr);

// --model FILE: a model file or "default" (the shipped model).
CLI::Option* add_model_option(CLI::App* cmd, std::string& model, const char* note = nullptr);

// --features for a command that makes vectors (index, evaluate-retrieval): which extractor.
CLI::Option* add_features_choice(CLI::App* cmd, std::string& features, const char* note = nullptr);

// --db, --features and --model of a command over an existing library (similar, path, map, serve): the
// features and model only pick among the kinds the library holds.
struct LibraryCli {
  std::string db, features, model;
  void add(CLI::App* cmd, const char* db_note = nullptr, const char* model_note = nullptr);
};

// --genre-groups FILE: what --genre, --exclude-genre and the ignore list's genres expand.
CLI::Option* add_genre_groups_option(CLI::App* cmd, std::string& file);

// The playlist controls of similar and path (recommend/PlaylistControls.h: names, values and help are
// declared there, once for the CLI and the HTTP API) and --genre-groups FILE.
struct PlaylistCli {
  std::map<std::string, std::vector<std::string>> lists;  // repeatable controls
  std::map<std::string, std::string> values;              // the others
  std::string genre_groups;
  void add(CLI::App* cmd);
  // What was given, checked; throws Error(usage) naming the control, InputError for the groups file.
  PlaylistControls controls() const;
};

// How `similar` searches (--metric, --ann, --ef-search, --normalize), shared with the commands that must
// answer exactly as `similar` does (mpd).
struct SearchCli {
  std::string metric = "l2";
  bool ann = false;
  int ef_search = 256;
  std::string normalize = "auto";
  void add(CLI::App* cmd);
  SearchOptions options(const std::string& kind) const;
};

// --metric l2|cosine, default l2.
CLI::Option* add_metric_option(CLI::App* cmd, std::string& metric);

// --normalize auto|none|mp, default auto.
CLI::Option* add_normalize_option(CLI::App* cmd, std::string& normalize, const char* note = nullptr);

// -k N, N >= 1.
CLI::Option* add_k_option(CLI::App* cmd, int& k, const char* help);

// --json; `shape` says what is printed.
CLI::Option* add_json_flag(CLI::App* cmd, bool& json, const char* shape = nullptr);

// -j/--jobs N: files worked on in parallel (0 = all cores).
CLI::Option* add_jobs_option(CLI::App* cmd, int& jobs, const char* note = nullptr);

// --threads N for the torch commands: decoding and torch threads (0 = all cores).
CLI::Option* add_threads_option(CLI::App* cmd, int& threads);

// The positional labeled data set (folder per label or CSV) with --max-clips and --max-seconds.
void add_labeled_data_options(CLI::App* cmd, std::string& data, size_t& max_clips, double& max_seconds);

// --sample-rate, --n-fft, --hop, --n-mels, --top-db, --amin: how audio becomes a log-mel spectrogram.
void add_spectrogram_options(CLI::App* cmd, SpectrogramConfig& config);

// Options of the two training commands (train/compare and pretrain), whose option structs share these
// field names; the help texts hold for both.
template <class TrainingOptions>
void add_training_options(CLI::App* cmd, TrainingOptions& t, std::string& augment, const char* augment_values) {
  cmd->add_option("--epochs", t.epochs, "Most epochs to train (early stopping or --stop-after may end sooner)")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  cmd->add_option("--batch-size", t.batch_size, "Examples per training step")->capture_default_str()->check(CLI::Range(2, 4096));
  cmd->add_option("--window", t.window_frames, "Frames per input window (128 = about 3 s)")
      ->capture_default_str()->check(CLI::Range(16, 4096));
  cmd->add_option("--eval-windows", t.eval_windows, "Most windows spread across a clip when evaluating/embedding")
      ->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--embedding-size", t.embedding_size, "Width of the embedding (penultimate Dense layer)")
      ->capture_default_str()->check(CLI::Range(2, 65536));
  cmd->add_option("--learning-rate", t.learning_rate, "AdamW learning rate (train: 0 = per backbone default)")->capture_default_str();
  cmd->add_option("--weight-decay", t.weight_decay, "AdamW weight decay")->capture_default_str();
  cmd->add_option("--augment", augment, std::string("Augmentations: ") + augment_values)->capture_default_str();
  cmd->add_option("--time-limit", t.time_limit_s, "Stop after the epoch that passes this many seconds (0 = none)")
      ->capture_default_str();
  cmd->add_option("--seed", t.seed, "Seed of the split, initial weights, batches and augmentation")->capture_default_str();
  add_threads_option(cmd, t.threads);
}

// --json and -q/--quiet of the training commands.
void add_training_output_flags(CLI::App* cmd, bool& json, bool& quiet);

}  // namespace soundalike::app

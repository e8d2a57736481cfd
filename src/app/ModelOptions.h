#pragma once
// Options shared by the model commands (train, evaluate, embed, classify, compare).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

#include "app/DefaultModel.h"
#include "common/Error.h"
#include "model/Dataset.h"

namespace soundalike::app {

struct CacheOptions {
  std::string cache_dir = model::default_cache_dir().string();
  bool no_cache = false;
  void add(CLI::App* cmd) {
    cmd->add_option("--cache", cache_dir, "Folder caching spectrograms (keyed by file content and settings)")
        ->capture_default_str();
    cmd->add_flag("--no-cache", no_cache, "Compute every spectrogram afresh and cache nothing");
  }
  std::filesystem::path dir() const { return no_cache ? std::filesystem::path() : std::filesystem::path(cache_dir); }
};

// --model is an option, never positional, so the shipped default model stands in when it is omitted.
inline std::string model_or_default(const std::string& model) {
  if (!model.empty()) return resolve_model_name(model);
  if (auto p = default_model_path()) return p->string();
  throw Error(ExitCode::usage, "--model MODEL is required (no default model is installed; make one with 'soundalike train')");
}

}  // namespace soundalike::app

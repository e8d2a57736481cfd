// soundalike embed / classify: a model's embedding vectors or top labels for audio files.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/ModelOptions.h"
#include "app/Output.h"
#include "audio/AudioDecoder.h"
#include "common/Error.h"
#include "common/Parallel.h"
#include "library/TrackAnalyzer.h"
#include "model/Embedder.h"

namespace soundalike::app {
namespace {

struct EmbedOptions {
  std::string model, format = "tsv";
  std::vector<std::string> files;
  int threads = 0, top = 3;
  bool json = false;
};

// Decodes and analyses every file as the library does (library/TrackAnalyzer.h: a short song whole, a
// long one as a few windows decoded by seeking), so `embed` prints the vector `index` stores. Decoding
// runs on all cores; the network sees the parts of up to 16 files in shared batches.
template <class Emit>
int analyse_files(const EmbedOptions& o, Emit&& emit) {
  const std::string model_file = model_or_default(o.model);
  const int threads = resolve_jobs(o.threads);
  const model::Embedder embedder(model_file, {threads, 64});
  DecodeOptions d;
  d.sample_rate = embedder.sample_rate();
  const AudioDecoder decoder(d);
  const AnalysisOptions plan;
  BatchStatus status;
  constexpr size_t chunk = 16;
  for (size_t at = 0; at < o.files.size(); at += chunk) {
    const size_t n = std::min(o.files.size(), at + chunk) - at;
    std::vector<std::vector<Spectrogram>> specs(n);
    std::vector<std::optional<Error>> errors(n);
    parallel_for(n, threads, [&](size_t i) {
      try {
        const SongExcerpts song = decode_excerpts(decoder, o.files[at + i], plan);
        for (std::span<const float> x : song.usable) specs[i].push_back(embedder.spectrogram(x));
      } catch (const Error& e) {
        errors[i] = e;
      }
    });
    std::vector<const Spectrogram*> parts;
    for (size_t i = 0; i < n; ++i)
      if (!errors[i])
        for (auto& s : specs[i]) parts.push_back(&s);
    const auto analyses = embedder.analyze_batch(parts);
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
      if (errors[i]) {
        status.failure(*errors[i]);
        continue;
      }
      model::ClipAnalysis mean = analyses[k];
      for (size_t p = 1; p < specs[i].size(); ++p) {
        const auto& a = analyses[k + p];
        for (size_t j = 0; j < mean.embedding.size(); ++j) mean.embedding[j] += a.embedding[j];
        for (size_t j = 0; j < mean.probabilities.size(); ++j) mean.probabilities[j] += a.probabilities[j];
      }
      const float scale = 1.0f / float(specs[i].size());
      for (float& v : mean.embedding) v *= scale;
      for (float& v : mean.probabilities) v *= scale;
      k += specs[i].size();
      emit(o.files[at + i], mean, embedder);
      status.success();
    }
  }
  return status.code();
}

int run_embed(const EmbedOptions& o) {
  nlohmann::json all = nlohmann::json::array();
  const int code = analyse_files(o, [&](const std::string& path, const model::ClipAnalysis& a, const model::Embedder&) {
    if (o.format == "json") {
      all.push_back({{"path", path}, {"embedding", a.embedding}});
    } else {
      std::string line = path;
      char buf[32];
      for (float v : a.embedding) {
        std::snprintf(buf, sizeof buf, "\t%.6g", v);
        line += buf;
      }
      std::cout << line << '\n';
    }
  });
  if (o.format == "json") std::cout << all.dump() << '\n';
  return code;
}

int run_classify(const EmbedOptions& o) {
  nlohmann::json all = nlohmann::json::array();
  const int code = analyse_files(o, [&](const std::string& path, const model::ClipAnalysis& a, const model::Embedder& e) {
    if (e.labels().empty()) throw Error(ExitCode::bad_model, e.kind() + ": this model has no labels; it can only embed (the shipped model is "
                                                       "an embedding model: for labels, train a classifier with `soundalike train`, "
                                                       "e.g. on its frozen backbone with --backbone-weights default --freeze-backbone)");
    const auto top = model::Embedder::top_labels(a, e.labels(), o.top);
    if (o.json) {
      nlohmann::json labels = nlohmann::json::array();
      for (const auto& t : top) labels.push_back({{"label", t.label}, {"probability", t.probability}});
      all.push_back({{"path", path}, {"labels", labels}});
    } else {
      std::string line = path + ":";
      char buf[96];
      for (size_t i = 0; i < top.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%s %s %.3f", i ? "," : "", top[i].label.c_str(), top[i].probability);
        line += buf;
      }
      std::cout << line << '\n';
    }
  });
  if (o.json) std::cout << all.dump(2) << '\n';
  return code;
}

// embed and classify read the same inputs.
void add_file_options(CLI::App* cmd, EmbedOptions& o) {
  add_model_option(cmd, o.model, "default: the shipped model");
  cmd->add_option("files", o.files, "Audio files")->required();
  add_threads_option(cmd, o.threads);
}

}  // namespace

void add_embed_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<EmbedOptions>(
      app, status, "embed",
      "Print each file's embedding (the model's penultimate layer, averaged over windows)", run_embed);
  add_file_options(cmd, *o);
  cmd->add_option("--format", o->format, "tsv: path<TAB>v1<TAB>v2...; json: [{path, embedding}]")
      ->capture_default_str()->check(CLI::IsMember({"tsv", "json"}));
}

void add_classify_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<EmbedOptions>(
      app, status, "classify", "Print each file's most likely labels with probabilities", run_classify);
  add_file_options(cmd, *o);
  cmd->add_option("--top", o->top, "How many labels per file")->capture_default_str()->check(CLI::Range(1, 1000));
  add_json_flag(cmd, o->json, "[{path, labels: [{label, probability}]}]");
}

}  // namespace soundalike::app

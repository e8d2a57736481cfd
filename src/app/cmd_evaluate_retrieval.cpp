// soundalike evaluate-retrieval: how well a feature kind finds songs of the same label (leave-one-out
// P@1, P@10, R-precision, the definitions musly-eval prints), on any folder-per-label tree.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <algorithm>
#include <memory>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/FeatureChoice.h"
#include "common/Error.h"
#include "features/FusedExtractor.h"
#include "library/ClipEmbedding.h"
#include "search/FusedSongIndex.h"
#include "library/LibrarySearch.h"
#include "library/LibraryProximity.h"
#include "search/PairDistance.h"
#include "retrieval/RetrievalEvaluation.h"
#include "model/Dataset.h"

namespace soundalike::app {
namespace {

struct RetrievalCli {
  std::string data, features, model;
  std::string metric = "l2";
  std::string normalize = "auto";
  double clip_seconds = 30.0;
  double fusion_weight = kKindFusionWeight;  // the fused kind's default unless given
  bool sweep = false;
  int jobs = 0;
  bool json = false;
};

int run(const RetrievalCli& o) {
  const model::Dataset data = model::load_dataset(o.data);
  std::vector<std::filesystem::path> files;
  for (const auto& c : data.clips) files.push_back(c.path);

  std::vector<std::string> labels;
  std::vector<float> distances;
  std::string kind;
  double files_per_second = 0.0;
  std::vector<std::string> failures;
  Normalization normalize = Normalization::none;
  nlohmann::json parts;
  double fusion_weight = o.fusion_weight;  // resolved to the kind's default below
  if (o.fusion_weight != kKindFusionWeight && (o.fusion_weight < 0 || o.fusion_weight > 1)) throw Error(ExitCode::usage, "--fusion-weight must be between 0 and 1");
  if (o.features == "random") {
    // The floor every method must clear: a seeded random ranking.
    kind = "random";
    for (const auto& c : data.clips) labels.push_back(c.label);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    const size_t n = labels.size();
    distances.assign(n * n, 0.0f);
    for (size_t i = 0; i < n; ++i)
      for (size_t j = i + 1; j < n; ++j) distances[i * n + j] = distances[j * n + i] = u(rng);
  } else {
    // The same extractor, distance and normalisation that `index` and `similar` use for these options
    // (FeatureChoice, LibrarySearch): with no options, exactly what the library ranks by.
    const auto e = choose_features(o.features, o.model);
    kind = e->kind();
    const ClipVectors clips = embed_middle_clips(files, *e, ClipOptions{o.clip_seconds, o.jobs});
    failures = clips.failures;
    std::vector<float> vectors;
    for (size_t i = 0; i < files.size(); ++i) {
      if (!clips.vectors[i]) continue;
      labels.push_back(data.clips[i].label);
      vectors.insert(vectors.end(), clips.vectors[i]->begin(), clips.vectors[i]->end());
    }
    const size_t n = labels.size();
    files_per_second = clips.seconds_elapsed > 0 ? double(n) / clips.seconds_elapsed : 0.0;
    const size_t dim = size_t(e->dimension());
    if (auto fused = FusedKind::parse(kind)) {
      normalize = Normalization::mp;  // a fused kind is defined through each part's MP (FusedSongIndex)
      const auto matrices = fused_part_matrices(*fused, vectors, n, o.jobs);  // the costly part, once
      if (o.sweep) {
        // Choosing the weight: every weight from the same part matrices, one line each.
        for (int step = 0; step <= 10; ++step) {
          const double w = step / 10.0;
          const RetrievalScores r = score_retrieval(labels, weigh_fused_parts(fusion_parts(*fused, dim, w), matrices));
          std::fprintf(stderr, "fusion weight %.1f: P@1 %.3f  P@10 %.3f  R-precision %.3f\n", w, r.p_at_1, r.p_at_10,
                       r.r_precision);
        }
      }
      const std::vector<FusionPart> fusion = fusion_parts(*fused, dim, o.fusion_weight);
      fusion_weight = fusion.front().weight;
      distances = weigh_fused_parts(fusion, matrices);
      for (const FusionPart& part : fusion)
        parts.push_back({{"kind", part.kind},
                         {"metric", part.stats_key.substr(part.stats_key.find(':') + 1)},
                         {"weight", part.weight}});
    } else {
      normalize = o.normalize == "auto" ? default_normalization(kind) : parse_normalization(o.normalize);
      const PairDistance distance = pair_distance(kind, parse_metric(o.metric));
      auto row = [&](size_t i) { return std::span<const float>(vectors).subspan(i * dim, dim); };
      distances = distance_matrix(n, [&](size_t i, size_t j) { return distance(row(i), row(j)); }, o.jobs);
      if (normalize == Normalization::mp && n >= 2) {
        for (float& x : distances) x = float(mp_input(kind, x));
        distances = mutual_proximity_matrix(distances, n);
      }
    }
  }
  if (labels.size() < 2) throw InputError(ExitCode::bad_data, o.data, "fewer than two usable songs");
  const RetrievalScores s = score_retrieval(labels, distances);

  for (const auto& f : failures) std::fprintf(stderr, "soundalike: skipped %s\n", f.c_str());
  if (o.json) {
    const bool fused = is_fused_kind(kind);
    nlohmann::json j{{"data", o.data},
                     {"kind", kind},
                     {"features", o.features.empty() && o.model.empty() ? "default" : o.features.empty() ? "model" : o.features},
                     {"metric", fused ? nlohmann::json() : nlohmann::json(is_timbre_kind(kind) ? mp_metric_key(kind, Metric::l2) : o.metric)},
                     {"normalize", to_string(normalize)},
                     {"fusion_weight", fused ? nlohmann::json(fusion_weight) : nlohmann::json()},
                     {"parts", fused ? parts : nlohmann::json()},
                     {"clip_seconds", o.clip_seconds}, {"items", s.items},
                     {"labels", data.labels.size()}, {"p_at_1", s.p_at_1},
                     {"p_at_10", s.p_at_10},     {"r_precision", s.r_precision},
                     {"files_per_second", files_per_second}, {"failures", failures}};
    std::cout << j.dump(2) << '\n';
  } else {
    std::printf("%s on %s: %d songs, %zu labels, metric %s, normalize %s\n", kind.c_str(), o.data.c_str(), s.items,
                data.labels.size(), is_fused_kind(kind) ? "per part" : o.metric.c_str(), std::string(to_string(normalize)).c_str());
    std::printf("P@1 %.3f  P@10 %.3f  R-precision %.3f  (%.1f files/s analysed)\n", s.p_at_1, s.p_at_10, s.r_precision,
                files_per_second);
  }
  return failures.empty() ? 0 : int(ExitCode::partial);
}

}  // namespace

void add_evaluate_retrieval_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<RetrievalCli>(
      app, status, "evaluate-retrieval",
      "Leave-one-out retrieval scores (P@1, P@10, R-precision) of a feature kind on labeled audio", run);
  cmd->add_option("data", o->data, "DIR/<label>/<audio files>, or a CSV of path,label")->required();
  add_features_choice(cmd, o->features, "evaluate-retrieval also takes random, a baseline");
  add_model_option(cmd, o->model);
  add_metric_option(cmd, o->metric);
  add_normalize_option(cmd, o->normalize, "over the evaluated songs; fusion always uses mp per part");
  cmd->add_option("--clip-seconds", o->clip_seconds, "Seconds from the middle of each song (0 = the whole song)")
      ->capture_default_str();
  cmd->add_flag("--sweep-fusion-weights", o->sweep,
               "With a fused kind: also print P@1/P@10/R-precision for weights 0, 0.1, ..., 1 on stderr");
  cmd->add_option("--fusion-weight", o->fusion_weight,
                  "With a fused kind: weight of the first part's MP distance; the others share 1 - w, a rhythm part "
                  "getting a sixth of what another part gets (default: 0.2 with a rhythm part, else 0.3)");
  add_jobs_option(cmd, o->jobs);
  add_json_flag(cmd, o->json, "p_at_1, p_at_10, r_precision, items, files_per_second, ...");
  cmd->footer(
      "Relevant = same label (folder). P@10 over the min(10, n-1) nearest; R-precision over the min(10, r) nearest,\n"
      "r = songs sharing the label (as musly-eval). Exit 6 when some files were skipped (listed).");
}

}  // namespace soundalike::app

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
#include "app/FeatureChoice.h"
#include "common/Error.h"
#include "index/ClipEmbedding.h"
#include "index/LibraryProximity.h"
#include "index/PairDistance.h"
#include "retrieval/RetrievalEvaluation.h"
#include "model/Dataset.h"

namespace soundalike::app {
namespace {

struct RetrievalCli {
  std::string data, features, model;
  std::string metric = "l2";
  std::string normalize = "none";
  double clip_seconds = 30.0;
  double fusion_weight = 0.1;  // chosen on the training packages (docs/benchmarks.md (issue 9 section))
  int jobs = 0;
  bool json = false;
};

// One feature kind's vectors for every file (empty where the file failed).
struct PartVectors {
  std::string kind;
  ClipVectors clips;
};

PartVectors part_vectors(const std::string& part, const RetrievalCli& o, std::span<const std::filesystem::path> files) {
  std::unique_ptr<FeatureExtractor> e;
  if (part == "model") {
    if (o.model.empty()) throw Error(ExitCode::usage, "--features " + o.features + " needs --model");
    e = choose_features("", o.model);
  } else if (part == "default") {
    e = choose_features("", "default");
  } else {
    e = choose_features(part, "");
  }
  PartVectors p;
  p.kind = e->kind();
  p.clips = embed_middle_clips(files, *e, ClipOptions{o.clip_seconds, o.jobs});
  return p;
}

int run(const RetrievalCli& o) {
  const model::Dataset data = model::load_dataset(o.data);
  std::vector<std::filesystem::path> files;
  for (const auto& c : data.clips) files.push_back(c.path);

  std::vector<std::string> labels;
  std::vector<float> distances;
  std::string kind;
  double files_per_second = 0.0;
  std::vector<std::string> failures;
  bool normalised = false;
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
    // "A+B" fuses two kinds: a weighted sum of their mutual-proximity distances (MP first, because raw
    // divergences and embedding distances live on unrelated scales).
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
      const size_t plus = o.features.find('+', start);
      parts.push_back(o.features.substr(start, plus == std::string::npos ? std::string::npos : plus - start));
      if (plus == std::string::npos) break;
      start = plus + 1;
    }
    if (parts.size() > 2) throw Error(ExitCode::usage, "--features fuses at most two kinds (A+B)");
    if (parts.size() == 2 && (o.fusion_weight < 0 || o.fusion_weight > 1))
      throw Error(ExitCode::usage, "--fusion-weight must be between 0 and 1");
    std::vector<PartVectors> pv;
    double seconds = 0.0;
    if (parts.size() == 1) {
      auto e = choose_features(o.features, o.model);
      pv.push_back({e->kind(), embed_middle_clips(files, *e, ClipOptions{o.clip_seconds, o.jobs})});
    } else {
      for (const auto& part : parts) pv.push_back(part_vectors(part, o, files));
    }
    std::vector<size_t> usable;
    for (size_t i = 0; i < files.size(); ++i) {
      bool ok = true;
      for (const auto& p : pv) ok = ok && p.clips.vectors[i].has_value();
      if (ok) {
        usable.push_back(i);
        labels.push_back(data.clips[i].label);
      }
    }
    for (const auto& p : pv) {
      seconds += p.clips.seconds_elapsed;
      failures.insert(failures.end(), p.clips.failures.begin(), p.clips.failures.end());
      kind += (kind.empty() ? "" : "+") + p.kind;
    }
    std::sort(failures.begin(), failures.end());
    failures.erase(std::unique(failures.begin(), failures.end()), failures.end());
    files_per_second = seconds > 0 ? double(usable.size()) / seconds : 0.0;
    const size_t n = usable.size();
    for (size_t pi = 0; pi < pv.size(); ++pi) {
      const auto& vec = pv[pi].clips.vectors;
      const PairDistance distance = pair_distance(pv[pi].kind, parse_metric(o.metric));
      std::vector<float> d = distance_matrix(
          n, [&](size_t i, size_t j) { return distance(*vec[usable[i]], *vec[usable[j]]); }, o.jobs);
      if (pv.size() == 1) {
        distances = std::move(d);
        break;
      }
      for (float& x : d) x = float(mp_input(pv[pi].kind, x));
      if (n >= 2) d = mutual_proximity_matrix(d, n);
      const float w = float(pi == 0 ? o.fusion_weight : 1.0 - o.fusion_weight);
      if (distances.empty()) distances.assign(n * n, 0.0f);
      for (size_t i = 0; i < n * n; ++i) distances[i] += w * d[i];
      normalised = true;
    }
  }
  if (labels.size() < 2) throw InputError(ExitCode::bad_data, o.data, "fewer than two usable songs");
  if (o.normalize == "mp" && !normalised) {
    for (float& x : distances) x = float(mp_input(kind, x));
    distances = mutual_proximity_matrix(distances, labels.size());
  }
  const RetrievalScores s = score_retrieval(labels, distances);

  for (const auto& f : failures) std::fprintf(stderr, "soundalike: skipped %s\n", f.c_str());
  if (o.json) {
    nlohmann::json j{{"data", o.data},           {"kind", kind},
                     {"metric", o.metric},       {"normalize", normalised ? "mp" : o.normalize},
                     {"fusion_weight", kind.find('+') != std::string::npos ? nlohmann::json(o.fusion_weight) : nlohmann::json()},
                     {"clip_seconds", o.clip_seconds}, {"items", s.items},
                     {"labels", data.labels.size()}, {"p_at_1", s.p_at_1},
                     {"p_at_10", s.p_at_10},     {"r_precision", s.r_precision},
                     {"files_per_second", files_per_second}, {"failures", failures}};
    std::cout << j.dump(2) << '\n';
  } else {
    std::printf("%s on %s: %d songs, %zu labels, metric %s, normalize %s\n", kind.c_str(), o.data.c_str(), s.items,
                data.labels.size(), o.metric.c_str(), o.normalize.c_str());
    std::printf("P@1 %.3f  P@10 %.3f  R-precision %.3f  (%.1f files/s analysed)\n", s.p_at_1, s.p_at_10, s.r_precision,
                files_per_second);
  }
  return failures.empty() ? 0 : int(ExitCode::partial);
}

}  // namespace

void add_evaluate_retrieval_command(CLI::App& app, CommandStatus& status) {
  auto o = std::make_shared<RetrievalCli>();
  CLI::App* cmd = app.add_subcommand(
      "evaluate-retrieval", "Leave-one-out retrieval scores (P@1, P@10, R-precision) of a feature kind on labeled audio");
  cmd->add_option("data", o->data, "DIR/<label>/<audio files>, or a CSV of path,label")->required();
  cmd->add_option("--features", o->features, "mfcc, timbre, random (a baseline), or a fusion A+B of mfcc|timbre|model|default; default: timbre");
  cmd->add_option("--model", o->model, "A CNN model file (\"default\" = the shipped model)");
  cmd->add_option("--metric", o->metric, "Distance between vectors")->capture_default_str()->check(CLI::IsMember({"l2", "cosine"}));
  cmd->add_option("--normalize", o->normalize, "none, or mp (mutual proximity over the evaluated songs)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "mp"}));
  cmd->add_option("--clip-seconds", o->clip_seconds, "Seconds from the middle of each song (0 = the whole song)")
      ->capture_default_str();
  cmd->add_option("--fusion-weight", o->fusion_weight,
                  "With --features A+B: weight of A's MP distance (B gets 1 - w)")
      ->capture_default_str();
  cmd->add_option("-j,--jobs", o->jobs, "Files analysed in parallel (default: all cores)");
  cmd->add_flag("--json", o->json, "Print JSON: p_at_1, p_at_10, r_precision, items, files_per_second, ...");
  cmd->footer(
      "Relevant = same label (folder). P@10 over the min(10, n-1) nearest; R-precision over the min(10, r) nearest,\n"
      "r = songs sharing the label (as musly-eval). Exit 6 when some files were skipped (listed).");
  cmd->callback([o, &status] { status.code = run(*o); });
}

}  // namespace soundalike::app

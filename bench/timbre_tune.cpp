// Frame settings of the timbre model, swept on a folder-per-label tree (the TRAINING packages only):
// every song's middle 30 s is decoded once, then each setting's Gaussians are fitted and scored
// leave-one-out (P@1, P@10, R-precision) with and without mutual proximity.
//
//   build/bench/timbre_tune /var/tmp/soundalike/split/train [--quick] [--kl]
//   build/bench/timbre_tune /var/tmp/soundalike/split/train --fusion [MODEL] [--kl]   # fusion weights
// The Jensen-Shannon divergence (timbre-v2) unless --kl (the symmetrised KL of timbre-v1).
// --fusion: weighted sums w * MP(A) + (1 - w) * MP(B) for A = mfcc (l2) and A = the model (cosine),
// B = the timbre kind, w = 0, 0.1, ..., 1.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "audio/AudioDecoder.h"
#include "common/Parallel.h"
#include "features/TimbreExtractor.h"
#include "search/PairDistance.h"
#include "retrieval/RetrievalEvaluation.h"
#include "features/MfccExtractor.h"
#include "library/LibraryProximity.h"
#include "model/Dataset.h"
#include "model/Embedder.h"

using namespace soundalike;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: timbre_tune DIR [--quick]\n");
    return 2;
  }
  const bool quick = argc > 2 && std::string(argv[2]) == "--quick";
  const bool kl = std::string(argv[argc - 1]) == "--kl";
  if (kl) --argc;
  const TimbreDivergence divergence = kl ? TimbreDivergence::symmetric_kl : TimbreDivergence::jensen_shannon;
  const model::Dataset data = model::load_dataset(argv[1]);
  DecodeOptions base;
  base.sample_rate = 22050;
  const AudioDecoder decoder(base);
  std::vector<std::vector<float>> audio(data.clips.size());
  parallel_for(data.clips.size(), 0, [&](size_t i) {
    try {
      DecodeOptions o = decoder.options();
      const double duration = decoder.probe(data.clips[i].path).duration;
      if (duration > 30) {
        o.offset = (duration - 30) / 2;
        o.duration = 30;
      }
      audio[i] = decoder.decode(data.clips[i].path, o).samples;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "skipped %s\n", e.what());
    }
  });
  if (argc > 2 && std::string(argv[2]) == "--fusion") {
    std::vector<std::unique_ptr<FeatureExtractor>> ex;
    ex.push_back(std::make_unique<TimbreExtractor>(kl ? kTimbreV1 : kTimbreV2));
    ex.push_back(std::make_unique<MfccExtractor>());
    if (argc > 3) ex.push_back(std::make_unique<model::Embedder>(argv[3], model::EmbedderOptions{1, 64}));
    std::vector<std::vector<std::vector<float>>> v(ex.size(), std::vector<std::vector<float>>(audio.size()));
    parallel_for(audio.size(), 0, [&](size_t i) {
      if (audio[i].empty()) return;
      try {
        std::vector<std::vector<float>> r;
        for (const auto& e : ex) r.push_back(e->extract(audio[i]));
        for (size_t k = 0; k < ex.size(); ++k) v[k][i] = std::move(r[k]);
      } catch (const std::exception&) {
      }
    });
    std::vector<size_t> ok;
    std::vector<std::string> labels;
    for (size_t i = 0; i < audio.size(); ++i)
      if (!v[0][i].empty()) {
        ok.push_back(i);
        labels.push_back(data.clips[i].label);
      }
    std::vector<std::vector<float>> mp(ex.size());
    for (size_t k = 0; k < ex.size(); ++k) {
      const PairDistance dist = pair_distance(ex[k]->kind(), k == 2 ? Metric::cosine : Metric::l2);
      auto d = distance_matrix(ok.size(), [&](size_t i, size_t j) { return dist(v[k][ok[i]], v[k][ok[j]]); });
      for (float& x : d) x = float(mp_input(ex[k]->kind(), x));
      mp[k] = mutual_proximity_matrix(d, ok.size());
    }
    std::printf("w(A)  | mfcc+timbre P@1 P@10 Rprec | model+timbre P@1 P@10 Rprec\n");
    for (int wi = 0; wi <= 10; ++wi) {
      const float w = float(wi) / 10.0f;
      std::printf("%.1f  ", w);
      for (size_t a = 1; a < ex.size(); ++a) {
        std::vector<float> f(mp[0].size());
        for (size_t i = 0; i < f.size(); ++i) f[i] = w * mp[a][i] + (1 - w) * mp[0][i];
        const auto s = score_retrieval(labels, f);
        std::printf("| %.3f %.3f %.3f ", s.p_at_1, s.p_at_10, s.r_precision);
      }
      std::printf("\n");
    }
    return 0;
  }
  std::vector<TimbreConfig> grid;
  for (int n_fft : {1024, 2048})
    for (int n_mels : {36, 40, 64})
      for (int n_mfcc : {13, 20, 25})
        for (float top_db : {80.0f, 0.0f}) {
          if (n_mfcc > n_mels) continue;
          if (quick && (n_fft != 1024 || top_db != 80.0f)) continue;
          if (!quick && n_mels == 64) continue;  // no better than 36/40 in the quick sweep, slower
          grid.push_back({22050, n_fft, 512, n_mels, n_mfcc, top_db, divergence});
        }
  std::printf("n_fft n_mels n_mfcc top_db | P@1   P@10  Rprec | MP: P@1   P@10  Rprec | MP(log1p): P@1 P@10 Rprec | MP(sqrt): P@1 P@10 Rprec\n");
  for (const TimbreConfig& c : grid) {
    const TimbreExtractor e(c);
    std::vector<std::vector<float>> v(audio.size());
    parallel_for(audio.size(), 0, [&](size_t i) {
      if (!audio[i].empty()) try {
          v[i] = e.extract(audio[i]);
        } catch (const std::exception&) {
        }
    });
    std::vector<size_t> ok;
    std::vector<std::string> labels;
    for (size_t i = 0; i < v.size(); ++i)
      if (!v[i].empty()) {
        ok.push_back(i);
        labels.push_back(data.clips[i].label);
      }
    const PairDistance dist = pair_distance(e.kind(), Metric::l2);
    const auto d = distance_matrix(ok.size(), [&](size_t i, size_t j) { return dist(v[ok[i]], v[ok[j]]); });
    const auto s = score_retrieval(labels, d);
    const auto m = score_retrieval(labels, mutual_proximity_matrix(d, ok.size()));
    // The divergence is heavy-tailed; MP's normal model may fit a compressed version better.
    auto mp_of = [&](double (*f)(double)) {
      std::vector<float> t(d.size());
      for (size_t i = 0; i < d.size(); ++i) t[i] = float(f(d[i]));
      return score_retrieval(labels, mutual_proximity_matrix(t, ok.size()));
    };
    const auto ml = mp_of([](double x) { return std::log1p(x); });
    const auto ms = mp_of([](double x) { return std::sqrt(x); });
    std::printf("%5d %6d %6d %6.0f | %.3f %.3f %.3f | %.3f %.3f %.3f | %.3f %.3f %.3f | %.3f %.3f %.3f\n", c.n_fft,
                c.n_mels, c.n_mfcc, c.top_db, s.p_at_1, s.p_at_10, s.r_precision, m.p_at_1, m.p_at_10, m.r_precision,
                ml.p_at_1, ml.p_at_10, ml.r_precision, ms.p_at_1, ms.p_at_10, ms.r_precision);
    std::fflush(stdout);
  }
}

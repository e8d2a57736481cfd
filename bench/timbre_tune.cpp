// Frame settings of the timbre model, swept on a folder-per-label tree (the TRAINING packages only):
// every song's middle 30 s is decoded once, then each setting's Gaussians are fitted and scored
// leave-one-out (P@1, P@10, R-precision) with and without mutual proximity.
//
//   build/bench/timbre_tune /var/tmp/soundalike/train [--quick]
#include <cstdio>
#include <string>
#include <vector>

#include "audio/AudioDecoder.h"
#include "common/Parallel.h"
#include "features/TimbreExtractor.h"
#include "index/PairDistance.h"
#include "index/RetrievalEvaluation.h"
#include "model/Dataset.h"

using namespace soundalike;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: timbre_tune DIR [--quick]\n");
    return 2;
  }
  const bool quick = argc > 2 && std::string(argv[2]) == "--quick";
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
  std::vector<TimbreConfig> grid;
  for (int n_fft : {1024, 2048})
    for (int n_mels : {36, 40, 64})
      for (int n_mfcc : {13, 20, 25})
        for (float top_db : {80.0f, 0.0f}) {
          if (n_mfcc > n_mels) continue;
          if (quick && (n_fft != 1024 || top_db != 80.0f)) continue;
          grid.push_back({22050, n_fft, 512, n_mels, n_mfcc, top_db});
        }
  std::printf("n_fft n_mels n_mfcc top_db | P@1   P@10  Rprec | MP: P@1   P@10  Rprec\n");
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
    std::printf("%5d %6d %6d %6.0f | %.3f %.3f %.3f | %.3f %.3f %.3f\n", c.n_fft, c.n_mels, c.n_mfcc, c.top_db, s.p_at_1,
                s.p_at_10, s.r_precision, m.p_at_1, m.p_at_10, m.r_precision);
    std::fflush(stdout);
  }
}

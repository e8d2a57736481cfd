#pragma once
// One finished song: composed, rendered, mixed down and levelled.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "synth/FluidRenderer.h"
#include "synth/Score.h"
#include "synth/Style.h"

namespace soundalike::synth {

struct RenderedSong {
  std::vector<float> samples;  // interleaved when channels == 2; exactly round(seconds * rate) frames
  int sample_rate = 0;
  int channels = 1;
  uint64_t seed = 0;
  Score score;  // genre, tempo, key, instruments: what the manifest records
};

// The seed of clip `index` of `genre` in a corpus made with `corpus_seed`.
uint64_t clip_seed(uint64_t corpus_seed, Genre genre, int index);

// Batch path: the caller keeps one renderer per thread and passes the style (an artist's, or one
// drawn from the seed with draw_style). Levels the mix to the score's loudness, peaks below -1 dBFS.
RenderedSong render_song(FluidRenderer& renderer, const Style& style, uint64_t seed, double seconds,
                         int channels = 1);

// Convenience for tests and small in-process corpora: a clip of `genre` whose style is drawn from the
// seed, exactly as generate_corpus renders clip seeds. Loads the soundfont (see find_soundfont).
RenderedSong render_song(Genre genre, uint64_t seed, double seconds, int sample_rate = 22050, int channels = 1,
                         const std::optional<std::filesystem::path>& soundfont = std::nullopt);

}  // namespace soundalike::synth

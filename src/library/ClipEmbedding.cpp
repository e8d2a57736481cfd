#include "library/ClipEmbedding.h"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "audio/AudioDecoder.h"
#include "common/Error.h"
#include "common/Parallel.h"

namespace soundalike {

ClipVectors embed_middle_clips(std::span<const std::filesystem::path> files, const FeatureExtractor& extractor,
                               const ClipOptions& options) {
  ClipVectors out;
  out.vectors.resize(files.size());
  std::mutex mutex;
  DecodeOptions decode;
  decode.sample_rate = extractor.sample_rate();
  const AudioDecoder decoder(decode);
  const auto start = std::chrono::steady_clock::now();
  parallel_for(files.size(), options.jobs, [&](size_t i) {
    try {
      DecodeOptions o = decoder.options();
      if (options.seconds > 0) {
        const double duration = decoder.probe(files[i]).duration;
        if (duration > options.seconds) {
          o.offset = (duration - options.seconds) / 2;
          o.duration = options.seconds;
        }
      }
      const DecodedAudio audio = decoder.decode(files[i], o);
      if (audio.samples.empty()) throw InputError(ExitCode::no_audio, files[i], "no audio in the clip");
      out.vectors[i] = extractor.extract(audio.samples);
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      out.failures.push_back(e.what());
    }
  });
  out.seconds_elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(out.failures.begin(), out.failures.end());
  return out;
}

}  // namespace soundalike

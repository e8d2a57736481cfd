#include "library/TrackAnalyzer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "common/Error.h"

namespace soundalike {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// Trims leading and trailing blocks quieter than `silence_db`; keeps everything when all is silent.
std::span<const float> trim_silence(std::span<const float> x, double silence_db) {
  constexpr size_t kBlock = 2048;
  const double threshold = std::pow(10.0, silence_db / 20.0);
  auto loud = [&](size_t start) {
    const size_t end = std::min(x.size(), start + kBlock);
    double s = 0;
    for (size_t i = start; i < end; ++i) s += double(x[i]) * x[i];
    return end > start && std::sqrt(s / double(end - start)) >= threshold;
  };
  size_t first = 0;
  while (first < x.size() && !loud(first)) first += kBlock;
  if (first >= x.size()) return x;
  size_t last = (x.size() - 1) / kBlock * kBlock;
  while (last > first && !loud(last)) last -= kBlock;
  return x.subspan(first, std::min(x.size(), last + kBlock) - first);
}

}  // namespace

std::string content_hash(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw InputError(ExitCode::not_found, path, "cannot open the file");
  // 64-bit multiply-xorshift over 8-byte words: reads at memory speed, good enough to tell files apart
  // (it is not a cryptographic hash and does not need to be).
  uint64_t h = 0x9E3779B97F4A7C15ull, size = 0;
  std::vector<unsigned char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    size += n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, buf.data() + i, 8);
      h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
    }
    for (; i < n; ++i) h = (h ^ buf[i]) * 0x94D049BB133111EBull;
  }
  if (std::ferror(f.get())) throw InputError(ExitCode::undecodable, path, "read error while hashing");
  h = (h ^ size) * 0xBF58476D1CE4E5B9ull;
  h ^= h >> 29;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

void file_state(const std::filesystem::path& path, int64_t& size, int64_t& mtime_ns) {
  std::error_code ec;
  const auto s = std::filesystem::file_size(path, ec);
  if (ec) throw InputError(ExitCode::not_found, path, "cannot stat the file: " + ec.message());
  const auto t = std::filesystem::last_write_time(path, ec);
  if (ec) throw InputError(ExitCode::not_found, path, "cannot stat the file: " + ec.message());
  size = int64_t(s);
  mtime_ns = int64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

SongExcerpts decode_excerpts(const AudioDecoder& decoder, const std::filesystem::path& path, const AnalysisOptions& o) {
  SongExcerpts w;
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) == 0 && !ec) throw InputError(ExitCode::undecodable, path, "empty file (0 bytes)");
  w.info = decoder.probe(path);
  DecodeOptions opt = decoder.options();
  const double declared = w.info.duration;
  if (declared > o.whole_up_to_seconds && o.windows > 0) {
    const double len = std::min(o.window_seconds, declared / o.windows);
    for (int i = 1; i <= o.windows; ++i) {
      opt.offset = std::max(0.0, declared * i / (o.windows + 1) - len / 2);
      opt.duration = len;
      w.parts.push_back(decoder.decode(path, opt));
    }
    w.duration = declared;
  } else {
    w.parts.push_back(decoder.decode(path, opt));
    w.duration = w.parts.back().seconds();
  }
  size_t total = 0;
  for (const auto& p : w.parts) total += p.samples.size();
  if (total == 0) throw InputError(ExitCode::no_audio, path, "the audio stream is empty");
  // Windows under a second after trimming say little; the last part is kept if nothing else is.
  for (size_t i = 0; i < w.parts.size(); ++i) {
    std::span<const float> x = trim_silence(w.parts[i].samples, o.silence_db);
    const size_t min_samples = size_t(std::max(1, w.parts[i].sample_rate));
    if (x.size() < min_samples && w.parts.size() > 1 && !(w.usable.empty() && i + 1 == w.parts.size())) continue;
    w.usable.push_back(x);
  }
  return w;
}

TrackAnalyzer::TrackAnalyzer(const FeatureExtractor& extractor, AnalysisOptions options)
    : extractor_(extractor), options_(options), descriptors_(extractor.sample_rate()), decoder_([&] {
        DecodeOptions d;
        d.sample_rate = extractor.sample_rate();
        return d;
      }()) {}

EmbeddingRow TrackAnalyzer::average(const std::filesystem::path& path, std::span<const FeatureResult> parts) const {
  const int dim = extractor_.dimension();
  std::vector<double> sum(size_t(dim), 0.0);
  std::map<std::string, double> label_sum;
  for (const FeatureResult& r : parts) {
    if (int(r.vector.size()) != dim)
      throw InputError(ExitCode::internal, path, "feature extractor returned " + std::to_string(r.vector.size()) +
                                                     " values, expected " + std::to_string(dim));
    for (int d = 0; d < dim; ++d) sum[size_t(d)] += r.vector[size_t(d)];
    for (const LabelScore& l : r.labels) label_sum[l.label] += l.probability;
  }
  const double used = double(parts.size());
  EmbeddingRow e;
  e.kind = extractor_.kind();
  e.vector.resize(size_t(dim));
  for (int d = 0; d < dim; ++d) {
    const double m = sum[size_t(d)] / used;
    if (!std::isfinite(m)) throw InputError(ExitCode::internal, path, "feature extractor produced a non-finite value");
    e.vector[size_t(d)] = float(m);
  }
  for (const auto& [label, s] : label_sum) e.labels.push_back({label, float(s / used)});
  std::sort(e.labels.begin(), e.labels.end(), [](const auto& a, const auto& b) { return a.probability > b.probability; });
  if (int(e.labels.size()) > options_.top_labels) e.labels.resize(size_t(options_.top_labels));
  return e;
}

EmbeddingRow TrackAnalyzer::embed(const std::filesystem::path& path) const {
  const SongExcerpts w = decode_excerpts(decoder_, path, options_);
  std::vector<FeatureResult> results;
  for (std::span<const float> x : w.usable) results.push_back(extractor_.describe(x, options_.top_labels));
  return average(path, results);
}

TrackUpdate TrackAnalyzer::analyze(const std::filesystem::path& path) const {
  TrackUpdate u;
  TrackRow& t = u.track;
  t.path = path.string();
  file_state(path, t.size, t.mtime_ns);
  const SongExcerpts w = decode_excerpts(decoder_, path, options_);
  t.duration = w.duration;
  t.tags = w.info.tags;
  t.content_hash = content_hash(path);

  std::vector<FeatureResult> results;
  std::vector<double> bpms;
  double power = 0, centroid = 0, weight = 0, confidence = 0;
  for (std::span<const float> x : w.usable) {
    results.push_back(extractor_.describe(x, options_.top_labels));
    const Descriptors d = descriptors_.compute(x);
    if (d.bpm > 0) bpms.push_back(d.bpm);
    confidence = std::max(confidence, d.tempo_confidence);
    const double p = std::pow(10.0, d.loudness_db / 10.0) * double(x.size());
    power += p;
    centroid += d.centroid_hz * double(x.size());
    weight += double(x.size());
  }
  u.embedding = average(path, results);

  if (!bpms.empty()) {
    std::nth_element(bpms.begin(), bpms.begin() + long(bpms.size() / 2), bpms.end());
    t.descriptors.bpm = bpms[bpms.size() / 2];
  }
  t.descriptors.tempo_confidence = confidence;
  t.descriptors.loudness_db = weight > 0 ? std::max(-120.0, 10.0 * std::log10(std::max(power / weight, 1e-12))) : -120.0;
  t.descriptors.centroid_hz = weight > 0 ? centroid / weight : 0.0;
  return u;
}

}  // namespace soundalike

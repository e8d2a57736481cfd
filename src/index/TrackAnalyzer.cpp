#include "index/TrackAnalyzer.h"

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

struct TrackAnalyzer::Windows {
  std::vector<DecodedAudio> parts;
  double duration = 0;
};

TrackAnalyzer::TrackAnalyzer(const FeatureExtractor& extractor, AnalysisOptions options)
    : extractor_(extractor), options_(options), descriptors_(extractor.sample_rate()), decoder_([&] {
        DecodeOptions d;
        d.sample_rate = extractor.sample_rate();
        return d;
      }()) {}

TrackAnalyzer::Windows TrackAnalyzer::decode_windows(const std::filesystem::path& path, AudioInfo& info) const {
  Windows w;
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) == 0 && !ec) throw InputError(ExitCode::undecodable, path, "empty file (0 bytes)");
  info = decoder_.probe(path);
  DecodeOptions opt = decoder_.options();
  const double declared = info.duration;
  if (declared > options_.whole_up_to_seconds && options_.windows > 0) {
    const double len = std::min(options_.window_seconds, declared / options_.windows);
    for (int i = 1; i <= options_.windows; ++i) {
      opt.offset = std::max(0.0, declared * i / (options_.windows + 1) - len / 2);
      opt.duration = len;
      w.parts.push_back(decoder_.decode(path, opt));
    }
    w.duration = declared;
  } else {
    w.parts.push_back(decoder_.decode(path, opt));
    w.duration = w.parts.back().seconds();
  }
  size_t total = 0;
  for (const auto& p : w.parts) total += p.samples.size();
  if (total == 0) throw InputError(ExitCode::no_audio, path, "the audio stream is empty");
  return w;
}

EmbeddingRow TrackAnalyzer::embed(const std::filesystem::path& path) const {
  return analyze(path).embedding.value();
}

TrackUpdate TrackAnalyzer::analyze(const std::filesystem::path& path) const {
  TrackUpdate u;
  TrackRow& t = u.track;
  t.path = path.string();
  file_state(path, t.size, t.mtime_ns);
  AudioInfo info;
  const Windows w = decode_windows(path, info);
  t.duration = w.duration;
  t.tags = info.tags;
  t.content_hash = content_hash(path);

  const int dim = extractor_.dimension();
  std::vector<double> sum(size_t(dim), 0.0);
  std::map<std::string, double> label_sum;
  std::vector<double> bpms;
  double power = 0, centroid = 0, weight = 0, confidence = 0;
  int used = 0;
  const size_t min_samples = size_t(extractor_.sample_rate());  // windows under 1 s after trimming say little
  for (const DecodedAudio& part : w.parts) {
    std::span<const float> x = trim_silence(part.samples, options_.silence_db);
    if (x.size() < min_samples && w.parts.size() > 1 && used + 1 < int(w.parts.size())) continue;
    const FeatureResult r = extractor_.describe(x, options_.top_labels);
    const std::vector<float>& v = r.vector;
    if (int(v.size()) != dim)
      throw InputError(ExitCode::internal, path, "feature extractor returned " + std::to_string(v.size()) +
                                                     " values, expected " + std::to_string(dim));
    for (int d = 0; d < dim; ++d) sum[size_t(d)] += v[size_t(d)];
    for (const LabelScore& l : r.labels) label_sum[l.label] += l.probability;
    const Descriptors d = descriptors_.compute(x);
    if (d.bpm > 0) bpms.push_back(d.bpm);
    confidence = std::max(confidence, d.tempo_confidence);
    const double p = std::pow(10.0, d.loudness_db / 10.0) * double(x.size());
    power += p;
    centroid += d.centroid_hz * double(x.size());
    weight += double(x.size());
    ++used;
  }
  if (used == 0) throw InputError(ExitCode::no_audio, path, "no audio left after trimming silence");
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
  u.embedding = std::move(e);

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

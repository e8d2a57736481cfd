#include "model/Dataset.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "audio/AudioDecoder.h"
#include "audio/AudioFiles.h"
#include "common/Error.h"
#include "common/Parallel.h"
#include "common/Progress.h"
#include "features/MelSpectrogram.h"
#include "model/ModelFile.h"

namespace soundalike::model {

namespace fs = std::filesystem;

int Dataset::label_index(const std::string& label) const {
  auto it = std::lower_bound(labels.begin(), labels.end(), label);
  return it != labels.end() && *it == label ? int(it - labels.begin()) : -1;
}

namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') quoted = true;
    else if (c == ',') out.push_back(cur), cur.clear();
    else if (c != '\r') cur += c;
  }
  out.push_back(cur);
  for (auto& s : out) {
    while (!s.empty() && std::isspace((unsigned char)s.back())) s.pop_back();
    while (!s.empty() && std::isspace((unsigned char)s.front())) s.erase(s.begin());
  }
  return out;
}

Dataset load_csv(const fs::path& csv, const DatasetOptions& o) {
  std::ifstream f(csv);
  if (!f) throw InputError(ExitCode::bad_data, csv, "cannot open the manifest");
  Dataset d;
  std::string line;
  int group_col = 2;
  bool first = true;
  size_t line_no = 0;
  while (std::getline(f, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    auto cols = split_csv_line(line);
    if (first) {
      first = false;
      if (!cols.empty() && cols[0] == "path") {
        group_col = -1;
        const std::string want = o.group_column.empty() ? "group" : o.group_column;
        for (size_t i = 0; i < cols.size(); ++i)
          if (cols[i] == want) group_col = int(i);
        if (group_col < 0 && !o.group_column.empty())
          throw InputError(ExitCode::bad_data, csv, "no column named '" + o.group_column + "' in the header");
        continue;
      }
      if (!o.group_column.empty())
        throw InputError(ExitCode::bad_data, csv, "--group-column needs a header row (path,label,...)");
    }
    if (cols.size() < 2 || cols[0].empty() || cols[1].empty())
      throw InputError(ExitCode::bad_data, csv, "line " + std::to_string(line_no) + ": expected path,label[,group]");
    LabeledClip c;
    c.path = fs::path(cols[0]).is_absolute() ? fs::path(cols[0]) : csv.parent_path() / cols[0];
    c.label = cols[1];
    if (group_col >= 0 && size_t(group_col) < cols.size()) c.group = cols[size_t(group_col)];
    d.clips.push_back(std::move(c));
  }
  return d;
}

Dataset load_tree(const fs::path& dir, const DatasetOptions& o) {
  Dataset d;
  std::error_code ec;
  std::vector<fs::path> label_dirs;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && e.path().filename().string()[0] != '.') label_dirs.push_back(e.path());
  std::sort(label_dirs.begin(), label_dirs.end());
  for (const auto& ld : label_dirs) {
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(ld, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file() && is_audio_extension(it->path())) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (auto& f : files) d.clips.push_back({f, ld.filename().string(), {}});
  }
  if (!o.group_column.empty()) {
    if (o.group_column != "artist" && o.group_column != "album")
      throw Error(ExitCode::usage, "--group-column for a folder tree must be 'artist' or 'album' (a tag)");
    const AudioDecoder decoder;
    for (auto& c : d.clips) {
      try {
        const auto tags = decoder.probe(c.path).tags;
        c.group = o.group_column == "artist" ? tags.artist : tags.album;
      } catch (const Error&) {
        // Unreadable files are reported when their spectrogram is computed.
      }
    }
  }
  return d;
}

}  // namespace

Dataset load_dataset(const fs::path& data, const DatasetOptions& o) {
  std::error_code ec;
  if (!fs::exists(data, ec)) throw InputError(ExitCode::not_found, data, "no such file or folder");
  Dataset d = fs::is_directory(data, ec) ? load_tree(data, o) : load_csv(data, o);
  if (d.clips.empty())
    throw InputError(ExitCode::bad_data, data,
                     "no labeled audio found (expected DIR/<label>/<audio files> or a CSV path,label[,group])");
  std::set<std::string> labels;
  for (const auto& c : d.clips) labels.insert(c.label);
  d.labels.assign(labels.begin(), labels.end());
  if (o.max_clips_per_label > 0) {
    std::mt19937_64 rng(o.seed);
    std::vector<LabeledClip> kept;
    for (const auto& l : d.labels) {
      std::vector<LabeledClip> of;
      for (const auto& c : d.clips)
        if (c.label == l) of.push_back(c);
      std::shuffle(of.begin(), of.end(), rng);
      if (of.size() > o.max_clips_per_label) of.resize(o.max_clips_per_label);
      std::sort(of.begin(), of.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
      kept.insert(kept.end(), of.begin(), of.end());
    }
    d.clips = std::move(kept);
  }
  return d;
}

Split split_dataset(const Dataset& data, double test_fraction, double validation_fraction, uint64_t seed) {
  // Groups (a clip without one is its own group), each assigned to its most common label.
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < data.clips.size(); ++i) {
    const auto& c = data.clips[i];
    groups[c.group.empty() ? "\x01" + c.path.string() : c.group].push_back(i);
  }
  std::map<std::string, std::vector<const std::vector<size_t>*>> by_label;
  for (const auto& [name, members] : groups) {
    std::map<std::string, int> count;
    for (size_t i : members) ++count[data.clips[i].label];
    auto best = std::max_element(count.begin(), count.end(), [](auto& a, auto& b) { return a.second < b.second; });
    by_label[best->first].push_back(&members);
  }
  Split s;
  std::mt19937_64 rng(seed);
  for (auto& [label, gs] : by_label) {
    std::shuffle(gs.begin(), gs.end(), rng);
    const size_t n = gs.size();
    size_t n_test = size_t(std::lround(double(n) * test_fraction));
    if (test_fraction > 0 && n >= 2) n_test = std::max<size_t>(n_test, 1);
    n_test = std::min(n_test, n > 0 ? n - 1 : 0);
    size_t n_val = size_t(std::lround(double(n - n_test) * validation_fraction));
    if (validation_fraction > 0 && n - n_test >= 3) n_val = std::max<size_t>(n_val, 1);
    n_val = std::min(n_val, n - n_test > 0 ? n - n_test - 1 : 0);
    for (size_t g = 0; g < n; ++g) {
      auto& side = g < n_test ? s.test : g < n_test + n_val ? s.validation : s.train;
      side.insert(side.end(), gs[g]->begin(), gs[g]->end());
    }
  }
  for (auto* v : {&s.train, &s.validation, &s.test}) std::sort(v->begin(), v->end());
  return s;
}

fs::path default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "soundalike" / "spectrograms";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "soundalike" / "spectrograms";
  return {};
}

namespace {

constexpr char kCacheMagic[8] = {'S', 'A', 'L', 'S', 'P', 'E', 'C', '1'};

std::optional<Spectrogram> read_cached(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return std::nullopt;
  char magic[8];
  int32_t dims[2];
  if (!f.read(magic, 8) || std::memcmp(magic, kCacheMagic, 8) != 0) return std::nullopt;
  if (!f.read(reinterpret_cast<char*>(dims), sizeof dims) || dims[0] <= 0 || dims[1] <= 0) return std::nullopt;
  Spectrogram s;
  s.n_mels = dims[0];
  s.n_frames = dims[1];
  s.data.resize(size_t(dims[0]) * size_t(dims[1]));
  if (!f.read(reinterpret_cast<char*>(s.data.data()), std::streamsize(s.data.size() * sizeof(float)))) return std::nullopt;
  if (f.peek() != std::char_traits<char>::eof()) return std::nullopt;
  return s;
}

void write_cached(const fs::path& p, const Spectrogram& s) {
  // A unique temporary name, renamed over: concurrent runs and crashes never leave a torn entry.
  fs::path tmp = p;
  tmp += ".tmp" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return;  // the cache is an optimisation; failing to write it is not an error
    const int32_t dims[2] = {s.n_mels, s.n_frames};
    f.write(kCacheMagic, 8);
    f.write(reinterpret_cast<const char*>(dims), sizeof dims);
    f.write(reinterpret_cast<const char*>(s.data.data()), std::streamsize(s.data.size() * sizeof(float)));
    if (!f) return;
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) fs::remove(tmp, ec);
}

}  // namespace

SpectrogramResult compute_spectrograms(const std::vector<fs::path>& files, const SpectrogramJob& job) {
  job.config.validate();
  const MelSpectrogram mel(job.config);
  DecodeOptions dopt;
  dopt.sample_rate = job.config.sample_rate;
  const AudioDecoder decoder(dopt);
  std::string config_key = nlohmann::json(job.config).dump();
  config_key += "|max_seconds=" + std::to_string(job.max_seconds) + "|v1";
  if (!job.cache_dir.empty()) {
    std::error_code ec;
    fs::create_directories(job.cache_dir, ec);
  }

  SpectrogramResult r;
  r.spectrograms.resize(files.size());
  std::vector<std::string> errors(files.size());
  std::atomic<size_t> cached{0};
  std::optional<Progress> progress;
  if (job.progress) progress.emplace("spectrograms", files.size());
  parallel_for(files.size(), job.jobs, [&](size_t i) {
    const fs::path& path = files[i];
    try {
      fs::path entry;
      if (!job.cache_dir.empty()) {
        std::ifstream f(path, std::ios::binary);
        if (!f) throw InputError(ExitCode::not_found, path, "cannot open the file");
        std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        entry = job.cache_dir / (to_hex(fnv1a64(config_key, fnv1a64(bytes))) + ".spec");
        if (auto s = read_cached(entry)) {
          r.spectrograms[i] = std::move(*s);
          ++cached;
          if (progress) progress->advance();
          return;
        }
      }
      DecodedAudio audio;
      if (job.max_seconds > 0) {
        const AudioInfo info = decoder.probe(path);
        DecodeOptions o = dopt;
        o.offset = std::max(0.0, (info.duration - job.max_seconds) / 2);
        o.duration = job.max_seconds;
        audio = decoder.decode(path, o);
      } else {
        audio = decoder.decode(path);
      }
      if (audio.samples.empty()) throw InputError(ExitCode::no_audio, path, "no audio samples");
      Spectrogram s = mel.compute(audio.samples);
      if (!entry.empty()) write_cached(entry, s);
      r.spectrograms[i] = std::move(s);
    } catch (const std::exception& e) {
      errors[i] = dynamic_cast<const InputError*>(&e) ? e.what() : path.string() + ": " + e.what();
    }
    if (progress) progress->advance();
  });
  if (progress) progress->finish();
  for (auto& e : errors)
    if (!e.empty()) r.failures.push_back(std::move(e));
  r.from_cache = cached;
  return r;
}

}  // namespace soundalike::model

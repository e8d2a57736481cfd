#include "synth/Corpus.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "common/Error.h"
#include "common/Parallel.h"
#include "common/Progress.h"
#include "synth/Composer.h"
#include "synth/FluidRenderer.h"
#include "synth/Random.h"
#include "synth/Song.h"
#include "synth/Soundfont.h"
#include "synth/Style.h"

namespace soundalike::synth {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 13> kColumns{"path",      "genre",       "tempo",     "key",    "instruments",
                                                   "seed",      "seconds",     "sample_rate", "soundfont", "artist",
                                                   "album",     "track",       "title"};

// Shortest text that reads back as the same double, so manifest rows compare equal after a round trip.
std::string number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  if (s.empty()) return parts;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(1, sep) : "") + parts[i];
  return out;
}

// RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    any = true;
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      field += c;
    }
  }
  if (any) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

template <class T>
T parse_number(const std::string& s, const fs::path& csv, const char* column) {
  T v{};
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size())
    throw InputError(ExitCode::bad_data, csv, std::string("bad ") + column + " \"" + s + "\"");
  return v;
}

// One renderer per worker thread, made on first use and handed back after each clip: loading the
// soundfont is the expensive part of a synth, and each render resets the synth anyway.
class RendererPool {
 public:
  RendererPool(fs::path soundfont, int sample_rate) : soundfont_(std::move(soundfont)), sample_rate_(sample_rate) {}
  template <class Fn>
  void with_renderer(Fn&& fn) {
    std::unique_ptr<FluidRenderer> r;
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        r = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!r) r = std::make_unique<FluidRenderer>(soundfont_, sample_rate_);
    fn(*r);
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(r));
  }

 private:
  fs::path soundfont_;
  int sample_rate_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<FluidRenderer>> free_;
};

struct Job {
  ClipRecord record;
  Style style;
  AudioTags tags;
  int channels = 1;
  bool reuse = false;
  bool done = false;  // rendered by this run
};

void validate(double seconds, int sample_rate, std::initializer_list<std::pair<const char*, int>> counts) {
  if (!(seconds > 0) || seconds > 3600) throw Error(ExitCode::usage, "--seconds must be in (0, 3600]");
  if (sample_rate < 8000 || sample_rate > 96000) throw Error(ExitCode::usage, "--sample-rate must be 8000..96000");
  for (const auto& [name, n] : counts)
    if (n < 1) throw Error(ExitCode::usage, std::string(name) + " must be at least 1");
}

ClipRecord plan_record(const std::string& path, const Style& style, uint64_t seed, double seconds, int sample_rate,
                       const fs::path& soundfont) {
  const Score score = compose(style, seed, seconds);
  ClipRecord r;
  r.path = path;
  r.genre = std::string(genre_name(style.genre));
  r.tempo = std::round(score.tempo_bpm * 100) / 100;
  r.key = score.key;
  r.instruments = score.instrument_names();
  r.seed = seed;
  r.seconds = seconds;
  r.sample_rate = sample_rate;
  r.soundfont = soundfont.filename().string();
  return r;
}

void make_folder(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(ExitCode::cannot_write, dir, "cannot create the folder: " + ec.message());
}

CorpusManifest run_jobs(std::vector<Job>& jobs, const fs::path& out, const fs::path& soundfont, int sample_rate,
                        AudioFileFormat format, int threads, bool force, bool show_progress, const char* label,
                        CancelToken stop) {
  const fs::path manifest_path = out / "manifest.csv";
  std::map<std::string, ClipRecord> previous;
  std::string reuse_warning;
  if (!force && fs::exists(manifest_path)) {
    try {
      for (ClipRecord& r : read_manifest(manifest_path)) previous.emplace(r.path, std::move(r));
    } catch (const Error& e) {
      previous.clear();  // an unreadable old manifest only means nothing can be reused
      reuse_warning = std::string(e.what()) + "; every file is rendered again";
    }
  }
  CorpusManifest manifest;
  if (!reuse_warning.empty()) manifest.warnings.push_back(std::move(reuse_warning));
  for (Job& job : jobs) {
    const fs::path file = out / job.record.path;
    const auto it = previous.find(job.record.path);
    std::error_code ec;
    job.reuse = it != previous.end() && it->second == job.record && fs::is_regular_file(file, ec) &&
                fs::file_size(file, ec) > 0;
    if (job.reuse) ++manifest.reused;
    else make_folder(file.parent_path());
  }

  RendererPool pool(soundfont, sample_rate);
  std::optional<Progress> progress;
  if (show_progress) progress.emplace(label, jobs.size());
  parallel_for(jobs.size(), threads, [&](size_t i) {
    Job& job = jobs[i];
    if (!job.reuse) {
      if (cancel_requested(stop)) return;
      pool.with_renderer([&](FluidRenderer& renderer) {
        const RenderedSong song = render_song(renderer, job.style, job.record.seed, job.record.seconds, job.channels);
        const fs::path file = out / job.record.path;
        fs::path partial = file;
        partial += ".part";
        AudioWriteOptions w;
        w.format = format;
        w.sample_rate = sample_rate;
        w.channels = job.channels;
        w.tags = job.tags;
        write_audio_file(partial, song.samples, w);
        std::error_code ec;
        fs::rename(partial, file, ec);
        if (ec) throw InputError(ExitCode::cannot_write, file, "cannot rename the finished file: " + ec.message());
      });
      job.done = true;
    }
    if (progress) progress->advance();
  });
  if (progress) progress->finish();

  manifest.planned = int(jobs.size());
  for (Job& job : jobs) {
    if (job.reuse || job.done) manifest.clips.push_back(job.record);
    if (job.done) ++manifest.rendered;
  }
  manifest.interrupted = manifest.clips.size() < jobs.size();
  write_manifest(manifest_path, manifest.clips);
  return manifest;
}

// Made-up names: two word lists are enough to make a library look like one.
constexpr std::array<std::string_view, 32> kAdjectives{
    "Velvet", "Electric", "Silent", "Golden", "Midnight", "Crimson", "Paper", "Hollow", "Neon", "Wild",
    "Quiet", "Burning", "Frozen", "Lucky", "Broken", "Silver", "Distant", "Restless", "Blue", "Iron",
    "Gentle", "Wandering", "Lonely", "Bright", "Hidden", "Sweet", "Dusty", "Northern", "Stormy", "Little",
    "Secret", "Empty"};
constexpr std::array<std::string_view, 32> kNouns{
    "Owls", "Rivers", "Machines", "Horizons", "Lanterns", "Wolves", "Echoes", "Harbors", "Comets", "Gardens",
    "Shadows", "Engines", "Mirrors", "Highways", "Tides", "Sparrows", "Streets", "Bells", "Mountains", "Letters",
    "Dreams", "Fires", "Islands", "Roses", "Clouds", "Trains", "Stones", "Rooms", "Skies", "Hearts",
    "Waves", "Lights"};
constexpr std::array<std::string_view, 16> kFirstNames{"Ada", "Ben", "Clara", "Dev", "Elena", "Felix", "Grace", "Hugo",
                                                       "Iris", "Jonah", "Kira", "Leo", "Maya", "Nico", "Olive", "Ravi"};
constexpr std::array<std::string_view, 16> kLastNames{"Marsh", "Keller", "Okafor", "Lindqvist", "Moreau", "Tanaka",
                                                      "Alvarez", "Brennan", "Costa", "Novak", "Quinn", "Sato",
                                                      "Varga", "Weber", "Young", "Ziegler"};

// Enough English for the nouns above: Skies -> Sky, Echoes -> Echo, Wolves -> Wolf, Rivers -> River.
std::string singular(std::string_view plural) {
  const std::string p(plural);
  if (p.ends_with("ies")) return p.substr(0, p.size() - 3) + "y";
  if (p.ends_with("oes")) return p.substr(0, p.size() - 2);
  if (p.ends_with("lves")) return p.substr(0, p.size() - 3) + "f";
  return p.substr(0, p.size() - 1);
}

std::string artist_name(Rng& rng) {
  switch (rng.between(0, 2)) {
    case 0: return "The " + std::string(rng.pick<std::string_view>(kAdjectives)) + " " + std::string(rng.pick<std::string_view>(kNouns));
    case 1: return std::string(rng.pick<std::string_view>(kFirstNames)) + " " + std::string(rng.pick<std::string_view>(kLastNames));
    default: return std::string(rng.pick<std::string_view>(kAdjectives)) + " " + std::string(rng.pick<std::string_view>(kNouns));
  }
}

std::string title_name(Rng& rng) {
  switch (rng.between(0, 2)) {
    case 0: return std::string(rng.pick<std::string_view>(kAdjectives)) + " " + singular(rng.pick<std::string_view>(kNouns));
    case 1: return singular(rng.pick<std::string_view>(kNouns)) + " of " + std::string(rng.pick<std::string_view>(kNouns));
    default: return std::string(rng.pick<std::string_view>(kAdjectives)) + " " + std::string(rng.pick<std::string_view>(kNouns));
  }
}

// Draws names until one is new, so that paths never collide.
template <class Draw>
std::string unique_name(std::vector<std::string>& taken, Rng& rng, Draw&& draw) {
  for (int attempt = 0;; ++attempt) {
    std::string name = draw(rng);
    if (attempt >= 50) name += " " + std::to_string(attempt);
    if (std::find(taken.begin(), taken.end(), name) == taken.end()) {
      taken.push_back(name);
      return name;
    }
  }
}

std::string two_digits(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d", n);
  return buf;
}

}  // namespace

void write_manifest(const fs::path& csv, const std::vector<ClipRecord>& clips) {
  std::ostringstream text;
  for (size_t i = 0; i < kColumns.size(); ++i) text << (i ? "," : "") << kColumns[i];
  text << '\n';
  for (const ClipRecord& r : clips) {
    const std::array<std::string, 13> fields{r.path,          r.genre,        number(r.tempo),
                                             r.key,           join(r.instruments, ';'), std::to_string(r.seed),
                                             number(r.seconds), std::to_string(r.sample_rate), r.soundfont,
                                             r.artist,        r.album,        r.track ? std::to_string(r.track) : "",
                                             r.title};
    for (size_t i = 0; i < fields.size(); ++i) text << (i ? "," : "") << csv_field(fields[i]);
    text << '\n';
  }
  fs::path partial = csv;
  partial += ".part";
  {
    std::ofstream f(partial, std::ios::binary | std::ios::trunc);
    f << text.str();
    if (!f.flush()) throw InputError(ExitCode::cannot_write, csv, "cannot write the manifest");
  }
  std::error_code ec;
  fs::rename(partial, csv, ec);
  if (ec) throw InputError(ExitCode::cannot_write, csv, "cannot write the manifest: " + ec.message());
}

std::vector<ClipRecord> read_manifest(const fs::path& csv) {
  std::ifstream f(csv, std::ios::binary);
  if (!f) throw InputError(ExitCode::not_found, csv, "cannot open the manifest");
  std::stringstream buffer;
  buffer << f.rdbuf();
  const auto rows = parse_csv(buffer.str());
  if (rows.empty() || rows[0].size() != kColumns.size() || rows[0][0] != kColumns[0])
    throw InputError(ExitCode::bad_data, csv, "not a soundalike synth manifest (unexpected header)");
  std::vector<ClipRecord> clips;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row.size() != kColumns.size())
      throw InputError(ExitCode::bad_data, csv, "line " + std::to_string(i + 1) + " has " + std::to_string(row.size()) +
                                                    " fields, expected " + std::to_string(kColumns.size()));
    ClipRecord r;
    r.path = row[0];
    r.genre = row[1];
    r.tempo = parse_number<double>(row[2], csv, "tempo");
    r.key = row[3];
    r.instruments = split(row[4], ';');
    r.seed = parse_number<uint64_t>(row[5], csv, "seed");
    r.seconds = parse_number<double>(row[6], csv, "seconds");
    r.sample_rate = parse_number<int>(row[7], csv, "sample_rate");
    r.soundfont = row[8];
    r.artist = row[9];
    r.album = row[10];
    r.track = row[11].empty() ? 0 : parse_number<int>(row[11], csv, "track");
    r.title = row[12];
    clips.push_back(std::move(r));
  }
  return clips;
}

CorpusManifest generate_corpus(const CorpusOptions& o) {
  validate(o.seconds, o.sample_rate, {{"--per-genre", o.per_genre}});
  if (o.genres.empty()) throw Error(ExitCode::usage, "no genres to generate");
  const fs::path soundfont = find_soundfont(o.soundfont);
  std::vector<Job> jobs;
  for (Genre g : o.genres) {
    for (int i = 0; i < o.per_genre; ++i) {
      char name[64];
      std::snprintf(name, sizeof name, "%s.%05d.%s", std::string(genre_name(g)).c_str(), i,
                    std::string(extension(o.format)).c_str());
      Job job;
      const uint64_t seed = clip_seed(o.seed, g, i);
      job.style = draw_style(g, seed);
      job.record = plan_record(std::string(genre_name(g)) + "/" + name, job.style, seed, o.seconds, o.sample_rate, soundfont);
      jobs.push_back(std::move(job));
    }
  }
  return run_jobs(jobs, o.out, soundfont, o.sample_rate, o.format, o.jobs, o.force, o.show_progress, "synth", o.stop);
}

std::vector<RenderedSong> render_corpus(const CorpusOptions& o) {
  validate(o.seconds, o.sample_rate, {{"--per-genre", o.per_genre}});
  if (o.genres.empty()) throw Error(ExitCode::usage, "no genres to generate");
  const fs::path soundfont = find_soundfont(o.soundfont);
  std::vector<RenderedSong> songs(o.genres.size() * size_t(o.per_genre));
  RendererPool pool(soundfont, o.sample_rate);
  parallel_for(songs.size(), o.jobs, [&](size_t i) {
    const Genre g = o.genres[i / size_t(o.per_genre)];
    const uint64_t seed = clip_seed(o.seed, g, int(i % size_t(o.per_genre)));
    pool.with_renderer([&](FluidRenderer& r) { songs[i] = render_song(r, draw_style(g, seed), seed, o.seconds); });
  });
  return songs;
}

CorpusManifest generate_library(const LibraryOptions& o) {
  validate(o.seconds, o.sample_rate,
           {{"--artists", o.artists}, {"--albums-per-artist", o.albums_per_artist}, {"--tracks-per-album", o.tracks_per_album}});
  if (o.genres.empty()) throw Error(ExitCode::usage, "no genres to generate");
  const fs::path soundfont = find_soundfont(o.soundfont);
  Rng names(mix_seed(o.seed, 0x11b7a7));
  std::vector<std::string> artists;
  std::vector<Job> jobs;
  for (int a = 0; a < o.artists; ++a) {
    const Genre genre = o.genres[size_t(a) % o.genres.size()];
    const uint64_t artist_seed = mix_seed(o.seed, 1000 + uint64_t(a));
    const Style style = draw_style(genre, artist_seed);
    const std::string artist = unique_name(artists, names, artist_name);
    std::vector<std::string> albums, titles;
    for (int b = 0; b < o.albums_per_artist; ++b) {
      const std::string album = unique_name(albums, names, title_name);
      for (int t = 1; t <= o.tracks_per_album; ++t) {
        const std::string title = unique_name(titles, names, title_name);
        const uint64_t seed = mix_seed(artist_seed, uint64_t(b) * 1000 + uint64_t(t));
        Job job;
        job.style = style;
        job.channels = 2;
        job.record = plan_record(artist + "/" + album + "/" + two_digits(t) + " " + title + "." +
                                     std::string(extension(o.format)),
                                 style, seed, o.seconds, o.sample_rate, soundfont);
        job.record.artist = artist;
        job.record.album = album;
        job.record.track = t;
        job.record.title = title;
        job.tags = AudioTags{title, artist, album, std::string(genre_name(genre)), t};
        jobs.push_back(std::move(job));
      }
    }
  }
  return run_jobs(jobs, o.out, soundfont, o.sample_rate, o.format, o.jobs, o.force, o.show_progress, "synth", o.stop);
}

}  // namespace soundalike::synth

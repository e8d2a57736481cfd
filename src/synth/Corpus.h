#pragma once
// Whole folders of generated music: a labeled corpus in GTZAN's layout, or a tagged demo library.
#include <cstdint>
#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "audio/AudioWriter.h"
#include "common/Cancel.h"
#include "synth/Genre.h"
#include "synth/Song.h"

namespace soundalike::synth {

// One row of DIR/manifest.csv. Columns, in order:
// path,genre,tempo,key,instruments,seed,seconds,sample_rate,soundfont,artist,album,track,title
struct ClipRecord {
  std::string path;  // relative to the output folder, '/'-separated: "blues/blues.00000.wav"
  std::string genre;
  double tempo = 0;  // nominal BPM (classical drifts around it)
  std::string key;   // "E minor"
  std::vector<std::string> instruments;  // ';'-separated in the CSV
  uint64_t seed = 0;
  double seconds = 0;
  int sample_rate = 0;
  std::string soundfont;  // file name of the soundfont that rendered it
  std::string artist, album, title;  // library only
  int track = 0;                     // library only (0 = none)
  bool operator==(const ClipRecord&) const = default;
};

struct CorpusManifest {
  std::vector<ClipRecord> clips;
  int rendered = 0;  // files written by this run
  int reused = 0;    // files already present with an identical manifest row (see generate_corpus)
  int planned = 0;   // files the options ask for
  bool interrupted = false;  // stopped by `stop`: the manifest lists only the files that are complete
  std::vector<std::string> warnings;  // what went wrong without stopping the run, for the caller to show
};

void write_manifest(const std::filesystem::path& csv, const std::vector<ClipRecord>& clips);
// Throws InputError(bad_data) on a malformed file.
std::vector<ClipRecord> read_manifest(const std::filesystem::path& csv);

// What a genre corpus and a demo library are rendered with alike.
struct RenderOptions {
  std::filesystem::path out;
  std::vector<Genre> genres{kAllGenres.begin(), kAllGenres.end()};
  double seconds = 30;
  uint64_t seed = 1;
  int sample_rate = 22050;
  AudioFileFormat format = AudioFileFormat::wav;
  int jobs = 0;  // 0 = all cores
  std::optional<std::filesystem::path> soundfont;
  bool force = false;          // render every file even when an identical one is already there
  bool show_progress = false;  // a progress bar on stderr (drawn only on a terminal)
  // Set (e.g. by SIGINT) to stop starting new files: the ones being rendered finish, the manifest lists
  // every complete file, and a re-run renders only the rest.
  CancelToken stop = nullptr;
};

struct CorpusOptions : RenderOptions {
  int per_genre = 100;  // GTZAN's size
};

// Writes out/<genre>/<genre>.NNNNN.<ext> (mono, 16-bit) and out/manifest.csv. Output bytes depend only
// on the options (not on `jobs`). Re-running into a folder: a file is kept, not re-rendered, when it
// exists and the previous manifest has exactly the row this run would write (same seed, length, rate,
// soundfont...); otherwise it is overwritten. Files are written under a temporary name and renamed,
// so an interrupted run never leaves a truncated clip behind. Other files in the folder are left alone.
CorpusManifest generate_corpus(const CorpusOptions& options);

// The same clips as generate_corpus(options) (same seeds, same order: genre by genre), kept in memory
// instead of written: for tests and demos that need a small labeled corpus in-process. Uses
// options.genres, per_genre, seconds, seed, sample_rate, jobs and soundfont; ignores the rest.
// The samples are the float mix before 16-bit rounding.
std::vector<RenderedSong> render_corpus(const CorpusOptions& options);

// The artists are spread over `genres`; a library is FLAC unless asked otherwise.
struct LibraryOptions : RenderOptions {
  LibraryOptions() { format = AudioFileFormat::flac; }
  int artists = 10;
  int albums_per_artist = 2;
  int tracks_per_album = 5;
};

// Writes out/<artist>/<album>/<NN title>.<ext> (stereo, tagged title/artist/album/genre/track) and
// out/manifest.csv. Each made-up artist keeps one genre, instrument palette, tempo and mix across all
// their songs. Same re-run rules as generate_corpus.
CorpusManifest generate_library(const LibraryOptions& options);

}  // namespace soundalike::synth

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/Interrupt.h"
#include "common/Error.h"
#include "audio/AudioWriter.h"
#include "synth/Corpus.h"

namespace soundalike::app {
namespace {

struct SynthOptions {
  std::string out;
  std::string genres;
  int per_genre = 100;
  double seconds = 30;
  uint64_t seed = 1;
  int sample_rate = 22050;
  std::optional<std::string> format;
  int jobs = 0;
  std::optional<std::string> soundfont;
  bool force = false;
  bool library = false;
  int artists = 10;
  int albums_per_artist = 2;
  int tracks_per_album = 5;
};

int run(const SynthOptions& o) {
  const std::vector<synth::Genre> genres = synth::parse_genre_list(o.genres);
  std::optional<std::filesystem::path> soundfont;
  if (o.soundfont) soundfont = *o.soundfont;
  synth::CorpusManifest m;
  ScopedInterrupt interrupt;  // Ctrl-C: finish the files being rendered, list them, exit 130
  auto fill = [&](synth::RenderOptions& r) {
    r.out = o.out;
    r.genres = genres;
    r.seconds = o.seconds;
    r.seed = o.seed;
    r.sample_rate = o.sample_rate;
    if (o.format) r.format = parse_audio_file_format(*o.format);  // else the mode's own default
    r.jobs = o.jobs;
    r.soundfont = soundfont;
    r.force = o.force;
    r.show_progress = true;
    r.stop = interrupt.token();
  };
  if (o.library) {
    synth::LibraryOptions l;
    fill(l);
    l.artists = o.artists;
    l.albums_per_artist = o.albums_per_artist;
    l.tracks_per_album = o.tracks_per_album;
    m = synth::generate_library(l);
  } else {
    synth::CorpusOptions c;
    fill(c);
    c.per_genre = o.per_genre;
    m = synth::generate_corpus(c);
  }
  for (const auto& w : m.warnings) std::fprintf(stderr, "soundalike: %s\n", w.c_str());
  if (m.interrupted) {
    std::fprintf(stderr,
                 "soundalike: interrupted; %zu of %d files complete (%d rendered now) and listed in %s; run the same "
                 "command again to render the rest\n",
                 m.clips.size(), m.planned, m.rendered, (std::filesystem::path(o.out) / "manifest.csv").c_str());
    return int(ExitCode::interrupted);
  }
  const char* noun = o.library ? (m.clips.size() == 1 ? "track" : "tracks") : (m.clips.size() == 1 ? "clip" : "clips");
  std::cout << "wrote " << m.clips.size() << " " << noun << " to " << o.out << " ("
            << m.rendered << " rendered, " << m.reused << " already there), manifest "
            << (std::filesystem::path(o.out) / "manifest.csv").string() << '\n';
  return 0;
}

}  // namespace

void add_synth_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, opt] = add_command<SynthOptions>(
      app, status, "synth",
      "Generate labeled music: a ten-genre corpus in GTZAN's layout, or (--library) a tagged demo library", run);
  cmd->add_option("--out", opt->out, "Output folder")->required();
  cmd->add_option("--genres", opt->genres, "Comma-separated genres (default: all ten GTZAN genres)");
  cmd->add_option("--per-genre", opt->per_genre, "Clips per genre (corpus mode)")
      ->capture_default_str()->check(CLI::Range(1, 99999));
  cmd->add_option("--seconds", opt->seconds, "Length of every clip or track")
      ->capture_default_str()->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--seed", opt->seed, "Seed: the same options and seed give identical files")->capture_default_str();
  cmd->add_option("--sample-rate", opt->sample_rate, "Sample rate, Hz")
      ->capture_default_str()->check(CLI::Range(8000, 96000));
  cmd->add_option("--format", opt->format, "wav or flac (default: wav for the corpus, flac for --library)")
      ->check(CLI::IsMember({"wav", "flac"}));
  add_jobs_option(cmd, opt->jobs, "never changes the output");
  cmd->add_option("--soundfont", opt->soundfont,
                  "General MIDI soundfont (.sf2/.sf3); default: $SOUNDALIKE_SOUNDFONT, then Debian's usual paths");
  cmd->add_flag("--force", opt->force, "Render every file again, even those an earlier identical run made");
  cmd->add_flag("--library", opt->library,
                "Write DIR/<artist>/<album>/<NN title>.flac with tags instead of the genre corpus");
  cmd->add_option("--artists", opt->artists, "Made-up artists (--library)")
      ->capture_default_str()->check(CLI::Range(1, 10000));
  cmd->add_option("--albums-per-artist", opt->albums_per_artist, "Albums per artist (--library)")
      ->capture_default_str()->check(CLI::Range(1, 100));
  cmd->add_option("--tracks-per-album", opt->tracks_per_album, "Tracks per album (--library)")
      ->capture_default_str()->check(CLI::Range(1, 99));
}

}  // namespace soundalike::app

// `soundalike mpd`: queue songs like the one playing in MPD, once (--add N) or as a radio that follows the
// player (--radio). The songs are the ones `similar` would give: the same search, the same playlist
// controls, with the queue as `previous`.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/FeatureChoice.h"
#include "app/Interrupt.h"
#include "app/LibraryOutput.h"
#include "app/MpdClient.h"
#include "app/MpdQueue.h"
#include "common/Error.h"
#include "library/LibrarySearch.h"
#include "recommend/Recommender.h"

namespace soundalike::app {
namespace {
namespace fs = std::filesystem;
using namespace mpd;

struct MpdCli : LibraryCli {
  std::string host;
  unsigned port = 0;
  std::string password_file, music_dir;
  int add_count = 0;
  bool radio = false;
  int ahead = 3;
  int seeds = 3;
  bool json = false;
  PlaylistCli playlist;
  SearchCli search;
};

std::string read_password(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw InputError(ExitCode::not_found, file, "cannot read the password file");
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

// Where MPD's URIs live, as the library spells paths (the indexer stores them below a canonical root).
fs::path music_root(MpdClient& client, const std::string& given) {
  std::string dir = given;
  if (dir.empty()) {
    const std::optional<std::string> told = client.music_directory();
    if (!told || told->empty())
      throw Error(ExitCode::usage, "MPD at " + client.where() +
                                       " tells its music directory only to clients on its local socket; give --music-dir DIR "
                                       "(the music_directory of its mpd.conf) or connect with --host /path/to/socket");
    dir = *told;
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError(ExitCode::not_found, dir,
                     "MPD's music directory is no folder here (run soundalike where MPD's files are, or give --music-dir)");
  return fs::weakly_canonical(fs::absolute(dir), ec);
}

// The library and its search, and what the planner's requests become there.
class LibraryQueue {
 public:
  LibraryQueue(const MpdCli& o, PlaylistControls controls, fs::path music_dir)
      : db_(o.db, LibraryDb::Mode::read_only),
        kind_(library_kind(db_, o.features, o.model)),
        search_(db_, kind_, o.search.options(kind_)),
        controls_(std::move(controls)),
        music_dir_(std::move(music_dir)) {
    // A --previous that names no library song is the user's mistake: said now, before anything is queued,
    // rather than found again for every song the radio follows.
    for (const std::string& ref : controls_.previous) previous_track(db_, ref, "--previous");
  }

  void resolve(PlayerQueue& q) const {
    for (QueuedSong& s : q.songs) {
      s.track.reset();
      const auto path = library_path_for_uri(music_dir_, s.uri);
      if (!path) continue;
      const auto row = db_.track_by_path(*path);
      if (row && !row->failed()) s.track = row->id;
    }
  }

  struct Picked {
    std::vector<QueryTrack> seeds;
    Mix mix;
    std::vector<std::string> uris;  // of mix.results
    std::vector<int64_t> tracks;
  };

  Picked pick(const QueueRequest& r) {
    Picked p;
    for (int64_t id : r.seeds)
      if (indexed(id)) p.seeds.push_back(resolve_query(db_, kind_, std::to_string(id), nullptr));
    if (p.seeds.empty()) return p;  // the seeds left the library (re-indexed while the radio ran)
    std::vector<int64_t> outside;  // library songs MPD cannot play: never asked for again
    for (;;) {
      PlaylistControls c = controls_;
      // Oldest first: songs outside MPD's folder, the user's --previous, then the queue, whose end is
      // what the new songs follow.
      std::vector<std::string> previous;
      for (int64_t id : outside) previous.push_back(std::to_string(id));
      previous.insert(previous.end(), c.previous.begin(), c.previous.end());
      for (int64_t id : r.previous)
        if (indexed(id)) previous.push_back(std::to_string(id));
      c.previous = std::move(previous);
      p.mix = similar_mix(db_, search_, p.seeds, int(r.count), c);
      p.uris.clear();
      p.tracks.clear();
      bool retry = false;
      for (const Recommendation& rec : p.mix.results) {
        const auto uri = uri_for_library_path(music_dir_, rec.track.path);
        if (!uri) {
          std::fprintf(stderr, "soundalike: skipping %s: not under MPD's music directory %s\n", rec.track.path.c_str(),
                       music_dir_.c_str());
          outside.push_back(rec.track.id);
          retry = true;
          continue;
        }
        p.uris.push_back(*uri);
        p.tracks.push_back(rec.track.id);
      }
      if (!retry) return p;
    }
  }

  const LibrarySearch& search() const { return search_; }
  bool indexed(int64_t id) const {
    const auto row = db_.track(id);
    return row && !row->failed();
  }
  std::optional<TrackRow> track(int64_t id) const { return db_.track(id); }

 private:
  LibraryDb db_;
  std::string kind_;
  LibrarySearch search_;
  PlaylistControls controls_;
  fs::path music_dir_;
};

void report_shortfall(const Mix& mix) {
  if (const std::string note = shortfall_note(mix); !note.empty()) std::fprintf(stderr, "soundalike: %s\n", note.c_str());
  if (mix.report.shuffle_seed)
    std::fprintf(stderr, "shuffled with --seed %llu\n", static_cast<unsigned long long>(*mix.report.shuffle_seed));
}

int run_add(const MpdCli& o, MpdClient& client, LibraryQueue& library) {
  PlayerQueue queue = client.queue();
  library.resolve(queue);
  const QueueRequest request = plan_add(queue, size_t(o.add_count));
  LibraryQueue::Picked picked = library.pick(request);
  for (const std::string& uri : picked.uris) client.add(uri);
  if (o.json) {
    std::cout << similar_answer(to_json(std::span<const QueryTrack>(picked.seeds)), library.search(), picked.mix).dump(2)
              << '\n';
  } else {
    print_table(picked.mix.results);
    std::fprintf(stderr, "queued %zu song%s like %s on MPD at %s\n", picked.uris.size(), picked.uris.size() == 1 ? "" : "s",
                 artist_title(picked.seeds.front().track).c_str(), client.where().c_str());
  }
  report_shortfall(picked.mix);
  return 0;
}

// Sleeps `seconds`, waking early for Ctrl-C.
void pause_for(int seconds, const ScopedInterrupt& interrupt) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!interrupt.interrupted() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

int run_radio(const MpdCli& o, const MpdAddress& address, std::unique_ptr<MpdClient> client, LibraryQueue& library) {
  const ScopedInterrupt interrupt;
  RadioPlanner planner(size_t(o.ahead), size_t(o.seeds));
  const std::string where = client->where();
  std::fprintf(stderr, "radio on MPD at %s: keeping %d songs queued after the current one; Ctrl-C stops\n", where.c_str(),
               o.ahead);
  std::string said;       // the last waiting reason printed, so that a wait is told once
  std::string last_note;  // the same for a shortfall
  std::string unmet;      // the same for controls the current seeds cannot meet
  int failures = 0;
  while (!interrupt.interrupted()) {
    try {
      if (!client) {
        client = std::make_unique<MpdClient>(address);
        std::fprintf(stderr, "reconnected to MPD at %s\n", where.c_str());
      }
      PlayerQueue queue = client->queue();
      failures = 0;
      library.resolve(queue);
      bool replan = false;
      const std::optional<QueueRequest> request = planner.plan(queue);
      // No pick when these seeds cannot be followed under the controls (say --max-bpm-diff and songs
      // without a detected tempo); the next song may be, so the radio says so once and waits for it.
      std::optional<LibraryQueue::Picked> pick;
      if (request) {
        said.clear();
        try {
          pick = library.pick(*request);
          unmet.clear();
        } catch (const MpdError&) {
          throw;
        } catch (const Error& e) {
          if (e.what() != unmet) std::fprintf(stderr, "soundalike: %s; waiting for the next song\n", e.what());
          unmet = e.what();
        }
      }
      if (pick) {
        const LibraryQueue::Picked& picked = *pick;
        for (size_t i = 0; i < picked.uris.size(); ++i) {
          try {
            client->add(picked.uris[i]);
            std::fprintf(stderr, "queued %s\n", artist_title(picked.mix.results[i].track).c_str());
          } catch (const MpdError& e) {
            if (e.connection_lost()) throw;
            // MPD's database lags the library (no `mpc update` yet): skip the song, ask again at once.
            std::fprintf(stderr, "soundalike: %s\n", e.what());
            replan = true;
          }
        }
        // Also the ones MPD refused: the radio never offers a song twice.
        planner.queued(picked.tracks);
        // Told once per different shortfall: a library the controls have exhausted stays so on every event.
        if (const std::string note = shortfall_note(picked.mix); !note.empty() && note != last_note) report_shortfall(picked.mix);
        last_note = shortfall_note(picked.mix);
      } else if (!request && planner.waiting_reason() != said) {
        said = planner.waiting_reason();
        if (!said.empty()) std::fprintf(stderr, "waiting: %s\n", said.c_str());
      }
      if (replan) continue;
      if (!client->wait_for_change(interrupt.token())) break;
    } catch (const MpdError& e) {
      if (!e.connection_lost()) throw;
      client.reset();
      const int delay = reconnect_delay_s(failures++);
      std::fprintf(stderr, "soundalike: %s; reconnecting in %d s\n", e.what(), delay);
      pause_for(delay, interrupt);
    }
  }
  std::fprintf(stderr, "radio stopped\n");
  return 0;
}

int run(const MpdCli& o) {
  if ((o.add_count > 0) == o.radio) throw Error(ExitCode::usage, "mpd: give either --add N or --radio");
  // Bad controls are reported before MPD is asked anything.
  const PlaylistControls controls = o.playlist.controls();
  MpdAddress address{o.host, o.port, o.password_file.empty() ? std::string() : read_password(o.password_file)};
  auto client = std::make_unique<MpdClient>(address);
  LibraryQueue library(o, controls, music_root(*client, o.music_dir));
  if (o.radio) return run_radio(o, address, std::move(client), library);
  return run_add(o, *client, library);
}

}  // namespace

void add_mpd_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<MpdCli>(
      app, status, "mpd",
      "Queue songs like the one MPD plays: N of them (--add N), or keep them coming as a radio (--radio)", run);
  o->add(cmd, "the library of MPD's music directory");
  cmd->add_option("--host", o->host, "MPD's host or local socket path (default: $MPD_HOST, else localhost)");
  cmd->add_option("--port", o->port, "MPD's TCP port (default: $MPD_PORT, else 6600)")->check(CLI::Range(1, 65535));
  cmd->add_option("--password-file", o->password_file, "A file whose first line is MPD's password");
  cmd->add_option("--music-dir", o->music_dir,
                  "MPD's music_directory, where its song URIs start (default: asked from MPD, which answers over a "
                  "local socket only)");
  auto* add = cmd->add_option("--add", o->add_count, "Queue N songs like the current song (or the last queued one) and exit")
                  ->check(CLI::Range(1, 100000));
  auto* radio = cmd->add_flag("--radio", o->radio,
                              "Follow the player and keep --ahead songs queued after the current one, like the last "
                              "--seeds songs played, none twice; Ctrl-C stops");
  add->excludes(radio);
  cmd->add_option("--ahead", o->ahead, "Radio: songs kept queued after the current one")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--seeds", o->seeds, "Radio: how many of the last songs played the new ones are like (interleaved)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  add_json_flag(cmd, o->json, "--add: the songs queued, as `similar --json` prints them")->excludes(radio);
  o->playlist.add(cmd);
  o->search.add(cmd);
}

}  // namespace soundalike::app

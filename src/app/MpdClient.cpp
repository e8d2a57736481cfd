#include "app/MpdClient.h"

#include <mpd/client.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace soundalike::app::mpd {
namespace {

// MPD answers within milliseconds; a peer that stays silent this long is as good as gone.
constexpr unsigned kTimeoutMs = 10000;
// How often a blocked wait looks at the cancel token: short enough that Ctrl-C feels immediate.
constexpr int kPollMs = 200;

std::string describe(const mpd_settings* s) {
  const char* host = mpd_settings_get_host(s);
  const std::string h = host ? host : "localhost";
  if (h.starts_with('/') || h.starts_with('@')) return h;  // a local (or abstract) socket has no port
  return h + ":" + std::to_string(mpd_settings_get_port(s));
}

struct SongFree {
  void operator()(mpd_song* s) const { mpd_song_free(s); }
};
struct StatusFree {
  void operator()(mpd_status* s) const { mpd_status_free(s); }
};
struct SettingsFree {
  void operator()(mpd_settings* s) const { mpd_settings_free(s); }
};

}  // namespace

void MpdClient::Close::operator()(mpd_connection* c) const { mpd_connection_free(c); }

MpdClient::MpdClient(const MpdAddress& address) {
  const char* host = address.host.empty() ? nullptr : address.host.c_str();
  // The settings resolve $MPD_HOST/$MPD_PORT exactly as the connection will, so messages name the real peer.
  const std::unique_ptr<mpd_settings, SettingsFree> settings(mpd_settings_new(host, address.port, kTimeoutMs, nullptr, nullptr));
  where_ = settings ? describe(settings.get()) : (address.host.empty() ? "localhost" : address.host) + ":" +
                                                     std::to_string(address.port ? address.port : 6600);
  // With nothing said, libmpdclient tries its default socket and then falls back on TCP.
  if (!host && !std::getenv("MPD_HOST") && (where_.starts_with('/') || where_.starts_with('@'))) {
    const char* env_port = std::getenv("MPD_PORT");
    where_ += " or localhost:" + (address.port ? std::to_string(address.port) : env_port ? std::string(env_port) : "6600");
  }
  conn_.reset(mpd_connection_new(host, address.port, kTimeoutMs));
  if (!conn_) throw MpdError(where_, "out of memory", true);
  if (mpd_connection_get_error(conn_.get()) != MPD_ERROR_SUCCESS) {
    const std::string message = mpd_connection_get_error_message(conn_.get());
    throw MpdError(where_, "cannot connect (" + message + "); is MPD running there? (--host, --port, $MPD_HOST, $MPD_PORT)",
                   true);
  }
  if (!address.password.empty() && !mpd_run_password(conn_.get(), address.password.c_str())) fail("password refused");
}

MpdClient::~MpdClient() = default;

void MpdClient::fail(const std::string& doing) {
  const mpd_error error = mpd_connection_get_error(conn_.get());
  std::string message = mpd_connection_get_error_message(conn_.get());
  if (error == MPD_ERROR_SERVER) {
    const mpd_server_error server = mpd_connection_get_server_error(conn_.get());
    if (server == MPD_SERVER_ERROR_PERMISSION) message += " (give its password with --password-file)";
    if (server == MPD_SERVER_ERROR_NO_EXIST) message += " (is MPD's database up to date with the library? `mpc update`)";
    if (mpd_connection_clear_error(conn_.get())) throw MpdError(where_, doing + ": " + message, false);
  }
  if (error == MPD_ERROR_CLOSED || error == MPD_ERROR_SYSTEM || error == MPD_ERROR_TIMEOUT)
    message = "the connection was lost (" + message + ")";
  throw MpdError(where_, doing + ": " + message, true);
}

PlayerQueue MpdClient::queue() {
  PlayerQueue q;
  {
    const std::unique_ptr<mpd_status, StatusFree> status(mpd_run_status(conn_.get()));
    if (!status) fail("reading the player status");
    const mpd_state state = mpd_status_get_state(status.get());
    const int pos = mpd_status_get_song_pos(status.get());
    if ((state == MPD_STATE_PLAY || state == MPD_STATE_PAUSE) && pos >= 0) q.current = size_t(pos);
  }
  if (!mpd_send_list_queue_meta(conn_.get())) fail("reading the queue");
  while (mpd_song* raw = mpd_recv_song(conn_.get())) {
    const std::unique_ptr<mpd_song, SongFree> song(raw);
    q.songs.push_back({mpd_song_get_uri(song.get()), std::nullopt});
  }
  if (!mpd_response_finish(conn_.get())) fail("reading the queue");
  // The status and the list are two commands; a change in between shows as a position past the end.
  if (q.current && *q.current >= q.songs.size()) q.current.reset();
  return q;
}

std::optional<std::string> MpdClient::music_directory() {
  if (!mpd_send_command(conn_.get(), "config", nullptr)) fail("asking for the music directory");
  std::optional<std::string> dir;
  while (mpd_pair* pair = mpd_recv_pair(conn_.get())) {
    if (std::strcmp(pair->name, "music_directory") == 0) dir = pair->value;
    mpd_return_pair(conn_.get(), pair);
  }
  if (!mpd_response_finish(conn_.get())) {
    // MPD answers `config` to local-socket clients only; anyone else is told "permission denied".
    if (mpd_connection_get_error(conn_.get()) == MPD_ERROR_SERVER && mpd_connection_clear_error(conn_.get())) return std::nullopt;
    fail("asking for the music directory");
  }
  return dir;
}

void MpdClient::add(const std::string& uri) {
  if (!mpd_run_add(conn_.get(), uri.c_str()))
    fail("adding '" + uri + "'");
}

bool MpdClient::wait_for_change(CancelToken token) {
  if (!mpd_send_idle_mask(conn_.get(), mpd_idle(MPD_IDLE_PLAYER | MPD_IDLE_QUEUE))) fail("waiting for the player");
  pollfd p{mpd_connection_get_fd(conn_.get()), POLLIN, 0};
  // Polled rather than blocking in mpd_recv_idle, so that Ctrl-C (a flag, common/Cancel.h) is seen.
  while (!cancel_requested(token)) {
    const int n = ::poll(&p, 1, kPollMs);
    if (n < 0 && errno != EINTR) throw MpdError(where_, std::string("waiting for the player: ") + std::strerror(errno), true);
    if (n > 0) {
      if (mpd_recv_idle(conn_.get(), false) == 0) fail("waiting for the player");
      return true;
    }
  }
  // Leave the connection usable (and MPD's log quiet) rather than dropping it mid-idle.
  mpd_run_noidle(conn_.get());
  return false;
}

}  // namespace soundalike::app::mpd

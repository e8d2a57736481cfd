#pragma once
// The little of MPD's protocol `soundalike mpd` needs, over libmpdclient; the decisions are in MpdQueue.h.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/MpdQueue.h"
#include "common/Cancel.h"
#include "common/Error.h"

struct mpd_connection;

namespace soundalike::app::mpd {

// MPD cannot be reached, refused a command, or dropped the connection; what() names host:port.
class MpdError : public Error {
 public:
  MpdError(const std::string& where, const std::string& what, bool connection_lost)
      : Error(ExitCode::not_found, "MPD at " + where + ": " + what), connection_lost_(connection_lost) {}
  // The connection is gone (reconnecting may help), as opposed to MPD refusing one command.
  bool connection_lost() const noexcept { return connection_lost_; }

 private:
  bool connection_lost_;
};

struct MpdAddress {
  std::string host;      // "" = $MPD_HOST, else libmpdclient's default (localhost); a path = a local socket
  unsigned port = 0;     // 0 = $MPD_PORT, else 6600
  std::string password;  // "" = none (or the one in $MPD_HOST, "password@host")
};

class MpdClient {
 public:
  // Connects (and sends the password). Throws MpdError.
  explicit MpdClient(const MpdAddress& address);
  ~MpdClient();
  MpdClient(const MpdClient&) = delete;
  MpdClient& operator=(const MpdClient&) = delete;

  // "host:port", or the socket path: for messages.
  const std::string& where() const { return where_; }
  // The queue's URIs and the current song (none when stopped); `track`s are left for the caller to fill.
  PlayerQueue queue();
  // MPD's music_directory, or none when MPD does not tell this client (it does only over a local socket).
  std::optional<std::string> music_directory();
  // Appends a song to the queue. A song MPD's database lacks is a refusal (MpdError, not connection_lost).
  void add(const std::string& uri);
  // Blocks until the player or the queue changes (true) or the token is set (false).
  bool wait_for_change(CancelToken token);

 private:
  struct Close {
    void operator()(mpd_connection* c) const;
  };
  [[noreturn]] void fail(const std::string& doing);
  std::unique_ptr<mpd_connection, Close> conn_;
  std::string where_;
};

}  // namespace soundalike::app::mpd

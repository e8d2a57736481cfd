#include <arpa/inet.h>

#include <cstdio>
#include <memory>
#include <string>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/Interrupt.h"
#include "app/server/HttpServer.h"
#include "app/server/LibraryService.h"
#include "app/server/SubsonicApi.h"
#include "app/server/SubsonicUsers.h"
#include "common/Error.h"

namespace soundalike::app {
namespace {

struct ServeCli : LibraryCli {
  std::string host = "127.0.0.1";
  int port = 8080;
  int max_connections = 256;
  int max_per_client = 32;
  int max_upload_mb = 50;
  int timeout = 10;
  std::string genre_groups;
};

// Whether an address only this machine can reach: 127.0.0.0/8, ::1 or "localhost".
bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// The connection that keeps users and playlists. Read-write so that clients can save playlists; a
// library the server may not write still serves everything else.
std::unique_ptr<LibraryDb> open_accounts(const std::string& db) {
  try {
    return std::make_unique<LibraryDb>(db, LibraryDb::Mode::read_write);
  } catch (const Error& e) {
    std::fprintf(stderr, "warning: %s; Subsonic playlists cannot be saved\n", e.what());
    return std::make_unique<LibraryDb>(db, LibraryDb::Mode::read_only);
  }
}

int run(const ServeCli& o) {
  if (o.max_upload_mb < 1) throw Error(ExitCode::usage, "--max-upload-mb must be at least 1");
  if (o.port < 0 || o.port > 65535) throw Error(ExitCode::usage, "--port must be in [0, 65535]");
  if (o.max_connections < 1 || o.max_per_client < 1)
    throw Error(ExitCode::usage, "--max-connections and --max-per-client must be at least 1");
  LibraryServiceOptions lo{o.features, o.model, {}};
  if (!o.genre_groups.empty()) lo.genre_groups = load_genre_groups(o.genre_groups);
  LibraryService service(o.db, lo);
  const std::unique_ptr<LibraryDb> accounts = open_accounts(o.db);
  const UserDirectory users(*accounts, key_file_for(o.db));
  const bool loopback = is_loopback(o.host);
  if (!loopback && !users.any())
    throw Error(ExitCode::usage, "refusing to listen on " + o.host +
                                     ": beyond loopback the server asks for a user, and the library has none. Add one with "
                                     "`soundalike user add NAME --db " + o.db + "` (the password is read from stdin)");
  const SubsonicApi subsonic(service, *accounts, users);
  ServerOptions so;
  so.subsonic = &subsonic;
  if (!loopback)
    so.basic_auth = [&users](std::string_view user, std::string_view password) { return users.check_password(user, password); };
  so.host = o.host;
  so.port = o.port;
  so.max_connections = o.max_connections;
  so.max_per_client = o.max_per_client;
  so.max_upload_bytes = size_t(o.max_upload_mb) << 20;
  so.timeout_seconds = o.timeout;
  HttpServer server(service, so);
  // Ctrl-C and SIGTERM stop the server cleanly (its threads, started from here on, never see them).
  const ScopedInterrupt stop([&server] {
    std::fprintf(stderr, "\nstopping\n");
    server.stop();
  });
  const int port = server.bind();
  std::fprintf(stderr, "library %s: %s vectors%s\n", o.db.c_str(), service.kind().c_str(),
               service.can_analyse_uploads() ? "" : " (uploads disabled: start with the model the library was indexed with)");
  if (!loopback)
    std::fprintf(stderr, "listening on %s: the library is reachable from other machines, for its users only (HTTP basic auth; "
                         "put TLS in front, docs/subsonic.md)\n", o.host.c_str());
  const std::string shown_host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  std::printf("listening on http://%s:%d\n", shown_host.c_str(), port);
  std::fflush(stdout);
  server.listen();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<ServeCli>(
      app, status, "serve", "The web app and JSON API over a library (docs/api.md)", run);
  o->add(cmd, "opened read-only; `index` may run beside it", "for uploads");
  cmd->add_option("--host", o->host, "Address to listen on (loopback unless you ask for more)")->capture_default_str();
  cmd->add_option("--port", o->port, "Port (0 = any free port)")->capture_default_str();
  cmd->add_option("--max-connections,--threads", o->max_connections,
                  "Connections served at once, one worker thread each (more wait their turn)")->capture_default_str();
  cmd->add_option("--max-per-client", o->max_per_client,
                  "Open connections one client address may hold (more get 503)")->capture_default_str();
  cmd->add_option("--max-upload-mb", o->max_upload_mb, "Largest accepted upload, MB (larger -> 413)")->capture_default_str();
  cmd->add_option("--timeout", o->timeout, "Seconds a read or write may wait for the client before the connection is closed")->capture_default_str();
  add_genre_groups_option(cmd, o->genre_groups);
}

}  // namespace soundalike::app

#include <cstdio>
#include <memory>
#include <string>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/Interrupt.h"
#include "app/server/HttpServer.h"
#include "app/server/LibraryService.h"
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

int run(const ServeCli& o) {
  if (o.max_upload_mb < 1) throw Error(ExitCode::usage, "--max-upload-mb must be at least 1");
  if (o.port < 0 || o.port > 65535) throw Error(ExitCode::usage, "--port must be in [0, 65535]");
  if (o.max_connections < 1 || o.max_per_client < 1)
    throw Error(ExitCode::usage, "--max-connections and --max-per-client must be at least 1");
  LibraryServiceOptions lo{o.features, o.model, {}};
  if (!o.genre_groups.empty()) lo.genre_groups = load_genre_groups(o.genre_groups);
  LibraryService service(o.db, lo);
  ServerOptions so;
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
  if (o.host != "127.0.0.1" && o.host != "localhost" && o.host != "::1")
    std::fprintf(stderr, "warning: listening on %s makes the library reachable from other machines\n", o.host.c_str());
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

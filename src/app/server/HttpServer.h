#pragma once
// `soundalike serve`: the web UI and the JSON API (docs/api.md) over a LibraryBackend, on cpp-httplib.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "app/server/LibraryBackend.h"

namespace soundalike::app {

class SubsonicApi;

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless the user asks for more
  int port = 8080;                 // 0 = any free port (tests)
  int max_connections = 256;       // served at once (one worker thread each); more wait their turn
  int max_per_client = 32;         // open connections of one client address; beyond it -> 503
  size_t max_upload_bytes = 50u << 20;
  int timeout_seconds = 30;
  // The Subsonic API under /rest/; none: not served. It checks its own credentials.
  const SubsonicApi* subsonic = nullptr;
  // When set, the web app and /api/ ask for HTTP basic auth and let in whom this accepts (a server that
  // listens beyond loopback).
  std::function<bool(std::string_view user, std::string_view password)> basic_auth;
};

class HttpServer {
 public:
  HttpServer(const LibraryBackend& backend, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds; returns the port actually bound (useful with port 0). Throws Error on failure.
  int bind();
  // Serves until stop() is called from another thread (or a signal handler's thread).
  void listen();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soundalike::app

#include "app/server/HttpServer.h"

#include <httplib.h>
#include <openssl/evp.h>

#include <sys/socket.h>

#include <atomic>
#include <charconv>
#include <optional>
#include <thread>

#include "app/server/ConnectionPool.h"
#include "app/server/FileResponse.h"
#include "app/server/SubsonicApi.h"
#include "app/server/WebAssets.h"
#include "common/Error.h"

namespace soundalike::app {
namespace {

using nlohmann::json;

// A bad request parameter; becomes a 400.
struct BadRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// No such track or route; becomes a 404.
struct NotFound : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void send_json(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, json{{"error", message}, {"status", status}}, status);
}

int status_for(ExitCode code) {
  switch (code) {
    case ExitCode::usage: return 400;
    case ExitCode::not_found: return 404;
    case ExitCode::undecodable:
    case ExitCode::no_audio: return 422;
    default: return 500;
  }
}

int64_t parse_id(const std::string& text) {
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id < 0) throw NotFound("no such track: " + text);
  return id;
}

int int_param(const httplib::Request& req, const char* name, int fallback, int lo, int hi) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  int v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < lo || v > hi)
    throw BadRequest(std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got \"" + text + "\"");
  return v;
}

// The playlist controls under their CLI names (without "--"); a list control may be repeated.
PlaylistControls playlist_controls(const httplib::Request& req) {
  PlaylistControls c;
  for (const PlaylistControlInfo& info : playlist_control_infos()) {
    const std::string name(info.name);
    const size_t n = req.get_param_value_count(name);
    if (n > 1 && !info.repeatable) throw BadRequest(name + " may be given once");
    for (size_t i = 0; i < n; ++i) set_playlist_control(c, name, req.get_param_value(name, i));
  }
  return c;
}

SimilarRequest similar_request(const httplib::Request& req) {
  SimilarRequest r;
  r.controls = playlist_controls(req);
  for (size_t i = 0, n = req.get_param_value_count("with"); i < n; ++i) r.with.push_back(parse_id(req.get_param_value("with", i)));
  r.k = int_param(req, "k", 10, 1, 1000);
  r.metric = req.has_param("metric") ? req.get_param_value("metric") : "";
  if (!r.metric.empty() && r.metric != "l2" && r.metric != "cosine")
    throw BadRequest("metric must be l2 or cosine, got \"" + r.metric + "\"");
  return r;
}

// The user and password of an "Authorization: Basic ..." header; none when absent or malformed.
std::optional<std::pair<std::string, std::string>> basic_credentials(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  if (header.size() < 6 || header.compare(0, 6, "Basic ") != 0) return std::nullopt;
  std::string_view encoded = std::string_view(header).substr(6);
  while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
  if (encoded.empty() || encoded.size() % 4 != 0) return std::nullopt;
  std::string decoded(encoded.size() / 4 * 3, '\0');
  // OpenSSL (linked for the Subsonic tokens) decodes; it counts '=' padding as zero bytes.
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(encoded.data()), int(encoded.size()));
  if (n < 0) return std::nullopt;
  const size_t padding = encoded.ends_with("==") ? 2 : encoded.ends_with("=") ? 1 : 0;
  decoded.resize(size_t(n) - padding);
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

// httplib's queue interface over the growing pool; a connection gives back its client slot when it ends.
class PooledQueue : public httplib::TaskQueue {
 public:
  PooledQueue(int max_threads, ClientSlots& slots) : pool_(max_threads), slots_(slots) {}
  void enqueue(std::function<void()> serve_connection) override {
    pool_.enqueue([this, serve = std::move(serve_connection)] {
      serve();
      slots_.connection_closed();
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  ConnectionPool pool_;
  ClientSlots& slots_;
};

}  // namespace

struct HttpServer::Impl {
  const LibraryBackend& backend;
  ServerOptions options;
  ClientSlots client_slots;
  httplib::Server server;
  int bound_port = -1;
  std::atomic<int> listening_socket = -1;
  std::atomic<bool> stop_requested = false;

  Impl(const LibraryBackend& b, ServerOptions o)
      : backend(b), options(std::move(o)), client_slots(std::max(1, options.max_per_client)) {}

  // Runs a handler, turning every exception into a JSON error with the right status.
  template <class Fn>
  httplib::Server::Handler guarded(Fn fn) {
    return [fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
      try {
        fn(req, res);
      } catch (const BadRequest& e) {
        send_error(res, 400, e.what());
      } catch (const NotFound& e) {
        send_error(res, 404, e.what());
      } catch (const Error& e) {
        send_error(res, status_for(e.code()), e.what());
      } catch (const std::exception& e) {
        send_error(res, 500, std::string("internal error: ") + e.what());
      }
    };
  }

  // Beyond loopback the web app and /api/ ask for a user; /rest/ has Subsonic's own credentials in every
  // request. False: the 401 is in `res`.
  bool let_in(const httplib::Request& req, httplib::Response& res) const {
    if (!options.basic_auth || req.path.starts_with("/rest/")) return true;
    if (const auto who = basic_credentials(req); who && options.basic_auth(who->first, who->second)) return true;
    send_error(res, 401, "this server asks for a user name and password (soundalike user add)");
    res.set_header("WWW-Authenticate", "Basic realm=\"soundalike\", charset=\"UTF-8\"");
    return false;
  }

  void routes() {
    auto& s = server;
    if (options.subsonic) {
      const SubsonicApi* api = options.subsonic;
      const auto rest = [api](const httplib::Request& req, httplib::Response& res) { api->handle(req.matches[1].str(), req, res); };
      s.Get(R"(/rest/([A-Za-z0-9]+)(?:\.view)?)", rest);
      s.Post(R"(/rest/([A-Za-z0-9]+)(?:\.view)?)", rest);
    }
    s.Get("/api/health", guarded([this](const auto&, auto& res) { send_json(res, backend.health()); }));
    s.Get("/api/tracks", guarded([this](const httplib::Request& req, httplib::Response& res) {
      const std::string q = req.has_param("q") ? req.get_param_value("q") : "";
      send_json(res, backend.tracks(q, int_param(req, "limit", 50, 1, 1000), int_param(req, "offset", 0, 0, 1 << 30)));
    }));
    s.Get(R"(/api/tracks/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
      send_json(res, backend.track(parse_id(req.matches[1])));
    }));
    s.Get(R"(/api/tracks/([^/]+)/similar)", guarded([this](const httplib::Request& req, httplib::Response& res) {
      send_json(res, backend.similar_to_track(parse_id(req.matches[1]), similar_request(req)));
    }));
    s.Get(R"(/api/tracks/([^/]+)/spectrogram\.png)", guarded([this](const httplib::Request& req, httplib::Response& res) {
      const auto png = backend.spectrogram_png(parse_id(req.matches[1]));
      res.set_content(reinterpret_cast<const char*>(png.data()), png.size(), "image/png");
    }));
    s.Get(R"(/api/tracks/([^/]+)/audio)", guarded([this](const httplib::Request& req, httplib::Response& res) {
      const std::filesystem::path file = backend.audio_file(parse_id(req.matches[1]));
      send_file(res, file, content_type_for(file));  // an unreadable file is Error(not_found): a 404
    }));
    s.Post("/api/similar", guarded([this](const httplib::Request& req, httplib::Response& res) {
      const SimilarRequest request = similar_request(req);
      std::string name = "upload";
      const std::string* bytes = &req.body;
      httplib::MultipartFormData file;
      if (req.is_multipart_form_data()) {
        if (!req.has_file("file")) throw BadRequest("multipart upload needs a part named \"file\"");
        file = req.get_file_value("file");
        bytes = &file.content;
        if (!file.filename.empty()) name = file.filename;  // a label for messages, never a path
      }
      if (bytes->empty()) throw BadRequest("empty upload: send an audio file as the body or as multipart \"file\"");
      send_json(res, backend.similar_to_audio(std::as_bytes(std::span(bytes->data(), bytes->size())), name, request));
    }));
    s.Get("/api/path", guarded([this](const httplib::Request& req, httplib::Response& res) {
      if (!req.has_param("from") || !req.has_param("to")) throw BadRequest("path needs from and to track ids");
      send_json(res, backend.path(parse_id(req.get_param_value("from")), parse_id(req.get_param_value("to")),
                                  int_param(req, "steps", 8, 2, 200), playlist_controls(req)));
    }));
    s.Get("/api/map", guarded([this](const auto&, auto& res) { send_json(res, backend.map()); }));
    s.Get(R"(/api/.*)", [](const auto&, auto& res) { send_error(res, 404, "no such API endpoint"); });
    // The UI: only the embedded files, looked up by exact name.
    s.Get(R"(/([A-Za-z0-9_.-]*))", [](const httplib::Request& req, httplib::Response& res) {
      const std::string name = req.path == "/" ? "/index.html" : req.path;
      const auto& assets = web_assets();
      const auto it = assets.find(name);
      if (it == assets.end()) return send_error(res, 404, "not found");
      res.set_content(reinterpret_cast<const char*>(it->second.data()), it->second.size(), content_type_for(name));
    });
    s.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
      if (res.status == 413)
        send_error(res, 413, "upload too large (the limit is " + std::to_string(options.max_upload_bytes >> 20) + " MB)");
      else if (res.body.empty())
        send_error(res, res.status, res.status == 404 ? "not found" : "request failed");
    });
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      send_error(res, 500, "internal error");
    });
  }
};

HttpServer::HttpServer(const LibraryBackend& backend, ServerOptions options)
    : impl_(std::make_unique<Impl>(backend, std::move(options))) {
  auto& s = impl_->server;
  const auto& o = impl_->options;
  // httplib keeps a worker on each connection from accept until it closes, idle keep-alive and slow
  // senders included, so the pool is sized for connections, not cores, and grows only as they come.
  const int max_connections = std::max(1, o.max_connections);
  // httplib owns the queue it is handed: its interface takes a raw pointer.
  s.new_task_queue = [max_connections, slots = &impl_->client_slots] { return new PooledQueue(max_connections, *slots); };
  // Each connection's first request claims a slot for its client address; one client cannot hold
  // every worker with connections that stay open.
  s.set_pre_routing_handler([impl = impl_.get()](const httplib::Request& req, httplib::Response& res) {
    if (!impl->client_slots.admit(req.remote_addr)) {
      send_error(res, 503, "too many connections from " + req.remote_addr + " (the limit is " +
                               std::to_string(impl->options.max_per_client) + ")");
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    return impl->let_in(req, res) ? httplib::Server::HandlerResponse::Unhandled : httplib::Server::HandlerResponse::Handled;
  });
  // httplib listens with a backlog of 5: a burst of connections overflowed it, and each connect that
  // found it full waited a second for its SYN to be retried. Its socket-options hook is the one place
  // that sees the listening socket, which bind() then re-listens with the system's maximum.
  // httplib's default options also set SO_REUSEPORT, which let a second `serve` bind a port already in
  // use and share its connections instead of failing with "cannot listen"; SO_REUSEADDR alone keeps fast
  // restarts.
  s.set_socket_options([impl = impl_.get()](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl->listening_socket = sock;
  });
  s.set_payload_max_length(o.max_upload_bytes);
  s.set_read_timeout(o.timeout_seconds, 0);
  s.set_write_timeout(o.timeout_seconds, 0);
  s.set_keep_alive_timeout(5);
  // Headers and body leave in separate writes; with Nagle on, each answer waited ~40 ms for an ACK.
  s.set_tcp_nodelay(true);
  s.set_default_headers({{"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "no-referrer"}});
  impl_->routes();
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::bind() {
  auto& o = impl_->options;
  if (o.port == 0) impl_->bound_port = impl_->server.bind_to_any_port(o.host);
  else impl_->bound_port = impl_->server.bind_to_port(o.host, o.port) ? o.port : -1;
  if (impl_->bound_port < 0) {
    impl_->listening_socket = -1;  // httplib has closed the socket it could not bind
    throw Error(ExitCode::usage, "cannot listen on " + o.host + ":" + std::to_string(o.port) + " (in use, or not an address of this machine)");
  }
  if (const int fd = impl_->listening_socket; fd >= 0) ::listen(fd, SOMAXCONN);  // Linux: a new backlog
  return impl_->bound_port;
}

void HttpServer::listen() {
  if (impl_->bound_port < 0) bind();
  if (impl_->stop_requested) return;
  impl_->server.listen_after_bind();
}

void HttpServer::stop() {
  impl_->stop_requested = true;
  // httplib's own stop() does nothing until its accept loop has started, so a stop that came between
  // bind() and listen() was lost and listen() never returned. Shutting the listening socket down
  // ends the loop whenever it starts: accept() fails and httplib closes the socket and drains its workers.
  // Only the first stop() shuts it: the socket is httplib's to close, and a later call must not touch a
  // descriptor number that may have been reused.
  if (const int fd = impl_->listening_socket.exchange(-1); fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace soundalike::app

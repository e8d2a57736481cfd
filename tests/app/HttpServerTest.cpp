// The HTTP layer over a small in-memory backend: status codes, JSON errors, ranges, limits, traversal.
// The real library backend is tested end to end through `soundalike serve`.
#include "app/server/HttpServer.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "audio/AudioDecoder.h"
#include "common/Error.h"
#include "support/TestSupport.h"

namespace soundalike::app {
namespace {
using nlohmann::json;

class FakeBackend : public LibraryBackend {
 public:
  explicit FakeBackend(std::filesystem::path audio) : audio_(std::move(audio)) {}
  json health() const override { return {{"status", "ok"}, {"tracks", 3}}; }
  json tracks(std::string_view q, int limit, int offset) const override {
    return {{"tracks", json::array({{{"id", 1}, {"title", std::string(q)}, {"limit", limit}, {"offset", offset}}})},
            {"total", 1}};
  }
  json track(int64_t id) const override { return {{"id", known(id)}}; }
  json similar_to_track(int64_t id, const SimilarRequest& r) const override {
    return {{"query", {{"id", known(id)}}}, {"results", json::array()}, {"k", r.k}, {"metric", r.metric}};
  }
  json similar_to_audio(std::span<const std::byte> audio, std::string_view name, const SimilarRequest& r) const override {
    const auto decoded = AudioDecoder().decode_memory(audio, name);  // proves the bytes arrived intact
    return {{"query", {{"title", std::string(name)}, {"duration", decoded.seconds()}}}, {"results", json::array()}, {"k", r.k}};
  }
  std::filesystem::path audio_file(int64_t id) const override {
    known(id);
    return audio_;
  }
  std::vector<unsigned char> spectrogram_png(int64_t id) const override { return {0x89, 'P', 'N', 'G'}; }
  json path(int64_t from, int64_t to, int steps, const PlaylistControls&) const override {
    return {{"tracks", json::array({known(from), known(to)})}, {"steps", steps}};
  }
  json map() const override { return {{"points", json::array()}}; }

 private:
  static int64_t known(int64_t id) {
    if (id < 1 || id > 3) throw Error(ExitCode::not_found, "no track with id " + std::to_string(id));
    return id;
  }
  std::filesystem::path audio_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  void start(ServerOptions o) {
    test::write_wav(dir / "song.wav", test::sine(440, 2.0, 22050), 22050);
    backend = std::make_unique<FakeBackend>(dir / "song.wav");
    o.port = 0;
    o.max_upload_bytes = 1 << 20;
    if (server) server->stop();
    if (thread.joinable()) thread.join();
    server = std::make_unique<HttpServer>(*backend, o);
    port = server->bind();
    thread = std::jthread([this] { server->listen(); });
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_read_timeout(10, 0);
  }
  void TearDown() override { server->stop(); }

  // A raw connection to the server, closed when it goes out of scope.
  struct RawConnection {
    int fd = -1;
    explicit RawConnection(int port) {
      fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(uint16_t(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
    }
    ~RawConnection() {
      if (fd >= 0) ::close(fd);
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    void send(std::string_view text) const { (void)!::write(fd, text.data(), text.size()); }
    // Reads until the end of one response's headers (or the connection closes); returns what came.
    std::string read_headers() const {
      std::string got;
      char c;
      while (got.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1) got += c;
      return got;
    }
  };

  test::TempDir dir;
  std::unique_ptr<FakeBackend> backend;
  std::unique_ptr<HttpServer> server;
  std::jthread thread;
  std::unique_ptr<httplib::Client> client;
  int port = 0;
};

TEST_F(HttpServerTest, ServesTheEmbeddedPage) {
  auto r = client->Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<title>soundalike</title>"), std::string::npos);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  r = client->Get("/app.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(client->Get("/nothing.js")->status, 404);
}

TEST_F(HttpServerTest, JsonEndpointsAndParameters) {
  auto r = client->Get("/api/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["tracks"], 3);
  r = client->Get("/api/tracks?q=blue&limit=5&offset=2");
  const auto t = json::parse(r->body);
  EXPECT_EQ(t["tracks"][0]["title"], "blue");
  EXPECT_EQ(t["tracks"][0]["limit"], 5);
  EXPECT_EQ(t["tracks"][0]["offset"], 2);
  r = client->Get("/api/tracks/2/similar?k=7&metric=cosine");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["k"], 7);
  EXPECT_EQ(json::parse(r->body)["metric"], "cosine");
  EXPECT_EQ(client->Get("/api/path?from=1&to=3&steps=4")->status, 200);
  EXPECT_EQ(client->Get("/api/map")->status, 200);
  EXPECT_EQ(client->Get("/api/tracks/1/spectrogram.png")->get_header_value("Content-Type"), "image/png");
}

TEST_F(HttpServerTest, ErrorsAreJsonWithProperStatus) {
  struct Case {
    std::string url;
    int status;
  };
  for (const Case& c : {Case{"/api/tracks/99", 404}, Case{"/api/tracks/abc", 404}, Case{"/api/tracks/1/similar?k=0", 400},
                        Case{"/api/tracks/1/similar?k=ten", 400}, Case{"/api/tracks/1/similar?metric=manhattan", 400},
                        Case{"/api/tracks?limit=-1", 400}, Case{"/api/path?from=1", 400}, Case{"/api/nope", 404},
                        Case{"/api/tracks/99999999999999999999999", 404}}) {
    SCOPED_TRACE(c.url);
    const auto r = client->Get(c.url);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status);
    const auto body = json::parse(r->body);
    EXPECT_TRUE(body.contains("error"));
  }
}

TEST_F(HttpServerTest, AudioSupportsRangeRequests) {
  const std::string whole = test::read_file(dir / "song.wav");
  auto r = client->Get("/api/tracks/1/audio");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, whole);
  EXPECT_EQ(r->get_header_value("Content-Type"), "audio/wav");
  r = client->Get("/api/tracks/1/audio", {{"Range", "bytes=100-199"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, whole.substr(100, 100));
  EXPECT_EQ(client->Get("/api/tracks/7/audio")->status, 404);
}

TEST_F(HttpServerTest, UploadsAsMultipartOrRawBody) {
  const std::string wav = test::read_file(dir / "song.wav");
  httplib::MultipartFormDataItems items = {{"file", wav, "mine.wav", "audio/wav"}};
  auto r = client->Post("/api/similar?k=4", items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto body = json::parse(r->body);
  EXPECT_EQ(body["query"]["title"], "mine.wav");
  EXPECT_NEAR(body["query"]["duration"].get<double>(), 2.0, 1e-3);
  EXPECT_EQ(body["k"], 4);
  r = client->Post("/api/similar", wav, "audio/wav");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = client->Post("/api/similar", "this is not audio at all, just words", "audio/mpeg");
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(client->Post("/api/similar", "", "audio/wav")->status, 400);
}

TEST_F(HttpServerTest, OversizedUploadIs413) {
  const std::string big(2 << 20, 'x');
  const auto r = client->Post("/api/similar", big, "audio/wav");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(HttpServerTest, TraversalAttemptsReadNothing) {
  for (const char* url : {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/tracks/../../etc/passwd/audio",
                          "/api/tracks/%2e%2e%2fetc%2fpasswd/audio", "//etc/passwd", "/api/tracks//etc/passwd/audio",
                          "/..%2f..%2fetc%2fpasswd", "/index.html/../../../etc/passwd"}) {
    SCOPED_TRACE(url);
    const auto r = client->Get(url);
    if (!r) continue;  // the client may refuse to send it at all: also nothing read
    EXPECT_GE(r->status, 400);
    EXPECT_LT(r->status, 500);
    EXPECT_EQ(r->body.find("root:"), std::string::npos);
  }
}

TEST_F(HttpServerTest, APortInUseIsAClearErrorNotASharedPort) {
  ServerOptions o;
  o.port = port;  // the fixture's server holds it
  HttpServer second(*backend, o);
  try {
    second.bind();
    FAIL() << "a second server bound a port in use";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on"), std::string::npos) << e.what();
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

// The slowloris shape: 200 connections that open, send part of a request line and then a byte now and
// then. Each holds a worker, so a pool of fixed size starved; a normal client must still be answered.
TEST_F(HttpServerTest, SlowAndIdleConnectionsDoNotStarveOthers) {
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port));
    slow.back()->send(i % 2 ? "GET /api/hea" : "");  // half send a fragment, half stay silent
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the server take them all on
  for (auto& c : slow) c->send("l");                               // still "sending"
  for (int attempt = 0; attempt < 3; ++attempt) {
    httplib::Client fresh("127.0.0.1", port);
    fresh.set_connection_timeout(1, 0);
    fresh.set_read_timeout(1, 0);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = fresh.Get("/api/health");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r) << "no answer within 1 s while 200 slow connections were open";
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(seconds, 1.0);
  }
}

TEST_F(HttpServerTest, OneClientCannotHoldMoreThanItsShareOfConnections) {
  ServerOptions o;
  o.max_per_client = 4;
  start(o);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(port));
    held.back()->send("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");  // keep-alive: stays open after
    EXPECT_NE(held.back()->read_headers().find(" 200 "), std::string::npos) << "connection " << i;
  }
  RawConnection fifth(port);
  fifth.send("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(fifth.read_headers().find(" 503 "), std::string::npos);
  held.pop_back();  // one closes: its slot comes back
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  RawConnection sixth(port);
  sixth.send("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(sixth.read_headers().find(" 200 "), std::string::npos);
}

}  // namespace
}  // namespace soundalike::app

// `soundalike serve` end to end: the real CLI over a generated, really indexed library, spoken to over
// HTTP. Covers every endpoint of docs/api.md with its errors, uploads, traversal attempts, a clean
// stop on SIGTERM, and a library that `index` grows while the server reads it.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <filesystem>
#include <fstream>
#include <set>

#include "app/GeneratedStyles.h"
#include "app/ServeProcess.h"
#include "support/TestSupport.h"

using namespace soundalike;
using soundalike::test::ServeProcess;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int kRate = 22050;
constexpr int kPerStyle = 4;

void make_songs(const fs::path& dir, int first, int count) {
  for (int s = 0; s < test::kStyleCount; ++s) {
    fs::create_directories(dir / test::style_name(s));
    for (int i = first; i < first + count; ++i) {
      char name[64];
      std::snprintf(name, sizeof name, "%s%02d.wav", test::style_name(s), i);
      test::write_wav(dir / test::style_name(s) / name, test::generate_style(s, uint32_t(i + 1), 4.0, kRate), kRate);
    }
  }
}

// GET that expects 200 and JSON; null after a failed expectation.
json get_ok(httplib::Client& client, const std::string& path) {
  auto res = client.Get(path);
  EXPECT_TRUE(res) << path;
  EXPECT_EQ(res ? res->status : 0, 200) << path << ": " << (res ? res->body : "");
  return res ? json::parse(res->body, nullptr, false) : json();
}

class Serve : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    make_songs(*dir_ / "lib", 0, kPerStyle);
    fs::create_directories(*dir_ / "tmp");
    const auto r = test::run_cli("index " + test::quote((*dir_ / "lib").string()) + " --db " +
                                 test::quote((*dir_ / "lib.db").string()) + " --features mfcc --jobs 2");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    server_ = new ServeProcess({"--db", (*dir_ / "lib.db").string(), "--port", "0", "--max-upload-mb", "1"}, *dir_ / "tmp");
    ASSERT_GT(server_->port(), 0) << "serve did not report its port";
  }
  static void TearDownTestSuite() {
    if (server_) EXPECT_EQ(server_->stop(), 0) << "serve should exit 0 on SIGTERM";
    delete server_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_TRUE(server_ && server_->port() > 0);
    client = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client->set_read_timeout(30, 0);
  }
  json get_json(const std::string& path, int expected_status = 200) {
    auto res = client->Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return {};
    EXPECT_EQ(res->status, expected_status) << path << ": " << res->body;
    EXPECT_NE(res->get_header_value("Content-Type").find("application/json"), std::string::npos) << path;
    return json::parse(res->body);
  }
  // The library id of a file, through the API's own search.
  int64_t id_of(const std::string& file_stem) {
    const json list = get_json("/api/tracks?q=" + file_stem);
    EXPECT_EQ(list.at("total"), 1) << file_stem;
    return list.at("tracks").at(0).at("id");
  }
  static fs::path lib() { return *dir_ / "lib"; }

  std::unique_ptr<httplib::Client> client;
  static test::TempDir* dir_;
  static ServeProcess* server_;
};
test::TempDir* Serve::dir_ = nullptr;
ServeProcess* Serve::server_ = nullptr;

const int kTracks = test::kStyleCount * kPerStyle;

TEST_F(Serve, HealthAndPage) {
  const json h = get_json("/api/health");
  EXPECT_EQ(h.at("status"), "ok");
  EXPECT_EQ(h.at("tracks"), kTracks);
  EXPECT_EQ(h.at("kind"), "mfcc-v1");
  EXPECT_EQ(h.at("uploads"), true);
  auto page = client->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<html"), std::string::npos);
}

TEST_F(Serve, TracksListSearchAndPaging) {
  const json all = get_json("/api/tracks?limit=1000");
  EXPECT_EQ(all.at("total"), kTracks);
  EXPECT_EQ(all.at("tracks").size(), size_t(kTracks));
  std::set<int64_t> ids;
  for (const auto& t : all.at("tracks")) {
    ids.insert(t.at("id").get<int64_t>());
    for (const char* key : {"title", "artist", "album", "genre", "duration", "bpm", "label", "energy_db", "brightness_hz"})
      EXPECT_TRUE(t.contains(key)) << key;
  }
  EXPECT_EQ(ids.size(), size_t(kTracks));

  // Case-insensitive match on the file name (generated WAVs carry no tags).
  const std::string style = test::style_name(1);
  std::string upper = style;
  for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  const json some = get_json("/api/tracks?q=" + upper);
  EXPECT_EQ(some.at("total"), kPerStyle);

  const json page1 = get_json("/api/tracks?limit=5&offset=0"), page2 = get_json("/api/tracks?limit=5&offset=5");
  EXPECT_EQ(page1.at("tracks").size(), 5u);
  EXPECT_EQ(page1.at("total"), kTracks);
  EXPECT_NE(page1.at("tracks").at(0).at("id"), page2.at("tracks").at(0).at("id"));
  EXPECT_EQ(get_json("/api/tracks?q=no-such-song").at("total"), 0);

  get_json("/api/tracks?limit=0", 400);
  get_json("/api/tracks?limit=abc", 400);
  get_json("/api/tracks?offset=-1", 400);
}

TEST_F(Serve, OneTrackAnd404s) {
  const int64_t id = id_of(std::string(test::style_name(0)) + "00");
  const json t = get_json("/api/tracks/" + std::to_string(id));
  EXPECT_EQ(t.at("id"), id);
  EXPECT_NEAR(t.at("duration").get<double>(), 4.0, 0.05);
  get_json("/api/tracks/999999", 404);
  get_json("/api/tracks/abc", 404);
  get_json("/api/tracks/-1", 404);
  get_json("/api/no-such-endpoint", 404);
}

TEST_F(Serve, SimilarByIdFindsTheSameStyle) {
  double same = 0;
  int answered = 0;
  for (int s = 0; s < test::kStyleCount; ++s) {
    const std::string stem = std::string(test::style_name(s)) + "01";
    const int64_t id = id_of(stem);
    const json r = get_json("/api/tracks/" + std::to_string(id) + "/similar?k=3");
    EXPECT_EQ(r.at("query").at("id"), id);
    EXPECT_EQ(r.at("query").at("kind"), "mfcc-v1");
    EXPECT_EQ(r.at("query").at("metric"), "l2");
    EXPECT_EQ(r.at("query").at("normalize"), "none") << "MFCC libraries are not rescaled by default";
    ASSERT_EQ(r.at("results").size(), 3u);
    double last = -1;
    for (const auto& x : r.at("results")) {
      EXPECT_NE(x.at("id"), id) << "the query itself is never a result";
      EXPECT_GE(x.at("distance").get<double>(), last);
      last = x.at("distance");
      same += fs::path(x.at("path").get<std::string>()).parent_path().filename() == test::style_name(s);
    }
    ++answered;
  }
  // Three same-style neighbours exist for every query; MFCC statistics find most of them.
  EXPECT_GE(same / (3.0 * answered), 0.7);

  const int64_t id = id_of(std::string(test::style_name(0)) + "00");
  const std::string base = "/api/tracks/" + std::to_string(id) + "/similar";
  EXPECT_EQ(get_json(base + "?metric=cosine&k=5").at("results").size(), 5u);
  EXPECT_EQ(get_json(base).at("results").size(), 10u) << "k defaults to 10";
  EXPECT_EQ(get_json(base + "?k=1000").at("results").size(), size_t(kTracks - 1)) << "k larger than the library";
  get_json(base + "?k=0", 400);
  get_json(base + "?k=1001", 400);
  get_json(base + "?k=ten", 400);
  get_json(base + "?metric=manhattan", 400);
  get_json("/api/tracks/999999/similar", 404);
}

TEST_F(Serve, UploadAnswersLikeSimilarJsonAndLeavesNoFile) {
  const fs::path song = lib() / test::style_name(2) / (std::string(test::style_name(2)) + "03.wav");
  const std::string bytes = test::read_file(song);

  // Raw body.
  auto res = client->Post("/api/similar?k=4", bytes, "audio/wav");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json raw = json::parse(res->body);
  EXPECT_EQ(raw.at("results").size(), 4u);
  for (const auto& x : raw.at("results"))
    EXPECT_NE(x.at("path").get<std::string>(), song.string()) << "an upload equal to a library file never returns it";
  EXPECT_TRUE(raw.at("query").at("spectrogram").get<std::string>().starts_with("data:image/png;base64,"));
  EXPECT_NEAR(raw.at("query").at("duration").get<double>(), 4.0, 0.05);
  EXPECT_TRUE(raw.at("query").contains("energy_db"));

  // Multipart, under the name the browser gives; the answer equals the CLI's.
  httplib::MultipartFormDataItems items{{"file", bytes, "my song.wav", "audio/wav"}};
  res = client->Post("/api/similar?k=4", items);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json multi = json::parse(res->body);
  EXPECT_EQ(multi.at("query").at("path"), "my song.wav");
  const auto cli = test::run_cli("similar " + test::quote(song.string()) + " --db " +
                                 test::quote((*dir_ / "lib.db").string()) + " -k 4 --json");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const json expected = json::parse(cli.out);
  ASSERT_EQ(multi.at("results").size(), expected.at("results").size());
  for (size_t i = 0; i < expected.at("results").size(); ++i) {
    EXPECT_EQ(multi.at("results")[i].at("id"), expected.at("results")[i].at("id"));
    EXPECT_NEAR(multi.at("results")[i].at("distance").get<double>(), expected.at("results")[i].at("distance").get<double>(), 1e-4);
  }

  // Not audio -> 422; empty -> 400; too large -> 413 (the server was started with a 1 MB limit).
  res = client->Post("/api/similar", std::string(5000, 'x'), "application/octet-stream");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 422) << res->body;
  EXPECT_TRUE(json::parse(res->body).contains("error"));
  res = client->Post("/api/similar", std::string(), "audio/wav");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  res = client->Post("/api/similar", std::string(2u << 20, '\0'), "audio/wav");
  if (res) EXPECT_EQ(res->status, 413);  // httplib may also drop the connection, which is fine

  EXPECT_TRUE(fs::is_empty(*dir_ / "tmp")) << "uploads must not outlive their request";
}

// Uploads analyse with aubio and FFTW while spectrograms plan FFTs on other workers: FFTW's planner is
// shared by both libraries, so this once crashed the server (double free) under load.
TEST_F(Serve, ConcurrentUploadsAndSpectrogramsAllSucceed) {
  const fs::path song = lib() / test::style_name(1) / (std::string(test::style_name(1)) + "02.wav");
  const std::string bytes = test::read_file(song);
  const int64_t id = id_of(std::string(test::style_name(0)) + "01");
  std::atomic<int> ok{0}, failed{0};
  {
    std::vector<std::jthread> clients;
    for (int c = 0; c < 6; ++c)
      clients.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", server_->port());
        client.set_read_timeout(60, 0);
        for (int i = 0; i < 4; ++i) {
          auto res = c % 2 ? client.Post("/api/similar?k=3", bytes, "audio/wav")
                           : client.Get("/api/tracks/" + std::to_string(id) + "/spectrogram.png");
          (res && res->status == 200 ? ok : failed)++;
        }
      });
  }
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(ok, 24);
  EXPECT_EQ(get_json("/api/health").at("status"), "ok");
}

TEST_F(Serve, AudioWithRangesAndSpectrogram) {
  const int64_t id = id_of(std::string(test::style_name(3)) + "02");
  const fs::path song = lib() / test::style_name(3) / (std::string(test::style_name(3)) + "02.wav");
  const std::string bytes = test::read_file(song);
  auto full = client->Get("/api/tracks/" + std::to_string(id) + "/audio");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 200);
  EXPECT_EQ(full->body, bytes);
  EXPECT_EQ(full->get_header_value("Content-Type"), "audio/wav");
  auto part = client->Get("/api/tracks/" + std::to_string(id) + "/audio", {{"Range", "bytes=100-199"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, bytes.substr(100, 100));

  auto png = client->Get("/api/tracks/" + std::to_string(id) + "/spectrogram.png");
  ASSERT_TRUE(png);
  EXPECT_EQ(png->status, 200);
  EXPECT_EQ(png->body.substr(1, 3), "PNG");
  EXPECT_EQ(client->Get("/api/tracks/999999/audio")->status, 404);
}

TEST_F(Serve, PathAndMap) {
  const int64_t a = id_of(std::string(test::style_name(0)) + "00"), b = id_of(std::string(test::style_name(3)) + "00");
  const json p = get_json("/api/path?from=" + std::to_string(a) + "&to=" + std::to_string(b) + "&steps=4");
  const auto& tracks = p.at("tracks");
  ASSERT_GE(tracks.size(), 3u);
  EXPECT_EQ(tracks.front().at("id"), a);
  EXPECT_EQ(tracks.back().at("id"), b);
  std::set<int64_t> seen;
  for (const auto& t : tracks) EXPECT_TRUE(seen.insert(t.at("id").get<int64_t>()).second) << "no repeats";
  get_json("/api/path?from=" + std::to_string(a), 400);
  get_json("/api/path?from=" + std::to_string(a) + "&to=999999", 404);
  get_json("/api/path?from=" + std::to_string(a) + "&to=" + std::to_string(b) + "&steps=100000", 400);

  const json m = get_json("/api/map");
  EXPECT_EQ(m.at("points").size(), size_t(kTracks));
  for (const auto& pt : m.at("points"))
    for (const char* key : {"id", "x", "y", "label", "title", "artist"}) EXPECT_TRUE(pt.contains(key)) << key;
}

std::string percent_encoded(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%%%02X", c);
    out += std::isalnum(c) ? std::string(1, char(c)) : std::string(buf);
  }
  return out;
}

TEST_F(Serve, TraversalAttemptsReadNothing) {
  const std::string secret = "top secret";
  {
    std::ofstream f(*dir_ / "secret.txt");
    f << secret;
  }
  const std::string abs = (*dir_ / "secret.txt").string();
  for (const std::string& path : std::vector<std::string>{"/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/%2e%2e/etc/passwd", "/etc/passwd", "/api/tracks/..%2f..%2fetc%2fpasswd/audio",
        "/api/tracks/%2Fetc%2Fpasswd/audio", "/api/tracks/" + percent_encoded(abs) + "/audio",
        "/api/tracks/1%2F..%2F..%2Fsecret.txt/audio", "/" + abs, "/index.html/../../secret.txt", "/api/map/../../secret.txt"}) {
    auto res = client->Get(path);
    if (!res) continue;  // refusing the request line outright reads nothing either
    EXPECT_GE(res->status, 400) << path;
    EXPECT_LT(res->status, 500) << path;
    EXPECT_EQ(res->body.find(secret), std::string::npos) << path;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
  }
}

TEST_F(Serve, SeesWhatIndexAddsWhileServing) {
  make_songs(lib(), kPerStyle, 1);
  const auto r = test::run_cli("index " + test::quote(lib().string()) + " --db " + test::quote((*dir_ / "lib.db").string()) +
                               " --features mfcc --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(get_json("/api/health").at("tracks"), kTracks + test::kStyleCount);
  EXPECT_EQ(get_json("/api/tracks?limit=1000").at("total"), kTracks + test::kStyleCount);
  const int64_t fresh = id_of(std::string(test::style_name(1)) + "0" + std::to_string(kPerStyle));
  EXPECT_EQ(get_json("/api/tracks/" + std::to_string(fresh) + "/similar?k=2").at("results").size(), 2u);
  EXPECT_EQ(get_json("/api/map").at("points").size(), size_t(kTracks + test::kStyleCount));
}

// A fresh library (an `index --watch` just started on an empty folder) is served empty, and what the
// indexer commits appears without a restart.
TEST(ServeCli, AnEmptyLibraryServesAndFillsAsItIsIndexed) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "lib");
  std::filesystem::create_directories(dir / "tmp");
  const std::string index = "index " + test::quote((dir / "lib").string()) + " --db " + test::quote((dir / "lib.db").string()) +
                            " --features mfcc";
  ASSERT_EQ(test::run_cli(index).exit_code, 0);
  ServeProcess serve({"--db", (dir / "lib.db").string(), "--port", "0", "--features", "mfcc"}, dir / "tmp");
  ASSERT_GT(serve.port(), 0) << "an empty library must not stop the server";
  httplib::Client client("127.0.0.1", serve.port());
  auto get = [&](const std::string& path) { return get_ok(client, path); };
  EXPECT_EQ(get("/api/health").at("tracks"), 0);
  EXPECT_EQ(get("/api/health").at("kind"), "mfcc-v1");
  EXPECT_EQ(get("/api/tracks").at("total"), 0);
  EXPECT_TRUE(get("/api/map").at("points").empty());

  for (int i = 0; i < 3; ++i)
    test::write_wav(dir / "lib" / ("tone" + std::to_string(i) + ".wav"), test::sine(220.0 * (i + 1), 2.0, 22050), 22050);
  ASSERT_EQ(test::run_cli(index).exit_code, 0);
  EXPECT_EQ(get("/api/health").at("tracks"), 3);
  EXPECT_EQ(get("/api/tracks/1/similar?k=2").at("results").size(), 2u);
  EXPECT_EQ(get("/api/map").at("points").size(), 3u);
}

// Started without --features, the server follows the library: re-indexed with other features (which
// replaces its vectors), it serves the new kind without a restart.
TEST(ServeCli, ALibraryReindexedWithOtherFeaturesIsServedInTheNewKind) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "lib");
  std::filesystem::create_directories(dir / "tmp");
  for (int i = 0; i < 3; ++i)
    test::write_wav(dir / "lib" / ("tone" + std::to_string(i) + ".wav"), test::sine(220.0 * (i + 1), 2.0, 22050), 22050);
  const std::string index = "index " + test::quote((dir / "lib").string()) + " --db " + test::quote((dir / "lib.db").string());
  ASSERT_EQ(test::run_cli(index + " --features mfcc").exit_code, 0);
  ServeProcess serve({"--db", (dir / "lib.db").string(), "--port", "0"}, dir / "tmp");
  ASSERT_GT(serve.port(), 0);
  httplib::Client client("127.0.0.1", serve.port());
  auto get = [&](const std::string& path) { return get_ok(client, path); };
  EXPECT_EQ(get("/api/health").at("kind"), "mfcc-v1");
  EXPECT_EQ(get("/api/tracks/1/similar?k=2").at("results").size(), 2u);

  ASSERT_EQ(test::run_cli(index + " --features timbre-v1").exit_code, 0);
  EXPECT_EQ(get("/api/health").at("kind"), "timbre-v1");
  EXPECT_EQ(get("/api/tracks/1/similar?k=2").at("results").size(), 2u);
  EXPECT_EQ(get("/api/map").at("points").size(), 3u);
}

TEST(ServeCli, BadDatabaseIsAClearError) {
  test::TempDir dir;
  const auto missing = test::run_cli("serve --db " + test::quote((dir / "nope.db").string()) + " --port 0");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("nope.db"), std::string::npos) << missing.err;
  const auto port = test::run_cli("serve --db x.db --port 70000");
  EXPECT_EQ(port.exit_code, 2) << port.err;
}

}  // namespace

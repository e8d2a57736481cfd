// The Subsonic API's pieces: authentication (tokens, enc:, sealed passwords, the key file), ids that
// survive re-indexing, the response envelope in JSON and XML, and the protocol over HTTP on a small
// in-memory library. The real client drives `soundalike serve` in tests/web/subsonic.test.mjs.
#include "app/server/SubsonicApi.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>

#include "app/server/HttpServer.h"
#include "app/server/SubsonicUsers.h"
#include "audio/AudioDecoder.h"
#include "common/Error.h"
#include "common/Image.h"
#include "support/TestSupport.h"

namespace soundalike::app {
namespace {
using nlohmann::json;

TEST(SubsonicAuth, Md5AndTheProtocolsTokenExample) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  // The example of the Subsonic API documentation: password "sesame", salt "c19b2d".
  EXPECT_EQ(md5_hex("sesamec19b2d"), "26719a1196d2a940705a59634eb18eab");
}

TEST(SubsonicAuth, EncodedPasswordParameter) {
  EXPECT_EQ(decode_password_parameter("enc:736573616d65"), "sesame");
  EXPECT_EQ(decode_password_parameter("enc:736573616D65"), "sesame");
  EXPECT_EQ(decode_password_parameter("sesame"), "sesame");
  EXPECT_EQ(decode_password_parameter("enc:"), "");
  EXPECT_THROW(decode_password_parameter("enc:7"), Error);
  EXPECT_THROW(decode_password_parameter("enc:zz"), Error);
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(SubsonicAuth, KeyFileIsPrivateAndSealsPerUser) {
  test::TempDir dir;
  const auto file = dir / "lib.db.key";
  EXPECT_THROW(PasswordKey(file, false), Error) << "no key file yet";
  const PasswordKey key(file, true);
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);

  const auto secret = key.seal("open sesame", "alice");
  EXPECT_EQ(std::string(secret.begin(), secret.end()).find("open sesame"), std::string::npos) << "never in clear";
  EXPECT_EQ(key.unseal(secret, "alice"), "open sesame");
  EXPECT_NE(key.seal("open sesame", "alice"), secret) << "a fresh nonce every time";
  EXPECT_THROW(key.unseal(secret, "bob"), Error) << "a secret copied onto another user does not open";
  auto tampered = secret;
  tampered.back() ^= 1;
  EXPECT_THROW(key.unseal(tampered, "alice"), Error);

  const PasswordKey again(file, true);  // reads the same key, does not replace it
  EXPECT_EQ(again.unseal(secret, "alice"), "open sesame");

  ASSERT_EQ(chmod(file.c_str(), 0644), 0);
  EXPECT_THROW(PasswordKey(file, false), Error) << "a key others may read is refused";
}

TEST(SubsonicAuth, UserDirectoryChecksTokensAndPasswords) {
  test::TempDir dir;
  LibraryDb db(dir / "lib.db", LibraryDb::Mode::read_write);
  UserDirectory users(db, key_file_for(dir / "lib.db"));
  EXPECT_FALSE(users.any());
  users.add("alice", "sesame");
  EXPECT_THROW(users.add("alice", "other"), Error);
  EXPECT_THROW(users.add("bad name", "x"), Error);
  EXPECT_THROW(users.add("carol", ""), Error);
  EXPECT_TRUE(users.any());
  EXPECT_EQ(users.names(), std::vector<std::string>{"alice"});
  EXPECT_TRUE(std::filesystem::exists(dir / "lib.db.key"));

  EXPECT_TRUE(users.check_token("alice", "26719a1196d2a940705a59634eb18eab", "c19b2d"));
  EXPECT_TRUE(users.check_token("alice", "26719A1196D2A940705A59634EB18EAB", "c19b2d"));
  EXPECT_FALSE(users.check_token("alice", "26719a1196d2a940705a59634eb18eab", "c19b2e"));
  EXPECT_FALSE(users.check_token("bob", "26719a1196d2a940705a59634eb18eab", "c19b2d"));
  EXPECT_TRUE(users.check_password("alice", "sesame"));
  EXPECT_FALSE(users.check_password("alice", "Sesame"));

  EXPECT_TRUE(users.set_password("alice", "new one"));
  EXPECT_FALSE(users.check_password("alice", "sesame"));
  EXPECT_TRUE(users.check_password("alice", "new one"));
  EXPECT_FALSE(users.set_password("bob", "x"));

  // The database file holds no password in clear.
  const std::string bytes = test::read_file(dir / "lib.db") + test::read_file(dir / "lib.db-wal");
  EXPECT_EQ(bytes.find("new one"), std::string::npos);

  // Another library's key cannot open these passwords.
  std::filesystem::remove(dir / "lib.db.key");
  {
    const PasswordKey other(dir / "lib.db.key", true);
  }
  const UserDirectory with_wrong_key(db, key_file_for(dir / "lib.db"));
  EXPECT_THROW(with_wrong_key.check_password("alice", "new one"), Error);
}

TEST(SubsonicIds, DeriveFromNormalisedTags) {
  using namespace subsonic;
  EXPECT_EQ(normalise_name("  The   Beatles "), "the beatles");
  EXPECT_EQ(artist_id("The Beatles"), artist_id(" the  BEATLES"));
  EXPECT_NE(artist_id("The Beatles"), artist_id("The Beatle"));
  EXPECT_EQ(album_id("A", "Blue"), album_id("a ", " blue"));
  EXPECT_NE(album_id("A", "Blue"), album_id("B", "Blue")) << "same album name, other artist";
  EXPECT_NE(album_id("AB", "C"), album_id("A", "BC"));
  const std::string id = artist_id("The Beatles");
  ASSERT_EQ(id.size(), 19u);
  EXPECT_EQ(id.substr(0, 3), "ar-");
  // Pinned: a change of this derivation would orphan every client's stored ids.
  EXPECT_EQ(id, "ar-" + md5_hex("the beatles").substr(0, 16));
  EXPECT_EQ(album_id("The Beatles", "Abbey Road"), "al-" + md5_hex("the beatles\x1f" "abbey road").substr(0, 16));
}

TEST(SubsonicEnvelope, JsonAndXml) {
  using namespace subsonic;
  const json okay = ok({{"license", {{"valid", true}}}});
  const json& r = okay.at("subsonic-response");
  EXPECT_EQ(r.at("status"), "ok");
  EXPECT_EQ(r.at("version"), "1.16.1");
  EXPECT_EQ(r.at("type"), "soundalike");
  EXPECT_TRUE(r.at("serverVersion").is_string());
  EXPECT_EQ(r.at("openSubsonic"), true);
  EXPECT_EQ(r.at("license").at("valid"), true);

  const json bad = failed(40, "wrong username or password");
  EXPECT_EQ(bad.at("subsonic-response").at("status"), "failed");
  EXPECT_EQ(bad.at("subsonic-response").at("error").at("code"), 40);
  EXPECT_EQ(bad.at("subsonic-response").at("error").at("message"), "wrong username or password");

  const std::string xml = to_xml(ok({{"genres", {{"genre", json::array({{{"value", "R&B"}, {"songCount", 2}}, {{"value", "Pop"}, {"songCount", 1}}})}}},
                                     {"openSubsonicExtensions", json::array({{{"name", "formPost"}, {"versions", {1}}}})},
                                     {"note", "a \"quoted\" <word>"}}));
  EXPECT_NE(xml.find("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), std::string::npos);
  EXPECT_NE(xml.find("<subsonic-response xmlns=\"http://subsonic.org/restapi\""), std::string::npos);
  EXPECT_NE(xml.find("status=\"ok\""), std::string::npos);
  EXPECT_NE(xml.find("openSubsonic=\"true\""), std::string::npos);
  EXPECT_NE(xml.find("<genres><genre songCount=\"2\">R&amp;B</genre><genre songCount=\"1\">Pop</genre></genres>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<openSubsonicExtensions name=\"formPost\"><versions>1</versions></openSubsonicExtensions>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("note=\"a &quot;quoted&quot; &lt;word&gt;\""), std::string::npos) << xml;
  EXPECT_NE(to_xml(failed(10, "x")).find("<error code=\"10\" message=\"x\"/>"), std::string::npos);
}

TEST(SubsonicEnvelope, SonicDistanceIsInZeroToOneAndKeepsOrder) {
  using subsonic::sonic_distance;
  EXPECT_DOUBLE_EQ(sonic_distance(0.25, "l2", "mp"), 0.25);
  EXPECT_DOUBLE_EQ(sonic_distance(1.5, "l2", "mp"), 1.0);
  EXPECT_DOUBLE_EQ(sonic_distance(1.0, "cosine", "none"), 0.5);
  EXPECT_DOUBLE_EQ(sonic_distance(0.0, "l2", "none"), 0.0);
  EXPECT_DOUBLE_EQ(sonic_distance(1.0, "l2", "none"), 0.5);
  EXPECT_LT(sonic_distance(3.0, "kl", "none"), sonic_distance(4.0, "kl", "none"));
  EXPECT_LT(sonic_distance(1e9, "l2", "none"), 1.0 + 1e-12);
}

// A small tagged library without audio analysis: the catalogue and a fixed neighbour list.
class TaggedBackend : public LibraryBackend {
 public:
  TaggedBackend(std::filesystem::path audio, std::vector<TrackRow> rows) : audio_(std::move(audio)) {
    rows_ = std::make_shared<const std::vector<TrackRow>>(std::move(rows));
  }
  json health() const override { return {{"status", "ok"}}; }
  json tracks(std::string_view, int, int) const override { return {{"tracks", json::array()}, {"total", 0}}; }
  json track(int64_t id) const override { return {{"id", id}}; }
  json similar_to_track(int64_t id, const SimilarRequest& r) const override {
    last_request = r;
    json results = json::array();
    for (const TrackRow& t : *rows_)
      if (t.id != id && std::find(r.with.begin(), r.with.end(), t.id) == r.with.end() && int(results.size()) < r.k)
        results.push_back({{"id", t.id}, {"distance", 0.1 * double(results.size() + 1)}});
    return {{"query", {{"id", id}, {"metric", "l2"}, {"normalize", "mp"}}}, {"results", results}};
  }
  json similar_to_audio(std::span<const std::byte>, std::string_view, const SimilarRequest&) const override { return {}; }
  std::filesystem::path audio_file(int64_t) const override { return audio_; }
  std::vector<unsigned char> spectrogram_png(int64_t) const override { return {}; }
  json path(int64_t from, int64_t to, int steps, const PlaylistControls&) const override {
    return {{"tracks", json::array({{{"id", from}}, {{"id", to}}})}};
  }
  json map() const override { return {{"points", json::array()}}; }
  std::shared_ptr<const std::vector<TrackRow>> catalogue() const override { return rows_; }
  mutable SimilarRequest last_request;

 private:
  std::filesystem::path audio_;
  std::shared_ptr<const std::vector<TrackRow>> rows_;
};

TrackRow song(int64_t id, const std::string& artist, const std::string& album, const std::string& title, int track,
              const std::string& genre, const std::filesystem::path& file, std::optional<int> year = std::nullopt) {
  TrackRow t;
  t.id = id;
  t.path = file.string();
  t.size = 1000;
  t.duration = 61.4;
  t.tags = {title, artist, album, genre, track, year};
  t.indexed_at = 1700000000 + id;
  return t;
}

class SubsonicHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_wav(dir / "song.wav", test::sine(440, 3.0, 22050), 22050);
    const auto wav = dir / "song.wav";
    backend = std::make_unique<TaggedBackend>(
        wav, std::vector<TrackRow>{song(11, "Alpha", "First", "One", 1, "Rock", wav, 1999), song(12, "Alpha", "First", "Two", 2, "Rock", wav, 1998),
                                   song(13, "Alpha", "Second", "Three", 1, "Pop; Rock", wav, 2005),
                                   song(14, "beta", "Other", "Four", 1, "Jazz", wav)});
    db = std::make_unique<LibraryDb>(dir / "lib.db", LibraryDb::Mode::read_write);
    users = std::make_unique<UserDirectory>(*db, key_file_for(dir / "lib.db"));
    users->add("alice", "sesame");
    users->add("bob", "hunter2");
    api = std::make_unique<SubsonicApi>(*backend, *db, *users);
    ServerOptions o;
    o.port = 0;
    o.subsonic = api.get();
    server = std::make_unique<HttpServer>(*backend, o);
    port = server->bind();
    thread = std::thread([this] { server->listen(); });
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
  }
  void TearDown() override {
    server->stop();
    thread.join();
  }
  std::string auth(const std::string& user = "alice", const std::string& password = "sesame") {
    return "u=" + user + "&t=" + md5_hex(password + "s4lt") + "&s=s4lt&v=1.16.1&c=test";
  }
  json get(const std::string& endpoint, const std::string& query = "", const std::string& credentials = "") {
    auto res = client->Get("/rest/" + endpoint + "?f=json&" + (credentials.empty() ? auth() : credentials) + "&" + query);
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200);
    return json::parse(res->body).at("subsonic-response");
  }

  test::TempDir dir;
  std::unique_ptr<TaggedBackend> backend;
  std::unique_ptr<LibraryDb> db;
  std::unique_ptr<UserDirectory> users;
  std::unique_ptr<SubsonicApi> api;
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<httplib::Client> client;
  std::thread thread;
  int port = 0;
};

TEST_F(SubsonicHttp, AuthenticationRules) {
  EXPECT_EQ(get("ping").at("status"), "ok");
  EXPECT_EQ(get("ping.view").at("status"), "ok");
  EXPECT_EQ(get("ping", "", "u=alice&p=sesame").at("status"), "ok");
  EXPECT_EQ(get("ping", "", "u=alice&p=enc:736573616d65").at("status"), "ok");
  EXPECT_EQ(get("ping", "", auth("alice", "wrong")).at("error").at("code"), 40);
  EXPECT_EQ(get("ping", "", "u=alice&p=wrong").at("error").at("code"), 40);
  EXPECT_EQ(get("ping", "", "u=nobody&p=sesame").at("error").at("code"), 40);
  EXPECT_EQ(get("ping", "", "p=sesame").at("error").at("code"), 10);
  EXPECT_EQ(get("ping", "", "u=alice").at("error").at("code"), 10);
  EXPECT_EQ(get("ping", "", "u=alice&t=abc").at("error").at("code"), 10);
  EXPECT_EQ(get("ping", "", auth() + "&p=sesame").at("error").at("code"), 43);
  EXPECT_EQ(get("getArtists", "", "c=test").at("error").at("code"), 10);
  // OpenSubsonic: the extensions answer without credentials.
  const json ext = get("getOpenSubsonicExtensions", "", "c=test");
  ASSERT_EQ(ext.at("status"), "ok");
  std::set<std::string> names;
  for (const auto& e : ext.at("openSubsonicExtensions")) names.insert(e.at("name"));
  EXPECT_TRUE(names.count("sonicSimilarity") && names.count("formPost"));
  EXPECT_EQ(get("noSuchThing").at("error").at("code"), 0);
}

TEST_F(SubsonicHttp, XmlByDefaultAndFormPost) {
  auto res = client->Get("/rest/ping.view?" + auth());
  ASSERT_TRUE(res);
  EXPECT_NE(res->get_header_value("Content-Type").find("xml"), std::string::npos);
  EXPECT_NE(res->body.find("<subsonic-response xmlns=\"http://subsonic.org/restapi\" "), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("status=\"ok\""), std::string::npos);
  res = client->Get("/rest/ping.view?u=alice&p=bad");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("<error code=\"40\""), std::string::npos) << res->body;

  res = client->Post("/rest/getArtists", "f=json&" + auth(), "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  const json r = json::parse(res->body).at("subsonic-response");
  ASSERT_EQ(r.at("status"), "ok") << res->body;
  EXPECT_EQ(r.at("artists").at("index").size(), 2u);

  res = client->Get("/rest/ping?f=jsonp&callback=cb&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.rfind("cb(", 0), 0u);
}

TEST_F(SubsonicHttp, YearsOfSongsAndAlbumsAndTheByYearList) {
  EXPECT_EQ(get("getSong", "id=11").at("song").at("year"), 1999);
  EXPECT_FALSE(get("getSong", "id=14").at("song").contains("year")) << "no tag, no year";
  auto names = [&](const std::string& query) {
    std::vector<std::string> out;
    const json answer = get("getAlbumList2", "type=byYear&" + query);
    for (const json& a : answer.at("albumList2").at("album")) {
      out.push_back(a.at("name"));
      EXPECT_TRUE(a.contains("year"));
    }
    return out;
  };
  // An album's year is its earliest song's (First: 1998 and 1999); albums without a year are left out.
  EXPECT_EQ(names("fromYear=1990&toYear=2010"), (std::vector<std::string>{"First", "Second"}));
  EXPECT_EQ(names("fromYear=2010&toYear=1990"), (std::vector<std::string>{"Second", "First"})) << "newest first";
  EXPECT_EQ(names("fromYear=1998&toYear=1998"), (std::vector<std::string>{"First"}));
  EXPECT_TRUE(names("fromYear=2000&toYear=2004").empty());
  const json first = get("getAlbumList2", "type=byYear&fromYear=1998&toYear=1998").at("albumList2").at("album").at(0);
  EXPECT_EQ(first.at("year"), 1998);
  EXPECT_EQ(get("getAlbum", "id=" + first.at("id").get<std::string>()).at("album").at("year"), 1998);
  EXPECT_EQ(get("getAlbumList2", "type=byYear&fromYear=1990").at("error").at("code"), 10);
}

TEST_F(SubsonicHttp, BrowseByTagsWithStableIds) {
  const json artists = get("getArtists").at("artists").at("index");
  ASSERT_EQ(artists.size(), 2u);
  EXPECT_EQ(artists[0].at("name"), "A");
  const json alpha = artists[0].at("artist").at(0);
  EXPECT_EQ(alpha.at("id"), subsonic::artist_id("Alpha"));
  EXPECT_EQ(alpha.at("albumCount"), 2);
  const json artist = get("getArtist", "id=" + alpha.at("id").get<std::string>()).at("artist");
  ASSERT_EQ(artist.at("album").size(), 2u);
  const json first = artist.at("album").at(0);
  EXPECT_EQ(first.at("id"), subsonic::album_id("Alpha", "First"));
  EXPECT_EQ(first.at("songCount"), 2);
  const json album = get("getAlbum", "id=" + first.at("id").get<std::string>()).at("album");
  ASSERT_EQ(album.at("song").size(), 2u);
  const json s = album.at("song").at(0);
  EXPECT_EQ(s.at("id"), "11");
  EXPECT_EQ(s.at("title"), "One");
  EXPECT_EQ(s.at("albumId"), first.at("id"));
  EXPECT_EQ(s.at("artistId"), alpha.at("id"));
  EXPECT_EQ(s.at("suffix"), "wav");
  EXPECT_EQ(s.at("duration"), 61);
  EXPECT_EQ(s.at("isDir"), false);
  EXPECT_EQ(get("getSong", "id=11").at("song").at("title"), "One");
  EXPECT_EQ(get("getSong", "id=99").at("error").at("code"), 70);
  EXPECT_EQ(get("getAlbum", "id=al-nothing").at("error").at("code"), 70);
  EXPECT_EQ(get("getAlbum").at("error").at("code"), 10);

  const json genres = get("getGenres").at("genres").at("genre");
  ASSERT_EQ(genres.size(), 3u);  // Jazz, Pop, Rock
  EXPECT_EQ(genres[2].at("value"), "Rock");
  EXPECT_EQ(genres[2].at("songCount"), 3);
  EXPECT_EQ(genres[2].at("albumCount"), 2);
  EXPECT_EQ(get("getSongsByGenre", "genre=rock&count=10").at("songsByGenre").at("song").size(), 3u);
  EXPECT_EQ(get("getAlbumList2", "type=byGenre&genre=Jazz").at("albumList2").at("album").size(), 1u);
  const json byArtist = get("getAlbumList2", "type=alphabeticalByArtist&size=10").at("albumList2").at("album");
  ASSERT_EQ(byArtist.size(), 3u);
  EXPECT_EQ(byArtist[2].at("artist"), "beta");
  EXPECT_EQ(get("getAlbumList2", "type=newest&size=1").at("albumList2").at("album").at(0).at("name"), "Other");
  EXPECT_EQ(get("getAlbumList2", "type=random&size=2").at("albumList2").at("album").size(), 2u);
  EXPECT_EQ(get("getAlbumList2").at("error").at("code"), 10);
  EXPECT_EQ(get("getRandomSongs", "size=3").at("randomSongs").at("song").size(), 3u);

  const json found = get("search3", "query=two").at("searchResult3");
  EXPECT_EQ(found.at("song").size(), 1u);
  EXPECT_EQ(found.at("artist").size(), 0u);
  EXPECT_EQ(get("search3", "query=").at("searchResult3").at("song").size(), 4u);
  const json older = get("search2", "query=first").at("searchResult2");
  ASSERT_EQ(older.at("album").size(), 1u);
  EXPECT_EQ(older.at("album").at(0).at("isDir"), true);

  const json folder = get("getMusicDirectory", "id=" + alpha.at("id").get<std::string>()).at("directory");
  EXPECT_EQ(folder.at("child").size(), 2u);
  EXPECT_EQ(folder.at("child").at(0).at("isDir"), true);

  // The same tags under other track ids (a library indexed anew) give the same artist and album ids.
  const auto wav = dir / "song.wav";
  TaggedBackend other(wav, {song(501, " alpha", "FIRST ", "One", 1, "Rock", wav)});
  const SubsonicApi api2(other, *db, *users);
  httplib::Request req;
  req.params = {{"u", "alice"}, {"p", "sesame"}, {"f", "json"}};
  httplib::Response res;
  api2.handle("getArtists", req, res);
  const json again = json::parse(res.body).at("subsonic-response").at("artists").at("index").at(0).at("artist").at(0);
  EXPECT_EQ(again.at("id"), alpha.at("id"));
}

TEST_F(SubsonicHttp, StreamsTheOriginalBytesWithRanges) {
  const std::string original = test::read_file(dir / "song.wav");
  auto res = client->Get("/rest/stream?id=11&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, original);
  EXPECT_EQ(res->get_header_value("Content-Type"), "audio/wav");
  res = client->Get("/rest/stream?id=11&" + auth(), {{"Range", "bytes=0-99"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 206);
  EXPECT_EQ(res->body, original.substr(0, 100));
  res = client->Get("/rest/download?id=12&" + auth());
  ASSERT_TRUE(res);
  EXPECT_NE(res->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(get("stream", "id=77").at("error").at("code"), 70);
  res = client->Get("/rest/stream?id=11&u=alice&p=wrong&f=json");
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body).at("subsonic-response").at("error").at("code"), 40) << "no bytes without credentials";
}

TEST_F(SubsonicHttp, TranscodesWhenAFormatOrOffsetIsAsked) {
  const AudioDecoder decoder(DecodeOptions{.sample_rate = 22050});
  auto decode = [&](const httplib::Result& res, const std::string& name) {
    std::ofstream(dir / name, std::ios::binary) << res->body;
    return decoder.decode(dir / name);
  };
  auto res = client->Get("/rest/stream?id=11&format=mp3&maxBitRate=64&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "audio/mpeg");
  DecodedAudio d = decode(res, "a.mp3");
  EXPECT_EQ(d.info.codec, "mp3");
  EXPECT_NEAR(d.seconds(), 3.0, 0.1);
  EXPECT_NEAR(test::zero_crossing_hz(std::span<const float>(d.samples).subspan(22050, 22050), 22050), 440, 5);
  EXPECT_LT(res->body.size(), 64 * 1000 / 8 * 3 * 1.2) << "the bit rate asked for, not the WAV's";

  res = client->Get("/rest/stream.view?id=11&format=opus&timeOffset=1&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "audio/ogg");
  d = decode(res, "b.opus");
  EXPECT_EQ(d.info.codec, "opus");
  EXPECT_NEAR(d.seconds(), 2.0, 0.1) << "timeOffset (the transcodeOffset extension) starts 1 s in";

  // timeOffset alone: the server seeks for the player, so it has to transcode (to MP3 for a WAV).
  res = client->Get("/rest/stream?id=11&timeOffset=2&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "audio/mpeg");
  EXPECT_NEAR(decode(res, "c.mp3").seconds(), 1.0, 0.1);

  const std::string original = test::read_file(dir / "song.wav");
  res = client->Get("/rest/stream?id=11&format=raw&maxBitRate=32&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, original) << "raw is the original, whatever the bit rate";
  res = client->Get("/rest/stream?id=11&format=wav&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, original) << "already in the format asked for";
  res = client->Get("/rest/download?id=11&format=mp3&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, original) << "download never transcodes";

  const json bad = get("stream", "id=11&format=flac");
  EXPECT_EQ(bad.at("error").at("code"), 0);
  EXPECT_NE(bad.at("error").at("message").get<std::string>().find("mp3 or opus"), std::string::npos);
  const auto extensions = get("getOpenSubsonicExtensions").at("openSubsonicExtensions");
  EXPECT_TRUE(std::any_of(extensions.begin(), extensions.end(), [](const json& e) { return e.at("name") == "transcodeOffset"; }));
}

TEST_F(SubsonicHttp, SimilarityEndpoints) {
  const json sonic = get("getSonicSimilarTracks", "id=11&count=2").at("sonicSimilarTracksResult").at("sonicMatch");
  ASSERT_EQ(sonic.size(), 2u);
  EXPECT_EQ(sonic[0].at("id"), "12");
  EXPECT_DOUBLE_EQ(sonic[0].at("distance").get<double>(), 0.1);
  EXPECT_EQ(sonic[0].at("title"), "Two");
  EXPECT_EQ(get("getSonicSimilarTracks", "id=" + subsonic::artist_id("Alpha")).at("error").at("code"), 70);
  // soundalike's playlist controls ride along under their CLI names, as on the JSON API.
  get("getSonicSimilarTracks", "id=11&count=2&no-repeat-artist=3&exclude-genre=Jazz&exclude-genre=Pop");
  EXPECT_EQ(backend->last_request.controls.no_repeat_artist, 3);
  EXPECT_EQ(backend->last_request.controls.exclude_genres.size(), 2u);
  EXPECT_EQ(get("getSonicSimilarTracks", "id=11&no-repeat-artist=many").at("error").at("code"), 0);

  const json byAlbum = get("getSimilarSongs", "id=" + subsonic::album_id("Alpha", "First") + "&count=5").at("similarSongs").at("song");
  EXPECT_EQ(byAlbum.size(), 2u) << "the album's own songs are seeds, not answers";
  EXPECT_EQ(backend->last_request.with, std::vector<int64_t>{12});
  EXPECT_EQ(backend->last_request.controls.seed_mix, SeedMix::centroid);
  const json byArtist = get("getSimilarSongs2", "id=" + subsonic::artist_id("Alpha")).at("similarSongs2").at("song");
  ASSERT_EQ(byArtist.size(), 1u);
  EXPECT_EQ(byArtist[0].at("id"), "14");

  const json path = get("findSonicPath", "startSongId=11&endSongId=14&count=5").at("findSonicPathResult").at("sonicMatch");
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0].at("distance"), 0.0);
  EXPECT_EQ(path[1].at("distance"), 1.0);
  EXPECT_EQ(get("findSonicPath", "startSongId=11").at("error").at("code"), 10);
}

TEST_F(SubsonicHttp, PlaylistsBelongToTheirOwner) {
  const json created = get("createPlaylist", "name=Mine&songId=13&songId=11").at("playlist");
  const std::string id = created.at("id");
  EXPECT_EQ(created.at("owner"), "alice");
  EXPECT_EQ(created.at("songCount"), 2);
  ASSERT_EQ(created.at("entry").size(), 2u);
  EXPECT_EQ(created.at("entry")[0].at("id"), "13");
  EXPECT_EQ(get("createPlaylist", "name=Bad&songId=999").at("error").at("code"), 70);

  EXPECT_EQ(get("updatePlaylist", "playlistId=" + id + "&songIndexToRemove=0&songIdToAdd=14&name=Renamed").at("status"), "ok");
  const json got = get("getPlaylist", "id=" + id).at("playlist");
  EXPECT_EQ(got.at("name"), "Renamed");
  ASSERT_EQ(got.at("entry").size(), 2u);
  EXPECT_EQ(got.at("entry")[0].at("id"), "11");
  EXPECT_EQ(got.at("entry")[1].at("id"), "14");
  EXPECT_EQ(get("getPlaylists").at("playlists").at("playlist").size(), 1u);

  // bob neither sees nor edits alice's private playlist.
  const std::string as_bob = auth("bob", "hunter2");
  EXPECT_EQ(get("getPlaylists", "", as_bob).at("playlists").at("playlist").size(), 0u);
  EXPECT_EQ(get("getPlaylist", "id=" + id, as_bob).at("error").at("code"), 50);
  EXPECT_EQ(get("deletePlaylist", "id=" + id, as_bob).at("error").at("code"), 50);
  get("updatePlaylist", "playlistId=" + id + "&public=true");
  EXPECT_EQ(get("getPlaylist", "id=" + id, as_bob).at("status"), "ok");
  EXPECT_EQ(get("updatePlaylist", "playlistId=" + id + "&name=x", as_bob).at("error").at("code"), 50);

  const json replaced = get("createPlaylist", "playlistId=" + id + "&songId=12").at("playlist");
  EXPECT_EQ(replaced.at("songCount"), 1);
  EXPECT_EQ(get("deletePlaylist", "id=" + id).at("status"), "ok");
  EXPECT_EQ(get("getPlaylist", "id=" + id).at("error").at("code"), 70);
}

void write_bytes(const std::filesystem::path& file, const std::vector<unsigned char>& bytes) {
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

TEST_F(SubsonicHttp, CoverArtFromTheSongsFolderScaledOnRequest) {
  // Every song and album names its art by its own id; whether there is any shows on asking.
  EXPECT_EQ(get("getSong", "id=11").at("song").at("coverArt"), "11");
  const std::string album = subsonic::album_id("Alpha", "First");
  EXPECT_EQ(get("getAlbum", "id=" + album).at("album").at("coverArt"), album);
  EXPECT_EQ(get("getAlbumList", "type=alphabeticalByName").at("albumList").at("album").at(0).at("coverArt"), album);
  EXPECT_EQ(get("getUser").at("user").at("coverArtRole"), true);

  const json none = get("getCoverArt", "id=11");
  EXPECT_EQ(none.at("error").at("code"), 70);
  EXPECT_NE(none.at("error").at("message").get<std::string>().find("no cover art"), std::string::npos) << none;
  EXPECT_EQ(get("getCoverArt", "id=" + album).at("error").at("code"), 70);

  RgbImage picture(300, 200, Rgb{30, 90, 200});
  picture.fill_rect(0, 0, 150, 200, Rgb{250, 250, 20});
  const auto png = encode_png(picture);
  const std::string original(png.begin(), png.end());
  write_bytes(dir / "Cover.png", png);

  auto res = client->Get("/rest/getCoverArt?id=11&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(res->body, original) << "without size: the original bytes";
  EXPECT_NE(res->get_header_value("Cache-Control").find("max-age="), std::string::npos);

  res = client->Get("/rest/getCoverArt.view?id=12&size=60&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/jpeg");
  const RgbImage thumb = decode_image(res->body);
  EXPECT_EQ(thumb.width(), 60);
  EXPECT_EQ(thumb.height(), 40);
  EXPECT_GT(thumb.get(5, 20).r, 200) << "left half yellow";
  EXPECT_GT(thumb.get(55, 20).b, 150) << "right half blue";
  res = client->Get("/rest/getCoverArt?id=12&size=60&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.substr(0, 3), "\xFF\xD8\xFF") << "the same thumbnail again (from the cache)";

  res = client->Get("/rest/getCoverArt?id=11&size=300&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, original) << "a picture that fits already is not re-encoded";
  res = client->Get("/rest/getCoverArt?id=" + album + "&" + auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, original) << "an album's art is its songs'";

  EXPECT_EQ(get("getCoverArt", "id=" + subsonic::artist_id("Alpha")).at("error").at("code"), 70);
  EXPECT_EQ(get("getCoverArt", "id=nothing").at("error").at("code"), 70);
  EXPECT_EQ(get("getCoverArt").at("error").at("code"), 10);
  EXPECT_EQ(get("getCoverArt", "id=11&size=big").at("error").at("code"), 0);

  // Another cover in its place: no stale thumbnail from the cache.
  write_bytes(dir / "Cover.png", encode_png(RgbImage(120, 120, Rgb{220, 0, 0})));
  res = client->Get("/rest/getCoverArt?id=12&size=60&" + auth());
  ASSERT_TRUE(res);
  const RgbImage red = decode_image(res->body);
  EXPECT_EQ(red.width(), 60);
  EXPECT_EQ(red.height(), 60);
  EXPECT_GT(red.get(30, 30).r, 200);
}

TEST_F(SubsonicHttp, CoverArtFromSeveralThreadsAtOnce) {
  write_bytes(dir / "folder.jpg", encode_jpeg(RgbImage(640, 480, Rgb{10, 160, 90})));
  std::vector<std::string> bodies(8);
  std::vector<std::thread> clients;
  for (size_t i = 0; i < bodies.size(); ++i)
    clients.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", port);
      const int size = i % 2 ? 100 : 50;
      if (auto r = c.Get("/rest/getCoverArt?id=1" + std::to_string(1 + i % 4) + "&size=" + std::to_string(size) + "&" + auth()))
        bodies[i] = r->body;
    });
  for (auto& t : clients) t.join();
  for (size_t i = 0; i < bodies.size(); ++i) {
    ASSERT_FALSE(bodies[i].empty()) << i;
    const RgbImage image = decode_image(bodies[i]);
    EXPECT_EQ(image.width(), i % 2 ? 100 : 50) << i;
    EXPECT_EQ(bodies[i], bodies[i % 2]) << "every song shares the folder's image, so every thumbnail is the same";
  }
}

}  // namespace
}  // namespace soundalike::app

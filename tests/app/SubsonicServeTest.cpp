// `soundalike user` and who may use `serve`: passwords from stdin sealed beside the library, the
// refusal to listen beyond loopback without a user, HTTP basic auth on the web app and /api/ there, and
// Subsonic's own credentials under /rest/. The protocol itself: SubsonicTest.cpp and the npm client test.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <filesystem>

#include "app/ServeProcess.h"
#include "app/server/SubsonicUsers.h"
#include "support/TestSupport.h"

using namespace soundalike;
using soundalike::test::ServeProcess;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

class SubsonicServe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    fs::create_directories(*dir_ / "lib");
    fs::create_directories(*dir_ / "tmp");
    for (int i = 0; i < 3; ++i)
      test::write_wav(*dir_ / "lib" / ("tone" + std::to_string(i) + ".wav"), test::sine(220.0 * (i + 1), 2.0, 22050), 22050);
    const auto r = test::run_cli("index " + test::quote((*dir_ / "lib").string()) + " --db " + db() + " --features mfcc");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string db() { return test::quote((*dir_ / "lib.db").string()); }
  static test::CommandResult user(const std::string& args, const std::string& stdin_text = "") {
    return test::run_command("printf '%s' " + test::quote(stdin_text) + " | " + test::quote(SOUNDALIKE_CLI) + " user " + args +
                             " --db " + db());
  }
  static test::TempDir* dir_;
};
test::TempDir* SubsonicServe::dir_ = nullptr;

TEST_F(SubsonicServe, UserCommandAndAccessBeyondLoopback) {
  // No user yet: a server for the network refuses to start, and says how to add one.
  auto r = test::run_cli("serve --db " + db() + " --host 0.0.0.0 --port 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("user add"), std::string::npos) << r.err;

  r = user("add alice", "open sesame\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(user("add alice", "again\n").exit_code, 2) << "a taken name";
  EXPECT_EQ(user("add bob", "").exit_code, 2) << "no password on stdin";
  EXPECT_EQ(user("remove nobody").exit_code, 3);
  EXPECT_EQ(test::run_command("printf 'x\\n' | " + test::quote(SOUNDALIKE_CLI) + " user add x --db " +
                              test::quote((*dir_ / "missing.db").string())).exit_code, 3);
  r = user("list --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("users"), json::array({"alice"}));

  struct stat st {};
  ASSERT_EQ(stat((*dir_ / "lib.db.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string stored = test::read_file(*dir_ / "lib.db") +
                             (fs::exists(*dir_ / "lib.db-wal") ? test::read_file(*dir_ / "lib.db-wal") : std::string());
  EXPECT_EQ(stored.find("open sesame"), std::string::npos) << "the password is never stored in clear";

  ASSERT_EQ(user("passwd alice", "new secret\n").exit_code, 0);

  ServeProcess server({"--db", (*dir_ / "lib.db").string(), "--host", "0.0.0.0", "--port", "0"}, *dir_ / "tmp");
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(30, 0);

  auto res = client.Get("/api/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_NE(res->get_header_value("WWW-Authenticate").find("Basic"), std::string::npos);
  res = client.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << "the page too";

  client.set_basic_auth("alice", "open sesame");
  res = client.Get("/api/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << "the old password no longer works";

  client.set_basic_auth("alice", "new secret");
  res = client.Get("/api/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body).at("tracks"), 3);

  // /rest/ has its own credentials, whatever the basic auth header says.
  httplib::Client rest("127.0.0.1", server.port());
  const std::string token = app::md5_hex("new secret" + std::string("abc123"));
  res = rest.Get("/rest/ping.view?f=json&u=alice&s=abc123&t=" + token);
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body).at("subsonic-response").at("status"), "ok") << res->body;
  res = rest.Get("/rest/ping.view?f=json&u=alice&p=open%20sesame");
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body).at("subsonic-response").at("error").at("code"), 40);
  EXPECT_EQ(server.stop(), 0);

  ASSERT_EQ(user("remove alice").exit_code, 0);
  EXPECT_EQ(json::parse(user("list --json").out).at("users"), json::array());
}

}  // namespace

// `index --watch` end to end: the real CLI as a child process following a folder while songs are copied
// in and deleted, killed with SIGKILL mid-work and restarted (nothing lost), stopped with SIGTERM (exit 0),
// and a `serve` beside it that sees every change.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/GeneratedStyles.h"
#include "app/ServeProcess.h"
#include "library/LibraryDb.h"
#include "support/TestSupport.h"

extern char** environ;

using namespace soundalike;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int kRate = 22050;

fs::path song(const fs::path& dir, int style, int i, double seconds = 3.0) {
  char name[64];
  std::snprintf(name, sizeof name, "%s%02d.wav", test::style_name(style), i);
  const fs::path p = dir / name;
  fs::create_directories(dir);
  test::write_wav(p, test::generate_style(style, uint32_t(i + 1), seconds, kRate), kRate);
  return p;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// `soundalike index DIR --db DB --watch --json ...` as a child process whose stdout goes to a file the
// test reads; killed (SIGKILL) in the destructor when the test did not stop it.
class Watcher {
 public:
  Watcher(const fs::path& dir, const fs::path& db, const fs::path& out, const std::vector<std::string>& extra = {})
      : out_(out) {
    std::vector<std::string> args{SOUNDALIKE_CLI, "index", dir.string(), "--db", db.string(), "--watch", "--json",
                                  "--features", "mfcc", "--jobs", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) pid_ = -1;
  }
  ~Watcher() {
    if (pid_ > 0) signal_and_wait(SIGKILL);
  }
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  bool running() const { return pid_ > 0; }
  // Every complete JSON line printed so far.
  std::vector<json> lines() const {
    std::vector<json> out;
    std::istringstream in(test::read_file(out_));
    for (std::string line; std::getline(in, line);)
      if (auto j = json::parse(line, nullptr, false); !j.is_discarded()) out.push_back(std::move(j));
    return out;
  }
  bool printed(const std::string& event, const std::string& path = "") const {
    for (const json& j : lines())
      if (j.value("event", "") == event && (path.empty() || j.value("path", "") == path)) return true;
    return false;
  }
  bool wait_until_watching() { return eventually([&] { return printed("watching") || !alive(); }, 60s) && alive(); }
  bool alive() {
    if (pid_ > 0 && waitpid(pid_, &status_, WNOHANG) == pid_) pid_ = -1;  // it ended on its own
    return pid_ > 0;
  }
  // The exit status (128 + signal when killed).
  int signal_and_wait(int sig) {
    if (pid_ > 0) {
      ::kill(pid_, sig);
      waitpid(pid_, &status_, 0);
      pid_ = -1;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }

 private:
  fs::path out_;
  pid_t pid_ = -1;
  int status_ = 0;
};

std::set<std::string> library_paths(const fs::path& db) {
  std::set<std::string> out;
  for (const TrackRow& t : LibraryDb(db, LibraryDb::Mode::read_only).tracks()) out.insert(t.path);
  return out;
}

// The paths `similar --json` can return: every song of the library but the query.
std::set<std::string> similar_paths(const fs::path& db, const fs::path& query) {
  const auto r = test::run_cli("similar " + test::quote(query.string()) + " --db " + test::quote(db.string()) + " --json -k 1000");
  std::set<std::string> out;
  if (r.exit_code != 0) return out;
  const json j = json::parse(r.out, nullptr, false);
  if (j.is_discarded()) return out;
  for (const auto& x : j.at("results")) out.insert(x.at("path").get<std::string>());
  return out;
}

std::set<std::string> audio_files(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".wav") out.insert(e.path().string());
  return out;
}

TEST(WatchCli, FollowsCopiesAndDeletionsAndLosesNothingToKill9) {
  test::TempDir tmp;
  const fs::path root = fs::canonical(tmp.path()), lib = root / "lib", incoming = root / "incoming", db = root / "lib.db";
  std::vector<fs::path> originals;
  for (int s = 0; s < test::kStyleCount; ++s) originals.push_back(song(lib / test::style_name(s), s, 0));
  std::vector<fs::path> extra;  // songs to copy in later, made outside the watched folder
  for (int i = 1; i <= 8; ++i) extra.push_back(song(incoming, i % test::kStyleCount, i, i <= 2 ? 3.0 : 10.0));
  {
    Watcher w(lib, db, root / "out1.jsonl", {"--normalize", "mp"});
    ASSERT_TRUE(w.running());
    ASSERT_TRUE(w.wait_until_watching()) << test::read_file(root / "out1.jsonl");
    // The first line is the first pass's summary, in `index --json`'s shape.
    const json summary = w.lines().at(0);
    EXPECT_EQ(summary.at("found"), 4);
    EXPECT_EQ(summary.at("indexed"), 4);

    // Copied into a folder created after the start: in `similar` within seconds.
    fs::create_directories(lib / "new");
    std::this_thread::sleep_for(200ms);  // the new folder's watch; its existing files would be found anyway
    const fs::path a = lib / "new" / extra[0].filename(), b = lib / "new" / extra[1].filename();
    fs::copy_file(extra[0], a);
    fs::copy_file(extra[1], b);
    EXPECT_TRUE(eventually([&] {
      const auto found = similar_paths(db, originals[0]);
      return found.contains(a.string()) && found.contains(b.string());
    })) << test::read_file(root / "out1.jsonl");
    EXPECT_TRUE(w.printed("indexed", a.string()));

    // Deleted: gone from `similar`.
    fs::remove(originals[3]);
    EXPECT_TRUE(eventually([&] { return !similar_paths(db, originals[0]).contains(originals[3].string()); }));
    EXPECT_TRUE(w.printed("removed", originals[3].string()));

    // A bad file is reported and skipped; watching goes on.
    std::ofstream(lib / "new" / "broken.wav") << "not audio";
    EXPECT_TRUE(eventually([&] { return w.printed("failed", (lib / "new" / "broken.wav").string()); }));

    // SIGKILL while a burst of longer songs is being analysed.
    for (size_t i = 2; i < 6; ++i) fs::copy_file(extra[i], lib / "new" / extra[i].filename());
    eventually([&] { return w.printed("indexed", (lib / "new" / extra[2].filename()).string()); });
    EXPECT_EQ(w.signal_and_wait(SIGKILL), 128 + SIGKILL);
  }
  // While nobody watches: one more song arrives and one leaves.
  fs::copy_file(extra[6], lib / extra[6].filename());
  fs::remove(originals[2]);
  {
    Watcher w(lib, db, root / "out2.jsonl", {"--normalize", "mp"});
    ASSERT_TRUE(w.wait_until_watching()) << test::read_file(root / "out2.jsonl");
    const json summary = w.lines().at(0);
    EXPECT_EQ(summary.at("pruned"), 1) << summary;
    // Every song on disk is in the library, once, and nothing else (the broken file is a recorded failure).
    std::set<std::string> expected = audio_files(lib);
    expected.erase((lib / "new" / "broken.wav").string());
    EXPECT_EQ(library_paths(db), expected);
    EXPECT_EQ(summary.at("indexed").get<int>() + summary.at("unchanged").get<int>(), int(expected.size())) << summary;

    // Mutual-proximity statistics follow each batch: every song has them, the one added just now included.
    fs::copy_file(extra[7], lib / extra[7].filename());
    EXPECT_TRUE(eventually([&] { return w.printed("indexed", (lib / extra[7].filename()).string()); }));
    EXPECT_TRUE(eventually([&] {
      LibraryDb library(db, LibraryDb::Mode::read_only);
      return library.distance_stats("mfcc-v1", "l2").size() == size_t(library.track_count());
    }));
    EXPECT_EQ(size_t(LibraryDb(db, LibraryDb::Mode::read_only).track_count()), audio_files(lib).size() - 1);

    // Ctrl-C's sibling SIGTERM ends the watch cleanly, with exit 0.
    EXPECT_EQ(w.signal_and_wait(SIGTERM), 0);
    EXPECT_TRUE(w.printed("stopped"));
  }
}

TEST(WatchCli, ServeBesideTheWatcherSeesEveryChange) {
  test::TempDir tmp;
  const fs::path root = fs::canonical(tmp.path()), lib = root / "lib", db = root / "lib.db";
  for (int s = 0; s < test::kStyleCount; ++s)
    for (int i = 0; i < 2; ++i) song(lib, s, i);
  const fs::path later = song(root / "incoming", 1, 7);
  Watcher w(lib, db, root / "out.jsonl");
  ASSERT_TRUE(w.wait_until_watching()) << test::read_file(root / "out.jsonl");
  fs::create_directories(root / "tmp");
  test::ServeProcess server({"--db", db.string(), "--port", "0"}, root / "tmp");
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(30, 0);
  auto get = [&](const std::string& path) {
    auto res = client.Get(path);
    return res && res->status == 200 ? json::parse(res->body) : json::object();
  };
  EXPECT_EQ(get("/api/health").value("tracks", -1), 8);

  fs::copy_file(later, lib / later.filename());
  const std::string stem = later.stem().string();
  ASSERT_TRUE(eventually([&] { return get("/api/tracks?q=" + stem).value("total", 0) == 1; }));
  const int64_t id = get("/api/tracks?q=" + stem).at("tracks").at(0).at("id");
  EXPECT_EQ(get("/api/tracks/" + std::to_string(id) + "/similar?k=3").at("results").size(), 3u);
  EXPECT_EQ(get("/api/health").value("tracks", -1), 9);

  fs::remove(lib / later.filename());
  EXPECT_TRUE(eventually([&] { return get("/api/tracks?q=" + stem).value("total", -1) == 0; }));
  EXPECT_EQ(get("/api/health").value("tracks", -1), 8);
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace

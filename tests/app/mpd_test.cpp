// `soundalike mpd` against a real MPD (/usr/bin/mpd with a null audio output on a free local port and a
// socket), driven with mpc: --add queues what `similar` answers, --radio keeps the queue filled as songs
// advance, and errors name the MPD they could not reach. The MPD-independent decisions (MpdQueue.h) are
// tested directly first.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/GeneratedStyles.h"
#include "app/MpdQueue.h"
#include "common/Error.h"
#include "support/TestSupport.h"

extern char** environ;

using namespace soundalike;
using namespace soundalike::app::mpd;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// ---- the decisions, without MPD ----

TEST(MpdQueue, UrisMapUnderTheMusicDirectory) {
  const fs::path music = "/srv/music";
  EXPECT_EQ(library_path_for_uri(music, "Artist/Album/01 x.flac"), "/srv/music/Artist/Album/01 x.flac");
  EXPECT_EQ(library_path_for_uri(music, "file:///elsewhere/a.mp3"), "/elsewhere/a.mp3");
  EXPECT_EQ(library_path_for_uri(music, "/elsewhere/./a.mp3"), "/elsewhere/a.mp3");
  EXPECT_FALSE(library_path_for_uri(music, "http://radio.example/stream"));
  EXPECT_FALSE(library_path_for_uri(music, "../etc/passwd"));
  EXPECT_FALSE(library_path_for_uri("", "a.flac")) << "a relative URI means nothing without the music directory";
  EXPECT_EQ(uri_for_library_path(music, "/srv/music/Artist/Album/01 x.flac"), "Artist/Album/01 x.flac");
  EXPECT_EQ(uri_for_library_path("/srv/music/", "/srv/music/a.flac"), "a.flac");
  EXPECT_FALSE(uri_for_library_path(music, "/srv/musicbox/a.flac"));
  EXPECT_FALSE(uri_for_library_path(music, "/srv/music"));
  EXPECT_FALSE(uri_for_library_path(music, "/home/a.flac"));
}

PlayerQueue queue_of(std::vector<std::optional<int64_t>> tracks, std::optional<size_t> current) {
  PlayerQueue q;
  for (size_t i = 0; i < tracks.size(); ++i) q.songs.push_back({"song" + std::to_string(i), tracks[i]});
  q.current = current;
  return q;
}

TEST(MpdQueue, AddSeedsWithTheCurrentSongElseTheLastQueued) {
  const QueueRequest playing = plan_add(queue_of({10, std::nullopt, 12, 13}, 2), 5);
  EXPECT_EQ(playing.seeds, std::vector<int64_t>{12});
  EXPECT_EQ(playing.previous, (std::vector<int64_t>{10, 12, 13})) << "every library song in the queue, in order";
  EXPECT_EQ(playing.count, 5u);
  EXPECT_EQ(plan_add(queue_of({10, 11}, std::nullopt), 1).seeds, std::vector<int64_t>{11});
  try {
    plan_add(queue_of({10, std::nullopt}, 1), 1);
    FAIL() << "a seed outside the library must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::not_found);
    EXPECT_NE(std::string(e.what()).find("song1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(plan_add(queue_of({}, std::nullopt), 1), Error);
}

TEST(MpdQueue, RadioAsksForWhatIsMissingAndNeverTwice) {
  RadioPlanner radio(3, 2);
  EXPECT_FALSE(radio.plan(queue_of({1, 2}, std::nullopt))) << "nothing plays: nothing to follow";
  EXPECT_FALSE(radio.waiting_reason().empty());

  auto r = radio.plan(queue_of({1, 2}, 0));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->count, 2u) << "one song follows the current one, three are wanted";
  EXPECT_EQ(r->seeds, std::vector<int64_t>{1});
  EXPECT_EQ(r->previous, (std::vector<int64_t>{1, 2}));
  radio.queued({7, 8});
  EXPECT_FALSE(radio.plan(queue_of({1, 2, 7, 8}, 0))) << "three follow: enough";

  // Consume mode dropped 1 and 2; 8 was removed by hand; 7 plays. They stay `previous`, oldest first,
  // before the queue itself; the seeds are the last songs played, newest first.
  r = radio.plan(queue_of({7, std::nullopt}, 0));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->count, 2u);
  EXPECT_EQ(r->seeds, (std::vector<int64_t>{7, 1}));
  EXPECT_EQ(r->previous, (std::vector<int64_t>{1, 2, 8, 7}));

  // A current song outside the library: the seeds stay the library songs played before it.
  r = radio.plan(queue_of({7, std::nullopt}, 1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seeds, (std::vector<int64_t>{7, 1}));
  EXPECT_EQ(r->count, 3u);

  RadioPlanner fresh(3, 2);
  EXPECT_FALSE(fresh.plan(queue_of({std::nullopt}, 0)));
  EXPECT_NE(fresh.waiting_reason().find("not in the library"), std::string::npos) << fresh.waiting_reason();
}

TEST(MpdQueue, ReconnectBacksOff) {
  EXPECT_EQ(reconnect_delay_s(0), 1);
  EXPECT_EQ(reconnect_delay_s(1), 2);
  EXPECT_EQ(reconnect_delay_s(2), 4);
  EXPECT_EQ(reconnect_delay_s(4), 16);
  EXPECT_EQ(reconnect_delay_s(5), 30);
  EXPECT_EQ(reconnect_delay_s(1000), 30);
}

// ---- against a real MPD ----

constexpr const char* kMpd = "/usr/bin/mpd";
constexpr int kSongs = 20;
constexpr int kArtists = 5;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("no free port");
  ::close(fd);
  return ntohs(a.sin_port);
}

// A child process with stdin from /dev/null and stdout+stderr into `log`; SIGKILLed if still running
// when destroyed.
class Child {
 public:
  Child(const std::vector<std::string>& args, const fs::path& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + args.front());
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    return true;
  }
  // Sends `sig` and waits up to `timeout` for the exit; its status, or -1 when it had to be killed.
  int stop(int sig, std::chrono::seconds timeout) {
    if (running()) ::kill(pid_, sig);
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (running() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (running()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
      return -1;
    }
    return code_;
  }

 private:
  pid_t pid_ = -1;
  int code_ = -1;
};

bool wait_until(const std::function<bool()>& ok, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (ok()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

class MpdRadio : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kMpd)) return;
    dir_ = std::make_unique<test::TempDir>();
    // Song i by Artist<i % 5>, 10 s (a song that ends by itself while a test runs only advances the queue
    // once more), in MUSIC/Artist<k>/song<i>.flac; one ffmpeg for all of them, since every process start
    // counts on a loaded machine.
    std::string inputs, outputs;
    for (int i = 0; i < kSongs; ++i) {
      const fs::path wav = *dir_ / ("s" + std::to_string(i) + ".wav");
      test::write_wav(wav, test::generate_style(i % 4, uint32_t(i + 1), 10.0, 22050), 22050);
      const std::string artist = "Artist" + std::to_string(i % kArtists);
      fs::create_directories(music() / artist);
      inputs += " -i " + test::quote(wav.string());
      outputs += " -map " + std::to_string(i) + " -metadata " + test::quote("artist=" + artist) + " -metadata title=Song" +
                 std::to_string(i) + " -metadata album=Album" + std::to_string(i / 4) + " " +
                 test::quote((music() / artist / ("song" + std::to_string(i) + ".flac")).string());
    }
    const auto f = test::run_command("ffmpeg -nostdin -v error -y" + inputs + outputs);
    ASSERT_EQ(f.exit_code, 0) << f.err;
    const auto r = test::run_cli("index " + test::quote(music().string()) + " --db " + test::quote(db().string()) +
                                 " --features mfcc --jobs 2");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    start_mpd();
  }
  static void TearDownTestSuite() {
    if (mpd_) mpd_->stop(SIGTERM, std::chrono::seconds(5));
    mpd_.reset();
    dir_.reset();
  }
  void SetUp() override {
    if (!fs::exists(kMpd)) GTEST_SKIP() << kMpd << " is not installed (Debian package mpd; scripts/setup-deps.sh)";
    ASSERT_TRUE(mpd_ && port_ > 0) << "MPD did not start; its log:\n" << test::read_file(*dir_ / "mpd.log");
    mpc("stop");
    mpc("clear");
  }

  // On `port` (a restart), else on a free one; with a password, clients without it may only read.
  static void start_mpd(int port = 0, const std::string& password = "") {
    port_ = port ? port : free_port();
    password_ = password;
    const std::string access =
        password.empty() ? "" : "password \"" + password + "@read,add,control,admin\"\ndefault_permissions \"read\"\n";
    std::ofstream(*dir_ / "mpd.conf") << "music_directory \"" << music().string() << "\"\n"
                                      << "db_file \"" << (*dir_ / "mpd.db").string() << "\"\n"
                                      << "pid_file \"" << (*dir_ / "mpd.pid").string() << "\"\n"
                                      << "log_file \"" << (*dir_ / "mpd.log").string() << "\"\n"
                                      << "bind_to_address \"127.0.0.1\"\n"
                                      << "bind_to_address \"" << socket().string() << "\"\n"
                                      << "port \"" << port_ << "\"\n"
                                      << "auto_update \"no\"\n"
                                      << "zeroconf_enabled \"no\"\n" << access
                                      << "audio_output {\n  type \"null\"\n  name \"null\"\n}\n";
    mpd_ = std::make_unique<Child>(std::vector<std::string>{kMpd, "--no-daemon", (*dir_ / "mpd.conf").string()},
                                   *dir_ / "mpd.out");
    if (!wait_until([] { return mpd_->running() && mpc("status").exit_code == 0; }, std::chrono::seconds(15))) {
      mpd_.reset();
      port_ = 0;
      return;
    }
    const auto u = mpc("update --wait");
    if (u.exit_code != 0) ADD_FAILURE() << "mpc update: " << u.err;
  }

  static fs::path music() { return fs::weakly_canonical(*dir_ / "music"); }  // as the library spells it
  static fs::path db() { return *dir_ / "lib.db"; }
  static fs::path socket() { return *dir_ / "mpd.sock"; }
  static std::string tcp() { return "--host 127.0.0.1 --port " + std::to_string(port_); }
  static std::string mpc_host() { return password_.empty() ? "127.0.0.1" : password_ + "@127.0.0.1"; }
  static test::CommandResult mpc(const std::string& args) {
    return test::run_command("mpc -h " + test::quote(mpc_host()) + " -p " + std::to_string(port_) + " " + args + " </dev/null");
  }
  static std::vector<std::string> queue() { return lines(mpc("-f %file% playlist").out); }
  // The current song's position (0-based), or -1.
  static int current() {
    const auto r = test::run_command("mpc -h " + test::quote(mpc_host()) + " -p " + std::to_string(port_) +
                                     " -f %position% current </dev/null");
    const auto l = lines(r.out);
    return l.empty() ? -1 : std::stoi(l.front()) - 1;
  }
  static std::string uri(int song) { return "Artist" + std::to_string(song % kArtists) + "/song" + std::to_string(song) + ".flac"; }
  static int number_of_uri(const std::string& u) { return std::stoi(fs::path(u).stem().string().substr(4)); }
  static std::vector<std::string> similar_uris(const std::string& args) {
    const auto r = test::run_cli("similar " + args + " --json --db " + test::quote(db().string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> out;
    if (r.exit_code != 0) return out;
    return relative_paths(json::parse(r.out));
  }
  // The results of a `similar --json` answer as URIs.
  static std::vector<std::string> relative_paths(const json& answer) {
    std::vector<std::string> out;
    for (const auto& x : answer.at("results"))
      out.push_back(fs::path(x.at("path").get<std::string>()).lexically_relative(music()).generic_string());
    return out;
  }
  static std::string path_of(int song) { return (music() / uri(song)).string(); }

  static std::unique_ptr<test::TempDir> dir_;
  static std::unique_ptr<Child> mpd_;
  static int port_;
  static std::string password_;
};
std::unique_ptr<test::TempDir> MpdRadio::dir_;
std::unique_ptr<Child> MpdRadio::mpd_;
int MpdRadio::port_ = 0;
std::string MpdRadio::password_;

TEST_F(MpdRadio, AddQueuesWhatSimilarReturns) {
  ASSERT_EQ(mpc("add " + uri(0)).exit_code, 0);
  // Over the local socket MPD tells its music directory itself.
  const auto r = test::run_cli("mpd --db " + test::quote(db().string()) + " --host " + test::quote(socket().string()) +
                               " --add 5 --no-repeat-artist 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> q = queue();
  ASSERT_EQ(q.size(), 6u) << r.err;
  EXPECT_EQ(q[0], uri(0));
  const std::vector<std::string> expected =
      similar_uris(test::quote(path_of(0)) + " -k 5 --no-repeat-artist 2 --previous " + test::quote(path_of(0)));
  EXPECT_EQ(std::vector<std::string>(q.begin() + 1, q.end()), expected);
  EXPECT_EQ(relative_paths(json::parse(r.out)), expected) << "--json prints what was queued";

  // Nothing plays: the last queued song is the seed, and the whole queue is `previous`. Over TCP MPD
  // keeps its music directory to itself, so it must be given.
  const auto refused = test::run_cli("mpd --db " + test::quote(db().string()) + " " + tcp() + " --add 2");
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("--music-dir"), std::string::npos) << refused.err;
  const auto more = test::run_cli("mpd --db " + test::quote(db().string()) + " " + tcp() + " --music-dir " +
                                  test::quote(music().string()) + " --add 2 --no-repeat-artist 2");
  ASSERT_EQ(more.exit_code, 0) << more.err;
  std::string previous;
  for (const auto& u : q) previous += " --previous " + test::quote((music() / u).string());
  const std::vector<std::string> after = similar_uris(test::quote((music() / q.back()).string()) + " -k 2 --no-repeat-artist 2" + previous);
  const std::vector<std::string> q2 = queue();
  ASSERT_EQ(q2.size(), 8u);
  EXPECT_EQ(std::vector<std::string>(q2.begin() + 6, q2.end()), after);
}

TEST_F(MpdRadio, AddRefusesASeedOutsideTheLibrary) {
  // A song MPD knows but the library does not: copy one into the music folder after indexing.
  fs::copy_file(music() / uri(1), music() / "stranger.flac", fs::copy_options::overwrite_existing);
  ASSERT_EQ(mpc("update --wait").exit_code, 0);
  ASSERT_EQ(mpc("add stranger.flac").exit_code, 0);
  const auto r = test::run_cli("mpd --db " + test::quote(db().string()) + " " + tcp() + " --music-dir " +
                               test::quote(music().string()) + " --add 3");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("stranger.flac"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not in the library"), std::string::npos) << r.err;
  EXPECT_EQ(queue().size(), 1u) << "nothing was queued";
}

TEST_F(MpdRadio, RadioKeepsTheQueueFilledWithoutRepeats) {
  ASSERT_EQ(mpc("add " + uri(0)).exit_code, 0);
  ASSERT_EQ(mpc("play").exit_code, 0);
  Child radio({SOUNDALIKE_CLI, "mpd", "--db", db().string(), "--host", "127.0.0.1", "--port", std::to_string(port_),
               "--music-dir", music().string(), "--radio", "--ahead", "3", "--no-repeat-artist", "2"},
              *dir_ / "radio.log");
  auto filled = [] {
    const int pos = current();
    return pos >= 0 && int(queue().size()) - pos - 1 >= 3;
  };
  ASSERT_TRUE(wait_until(filled, std::chrono::seconds(20))) << test::read_file(*dir_ / "radio.log");
  for (int skip = 0; skip < 4; ++skip) {
    const size_t before = queue().size();
    ASSERT_EQ(mpc("next").exit_code, 0);
    ASSERT_TRUE(wait_until([&] { return filled() && queue().size() > before; }, std::chrono::seconds(20)))
        << "skip " << skip << "\n" << test::read_file(*dir_ / "radio.log");
  }
  EXPECT_TRUE(radio.running()) << test::read_file(*dir_ / "radio.log");
  const std::vector<std::string> q = queue();
  EXPECT_GE(q.size(), 8u);
  EXPECT_EQ(std::set<std::string>(q.begin(), q.end()).size(), q.size()) << "a song came twice";
  for (size_t i = 1; i < q.size(); ++i)
    for (size_t back = 1; back <= 2 && back <= i; ++back)
      EXPECT_NE(number_of_uri(q[i]) % kArtists, number_of_uri(q[i - back]) % kArtists)
          << q[i] << " at " << i << " repeats the artist of " << q[i - back];
  EXPECT_EQ(radio.stop(SIGTERM, std::chrono::seconds(10)), 0) << test::read_file(*dir_ / "radio.log");
  EXPECT_NE(test::read_file(*dir_ / "radio.log").find("radio stopped"), std::string::npos);
}

TEST_F(MpdRadio, RadioWaitsWhileTheSeedsCannotMeetTheControls) {
  // A steady tone has no tempo for --max-bpm-diff to measure from: the radio says so once and waits for
  // the next song, which has one, instead of ending. Its own library, so that the tone never reaches the
  // other tests' queues.
  const fs::path tone = music() / "Tones" / "tone.flac";
  fs::create_directories(tone.parent_path());
  const auto f = test::run_command("ffmpeg -nostdin -v error -y -f lavfi -i sine=frequency=440:duration=10 -metadata artist=Tones " +
                                   test::quote(tone.string()));
  ASSERT_EQ(f.exit_code, 0) << f.err;
  const fs::path db = *dir_ / "tones.db";
  const auto r = test::run_cli("index " + test::quote(music().string()) + " --db " + test::quote(db.string()) + " --features mfcc --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(mpc("update --wait").exit_code, 0);
  ASSERT_EQ(mpc("add Tones/tone.flac").exit_code, 0);
  ASSERT_EQ(mpc("add " + uri(1)).exit_code, 0);  // hats: bursts four to seven times a second
  ASSERT_EQ(mpc("play").exit_code, 0);
  const fs::path log = *dir_ / "radio-tempo.log";
  Child radio({SOUNDALIKE_CLI, "mpd", "--db", db.string(), "--host", "127.0.0.1", "--port", std::to_string(port_), "--music-dir",
               music().string(), "--radio", "--ahead", "2", "--max-bpm-diff", "200"},
              log);
  ASSERT_TRUE(wait_until([&] { return test::read_file(log).find("waiting for the next song") != std::string::npos; },
                         std::chrono::seconds(20)))
      << test::read_file(log);
  EXPECT_NE(test::read_file(log).find("no seed has a detected tempo"), std::string::npos) << test::read_file(log);
  EXPECT_TRUE(radio.running()) << test::read_file(log);
  EXPECT_EQ(queue().size(), 2u);
  ASSERT_EQ(mpc("next").exit_code, 0);
  ASSERT_TRUE(wait_until([] { return queue().size() >= 4; }, std::chrono::seconds(20))) << test::read_file(log);
  EXPECT_EQ(radio.stop(SIGTERM, std::chrono::seconds(10)), 0) << test::read_file(log);
  fs::remove_all(tone.parent_path());
  mpc("update --wait");
}

TEST_F(MpdRadio, RadioRefusesAPreviousSongOutsideTheLibrary) {
  const auto r = test::run_cli("mpd --db " + test::quote(db().string()) + " " + tcp() + " --music-dir " +
                               test::quote(music().string()) + " --radio --previous 999999");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--previous"), std::string::npos) << r.err;
  EXPECT_TRUE(queue().empty());
}

TEST_F(MpdRadio, RadioSurvivesMpdGoingAway) {
  ASSERT_EQ(mpc("add " + uri(0)).exit_code, 0);
  ASSERT_EQ(mpc("play").exit_code, 0);
  const fs::path log = *dir_ / "radio-restart.log";
  Child radio({SOUNDALIKE_CLI, "mpd", "--db", db().string(), "--host", "127.0.0.1", "--port", std::to_string(port_),
               "--music-dir", music().string(), "--radio", "--ahead", "2"},
              log);
  ASSERT_TRUE(wait_until([] { return queue().size() >= 3; }, std::chrono::seconds(20))) << test::read_file(log);
  const int port = port_;
  mpd_->stop(SIGTERM, std::chrono::seconds(10));
  ASSERT_TRUE(wait_until([&] { return test::read_file(log).find("reconnecting in") != std::string::npos; },
                         std::chrono::seconds(10)))
      << test::read_file(log);
  EXPECT_TRUE(radio.running()) << "a dropped connection must not end the radio\n" << test::read_file(log);
  EXPECT_NE(test::read_file(log).find("127.0.0.1:" + std::to_string(port)), std::string::npos) << test::read_file(log);
  start_mpd(port);  // no state file: it comes back with an empty queue
  ASSERT_TRUE(mpd_) << "MPD did not restart";
  ASSERT_TRUE(wait_until([&] { return test::read_file(log).find("reconnected") != std::string::npos; },
                         std::chrono::seconds(20)))
      << test::read_file(log);
  ASSERT_EQ(mpc("add " + uri(3)).exit_code, 0);
  ASSERT_EQ(mpc("play").exit_code, 0);
  ASSERT_TRUE(wait_until([] { return queue().size() >= 3; }, std::chrono::seconds(20))) << test::read_file(log);
  EXPECT_EQ(radio.stop(SIGINT, std::chrono::seconds(10)), 0) << test::read_file(log);
}

TEST_F(MpdRadio, AddSendsThePasswordFromAFile) {
  const int port = port_;
  mpd_->stop(SIGTERM, std::chrono::seconds(10));
  start_mpd(port, "s3cret");
  ASSERT_TRUE(mpd_) << "MPD did not restart";
  ASSERT_EQ(mpc("add " + uri(0)).exit_code, 0);
  const std::string add = "mpd --db " + test::quote(db().string()) + " " + tcp() + " --music-dir " +
                          test::quote(music().string()) + " --add 2";
  const auto refused = test::run_cli(add);
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--password-file"), std::string::npos) << refused.err;
  std::ofstream(*dir_ / "password") << "s3cret\nthe first line only\n";
  const auto r = test::run_cli(add + " --password-file " + test::quote((*dir_ / "password").string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(queue().size(), 3u);
  std::ofstream(*dir_ / "wrong") << "guess\n";
  const auto wrong = test::run_cli(add + " --password-file " + test::quote((*dir_ / "wrong").string()));
  EXPECT_EQ(wrong.exit_code, 3) << wrong.err;
  EXPECT_NE(wrong.err.find("password"), std::string::npos) << wrong.err;
  // The tests after this one (in one process) expect an open MPD.
  mpd_->stop(SIGTERM, std::chrono::seconds(10));
  start_mpd(port);
}

}  // namespace

// Needs no MPD at all: nothing listens on the port.
TEST(MpdCli, NoMpdIsAClearError) {
  const int port = free_port();
  const auto r = test::run_cli("mpd --db /nonexistent.db --host 127.0.0.1 --port " + std::to_string(port) + " --add 3");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.exit_code, 1) << "an expected failure, not an internal error: " << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
  const auto no_password = test::run_cli("mpd --db x.db --add 3 --password-file /nonexistent/pw");
  EXPECT_EQ(no_password.exit_code, 3) << no_password.err;
  EXPECT_NE(no_password.err.find("/nonexistent/pw"), std::string::npos) << no_password.err;
  const auto both = test::run_cli("mpd --db x.db --add 3 --radio");
  EXPECT_EQ(both.exit_code, 2) << both.err;
  const auto neither = test::run_cli("mpd --db x.db --host 127.0.0.1 --port " + std::to_string(port));
  EXPECT_EQ(neither.exit_code, 2) << neither.err;
}

#pragma once
// `soundalike serve` as a child process for end-to-end tests; its first stdout line tells the port.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace soundalike::test {

// The server as a child process; its first stdout line tells the port it bound.
class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::filesystem::path& tmpdir) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<std::string> argv_s{SOUNDALIKE_CLI, "serve"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Uploads go to the child's temp dir, which the test can inspect.
    std::vector<std::string> env_s{"TMPDIR=" + tmpdir.string()};
    for (char** e = environ; *e; ++e)
      if (std::string_view(*e).substr(0, 7) != "TMPDIR=") env_s.emplace_back(*e);
    std::vector<char*> env;
    for (auto& e : env_s) env.push_back(e.data());
    env.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) throw std::runtime_error("cannot start soundalike serve");
    out_ = fdopen(fds[0], "r");
    char line[256] = {};
    if (!std::fgets(line, sizeof line, out_)) return;  // died: port stays 0
    const std::string s(line);
    const auto colon = s.rfind(':');
    if (s.starts_with("listening on http://") && colon != std::string::npos) port_ = std::stoi(s.substr(colon + 1));
  }
  ~ServeProcess() {
    if (pid_ > 0) stop();
    if (out_) std::fclose(out_);
  }
  int port() const { return port_; }
  // SIGTERM, then the exit status.
  int stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int port_ = 0;
};

}  // namespace soundalike::test

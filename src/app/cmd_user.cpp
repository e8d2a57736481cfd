#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/server/SubsonicUsers.h"
#include "common/Error.h"
#include "library/LibraryDb.h"

namespace soundalike::app {
namespace {

struct UserCli {
  std::string action, name, db;
  bool json = false;
};

// Turns terminal echo off for as long as it lives (a password typed at a prompt).
class NoEcho {
 public:
  NoEcho() {
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~NoEcho() {
    if (active_) {
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
      std::fputc('\n', stderr);
    }
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// The first line of stdin: never an argument, which other users could read in the process list.
std::string read_password(const std::string& name) {
  if (isatty(STDIN_FILENO)) std::fprintf(stderr, "password for %s: ", name.c_str());
  std::string line;
  {
    const NoEcho quiet;
    if (!std::getline(std::cin, line) && line.empty()) throw Error(ExitCode::usage, "no password on stdin");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) throw Error(ExitCode::usage, "the password is empty");
  return line;
}

int run(const UserCli& o) {
  if (o.action != "list" && o.name.empty()) throw Error(ExitCode::usage, "user " + o.action + " needs a user name");
  if (o.action == "list" && !o.name.empty()) throw Error(ExitCode::usage, "user list takes no name");
  // Opening for writing would create a missing database; users belong to a library.
  if (!std::filesystem::exists(o.db))
    throw InputError(ExitCode::not_found, o.db, "no such library database (create it with `soundalike index`)");
  LibraryDb db(o.db, o.action == "list" ? LibraryDb::Mode::read_only : LibraryDb::Mode::read_write);
  UserDirectory users(db, key_file_for(o.db));
  if (o.action == "list") {
    const auto names = users.names();
    if (o.json) {
      std::cout << nlohmann::json{{"users", names}}.dump(2) << '\n';
      return 0;
    }
    for (const auto& n : names) std::printf("%s\n", n.c_str());
    if (names.empty()) std::fprintf(stderr, "no users (add one with `soundalike user add NAME --db %s`)\n", o.db.c_str());
    return 0;
  }
  if (o.action == "remove") {
    if (!users.remove(o.name)) throw Error(ExitCode::not_found, "no such user: " + o.name);
    std::printf("removed user %s and their playlists\n", o.name.c_str());
    return 0;
  }
  if (o.action == "passwd" && !db.user(o.name)) throw Error(ExitCode::not_found, "no such user: " + o.name);
  if (o.action == "add" && db.user(o.name)) throw Error(ExitCode::usage, "user '" + o.name + "' exists already");
  const std::string password = read_password(o.name);
  if (o.action == "add") {
    users.add(o.name, password);
    std::printf("added user %s (password sealed with %s)\n", o.name.c_str(), key_file_for(o.db).c_str());
  } else {
    users.set_password(o.name, password);
    std::printf("changed the password of %s\n", o.name.c_str());
  }
  return 0;
}

}  // namespace

void add_user_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<UserCli>(
      app, status, "user", "Users of `serve` (Subsonic API; web app beyond loopback): add, remove, passwd, list", run);
  cmd->add_option("action", o->action, "add, remove, passwd or list")->required()->check(CLI::IsMember({"add", "remove", "passwd", "list"}));
  cmd->add_option("name", o->name, "The user (add/remove/passwd); the password is read from stdin");
  add_db_option(cmd, o->db);
  add_json_flag(cmd, o->json, "list: {\"users\": [name...]}");
}

}  // namespace soundalike::app

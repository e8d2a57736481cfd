#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "common/Error.h"
#include "library/LibraryDb.h"

namespace soundalike::app {
namespace {

struct IgnoreCli {
  std::string action, db;
  std::vector<std::string> artists, albums, genres, paths;
  bool json = false;
};

std::vector<IgnoreEntry> entries(const IgnoreCli& o) {
  std::vector<IgnoreEntry> out;
  for (const auto& v : o.artists) out.push_back({"artist", v});
  for (const auto& v : o.albums) out.push_back({"album", v});
  for (const auto& v : o.genres) out.push_back({"genre", v});
  // Stored the way the library stores track paths, so that a folder matches the files below it.
  std::error_code ec;
  for (const auto& v : o.paths)
    out.push_back({"path", std::filesystem::weakly_canonical(std::filesystem::absolute(v), ec).lexically_normal().string()});
  return out;
}

int run(const IgnoreCli& o) {
  const std::vector<IgnoreEntry> given = entries(o);
  if (o.action == "list") {
    if (!given.empty()) throw Error(ExitCode::usage, "ignore list takes no --artist/--album/--genre/--path");
    LibraryDb db(o.db, LibraryDb::Mode::read_only);
    const auto list = db.ignore_list();
    if (o.json) {
      nlohmann::json j{{"ignored", nlohmann::json::array()}};
      for (const auto& e : list) j["ignored"].push_back({{"field", e.field}, {"value", e.value}});
      std::cout << j.dump(2) << '\n';
      return 0;
    }
    for (const auto& e : list) std::printf("%-7s %s\n", e.field.c_str(), e.value.c_str());
    if (list.empty()) std::fprintf(stderr, "the ignore list is empty\n");
    return 0;
  }
  if (given.empty()) throw Error(ExitCode::usage, "ignore " + o.action + " needs --artist, --album, --genre or --path");
  // Opening for writing would create a missing database; an ignore list needs a library.
  if (!std::filesystem::exists(o.db))
    throw InputError(ExitCode::not_found, o.db, "no such library database (create it with `soundalike index`)");
  LibraryDb db(o.db, LibraryDb::Mode::read_write);
  for (const IgnoreEntry& e : given) {
    const bool changed = o.action == "add" ? db.add_ignore(e) : db.remove_ignore(e);
    if (o.action == "add") std::printf("%s %s '%s'\n", changed ? "ignoring" : "already ignoring", e.field.c_str(), e.value.c_str());
    else std::printf("%s %s '%s'\n", changed ? "no longer ignoring" : "was not ignoring", e.field.c_str(), e.value.c_str());
  }
  return 0;
}

}  // namespace

void add_ignore_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<IgnoreCli>(
      app, status, "ignore", "The library's ignore list: artists, albums, genres and paths no mix returns", run);
  cmd->add_option("action", o->action, "add, remove or list")->required()->check(CLI::IsMember({"add", "remove", "list"}));
  add_db_option(cmd, o->db);
  cmd->add_option("--artist", o->artists, "An artist (case-insensitive; repeatable)");
  cmd->add_option("--album", o->albums, "An album (case-insensitive; repeatable)");
  cmd->add_option("--genre", o->genres, "A genre, or a genre group with --genre-groups where songs are chosen (repeatable)");
  cmd->add_option("--path", o->paths, "A file, or a folder and everything below it (repeatable)");
  add_json_flag(cmd, o->json, "list: {\"ignored\": [{\"field\", \"value\"}...]}");
}

}  // namespace soundalike::app

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "library/LibraryDb.h"

namespace soundalike::app {
namespace {

struct StatsCli {
  std::string db;
  bool json = false;
};

int run(const StatsCli& o) {
  LibraryDb db(o.db, LibraryDb::Mode::read_only);
  const auto tracks = db.tracks();
  const auto failures = db.failures();
  const auto kinds = db.kinds();
  double seconds = 0;
  size_t with_bpm = 0;
  for (const auto& t : tracks) {
    seconds += t.duration;
    with_bpm += t.descriptors.bpm > 0;
  }
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(o.db, ec);
  if (o.json) {
    nlohmann::json j{{"database", o.db},         {"schema_version", kLibrarySchemaVersion},
                     {"generation", db.generation()}, {"tracks", tracks.size()},
                     {"total_seconds", seconds},  {"with_bpm", with_bpm},
                     {"kinds", nlohmann::json::object()}, {"failures", nlohmann::json::array()}};
    for (const auto& [k, n] : kinds) j["kinds"][k] = n;
    for (const auto& f : failures) j["failures"].push_back({{"path", f.path}, {"error", f.error}, {"exit_code", f.error_code}});
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  std::printf("library      %s (%.1f MB, schema %d, generation %lld)\n", o.db.c_str(), double(ec ? 0 : bytes) / 1e6,
              kLibrarySchemaVersion, static_cast<long long>(db.generation()));
  std::printf("tracks       %zu indexed (%.1f hours), %zu with a tempo\n", tracks.size(), seconds / 3600.0, with_bpm);
  for (const auto& [k, n] : kinds) std::printf("features     %s: %lld vectors\n", k.c_str(), static_cast<long long>(n));
  std::printf("failures     %zu\n", failures.size());
  for (const auto& f : failures) std::printf("  %s: %s\n", f.path.c_str(), f.error.c_str());
  return 0;
}

}  // namespace

void add_stats_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<StatsCli>(
      app, status, "stats", "Counts, feature kinds and failed files of a library", run);
  add_db_option(cmd, o->db);
  add_json_flag(cmd, o->json);
}

}  // namespace soundalike::app

#pragma once
// Runs SQL on a library file behind LibraryDb's back: how the schema tests make a library look as an
// older build left it. Fatal failures; call it inside ASSERT_NO_FATAL_FAILURE.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace soundalike::test {

inline void run_sql(const std::filesystem::path& db, const char* statements) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  const int rc = sqlite3_exec(raw, statements, nullptr, nullptr, nullptr);
  const std::string error = sqlite3_errmsg(raw);
  sqlite3_close(raw);
  ASSERT_EQ(rc, SQLITE_OK) << error;
}

}  // namespace soundalike::test

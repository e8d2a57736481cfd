// The ignore list table (schema version 3): editing, case rules, and older libraries.
#include <gtest/gtest.h>

#include "common/Error.h"
#include "library/LibraryDb.h"
#include "library/RawSql.h"
#include "support/TestSupport.h"

using namespace soundalike;

TEST(IgnoreList, AddRemoveListAndCase) {
  test::TempDir dir;
  LibraryDb db(dir / "lib.db", LibraryDb::Mode::read_write);
  EXPECT_TRUE(db.ignore_list().empty());
  EXPECT_TRUE(db.add_ignore({"artist", "Some Band"}));
  EXPECT_FALSE(db.add_ignore({"artist", "some band"})) << "names compare case-insensitively";
  EXPECT_TRUE(db.add_ignore({"path", "/music/Xmas"}));
  EXPECT_TRUE(db.add_ignore({"path", "/music/xmas"})) << "paths do not";
  const int64_t generation = db.generation();
  EXPECT_TRUE(db.add_ignore({"genre", "Polka"}));
  EXPECT_EQ(db.generation(), generation) << "no vector changed";
  EXPECT_EQ(db.ignore_list().size(), 4u);
  EXPECT_TRUE(db.remove_ignore({"artist", "SOME BAND"}));
  EXPECT_FALSE(db.remove_ignore({"album", "Nothing"}));
  EXPECT_EQ(db.ignore_list(), (std::vector<IgnoreEntry>{{"genre", "Polka"}, {"path", "/music/Xmas"}, {"path", "/music/xmas"}}));
  EXPECT_THROW(db.add_ignore({"mood", "sad"}), Error);
  EXPECT_THROW(db.add_ignore({"artist", ""}), Error);
}

TEST(IgnoreList, VersionTwoLibraryReadsEmptyAndIsMigratedForWriting) {
  test::TempDir dir;
  const auto path = dir / "lib.db";
  { LibraryDb db(path, LibraryDb::Mode::read_write); }
  ASSERT_NO_FATAL_FAILURE(test::run_sql(path, "DROP TABLE ignored; UPDATE meta SET value = '2' WHERE key = 'schema_version';"));
  EXPECT_TRUE(LibraryDb(path, LibraryDb::Mode::read_only).ignore_list().empty());
  LibraryDb rw(path, LibraryDb::Mode::read_write);
  EXPECT_TRUE(rw.add_ignore({"album", "Best Of"}));
  EXPECT_EQ(LibraryDb(path, LibraryDb::Mode::read_only).ignore_list().size(), 1u);
}

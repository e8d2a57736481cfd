// Users and playlists (schema version 4): storage, edits, and the migration of a version 3 library.
#include <gtest/gtest.h>

#include "common/Error.h"
#include "library/LibraryDb.h"
#include "library/RawSql.h"
#include "support/TestSupport.h"

using namespace soundalike;

TEST(Accounts, UsersAreStoredByNameAndDoNotChangeTheGeneration) {
  test::TempDir dir;
  LibraryDb db(dir / "lib.db", LibraryDb::Mode::read_write);
  const int64_t generation = db.generation();
  db.add_user({"alice", {1, 2, 3}, 0});
  db.add_user({"bob", {4}, 0});
  EXPECT_THROW(db.add_user({"alice", {9}, 0}), Error);
  EXPECT_THROW(db.add_user({"", {9}, 0}), Error);
  ASSERT_EQ(db.users().size(), 2u);
  EXPECT_EQ(db.users()[0].name, "alice");
  EXPECT_EQ(db.user("alice")->secret, (std::vector<unsigned char>{1, 2, 3}));
  EXPECT_GT(db.user("alice")->created_at, 0);
  EXPECT_TRUE(db.set_user_secret("alice", std::vector<unsigned char>{7}));
  EXPECT_FALSE(db.set_user_secret("carol", std::vector<unsigned char>{7}));
  EXPECT_EQ(db.user("alice")->secret, (std::vector<unsigned char>{7}));
  EXPECT_EQ(db.generation(), generation) << "no vector changed";
  EXPECT_TRUE(db.remove_user("bob"));
  EXPECT_FALSE(db.remove_user("bob"));
  EXPECT_FALSE(db.user("bob"));
}

TEST(Accounts, PlaylistsKeepOrderAndEdit) {
  test::TempDir dir;
  LibraryDb db(dir / "lib.db", LibraryDb::Mode::read_write);
  db.add_user({"alice", {1}, 0});
  PlaylistRow p;
  p.owner = "alice";
  p.name = "Mix";
  p.track_ids = {5, 3, 9};
  const int64_t id = db.create_playlist(p);
  auto got = db.playlist(id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "Mix");
  EXPECT_EQ(got->owner, "alice");
  EXPECT_FALSE(got->is_public);
  EXPECT_EQ(got->track_ids, (std::vector<int64_t>{5, 3, 9}));

  PlaylistEdit edit;
  edit.name = "Better mix";
  edit.is_public = true;
  edit.remove_positions = {0, 2};
  edit.add_tracks = {1, 1};
  EXPECT_TRUE(db.edit_playlist(id, edit));
  got = db.playlist(id);
  EXPECT_EQ(got->name, "Better mix");
  EXPECT_TRUE(got->is_public);
  EXPECT_EQ(got->track_ids, (std::vector<int64_t>{3, 1, 1}));

  PlaylistEdit bad;
  bad.remove_positions = {3};
  EXPECT_THROW(db.edit_playlist(id, bad), Error);
  EXPECT_EQ(db.playlist(id)->track_ids, (std::vector<int64_t>{3, 1, 1})) << "a failed edit changes nothing";

  PlaylistEdit replace;
  replace.replace_tracks = std::vector<int64_t>{8};
  EXPECT_TRUE(db.edit_playlist(id, replace));
  EXPECT_EQ(db.playlist(id)->track_ids, (std::vector<int64_t>{8}));
  EXPECT_FALSE(db.edit_playlist(id + 100, replace));

  EXPECT_EQ(db.playlists().size(), 1u);
  EXPECT_TRUE(db.remove_user("alice"));
  EXPECT_TRUE(db.playlists().empty()) << "a removed user's playlists go with them";
}

TEST(Accounts, VersionThreeLibraryReadsNoneAndIsMigratedForWriting) {
  test::TempDir dir;
  const auto path = dir / "lib.db";
  { LibraryDb db(path, LibraryDb::Mode::read_write); }
  ASSERT_NO_FATAL_FAILURE(test::run_sql(path, "DROP TABLE playlist_tracks; DROP TABLE playlists; DROP TABLE users; "
                                              "UPDATE meta SET value = '3' WHERE key = 'schema_version';"));
  {
    const LibraryDb old(path, LibraryDb::Mode::read_only);
    EXPECT_TRUE(old.users().empty());
    EXPECT_TRUE(old.playlists().empty());
    EXPECT_FALSE(old.user("alice"));
  }
  LibraryDb rw(path, LibraryDb::Mode::read_write);
  rw.add_user({"alice", {1}, 0});
  EXPECT_EQ(LibraryDb(path, LibraryDb::Mode::read_only).users().size(), 1u);
}

// run_indexer's error paths: a file that cannot be analysed is a failure with its path and reason, and
// a cancelled run stops before the next file.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <string>


#include "audio/AudioWriter.h"
#include "common/Error.h"
#include "features/MfccExtractor.h"
#include "library/Indexer.h"
#include "library/LibraryDb.h"
#include "library/RawSql.h"
#include "support/TestSupport.h"

namespace soundalike {
namespace {

void make_songs(const test::TempDir& dir) {
  test::write_wav(dir / "lib" / "a.wav", test::sine(440, 2.0, 22050), 22050);
  test::write_wav(dir / "lib" / "b.wav", test::sine(660, 2.0, 22050), 22050);
  std::ofstream(dir / "lib" / "broken.wav") << "not audio at all";
}

TEST(Indexer, AFileThatCannotBeAnalysedIsReportedWithItsPathAndReason) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "lib");
  make_songs(dir);
  LibraryDb db(dir / "lib.db", LibraryDb::Mode::read_write);
  const MfccExtractor extractor;
  IndexerOptions o;
  o.roots = {dir / "lib"};
  o.jobs = 2;
  o.progress = false;
  const IndexSummary s = run_indexer(db, extractor, o);
  EXPECT_EQ(s.found, 3u);
  EXPECT_EQ(s.indexed, 2u);
  ASSERT_EQ(s.failed, 1u);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_EQ(std::filesystem::path(s.failures[0].path).filename(), "broken.wav");
  EXPECT_FALSE(s.failures[0].reason.empty());
  EXPECT_NE(s.failures[0].exit_code, 0);
}

// The cancel token (Ctrl-C in the CLI) is polled before each file: set from the start, nothing is
// analysed, the run says it was interrupted, and a later run indexes everything.
TEST(Indexer, ACancelledRunStartsNoFileAndSaysSo) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "lib");
  make_songs(dir);
  LibraryDb db(dir / "lib.db", LibraryDb::Mode::read_write);
  const MfccExtractor extractor;
  IndexerOptions o;
  o.roots = {dir / "lib"};
  o.jobs = 1;
  o.progress = false;
  const std::atomic<bool> cancelled{true};
  o.cancel = &cancelled;
  const IndexSummary stopped = run_indexer(db, extractor, o);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_EQ(stopped.indexed + stopped.failed, 0u);
  o.cancel = nullptr;
  const IndexSummary finished = run_indexer(db, extractor, o);
  EXPECT_FALSE(finished.interrupted);
  EXPECT_EQ(finished.indexed, 2u);
  EXPECT_EQ(finished.failed, 1u);
}

// Schema 5 stores the year. A library indexed before it is migrated when opened for writing, readable
// read-only as it is (no year), and the next `index` reads the tags of its unchanged files again once:
// files under other roots included, without analysing anything.
TEST(Indexer, ALibraryFromBeforeYearsGetsThemFromTheNextRun) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "lib");
  std::filesystem::create_directories(dir / "other");
  AudioWriteOptions w;
  w.format = AudioFileFormat::flac;
  w.tags = AudioTags{"A", "Artist", "Album", "", 1, 1994};
  write_audio_file(dir / "lib" / "a.flac", test::sine(440, 2.0, 22050), w);
  w.tags.year = 2011;
  write_audio_file(dir / "other" / "b.flac", test::sine(660, 2.0, 22050), w);
  const auto path = dir / "lib.db";
  const MfccExtractor extractor;
  IndexerOptions o;
  o.roots = {dir / "lib", dir / "other"};
  o.jobs = 1;
  o.progress = false;
  {
    LibraryDb db(path, LibraryDb::Mode::read_write);
    ASSERT_EQ(run_indexer(db, extractor, o).indexed, 2u);
    EXPECT_FALSE(db.tags_stale());
    EXPECT_EQ(db.tracks().at(0).tags.year, 1994) << "a new library stores years as it indexes";
  }
  // Make it a version-4 library: no year column, no tags_version.
  ASSERT_NO_FATAL_FAILURE(test::run_sql(path, "ALTER TABLE tracks DROP COLUMN year; DELETE FROM meta WHERE key = 'tags_version'; "
                                              "UPDATE meta SET value = '4' WHERE key = 'schema_version';"));
  {
    const LibraryDb old(path, LibraryDb::Mode::read_only);
    ASSERT_EQ(old.tracks().size(), 2u);
    EXPECT_FALSE(old.tracks().at(0).tags.year) << "read-only, a version-4 library reads without years";
  }
  LibraryDb db(path, LibraryDb::Mode::read_write);
  EXPECT_TRUE(db.tags_stale());
  const int64_t generation = db.generation();
  o.roots = {dir / "lib"};  // the other root's file is refreshed too
  const IndexSummary s = run_indexer(db, extractor, o);
  EXPECT_EQ(s.indexed, 0u) << "nothing is analysed again";
  EXPECT_EQ(s.unchanged, 1u);
  EXPECT_EQ(s.tags_refreshed, 2u);
  EXPECT_FALSE(db.tags_stale());
  EXPECT_GT(db.generation(), generation) << "a running server reloads its catalogue";
  const auto tracks = db.tracks();
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_EQ(tracks[0].tags.year, 1994);
  EXPECT_EQ(tracks[1].tags.year, 2011);
  EXPECT_EQ(tracks[1].tags.artist, "Artist");
  EXPECT_EQ(run_indexer(db, extractor, o).tags_refreshed, 0u) << "once";
}

}  // namespace
}  // namespace soundalike

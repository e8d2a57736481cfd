// run_indexer's error paths: a file that cannot be analysed is a failure with its path and reason, and
// a cancelled run stops before the next file.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <string>

#include "common/Error.h"
#include "features/MfccExtractor.h"
#include "library/Indexer.h"
#include "library/LibraryDb.h"
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

}  // namespace
}  // namespace soundalike

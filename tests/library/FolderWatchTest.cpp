// `index --watch` below the CLI: the inotify watcher on a real folder, the batching of its events
// (with a made-up clock, no inotify timing), applying a batch to a library, the watch loop with its
// cancellation, and a second reader learning that stored mutual-proximity statistics changed.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "common/Error.h"
#include "features/MfccExtractor.h"
#include "library/ChangeBatcher.h"
#include "library/FolderWatcher.h"
#include "library/Indexer.h"
#include "library/LibraryDb.h"
#include "library/LibraryProximity.h"
#include "library/LibrarySearch.h"
#include "library/LibraryWatch.h"
#include "search/ProximityInput.h"
#include "support/TestSupport.h"

namespace soundalike {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Type = FolderEvent::Type;

constexpr int kRate = 22050;

void write_song(const fs::path& path, double hz) {
  fs::create_directories(path.parent_path());
  test::write_wav(path, test::sine(hz, 1.5, kRate), kRate);
}

// Collects the watcher's events until `done` holds for what was collected, or 5 s passed.
std::vector<FolderEvent> collect(FolderWatcher& w, const std::function<bool(const std::vector<FolderEvent>&)>& done,
                                 std::chrono::milliseconds limit = 5000ms) {
  std::vector<FolderEvent> all;
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done(all) && std::chrono::steady_clock::now() < end)
    for (auto& e : w.wait(50ms)) all.push_back(std::move(e));
  return all;
}

bool has(const std::vector<FolderEvent>& events, Type type, const fs::path& path) {
  return std::find(events.begin(), events.end(), FolderEvent{type, path}) != events.end();
}

TEST(FolderWatcher, ReportsClosedFilesNewSubfoldersMovesAndRemovals) {
  test::TempDir dir;
  const fs::path root = fs::canonical(dir.path());
  FolderWatcher w;
  w.watch_tree(root);
  EXPECT_EQ(w.watched_folders(), 1u);

  // A file is reported once it is closed, not while it is being written.
  {
    std::ofstream f(root / "a.wav", std::ios::binary);
    f << "first half";
    f.flush();
    const auto early = collect(w, [](const auto&) { return false; }, 300ms);
    EXPECT_FALSE(has(early, Type::file_written, root / "a.wav")) << "reported while still open for writing";
  }
  auto events = collect(w, [&](const auto& e) { return has(e, Type::file_written, root / "a.wav"); });
  EXPECT_TRUE(has(events, Type::file_written, root / "a.wav"));

  // A folder created later is watched, and so are the folders created inside it.
  fs::create_directories(root / "new" / "deeper");
  events = collect(w, [&](const auto&) { return w.watched_folders() == 3; });
  std::ofstream(root / "new" / "deeper" / "b.wav") << "song";
  events = collect(w, [&](const auto& e) { return has(e, Type::file_written, root / "new" / "deeper" / "b.wav"); });
  EXPECT_TRUE(has(events, Type::file_written, root / "new" / "deeper" / "b.wav"));
  EXPECT_EQ(w.watched_folders(), 3u);

  // A move inside the tree: removed under the old name, written under the new one.
  fs::rename(root / "new" / "deeper" / "b.wav", root / "c.wav");
  events = collect(w, [&](const auto& e) {
    return has(e, Type::file_removed, root / "new" / "deeper" / "b.wav") && has(e, Type::file_written, root / "c.wav");
  });
  EXPECT_TRUE(has(events, Type::file_removed, root / "new" / "deeper" / "b.wav"));
  EXPECT_TRUE(has(events, Type::file_written, root / "c.wav"));

  fs::remove(root / "a.wav");
  events = collect(w, [&](const auto& e) { return has(e, Type::file_removed, root / "a.wav"); });
  EXPECT_TRUE(has(events, Type::file_removed, root / "a.wav"));

  // A deleted folder is reported as such and its watches are gone.
  fs::remove_all(root / "new");
  events = collect(w, [&](const auto& e) { return has(e, Type::folder_removed, root / "new") && w.watched_folders() == 1; });
  EXPECT_TRUE(has(events, Type::folder_removed, root / "new"));
  EXPECT_EQ(w.watched_folders(), 1u);
}

// A folder moved in with files already inside (no event for them ever comes) has them reported.
TEST(FolderWatcher, AFolderMovedInReportsItsFiles) {
  test::TempDir dir;
  const fs::path root = fs::canonical(dir.path()) / "watched", outside = fs::canonical(dir.path()) / "album";
  fs::create_directories(root);
  fs::create_directories(outside / "cd1");
  std::ofstream(outside / "cd1" / "01.flac") << "x";
  std::ofstream(outside / "02.flac") << "x";
  FolderWatcher w;
  w.watch_tree(root);
  fs::rename(outside, root / "album");
  const auto events = collect(w, [&](const auto& e) {
    return has(e, Type::file_written, root / "album" / "cd1" / "01.flac") && has(e, Type::file_written, root / "album" / "02.flac");
  });
  EXPECT_TRUE(has(events, Type::file_written, root / "album" / "cd1" / "01.flac"));
  EXPECT_TRUE(has(events, Type::file_written, root / "album" / "02.flac"));
  EXPECT_EQ(w.watched_folders(), 3u);
}

TEST(FolderWatcher, OnlyFoldersCanBeWatched) {
  test::TempDir dir;
  std::ofstream(dir / "file.wav") << "x";
  FolderWatcher w;
  try {
    w.watch_tree(dir / "file.wav");
    FAIL() << "a file was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
  try {
    w.watch_tree(dir / "missing");
    FAIL() << "a missing folder was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::not_found);
  }
}

TEST(ChangeBatcher, ABurstBecomesOneBatchOnceQuiet) {
  ChangeBatcher b(1000ms, 10000ms);
  const auto t0 = ChangeBatcher::Clock::time_point{} + 100s;
  EXPECT_FALSE(b.pending());
  EXPECT_EQ(b.time_left(t0, 250ms), 250ms);
  b.add({Type::file_written, "/m/a.flac"}, t0);
  b.add({Type::file_written, "/m/cover.jpg"}, t0 + 100ms);  // not audio: dropped
  b.add({Type::file_written, "/m/b.mp3"}, t0 + 500ms);
  EXPECT_TRUE(b.pending());
  EXPECT_FALSE(b.due(t0 + 1400ms));
  EXPECT_EQ(b.time_left(t0 + 1400ms, 250ms), 100ms);
  EXPECT_TRUE(b.due(t0 + 1500ms));
  const ChangeSet c = b.take();
  EXPECT_FALSE(c.rescan);
  EXPECT_EQ(c.written, (std::vector<fs::path>{"/m/a.flac", "/m/b.mp3"}));
  EXPECT_TRUE(c.removed.empty());
  EXPECT_FALSE(b.pending());
  EXPECT_TRUE(b.take().empty());
}

TEST(ChangeBatcher, EventsThatNeverStopStillGiveABatchAfterTheLongestDelay) {
  ChangeBatcher b(1000ms, 10000ms);
  const auto t0 = ChangeBatcher::Clock::time_point{} + 100s;
  for (int i = 0; i < 25; ++i) {
    const auto t = t0 + i * 500ms;
    EXPECT_EQ(b.due(t), i * 500ms >= 10000ms) << i;
    b.add({Type::file_written, "/m/" + std::to_string(i) + ".wav"}, t);
  }
}

TEST(ChangeBatcher, ThePathsLastEventWins) {
  ChangeBatcher b;
  const auto t = ChangeBatcher::Clock::now();
  b.add({Type::file_written, "/m/kept.wav"}, t);
  b.add({Type::file_removed, "/m/kept.wav"}, t);
  b.add({Type::file_written, "/m/kept.wav"}, t);  // deleted and written again: index it
  b.add({Type::file_written, "/m/gone.wav"}, t);
  b.add({Type::file_removed, "/m/gone.wav"}, t);  // written then deleted: prune it
  const ChangeSet c = b.take();
  EXPECT_EQ(c.written, std::vector<fs::path>{"/m/kept.wav"});
  EXPECT_EQ(c.removed, std::vector<fs::path>{"/m/gone.wav"});
}

TEST(ChangeBatcher, ARemovedFolderSupersedesEarlierEventsBelowItButNotLaterOnes) {
  ChangeBatcher b;
  const auto t = ChangeBatcher::Clock::now();
  b.add({Type::file_written, "/m/album/1.wav"}, t);
  b.add({Type::file_written, "/m/album2/1.wav"}, t);  // a sibling with a common prefix is not below it
  b.add({Type::folder_removed, "/m/album"}, t);
  b.add({Type::file_written, "/m/album/2.wav"}, t);  // the folder came back
  const ChangeSet c = b.take();
  EXPECT_EQ(c.removed_folders, std::vector<fs::path>{"/m/album"});
  EXPECT_EQ(c.written, (std::vector<fs::path>{"/m/album/2.wav", "/m/album2/1.wav"}));
}

TEST(ChangeBatcher, LostEventsMeanARescan) {
  ChangeBatcher b;
  b.add({Type::overflow, {}}, ChangeBatcher::Clock::now());
  const ChangeSet c = b.take();
  EXPECT_TRUE(c.rescan);
  EXPECT_FALSE(c.empty());
}

class LibraryWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::canonical(dir_.path()) / "lib";
    fs::create_directories(root_);
    for (int i = 0; i < 4; ++i) write_song(root_ / ("s" + std::to_string(i) + ".wav"), 220.0 * (i + 1));
    db_ = std::make_unique<LibraryDb>(dir_ / "lib.db", LibraryDb::Mode::read_write);
    options_.indexer.roots = {root_};
    options_.indexer.jobs = 2;
    options_.indexer.progress = false;
    options_.mp_statistics = true;
    options_.on_change = [this](const WatchChange& c) { changes_.push_back(c); };
    const IndexSummary s = run_indexer(*db_, extractor_, full_pass_options(options_));
    ASSERT_EQ(s.indexed, 4u);
    update_distance_stats(*db_, extractor_.kind(), Metric::l2);
  }
  size_t stats_count() const { return db_->distance_stats(extractor_.kind(), "l2").size(); }
  bool changed(WatchChange::Type type, const fs::path& path) const {
    return std::any_of(changes_.begin(), changes_.end(), [&](const auto& c) { return c.type == type && c.path == path.string(); });
  }

  test::TempDir dir_;
  fs::path root_;
  MfccExtractor extractor_;
  std::unique_ptr<LibraryDb> db_;
  WatchOptions options_;
  std::vector<WatchChange> changes_;
};

TEST_F(LibraryWatchTest, ABatchPrunesIndexesReportsAndKeepsStatisticsCurrent) {
  write_song(root_ / "new.wav", 1500);
  std::ofstream(root_ / "bad.wav") << "not audio";
  fs::remove(root_ / "s0.wav");
  ChangeSet c;
  c.removed = {root_ / "s0.wav", root_ / "s1.wav"};  // s1 still exists (deleted and written again): kept
  c.written = {root_ / "new.wav", root_ / "bad.wav", root_ / "vanished.wav"};
  const BatchResult r = apply_changes(*db_, extractor_, c, options_);
  EXPECT_EQ(r.indexed, 1u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.removed, 1u);
  EXPECT_EQ(r.mp.computed, 1u);
  EXPECT_TRUE(changed(WatchChange::Type::indexed, root_ / "new.wav"));
  EXPECT_TRUE(changed(WatchChange::Type::failed, root_ / "bad.wav"));
  EXPECT_TRUE(changed(WatchChange::Type::removed, root_ / "s0.wav"));
  EXPECT_EQ(changes_.size(), 3u);
  EXPECT_EQ(db_->track_count(), 4);
  EXPECT_FALSE(db_->track_by_path((root_ / "s0.wav").string()));
  EXPECT_TRUE(db_->track_by_path((root_ / "s1.wav").string()));
  EXPECT_EQ(stats_count(), 4u) << "every song has its mutual-proximity statistics";

  // The same files again, unchanged: nothing to do, nothing reported.
  changes_.clear();
  const BatchResult again = apply_changes(*db_, extractor_, c, options_);
  EXPECT_EQ(again.indexed + again.failed + again.removed, 0u);
  EXPECT_TRUE(changes_.empty());
}

TEST_F(LibraryWatchTest, ARescanCatchesUpWithEverything) {
  fs::remove(root_ / "s2.wav");
  write_song(root_ / "sub" / "late.wav", 990);
  ChangeSet c;
  c.rescan = true;
  const BatchResult r = apply_changes(*db_, extractor_, c, options_);
  EXPECT_EQ(r.indexed, 1u);
  EXPECT_EQ(r.removed, 1u);
  EXPECT_EQ(changes_.front().type, WatchChange::Type::rescan);
  EXPECT_TRUE(changed(WatchChange::Type::removed, root_ / "s2.wav"));
  EXPECT_TRUE(changed(WatchChange::Type::indexed, root_ / "sub" / "late.wav"));
  EXPECT_EQ(stats_count(), 4u);
}

TEST_F(LibraryWatchTest, AFolderRemovedPrunesEverythingBelowIt) {
  write_song(root_ / "album" / "1.wav", 300);
  write_song(root_ / "album" / "2.wav", 350);
  write_song(root_ / "album2" / "1.wav", 400);
  ChangeSet add;
  add.written = {root_ / "album" / "1.wav", root_ / "album" / "2.wav", root_ / "album2" / "1.wav"};
  EXPECT_EQ(apply_changes(*db_, extractor_, add, options_).indexed, 3u);
  fs::remove_all(root_ / "album");
  ChangeSet gone;
  gone.removed_folders = {root_ / "album"};
  EXPECT_EQ(apply_changes(*db_, extractor_, gone, options_).removed, 2u);
  EXPECT_TRUE(db_->track_by_path((root_ / "album2" / "1.wav").string()));
  EXPECT_EQ(db_->track_count(), 5);
}

// The loop itself: a song written into a folder created after the start is in the library within
// seconds, a deleted one leaves it, and setting the cancel flag ends the loop promptly.
TEST_F(LibraryWatchTest, TheLoopFollowsTheFolderAndStopsWhenCancelled) {
  FolderWatcher watcher;
  watcher.watch_tree(root_);
  std::atomic<bool> cancel{false};
  options_.indexer.cancel = &cancel;
  options_.quiet = 100ms;
  options_.on_change = nullptr;  // changes_ is not for two threads
  std::exception_ptr failure;
  std::thread loop([&] {
    try {
      watch_library(*db_, extractor_, watcher, options_);
    } catch (...) {
      failure = std::current_exception();
    }
  });
  LibraryDb reader(dir_ / "lib.db", LibraryDb::Mode::read_only);
  auto eventually = [&](const std::function<bool()>& done) {
    for (int i = 0; i < 100 && !done(); ++i) std::this_thread::sleep_for(50ms);
    return done();
  };
  fs::create_directories(root_ / "later");
  std::this_thread::sleep_for(50ms);
  write_song(root_ / "later" / "x.wav", 1234);
  EXPECT_TRUE(eventually([&] { return reader.track_by_path((root_ / "later" / "x.wav").string()).has_value(); }));
  fs::remove(root_ / "s3.wav");
  EXPECT_TRUE(eventually([&] { return !reader.track_by_path((root_ / "s3.wav").string()).has_value(); }));
  const auto stop = std::chrono::steady_clock::now();
  cancel = true;
  loop.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stop, 1s);
  if (failure) std::rethrow_exception(failure);
}

// A reader (the web server) whose library gets new statistics without new vectors (`index` stores them
// after committing the songs) uses them from its next search on.
TEST_F(LibraryWatchTest, AReaderPicksUpStatisticsStoredAfterTheVectors) {
  LibraryDb reader(dir_ / "lib.db", LibraryDb::Mode::read_only);
  SearchOptions so;
  so.normalize = Normalization::mp;
  LibrarySearch search(reader, extractor_.kind(), so);
  const auto query = reader.embedding(reader.tracks().front().id, extractor_.kind())->vector;
  const auto before = search.search(query, 3);
  const int64_t g = db_->stats_generation();
  // Statistics that make every other song look extremely close: MP distances collapse towards 0.
  std::vector<std::pair<int64_t, DistanceStats>> rows;
  for (const auto& t : db_->tracks()) rows.push_back({t.id, DistanceStats{1e6f, 1.0f}});
  db_->store_distance_stats(extractor_.kind(), "l2", rows, 4);
  EXPECT_EQ(db_->stats_generation(), g + 1);
  EXPECT_EQ(reader.stats_generation(), g + 1);
  const auto after = search.search(query, 3);
  ASSERT_EQ(before.size(), after.size());
  bool differs = false;
  for (size_t i = 0; i < before.size(); ++i) differs = differs || before[i].distance != after[i].distance;
  EXPECT_TRUE(differs) << "the search kept the statistics it had loaded";
}

}  // namespace
}  // namespace soundalike

// The server's worker pool and per-client slots, without sockets.
#include "app/server/ConnectionPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

namespace soundalike::app {
namespace {

using namespace std::chrono_literals;

TEST(ConnectionPool, GrowsOnlyAsTasksWaitAndNeverPastItsCap) {
  ConnectionPool pool(3);
  EXPECT_EQ(pool.threads(), 0);
  std::atomic<int> done = 0;
  pool.enqueue([&] { ++done; });
  while (done < 1) std::this_thread::sleep_for(1ms);
  pool.enqueue([&] { ++done; });  // the first worker is idle again: no second thread
  while (done < 2) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(pool.threads(), 1);

  std::latch release(1);
  std::atomic<int> started = 0;
  for (int i = 0; i < 5; ++i) pool.enqueue([&] {
      ++started;
      release.wait();
      ++done;
    });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (started < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(started, 3);  // two wait their turn
  EXPECT_EQ(pool.threads(), 3);
  EXPECT_EQ(pool.busy(), 3);
  release.count_down();
  pool.shutdown();  // runs what was queued
  EXPECT_EQ(done, 7);
}

TEST(ConnectionPool, DropsWorkAfterShutdown) {
  ConnectionPool pool(2);
  pool.shutdown();
  bool ran = false;
  pool.enqueue([&] { ran = true; });
  pool.shutdown();
  EXPECT_FALSE(ran);
}

TEST(ClientSlots, OneConnectionClaimsOneSlotUntilItCloses) {
  ClientSlots slots(2);
  auto connection = [&](const std::string& client, int requests) {
    bool all = true;
    for (int i = 0; i < requests; ++i) all = all && slots.admit(client);
    return all;
  };
  std::latch hold(1);
  std::atomic<int> admitted = 0;
  std::vector<std::jthread> open;
  for (int i = 0; i < 2; ++i)
    open.emplace_back([&] {
      if (connection("10.0.0.1", 3)) ++admitted;  // several requests, still one slot
      hold.wait();
      slots.connection_closed();
    });
  while (slots.held("10.0.0.1") < 2) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(admitted, 2);
  bool third = true;
  std::jthread([&] {
    third = slots.admit("10.0.0.1");
    slots.connection_closed();
  }).join();
  EXPECT_FALSE(third);
  std::jthread([&] {  // another address is not affected
    EXPECT_TRUE(slots.admit("10.0.0.2"));
    slots.connection_closed();
  }).join();
  hold.count_down();
  open.clear();
  EXPECT_EQ(slots.held("10.0.0.1"), 0);
  EXPECT_EQ(slots.held("10.0.0.2"), 0);
}

}  // namespace
}  // namespace soundalike::app

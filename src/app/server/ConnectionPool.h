#pragma once
// The workers of `serve`. cpp-httplib gives each open connection a worker from accept until it closes,
// keep-alive and slow senders included, so a fixed pool of a few dozen threads was starved by 200 idle
// or slowly-sending connections and the server stopped answering. This pool grows on demand, one thread
// per waiting connection, up to a hard cap (connections beyond it wait their turn, as in a fixed pool),
// and keeps the threads it has made for the next burst.
//
// ClientSlots caps how many connections one client address may hold at once; the server claims a slot
// when a connection's first request has arrived and gives it back when the connection ends.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace soundalike::app {

class ConnectionPool {
 public:
  explicit ConnectionPool(int max_threads);
  ~ConnectionPool();  // shutdown()
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  void enqueue(std::function<void()> task);
  // Runs what is queued, then joins every worker. Later enqueues are dropped.
  void shutdown();

  int threads() const;  // made so far (never more than max_threads)
  int busy() const;

 private:
  void work();

  const int max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> workers_;
  int idle_ = 0;
  bool stopping_ = false;
};

class ClientSlots {
 public:
  explicit ClientSlots(int per_client) : per_client_(per_client) {}
  // Called for each request, on the worker that serves its connection: the connection's first request
  // claims a slot for `client`; false when the client already holds per_client of them.
  bool admit(const std::string& client);
  // Called on that worker when its connection has ended, whether or not it ever claimed a slot.
  void connection_closed();
  int held(const std::string& client) const;

 private:
  const int per_client_;
  mutable std::mutex mutex_;
  std::map<std::string, int> held_;
  std::map<std::thread::id, std::string> owner_;  // a worker serves one connection at a time
};

}  // namespace soundalike::app

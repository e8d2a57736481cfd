#include "app/server/ConnectionPool.h"

#include <algorithm>

namespace soundalike::app {

ConnectionPool::ConnectionPool(int max_threads) : max_threads_(std::max(1, max_threads)) {}

ConnectionPool::~ConnectionPool() { shutdown(); }

void ConnectionPool::enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.push_back(std::move(task));
    // A new thread only when every existing one is busy: the idle ones take the queue first.
    if (int(queue_.size()) > idle_ && int(workers_.size()) < max_threads_) workers_.emplace_back([this] { work(); });
  }
  wake_.notify_one();
}

void ConnectionPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, and nothing left to run
    auto task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

void ConnectionPool::shutdown() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    workers.swap(workers_);
  }
  wake_.notify_all();
  for (auto& w : workers) w.join();
}

int ConnectionPool::threads() const {
  std::lock_guard lock(mutex_);
  return int(workers_.size());
}

int ConnectionPool::busy() const {
  std::lock_guard lock(mutex_);
  return int(workers_.size()) - idle_;
}

bool ClientSlots::admit(const std::string& client) {
  std::lock_guard lock(mutex_);
  const auto self = std::this_thread::get_id();
  if (owner_.contains(self)) return true;  // a later request of an admitted connection
  int& n = held_[client];
  if (n >= per_client_) return false;
  ++n;
  owner_.emplace(self, client);
  return true;
}

void ClientSlots::connection_closed() {
  std::lock_guard lock(mutex_);
  auto own = owner_.find(std::this_thread::get_id());
  if (own == owner_.end()) return;
  auto it = held_.find(own->second);
  if (it != held_.end() && --it->second <= 0) held_.erase(it);
  owner_.erase(own);
}

int ClientSlots::held(const std::string& client) const {
  std::lock_guard lock(mutex_);
  auto it = held_.find(client);
  return it == held_.end() ? 0 : it->second;
}

}  // namespace soundalike::app

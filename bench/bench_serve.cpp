// Load generator for `soundalike serve` (bench/serve-load.sh runs it): C concurrent clients, each with its
// own keep-alive connection, send requests back to back for S seconds; prints the count, errors,
// throughput and latency percentiles. Modes:
//   similar  GET /api/tracks/{id}/similar?k=10 for ids drawn uniformly from [1, N]
//   upload   POST /api/similar with the bytes of FILE as the body
// Usage: bench_serve PORT MODE CLIENTS SECONDS (N | FILE)
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: bench_serve PORT similar|upload CLIENTS SECONDS (TRACKS | FILE)\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string mode = argv[2];
  const int clients = std::atoi(argv[3]);
  const double seconds = std::atof(argv[4]);
  const std::string last = argv[5];
  std::string body;
  int tracks = 0;
  if (mode == "upload") {
    std::ifstream in(last, std::ios::binary);
    body.assign(std::istreambuf_iterator<char>(in), {});
    if (body.empty()) {
      std::fprintf(stderr, "cannot read %s\n", last.c_str());
      return 2;
    }
  } else if (mode == "similar") {
    tracks = std::atoi(last.c_str());
    if (tracks < 1) return 2;
  } else {
    return 2;
  }

  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  std::mutex mutex;
  std::vector<double> latencies_ms;
  std::atomic<long> errors{0};
  std::vector<std::jthread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);  // as browsers do
      client.set_read_timeout(60, 0);
      std::mt19937 rng(uint32_t(c + 1));
      std::uniform_int_distribution<int> pick(1, std::max(1, tracks));
      std::vector<double> mine;
      while (Clock::now() < end) {
        const auto t0 = Clock::now();
        httplib::Result res = mode == "similar"
                                  ? client.Get("/api/tracks/" + std::to_string(pick(rng)) + "/similar?k=10")
                                  : client.Post("/api/similar?k=10", body, "application/octet-stream");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (!res || res->status != 200) {
          if (errors++ < 5)
            std::fprintf(stderr, "error: %s\n", res ? (std::to_string(res->status) + " " + res->body.substr(0, 200)).c_str()
                                                    : httplib::to_string(res.error()).c_str());
          continue;
        }
        mine.push_back(ms);
      }
      std::lock_guard lock(mutex);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  threads.clear();  // joins
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty() ? 0.0 : latencies_ms[std::min(latencies_ms.size() - 1, size_t(p / 100.0 * latencies_ms.size()))];
  };
  std::printf("mode=%s clients=%d seconds=%.0f requests=%zu errors=%ld throughput=%.1f/s p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
              mode.c_str(), clients, seconds, latencies_ms.size(), errors.load(), latencies_ms.size() / seconds, pct(50), pct(90),
              pct(99), latencies_ms.empty() ? 0.0 : latencies_ms.back());
  return errors.load() == 0 ? 0 : 1;
}

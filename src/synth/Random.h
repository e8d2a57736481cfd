#pragma once
// A small seeded generator whose output is fixed by this file alone. std::mt19937 is portable but the
// std:: distributions are not (libstdc++ and libc++ differ), and a corpus must be the same everywhere.
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace soundalike::synth {

// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, good enough statistics for music decisions.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi] (inclusive).
  int between(int lo, int hi) { return lo + int(next() % uint64_t(hi - lo + 1)); }
  bool chance(double p) { return uniform() < p; }
  template <class T>
  const T& pick(std::span<const T> items) {
    return items[size_t(next() % items.size())];
  }
  template <class T>
  T pick(std::initializer_list<T> items) {
    return items.begin()[next() % items.size()];
  }
  // Index drawn with probability proportional to weights[i].
  size_t weighted(std::span<const double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double r = uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return weights.size() - 1;
  }
  // An independent stream for a sub-task, so that adding draws in one part of a song never shifts
  // the choices made in another.
  Rng fork(std::string_view label) {
    uint64_t h = next();
    for (char c : label) h = (h ^ uint8_t(c)) * 0x100000001B3ull;
    return Rng(h);
  }

 private:
  uint64_t state_;
};

// Mixes several values into one seed (a clip's seed from the corpus seed, its genre and its index).
inline uint64_t mix_seed(uint64_t a, uint64_t b) {
  Rng r(a ^ (b * 0xD6E8FEB86659FD93ull));
  r.next();
  return r.next();
}

}  // namespace soundalike::synth

// Golden vectors: what a library stores for a few generated signals, pinned to the numbers this code
// produced when the test was written. A library keeps its vectors for years and compares new songs
// against old ones, so a refactor of the feature code must not move a stored vector; if one of these
// tests fails, either the change was a mistake or the kind string must change (mfcc-v2, timbre-v3...).
//
// The signals avoid std::*_distribution (whose output the standard leaves to the library): noise comes
// from std::mt19937's raw output, which the standard fixes bit for bit.
//
// To regenerate after a deliberate change of a kind (never for an existing kind):
//   SOUNDALIKE_PRINT_GOLDEN=1 build/tests/test_features --gtest_filter='GoldenVectors.*'
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "features/FeatureExtractor.h"
#include "features/MfccExtractor.h"
#include "features/TimbreExtractor.h"

using namespace soundalike;

namespace {

constexpr int kRate = 22050;
constexpr double kSeconds = 3.0;
constexpr double kTolerance = 1e-4;  // relative

// Uniform in [-1, 1) from the raw 32-bit output of mt19937.
class Noise {
 public:
  explicit Noise(uint32_t seed) : rng_(seed) {}
  float operator()() { return float(double(rng_() >> 8) / 8388608.0 - 1.0); }

 private:
  std::mt19937 rng_;
};

size_t sample_count() { return size_t(kSeconds * kRate); }

void add_partials(std::vector<float>& x, double hz, std::initializer_list<float> amplitudes) {
  int harmonic = 1;
  for (float a : amplitudes) {
    const double f = hz * harmonic++;
    for (size_t i = 0; i < x.size(); ++i) x[i] += a * float(std::sin(2.0 * std::numbers::pi * f * double(i) / kRate));
  }
}

// A 440 Hz tone with two harmonics and a faint noise floor (so the covariance of its frames is not
// degenerate), slowly swelling so that the level changes over the clip.
std::vector<float> tone() {
  std::vector<float> x(sample_count(), 0.0f);
  add_partials(x, 440.0, {0.4f, 0.1f, 0.05f});
  Noise noise(1);
  for (size_t i = 0; i < x.size(); ++i) {
    const float swell = 0.6f + 0.4f * float(i) / float(x.size());
    x[i] = swell * x[i] + 0.003f * noise();
  }
  return x;
}

// A C major triad whose notes are struck every half second and decay, over seeded noise.
std::vector<float> chord() {
  std::vector<float> x(sample_count(), 0.0f);
  for (double hz : {261.63, 329.63, 392.0}) add_partials(x, hz, {0.2f, 0.08f, 0.04f, 0.02f});
  Noise noise(2);
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = std::fmod(double(i) / kRate, 0.5);
    x[i] = float(std::exp(-6.0 * t)) * x[i] + 0.01f * noise();
  }
  return x;
}

// Half a second of digital silence (frames the extractors must leave out), then low-passed noise in
// bursts of a quarter second.
std::vector<float> noise_bursts() {
  std::vector<float> x(sample_count(), 0.0f);
  Noise noise(3);
  float state = 0.0f;
  for (size_t i = size_t(0.5 * kRate); i < x.size(); ++i) {
    state = 0.8f * state + 0.2f * noise();
    const bool on = std::fmod(double(i) / kRate, 0.25) < 0.15;
    x[i] = (on ? 0.8f : 0.1f) * state;
  }
  return x;
}

struct Golden {
  size_t size = 0;
  std::vector<double> head;     // the first values
  std::vector<double> tail;     // the last values
  std::vector<double> strided;  // every `stride`-th value from index 0
  double sum = 0, sum_abs = 0, sum_sq = 0;
};

constexpr size_t kHead = 6, kTail = 6;

size_t stride_for(size_t n) { return n <= 64 ? 1 : 37; }

Golden summarise(const std::vector<float>& v) {
  Golden g;
  g.size = v.size();
  for (size_t i = 0; i < std::min(kHead, v.size()); ++i) g.head.push_back(v[i]);
  for (size_t i = v.size() - std::min(kTail, v.size()); i < v.size(); ++i) g.tail.push_back(v[i]);
  for (size_t i = 0; i < v.size(); i += stride_for(v.size())) g.strided.push_back(v[i]);
  for (float f : v) {
    g.sum += f;
    g.sum_abs += std::abs(double(f));
    g.sum_sq += double(f) * f;
  }
  return g;
}

void print_list(const char* name, const std::vector<double>& values) {
  std::printf("        .%s = {", name);
  for (size_t i = 0; i < values.size(); ++i)
    std::printf("%s%.9g", i == 0 ? "" : i % 6 == 0 ? ",\n                " : ", ", values[i]);
  std::printf("},\n");
}

// Prints a Golden in the form the initialisers below are written in.
void print(const std::string& label, const Golden& g) {
  std::printf("    // %s\n    Golden{\n        .size = %zu,\n", label.c_str(), g.size);
  print_list("head", g.head);
  print_list("tail", g.tail);
  print_list("strided", g.strided);
  std::printf("        .sum = %.12g,\n        .sum_abs = %.12g,\n        .sum_sq = %.12g},\n", g.sum, g.sum_abs, g.sum_sq);
}

// Relative tolerance, with a floor of 1% of the vector's typical magnitude so that values that happen
// to sit near zero are not held to a precision float storage never had.
void expect_close(double actual, double expected, double scale, const std::string& what) {
  const double tol = kTolerance * std::max(std::abs(expected), 1e-2 * scale);
  EXPECT_NEAR(actual, expected, tol) << what;
}

void check(const std::string& label, const std::vector<float>& v, const Golden& expected) {
  const Golden g = summarise(v);
  if (std::getenv("SOUNDALIKE_PRINT_GOLDEN")) print(label, g);
  ASSERT_EQ(g.size, expected.size) << label;
  const double rms = std::sqrt(expected.sum_sq / double(std::max<size_t>(expected.size, 1)));
  auto compare = [&](const std::vector<double>& a, const std::vector<double>& e, const char* part) {
    ASSERT_EQ(a.size(), e.size()) << label << " " << part;
    for (size_t i = 0; i < a.size(); ++i) expect_close(a[i], e[i], rms, label + " " + part + "[" + std::to_string(i) + "]");
  };
  compare(g.head, expected.head, "head");
  compare(g.tail, expected.tail, "tail");
  compare(g.strided, expected.strided, "strided");
  EXPECT_NEAR(g.sum, expected.sum, kTolerance * expected.sum_abs) << label << " sum";
  EXPECT_NEAR(g.sum_abs, expected.sum_abs, kTolerance * expected.sum_abs) << label << " sum_abs";
  EXPECT_NEAR(g.sum_sq, expected.sum_sq, kTolerance * expected.sum_sq) << label << " sum_sq";
}

void check_kind(const FeatureExtractor& e, const std::vector<Golden>& expected) {
  const std::vector<std::pair<std::string, std::vector<float>>> signals = {
      {"tone", tone()}, {"chord", chord()}, {"noise_bursts", noise_bursts()}};
  ASSERT_EQ(expected.size(), signals.size());
  for (size_t s = 0; s < signals.size(); ++s) {
    const auto v = e.extract(signals[s].second);
    ASSERT_EQ(int(v.size()), e.dimension());
    check(e.kind() + " " + signals[s].first, v, expected[s]);
  }
}

}  // namespace

TEST(GoldenVectors, SignalsAreTheOnesThePinnedNumbersWereMadeFrom) {
  // If these move, the generator changed, not the features: every golden number below is then void.
  const Golden t = summarise(tone()), c = summarise(chord()), n = summarise(noise_bursts());
  if (std::getenv("SOUNDALIKE_PRINT_GOLDEN")) std::printf("signals: %.12g %.12g %.12g\n", t.sum_sq, c.sum_sq, n.sum_sq);
  EXPECT_EQ(t.size, 66150u);
  EXPECT_NEAR(t.sum_sq, 3727.44127243, 1e-6 * 3727.44127243);
  EXPECT_NEAR(c.sum_sq, 804.729783954, 1e-6 * 804.729783954);
  EXPECT_NEAR(n.sum_sq, 798.500740837, 1e-6 * 798.500740837);
}

TEST(GoldenVectors, Mfcc) {
  check_kind(MfccExtractor(), {
    // tone
    Golden{
        .size = 60,
        .head = {-0.338598639, 1.281376, 0.21169053, -0.577907264, -0.635914624, -0.311311185},
        .tail = {0.809803784, -0.572946966, -0.427068144, -0.571002066, -1.21603096, 0.341028184},
        .strided = {-0.338598639, 1.281376, 0.21169053, -0.577907264, -0.635914624, -0.311311185,
                -0.246734083, -0.539332628, -0.787478089, -0.706654429, -0.504016817, -0.568040669,
                -0.709046781, -0.233680427, 1.08058691, 2.38667226, 2.46018696, 1.08802605,
                -0.637438834, -1.32602763, -0.543608785, 1.39026773, -0.478134245, -0.386520296,
                -0.292980731, -0.448228925, -0.572189033, -0.584397018, -0.537546694, -0.504352272,
                -0.5428859, -0.544992566, -0.473918021, -0.473006904, -0.534106731, -0.297632456,
                -0.132560059, -0.258446753, -0.554100633, -0.424283177, -0.319533825, -0.962532401,
                -0.59427917, -0.599703133, -0.456453711, -1, 0.410565943, -0.740546227,
                1.66765022, 1.23151207, 0.647276103, -0.741515636, -0.800007045, -0.846538365,
                0.809803784, -0.572946966, -0.427068144, -0.571002066, -1.21603096, 0.341028184},
        .sum = -11.5475881994,
        .sum_abs = 41.5608736873,
        .sum_sq = 40.9748810592},
    // chord
    Golden{
        .size = 60,
        .head = {0.371414095, 1.96089017, 0.688137591, -0.229870945, -0.391019046, -0.201646209},
        .tail = {0.0821884125, 1.32756031, -0.31627664, -0.422929257, 0.770908296, -0.997773707},
        .strided = {0.371414095, 1.96089017, 0.688137591, -0.229870945, -0.391019046, -0.201646209,
                -0.2483069, -0.626817346, -0.950988948, -0.937375724, -0.736296356, -0.600225687,
                -0.54034853, -0.531685114, -0.530645192, -0.552225769, -0.349701434, 0.154068634,
                0.648612142, 0.81006211, -0.412667006, 2.06525898, -0.289288461, -0.0797176361,
                -0.13070178, -0.434902012, -0.466479927, -0.219168186, 0.0481330864, -0.0351275429,
                -0.275325596, -0.42573747, -0.488725483, -0.457398325, -0.464206129, -0.399151236,
                -0.445683956, -0.557474434, -0.391007036, -0.233364388, -0.448742867, -0.485433787,
                0.228242755, 3.31977487, -0.344337076, 0.155405521, 0.997212589, -0.582125783,
                0.942216516, 0.56564492, 0.138225168, -0.740996838, -0.803207219, -0.85231936,
                0.0821884125, 1.32756031, -0.31627664, -0.422929257, 0.770908296, -0.997773707},
        .sum = -4.35346617922,
        .sum_abs = 34.9013785012,
        .sum_sq = 36.7963046408},
    // noise_bursts
    Golden{
        .size = 60,
        .head = {1.30307662, 1.75306654, -0.10997159, 0.11106839, -0.0245973133, -0.0124210427},
        .tail = {0.122826897, 1.44180918, 0.469471604, 0.174529001, 0.914335072, -1.32639647},
        .strided = {1.30307662, 1.75306654, -0.10997159, 0.11106839, -0.0245973133, -0.0124210427,
                -0.00686435262, -0.00745568844, -0.0231414493, 0.00245599332, -0.0103824567, 0.0196671952,
                0.000177212802, -0.0395250283, -0.00474343728, 0.00359908701, -0.0343754217, -0.0227485541,
                -0.0328901224, 0.00543598179, 0.463679194, -0.404775292, -0.449932814, -0.413177192,
                -0.40984273, -0.430302083, -0.481987, -0.464998662, -0.46182403, -0.459816545,
                -0.431655824, -0.458592892, -0.452779204, -0.479207605, -0.463459879, -0.481872857,
                -0.479067266, -0.506177902, -0.492912441, -0.453744709, 0.0626831055, -0.0477698445,
                2.44322991, 1.29376352, 0.632759869, -0.366836548, 1.39371371, -0.959978104,
                -0.557359815, -0.562877655, -0.58979547, -0.666484833, -0.714567006, -0.804151237,
                0.122826897, 1.44180918, 0.469471604, 0.174529001, 0.914335072, -1.32639647},
        .sum = -2.99011227135,
        .sum_abs = 28.2128084505,
        .sum_sq = 27.5584756273}
  });
}

TEST(GoldenVectors, TimbreV1) {
  const TimbreExtractor e(kTimbreV1);
  ASSERT_EQ(e.kind(), "timbre-v1");
  check_kind(e, {
    // tone
    Golden{
        .size = 676,
        .head = {25, -161.396805, 58.8472481, 10.2925053, -20.3722363, -19.5735321},
        .tail = {8.32926083, 3.48337221, 1.32006311, 11.167367, 7.94650602, 11.8286829},
        .strided = {25, 28.6289597, -4.96740866, -30.4757023, 7.95728779, 12.5837021,
                -20.9791965, -0.809884012, 19.5088577, 0.559885442, -0.394369692, -6.85667419,
                -3.4466145, 16.7966633, -19.3048859, 8.39174461, 1.58342671, -3.63727689,
                14.9525137},
        .sum = 978.152401735,
        .sum_abs = 6410.88737047,
        .sum_sq = 255999.243539},
    // chord
    Golden{
        .size = 676,
        .head = {25, -97.0810165, 62.9155312, 21.2020397, -6.3865633, -10.4465542},
        .tail = {6.23516178, 1.89562726, 2.7894311, 5.0518918, 1.29335797, 4.77630949},
        .strided = {25, -9.25467491, -13.5341291, 27.2563133, 3.39103222, 12.6684752,
                13.3646622, 2.01316929, 3.92032623, -0.170453787, -0.115874596, 0.937182426,
                0.937423468, -0.0633798316, 2.00966239, 1.01550615, -1.82856429, -2.02133155,
                5.33506346},
        .sum = 1835.36178506,
        .sum_abs = 5613.71995455,
        .sum_sq = 830432.747134},
    // noise_bursts
    Golden{
        .size = 676,
        .head = {25, -18.1146564, 36.3448944, -2.07814622, 2.14259171, -0.426270008},
        .tail = {1.77967906, -1.0428921, 0.516391933, 2.51906228, -0.973220706, 1.59202373},
        .strided = {25, 7.69293213, -0.0769747719, -0.228734717, 0.448760599, 0.298878044,
                -0.299130708, -0.114224471, 2.29303694, -0.768391728, -0.00140671793, 0.0810923427,
                -0.341789544, 0.0569987558, 0.0313932486, 0.0177778099, 0.0570090078, 0.0661222711,
                1.82849467},
        .sum = 2162.85442817,
        .sum_abs = 2675.08144986,
        .sum_sq = 3861389.68944}
  });
}

// timbre-v2 stores the timbre-v1 vector and log det of its covariance; the shared prefix is pinned above,
// this pins the whole vector (log det included) as a library stores it.
TEST(GoldenVectors, TimbreV2) {
  const TimbreExtractor e(kTimbreV2);
  ASSERT_EQ(e.kind(), "timbre-v2");
  check_kind(e, {
    // timbre-v2 tone
    Golden{
        .size = 678,
        .head = {25, -161.396805, 58.8472481, 10.2925062, -20.3722343, -19.5735359},
        .tail = {1.32007766, 11.1674128, 7.94657421, 11.8287649, -7.42452097, 5.62653533e-08},
        .strided = {25, 28.6289616, -4.96740866, -30.4756927, 7.95728254, 12.5836916,
                -20.9791965, -0.809888542, 19.5088539, 0.559884608, -0.39438048, -6.85690546,
                -3.44673109, 16.7968063, -19.3051281, 8.39188671, 1.58348715, -3.63726401,
                14.9526005},
        .sum = 970.729029036,
        .sum_abs = 6418.33071721,
        .sum_sq = 256054.887373},
    // timbre-v2 chord
    Golden{
        .size = 678,
        .head = {25, -97.0810165, 62.9155273, 21.2020397, -6.38656378, -10.4465542},
        .tail = {2.78942657, 5.05189133, 1.29335189, 4.77631092, -1.80759275, -4.92243721e-08},
        .strided = {25, -9.25466728, -13.5341263, 27.2563152, 3.39103127, 12.668479,
                13.364665, 2.01316857, 3.92032719, -0.170453697, -0.115874834, 0.937180519,
                0.937420726, -0.0633823797, 2.00965738, 1.0155009, -1.82856631, -2.02132249,
                5.33506155},
        .sum = 1833.55414083,
        .sum_abs = 5615.52655342,
        .sum_sq = 830436.01995},
    // timbre-v2 noise_bursts
    Golden{
        .size = 678,
        .head = {25, -18.1146564, 36.3448944, -2.07814646, 2.14259171, -0.426269919},
        .tail = {0.516392291, 2.51906204, -0.973220825, 1.59202409, 17.128828, -8.93784488e-07},
        .strided = {25, 7.69293785, -0.0769742876, -0.228735119, 0.44876045, 0.298877925,
                -0.299131185, -0.114224501, 2.2930367, -0.768391609, -0.00140671525, 0.0810922757,
                -0.341789722, 0.0569987558, 0.0313933045, 0.0177780781, 0.0570089258, 0.0661222935,
                1.82849503},
        .sum = 2179.9832327,
        .sum_abs = 2692.21032387,
        .sum_sq = 3861683.08579}
  });
}

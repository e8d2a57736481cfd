#pragma once
// Mutual proximity (Schnitzer, Flexer, Schedl & Widmer, JMLR 2012): rescales a distance d(x, y) by how
// unusual it is for both x and y, which removes "hubs" (songs in everybody's top ten). Each song keeps
// the mean and standard deviation of its distances to a sample of the library; assuming those
// distances are Gaussian,  MP(x, y) = 1 - P(D_x > d) * P(D_y > d).
#include <span>

namespace soundalike {

struct DistanceStats {
  float mean = 0.0f;
  float stddev = 1.0f;
};

// Mean and (population) standard deviation of one song's distances to a sample of the library.
// A zero spread is widened to a tiny epsilon so the normal model stays defined.
DistanceStats distance_stats(std::span<const float> distances);

// The mutual-proximity distance in [0, 1]: small when each song is among the other's unusually close ones.
double mutual_proximity(double distance, const DistanceStats& x, const DistanceStats& y);

}  // namespace soundalike

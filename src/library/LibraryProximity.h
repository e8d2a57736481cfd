#pragma once
// Mutual proximity for a library (see MutualProximity.h): every song's mean and spread of distances to
// a fixed-size sample of the library, computed at index time and stored (LibraryDb::distance_stats),
// then used by LibrarySearch to rescale the distances of a query's candidates.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "library/LibraryDb.h"
#include "search/ProximityInput.h"
#include "search/SongIndex.h"

namespace soundalike {

struct MpUpdate {
  size_t computed = 0;        // songs whose statistics were (re)computed
  bool refreshed_all = false; // the library outgrew the old statistics (size doubled): all recomputed
};

// Computes and stores the statistics of every song of `kind` that lacks them for `metric`, and of all
// songs when the library has more than doubled since the oldest ones were computed.
MpUpdate update_distance_stats(LibraryDb& db, const std::string& kind, Metric metric, size_t sample_size = kMpSampleSize,
                               int jobs = 0);

}  // namespace soundalike

#pragma once
// `soundalike map`: the library as a 2-D picture (PCA of the vectors), coloured by label, with a legend.
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "common/Image.h"
#include "library/LibraryDb.h"

namespace soundalike {

struct MapPoint {
  int64_t id = 0;
  float x = 0, y = 0;  // first two principal components
  std::string label;
};

// Projects every vector of `kind` onto its first two principal components.
std::vector<MapPoint> project_library(const LibraryDb& db, const std::string& kind);

struct MapOptions {
  int width = 1200, height = 900;
  std::set<int64_t> highlight;  // drawn larger with a black ring
};
// Colours the points by label (the 11 most common labels get a colour, the rest grey "other").
RgbImage render_map(const std::vector<MapPoint>& points, const MapOptions& options);

}  // namespace soundalike

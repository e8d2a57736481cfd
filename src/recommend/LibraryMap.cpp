#include "recommend/LibraryMap.h"

#include <Eigen/Dense>

#include <algorithm>
#include <map>

#include "common/Error.h"
#include "recommend/Recommender.h"

namespace soundalike {

std::vector<MapPoint> project_library(const LibraryDb& db, const std::string& kind) {
  const VectorSet v = db.vectors(kind);
  if (v.ids.empty()) throw InputError(ExitCode::bad_data, db.path(), "the library has no vectors of kind " + kind);
  const Eigen::Index n = Eigen::Index(v.ids.size()), d = v.dimension;
  Eigen::MatrixXd x = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(v.data.data(), n, d).cast<double>();
  x.rowwise() -= x.colwise().mean();
  // The covariance is d x d (d <= a few hundred), cheap even for a million songs.
  const Eigen::MatrixXd cov = (x.transpose() * x) / double(std::max<Eigen::Index>(1, n - 1));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  Eigen::MatrixXd axes(d, 2);
  axes.col(0) = eig.eigenvectors().col(d - 1);
  axes.col(1) = d > 1 ? Eigen::VectorXd(eig.eigenvectors().col(d - 2)) : Eigen::VectorXd::Zero(d);
  const Eigen::MatrixXd p = x * axes;
  std::vector<MapPoint> out;
  out.reserve(size_t(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    MapPoint m;
    m.id = v.ids[size_t(i)];
    m.x = float(p(i, 0));
    m.y = float(p(i, 1));
    if (auto t = db.track(m.id)) m.label = display_label(db, *t, kind);
    out.push_back(std::move(m));
  }
  return out;
}

RgbImage render_map(const std::vector<MapPoint>& points, const MapOptions& o) {
  RgbImage img(o.width, o.height, Rgb{255, 255, 255});
  static const Rgb kPalette[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
                                 {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {188, 189, 34},
                                 {23, 190, 207},  {0, 0, 128},    {128, 128, 0}};
  const Rgb kOther{150, 150, 150};
  std::map<std::string, int> counts;
  for (const auto& p : points) ++counts[p.label.empty() ? "(no label)" : p.label];
  std::vector<std::pair<std::string, int>> order(counts.begin(), counts.end());
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  std::map<std::string, Rgb> colour;
  for (size_t i = 0; i < order.size() && i < std::size(kPalette); ++i) colour[order[i].first] = kPalette[i];

  const int legend_w = 260, margin = 30;
  float minx = 0, maxx = 1, miny = 0, maxy = 1;
  if (!points.empty()) {
    minx = maxx = points[0].x;
    miny = maxy = points[0].y;
    for (const auto& p : points) {
      minx = std::min(minx, p.x), maxx = std::max(maxx, p.x);
      miny = std::min(miny, p.y), maxy = std::max(maxy, p.y);
    }
  }
  const float sx = float(o.width - legend_w - 2 * margin) / std::max(1e-9f, maxx - minx);
  const float sy = float(o.height - 2 * margin) / std::max(1e-9f, maxy - miny);
  auto px = [&](const MapPoint& p) { return std::pair<int, int>{margin + int((p.x - minx) * sx), o.height - margin - int((p.y - miny) * sy)}; };
  auto label_colour = [&](const std::string& l) {
    auto it = colour.find(l.empty() ? "(no label)" : l);
    return it == colour.end() ? kOther : it->second;
  };
  for (const auto& p : points) {
    const auto [x, y] = px(p);
    img.fill_rect(x - 3, y - 3, 7, 7, label_colour(p.label));
  }
  for (const auto& p : points)
    if (o.highlight.contains(p.id)) {
      const auto [x, y] = px(p);
      img.fill_rect(x - 6, y - 6, 13, 13, Rgb{0, 0, 0});
      img.fill_rect(x - 4, y - 4, 9, 9, label_colour(p.label));
    }
  // Legend.
  const int lx = o.width - legend_w + 10;
  int ly = margin;
  img.text(lx, ly, "PCA OF " + std::to_string(points.size()) + " SONGS", Rgb{0, 0, 0}, 2);
  ly += 30;
  for (size_t i = 0; i < order.size() && i < std::size(kPalette); ++i, ly += 22) {
    img.fill_rect(lx, ly, 14, 14, kPalette[i]);
    std::string name = order[i].first.substr(0, 18);
    for (char& c : name) c = char(std::toupper(static_cast<unsigned char>(c)));
    img.text(lx + 22, ly + 2, name + " (" + std::to_string(order[i].second) + ")", Rgb{0, 0, 0}, 1);
  }
  if (order.size() > std::size(kPalette)) {
    img.fill_rect(lx, ly, 14, 14, kOther);
    img.text(lx + 22, ly + 2, "OTHER", Rgb{0, 0, 0}, 1);
    ly += 22;
  }
  if (!o.highlight.empty()) {
    img.fill_rect(lx, ly, 14, 14, Rgb{0, 0, 0});
    img.text(lx + 22, ly + 2, "QUERY AND NEIGHBOURS", Rgb{0, 0, 0}, 1);
  }
  return img;
}

}  // namespace soundalike

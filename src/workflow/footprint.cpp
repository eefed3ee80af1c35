#include <algorithm>
#include <cmath>

#include "orthotrack/coreg/master.hpp"
#include "orthotrack/geometry/range_doppler.hpp"
#include "orthotrack/workflow/products.hpp"

namespace orthotrack::workflow {
namespace {
io::LonLatBounds borderBounds(const geometry::SceneGeometry& g, double h0, double h1) {
  io::LonLatBounds b{1e9, -1e9, 1e9, -1e9};
  const auto L = static_cast<double>(g.grid().length - 1), W = static_cast<double>(g.grid().width - 1);
  for (double h : {h0, h1}) {
    const auto dem = geometry::Dem::constant(h);
    for (int i = 0; i <= 4; ++i)
      for (int j = 0; j <= 4; ++j) {
        if (i != 0 && i != 4 && j != 0 && j != 4) continue;
        geometry::Rdr2GeoResult r;
        if (geometry::rdr2geo(g, 0.25 * i * L, 0.25 * j * W, dem, r) != Status::Ok) continue;
        b.lonMin = std::min(b.lonMin, r.llh.lon / kDeg);
        b.lonMax = std::max(b.lonMax, r.llh.lon / kDeg);
        b.latMin = std::min(b.latMin, r.llh.lat / kDeg);
        b.latMax = std::max(b.latMax, r.llh.lat / kDeg);
      }
  }
  return b;
}
}  // namespace

StackFootprint stackFootprint(const io::Stack& stack) {
  StackFootprint out;
  out.dem = io::rasterBoundsLonLat(stack.dem);
  // Heights of the DEM over the union of the footprints on the ellipsoid (clipped to the DEM).
  std::vector<geometry::SceneGeometry> geoms;
  io::LonLatBounds u{1e9, -1e9, 1e9, -1e9};
  for (const auto& s : stack.scenes) {
    geoms.push_back(coreg::sceneGeometry(s));
    const auto b = borderBounds(geoms.back(), 0.0, 0.0);
    u = {std::min(u.lonMin, b.lonMin), std::max(u.lonMax, b.lonMax), std::min(u.latMin, b.latMin), std::max(u.latMax, b.latMax)};
  }
  const io::LonLatBounds clip{std::max(u.lonMin, out.dem.lonMin), std::min(u.lonMax, out.dem.lonMax),
                              std::max(u.latMin, out.dem.latMin), std::min(u.latMax, out.dem.latMax)};
  out.demMinHeight = 0;
  out.demMaxHeight = 0;
  if (clip.lonMax > clip.lonMin && clip.latMax > clip.latMin) {
    const auto d = io::loadDem(stack.dem, clip);
    double lo = 1e9, hi = -1e9;
    for (float v : d.heights.vector())
      if (std::isfinite(v)) {
        lo = std::min(lo, static_cast<double>(v));
        hi = std::max(hi, static_cast<double>(v));
      }
    if (hi >= lo) {
      out.demMinHeight = lo;
      out.demMaxHeight = hi;
    }
  }
  for (std::size_t i = 0; i < stack.scenes.size(); ++i) {
    SceneFootprint f;
    f.id = stack.scenes[i].id;
    f.bounds = borderBounds(geoms[i], out.demMinHeight, out.demMaxHeight);
    f.demCovers = f.bounds.lonMin >= out.dem.lonMin && f.bounds.lonMax <= out.dem.lonMax && f.bounds.latMin >= out.dem.latMin &&
                  f.bounds.latMax <= out.dem.latMax;
    out.scenes.push_back(f);
  }
  return out;
}

}  // namespace orthotrack::workflow

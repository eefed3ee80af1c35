#pragma once
// Helpers of the simulator tests: the true geometry, DEM and lookups a simulated stack's truth
// gives, and rectification of a scene into the master grid with the true lookup.
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orthotrack/coreg/coreg.hpp"
#include "orthotrack/coreg/master.hpp"
#include "orthotrack/coreg/resample.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/io/scene.hpp"

namespace orthotrack::test {

/// A simulated stack on disk with its truth.
struct SimStack {
  std::string dir;
  io::Stack stack;
  nlohmann::json truth;
};

inline SimStack loadSimStack(const std::string& dir) {
  SimStack t;
  t.dir = dir;
  t.stack = io::loadStack(dir + "/stack.toml");
  t.truth = nlohmann::json::parse(io::readTextFile(dir + "/truth/truth.json"));
  return t;
}

inline const nlohmann::json& truthScene(const SimStack& t, const std::string& id) {
  for (const auto& s : t.truth.at("scenes"))
    if (s.at("id") == id) return s;
  throw std::runtime_error("scene not in truth.json: " + id);
}

// The TRUE geometry of a scene: its metadata orbit minus the errors truth.json says were applied.
inline geometry::SceneGeometry trueGeometry(const SimStack& t, const std::string& id) {
  const io::SceneMetadata& m = t.stack.scene(id);
  const auto& ts = truthScene(t, id);
  const double dt = ts.at("orbit_timing_error_s").get<double>();
  const auto& e = ts.at("orbit_position_error_m");
  const Vec3 dp(e[0].get<double>(), e[1].get<double>(), e[2].get<double>());
  std::vector<StateVector> svs;
  for (const auto& sv : m.orbit.stateVectors()) svs.push_back({sv.time.plusSeconds(-dt), sv.position - dp, sv.velocity});
  return geometry::SceneGeometry(Orbit(svs), m.grid);
}

inline geometry::Dem trueDem(const SimStack& t) {
  const io::RasterReader r(t.dir + "/truth/dem_true.tif");
  return geometry::Dem(r.readAll<float>(1), r.info().geo);
}

// Resamples scene `id` into the master grid with the simulator's true lookup.
inline Raster<cfloat> rectify(const SimStack& t, const std::string& id) {
  const io::SceneMetadata& m = t.stack.scene(id);
  const Raster<cfloat> img = coreg::readSlc(m);
  const io::RasterReader r(t.dir + "/truth/lookup_" + id + ".tif");
  const Raster<float> lf = r.readAll<float>(1), sf = r.readAll<float>(2);
  Raster<double> lines(lf.length(), lf.width()), samples(lf.length(), lf.width());
  for (std::int64_t i = 0; i < lf.length(); ++i)
    for (std::int64_t j = 0; j < lf.width(); ++j) {
      lines(i, j) = lf(i, j);
      samples(i, j) = sf(i, j);
    }
  Raster<cfloat> out(lf.length(), lf.width());
  coreg::resampleSlc(img.cview(), coreg::sceneGeometry(m), lines.cview(), samples.cview(), {}, out.view());
  return out;
}

/// Mean master intensity |z|² over 9 × 9 boxes lying entirely in one layover/shadow class of the
/// geometry module's mask (true geometry and DEM), away from class borders where the impulse
/// response spreads energy across.
struct MaskIntensity {
  double visible = 0, layover = 0, shadow = 0;
  std::size_t nVisible = 0, nLayover = 0, nShadow = 0;
};
inline MaskIntensity intensityByMaskClass(const SimStack& t) {
  const std::string master = t.truth.at("master_id");
  const auto topo = geometry::computeTopo(trueGeometry(t, master), trueDem(t));
  const Raster<cfloat> img = coreg::readSlc(t.stack.scene(master));
  MaskIntensity m;
  for (std::int64_t i = 4; i < img.length() - 4; i += 3)
    for (std::int64_t j = 4; j < img.width() - 4; j += 3) {
      const std::uint8_t cls = topo.mask(i, j);
      bool uniform = true;
      double sum = 0;
      for (std::int64_t r = i - 4; r <= i + 4 && uniform; ++r)
        for (std::int64_t c = j - 4; c <= j + 4; ++c) {
          if (topo.mask(r, c) != cls || topo.status(r, c) != 0) { uniform = false; break; }
          sum += static_cast<double>(std::norm(img(r, c)));
        }
      if (!uniform) continue;
      if (cls == 0) { m.visible += sum / 81; ++m.nVisible; }
      else if (cls & geometry::kMaskLayover) { m.layover += sum / 81; ++m.nLayover; }
      else { m.shadow += sum / 81; ++m.nShadow; }
    }
  if (m.nVisible) m.visible /= static_cast<double>(m.nVisible);
  if (m.nLayover) m.layover /= static_cast<double>(m.nLayover);
  if (m.nShadow) m.shadow /= static_cast<double>(m.nShadow);
  return m;
}

}  // namespace orthotrack::test

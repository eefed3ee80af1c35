#pragma once
/// Builds a small, valid stack on disk (images, scene JSON, DEM, stack.toml) for tests that need
/// one, and lets a test corrupt one piece at a time.
#include <cmath>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/io/scene.hpp"

namespace orthotrack::test {

/// A straight-ish circular orbit sample around a scene time, 10 s spacing, ECEF.
inline std::vector<StateVector> fakeOrbit(const DateTime& t0, int n = 12) {
  std::vector<StateVector> svs;
  const double R = 7.07e6, w = 2 * kPi / 5900.0;
  for (int i = 0; i < n; ++i) {
    const double t = (i - n / 2) * 10.0;
    svs.push_back({t0.plusSeconds(t), Vec3(R * std::cos(w * t), 0.0, R * std::sin(w * t)),
                   Vec3(-R * w * std::sin(w * t), 0.0, R * w * std::cos(w * t))});
  }
  return svs;
}

inline io::SceneMetadata fakeScene(const std::string& dir, const std::string& id, const std::string& platform,
                                   const DateTime& t, std::int64_t length = 32, std::int64_t width = 24) {
  io::SceneMetadata s;
  s.id = id;
  s.platform = platform;
  s.grid = RadarGrid{t, 1.0 / 2000.0, 850000.0, 9.4, 0.2360571, LookSide::Right, length, width};
  s.orbit = Orbit(fakeOrbit(t));
  s.image = dir + "/" + id + ".tif";
  s.imageKind = io::ImageKind::Slc;
  Raster<cfloat> img(length, width);
  for (std::int64_t r = 0; r < length; ++r)
    for (std::int64_t c = 0; c < width; ++c) img(r, c) = cfloat(static_cast<float>(r), static_cast<float>(c));
  io::writeRaster(s.image, img);
  s.metadataPath = dir + "/" + id + ".json";
  io::writeSceneMetadata(s.metadataPath, s);
  return s;
}

inline std::string fakeDem(const std::string& path, double lon0 = 4.1, double lat0 = -0.1) {
  Raster<float> h(40, 40);
  for (int r = 0; r < 40; ++r)
    for (int c = 0; c < 40; ++c) h(r, c) = 3000.0f + 10.0f * static_cast<float>(r + c);
  GeoGrid g;
  g.transform = {lon0, 0.005, 0, lat0 + 0.2, 0, -0.005};
  g.length = g.width = 40;
  io::writeRaster(path, h, &g, "height", "m");
  return path;
}

/// Writes dir/stack.toml with three scenes of two platforms. Returns its path.
inline std::string fakeStack(const std::string& dir) {
  fakeDem(dir + "/dem.tif");
  io::Stack st;
  st.name = "fake";
  st.dem = dir + "/dem.tif";
  st.outputDir = dir + "/run";
  st.scenes.push_back(fakeScene(dir, "A1", "PALSAR-1", DateTime(2007, 1, 15, 16)));
  st.scenes.push_back(fakeScene(dir, "A2", "PALSAR-1", DateTime(2008, 3, 2, 16)));
  st.scenes.push_back(fakeScene(dir, "B1", "PALSAR-2", DateTime(2015, 7, 27, 5)));
  st.params["offsets"] = {{"step", 16}};
  const std::string p = dir + "/stack.toml";
  io::writeStack(p, st);
  return p;
}

}  // namespace orthotrack::test

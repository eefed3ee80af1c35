#pragma once
// A valid scene (small radar grid, a circular orbit covering it) for the targets that need one.
#include <cmath>
#include <string>

#include "orthotrack/io/scene.hpp"

namespace orthotrack::fuzz {

/// Scene `id` of `platform` with line 0 at `start`: 40 × 30 pixels, 16 state vectors 10 s apart
/// starting 60 s before, on a circular polar orbit of radius 7071 km (ECEF m, m/s).
inline io::SceneMetadata sampleScene(const std::string& id, const std::string& platform, const DateTime& start) {
  io::SceneMetadata s;
  s.id = id;
  s.platform = platform;
  s.polarization = "HH";
  s.image = "/nonexistent/" + id + ".tif";
  s.grid.sensingStart = start;
  s.grid.azimuthTimeInterval = 1.0 / 2000.0;
  s.grid.startingRange = 850000.0;
  s.grid.rangePixelSpacing = 4.68;
  s.grid.wavelength = 0.236;
  s.grid.length = 40;
  s.grid.width = 30;
  std::vector<StateVector> svs;
  const double r = 7.071e6, w = 7300.0 / r;
  for (int k = 0; k < 16; ++k) {
    const double t = -60.0 + 10.0 * k, a = w * t;
    svs.push_back({start.plusSeconds(t), Vec3(r * std::cos(a), 0.0, r * std::sin(a)),
                   Vec3(-r * w * std::sin(a), 0.0, r * w * std::cos(a))});
  }
  s.orbit = Orbit(std::move(svs));
  return s;
}

}  // namespace orthotrack::fuzz

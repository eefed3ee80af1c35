// Fuzz targets of the binary formats: ALOS CEOS leader and Level 1.1 image files, and orbits built
// from arbitrary state vectors.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../fuzz_targets.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/core/orbit.hpp"
#include "orthotrack/io/import_ceos.hpp"
#include "sample_scene.hpp"

namespace orthotrack::fuzz {

int ceosLeader(const std::uint8_t* data, std::size_t size) {
  try {
    const io::CeosLeader L = io::parseCeosLeader(std::vector<unsigned char>(data, data + size), "LED-FUZZ");
    check(!L.records.empty() && L.prf > 0 && L.wavelength > 0 && L.rangeSamplingRate > 0, "accepted leader lacks its grid values");
    check(L.stateVectors.size() >= 4, "accepted leader has fewer than 4 state vectors");
    const Orbit o = L.orbit();
    Vec3 p, v;
    (void)o.interpolate(0.5 * (o.startTime() + o.endTime()), p, v);
    (void)L.calibrationConstantDb();
  } catch (const Error& e) {
    refused(e);
  }
  return 0;
}

int ceosImage(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool palsar2 = (data[0] & 1) != 0;  // first byte: which prefix layout; the rest is the file
  const std::string path = writeScratch("IMG-HH-FUZZ", data + 1, size - 1);
  try {
    const io::CeosSlcReader r(path, palsar2);
    check(r.length() >= 1 && r.width() >= 1, "accepted image without lines or pixels");
    // The reader checked that every record is in the file, so a few lines always fit in memory.
    const std::int64_t n = std::min<std::int64_t>(r.length(), 3);
    std::vector<cfloat> buf(static_cast<std::size_t>(n * r.width()));
    std::vector<io::CeosLinePrefix> pre;
    r.readLines(0, n, buf.data(), &pre);
    check(static_cast<std::int64_t>(pre.size()) == n, "readLines returned the wrong number of prefixes");
    // The scene grid from the image and a plausible leader.
    io::CeosLeader L;
    L.path = "LED-FUZZ";
    L.mission = palsar2 ? "ALOS2" : "ALOS";
    L.platform = palsar2 ? "PALSAR-2" : "PALSAR-1";
    L.productLevel = "1.1";
    L.prf = 2122.318;  // Hz, the seeds' line PRF
    L.wavelength = 0.236;
    L.rangeSamplingRate = 32e6;
    L.dopplerConstant = 10.0;
    L.dopplerLinear = -0.01;
    const io::SceneMetadata ref = sampleScene("X", L.platform, pre.front().time);
    L.stateVectors = ref.orbit.stateVectors();
    const io::SceneMetadata s = io::ceosSceneMetadata(L, r, "HH");
    check(s.grid.length == r.length() && s.grid.width == r.width(), "scene grid differs from the image size");
  } catch (const Error& e) {
    refused(e);
  }
  return 0;
}

int orbit(const std::uint8_t* data, std::size_t size) {
  Bytes b(data, size);
  // State vectors: a base time, then per vector a time step and position/velocity, each either a
  // plausible value (flag bit clear) or any double.
  const std::uint8_t n = b.u8() % 24;
  const DateTime base = DateTime(2020, 1, 1).plusSeconds(static_cast<double>(b.u32() % 100000));
  std::vector<StateVector> svs;
  double t = 0;
  for (std::uint8_t k = 0; k < n; ++k) {
    const std::uint8_t flags = b.u8();
    t += (flags & 1) ? b.f64() : 1.0 + (b.u8() % 16);
    Vec3 p(7.0e6 + b.u8(), 1.0e5 * k, 0), v(0, 7.5e3, 0);
    if (flags & 2) p = Vec3(b.f64(), b.f64(), b.f64());
    if (flags & 4) v = Vec3(b.f64(), b.f64(), b.f64());
    try {
      svs.push_back({base.plusSeconds(t), p, v});
    } catch (const Error&) {
      return 0;  // a time DateTime cannot hold is refused, not wrapped
    }
  }
  const int order = 4 + b.u8() % 14;  // 4..17 (17 is invalid)
  try {
    Orbit o(svs, order);
    o.setExtrapolationMargin((b.u8() & 1) ? b.f64() : 0.0);
    for (int q = 0; q < 4; ++q) {
      Vec3 p, v;
      const double tq = (b.u8() & 1) ? b.f64() : o.startTime() + (o.endTime() - o.startTime()) * (b.u8() / 255.0);
      (void)o.interpolate(tq, p, v);
    }
    (void)o.covers(b.f64(), b.f64());
    if (b.u8() & 1) {
      const double spacing = (b.u8() & 1) ? b.f64() : 1.0;
      const Orbit h = resampleHermite(o, spacing);
      check(h.size() >= 4, "resampled orbit has fewer than 4 state vectors");
    }
  } catch (const Error& e) {
    refused(e);
  }
  return 0;
}

}  // namespace orthotrack::fuzz

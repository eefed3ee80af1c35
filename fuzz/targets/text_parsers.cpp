// Fuzz targets of the text formats: stack.toml, scene metadata JSON, precipitation CSV, GeoJSON.
#include <cmath>
#include <filesystem>
#include <string>

#include "../fuzz_targets.hpp"
#include "orthotrack/analysis/series.hpp"
#include "orthotrack/analysis/triggers.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/io/scene.hpp"
#include "sample_scene.hpp"

namespace orthotrack::fuzz {
namespace {

std::string text(const std::uint8_t* d, std::size_t n) { return std::string(reinterpret_cast<const char*>(d), n); }

// What must survive a write and a read back of a scene.
void checkSameScene(const io::SceneMetadata& a, const io::SceneMetadata& b) {
  check(a.id == b.id && a.platform == b.platform && a.image == b.image && a.imageBand == b.imageBand &&
            a.imageKind == b.imageKind,
        "scene round trip changed the id, platform or image");
  check(a.grid.sensingStart == b.grid.sensingStart && a.grid.length == b.grid.length && a.grid.width == b.grid.width &&
            a.grid.azimuthTimeInterval == b.grid.azimuthTimeInterval && a.grid.startingRange == b.grid.startingRange &&
            a.grid.rangePixelSpacing == b.grid.rangePixelSpacing && a.grid.wavelength == b.grid.wavelength &&
            a.grid.lookSide == b.grid.lookSide,
        "scene round trip changed the radar grid");
  check(a.orbit.size() == b.orbit.size() && a.orbit.startDateTime() == b.orbit.startDateTime() &&
            a.orbit.endDateTime() == b.orbit.endDateTime(),
        "scene round trip changed the orbit");
  check(a.doppler.data() == b.doppler.data() && a.doppler.constant() == b.doppler.constant(),
        "scene round trip changed the Doppler");
}

}  // namespace

int sceneJson(const std::uint8_t* data, std::size_t size) {
  const std::string path = writeScratch("scene.json", data, size);
  try {
    const io::SceneMetadata s = io::readSceneMetadata(path);
    // What a run derives from a scene right after loading it.
    const DateTime mid = s.acquisitionTime();
    (void)s.grid.sensingStop();
    (void)s.orbit.covers(s.orbit.toSeconds(s.grid.sensingStart), s.orbit.toSeconds(s.grid.sensingStop()));
    (void)s.doppler.eval(s.doppler.epoch().secondsSince(mid), s.grid.slantRange(0.5 * static_cast<double>(s.grid.width)));
    Vec3 p, v;
    (void)s.orbit.interpolate(s.orbit.toSeconds(mid), p, v);
    // Written and read back, the scene is the same.
    io::writeSceneMetadata(scratchDir() + "/scene_again.json", s);
    io::SceneMetadata again;
    try {
      again = io::readSceneMetadata(scratchDir() + "/scene_again.json");
    } catch (const Error& e) {
      check(false, std::string("a scene that loaded does not load again after writeSceneMetadata: ") + e.what());
    }
    checkSameScene(s, again);
  } catch (const Error& e) {
    refused(e);
  }
  return 0;
}

int stackToml(const std::uint8_t* data, std::size_t size) {
  // The files a stack may name: dem.tif (exists), a.json and b.json (valid scenes), rain.csv.
  static const std::string dir = [] {
    const std::string d = scratchDir() + "/stack";
    std::filesystem::create_directories(d);
    writeScratch(d + "/dem.tif", "not read: the stack check only needs it to exist");
    writeScratch(d + "/rain.csv", "date,mm\n2020-01,10\n");
    io::writeSceneMetadata(d + "/a.json", sampleScene("A1", "PALSAR-1", DateTime(2020, 1, 5, 12, 0, 0.0)));
    io::writeSceneMetadata(d + "/b.json", sampleScene("B1", "PALSAR-2", DateTime(2020, 3, 5, 12, 0, 0.0)));
    return d;
  }();
  const std::string path = dir + "/stack.toml";
  writeScratch(path, text(data, size));
  io::StackCheck chk;
  chk.images = false;  // images are GDAL's business (out of scope)
  try {
    const io::Stack st = io::loadStack(path, chk);
    check(!st.scenes.empty(), "a stack without scenes loaded");
    // Written and read back, the stack is the same.
    io::writeStack(dir + "/again.toml", st);
    io::Stack again;
    try {
      again = io::loadStack(dir + "/again.toml", chk);
    } catch (const Error& e) {
      check(false, std::string("a stack that loaded does not load again after writeStack: ") + e.what());
    }
    check(again.name == st.name && again.dem == st.dem && again.outputDir == st.outputDir &&
              again.precipitation == st.precipitation && again.truthDir == st.truthDir && again.scenes.size() == st.scenes.size(),
          "stack round trip changed [stack]");
    check(again.params.dump() == st.params.dump(), "stack round trip changed the processing sections: " + st.params.dump() +
                                                       " became " + again.params.dump());
  } catch (const Error& e) {
    refused(e);
  }
  return 0;
}

int precipCsv(const std::uint8_t* data, std::size_t size) {
  try {
    const analysis::MonthlyPrecip p = analysis::parsePrecipCsv(text(data, size), "fuzz.csv");
    check(!p.mm.empty() && p.startMonth >= 1 && p.startMonth <= 12, "accepted CSV gives an empty or invalid month table");
    for (double v : p.mm) check(std::isnan(v) || v >= 0, "accepted CSV gives a negative monthly total");
    const DateTime a = p.monthStart(0), b = p.monthStart(p.size() - 1);
    (void)analysis::windowMeanPrecip(p, a, b.plusSeconds(86400.0), 0.0);
    (void)analysis::windowMeanPrecip(p, a, b.plusSeconds(86400.0), 3.0);
  } catch (const Error& e) {
    refused(e);
  }
  return 0;
}

int geoJson(const std::uint8_t* data, std::size_t size) {
  try {
    const analysis::MultiPolygon polys = analysis::parseGeoJsonPolygons(text(data, size), "fuzz.geojson");
    check(!polys.empty(), "accepted GeoJSON without a polygon");
    GeoGrid g;
    g.transform = {98.6, 0.01, 0, 31.2, 0, -0.01};
    g.length = 24;
    g.width = 24;
    const auto mask = analysis::rasterizePolygon(g, polys);
    check(mask.length() == g.length && mask.width() == g.width, "rasterized mask has the wrong size");
    (void)analysis::pointInPolygon(98.7, 31.1, polys);
  } catch (const Error& e) {
    refused(e);
  }
  return 0;
}

}  // namespace orthotrack::fuzz

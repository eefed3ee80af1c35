#pragma once
// Readers for the plain-text / raw copies of ISCE3's test data (real/isce3/derived, see its README).
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/lut2d.hpp"
#include "orthotrack/core/orbit.hpp"
#include "orthotrack/core/radar_grid.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/range_doppler.hpp"
#include "test_data.hpp"

namespace orthotrack::test {

inline std::vector<std::vector<double>> readCsvNumbers(const std::string& path, int skipLines) {
  std::ifstream in(path);
  if (!in) throw IoError("cannot open", {path, "", ""});
  std::string line;
  std::vector<std::vector<double>> rows;
  for (int i = 0; i < skipLines && std::getline(in, line); ++i) {}
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<double> row;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

inline std::vector<double> readColumn(const std::string& path) {
  std::ifstream in(path);
  std::vector<double> v;
  double x;
  while (in >> x) v.push_back(x);
  return v;
}

inline nlohmann::json readJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// "seconds since 2003-02-24 00:00:00" -> DateTime
inline DateTime epochFromUnits(const std::string& units) {
  const auto pos = units.find("since ");
  return DateTime::parse(units.substr(pos + 6));
}

inline Orbit readOrbitCsv(const std::string& path, const DateTime& epoch) {
  std::vector<StateVector> svs;
  for (const auto& r : readCsvNumbers(path, 2))
    svs.push_back({epoch.plusSeconds(r[0]), Vec3(r[1], r[2], r[3]), Vec3(r[4], r[5], r[6])});
  return Orbit(svs, epoch, 8);
}

struct RealScene {
  geometry::SceneGeometry geom;
  LUT2d dopplerLut;
  DateTime epoch;
};

// prefix: "envisat" or "winnipeg"
inline RealScene readRealScene(const std::string& prefix) {
  const std::string d = dataPath("real/isce3/derived/");
  const auto j = readJson(d + prefix + "_radargrid.json");
  const DateTime epoch = epochFromUnits(j["zero_doppler_time_units"].get<std::string>());
  Orbit orbit = readOrbitCsv(d + prefix + "_orbit.csv", epoch);
  RadarGrid g;
  g.sensingStart = epoch.plusSeconds(j["first_zero_doppler_time_s"].get<double>());
  g.azimuthTimeInterval = j["zero_doppler_time_spacing_s"].get<double>();
  g.startingRange = j["first_slant_range_m"].get<double>();
  g.rangePixelSpacing = j["slant_range_spacing_m"].get<double>();
  g.wavelength = j["wavelength_m"].get<double>();
  g.lookSide = parseLookSide(j["look_direction"].get<std::string>());
  g.length = j["lines"].get<std::int64_t>();
  g.width = j["samples"].get<std::int64_t>();
  const auto times = readColumn(d + prefix + "_doppler_lut_time.txt");
  const auto ranges = readColumn(d + prefix + "_doppler_lut_range.txt");
  std::vector<double> data;
  for (const auto& r : readCsvNumbers(d + prefix + "_doppler_lut.csv", 0))
    data.insert(data.end(), r.begin(), r.end());
  LUT2d lut(ranges.front(), ranges[1] - ranges[0], static_cast<int>(ranges.size()), times.front(), times[1] - times[0],
            static_cast<int>(times.size()), data, epoch);
  return {geometry::SceneGeometry(orbit, g), lut, epoch};
}

inline geometry::Dem readRealDem(const std::string& name, geometry::DemOptions opt = {}) {
  const std::string d = dataPath("real/isce3/derived/");
  const auto j = readJson(d + name + ".json");
  GeoGrid grid;
  for (int i = 0; i < 6; ++i) grid.transform[static_cast<std::size_t>(i)] = j["geotransform_gdal"][static_cast<std::size_t>(i)].get<double>();
  grid.length = j["rows"].get<std::int64_t>();
  grid.width = j["cols"].get<std::int64_t>();
  grid.epsg = 4326;
  Raster<float> h(grid.length, grid.width);
  std::ifstream in(d + name + ".f4", std::ios::binary);
  in.read(reinterpret_cast<char*>(h.data()), static_cast<std::streamsize>(h.size() * sizeof(float)));
  return geometry::Dem(std::move(h), grid, opt);
}

template <class T>
inline std::vector<T> readRaw(const std::string& path, std::size_t n) {
  std::vector<T> v(n);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
  if (!in) throw IoError("short read", {path, "", ""});
  return v;
}

}  // namespace orthotrack::test

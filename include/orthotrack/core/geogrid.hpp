#pragma once
/// A map grid: GDAL-style geotransform + CRS + shape. Pixel (row, col) centre is at
/// x = x0 + (col + 0.5)·dx, y = y0 + (row + 0.5)·dy (dy < 0 for north-up grids).
#include <array>
#include <cstdint>
#include <string>

namespace orthotrack {

struct GeoGrid {
  /// GDAL geotransform: {x0, dx, rotX, y0, rotY, dy} with (x0, y0) the outer corner of pixel (0,0).
  std::array<double, 6> transform{0, 1, 0, 0, 0, 1};
  int epsg = 4326;         ///< EPSG code (0 if only `wkt` is known)
  std::string wkt;         ///< CRS as WKT (may be empty when epsg is set)
  std::int64_t length = 0; ///< rows
  std::int64_t width = 0;  ///< columns

  double x(double col) const { return transform[0] + (col + 0.5) * transform[1]; }
  double y(double row) const { return transform[3] + (row + 0.5) * transform[5]; }
  /// Fractional column/row of a map coordinate (pixel centres at integers).
  double col(double xMap) const { return (xMap - transform[0]) / transform[1] - 0.5; }
  double row(double yMap) const { return (yMap - transform[3]) / transform[5] - 0.5; }
  double dx() const { return transform[1]; }
  double dy() const { return transform[5]; }
  bool isGeographic() const { return epsg == 4326; }
  /// Bounds of the outer pixel edges: min/max x and y.
  double xMin() const { return transform[1] > 0 ? transform[0] : transform[0] + width * transform[1]; }
  double xMax() const { return transform[1] > 0 ? transform[0] + width * transform[1] : transform[0]; }
  double yMin() const { return transform[5] < 0 ? transform[3] + length * transform[5] : transform[3]; }
  double yMax() const { return transform[5] < 0 ? transform[3] : transform[3] + length * transform[5]; }
  /// A north-up geographic grid covering [lonMin, lonMax] × [latMin, latMax] at `spacing` degrees.
  static GeoGrid geographic(double lonMin, double lonMax, double latMin, double latMax, double spacingDeg);
};

}  // namespace orthotrack

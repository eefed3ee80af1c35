#pragma once
/// Time series at points and averaged over polygons, from per-date rasters (displacement in m, or any
/// other per-date quantity such as σ0 in dB), plus the geometry helpers to turn a GeoJSON polygon into
/// a pixel mask. Conventions: docs/conventions.md (pixel (row, col), GDAL geotransform, pixel centres
/// at x0 + (col + 0.5)·dx). Method and uncertainty rules: docs/analysis.md §1.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/geogrid.hpp"
#include "orthotrack/core/raster.hpp"

namespace orthotrack::analysis {

/// A per-date series with its 1-σ uncertainty (same unit as the values; NaN where unknown).
struct Series {
  std::vector<DateTime> dates;
  std::vector<double> values;
  std::vector<double> sigma;
  std::vector<int> count;  ///< pixels that contributed per date (1 for a point series, 0 = no data)
};

/// How the uncertainty of a polygon average is reported (docs/analysis.md §1).
enum class AverageSigma {
  MeanOfSigma,    ///< σ̄ = mean of the pixel σ: errors fully correlated between pixels (conservative)
  StandardError,  ///< sqrt(Σ σ_i²)/n: independent pixel errors; without per-pixel σ, the spatial std/√n
};

struct PolygonAverageParams {
  AverageSigma sigmaRule = AverageSigma::MeanOfSigma;
  int minPixels = 1;  ///< dates with fewer valid pixels inside the mask give NaN
  void validate() const;
};

/// Value (and σ) of pixel (row, col) in each date's raster. `sigma` may be empty (σ = NaN) or hold one
/// raster per date. Throws InvalidInput on size mismatches, OutOfDomain for a pixel off the raster.
Series pointSeries(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& values,
                   const std::vector<Raster<float>>& sigma, std::int64_t row, std::int64_t col);

/// Mean over the pixels where `mask` != 0 (NaN pixels skipped per date). Uncertainty per `params`.
Series polygonAverage(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& values,
                      const std::vector<Raster<float>>& sigma, const Raster<std::uint8_t>& mask,
                      const PolygonAverageParams& params = {});

/// A closed ring of (x, y) vertices in map units (lon, lat for EPSG:4326); the closing vertex may be
/// repeated or not.
using Ring = std::vector<std::array<double, 2>>;
struct Polygon {
  Ring outer;
  std::vector<Ring> holes;
};
using MultiPolygon = std::vector<Polygon>;

/// Even-odd point-in-ring test (a point exactly on an edge may fall either side).
bool pointInRing(double x, double y, const Ring& ring);
/// Inside the outer ring and outside every hole.
bool pointInPolygon(double x, double y, const Polygon& poly);
/// Inside any polygon of the multipolygon.
bool pointInPolygon(double x, double y, const MultiPolygon& polys);

/// Mask of the pixels of `grid` whose centres lie inside `polys` (1 inside, 0 outside).
Raster<std::uint8_t> rasterizePolygon(const GeoGrid& grid, const MultiPolygon& polys);
/// Nearest pixel (row, col) of a map coordinate; throws OutOfDomain (key "x,y") off the grid.
std::array<std::int64_t, 2> nearestPixel(const GeoGrid& grid, double x, double y);

/// Parse GeoJSON text holding a Polygon, a MultiPolygon, a Feature with such a geometry, or a
/// FeatureCollection (the union of its polygonal features; other geometry types are an error).
/// Coordinates are [x, y(, z)] in the grid's CRS (lon, lat for EPSG:4326). Throws InvalidInput naming
/// `sourceName` and the JSON path (e.g. "features[2].geometry.coordinates[0][3]").
MultiPolygon parseGeoJsonPolygons(std::string_view text, const std::string& sourceName = "<geojson>");
/// Read a GeoJSON file (IoError if it cannot be read) and parse it.
MultiPolygon readGeoJsonPolygons(const std::string& path);

}  // namespace orthotrack::analysis

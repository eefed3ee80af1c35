#pragma once
/// DEM loading. Any GDAL raster in a geographic or projected CRS is accepted; projected DEMs are
/// warped (bilinear) to geographic EPSG:4326 so that the geometry module works in lon/lat only.
/// Heights are taken as metres above the WGS84 ellipsoid unless `verticalDatum` says otherwise
/// (see README: a DEM referenced to the geoid, such as SRTM/EGM96, differs by up to ~±100 m; the
/// offset-tracking products are insensitive to a constant height bias thanks to the amplitude
/// refinement of the co-registration, but users with geoid DEMs should convert them).
#include <optional>
#include <string>

#include "orthotrack/core/geogrid.hpp"
#include "orthotrack/core/raster.hpp"

namespace orthotrack::io {

/// Geographic bounds in degrees.
struct LonLatBounds {
  double lonMin = 0, lonMax = 0, latMin = 0, latMax = 0;
};

struct DemData {
  std::string path;
  Raster<float> heights;  ///< metres; NaN where the DEM has no data
  GeoGrid grid;           ///< EPSG:4326, north-up
};

/// Loads the DEM, warped to EPSG:4326 if needed. With `bounds`, only the window covering them (plus
/// `marginDeg`) is read, and OutOfDomain (naming the file and both extents) is thrown if the DEM
/// does not cover them. No-data values become NaN. Throws IoError if the file cannot be read.
DemData loadDem(const std::string& path, const std::optional<LonLatBounds>& bounds = std::nullopt,
                double marginDeg = 0.0);

/// Extent of a raster file in EPSG:4326 degrees (the DEM's own extent, warped if projected).
LonLatBounds rasterBoundsLonLat(const std::string& path);

}  // namespace orthotrack::io

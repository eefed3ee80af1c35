#include "orthotrack/io/dem.hpp"

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <gdalwarper.h>
#include <ogr_srs_api.h>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace orthotrack::io {
namespace {

std::string fmt(const LonLatBounds& b) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(5) << "lon " << b.lonMin << ".." << b.lonMax << ", lat " << b.latMin << ".." << b.latMax;
  return s.str();
}

// Opens the DEM, wrapped in a warped VRT to EPSG:4326 when its CRS is not geographic WGS84.
struct Opened {
  GDALDatasetH src = nullptr, ds = nullptr;
  ~Opened() {
    if (ds && ds != src) GDALClose(ds);
    if (src) GDALClose(src);
  }
};

void open(const std::string& path, Opened& o) {
  initGdal();
  if (!std::filesystem::exists(path)) throw IoError("DEM file not found", {path, "", ""});
  o.src = GDALOpen(path.c_str(), GA_ReadOnly);
  if (!o.src) throw IoError(std::string("cannot open the DEM: ") + CPLGetLastErrorMsg(), {path, "", ""});
  double gt[6];
  if (GDALGetGeoTransform(o.src, gt) != CE_None) throw InvalidInput("DEM has no geotransform", {path, "", ""});
  const char* wkt = GDALGetProjectionRef(o.src);
  if (!wkt || !*wkt) throw InvalidInput("DEM has no coordinate reference system", {path, "", ""});
  OGRSpatialReferenceH srs = OSRNewSpatialReference(wkt);
  OGRSpatialReferenceH wgs = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(wgs, 4326);
  const bool same = srs && OSRIsSame(srs, wgs);
  const bool geographic = srs && OSRIsGeographic(srs);
  char* dst = nullptr;
  OSRExportToWkt(wgs, &dst);
  if (same || geographic) {
    o.ds = o.src;
  } else {
    o.ds = GDALAutoCreateWarpedVRT(o.src, wkt, dst, GRA_Bilinear, 0.0, nullptr);
    if (!o.ds) {
      CPLFree(dst);
      OSRDestroySpatialReference(srs);
      OSRDestroySpatialReference(wgs);
      throw IoError(std::string("cannot warp the DEM to EPSG:4326: ") + CPLGetLastErrorMsg(), {path, "", ""});
    }
  }
  CPLFree(dst);
  if (srs) OSRDestroySpatialReference(srs);
  OSRDestroySpatialReference(wgs);
}

GeoGrid gridOf(GDALDatasetH ds) {
  GeoGrid g;
  double gt[6];
  GDALGetGeoTransform(ds, gt);
  for (int i = 0; i < 6; ++i) g.transform[static_cast<std::size_t>(i)] = gt[i];
  g.length = GDALGetRasterYSize(ds);
  g.width = GDALGetRasterXSize(ds);
  g.epsg = 4326;
  return g;
}

}  // namespace

LonLatBounds rasterBoundsLonLat(const std::string& path) {
  Opened o;
  open(path, o);
  const GeoGrid g = gridOf(o.ds);
  return {g.xMin(), g.xMax(), g.yMin(), g.yMax()};
}

DemData loadDem(const std::string& path, const std::optional<LonLatBounds>& bounds, double marginDeg) {
  Opened o;
  open(path, o);
  GeoGrid g = gridOf(o.ds);
  if (g.transform[2] != 0.0 || g.transform[4] != 0.0 || g.transform[1] <= 0 || g.transform[5] >= 0)
    throw InvalidInput("DEM must be a north-up grid without rotation", {path, "geotransform", ""});
  std::int64_t r0 = 0, c0 = 0, rows = g.length, cols = g.width;
  if (bounds) {
    LonLatBounds want{bounds->lonMin - marginDeg, bounds->lonMax + marginDeg, bounds->latMin - marginDeg,
                      bounds->latMax + marginDeg};
    const LonLatBounds have{g.xMin(), g.xMax(), g.yMin(), g.yMax()};
    // Require the footprint itself (without margin) to be covered.
    if (bounds->lonMin < have.lonMin || bounds->lonMax > have.lonMax || bounds->latMin < have.latMin ||
        bounds->latMax > have.latMax)
      throw OutOfDomain("DEM does not cover the scene footprint (" + fmt(*bounds) + "); the DEM covers " + fmt(have),
                        {path, "dem", fmt(*bounds)});
    want.lonMin = std::max(want.lonMin, have.lonMin);
    want.lonMax = std::min(want.lonMax, have.lonMax);
    want.latMin = std::max(want.latMin, have.latMin);
    want.latMax = std::min(want.latMax, have.latMax);
    c0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(g.col(want.lonMin))) - 1);
    const auto c1 = std::min<std::int64_t>(g.width - 1, static_cast<std::int64_t>(std::ceil(g.col(want.lonMax))) + 1);
    r0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(g.row(want.latMax))) - 1);
    const auto r1 = std::min<std::int64_t>(g.length - 1, static_cast<std::int64_t>(std::ceil(g.row(want.latMin))) + 1);
    rows = r1 - r0 + 1;
    cols = c1 - c0 + 1;
  }
  if (rows * cols > (std::int64_t{1} << 31))
    throw InvalidInput("DEM window too large to load (" + std::to_string(rows) + " x " + std::to_string(cols) + ")", {path, "", ""});
  DemData out;
  out.path = path;
  out.heights.resize(rows, cols);
  GDALRasterBandH band = GDALGetRasterBand(o.ds, 1);
  CPLErrorReset();
  if (GDALRasterIO(band, GF_Read, static_cast<int>(c0), static_cast<int>(r0), static_cast<int>(cols), static_cast<int>(rows),
                   out.heights.data(), static_cast<int>(cols), static_cast<int>(rows), GDT_Float32, 0, 0) != CE_None)
    throw IoError(std::string("cannot read the DEM: ") + CPLGetLastErrorMsg(), {path, "", ""});
  int has = 0;
  const double nd = GDALGetRasterNoDataValue(band, &has);
  for (auto& v : out.heights.vector()) {
    if ((has && (v == static_cast<float>(nd) || (std::isnan(nd) && std::isnan(v)))) || !std::isfinite(v) || v < -1000.0f || v > 10000.0f)
      v = std::numeric_limits<float>::quiet_NaN();
  }
  out.grid = g;
  out.grid.transform[0] = g.transform[0] + static_cast<double>(c0) * g.transform[1];
  out.grid.transform[3] = g.transform[3] + static_cast<double>(r0) * g.transform[5];
  out.grid.length = rows;
  out.grid.width = cols;
  return out;
}

}  // namespace orthotrack::io

#pragma once
/// Product files shared by the run steps and the single-step CLI verbs.
#include <map>
#include <string>
#include <vector>

#include "orthotrack/core/geogrid.hpp"
#include "orthotrack/offsets/offsets.hpp"
#include "orthotrack/timeseries/sbas.hpp"

namespace orthotrack::workflow {

/// Writes an offset field as one GeoTIFF: bands range_offset, azimuth_offset (px, secondary minus
/// reference), snr, ncc, cov_rr, cov_aa, cov_ra (px²), window (px), flag; metadata ROW0, COL0,
/// STEP_AZ, STEP_RG, REFERENCE, SECONDARY, CONVENTIONS, FLAGS. Atomic.
void writeOffsetsProduct(const std::string& path, const offsets::OffsetField& field, const std::string& reference,
                         const std::string& secondary);

/// Offsets between two co-registered GDAL rasters of the same size (complex SLCs are correlated as
/// complex chips oversampled before detection; real rasters as amplitudes), streamed through
/// offsets::OffsetEngine in bands sized to `memoryBytes` (bytes; at most offsets::kMaxBandGridRows
/// grid rows), so memory does not grow with the image length. Throws InvalidInput when the sizes
/// differ (naming both files).
offsets::OffsetField offsetsBetweenFiles(const std::string& reference, const std::string& secondary, int band,
                                         const offsets::OffsetParams& params, std::size_t memoryBytes = std::size_t{3} << 30);

/// How writeTimeseriesProducts georeferences and names its files.
struct TimeseriesProductOptions {
  const GeoGrid* geo = nullptr;  ///< map grid of the rasters; nullptr = radar/offset grid (pixel coordinates)
  std::map<std::string, std::string> metadata;  ///< extra GeoTIFF metadata (e.g. ROW0, COL0, STEP_AZ, STEP_RG)
  std::string conventions;       ///< CONVENTIONS metadata of every file (sign and reference of the values)
  std::vector<float> bperp;      ///< per date, m, written to the HDF5 `bperp` dataset (zeros when empty)
  /// true: timeseries_<component>.h5 / velocity_<component>.h5; false (one component only):
  /// timeseries.h5 / velocity.h5.
  bool h5ComponentSuffix = true;
  std::map<std::string, std::string> h5Attributes;  ///< extra MintPy attributes (both HDF5 files)
};

/// Writes the time-series products of an inversion into `dir` (created): per component
/// `<c>.tif` (cumulative displacement, m, one band `d_YYYYMMDD` per date, 0 at the first date, NaN
/// for epochs not connected to it), `<c>_sigma.tif` (1-σ, m, +inf when unconstrained); `rates.tif`
/// (m/yr: `<c>_<window>`, `<c>_sigma_<window>`), `quality.tif` (`<c>_residual_rms` m, `<c>_pairs_used`,
/// `<c>_flags` PixelFlag bits) and MintPy's `timeseries.h5` / `velocity.h5` (velocity = the rate
/// window "all", or the last window). Every file atomically. Returns the paths written.
/// MintPy's geocoding attributes of a map grid: X_FIRST, Y_FIRST (outer corner), X_STEP, Y_STEP,
/// X_UNIT, Y_UNIT ("degrees" for EPSG:4326, else "meters"), EPSG.
std::map<std::string, std::string> mintpyGeoAttributes(const GeoGrid& grid);

std::vector<std::string> writeTimeseriesProducts(const timeseries::InversionResult& result, const std::string& dir,
                                                 const TimeseriesProductOptions& options);

}  // namespace orthotrack::workflow

#include <vector>

#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/scene.hpp"

namespace orthotrack::workflow {

/// Approximate ground footprint of every scene (its border located on the ellipsoid raised to the
/// DEM's height range) and whether the stack's DEM covers it.
struct SceneFootprint {
  std::string id;
  io::LonLatBounds bounds;  ///< degrees
  bool demCovers = false;
};
struct StackFootprint {
  std::vector<SceneFootprint> scenes;
  io::LonLatBounds dem;     ///< the DEM's extent
  double demMinHeight = 0, demMaxHeight = 0;  ///< m, over the scenes
};
StackFootprint stackFootprint(const io::Stack& stack);

}  // namespace orthotrack::workflow

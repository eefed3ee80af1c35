#pragma once
/// Per-pixel geometry over grids, computed block by block in parallel (core/tiling.hpp):
///  - topo layers over a radar grid (rdr2geo on the DEM): lon, lat, height, incidence, local
///    incidence, LOS and flight unit vectors (ENU), layover/shadow mask;
///  - map → radar look-up over a geographic grid (geo2rdr of DEM points);
///  - radar → radar look-up (reference pixel → ground → secondary pixel), for co-registration.
/// Every `...Block` function fills the window of a Block (RasterView outputs of exactly
/// block.rows × block.cols; an empty view skips that layer), so callers can stream large grids.
/// Results do not depend on the blocking or the thread count.
#include <cstdint>

#include "orthotrack/core/geogrid.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/range_doppler.hpp"

namespace orthotrack::geometry {

/// Mask values (bit flags, as ISCE3): 0 visible, 1 shadow, 2 layover, 3 both.
enum MaskBits : std::uint8_t { kMaskShadow = 1, kMaskLayover = 2 };

struct TopoParams {
  Rdr2GeoParams rdr2geo;
  std::int64_t blockLines = 32;  ///< lines per block (blocks span the full width)
  bool layoverShadow = true;     ///< compute the mask (costs a ground profile per line)
  /// Ground-profile sampling of the mask, in profile points per slant-range pixel (≥ 1).
  double maskOversampling = 2.0;
  /// InvalidInput naming `topo.<key>`.
  void validate() const;
};

/// Owning layers, each length × width of the scene's grid. Angles in degrees; unit vectors in ENU
/// at the target; NaN (0 in the mask) where status != Ok.
struct TopoLayers {
  Raster<double> lon, lat;          ///< degrees (WGS84)
  Raster<float> height;             ///< m above WGS84
  Raster<float> incidence;          ///< angle between the ellipsoid normal and the LOS
  Raster<float> localIncidence;     ///< angle between the DEM surface normal and the LOS
  Raster<float> losE, losN, losU;   ///< unit LOS target → sensor
  Raster<float> flightE, flightN, flightU;  ///< unit horizontal flight direction
  Raster<std::uint8_t> mask;        ///< MaskBits
  Raster<std::uint8_t> status;      ///< orthotrack::Status per pixel
  /// Sizes every layer to length × width.
  void resize(std::int64_t length, std::int64_t width);
};

/// Non-owning outputs for one block; empty views are skipped.
struct TopoViews {
  RasterView<double> lon, lat;
  RasterView<float> height, incidence, localIncidence, losE, losN, losU, flightE, flightN, flightU;
  RasterView<std::uint8_t> mask, status;
  /// Views of the block's window in full-size layers.
  static TopoViews window(TopoLayers& layers, const Block& b);
};

/// Layers for one block of the scene's grid (a multi-looked grid: scene.multilooked(az, rg)).
void computeTopoBlock(const SceneGeometry& scene, const Dem& dem, const Block& block, const TopoViews& out,
                      const TopoParams& params = {});
/// All layers of the grid, blocks in parallel.
TopoLayers computeTopo(const SceneGeometry& scene, const Dem& dem, const TopoParams& params = {});

/// Layover/shadow flags (MaskBits) of one line of the grid for samples [sample0, sample0 + n),
/// from a ground profile in the zero-Doppler plane of that line (docs/geometry.md).
/// Returns the status of the line (OutOfDomain if the line is outside the orbit).
Status layoverShadowLine(const SceneGeometry& scene, const Dem& dem, std::int64_t line, std::int64_t sample0,
                         std::int64_t n, std::uint8_t* out, double oversampling = 2.0) noexcept;

struct MapLookupParams {
  Geo2RdrParams geo2rdr;
  std::int64_t blockRows = 64;  ///< map rows per block (blocks span the full width)
  /// Flag local (active) layover and shadow from the DEM slope at each cell.
  bool flags = true;
  void validate() const;
};

/// For each cell of a geographic grid, the fractional radar (line, sample) of the scene, the cell
/// height being the DEM height at its centre. Values outside [0, length) × [0, width) are kept
/// (callers test the range); NaN where status != Ok. `mask` holds local layover/shadow flags
/// (MaskBits): shadow when the surface faces away from the sensor (n̂·l̂ < 0), layover when the
/// slope facing the sensor is steeper than the incidence (slant range decreases away from it).
struct MapLookup {
  Raster<double> line, sample;
  Raster<std::uint8_t> mask, status;
};
void mapToRadarBlock(const SceneGeometry& scene, const Dem& dem, const GeoGrid& grid, const Block& block,
                     RasterView<double> line, RasterView<double> sample, RasterView<std::uint8_t> mask,
                     RasterView<std::uint8_t> status, const MapLookupParams& params = {});
MapLookup mapToRadar(const SceneGeometry& scene, const Dem& dem, const GeoGrid& grid, const MapLookupParams& params = {});

struct RadarLookupParams {
  Rdr2GeoParams rdr2geo;
  Geo2RdrParams geo2rdr;
  std::int64_t blockLines = 32;
  void validate() const;
};

/// For each pixel of the reference grid: rdr2geo on the DEM with the reference geometry, then
/// geo2rdr into the secondary geometry → fractional secondary (line, sample). T = float or double.
template <class T>
struct RadarLookup {
  Raster<T> line, sample;
  Raster<std::uint8_t> status;
};
template <class T>
void radarToRadarBlock(const SceneGeometry& reference, const SceneGeometry& secondary, const Dem& dem, const Block& block,
                       RasterView<T> line, RasterView<T> sample, RasterView<std::uint8_t> status,
                       const RadarLookupParams& params = {});
template <class T = double>
RadarLookup<T> radarToRadar(const SceneGeometry& reference, const SceneGeometry& secondary, const Dem& dem,
                            const RadarLookupParams& params = {});

}  // namespace orthotrack::geometry

#pragma once
/// Height look-up in a geographic DEM (EPSG:4326, north-up grid in degrees).
///
/// Heights are metres above the WGS84 ellipsoid. Queries take longitude/latitude in **radians**
/// (`height`, `heightGradient`, `slope`, ...) because the geometry kernels work in radians; the
/// `...Deg` variants take degrees. No exception leaves a query: each returns a `Status`:
///   Ok           the height is valid (or the fallback height was used, see DemOptions),
///   OutOfDomain  the point lies outside the grid (outer pixel edges) and no fallback is set,
///   InvalidValue a needed DEM sample is no-data (NaN or `noData`) and no fallback is set.
/// On failure the outputs are NaN.
#include <cstdint>
#include <limits>

#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/core/geogrid.hpp"
#include "orthotrack/core/orbit.hpp"
#include "orthotrack/core/raster.hpp"

namespace orthotrack::geometry {

/// Bilinear (2×2), Bicubic (Keys cubic convolution, 4×4) or Spline6: separable natural cubic
/// splines through 6×6 samples (what ISCE3 calls "biquintic"; smoothest, best for slopes).
enum class DemInterpolation { Bilinear, Bicubic, Spline6 };

struct DemOptions {
  /// Interpolation of the heights. Bicubic and Spline6 fall back to bilinear near the grid edge and
  /// where one of their samples is no-data but the inner 2×2 are valid.
  DemInterpolation method = DemInterpolation::Bilinear;
  /// Raster value meaning "no data" (in addition to NaN, which is always no-data).
  float noData = std::numeric_limits<float>::quiet_NaN();
  /// m above WGS84. If finite, queries outside the grid or on no-data return this height with
  /// Status::Ok (and a zero gradient) instead of failing.
  double fallbackHeight = std::numeric_limits<double>::quiet_NaN();
  /// InvalidInput naming `dem.fallback_height` if it is infinite.
  void validate() const;
};

class Dem {
 public:
  /// A constant height of 0 m everywhere (the ellipsoid).
  Dem() = default;
  /// A constant height (m above WGS84) everywhere; never fails.
  static Dem constant(double heightM);
  /// A gridded DEM. `grid` must be EPSG:4326, north-up (dy < 0), unrotated, at least 2 × 2 and the
  /// same shape as `heights`; InvalidInput (naming `dem.grid`/`dem.heights`) otherwise.
  Dem(Raster<float> heights, GeoGrid grid, DemOptions options = {});

  bool isConstant() const { return heights_.empty(); }
  const GeoGrid& grid() const { return grid_; }
  const Raster<float>& heights() const { return heights_; }
  const DemOptions& options() const { return opt_; }

  /// Height (m above WGS84) at (lon, lat) in radians.
  Status height(double lonRad, double latRad, double& h) const noexcept;
  /// Height at (lon, lat) in degrees.
  Status heightDeg(double lonDeg, double latDeg, double& h) const noexcept;
  /// Height and the partial derivatives of the interpolant, dh/dlon and dh/dlat in m per radian.
  Status heightGradient(double lonRad, double latRad, double& h, double& dhdLon, double& dhdLat) const noexcept;
  /// Terrain gradient in m/m along east and north, by central differences of the interpolated
  /// heights one DEM pixel either side (zero for a constant DEM).
  Status slopeEN(double lonRad, double latRad, double& dhdE, double& dhdN) const noexcept;
  /// Same when the height h0 (m) at the point is already known (saves one interpolation).
  Status slopeEN(double lonRad, double latRad, double h0, double& dhdE, double& dhdN) const noexcept;
  /// Unit surface normal in ENU at (lon, lat) in radians: (−dh/dE, −dh/dN, 1) normalised.
  Status surfaceNormalEnu(double lonRad, double latRad, Vec3& normalEnu) const noexcept;
  /// Slope (degrees from horizontal) and aspect (degrees clockwise from north of the downslope
  /// direction, in [0, 360); 0 for a flat surface).
  Status slopeAspect(double lonRad, double latRad, double& slopeDeg, double& aspectDeg) const noexcept;
  /// True if (lon, lat) in radians lies inside the outer pixel edges of the grid (always true for a
  /// constant DEM).
  bool contains(double lonRad, double latRad) const noexcept;

  /// Statistics of the valid heights (m); the constant for a constant DEM.
  double minHeight() const { return min_; }
  double maxHeight() const { return max_; }
  double meanHeight() const { return mean_; }
  /// Number of valid (not no-data) samples.
  std::int64_t validCount() const { return valid_; }

 private:
  // Fractional column/row (pixel centres at integers) of lon/lat in radians; wraps lon by 2π.
  bool toPixel(double lonRad, double latRad, double& c, double& r) const noexcept;
  template <bool Gradient>
  Status sample(double c, double r, double& h, double& dhdc, double& dhdr) const noexcept;
  Status fallback(Status why, double& h) const noexcept;
  bool valid(float v) const noexcept { return v == v && v != opt_.noData; }

  Raster<float> heights_;
  GeoGrid grid_;
  DemOptions opt_;
  double c0_ = 0, cScale_ = 1, r0_ = 0, rScale_ = 1;  // c = lonRad·cScale − c0, r = latRad·rScale − r0
  double constant_ = 0.0;
  double min_ = 0, max_ = 0, mean_ = 0;
  std::int64_t valid_ = 0;
};

}  // namespace orthotrack::geometry

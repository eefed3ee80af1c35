#pragma once
/// 3-D displacement from LOS and azimuth offsets (docs/analysis.md §6). Conventions (docs/conventions.md):
/// d_los = u·l̂ with l̂ the target→sensor unit vector (ENU), d_az = −u·â with â the horizontal flight unit
/// vector (ENU). Slope (degrees from horizontal) and aspect (degrees clockwise from north, the
/// direction the slope faces = steepest descent) define the surface normal
///   n = (sin s·sin a, sin s·cos a, cos s)  and the downslope unit vector  d = (cos s·sin a, cos s·cos a, −sin s).
#include <cstdint>
#include <limits>
#include <vector>

#include "orthotrack/core/geogrid.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/core/vec3.hpp"

namespace orthotrack::analysis {

Vec3 surfaceNormal(double slopeDeg, double aspectDeg);
Vec3 downslopeVector(double slopeDeg, double aspectDeg);

/// One scalar observation of a displacement vector: value = direction · u (+ noise of σ).
struct Projection {
  Vec3 direction;     ///< unit vector, ENU
  double value = 0;   ///< m
  double sigma = 1;   ///< m, > 0
};
/// LOS observation: direction l̂ (target → sensor). Azimuth observation: direction −â.
Projection losProjection(const Vec3& losEnu, double dLos, double sigma);
Projection azimuthProjection(const Vec3& flightEnu, double dAz, double sigma);

enum class SlopeModel {
  SurfaceParallel,  ///< u·n = 0: 3 equations (LOS, azimuth, constraint), 3 unknowns
  Downslope,        ///< u = D·d (one unknown, least squares over the two observations)
};

struct Motion3dParams {
  SlopeModel model = SlopeModel::SurfaceParallel;
  double maxCondition = 10.0;    ///< 2-norm condition number of the (weighted, row-normalised) system; above → masked
  double sigmaConstraint = 0.0;  ///< m, allowed departure from surface-parallel motion (0 = exact)
  double minSensitivity = 0.2;   ///< Downslope: sqrt(Σ (g_i/σ_i)²)·σ_ref below this → masked (|g| = |d·direction|)
  void validate() const;
};

struct Motion3d {
  bool valid = false;
  Vec3 enu = Vec3::Zero();        ///< m
  Vec3 sigmaEnu = Vec3::Constant(std::numeric_limits<double>::quiet_NaN());
  double downslope = 0.0;         ///< u·d (m, positive downhill): the component along the steepest descent
  double sigmaDownslope = 0.0;    ///< m
  /// |u| (m): the magnitude of the (surface-parallel) motion, whatever its direction within the slope
  /// plane. Equals |downslope| only when the slide moves along the DEM's steepest descent.
  double magnitude = 0.0;
  double sigmaMagnitude = 0.0;    ///< m, linearised: sqrt(ûᵀ C û) (NaN when u = 0)
  double condition = 0.0;         ///< condition number of the solved system
};

/// Surface-parallel (or downslope) solution from one LOS and one azimuth observation.
Motion3d solveOnSlope(const Projection& los, const Projection& az, double slopeDeg, double aspectDeg,
                      const Motion3dParams& params = {});
/// Plain weighted least squares of u from >= 3 independent projections (e.g. ascending + descending
/// LOS and azimuth), no slope assumption. Masked (valid = false) above maxCondition.
Motion3d solveLeastSquares(const std::vector<Projection>& obs, const Motion3dParams& params = {});

/// Per-pixel geometry: LOS and flight unit vectors (ENU). Rasters of size 1×1 are broadcast.
struct GeometryRasters {
  Raster<float> losE, losN, losU;
  Raster<float> flightE, flightN, flightU;
};
struct Motion3dMaps {
  Raster<float> east, north, up, downslope, magnitude;   ///< m (NaN where masked); see Motion3d
  Raster<float> sigmaDownslope, condition;
  Raster<std::uint8_t> valid;
};
/// Per-pixel surface-parallel (or downslope) solution.
Motion3dMaps solveOnSlopeMaps(const Raster<float>& dLos, const Raster<float>& dAz, const GeometryRasters& geom,
                              const Raster<float>& slopeDeg, const Raster<float>& aspectDeg, double sigmaLos,
                              double sigmaAz, const Motion3dParams& params = {});
/// One geometry's observations for the least-squares maps.
struct GeometryObservation {
  Raster<float> dLos, dAz;   ///< m; dAz may be empty (LOS only)
  GeometryRasters geom;
  double sigmaLos = 1.0, sigmaAz = 1.0;
};
Motion3dMaps solveLeastSquaresMaps(const std::vector<GeometryObservation>& geometries, const Motion3dParams& params = {});

/// Slope and aspect (degrees) of a DEM (m) on a map grid by Horn's 3×3 gradient; geographic grids
/// (EPSG:4326) use local metres per degree. Edge pixels use clamped neighbours; NaN propagates.
void slopeAspect(const Raster<float>& dem, const GeoGrid& grid, Raster<float>& slopeDeg, Raster<float>& aspectDeg);

}  // namespace orthotrack::analysis

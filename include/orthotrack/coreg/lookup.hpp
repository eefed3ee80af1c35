#pragma once
/// The master → secondary transformation ("lookup"): for every master pixel (line, sample) the
/// fractional secondary (line, sample) that sees the same ground point.
///
/// Geometric part: rdr2geo on the DEM with the master geometry, then geo2rdr with the secondary's
/// own orbit, Doppler and grid (geometry::radarToRadarBlock), evaluated on coarse nodes every
/// `step` master pixels and interpolated bicubically (Keys, a = −0.5) between them; the node grid
/// extends one node beyond each edge so the whole master grid is interpolated with 4 × 4 nodes.
/// Correction part: two low-order polynomials in master (line, sample) added to the geometric
/// lookup (secondary pixels), estimated from amplitude offsets (step ii). Equations: docs/coreg.md.
#include <cstdint>
#include <limits>

#include "orthotrack/core/raster.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/coreg/poly.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/range_doppler.hpp"

namespace orthotrack::coreg {

struct LookupParams {
  /// Master pixels between lookup nodes (1 = exact per pixel): the coarsest step tried. The step is
  /// halved until the interpolation error measured at cell-centre check points is within
  /// `tolerance` (see computeLookup).
  int step = 8;
  /// Secondary pixels: largest allowed interpolation error of the node grid, as the RMS over up to
  /// 64 × 64 cell-centre check points (exact radar-to-radar mapping vs the interpolated lookup) after
  /// discarding the worst 1 % (layover folds, where the mapping is many-to-one and no grid
  /// interpolates it). 0 = keep `step` whatever the error.
  double tolerance = 0.01;
  geometry::RadarLookupParams geometry;  ///< rdr2geo/geo2rdr tolerances, lines per block
  /// Smallest fraction of master pixels whose secondary position lies inside the secondary grid;
  /// below it the pair is rejected (InvalidInput "does not overlap").
  double minOverlap = 0.01;
  void validate() const;  ///< InvalidInput naming coreg.lookup.<key>
};

/// Counts of node outcomes (node = one coarse lookup point).
struct LookupStats {
  std::int64_t nodes = 0, ok = 0, outOfDomain = 0, invalidValue = 0, noConvergence = 0;
  double overlapFraction = 0;  ///< master pixels (sampled at the nodes) that fall inside the secondary
  int step = 0;                ///< node step chosen (master px)
  /// Interpolation error (secondary px, trimmed RMS at the check points) of the chosen step; NaN
  /// when not measured (tolerance 0 or no valid check point).
  double interpolationError = std::numeric_limits<double>::quiet_NaN();
};

class Lookup {
 public:
  Lookup() = default;
  /// From precomputed nodes: node (i, j) is master (step·(i − 1), step·(j − 1)).
  Lookup(std::int64_t masterLength, std::int64_t masterWidth, int step, Raster<double> nodeLine,
         Raster<double> nodeSample);

  std::int64_t masterLength() const { return length_; }
  std::int64_t masterWidth() const { return width_; }
  int step() const { return step_; }
  const Raster<double>& nodeLine() const { return nl_; }
  const Raster<double>& nodeSample() const { return ns_; }

  /// Corrections (secondary pixels) added to the geometric lookup; zero by default.
  Poly2d correctionLine, correctionSample;

  /// Geometric lookup at a master (line, sample); false (NaN outputs) where no valid node covers it.
  bool geometric(double line, double sample, double& secLine, double& secSample) const noexcept;
  /// Geometric + corrections.
  bool eval(double line, double sample, double& secLine, double& secSample) const noexcept;
  /// Fills the window `b` of the master grid (views of b.rows × b.cols); NaN where invalid.
  void fill(const Block& b, RasterView<double> secLine, RasterView<double> secSample, bool withCorrection = true) const;
  /// Jacobian d(secLine, secSample)/d(line, sample) at a master pixel (central differences of one
  /// node step, corrections included): J = {dl/dl, dl/ds, ds/dl, ds/ds}. False where invalid.
  bool jacobian(double line, double sample, double J[4]) const noexcept;

 private:
  std::int64_t length_ = 0, width_ = 0;
  int step_ = 1;
  Raster<double> nl_, ns_;
};

/// Computes the geometric lookup (nodes in parallel blocks), halving the node step from
/// `params.step` until the interpolation error is within `params.tolerance`: the error at a master
/// pixel between nodes grows with the secondary's height sensitivity (∂sample/∂h ∝ B⊥) times the
/// DEM's curvature over a node cell, so a 28-km cross-platform baseline needs a finer grid than a
/// same-platform pair (docs/coreg.md). Throws InvalidInput for bad params,
/// OutOfDomain if the master orbit does not cover the master's sensing time or the secondary's
/// orbit covers none of the master footprint, InvalidInput if less than minOverlap of the master
/// falls inside the secondary. Nodes that fail (DEM hole, outside the DEM, partial orbit
/// coverage) are NaN and counted in `stats`.
Lookup computeLookup(const geometry::SceneGeometry& master, const geometry::SceneGeometry& secondary,
                     const geometry::Dem& dem, const LookupParams& params, LookupStats* stats = nullptr);

}  // namespace orthotrack::coreg

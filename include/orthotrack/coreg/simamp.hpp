#pragma once
/// Step i of the ortho-rectification: the DEM co-registered to the master.
///
/// The master's amplitude is simulated from the DEM in (multi-looked) master geometry: the ground
/// is sampled finer than the radar pixels, every ground facet is mapped into the radar grid with
/// geo2rdr and its backscattered power  P = A_facet · cos θ_loc  (A_facet = horizontal area / n_up,
/// θ_loc the local incidence, nothing where cos θ_loc ≤ 0) is splatted bilinearly, so foreshortening
/// brightens and layover accumulates as in the real image. Offsets between the simulated and the
/// real master amplitude (offsets module) give a constant azimuth/range shift, which corrects the
/// master's timing (sensing start) and range bias (starting range). Equations: docs/coreg.md.
#include <cstdint>

#include "orthotrack/core/raster.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/range_doppler.hpp"
#include "orthotrack/offsets/offsets.hpp"

namespace orthotrack::coreg {

struct SimAmpParams {
  double groundOversampling = 2.0;  ///< ground samples per radar pixel along each axis (≥ 1)
  geometry::Geo2RdrParams geo2rdr;
  void validate() const;  ///< InvalidInput naming coreg.dem_coreg.<key>
};

/// Simulated amplitude (sqrt of accumulated power, arbitrary units) on the grid of `scene`
/// (usually a multi-looked master geometry). Pixels no facet reaches are 0.
Raster<float> simulateAmplitude(const geometry::SceneGeometry& scene, const geometry::Dem& dem,
                                const SimAmpParams& params = {});

/// Amplitude multi-look of an SLC window: out(k, l) = sqrt(mean |z|² over az × rg pixels).
Raster<float> multilookAmplitude(RasterView<const cfloat> slc, int azLooks, int rgLooks);

struct DemCoregParams {
  bool enabled = true;
  int azimuthLooks = 4;  ///< multi-look of the master for simulation and matching
  int rangeLooks = 4;
  int iterations = 2;    ///< simulate → match → correct passes (stops early below `tolerance`)
  double tolerance = 0.02;  ///< master px: stop when the last correction is smaller
  /// Offsets with a lower SNR or peak NCC are not used. The simulated image is smooth, so its
  /// correlation peaks are broad and the ampcor SNR is low (≈ 2): the NCC is the better gate.
  float minSnr = 0.0f;
  float minNcc = 0.3f;
  SimAmpParams sim;
  offsets::OffsetParams offsets = defaultOffsets();
  static offsets::OffsetParams defaultOffsets();
  void validate() const;  ///< InvalidInput naming coreg.dem_coreg.<key> (offsets.<key> for offsets)
};

struct DemCoregResult {
  geometry::SceneGeometry corrected;  ///< master geometry with corrected sensing start and starting range
  double lineShift = 0;     ///< total master lines the real image lies after the DEM simulation
  double sampleShift = 0;   ///< total master samples likewise
  double timeShift = 0;     ///< s subtracted from the sensing start (= lineShift · Δt)
  double rangeBias = 0;     ///< m subtracted from the starting range (= sampleShift · Δr)
  std::int64_t offsetsUsed = 0;  ///< offsets (last pass) entering the fit
  double residualRmsLine = 0, residualRmsSample = 0;  ///< robust-fit residual RMS (master px), last pass
  int passes = 0;
};

/// Estimates and applies the master correction. `masterAmplitude` is the real master amplitude
/// multi-looked by (azimuthLooks, rangeLooks) (multilookAmplitude). Throws InvalidInput if the
/// multi-looked image is too small for the offsets or too few offsets are usable (naming the key).
DemCoregResult coregisterDem(const geometry::SceneGeometry& master, RasterView<const float> masterAmplitude,
                             const geometry::Dem& dem, const DemCoregParams& params = {});

}  // namespace orthotrack::coreg

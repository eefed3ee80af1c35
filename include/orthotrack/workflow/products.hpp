#pragma once
/// Product files shared by the run steps and the single-step CLI verbs.
#include <string>

#include "orthotrack/offsets/offsets.hpp"

namespace orthotrack::workflow {

/// Writes an offset field as one GeoTIFF: bands range_offset, azimuth_offset (px, secondary minus
/// reference), snr, ncc, cov_rr, cov_aa, cov_ra (px²), window (px), flag; metadata ROW0, COL0,
/// STEP_AZ, STEP_RG, REFERENCE, SECONDARY, CONVENTIONS, FLAGS. Atomic.
void writeOffsetsProduct(const std::string& path, const offsets::OffsetField& field, const std::string& reference,
                         const std::string& secondary);

/// Offsets between two co-registered GDAL rasters of the same size (complex SLCs are correlated as
/// complex chips oversampled before detection; real rasters as amplitudes). Throws InvalidInput when
/// the sizes differ (naming both files).
offsets::OffsetField offsetsBetweenFiles(const std::string& reference, const std::string& secondary, int band,
                                         const offsets::OffsetParams& params);

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

#pragma once
/// Baselines between any two scenes (also across platforms) and the choice of the masters.
///
/// Per platform, the master is the scene minimising the normalised spread of its temporal
/// baseline, perpendicular baseline and Doppler-centroid difference to the other scenes of that
/// platform:  cost = Σ_q rms_q / max_scenes(rms_q),  q ∈ {temporal, perpendicular, Doppler},
/// rms_q the RMS of the baseline component to the others (a term whose maximum is 0 is dropped).
/// The final master (the one every scene is rectified to) is the master of the second platform by
/// default (the paper's PALSAR-2 master). Equations: docs/coreg.md.
#include <map>
#include <string>
#include <vector>

#include "orthotrack/geometry/range_doppler.hpp"
#include "orthotrack/io/scene.hpp"

namespace orthotrack::coreg {

/// Geometry of a scene's metadata (orbit, grid, Doppler LUT).
geometry::SceneGeometry sceneGeometry(const io::SceneMetadata& scene);

struct PairBaseline {
  std::string reference, secondary;
  double temporalDays = 0;         ///< secondary − reference acquisition time, days
  double perpendicular = 0;        ///< m, at the reference scene centre (geometry::baseline sign)
  double parallel = 0;             ///< m
  double dopplerDifferenceHz = 0;  ///< secondary − reference Doppler centroid at the scene centre, Hz
};

/// Baseline of `secondary` relative to `reference` at the reference scene centre on a height
/// `heightM` (m above WGS84). Throws OutOfDomain if the secondary's orbit does not see the centre.
PairBaseline pairBaseline(const io::SceneMetadata& reference, const io::SceneMetadata& secondary, double heightM = 0.0);

struct MasterCandidate {
  std::string id, platform;
  double rmsTemporalDays = 0, rmsPerpendicular = 0, rmsDopplerHz = 0;  ///< to the other scenes of its platform
  double cost = 0;
};

struct MasterParams {
  /// Platform whose master is the final master; "" = the second platform in acquisition order
  /// (the first when there is only one).
  std::string finalPlatform;
  /// Explicit final master scene id ("" = automatic). Overrides finalPlatform.
  std::string finalMaster;
  double heightM = 0.0;  ///< height of the scene centres for the perpendicular baselines (m)
};

struct MasterSelection {
  std::map<std::string, std::string> perPlatform;  ///< platform → master id
  std::vector<MasterCandidate> candidates;         ///< every scene with its numbers
  std::string finalMaster;
};

/// Selects the masters. Throws InvalidInput for an empty list or an unknown finalMaster/finalPlatform.
MasterSelection selectMasters(const std::vector<io::SceneMetadata>& scenes, const MasterParams& params = {});

}  // namespace orthotrack::coreg

#pragma once
/// Simulator of a realistic two-platform SAR stack of a Baige-like landslide with exact truth.
///
/// `simulateStack` writes a complete stack in the project's own format (stack.toml, scene JSON +
/// complex SLC GeoTIFFs, DEM GeoTIFF, precipitation CSV) plus a `truth/` folder:
///   truth/truth.json            scenario summary: master id, dates, stage table, true lag, P1–P4
///                               lon/lat, platforms, orbit/DEM errors that were applied
///   truth/dem_true.tif          the true DEM (the stack's dem.tif carries SRTM-like errors)
///   truth/points.csv            P1–P4 true series: point,date,los_m,az_m,east_m,north_m,up_m
///   truth/displacement_radar.tif  per date: bands los_<YYYYMMDD>, az_<YYYYMMDD> (m), master grid
///   truth/displacement_map.tif  per date, the same on the DEM map grid (EPSG:4326)
///   truth/enu_map.tif           final 3-D displacement east/north/up (m) on the map grid
///   truth/landslide.geojson     the slide polygon (lon/lat)
///   truth/lookup_<ID>.tif       true lookup master pixel -> that scene's (line, sample) (2 bands)
///   truth/stages.csv            stage start,end,rate_mm_per_day (LOS at P2)
/// Conventions: docs/conventions.md (LOS negative away from the sensor, azimuth positive opposite
/// to the flight direction; displacements relative to the first date, in the master geometry).
#include <cstdint>
#include <string>
#include <vector>

#include "orthotrack/core/datetime.hpp"

namespace orthotrack::simulate {

/// Master grid sizes: tiny 256 × 256 px (tests), small 1000 × 1000 (demo and CI), medium
/// 3000 × 3000, full 10 000 × 10 000 (scale benchmarks; scatterers every 5 m instead of 2.5 m).
/// Version of the simulated scene (terrain, geometry, noise and motion models). Written to
/// truth/truth.json as `simulator_version`; a cached stack with another version is stale.
/// 2: PALSAR-2 off-nadir 33.05° (Figure-1 pair B_perp ≈ 28 km), stable coherence γ∞ 0.20, τ 60 d,
///    table-based speckle draws.
inline constexpr int kSimulatorVersion = 2;

enum class SimSize { Tiny, Small, Medium, Full };
SimSize parseSimSize(const std::string& s);  ///< "tiny" | "small" | "medium" | "full"
const char* simSizeName(SimSize s);

struct SimParams {
  std::string outDir;              ///< folder to create (stack.toml at its root)
  std::string preset = "baige";    ///< only "baige" for now
  SimSize size = SimSize::Small;   ///< small ≈ 1000×1000 master px; medium ≈ 3000²; full ≥ 10000²
  std::uint64_t seed = 20181011;
  /// Scenes to render: ids (`ALOS2_20161003`) or dates (`20161003`); empty = all 28. The master
  /// (ALOS2_20161003) is always rendered, because the truth refers to its grid. The truth covers
  /// the rendered scenes only; displacements stay relative to the scenario's first date (2007-01-02).
  std::vector<std::string> scenes;
  bool noiseFreeTexture = false;   ///< test switch: no speckle, no thermal noise (texture only)
  int threads = 0;                 ///< 0 = OpenMP default
  void validate() const;
};

struct SimSummary {
  std::string stackPath;             ///< <outDir>/stack.toml
  std::string truthDir;              ///< <outDir>/truth
  std::string masterId;              ///< the scene the truth's radar products refer to
  std::vector<std::string> sceneIds;
  std::vector<DateTime> dates;
  double seconds = 0;                ///< wall time
};

/// Simulates the whole stack; deterministic for a given seed. Throws InvalidInput for bad params and
/// IoError when outDir cannot be written.
SimSummary simulateStack(const SimParams& params);

}  // namespace orthotrack::simulate

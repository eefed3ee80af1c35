#pragma once
// State shared by the steps of one run.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "manifest.hpp"
#include "orthotrack/coreg/coreg.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/range_doppler.hpp"
#include "orthotrack/io/scene.hpp"
#include "orthotrack/network/network.hpp"
#include "orthotrack/offsets/offsets.hpp"
#include "orthotrack/timeseries/sbas.hpp"
#include "orthotrack/workflow/run.hpp"

namespace orthotrack::workflow::detail {

struct NamedPoint {
  std::string name;
  double lon = 0, lat = 0;  // degrees
};

struct StepResult {
  std::vector<std::string> outputs;  // relative to the run directory
  nlohmann::json quality = nlohmann::json::object();
};

class WorkShare;  // share.hpp

struct Context {
  RunParams rp;
  /// This process's share of the run's items (ranks, --shard); set by runStack.
  WorkShare* share = nullptr;
  io::Stack stack;
  std::string run;  // absolute run directory
  std::unique_ptr<Config> cfg;
  coreg::CoregParams coregParams;
  coreg::MasterParams masterParams;
  network::NetworkParams netParams;
  offsets::OffsetParams offParams;
  timeseries::InversionParams invParams;
  double geoPostingDeg = 1.0 / 1800.0;
  double sigmaFloorPx = 0.05;
  /// Layover/shadow masking before tracking (offsets.mask_layover_shadow): "cross" (pairs of two
  /// platforms), "all" or "none"; the mask is dilated by maskDilatePx master pixels.
  std::string maskLayoverShadow = "cross";
  int maskDilatePx = 2;
  /// coreg.compare_traditional: also rectify the Figure-1 scene by the traditional method and write
  /// both offset maps (coreg/compare/).
  bool compareTraditional = true;
  /// Noise filter before the inversion (timeseries.filter_size chips, 1 = off; filter_min_valid;
  /// filter_flatness): see sigmaFilter.
  int filterSize = 3;
  int filterMinValid = 4;
  double filterFlatness = 2.0;
  std::vector<NamedPoint> points;
  /// analysis.point_radius_m: point series are the mean over a disc of this radius (0 = the pixel).
  double pointRadiusM = 0.0;
  std::string slidePolygon;  // GeoJSON path ("" = none)
  nlohmann::json stepParams = nlohmann::json::object();  // per step, what the manifest compares

  // Loaded lazily from the co-registration products.
  std::string masterId;
  geometry::SceneGeometry masterGeometry;  // corrected by the DEM co-registration
  void loadMaster();
  std::string rel(const std::string& abs) const;
  void progress(const std::string& step, std::int64_t done, std::int64_t total) const {
    if (rp.progress) rp.progress(step, done, total);
  }
};

/// Layover/shadow masks in the master grid (bits: 1 shadow, 2 layover in the master geometry; 4
/// shadow, 8 layover in the scene's own geometry, sampled through its lookup), computed lazily.
class GeometryMasks {
 public:
  GeometryMasks(Context& ctx, int dilatePx) : ctx_(ctx), dilatePx_(dilatePx) {}
  const Raster<std::uint8_t>& master();
  /// Mask of scene `id` (the master's own bits included), dilated.
  const Raster<std::uint8_t>& of(const std::string& id);
  /// Sets the pixels masked in either scene to 0 (no-data) in both images; returns the fraction.
  double apply(const std::string& a, const std::string& b, Raster<cfloat>& ia, Raster<cfloat>& ib);
  /// The combined mask of the pair (a, b) (pixels masked in either scene: nonzero), dilated, for
  /// master rows [row0, row0 + rows), written into `out` (rows × master width); equal to the rows of
  /// of(a) | of(b) without holding a full-size layer. Returns the number of masked pixels.
  std::int64_t pairRows(const std::string& a, const std::string& b, std::int64_t row0, std::int64_t rows, std::uint8_t* out);
  /// The stack's DEM (loaded once).
  const geometry::Dem& dem();

 private:
  /// Undilated bits of scene `id` (the master's own included) for master rows [row0, row0 + rows).
  void bits(const std::string& id, std::int64_t row0, std::int64_t rows, Raster<std::uint8_t>& out);
  Context& ctx_;
  int dilatePx_;
  std::unique_ptr<geometry::Dem> dem_;
  Raster<std::uint8_t> master_;
  std::map<std::string, Raster<std::uint8_t>> scenes_;
};

/// Median of the finite values over the (2r+1)² neighbourhood of each cell (same units); NaN where
/// fewer than minValid are finite.
Raster<float> neighbourhoodMedian(const Raster<float>& v, int r, int minValid);
/// Robust noise σ of a field (same units) from the differences of horizontal and vertical neighbours.
double fieldNoise(const Raster<float>& v);
/// Edge-preserving noise filter over size × size (odd) neighbourhoods: where the robust spread of
/// the finite values (1.4826 MAD) is at most flatness · noise (the neighbourhood is flat within its
/// noise), the value becomes the mean of the neighbours within 3 noise of their median; elsewhere
/// (gradients, edges: the moving slide) it is kept. NaN where fewer than minValid finite values are
/// in the neighbourhood (the value itself counts); NaN stays NaN. noise NaN or ≤ 0: no smoothing.
Raster<float> sigmaFilter(const Raster<float>& v, int size, int minValid, double noise, double flatness);

/// The scene of another platform than the master with the largest |B⊥| to it ("" if none); its
/// |B⊥| (m) in *bperp.
std::string figure1Scene(Context& ctx, double* bperp = nullptr);
/// The paper's Figure 1 for scene `id`: offsets master vs the run's rectified `id` and vs `id`
/// rectified by the traditional method (same masks, same offset parameters), written under
/// coreg/compare/ (<id>.improved.tif, <id>.traditional.tif, <id>.json with the stable-ground RMS of
/// both, chips touching the slide polygon excluded). Returns the JSON.
nlohmann::json compareMethods(Context& ctx, const std::string& id, GeometryMasks& masks);

/// A raster on an offset chip grid (chip (r, c) at master pixel (row0 + r·step, col0 + c·step))
/// on the map grid of `lk` (master lines/samples per map cell): bilinear over the finite chips,
/// NaN in layover/shadow, outside the chips, or where under half the weight is finite.
Raster<float> geocodeChips(const geometry::MapLookup& lk, const Raster<float>& src, std::int64_t row0, std::int64_t col0,
                           std::int64_t step);

/// Reads the processing sections of the stack into the context (validating every key).
void readConfig(Context& ctx);

StepResult stepCoregister(Context& ctx);
StepResult stepPairs(Context& ctx);
StepResult stepOffsets(Context& ctx);
StepResult stepInvert(Context& ctx);
StepResult stepGeocode(Context& ctx);
StepResult stepAnalysis(Context& ctx);
StepResult stepReport(Context& ctx);

/// Network of the run (from network/network.json).
struct RunNetwork {
  std::vector<std::string> ids, platforms;
  std::vector<DateTime> dates;
  std::vector<double> bperp;
  std::vector<std::pair<int, int>> pairs;
  std::vector<std::string> categories;
};
RunNetwork readRunNetwork(const Context& ctx);
std::string offsetsPath(const Context& ctx, const std::string& a, const std::string& b);

}  // namespace orthotrack::workflow::detail

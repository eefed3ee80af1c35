#pragma once
/// Ortho-rectified co-registration of a secondary SLC to the master grid (the paper's section 3,
/// steps i–iii) and the traditional amplitude-only co-registration of its section 4.1.
///
///  Improved:    lookup = DEM geometry (rdr2geo master → geo2rdr secondary) + low-order correction
///               fitted robustly to amplitude offsets (step ii), complex sinc resampling (step iii),
///               residual offsets (complex) and removal of their low-order part fitted on stable
///               ground.
///  Traditional: lookup = orbit-only affine model at a constant height (no DEM) + a global
///               polynomial (order 2) fitted to amplitude offsets on a patch grid; same resampler.
///
/// Products per scene (coregisterScene): `<out>/coreg/<ID>.slc.tif` (CFloat32, master grid),
/// `<out>/coreg/<ID>.lookup.tif` (2 bands Float64: secondary_line, secondary_sample per master pixel,
/// NaN = not mapped), `<out>/coreg/<ID>.json` (fit and residual statistics; written last).
/// Equations, defaults and measured accuracy: docs/coreg.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orthotrack/core/raster.hpp"
#include "orthotrack/coreg/lookup.hpp"
#include "orthotrack/coreg/master.hpp"
#include "orthotrack/coreg/poly.hpp"
#include "orthotrack/coreg/resample.hpp"
#include "orthotrack/coreg/simamp.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/io/scene.hpp"
#include "orthotrack/offsets/offsets.hpp"

namespace orthotrack::coreg {

enum class Method { Improved, Traditional };
Method parseMethod(const std::string& text);  ///< "improved" | "traditional"; InvalidInput otherwise
std::string toString(Method m);

/// Step ii: amplitude offsets between the master and the secondary resampled with the current
/// lookup, converted to secondary pixels with the lookup's Jacobian and fitted robustly.
struct RefineParams {
  int iterations = 2;           ///< resample → offsets → fit passes
  double tolerance = 0.01;      ///< px: stop when the last correction is below this everywhere
  float minSnr = 4.0f;          ///< offsets with lower SNR get weight 0
  /// Order 0 by default: with precise orbits and the DEM, the geometric lookup is wrong by a
  /// timing and a range-delay constant per scene, nothing of higher order (measured: line error std
  /// 0.002 px after an order-0 fit on the simulated stack), while amplitude offsets between two
  /// platforms carry range-dependent biases of ~0.2 px across a scene that an order-1 fit would
  /// put into the lookup (docs/coreg.md). Raise it for orbits with drifts (`[coreg] refine_order`).
  RobustFitParams fit = {.order = 0};
  offsets::OffsetParams offsets = defaultOffsets();  ///< windows 64, search ±8, step 32
  /// Resampling used for the matching passes (8 taps; the final product uses CoregParams::resample).
  ResampleParams resample = defaultResample();
  static offsets::OffsetParams defaultOffsets();
  static ResampleParams defaultResample();
  void validate() const;  ///< InvalidInput naming coreg.refine.<key>
};

/// Step iii residual: complex offsets between the master and the rectified secondary; their
/// low-order part on stable ground is removed (one more resampling when it exceeds `applyThreshold`).
struct ResidualParams {
  bool enabled = true;
  float minSnr = 4.0f;
  double applyThreshold = 0.01;  ///< px (master); smaller corrections are only reported
  RobustFitParams fit = {.order = 0};  ///< order 0 (see RefineParams::fit); `[coreg] refine_order`
  offsets::OffsetParams offsets = defaultOffsets();  ///< windows 64, search ±4, step 32
  static offsets::OffsetParams defaultOffsets();
  void validate() const;
};

struct TraditionalParams {
  /// m above WGS84 of the orbit-only model; NaN (default): the mean height of the DEM (one number,
  /// as a user of the traditional method would give the scene mean height)
  double height = std::numeric_limits<double>::quiet_NaN();
  int order = 2;            ///< global polynomial order
  offsets::OffsetParams offsets = defaultOffsets();  ///< patches 128 × 128, search ±24, step 48
  static offsets::OffsetParams defaultOffsets();
  void validate() const;
};

struct CoregParams {
  Method method = Method::Improved;
  LookupParams lookup;
  DemCoregParams demCoreg;   ///< step i (coregisterStack, on the final master)
  RefineParams refine;
  ResidualParams residual;
  TraditionalParams traditional;
  ResampleParams resample;   ///< final product resampling (16 taps, Kaiser β = 6, Doppler, low-pass)
  std::int64_t blockLines = 256;  ///< master lines per resampling/writing block (at most; see memoryBytes)
  /// Memory budget (bytes) of one rectification: sizes the resampling blocks (≤ blockLines) and the
  /// bands of the offset passes (rectifyStreamed); results do not depend on it. Below the fixed part
  /// (docs/coreg.md, "Memory") the smallest blocks are used.
  std::size_t memoryBytes = std::size_t{3} << 30;
  void validate() const;
};

/// Statistics of offsets (master px) on stable ground.
struct OffsetStats {
  std::int64_t estimates = 0;   ///< grid points
  std::int64_t used = 0;        ///< ok, SNR ≥ threshold, inside the stable mask
  std::int64_t inliers = 0;     ///< kept by the robust fit
  double meanAz = 0, meanRg = 0, rmsAz = 0, rmsRg = 0;   ///< over `used`
  double robustRmsAz = 0, robustRmsRg = 0;              ///< over the inliers, after the low-order part
  nlohmann::json toJson() const;
};

struct RefinePass {
  std::int64_t used = 0, inliers = 0;
  double rmsLine = 0, rmsSample = 0;     ///< fit residual RMS over the inliers (secondary px)
  double maxCorrection = 0;              ///< largest |correction| over the master grid (secondary px)
};

struct CoregReport {
  std::string masterId, secondaryId;
  Method method = Method::Improved;
  LookupStats lookup;
  std::vector<RefinePass> refine;
  Poly2d correctionLine, correctionSample;  ///< final lookup corrections (secondary px)
  OffsetStats residual;          ///< step iii offsets, before removing their low-order part
  Poly2d residualAz, residualRg; ///< low-order part of the residual (master px)
  bool residualApplied = false;
  double azimuthCutoff = 1, rangeCutoff = 1;  ///< low-pass cut-offs of the final resampling
  std::int64_t validPixels = 0;  ///< rectified pixels with data
  double seconds = 0;
  nlohmann::json toJson() const;
};

/// Stable-ground mask on the master grid (1 = may be used in fits); empty = everywhere.
using StableMask = RasterView<const std::uint8_t>;

struct RectifyResult {
  Lookup lookup;          ///< final lookup (geometry + corrections)
  Raster<cfloat> slc;     ///< rectified secondary on the master grid (0 = no data)
  CoregReport report;
};

/// Where the secondary's pixels come from (whole image in memory, or a file).
struct SecondaryInput {
  geometry::SceneGeometry geometry;
  SlcWindowReader read;
};
SecondaryInput secondaryFromMemory(const geometry::SceneGeometry& geometry, RasterView<const cfloat> slc);

/// Rectifies one secondary onto the master grid (in memory; the secondary is read in windows).
/// `dem` is used by the improved method (and for the traditional model height when it is NaN).
RectifyResult rectify(const geometry::SceneGeometry& master, RasterView<const cfloat> masterSlc,
                      const SecondaryInput& secondary, const geometry::Dem& dem, const CoregParams& params,
                      StableMask stable = {});

/// Where a rectification's SLC goes, block by block: each resampling pass calls begin(), then
/// write() for consecutive blocks of master rows from row 0 to the last, then end(); `read` gives
/// back rows of the last completed pass (the residual offsets read them).
struct SlcSink {
  std::function<void()> begin;
  std::function<void(std::int64_t row0, RasterView<const cfloat> rows)> write;
  std::function<void()> end;
  SlcWindowReader read;
};

/// Rows of the streamed rectification's blocks and bands, from CoregParams::memoryBytes (what
/// rectifyStreamed uses; reported in the log).
struct StreamPlan {
  std::int64_t blockLines = 0;     ///< master lines per resampling block
  std::int64_t refineBand = 0;     ///< offset-grid rows per band of the refinement passes
  std::int64_t residualBand = 0;   ///< offset-grid rows per band of the residual offsets
  std::size_t fixedBytes = 0;      ///< the part of the budget that does not scale with the rows
};
StreamPlan planStreaming(const CoregParams& params, const geometry::SceneGeometry& master,
                         const geometry::SceneGeometry& secondary, std::size_t lookupBytes);

/// The rectification of `rectify`, streamed: the master is read through `masterRead` (rows of the
/// master grid, as SecondaryInput::read), the secondary in windows, the SLC goes to `sink` block by
/// block, and the offsets of steps ii/iii run band by band (offsets::estimateOffsetsStreamed), so
/// memory follows params.memoryBytes, not the scene size. RectifyResult::slc stays empty. Same
/// products as rectify on the same input, for any budget.
RectifyResult rectifyStreamed(const geometry::SceneGeometry& master, const SlcWindowReader& masterRead,
                              const SecondaryInput& secondary, const geometry::Dem& dem, const CoregParams& params,
                              const SlcSink& sink, StableMask stable = {});

/// The orbit-only (no DEM) affine lookup of the traditional method at a constant height (m).
Lookup orbitOnlyLookup(const geometry::SceneGeometry& master, const geometry::SceneGeometry& secondary, double height,
                       int step);

/// Resamples `secondary` through `lookup` (master grid, blocks of `blockLines`), low-pass cut-offs
/// from the lookup's Jacobian at the master centre when params.lowPass. Returns the image.
Raster<cfloat> resampleWithLookup(const Lookup& lookup, const SecondaryInput& secondary, const ResampleParams& params,
                                  std::int64_t blockLines, double* azCutoff = nullptr, double* rgCutoff = nullptr,
                                  std::int64_t* valid = nullptr);

// ---------------------------------------------------------------------------------------------
// Files

struct SceneProducts {
  std::string slc, lookup, report;
};
/// Paths of a scene's products under `outDir/coreg/`.
SceneProducts sceneProducts(const std::string& outDir, const std::string& id);
/// True when the report exists, says complete, and both rasters exist with the master's size.
bool isSceneDone(const std::string& outDir, const std::string& id, std::int64_t masterLength, std::int64_t masterWidth);

/// Reads a scene's image as complex (amplitude/intensity images become real-valued complex).
Raster<cfloat> readSlc(const io::SceneMetadata& scene);
/// A window reader on a scene's image file (opened once).
SecondaryInput secondaryFromFile(const io::SceneMetadata& scene);

/// Writes the products of one rectified scene (streamed in blocks; report last).
void writeSceneProducts(const std::string& outDir, const RectifyResult& result, std::int64_t blockLines = 256);
/// A sink writing a scene's rectified SLC to `sceneProducts(outDir, id).slc` block by block (each
/// pass committed atomically at its end) and reading it back.
SlcSink sceneSlcSink(const std::string& outDir, const std::string& masterId, const std::string& id, Method method,
                     std::int64_t length, std::int64_t width);
/// The lookup and the report of a scene whose SLC a sceneSlcSink wrote (report last, atomic).
void writeLookupAndReport(const std::string& outDir, const RectifyResult& result, std::int64_t blockLines = 256);

struct StackCoregSummary {
  MasterSelection masters;
  DemCoregResult demCoreg;                 ///< step i on the final master
  std::vector<std::string> processed, skipped;
  std::vector<CoregReport> reports;        ///< of the processed scenes
};

/// Runs the whole co-registration of a stack: masters, DEM co-registration of the final master,
/// then every scene (or `sceneIds`) rectified onto the final master grid; scenes already done are
/// skipped unless `force`. The master's own products are its SLC and the identity lookup.
/// Writes `<out>/coreg/master.json` (selection, baselines, DEM co-registration).
StackCoregSummary coregisterStack(const io::Stack& stack, const CoregParams& params,
                                  const std::vector<std::string>& sceneIds = {}, bool force = false,
                                  const MasterParams& masterParams = {});

}  // namespace orthotrack::coreg

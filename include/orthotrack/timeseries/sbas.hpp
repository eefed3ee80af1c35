#pragma once
/// Per-pixel SBAS inversion of pairwise displacements into displacement time series and rates
/// (docs/timeseries.md has the equations, defaults and measured figures).
///
/// Unknowns: the mean velocities between consecutive dates (Berardino et al. 2002); the solution is
/// the least-squares one, minimum-norm in the velocities where a pixel's pair set leaves it
/// undetermined. Each pixel uses only its valid pairs; pixels with the same valid-pair set (and the
/// same weights) share one factorization. Components (LOS, azimuth, ...) are independent
/// inversions that share the pair network.
///
/// Sign and time conventions (docs/conventions.md): a pair (first, second) observes
/// d(second) − d(first) in metres; the series is 0 at the first date; rates are m/yr with a year
/// of 365.25 days.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/raster.hpp"

namespace orthotrack::timeseries {

/// A pair of epochs by index into SbasNetwork::dates; first < second.
struct PairIndex {
  int first = 0;
  int second = 0;
};

/// Dates (strictly increasing, UTC) and the pairs that link them.
struct SbasNetwork {
  std::vector<DateTime> dates;
  std::vector<PairIndex> pairs;
  /// InvalidInput naming "timeseries.dates" / "timeseries.pairs[k]" and the value.
  void validate() const;
  int dateCount() const { return static_cast<int>(dates.size()); }
  int pairCount() const { return static_cast<int>(pairs.size()); }
};

/// Robust loss of the iteratively reweighted least squares (IRLS).
enum class RobustLoss { None, Huber, Tukey };
std::string toString(RobustLoss l);
RobustLoss parseRobustLoss(const std::string& text);  ///< "none", "huber", "tukey"; InvalidInput otherwise

/// What is written for an epoch that a pixel's valid pairs do not connect to the first date.
enum class GapPolicy {
  NaN,              ///< displacement NaN, σ = +inf, epoch flag set (default)
  MinNormVelocity,  ///< keep the classic SBAS minimum-norm-velocity value, σ = +inf, epoch flag set
};

/// A date interval over which a mean rate is fitted (both ends inclusive).
struct RateWindow {
  std::string name;  ///< e.g. "PALSAR-1", "all"
  DateTime start;
  DateTime end;
};

struct InversionParams {
  /// Weighted least squares with weights 1/σ² when σ rasters are given (false: ignore them).
  bool useSigma = true;
  /// m, lower bound applied to every pair σ (avoids infinite weights from σ = 0).
  double sigmaFloor_m = 1e-4;
  RobustLoss robust = RobustLoss::None;
  /// Tuning constants in units of the MAD scale (95 % Gaussian efficiency values).
  double huberK = 1.345;
  double tukeyC = 4.685;
  /// IRLS iterations (Huber, then Tukey from the Huber solution) and the convergence test on the
  /// largest change of a robust weight.
  int maxIterations = 50;
  double tolerance = 1e-3;
  /// Robust weights are floored at this fraction so down-weighting never changes a pixel's rank.
  double minRobustWeight = 1e-3;
  /// Relative singular-value cut-off of the minimum-norm (SVD) path: s < rcond · s_max is zero.
  double rcond = 1e-9;
  /// A pixel needs at least this many valid pairs (>= 1), otherwise NaN + NoData.
  int minPairs = 1;
  GapPolicy gapPolicy = GapPolicy::NaN;
  /// Rate windows; empty = one window "all" over the whole span.
  std::vector<RateWindow> rateWindows;
  /// Rows per block of the parallel loop (memory of the per-block work is O(blockRows·width·pairs)).
  /// Results do not depend on the thread count; they do not depend on blockRows either except for
  /// rounding (pixels are grouped per block).
  std::int64_t blockRows = 32;

  /// InvalidInput naming the key ("timeseries.sigma_floor_m", ...) and value.
  void validate() const;
};

/// One component's input: per pair (SbasNetwork order), a displacement raster in metres (NaN =
/// invalid) and optionally a 1-σ raster in metres (NaN or <= 0 = invalid). All of the same size.
struct ComponentStack {
  std::string name;                                   ///< "los", "azimuth", ...
  std::vector<RasterView<const float>> displacement;  ///< m, pair-ordered
  std::vector<RasterView<const float>> sigma;         ///< m, empty = unweighted
};

/// Per-pixel flags (bit mask).
enum PixelFlag : std::uint8_t {
  kNoData = 1,             ///< fewer than minPairs valid pairs: every output NaN
  kDisconnected = 2,       ///< valid pairs leave some epoch unconnected to the first date
  kRobustNotConverged = 4, ///< IRLS reached maxIterations
  kOutliers = 8,           ///< IRLS gave some pair a weight < 0.5
};

struct ComponentResult {
  std::string name;
  std::vector<Raster<float>> displacement;       ///< per date, m, 0 at the first date
  std::vector<Raster<float>> displacementSigma;  ///< per date, 1-σ m (+inf for unconstrained epochs)
  std::vector<Raster<std::uint8_t>> unconstrained;  ///< per date, 1 = not connected to the first date
  std::vector<Raster<float>> rate;               ///< per window, m/yr
  std::vector<Raster<float>> rateSigma;          ///< per window, 1-σ m/yr
  Raster<float> residualRms;                     ///< m, RMS of the (unweighted) pair residuals
  Raster<std::int16_t> pairsUsed;                ///< number of valid pairs
  Raster<std::uint8_t> flags;                    ///< PixelFlag bits
};

struct InversionResult {
  std::vector<DateTime> dates;
  std::vector<RateWindow> windows;
  std::vector<ComponentResult> components;
};

/// Inverts every component. Throws InvalidInput on bad params, a bad network or raster sizes that
/// disagree (naming "timeseries.<component>.displacement[k]"). Per-pixel failures never throw:
/// they give NaN + flags.
InversionResult invert(const SbasNetwork& net, const std::vector<ComponentStack>& components,
                       const InversionParams& params = {});

/// Fixed `[start, end]` rate windows: `all` over the span, plus the given named periods.
std::vector<RateWindow> defaultRateWindows(const std::vector<DateTime>& dates);

// ---- pair lists from any tracker ---------------------------------------------------------------

/// One row of a pair list CSV: `date1,date2,path[,band][,sigma_path]` (header optional; dates
/// YYYY-MM-DD or YYYYMMDD or ISO date-time; band 1-based, default 1; relative paths are relative
/// to the CSV's folder; GDAL virtual paths such as `/vsizip/...` or `NETCDF:"f.nc":var` are kept as
/// they are). Displacements in metres, date2 − date1; sigma (1-σ, m) is read from band 1.
struct PairListEntry {
  DateTime date1, date2;
  std::string path;
  int band = 1;
  std::string sigmaPath;  ///< empty = none (band 1 of it is read)
  int line = 0;           ///< 1-based line of the CSV (for error messages)
};
/// Throws IoError (unreadable) or InvalidInput naming the CSV, the line and column
/// (key "line <n>.<column>") and the offending value.
std::vector<PairListEntry> readPairList(const std::string& csvPath);

/// Size of one band-set of a raster.
struct RasterShape {
  std::int64_t length = 0;  ///< rows
  std::int64_t width = 0;   ///< columns
  int bands = 0;
};

/// How invertPairList reads rasters (the CLI supplies GDAL-backed functions from io).
struct RasterSource {
  /// Shape of `path`. Throws (any orthotrack::Error) when the raster cannot be opened; the message
  /// is passed on naming the CSV line.
  std::function<RasterShape(const std::string& path)> shape;
  /// Reads rows [row0, row0 + rows) of band `band` (1-based), full width, into `out` (row-major).
  std::function<void(const std::string& path, int band, std::int64_t row0, std::int64_t rows, float* out)> read;
};

/// Reads the pair list, builds the network from its dates (date1 < date2 required), reads the
/// rasters in chunks of `chunkRows` rows (sequentially, outside parallel regions) and inverts them
/// as one component named `componentName`. Disconnected networks are accepted; the gaps are
/// flagged per epoch. Before reading any pixel, every raster is checked: it opens, its size equals
/// the first pair's, its band exists (InvalidInput naming "<csv>", key "line <n>.path|band|sigma_path"
/// and the value). The caller writes the products (io::writeMintpyTimeseries, ...).
InversionResult invertPairList(const std::string& csvPath, const InversionParams& params, const RasterSource& source,
                               const std::string& componentName = "displacement", std::int64_t chunkRows = 256);

}  // namespace orthotrack::timeseries

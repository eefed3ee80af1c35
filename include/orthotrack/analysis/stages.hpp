#pragma once
/// Creep stages of a landslide from its cumulative displacement: a continuous piecewise-linear fit on
/// irregular dates with per-epoch σ (weighted least squares), the number of segments chosen by an
/// information criterion, breakpoints searched exhaustively over the acquisition dates and then refined
/// continuously, per-stage rates with confidence intervals and Saito-style labels; and the per-pixel
/// version (acceleration onset maps). Equations and defaults: docs/analysis.md §2 and §7.
///
/// Units: displacement and σ in metres, rates in mm/day, dates as DateTime (internally days since the
/// first date of the series).
#include <cstdint>
#include <string>
#include <vector>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/raster.hpp"

namespace orthotrack::analysis {

enum class InformationCriterion { BIC, AICc };
/// Which segment is the secondary (steady) creep stage: the longest one before the last segment (the
/// paper's reading of Baige), or the slowest one (textbook Saito: minimum creep rate).
enum class SecondaryRule { Longest, MinimumRate };
enum class IntervalMethod { Covariance, Bootstrap };
/// Data gaps (an interval > gapFactor × the median interval, e.g. between two platforms); docs/analysis.md §2.1.
enum class GapModel {
  Continuous,  ///< the model is continuous across a gap: the displacement across it constrains the rates
  Offset,      ///< a free level offset at every gap (nuisance, e.g. a cross-platform bias): rates come
               ///< from the data on each side only, a jump across a gap is never a rate change
};
/// How the per-epoch σ enter the criterion and the covariance (docs/analysis.md §2.2).
enum class SigmaMode {
  Absolute,   ///< σ are exact: χ² likelihood, no variance factor
  Inflate,    ///< σ are a lower bound: scaled by s = max(1, sqrt(χ²/(n − 2M))) of the largest model M tried
  Profile,    ///< σ are relative weights: the variance factor is profiled out (n·ln(χ²/n) in the criterion)
};

/// Saito (1969) creep stage.
enum class CreepStage { Primary, Secondary, Tertiary };
/// Finer label, as in the paper's section 5.1.
enum class StageLabel { Initial, Constant, InitialAcceleration, MediumAcceleration, Sliding };
const char* toString(CreepStage s);
const char* toString(StageLabel s);

struct StageParams {
  int maxSegments = 6;                 ///< largest number of linear segments tried (1..10)
  /// Acquisitions per segment, both ends counted (>= 2). 2 is the identifiability minimum of a
  /// continuous piecewise-linear model (a segment's slope needs one interval); docs/analysis.md §2.2.
  int minPointsPerSegment = 2;
  InformationCriterion criterion = InformationCriterion::AICc;
  /// Profile: σ are relative weights, the scale is estimated (robust to over- or under-stated σ).
  SigmaMode sigmaMode = SigmaMode::Profile;
  GapModel gapModel = GapModel::Continuous;
  bool refine = true;                  ///< continuous refinement of the breakpoints
  double confidence = 0.95;            ///< two-sided level of the rate and breakpoint intervals
  IntervalMethod intervals = IntervalMethod::Covariance;
  int bootstrapSamples = 200;          ///< wild-bootstrap resamples (IntervalMethod::Bootstrap)
  std::uint64_t seed = 12345;          ///< bootstrap random seed (results are reproducible)
  long long maxCombinations = 3000000; ///< above this many breakpoint sets, greedy + local search
  // Labelling (docs/analysis.md §2.4)
  SecondaryRule secondaryRule = SecondaryRule::Longest;
  double accelMinRatio = 1.25;         ///< a segment accelerates if rate ≥ ratio × previous rate ...
  double accelMinZ = 2.0;              ///< ... and the increase is significant at this z
  /// An onset needs at least this many acquisitions (both ends counted) in the accelerating run and in
  /// the stage before it: one anomalous last epoch is not an onset (>= 2).
  int minOnsetPoints = 3;
  double slidingRatio = 5.0;           ///< last tertiary segment is "sliding" if rate ≥ ratio × secondary rate
  double gapFactor = 3.0;              ///< an interval > factor × median interval is a data gap
  void validate() const;
};

struct Breakpoint {
  DateTime date;
  double days = 0.0;        ///< days since StageFit::epoch
  double sigmaDays = 0.0;   ///< 1-σ (NaN when not determined)
  DateTime low, high;       ///< confidence interval at StageParams::confidence
  DateTime previousAcquisition, nextAcquisition;  ///< acquisitions bracketing the breakpoint
  /// An interval between the bracketing acquisitions is a data gap (see gapFactor): the date is then
  /// the intersection of the neighbouring stages' lines, not an observed change.
  bool inDataGap = false;
};

struct Stage {
  DateTime start, end;
  double rate = 0.0;        ///< mm/day, in the sign of the input series
  double rateSigma = 0.0;   ///< mm/day, 1-σ
  double rateLow = 0.0, rateHigh = 0.0;  ///< mm/day, confidence interval
  int nPoints = 0;          ///< acquisitions within [start, end]
  /// The stage contains a data gap between two of its acquisitions: its rate is the mean over the gap
  /// and any rate change inside the gap is unresolvable.
  bool spansDataGap = false;
  CreepStage creep = CreepStage::Secondary;
  StageLabel label = StageLabel::Constant;
};

struct StageFit {
  DateTime epoch;                     ///< first date of the series (t = 0)
  std::vector<Stage> stages;
  std::vector<Breakpoint> breakpoints;
  double orientation = 1.0;           ///< sign of the net displacement; labels use orientation × rate
  double chi2 = 0.0;                  ///< Σ ((y − model)/σ)²
  double varianceFactor = 1.0;        ///< s² applied to σ² in the criterion and the covariance
  int nUsed = 0;                      ///< finite samples used
  int dof = 0;                        ///< nUsed − 2·segments
  std::vector<double> criterionBySegments;  ///< IC for m = 1..maxSegments (NaN: not evaluable)
  std::vector<double> fitted;         ///< model at every input date (m)
  int onsetStage = -1;                ///< index of the first tertiary stage, −1 if none
  bool hasAcceleration() const { return onsetStage >= 0; }
  /// Start of the first tertiary stage (valid only if hasAcceleration()).
  DateTime onset() const;
  /// Model displacement (m) at a date (linear extrapolation outside the data).
  double evaluate(const DateTime& t) const;

  double intercept = 0.0;             ///< model at epoch (m)
  std::vector<double> slopes;         ///< m/day per segment
  std::vector<double> breakDays;      ///< breakpoints, days since epoch
  /// With a gap offset model: the first acquisition after each data gap (days since epoch) and
  /// the level offset (m) added from that date on. Empty otherwise.
  std::vector<double> gapDays, gapOffsets;
};

/// Fit creep stages. `sigma` holds one σ (m) per date (or is empty: unit weights, which requires
/// sigmaMode = Profile). NaN samples are skipped. Throws InvalidInput for unsorted dates, size
/// mismatches, σ <= 0, or fewer than minPointsPerSegment finite samples.
StageFit fitStages(const std::vector<DateTime>& dates, const std::vector<double>& displacement,
                   const std::vector<double>& sigma, const StageParams& params = {});

/// Per-pixel stage maps (§7). Values are float rasters, NaN where the fit failed or the pixel has too
/// few samples.
struct StageMapParams {
  /// Per pixel (§7): 4 segments at most, a free offset at data gaps, σ as a lower bound (Inflate: a
  /// rate change is never judged against less than the pixel's stated σ), and z >= 3 for an onset (the
  /// z of a breakpoint chosen to fit best is inflated by the choice, and a map tests thousands of pixels).
  StageParams stage = [] {
    StageParams p;
    p.maxSegments = 4;
    p.gapModel = GapModel::Offset;
    p.sigmaMode = SigmaMode::Inflate;
    p.accelMinZ = 3.0;
    return p;
  }();
  int minValidDates = 6;        ///< pixels with fewer finite dates are NaN
  std::int64_t blockRows = 8;   ///< rows per parallel block
  void validate() const;
};
struct StageMaps {
  DateTime epoch;
  Raster<float> onsetDays;      ///< start of the first accelerating stage, days since epoch (NaN: none)
  Raster<float> lastRate;       ///< rate of the last stage, mm/day (sign of the input)
  Raster<float> segments;       ///< number of segments selected
  Raster<std::uint8_t> lastLabel;  ///< StageLabel of the last stage (255 = no fit)
};
/// `sigma` is empty (unit weights) or one raster per date (m).
StageMaps stageMaps(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& cumulative,
                    const std::vector<Raster<float>>& sigma, const StageMapParams& params = {});

}  // namespace orthotrack::analysis

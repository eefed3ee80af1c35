#pragma once
/// Trigger analysis: monthly precipitation from CSV exports (station or reanalysis), precipitation
/// averaged over inter-acquisition intervals with a lag, and lagged Pearson correlation of the
/// deformation rate (or of σ0) with precipitation, significance corrected for autocorrelation
/// (Bretherton et al. 1999). docs/analysis.md §5.
#include <string>
#include <string_view>
#include <vector>

#include "orthotrack/core/datetime.hpp"

namespace orthotrack::analysis {

/// Contiguous monthly totals (mm/month) from startYear-startMonth; NaN = missing month.
struct MonthlyPrecip {
  int startYear = 0, startMonth = 1;
  std::vector<double> mm;
  /// First instant of month i (00:00 UTC on day 1).
  DateTime monthStart(std::size_t i) const;
  std::size_t size() const { return mm.size(); }
};

/// How to read a precipitation CSV (docs/analysis.md §5.1). Empty names = detect from the header.
struct PrecipCsvParams {
  std::string dateColumn;    ///< a column holding YYYY-MM, YYYY-MM-DD, YYYY/MM(/DD), YYYYMM or ISO date-times
  std::string yearColumn;    ///< alternatively, separate year and month columns
  std::string monthColumn;
  std::string valueColumn;   ///< precipitation in mm (per row: day, month, ...)
  char delimiter = 0;        ///< 0 = detect among , ; tab |
  /// Rows falling in the same month are summed (daily or hourly exports → monthly totals). A month
  /// with any missing row is missing unless allowPartialMonths.
  bool allowPartialMonths = false;
  double missingValue = -9999.0;  ///< numeric no-data marker (besides "", NA, NaN, null, -, M)
  void validate() const;
};

/// Parse CSV text. Lines starting with '#' and blank lines are skipped; the first other line is the
/// header. Throws InvalidInput naming `sourceName`, the line number and the offending text for an empty
/// table, missing columns (listing the header), unparsable dates or values, or negative values.
MonthlyPrecip parsePrecipCsv(std::string_view text, const std::string& sourceName = "<csv>",
                             const PrecipCsvParams& params = {});
/// Read a CSV file (IoError if unreadable) and parse it.
MonthlyPrecip readPrecipCsv(const std::string& path, const PrecipCsvParams& params = {});

/// Mean monthly precipitation (mm/month) over [a − lag, b − lag], each month weighted by its overlap
/// (days) with the window; lag in months of 365.25/12 days. NaN when the valid months cover less
/// than `minCoverage` of the window or the window is outside the record.
double windowMeanPrecip(const MonthlyPrecip& p, const DateTime& a, const DateTime& b, double lagMonths,
                        double minCoverage = 0.8);

enum class Detrend { None, Linear };

struct TriggerParams {
  int maxLagMonths = 4;         ///< lags 0..max (months)
  double maxIntervalDays = 200; ///< longer inter-acquisition intervals (e.g. the 2011–2014 gap) are dropped
  double minCoverage = 0.8;     ///< of each precipitation window by valid months
  Detrend detrend = Detrend::Linear;  ///< remove a straight line in time from both series before correlating
  int minSamples = 6;
  bool positiveOnly = true;     ///< best lag = max r (rain speeds the slide up); false: max |r|
  double confidence = 0.95;     ///< for `significant`
  double sampleWindowDays = 365.25 / 12;  ///< precipitation window before an instantaneous sample (σ0)
  void validate() const;
};

struct LagCorrelation {
  int lagMonths = 0;
  int n = 0;              ///< pairs used
  double r = 0.0;         ///< Pearson correlation
  double r1x = 0.0, r1y = 0.0;  ///< lag-1 autocorrelations of the two series (sample order)
  double nEff = 0.0;      ///< Bretherton effective sample size
  double t = 0.0;         ///< r sqrt((nEff − 2)/(1 − r²))
  double p = 1.0;         ///< two-sided p-value, Student t with nEff − 2 dof
  bool significant = false;  ///< p < 1 − confidence
};

struct TriggerCorrelation {
  std::vector<LagCorrelation> lags;
  int bestLagMonths = -1;  ///< −1 when no lag could be evaluated
  double bestR = 0.0;
  double bestP = 1.0;
  double bestPBonferroni = 1.0;  ///< p × number of lags tried (capped at 1): the best lag was selected
  bool significant = false;      ///< bestPBonferroni < 1 − confidence
  /// The paired samples (after dropping long intervals) at lag 0: interval start/end and values.
  std::vector<DateTime> start, end;
  std::vector<double> values;
};

/// Rate between consecutive valid dates (mm/day, in the sign of the input): the series the trigger
/// analysis correlates. Returns start/end dates and rates.
struct IntervalRates {
  std::vector<DateTime> start, end;
  std::vector<double> rate;  ///< mm/day
};
IntervalRates intervalRates(const std::vector<DateTime>& dates, const std::vector<double>& displacement);

/// Correlate values attached to intervals [start_i, end_i] (e.g. rates) with the precipitation
/// averaged over the same intervals shifted back by 0..maxLag months. `baseline` (empty, or one value
/// per interval) is subtracted from the values first: pass the creep-stage model rate
/// (stageBaselineRates) so that the accelerating creep trend does not masquerade as a rain response.
TriggerCorrelation correlateIntervals(const std::vector<DateTime>& start, const std::vector<DateTime>& end,
                                      const std::vector<double>& values, const MonthlyPrecip& precip,
                                      const TriggerParams& params = {}, const std::vector<double>& baseline = {});
/// Correlate instantaneous samples (e.g. σ0 per date) with the precipitation over the
/// `sampleWindowDays` before each date, shifted back by 0..maxLag months.
TriggerCorrelation correlateSamples(const std::vector<DateTime>& dates, const std::vector<double>& values,
                                    const MonthlyPrecip& precip, const TriggerParams& params = {});

struct StageFit;
/// Mean model rate (mm/day) of a creep-stage fit over each interval: (model(end) − model(start))/Δt.
std::vector<double> stageBaselineRates(const StageFit& fit, const std::vector<DateTime>& start,
                                       const std::vector<DateTime>& end);

}  // namespace orthotrack::analysis

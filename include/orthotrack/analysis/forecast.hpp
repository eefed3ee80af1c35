#pragma once
/// Failure-time forecasting by the inverse-velocity method (Fukuzono 1985; Voight 1988: Ω̈ = A Ω̇^α,
/// which for α = 2 makes 1/v linear in time, reaching 0 at the failure time t_f), its evolution when
/// re-run at every acquisition, and alert levels per point and per pixel. docs/analysis.md §3.
///
/// Units: displacement and σ in m; velocities in mm/day (oriented so that the net motion is positive);
/// 1/v in day/mm; times are DateTime, internally days since the series' first date.
#include <cstdint>
#include <string>
#include <vector>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/raster.hpp"

namespace orthotrack::analysis {

enum class VelocityMethod {
  Differences,  ///< (y_{i+1} − y_i)/(t_{i+1} − t_i), at the interval mid-time
  LocalLinear,  ///< slope of a weighted line over `window` consecutive dates, at their mean time
};

struct VelocityParams {
  VelocityMethod method = VelocityMethod::Differences;
  int window = 3;  ///< dates per local line (LocalLinear; odd, >= 2)
  void validate() const;
};

struct VelocitySeries {
  DateTime epoch;               ///< first date of the input series
  std::vector<double> days;     ///< time of each velocity, days since epoch
  std::vector<double> start, end;  ///< the interval each velocity covers, days since epoch
  std::vector<double> v;        ///< mm/day, positive in the direction of the net motion
  std::vector<double> sigma;    ///< mm/day (NaN when σ were not given)
  double orientation = 1.0;     ///< sign applied to the input (sign of the net displacement)
};

/// Velocities from a cumulative displacement series (NaN samples skipped). `sigma` may be empty.
VelocitySeries velocities(const std::vector<DateTime>& dates, const std::vector<double>& displacement,
                          const std::vector<double>& sigma, const VelocityParams& params = {});

struct InverseVelocityParams {
  VelocityParams velocity;
  double alpha = 2.0;            ///< Voight exponent (> 1); (1/v)^(α−1) is linear in t
  bool estimateAlpha = false;    ///< grid search α in [alphaMin, alphaMax] minimising the 1/v misfit
  double alphaMin = 1.2, alphaMax = 3.0;
  int minPoints = 4;             ///< velocities needed in the fit window (>= 3)
  double confidence = 0.90;      ///< two-sided level of the failure-time interval (Fieller)
  /// Weights 1/var((1/v)^(α−1)) by the delta method from the velocity σ (equal weights when any σ is
  /// missing). Weighted fits are ~2.5× more precise on the Baige-like test (docs/analysis.md §3.2).
  bool weighted = true;
  double minVelocity = 0.0;      ///< mm/day; velocities <= this are dropped (1/v undefined)
  void validate() const;
};

struct FailureForecast {
  bool valid = false;            ///< a decreasing 1/v trend was fitted
  std::string reason;            ///< why not valid
  DateTime asOf;                 ///< last date used
  DateTime failure;              ///< predicted failure time t_f (x-intercept of the fit)
  double leadDays = 0.0;         ///< t_f − asOf (days; may be negative when t_f is already past)
  DateTime low, high;            ///< Fieller interval of t_f at `confidence`
  bool upperUnbounded = false;   ///< the interval is open to the future (slope not significant)
  double slope = 0.0;            ///< d(1/v)^(α−1)/dt per day (negative when accelerating)
  double intercept = 0.0;        ///< (1/v)^(α−1) at asOf
  double alpha = 2.0;
  int nPoints = 0;
  double lastVelocity = 0.0;     ///< mm/day, last velocity in the window
};

/// Fit the inverse velocity on the velocities whose intervals lie in [fitStart, asOf] and forecast t_f.
FailureForecast forecastFailure(const VelocitySeries& v, const DateTime& fitStart, const DateTime& asOf,
                                const InverseVelocityParams& params = {});
/// Convenience: velocities from the displacement series, then the forecast.
FailureForecast forecastFailure(const std::vector<DateTime>& dates, const std::vector<double>& displacement,
                                const std::vector<double>& sigma, const DateTime& fitStart, const DateTime& asOf,
                                const InverseVelocityParams& params = {});

enum class AlertLevel : std::uint8_t { Normal = 0, Watch = 1, Warning = 2, Alarm = 3 };
const char* toString(AlertLevel a);

/// Alert rule (docs/analysis.md §3.4): the highest level whose condition holds.
///   Watch:   v >= watchVelocity, or a valid forecast (1/v significantly decreasing);
///   Warning: v >= warningVelocity, or a valid forecast with lead time <= warningLeadDays;
///   Alarm:   v >= alarmVelocity,   or a valid forecast with lead time <= alarmLeadDays.
/// The defaults are placeholders scaled to the Baige stages (10/35/92 mm/day): set them per site.
struct AlertParams {
  double watchVelocity = 20.0;    ///< mm/day
  double warningVelocity = 50.0;  ///< mm/day
  double alarmVelocity = 200.0;   ///< mm/day
  double warningLeadDays = 90.0;
  double alarmLeadDays = 30.0;
  void validate() const;
};
AlertLevel alertLevel(double velocity, const FailureForecast& f, const AlertParams& params = {});

/// One row of the forecast evolution table: the forecast as it would have been made on `asOf`.
struct ForecastRow {
  DateTime asOf;
  FailureForecast forecast;
  AlertLevel alert = AlertLevel::Normal;
};
/// Re-run the forecast at every date after fitStart (rows for dates with too few velocities carry
/// valid = false and a velocity-only alert).
std::vector<ForecastRow> forecastEvolution(const std::vector<DateTime>& dates, const std::vector<double>& displacement,
                                           const std::vector<double>& sigma, const DateTime& fitStart,
                                           const InverseVelocityParams& params = {}, const AlertParams& alerts = {});

/// Per-pixel forecast and alert (velocity by differences over the last `fitLastN` intervals up to the
/// last date, or from the pixel's onset when an onset raster is given).
struct AlertMapParams {
  InverseVelocityParams inverse;
  AlertParams alerts;
  int fitLastN = 6;               ///< velocities used when no onset is given (>= minPoints)
  /// Forecast only where the onset raster is finite (an accelerating stage was detected); elsewhere the
  /// alert uses the velocity alone. Stops noise on stable ground from passing for a 1/v trend.
  bool requireOnset = false;
  std::int64_t blockRows = 16;
  void validate() const;
};
struct AlertMaps {
  DateTime epoch;                 ///< t = 0 of the day rasters (the first date)
  Raster<std::uint8_t> alert;     ///< AlertLevel (255 = no data)
  Raster<float> velocity;         ///< last velocity, mm/day (oriented: positive = net motion direction)
  Raster<float> failureDays;      ///< forecast t_f, days since epoch (NaN if no valid forecast)
  Raster<float> lowDays, highDays;  ///< interval of t_f, days since epoch (+inf when unbounded)
};
/// `onsetDays` may be empty, or hold the onset (days since the first date; NaN = none) per pixel,
/// e.g. StageMaps::onsetDays. `sigma` may be empty.
AlertMaps alertMaps(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& cumulative,
                    const std::vector<Raster<float>>& sigma, const Raster<float>& onsetDays,
                    const AlertMapParams& params = {});

}  // namespace orthotrack::analysis

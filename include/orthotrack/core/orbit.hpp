#pragma once
/// Satellite orbits: state vectors and their interpolation.
///
/// Frame: ECEF (WGS84-fixed), positions in m, velocities in m/s. Times are stored as double seconds
/// relative to the orbit's reference epoch (a DateTime), so inner loops never handle calendars.
#include <vector>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/vec3.hpp"

namespace orthotrack {

/// First index of the `m`-point Lagrange window for time t over sorted node times `ts` (n ≥ 2,
/// m ≤ n): the window centred on the interval holding t, clamped to the nodes. `uniform` with
/// spacing `dt` finds the interval in O(1), otherwise by binary search.
std::size_t lagrangeWindowStart(const std::vector<double>& ts, bool uniform, double dt, double t, std::size_t m) noexcept;

struct StateVector {
  DateTime time;
  Vec3 position;  ///< ECEF, m
  Vec3 velocity;  ///< ECEF, m/s
};

/// Status of a per-pixel query (no exceptions in hot loops).
enum class Status : int { Ok = 0, OutOfDomain = 1, NoConvergence = 2, InvalidValue = 3 };

class Orbit {
 public:
  Orbit() = default;
  /// At least 4 state vectors with strictly increasing times; otherwise InvalidInput naming the
  /// offending index and times. `epoch` defaults to the first vector's time rounded down to the
  /// whole second. `order` is the number of Lagrange points used (4..16, default 8).
  explicit Orbit(std::vector<StateVector> svs, int order = 8);
  Orbit(std::vector<StateVector> svs, const DateTime& epoch, int order = 8);

  const DateTime& referenceEpoch() const { return epoch_; }
  std::size_t size() const { return t_.size(); }
  const std::vector<StateVector>& stateVectors() const { return svs_; }
  /// Seconds since the reference epoch of the first and last state vector.
  double startTime() const { return t_.front(); }
  double endTime() const { return t_.back(); }
  DateTime startDateTime() const { return svs_.front().time; }
  DateTime endDateTime() const { return svs_.back().time; }
  /// Allow interpolation up to `seconds` beyond either end (default 0: out of domain is an error).
  void setExtrapolationMargin(double seconds) { margin_ = seconds; }
  double extrapolationMargin() const { return margin_; }

  /// Position and velocity at `t` seconds since the reference epoch (Lagrange interpolation of the
  /// positions and of the velocities). Returns OutOfDomain outside [start - margin, end + margin].
  Status interpolate(double t, Vec3& position, Vec3& velocity) const noexcept;
  /// Same with an absolute time; throws OutOfDomain naming the time and the orbit span.
  void interpolate(const DateTime& t, Vec3& position, Vec3& velocity) const;
  /// Seconds since the reference epoch of an absolute time.
  double toSeconds(const DateTime& t) const { return t.secondsSince(epoch_); }
  DateTime toDateTime(double seconds) const { return epoch_.plusSeconds(seconds); }
  /// True if [t0, t1] (seconds since epoch) lies inside the span (margin included).
  bool covers(double t0, double t1) const;

 private:
  void init();
  std::vector<StateVector> svs_;
  std::vector<double> t_;
  DateTime epoch_;
  int order_ = 8;
  double margin_ = 0.0;
  bool uniform_ = false;
  double dt_ = 0.0;
};

/// Resamples an orbit with the 4-point Hermite interpolation (positions and velocities, the method
/// ISCE3 and many SAR products declare as "Hermite") onto state vectors every `spacing` seconds.
/// The 8-point Lagrange of Orbit on the result reproduces the Hermite interpolant to < 1e-6 m for
/// spacing ≤ 1 s. Use it when a product says its orbit is to be Hermite-interpolated.
Orbit resampleHermite(const Orbit& orbit, double spacing = 1.0);

}  // namespace orthotrack

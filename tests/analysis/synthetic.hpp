#pragma once
/// Synthetic Baige-like inputs shared by the analysis tests (documented in docs/analysis.md §2.5).
#include <cmath>
#include <random>
#include <vector>

#include "orthotrack/core/datetime.hpp"

namespace orthotrack::test {

inline DateTime addDays(const DateTime& d, double days) { return d.plusSeconds(days * 86400.0); }
inline double daysBetween(const DateTime& a, const DateTime& b) { return b.secondsSince(a) / 86400.0; }

/// A realistic 28-date two-platform schedule: 12 ALOS/PALSAR-1 dates (2007-01-02 .. 2011-02-28, at
/// multiples of the 46-day repeat) and 16 ALOS-2/PALSAR-2 dates (2014-10-06 .. 2018-08-20, at
/// multiples of the 14-day repeat). Nothing between 2011-03 and 2014-10 (ALOS failed in April 2011).
/// The paper's breakpoints fall on acquisition dates of these repeat grids (2010-01-10 = 2007-01-02 +
/// 24·46 d; 2015-07-27, 2016-10-03, 2018-05-28 = 2014-10-06 + 21, 52, 95 × 14 d), so they are dates.
inline std::vector<DateTime> baigeSchedule() {
  std::vector<DateTime> d;
  const DateTime p1(2007, 1, 2);
  for (int k : {0, 1, 4, 8, 9, 12, 16, 20, 24, 25, 28, 33}) d.push_back(addDays(p1, 46.0 * k));
  const DateTime p2(2014, 10, 6);
  for (int k : {0, 4, 10, 21, 28, 35, 44, 52, 60, 70, 78, 88, 95, 97, 99, 101}) d.push_back(addDays(p2, 14.0 * k));
  return d;
}
/// The acquisition dates of the simulated Baige stack (src/simulate/scenario.cpp, `orthotrack simulate`):
/// 14 PALSAR-1 dates 2007-01-02 .. 2011-02-28 and 14 PALSAR-2 dates 2014-10-06 .. 2018-08-20, the
/// 2011-03 .. 2014-10 gap between them. The paper's breakpoints are acquisitions; the last stage
/// (from 2018-05-28) holds a single interval (2018-05-28 .. 2018-08-20).
inline std::vector<DateTime> simulatedStackSchedule() {
  std::vector<DateTime> d;
  for (int k : {0, 2, 4, 8, 10, 12, 16, 18, 20, 24, 25, 28, 30, 33}) d.push_back(addDays(DateTime(2007, 1, 2), 46.0 * k));
  for (int k : {0, 10, 21, 26, 34, 45, 52, 60, 68, 76, 84, 89, 95, 101}) d.push_back(addDays(DateTime(2014, 10, 6), 14.0 * k));
  return d;
}
inline std::vector<int> baigePlatforms() {
  std::vector<int> p(12, 1);
  p.insert(p.end(), 16, 2);
  return p;
}

/// Continuous piecewise-linear LOS displacement (m, negative = away from the sensor) with the paper's
/// stage rates (mm/day, magnitudes) and breakpoints.
struct PiecewiseTruth {
  std::vector<DateTime> breaks{DateTime(2010, 1, 10), DateTime(2015, 7, 27), DateTime(2016, 10, 3), DateTime(2018, 5, 28)};
  std::vector<double> rates{6, 10, 17, 35, 92};
  double sign = -1.0;
  double at(const DateTime& t0, const DateTime& t) const {
    double u = 0, prev = 0;
    const double x = daysBetween(t0, t);
    for (std::size_t j = 0; j < rates.size(); ++j) {
      const double end = j < breaks.size() ? daysBetween(t0, breaks[j]) : 1e18;
      const double a = prev, b = std::min(end, x);
      if (b > a) u += rates[j] * 1e-3 * (b - a);
      prev = end;
      if (x <= end) break;
    }
    return sign * u;
  }
};

inline std::vector<double> noisy(const std::vector<double>& v, double sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0.0, sigma);
  std::vector<double> out(v);
  for (double& x : out) x += n(rng);
  return out;
}

}  // namespace orthotrack::test

namespace orthotrack::test {
/// Voight/Fukuzono α = 2 acceleration: v = K/(t_f − t) after `onset`, constant v_onset before it.
/// Displacement (m, sign −1 = LOS away) u = v_on·(t − t0) before onset, then u_on + K·ln((t_f − t_on)/(t_f − t)).
struct VoightTruth {
  DateTime t0{2007, 1, 2};
  DateTime onset{2017, 6, 12};
  DateTime failure{2018, 10, 11};
  double K = 9.2;  ///< m (v = 92 mm/day 100 days before failure)
  double sign = -1.0;
  double velocity(const DateTime& t) const {  // mm/day, magnitude
    const double tf = daysBetween(t, failure), ton = daysBetween(onset, failure);
    return 1000.0 * K / (t < onset ? ton : tf);
  }
  double at(const DateTime& t) const {
    const double ton = daysBetween(onset, failure);
    const double von = K / ton;
    if (t < onset) return sign * von * daysBetween(t0, t);
    return sign * (von * daysBetween(t0, onset) + K * std::log(ton / daysBetween(t, failure)));
  }
};
}  // namespace orthotrack::test

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "orthotrack/analysis/forecast.hpp"
#include "orthotrack/core/error.hpp"
#include "synthetic.hpp"

using namespace orthotrack;
using namespace orthotrack::analysis;
using orthotrack::test::addDays;
using orthotrack::test::daysBetween;

namespace {
std::vector<double> series(const std::vector<DateTime>& dates, const test::VoightTruth& tr) {
  std::vector<double> y;
  for (const auto& d : dates) y.push_back(tr.at(d));
  return y;
}
}  // namespace

TEST(Velocity, DifferencesAndLocalLinearOnALine) {
  std::vector<DateTime> d;
  for (int i = 0; i < 6; ++i) d.push_back(addDays(DateTime(2016, 1, 1), 10.0 * i * (i + 1)));
  std::vector<double> y;
  for (const auto& t : d) y.push_back(-0.02 * daysBetween(d[0], t));  // −20 mm/day
  const auto v = velocities(d, y, std::vector<double>(d.size(), 0.1));
  ASSERT_EQ(v.v.size(), 5u);
  EXPECT_EQ(v.orientation, -1.0);
  for (std::size_t i = 0; i < v.v.size(); ++i) {
    EXPECT_NEAR(v.v[i], 20.0, 1e-9);
    EXPECT_NEAR(v.sigma[i], 1000.0 * std::sqrt(0.02) / (v.end[i] - v.start[i]), 1e-9);
    EXPECT_NEAR(v.days[i], 0.5 * (v.start[i] + v.end[i]), 1e-12);
  }
  VelocityParams lp;
  lp.method = VelocityMethod::LocalLinear;
  lp.window = 3;
  const auto w = velocities(d, y, {}, lp);
  ASSERT_EQ(w.v.size(), 4u);
  for (double x : w.v) EXPECT_NEAR(x, 20.0, 1e-9);
}

TEST(InverseVelocity, NoiseFreeVoightForecastsTheFailureDate) {
  // α = 2 acceleration from 2017-06-12 to the 2018-10-11 failure, sampled on the Baige schedule up to
  // 2018-08-20 (52 days before). Velocities are interval means assigned to mid-times, so a small bias
  // remains: tolerance 3 days.
  const auto dates = test::baigeSchedule();
  const test::VoightTruth tr;
  const auto f = forecastFailure(dates, series(dates, tr), std::vector<double>(dates.size(), 0.01), tr.onset, dates.back());
  ASSERT_TRUE(f.valid) << f.reason;
  EXPECT_NEAR(daysBetween(tr.failure, f.failure), 0.0, 3.0);
  EXPECT_LE(f.low, tr.failure);
  EXPECT_GE(f.high, tr.failure);
  EXPECT_FALSE(f.upperUnbounded);
  EXPECT_EQ(f.nPoints, 6);
  EXPECT_NEAR(f.leadDays, daysBetween(dates.back(), tr.failure), 3.0);
  EXPECT_NEAR(f.lastVelocity, tr.velocity(addDays(dates.back(), -14.0)), 0.02 * f.lastVelocity);
}

TEST(InverseVelocity, NoisyBaigeMonteCarlo) {
  // σ = 0.3 m per epoch, 40 draws. Stated tolerance (200-draw simulation: median 6 d, 90th percentile
  // 13 d, 90 % Fieller interval covering the truth in 96.5 %): median <= 10 d, 90th pct <= 25 d,
  // coverage >= 85 %.
  const auto dates = test::baigeSchedule();
  const test::VoightTruth tr;
  const auto y = series(dates, tr);
  std::vector<double> err;
  int covered = 0;
  for (int s = 0; s < 40; ++s) {
    const auto f = forecastFailure(dates, test::noisy(y, 0.3, 500 + s), std::vector<double>(dates.size(), 0.3), tr.onset, dates.back());
    ASSERT_TRUE(f.valid) << f.reason;
    err.push_back(std::fabs(daysBetween(tr.failure, f.failure)));
    covered += (f.low <= tr.failure && tr.failure <= f.high) ? 1 : 0;
  }
  std::sort(err.begin(), err.end());
  EXPECT_LE(err[20], 10.0);
  EXPECT_LE(err[36], 25.0);
  EXPECT_GE(covered, 34);
  // Unweighted fits are worse but still unbiased on average (documented: median ~15 d).
  InverseVelocityParams p;
  p.weighted = false;
  const auto f = forecastFailure(dates, test::noisy(y, 0.3, 500), std::vector<double>(dates.size(), 0.3), tr.onset, dates.back(), p);
  EXPECT_TRUE(f.valid);
}

TEST(InverseVelocity, EvolutionTable) {
  const auto dates = test::baigeSchedule();
  const test::VoightTruth tr;
  const auto rows = forecastEvolution(dates, series(dates, tr), std::vector<double>(dates.size(), 0.05), tr.onset);
  // One row per acquisition after the onset (2017-10-02 .. 2018-08-20 = 6 dates).
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows.front().asOf, DateTime(2017, 10, 2));
  // Too few velocities for the first three (min_points = 4): no forecast, velocity-only alerts.
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(rows[i].forecast.valid);
    EXPECT_FALSE(rows[i].forecast.reason.empty());
  }
  double prevWidth = 1e9;
  for (std::size_t i = 3; i < rows.size(); ++i) {
    const auto& f = rows[i].forecast;
    ASSERT_TRUE(f.valid);
    EXPECT_NEAR(daysBetween(tr.failure, f.failure), 0.0, 10.0) << rows[i].asOf.isoDate();
    EXPECT_LE(f.low, tr.failure);
    EXPECT_GE(f.high, tr.failure);
    const double width = daysBetween(f.low, f.high);
    EXPECT_LT(width, prevWidth);  // the interval narrows as data accumulate
    prevWidth = width;
  }
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_GE(rows[i].alert, rows[i - 1].alert);
  EXPECT_EQ(rows.back().alert, AlertLevel::Warning);  // lead ≈ 52 d <= 90 d; not yet <= 30 d
}

TEST(InverseVelocity, GeneralAlphaIsEstimated) {
  // Voight with α = 1.7: v = c (t_f − t)^(−γ), γ = 1/(α − 1) > 1, so 1/v ∝ (t_f − t)^γ has a positive
  // second derivative in t. Dense 12-day sampling, noise-free. Fitting α recovers it and t_f; forcing
  // α = 2 (a straight line through a curve bending upwards) forecasts the failure months too early.
  const double alpha = 1.7, g = 1.0 / (alpha - 1.0);
  const DateTime tf(2018, 10, 11), t0(2017, 1, 1);
  const double c = 0.05 * std::pow(400.0, g);  // v = 50 mm/day 400 days before failure (in m/day)
  std::vector<DateTime> d;
  std::vector<double> y;
  for (int i = 0; i < 40; ++i) {
    d.push_back(addDays(t0, 12.0 * i));
    const double a = daysBetween(t0, tf), b = daysBetween(d.back(), tf);
    y.push_back(c * (std::pow(a, 1 - g) - std::pow(b, 1 - g)) / (1 - g));
  }
  InverseVelocityParams p;
  p.estimateAlpha = true;
  const auto f = forecastFailure(d, y, {}, t0, d.back(), p);
  ASSERT_TRUE(f.valid);
  EXPECT_NEAR(f.alpha, alpha, 0.1);
  EXPECT_NEAR(daysBetween(tf, f.failure), 0.0, 5.0);
  const auto f2 = forecastFailure(d, y, {}, t0, d.back());
  ASSERT_TRUE(f2.valid);
  EXPECT_LT(daysBetween(tf, f2.failure), -30.0);
}

TEST(InverseVelocity, SteadyCreepGivesNoForecast) {
  const auto dates = test::baigeSchedule();
  std::vector<double> y;
  for (const auto& d : dates) y.push_back(-0.01 * daysBetween(dates[0], d));
  const auto f = forecastFailure(dates, test::noisy(y, 0.05, 3), std::vector<double>(dates.size(), 0.05), DateTime(2014, 10, 1), dates.back());
  // 1/v has no significant trend: either not decreasing or an interval unbounded to the future.
  EXPECT_TRUE(!f.valid || f.upperUnbounded);
  EXPECT_LE(alertLevel(10.0, f), AlertLevel::Watch);
}

TEST(Alerts, RuleTable) {
  FailureForecast none;
  FailureForecast f;
  f.valid = true;
  f.leadDays = 60;
  AlertParams p;
  EXPECT_EQ(alertLevel(5, none, p), AlertLevel::Normal);
  EXPECT_EQ(alertLevel(NAN, none, p), AlertLevel::Normal);
  EXPECT_EQ(alertLevel(25, none, p), AlertLevel::Watch);
  EXPECT_EQ(alertLevel(60, none, p), AlertLevel::Warning);
  EXPECT_EQ(alertLevel(250, none, p), AlertLevel::Alarm);
  EXPECT_EQ(alertLevel(5, f, p), AlertLevel::Warning);
  f.leadDays = 20;
  EXPECT_EQ(alertLevel(5, f, p), AlertLevel::Alarm);
  f.leadDays = 400;
  EXPECT_EQ(alertLevel(5, f, p), AlertLevel::Watch);
  f.upperUnbounded = true;  // not significant: the forecast does not raise the level
  f.leadDays = 20;
  EXPECT_EQ(alertLevel(5, f, p), AlertLevel::Normal);
  EXPECT_STREQ(toString(AlertLevel::Alarm), "alarm");
  p.warningVelocity = 5;
  try {
    alertLevel(1, f, p), p.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "alerts.watch_velocity");
  }
}

TEST(Alerts, PerPixelMaps) {
  const auto dates = test::baigeSchedule();
  const test::VoightTruth tr;
  const auto yv = series(dates, tr);
  const int L = 2, W = 3;
  std::vector<Raster<float>> cum(dates.size(), Raster<float>(L, W, 0.0f));
  for (std::size_t k = 0; k < dates.size(); ++k) {
    const double t = daysBetween(dates[0], dates[k]);
    cum[k](0, 0) = static_cast<float>(-0.001 * t);        // 1 mm/day: normal
    cum[k](0, 1) = static_cast<float>(0.06 * t);          // 60 mm/day steady: warning by velocity
    cum[k](0, 2) = static_cast<float>(yv[k]);             // Voight: forecast
    cum[k](1, 0) = NAN;                                   // no data
    cum[k](1, 1) = static_cast<float>(yv[k]);
    cum[k](1, 2) = static_cast<float>(yv[k]);
  }
  Raster<float> onset(L, W, NAN);
  onset(1, 2) = static_cast<float>(daysBetween(dates[0], tr.onset));
  const auto m = alertMaps(dates, cum, {}, onset);
  EXPECT_EQ(m.alert(0, 0), static_cast<std::uint8_t>(AlertLevel::Normal));
  EXPECT_EQ(m.alert(0, 1), static_cast<std::uint8_t>(AlertLevel::Warning));
  EXPECT_NEAR(m.velocity(0, 1), 60.0f, 1e-3f);
  // Exactly constant velocity: 1/v flat, t_f would be ~1e13 days away → no forecast (not an overflow).
  EXPECT_TRUE(std::isnan(m.failureDays(0, 1)));
  EXPECT_EQ(m.alert(1, 0), 255);
  const double tfDays = daysBetween(dates[0], tr.failure);
  // fitLastN = 6 velocities → same window as the onset here (6 intervals since 2017-06-12).
  for (auto [r, c] : {std::pair{0, 2}, std::pair{1, 1}, std::pair{1, 2}}) {
    EXPECT_EQ(m.alert(r, c), static_cast<std::uint8_t>(AlertLevel::Warning)) << r << c;
    EXPECT_NEAR(m.failureDays(r, c), tfDays, 3.0) << r << c;
    EXPECT_LE(m.lowDays(r, c), tfDays);
    EXPECT_GE(m.highDays(r, c), tfDays);
  }
  EXPECT_TRUE(std::isnan(m.failureDays(0, 0)) || std::isinf(m.highDays(0, 0)));
  // requireOnset: only the pixel with an onset is forecast; the others fall back to the velocity rule.
  AlertMapParams gated;
  gated.requireOnset = true;
  const auto g = alertMaps(dates, cum, {}, onset, gated);
  EXPECT_NEAR(g.failureDays(1, 2), tfDays, 3.0);
  EXPECT_EQ(g.alert(1, 2), m.alert(1, 2));
  for (auto [r, c] : {std::pair{0, 0}, std::pair{0, 1}, std::pair{0, 2}, std::pair{1, 1}}) {
    EXPECT_TRUE(std::isnan(g.failureDays(r, c))) << r << c;
    EXPECT_EQ(g.alert(r, c), static_cast<std::uint8_t>(alertLevel(g.velocity(r, c), FailureForecast{}))) << r << c;
  }
  EXPECT_EQ(g.alert(0, 1), static_cast<std::uint8_t>(AlertLevel::Warning));  // 60 mm/day, by velocity alone
  AlertMapParams bad;
  bad.fitLastN = 2;
  try {
    alertMaps(dates, cum, {}, onset, bad);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "alert_maps.fit_last_n");
  }
}

TEST(InverseVelocity, BadInputs) {
  const auto dates = test::baigeSchedule();
  std::vector<double> y(dates.size(), 0.0);
  InverseVelocityParams p;
  p.alpha = 1.0;
  try {
    forecastFailure(dates, y, {}, dates[0], dates.back(), p);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "inverse_velocity.alpha");
    EXPECT_EQ(e.context().value, "1");
  }
  std::vector<double> nan(dates.size(), NAN);
  nan[3] = 1;
  EXPECT_THROW(forecastFailure(dates, nan, {}, dates[0], dates.back()), InvalidInput);
  std::vector<double> s(dates.size(), 0.1);
  s[2] = 0;
  try {
    velocities(dates, y, s);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "sigma[2]");
  }
  // A window with too few velocities is reported, not thrown.
  const auto f = forecastFailure(dates, y, {}, dates[25], dates.back());
  EXPECT_FALSE(f.valid);
  EXPECT_NE(f.reason.find("too few"), std::string::npos);
}

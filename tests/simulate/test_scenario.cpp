// The scenario behind the simulator (no rendering): the creep curve at P2 against the paper's
// stages, the monsoon and its maximum, and the lags of soil moisture and of the deformation rate
// behind precipitation.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "orthotrack/core/datetime.hpp"
#include "scenario.hpp"

using namespace orthotrack;
using orthotrack::simulate::detail::Scenario;

namespace {
const Scenario& scenario() {
  static const Scenario sc(20181011, 1.0);
  return sc;
}

double meanRateMmPerDay(const Scenario& sc, const DateTime& a, const DateTime& b) {
  return (sc.creep(b) - sc.creep(a)) / (b.secondsSince(a) / 86400.0) * 1000.0;
}

// Pearson correlation of x[i] with y[i − lag] over the indices where both exist.
double laggedCorrelation(const std::vector<double>& x, const std::vector<double>& y, int lag) {
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  int n = 0;
  for (std::size_t i = static_cast<std::size_t>(lag); i < x.size(); ++i) {
    const double a = x[i], b = y[i - static_cast<std::size_t>(lag)];
    sx += a; sy += b; sxx += a * a; syy += b * b; sxy += a * b;
    ++n;
  }
  const double cov = sxy / n - sx / n * sy / n;
  return cov / std::sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
}

// Monthly samples (mid-month) from `first` for `months` months.
std::vector<DateTime> midMonths(int year, int month, int months) {
  std::vector<DateTime> out;
  for (int k = 0; k < months; ++k) {
    const int m = (month - 1 + k) % 12 + 1, y = year + (month - 1 + k) / 12;
    out.push_back(DateTime(y, m, 15, 12));
  }
  return out;
}
}  // namespace

TEST(Scenario, CreepStagesAtP2FollowThePaper) {
  const Scenario& sc = scenario();
  ASSERT_EQ(sc.stages.size(), 5u);
  // The paper's breaks (section 5.1) and LOS rates at P2 (mm/day).
  const DateTime breaks[] = {DateTime(2010, 1, 10), DateTime(2015, 7, 27), DateTime(2016, 10, 3), DateTime(2018, 5, 28)};
  const double rates[] = {6, 10, 17, 35, 92};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_DOUBLE_EQ(sc.stages[i].rateMmPerDay, rates[i]);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(sc.stages[i].end, breaks[i]);
    EXPECT_EQ(sc.stages[i + 1].start, breaks[i]);
  }
  // The seasonal modulation is continuous, so the rate jumps at a break by the ratio of the stages.
  for (std::size_t i = 0; i < 3; ++i) {
    const double before = sc.creepRateMmPerDay(breaks[i].plusSeconds(-1.0));
    const double after = sc.creepRateMmPerDay(breaks[i].plusSeconds(1.0));
    EXPECT_NEAR(after / before, rates[i + 1] / rates[i], 1e-3) << breaks[i].isoDate();
  }
  // Stage means: the modulation averages out over whole seasons (within 10 %).
  for (std::size_t i = 0; i < 4; ++i) {
    const double mean = meanRateMmPerDay(sc, sc.stages[i].start, sc.stages[i].end);
    EXPECT_NEAR(mean, rates[i], 0.10 * rates[i]) << sc.stages[i].label;
  }
  // Sliding stage: 92 mm/day on average over the last PALSAR-2 interval, accelerating.
  EXPECT_NEAR(meanRateMmPerDay(sc, DateTime(2018, 5, 28), DateTime(2018, 8, 20)), 92.0, 9.2);
  EXPECT_GT(sc.creepRateMmPerDay(DateTime(2018, 8, 15)), 1.5 * sc.creepRateMmPerDay(DateTime(2018, 6, 5)));
  // Cumulated LOS at P2 by the last acquisition: the paper's −60.2 m (within 5 %).
  EXPECT_NEAR(sc.creep(sc.acquisitions.back().date), 60.2, 0.05 * 60.2);
  EXPECT_DOUBLE_EQ(sc.creep(sc.acquisitions.front().date), 0.0);
}

TEST(Scenario, MonsoonWithItsMaximumInAugust2018) {
  const Scenario& sc = scenario();
  double wet = 0, dry = 0, mx = 0;
  int nw = 0, nd = 0, mxYear = 0, mxMonth = 0;
  for (const auto& m : sc.precipitation) {
    EXPECT_GE(m.mm, 0.0);
    if (m.month >= 6 && m.month <= 9) { wet += m.mm; ++nw; } else { dry += m.mm; ++nd; }
    if (m.mm > mx) { mx = m.mm; mxYear = m.year; mxMonth = m.month; }
  }
  EXPECT_GT(wet / nw, 4.0 * dry / nd);
  EXPECT_EQ(mxYear, 2018);
  EXPECT_EQ(mxMonth, 8);
}

TEST(Scenario, SoilMoistureAndDeformationLagPrecipitationAsConfigured) {
  const Scenario& sc = scenario();
  ASSERT_DOUBLE_EQ(sc.soilMoistureLagMonths, 1.0);
  ASSERT_DOUBLE_EQ(sc.deformationLagMonths, 2.0);
  // 2010-02 .. 2015-06 lies inside the constant (10 mm/day) stage: the rate's variation is the
  // seasonal modulation alone.
  const auto t = midMonths(2010, 2, 65);
  std::vector<double> p, sm, rate;
  for (const auto& d : t) {
    p.push_back(sc.precipitationAt(d));
    sm.push_back(sc.soilMoistureDb(d));
    rate.push_back(sc.creepRateMmPerDay(d));
  }
  auto bestLag = [&](const std::vector<double>& x, double& best) {
    int arg = -1;
    best = -2;
    for (int lag = 0; lag <= 4; ++lag) {
      const double c = laggedCorrelation(x, p, lag);
      if (c > best) { best = c; arg = lag; }
    }
    return arg;
  };
  double cSm, cRate;
  EXPECT_EQ(bestLag(sm, cSm), 1);
  EXPECT_GT(cSm, 0.8);
  EXPECT_EQ(bestLag(rate, cRate), 2);
  EXPECT_GT(cRate, 0.9);
  // Soil moisture raises backscatter by a few dB at most.
  double smMax = 0;
  for (double v : sm) smMax = std::max(smMax, v);
  EXPECT_GT(smMax, 1.5);
  EXPECT_LE(smMax, 3.0 + 1e-9);
}

TEST(Scenario, AcquisitionPlanHasThePaperDates) {
  const Scenario& sc = scenario();
  ASSERT_EQ(sc.acquisitions.size(), 28u);
  int n1 = 0, n2 = 0;
  for (const auto& a : sc.acquisitions) (a.platform == 0 ? n1 : n2)++;
  EXPECT_EQ(n1, 14);
  EXPECT_EQ(n2, 14);
  for (const char* d : {"20100110", "20100225", "20150727", "20161003", "20180528"}) {
    bool found = false;
    for (const auto& a : sc.acquisitions) found = found || a.date.compactDate() == d;
    EXPECT_TRUE(found) << d;
  }
  EXPECT_EQ(sc.acquisitions[static_cast<std::size_t>(sc.masterIndex)].id, "ALOS2_20161003");
  EXPECT_GE(sc.acquisitions.front().date, DateTime(2007, 1, 1));
  EXPECT_LT(sc.acquisitions[13].date, DateTime(2011, 4, 1));
  EXPECT_GE(sc.acquisitions[14].date, DateTime(2014, 10, 1));
  EXPECT_LT(sc.acquisitions.back().date, DateTime(2018, 9, 1));
}

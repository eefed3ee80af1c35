#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "orthotrack/analysis/stages.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/core/tiling.hpp"
#include "synthetic.hpp"

using namespace orthotrack;
using namespace orthotrack::analysis;
using orthotrack::test::addDays;
using orthotrack::test::daysBetween;

namespace {
std::vector<double> truthSeries(const std::vector<DateTime>& dates, const test::PiecewiseTruth& tr) {
  std::vector<double> y;
  for (const auto& d : dates) y.push_back(tr.at(dates[0], d));
  return y;
}
/// True when `est` lies between the acquisitions adjacent to the true breakpoint (the true breakpoints
/// are acquisition dates; "within one acquisition interval" on either side).
bool withinOneInterval(const std::vector<DateTime>& dates, const DateTime& truth, const DateTime& est) {
  DateTime lo = dates.front(), hi = dates.back();
  for (const auto& d : dates) {
    if (d < truth) lo = d;
    if (d > truth) { hi = d; break; }
  }
  return est >= lo && est <= hi;
}
}  // namespace

TEST(Stages, ExactPiecewiseLinearIsRecoveredExactly) {
  // Noise-free data from a 3-segment model on a regular 20-day grid: the breakpoints (placed between
  // acquisitions) and rates come back to numerical precision after continuous refinement.
  std::vector<DateTime> dates;
  for (int i = 0; i < 40; ++i) dates.push_back(addDays(DateTime(2015, 1, 1), 20.0 * i));
  test::PiecewiseTruth tr;
  tr.breaks = {addDays(dates[0], 233.0), addDays(dates[0], 517.0)};
  tr.rates = {4, 12, 30};
  tr.sign = +1;
  StageParams p;
  p.sigmaMode = SigmaMode::Profile;
  p.maxSegments = 4;
  const auto f = fitStages(dates, truthSeries(dates, tr), {}, p);
  ASSERT_EQ(f.stages.size(), 3u);
  EXPECT_NEAR(daysBetween(tr.breaks[0], f.breakpoints[0].date), 0.0, 0.01);
  EXPECT_NEAR(daysBetween(tr.breaks[1], f.breakpoints[1].date), 0.0, 0.01);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(f.stages[j].rate, tr.rates[j], 1e-4);  // refinement tolerance 0.001 d
  EXPECT_EQ(f.orientation, 1.0);
  EXPECT_NEAR(f.evaluate(dates[17]), tr.at(dates[0], dates[17]), 1e-5);
}

TEST(Stages, BaigeP2SeriesMonteCarlo) {
  // The paper's P2 history (6, 10, 17, 35, 92 mm/day; breaks 2010-01-10, 2015-07-27, 2016-10-03,
  // 2018-05-28) on the simulated stack's 28 acquisition dates (2011–2014 gap, a single interval in the
  // 92 mm/day stage) with σ = 0.3 m white noise, 30 noise draws, default parameters (AICc, profiled
  // variance, two acquisitions per segment).
  const auto dates = test::simulatedStackSchedule();
  const test::PiecewiseTruth tr;
  const auto y = truthSeries(dates, tr);
  const std::vector<double> sig(dates.size(), 0.3);
  const int trials = 30;
  int fiveSegments = 0, labelsOk = 0, bpOk[4] = {0, 0, 0, 0}, rateOk[5] = {0, 0, 0, 0, 0}, covered[5] = {0, 0, 0, 0, 0};
  int bp0Within190 = 0, bp0Covered = 0;
  for (int s = 0; s < trials; ++s) {
    const auto f = fitStages(dates, test::noisy(y, 0.3, 1000 + s), sig);
    if (f.stages.size() != 5) continue;
    ++fiveSegments;
    for (int j = 0; j < 4; ++j) bpOk[j] += withinOneInterval(dates, tr.breaks[j], f.breakpoints[j].date) ? 1 : 0;
    bp0Within190 += std::fabs(daysBetween(tr.breaks[0], f.breakpoints[0].date)) <= 190 ? 1 : 0;
    bp0Covered += (f.breakpoints[0].low <= tr.breaks[0] && tr.breaks[0] <= f.breakpoints[0].high) ? 1 : 0;
    for (int j = 0; j < 5; ++j) {
      const double mag = -f.stages[j].rate;  // LOS: moving away, negative
      rateOk[j] += std::fabs(mag - tr.rates[j]) <= 0.15 * tr.rates[j] ? 1 : 0;
      covered[j] += (-f.stages[j].rateHigh <= tr.rates[j] && tr.rates[j] <= -f.stages[j].rateLow) ? 1 : 0;
    }
    labelsOk += (f.stages[0].label == StageLabel::Initial && f.stages[1].label == StageLabel::Constant &&
                 f.stages[2].label == StageLabel::InitialAcceleration && f.stages[3].label == StageLabel::MediumAcceleration &&
                 f.stages[4].label == StageLabel::Sliding && f.onsetStage == 2)
                    ? 1
                    : 0;
  }
  // Model order: 5 segments in >= 90 % of the draws (200-draw rate in docs/analysis.md §2.5).
  EXPECT_GE(fiveSegments, 27);
  EXPECT_EQ(labelsOk, fiveSegments);
  // The PALSAR-2 breakpoints within one acquisition interval (200 draws: 2015-07-27 in ~90 %, the
  // others ~99 %).
  EXPECT_GE(bpOk[1], fiveSegments - 5);
  EXPECT_GE(bpOk[2], fiveSegments - 2);
  EXPECT_GE(bpOk[3], fiveSegments - 2);
  // NOT identifiable within one interval at σ = 0.3 m: 2010-01-10 (6 → 10 mm/day, σ_b ≈ σ/Δrate ≈ 60–100
  // days, intervals 184 and 46 days around it) lands within one interval in ~75 % of draws only; what
  // holds is |error| <= 190 days and the interval covering it.
  EXPECT_GE(bp0Within190, fiveSegments - 4);
  EXPECT_GE(bp0Covered, fiveSegments - 5);
  // Rates within 15 %, the 92 mm/day one from its single interval included.
  for (int j = 0; j < 5; ++j) EXPECT_GE(rateOk[j], fiveSegments - 4) << "stage " << j;
  // 95 % intervals cover the true rates at about the nominal rate (>= 80 % of the draws here).
  for (int j = 0; j < 5; ++j) EXPECT_GE(covered[j], fiveSegments * 8 / 10) << "stage " << j;
  // The final breakpoint, before a one-acquisition stage, trades off exactly with that stage's rate:
  // it is held fixed in the covariance (σ NaN, interval = its bracketing acquisitions) when it sits on
  // 2018-05-28.
}

TEST(Stages, OneIntervalFinalStageNeedsTwoPointSegments) {
  // On the simulated stack's dates the 92 mm/day stage spans one interval (2018-05-28 .. 2018-08-20).
  // With three acquisitions per segment it cannot be represented: the last breakpoint is forced back to
  // 2018-03-05, the last rate is a 35/92 blend, and the misfit inflates the variance so that the
  // 2015-07-27 break is merged (what the run gave at P2 before). Two acquisitions per segment (the
  // identifiability minimum of a continuous model) recover it.
  const auto dates = test::simulatedStackSchedule();
  const test::PiecewiseTruth tr;
  const auto y = test::noisy(truthSeries(dates, tr), 0.3, 4242);
  const std::vector<double> sig(dates.size(), 0.45);  // stated σ larger than the scatter, as in the run
  const auto f = fitStages(dates, y, sig);
  ASSERT_EQ(f.stages.size(), 5u);
  for (int j = 1; j < 4; ++j) EXPECT_TRUE(withinOneInterval(dates, tr.breaks[j], f.breakpoints[j].date)) << j;
  EXPECT_TRUE(withinOneInterval(dates, tr.breaks[3], f.breakpoints[3].date));
  EXPECT_NEAR(-f.stages[4].rate, 92.0, 0.15 * 92.0);
  EXPECT_EQ(f.stages[4].nPoints, 2);
  StageParams three;
  three.minPointsPerSegment = 3;
  three.sigmaMode = SigmaMode::Inflate;
  const auto g = fitStages(dates, y, sig, three);
  EXPECT_GT(std::fabs(-g.stages.back().rate - 92.0), 0.15 * 92.0);
  EXPECT_LT(g.breakpoints.back().date, DateTime(2018, 5, 28));
}

TEST(Stages, JumpAcrossTheGapIsNotAccelerationWithGapOffsets) {
  // Stable ground (0 mm/day) whose PALSAR-2 dates sit 0.9 m above the PALSAR-1 dates (a cross-platform
  // bias, as at the east swath edge of the simulated stack), plus a small PALSAR-2 drift and σ = 0.3 m.
  // A continuous model reads the jump as a faster stage spanning the gap (an "onset" in 2010–2011); with
  // a free offset at the gap the rates come from each platform's own dates and no onset is found. A true
  // rate increase across the gap (2 → 10 mm/day) is still detected, its breakpoint flagged inDataGap.
  const auto dates = test::simulatedStackSchedule();
  StageParams cont;
  cont.maxSegments = 4;
  cont.sigmaMode = SigmaMode::Inflate;
  StageParams off = cont;
  off.gapModel = GapModel::Offset;
  int onsetCont = 0, onsetOff = 0;
  const int trials = 40;
  for (int s = 0; s < trials; ++s) {
    std::vector<double> y(dates.size(), 0.0);
    for (std::size_t i = 14; i < y.size(); ++i) y[i] = 0.9 + 0.15e-3 * daysBetween(dates[14], dates[i]);
    y = test::noisy(y, 0.3, 300 + s);
    y[0] = 0.0;
    const std::vector<double> sig(dates.size(), 0.3);
    onsetCont += fitStages(dates, y, sig, cont).hasAcceleration() ? 1 : 0;
    const auto f = fitStages(dates, y, sig, off);
    onsetOff += f.hasAcceleration() ? 1 : 0;
    ASSERT_EQ(f.gapOffsets.size(), 1u);
    EXPECT_EQ(f.gapDays[0], daysBetween(dates[0], dates[14]));
  }
  EXPECT_GE(onsetCont, 5);  // the failure mode is real (9 of these 40 draws)
  EXPECT_LE(onsetOff, 1);
  // A real acceleration across the gap.
  test::PiecewiseTruth tr;
  tr.breaks = {DateTime(2013, 1, 1)};
  tr.rates = {2, 10};
  const auto f = fitStages(dates, test::noisy(truthSeries(dates, tr), 0.3, 9), std::vector<double>(dates.size(), 0.3), off);
  ASSERT_TRUE(f.hasAcceleration());
  EXPECT_TRUE(f.breakpoints[static_cast<std::size_t>(f.onsetStage - 1)].inDataGap);
  EXPECT_EQ(f.onset().isoDate(), "2011-02-28");  // kept on the gap's first edge: inside it, unidentifiable
  EXPECT_NEAR(-f.stages.back().rate, 10.0, 1.5);
  EXPECT_NEAR(-f.stages.front().rate, 2.0, 1.5);
  // The model with the offset evaluates with its jump.
  EXPECT_NEAR(f.evaluate(dates[14]) - f.evaluate(dates[13]),
              f.slopes.back() * daysBetween(dates[13], dates[14]) + f.gapOffsets[0], 1e-9);
}

TEST(Stages, OneAnomalousLastEpochIsNoOnset) {
  // Steady creep whose last epoch is 2.5 m off (one bad date): the information criterion may add a
  // last one-interval segment, but an onset needs minOnsetPoints (3) acquisitions on both sides.
  const auto dates = test::simulatedStackSchedule();
  test::PiecewiseTruth tr;
  tr.breaks = {};
  tr.rates = {10};
  auto y = test::noisy(truthSeries(dates, tr), 0.3, 11);
  y.back() -= 2.5;
  const std::vector<double> sig(dates.size(), 0.3);
  const auto f = fitStages(dates, y, sig);
  EXPECT_GE(f.stages.size(), 2u);
  EXPECT_EQ(f.stages.back().nPoints, 2);
  EXPECT_FALSE(f.hasAcceleration());
  StageParams two;
  two.minOnsetPoints = 2;
  const auto g = fitStages(dates, y, sig, two);
  ASSERT_TRUE(g.hasAcceleration());
  EXPECT_EQ(g.onset().isoDate(), dates[dates.size() - 2].isoDate());
}

TEST(Stages, LowNoiseResolvesEveryBreakpoint) {
  // At σ = 0.1 m even the PALSAR-1 breakpoint is resolved within one interval: the limit above is noise.
  const auto dates = test::simulatedStackSchedule();
  const test::PiecewiseTruth tr;
  const auto f = fitStages(dates, test::noisy(truthSeries(dates, tr), 0.1, 77), std::vector<double>(dates.size(), 0.1));
  ASSERT_EQ(f.stages.size(), 5u);
  for (int j = 0; j < 4; ++j) EXPECT_TRUE(withinOneInterval(dates, tr.breaks[j], f.breakpoints[j].date)) << j << " " << f.breakpoints[j].date.isoDate();
  for (int j = 0; j < 5; ++j) EXPECT_NEAR(-f.stages[j].rate, tr.rates[j], 0.1 * tr.rates[j]);
  EXPECT_TRUE(f.hasAcceleration());
  EXPECT_TRUE(withinOneInterval(dates, DateTime(2015, 7, 27), f.onset()));
  EXPECT_FALSE(f.breakpoints[0].inDataGap);
  EXPECT_EQ(f.orientation, -1.0);
  EXPECT_NEAR(f.varianceFactor, 1.0, 0.8);
}

TEST(Stages, RateChangesInsideTheGapAreNotSeparable) {
  // Truth: 10 mm/day, a 30 mm/day burst from 2012-03-01 to 2013-09-01 (inside the 2011-03..2014-10
  // gap), then 10 mm/day. No date samples the burst: the data fix only the net displacement across the
  // gap, so the fit returns one stage spanning the gap at the mean rate (flagged spansDataGap, its
  // breakpoints near the gap's edges), and the burst's dates and 30 mm/day are not (and cannot be)
  // recovered.
  const auto dates = test::baigeSchedule();
  test::PiecewiseTruth tr;
  tr.breaks = {DateTime(2012, 3, 1), DateTime(2013, 9, 1)};
  tr.rates = {10, 30, 10};
  const auto f = fitStages(dates, test::noisy(truthSeries(dates, tr), 0.1, 5), std::vector<double>(dates.size(), 0.1));
  ASSERT_EQ(f.stages.size(), 3u);
  const auto& mid = f.stages[1];
  EXPECT_TRUE(mid.spansDataGap);
  EXPECT_FALSE(f.stages[0].spansDataGap);
  EXPECT_FALSE(f.stages[2].spansDataGap);
  EXPECT_LE(mid.start, DateTime(2011, 2, 28));
  EXPECT_GE(mid.end, DateTime(2014, 10, 6));
  const double net = -(f.evaluate(mid.end) - f.evaluate(mid.start)) * 1000.0 / daysBetween(mid.start, mid.end);
  EXPECT_NEAR(-mid.rate, net, 1e-6);
  EXPECT_LT(-mid.rate, 25.0);  // the 30 mm/day burst is smeared over the gap
  EXPECT_NEAR(-f.stages[0].rate, 10.0, 1.0);
  EXPECT_NEAR(-f.stages[2].rate, 10.0, 1.0);
}

TEST(Stages, BootstrapIntervalsAgreeWithCovariance) {
  const auto dates = test::baigeSchedule();
  const test::PiecewiseTruth tr;
  const auto y = test::noisy(truthSeries(dates, tr), 0.1, 77);
  const std::vector<double> sig(dates.size(), 0.1);
  StageParams p;
  const auto a = fitStages(dates, y, sig, p);
  p.intervals = IntervalMethod::Bootstrap;
  p.bootstrapSamples = 60;
  const auto b = fitStages(dates, y, sig, p);
  ASSERT_EQ(a.stages.size(), b.stages.size());
  for (std::size_t j = 0; j < a.stages.size(); ++j) {
    EXPECT_DOUBLE_EQ(a.stages[j].rate, b.stages[j].rate);
    EXPECT_LE(b.stages[j].rateLow, b.stages[j].rate + 1e-9);
    EXPECT_GE(b.stages[j].rateHigh, b.stages[j].rate - 1e-9);
    // Same order of magnitude as the covariance σ (factor 2.5 either way).
    EXPECT_LT(b.stages[j].rateSigma, 2.5 * a.stages[j].rateSigma) << j;
    EXPECT_GT(b.stages[j].rateSigma, a.stages[j].rateSigma / 2.5) << j;
  }
  // Reproducible with the same seed.
  const auto c = fitStages(dates, y, sig, p);
  EXPECT_DOUBLE_EQ(c.stages[4].rateLow, b.stages[4].rateLow);
}

TEST(Stages, SecondaryRuleMinimumRate) {
  // Textbook Saito: primary creep decelerates into the (slowest) secondary stage, then tertiary.
  std::vector<DateTime> dates;
  for (int i = 0; i < 36; ++i) dates.push_back(addDays(DateTime(2015, 1, 1), 30.0 * i));
  test::PiecewiseTruth tr;
  tr.breaks = {addDays(dates[0], 300.0), addDays(dates[0], 750.0)};
  tr.rates = {20, 5, 40};
  tr.sign = 1;
  StageParams p;
  p.maxSegments = 4;
  p.secondaryRule = SecondaryRule::MinimumRate;
  const auto f = fitStages(dates, test::noisy(truthSeries(dates, tr), 0.05, 9), std::vector<double>(dates.size(), 0.05), p);
  ASSERT_EQ(f.stages.size(), 3u);
  EXPECT_EQ(f.stages[0].creep, CreepStage::Primary);
  EXPECT_EQ(f.stages[1].creep, CreepStage::Secondary);
  EXPECT_EQ(f.stages[2].creep, CreepStage::Tertiary);
  EXPECT_EQ(f.stages[2].label, StageLabel::InitialAcceleration);  // a single tertiary segment
  EXPECT_STREQ(toString(f.stages[1].label), "constant deformation");
}

TEST(Stages, SteadyCreepHasNoAcceleration) {
  const auto dates = test::baigeSchedule();
  test::PiecewiseTruth tr;
  tr.breaks = {};
  tr.rates = {10};
  const auto f = fitStages(dates, test::noisy(truthSeries(dates, tr), 0.3, 3), std::vector<double>(dates.size(), 0.3));
  EXPECT_EQ(f.stages.size(), 1u);
  EXPECT_FALSE(f.hasAcceleration());
  EXPECT_THROW(f.onset(), InvalidInput);
  EXPECT_NEAR(-f.stages[0].rate, 10.0, 0.3);
}

TEST(Stages, BadInputs) {
  const auto dates = test::baigeSchedule();
  std::vector<double> y(dates.size(), 1.0), s(dates.size(), 0.3);
  StageParams p;
  p.maxSegments = 0;
  try {
    fitStages(dates, y, s, p);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "stages.max_segments");
    EXPECT_EQ(e.context().value, "0");
  }
  auto s2 = s;
  s2[3] = -1;
  try {
    fitStages(dates, y, s2);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "sigma[3]");
  }
  std::vector<double> nan(dates.size(), NAN);
  nan[0] = nan[1] = 0.0;
  try {
    fitStages(dates, nan, s);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "displacement");
    EXPECT_NE(e.context().value.find("2 finite"), std::string::npos);
  }
  auto d2 = dates;
  std::swap(d2[4], d2[5]);
  EXPECT_THROW(fitStages(d2, y, s), InvalidInput);
  EXPECT_THROW(fitStages(dates, std::vector<double>(3, 0.0), s), InvalidInput);
  StageParams inflate;
  inflate.sigmaMode = SigmaMode::Inflate;
  EXPECT_THROW(fitStages(dates, y, {}, inflate), InvalidInput);  // unit weights need SigmaMode::Profile
  StageParams onsetPts;
  onsetPts.minOnsetPoints = 1;
  try { onsetPts.validate(); ADD_FAILURE() << "min_onset_points 1 accepted"; }
  catch (const InvalidInput& e) { EXPECT_EQ(e.context().key, "stages.min_onset_points"); }
  // NaN samples are skipped, not fatal.
  const test::PiecewiseTruth tr;
  auto yy = truthSeries(dates, tr);
  yy[6] = NAN;
  const auto f = fitStages(dates, yy, s);
  EXPECT_EQ(f.nUsed, 27);
}

TEST(StageMaps, OnsetPerPixelAndThreadIndependence) {
  // 6 × 7 pixels on a 30-day schedule: onset of acceleration varies with the column; row 0 is steady.
  std::vector<DateTime> dates;
  for (int i = 0; i < 30; ++i) dates.push_back(addDays(DateTime(2016, 1, 1), 30.0 * i));
  const int L = 6, W = 7;
  std::vector<Raster<float>> cum(dates.size(), Raster<float>(L, W, 0.0f));
  auto onsetTrue = [&](int c) { return 300.0 + 60.0 * c + 15.0; };
  for (int r = 0; r < L; ++r)
    for (int c = 0; c < W; ++c) {
      test::PiecewiseTruth tr;
      tr.sign = 1;
      if (r == 0) { tr.breaks = {}; tr.rates = {8}; }
      else { tr.breaks = {addDays(dates[0], onsetTrue(c))}; tr.rates = {5, 25}; }
      const auto y = test::noisy(truthSeries(dates, tr), 0.05, static_cast<unsigned>(100 + r * W + c));
      for (std::size_t k = 0; k < dates.size(); ++k) cum[k](r, c) = static_cast<float>(y[k]);
    }
  cum[5](3, 3) = NAN;  // a missing sample is tolerated
  for (auto& k : cum) k(5, 6) = NAN;  // an empty pixel stays NaN
  std::vector<Raster<float>> sig(dates.size(), Raster<float>(L, W, 0.05f));
  StageMapParams p;
  p.blockRows = 2;
  const auto m = stageMaps(dates, cum, sig, p);
  for (int c = 0; c < W; ++c) EXPECT_TRUE(std::isnan(m.onsetDays(0, c))) << c;
  // Information-criterion selection over-segments ~4 % of such pixels (413-pixel simulation), so the
  // per-pixel checks are counted: onset within one interval (30 d) and 2 segments in >= 90 %.
  int onsetOk = 0, twoSegments = 0, rateOk = 0, total = 0;
  for (int r = 1; r < L; ++r)
    for (int c = 0; c < W; ++c) {
      if (r == 5 && c == 6) continue;
      ++total;
      onsetOk += std::fabs(double(m.onsetDays(r, c)) - onsetTrue(c)) <= 30.0 ? 1 : 0;
      rateOk += std::fabs(double(m.lastRate(r, c)) - 25.0) <= 2.5 ? 1 : 0;
      twoSegments += m.segments(r, c) == 2.0f ? 1 : 0;
    }
  EXPECT_GE(onsetOk, total * 9 / 10);
  EXPECT_GE(rateOk, total * 9 / 10);
  EXPECT_GE(twoSegments, total * 9 / 10);
  EXPECT_TRUE(std::isnan(m.onsetDays(5, 6)));
  EXPECT_EQ(m.lastLabel(5, 6), 255);
  const int saved = threadCount();
  setThreadCount(1);
  const auto m1 = stageMaps(dates, cum, sig, p);
  setThreadCount(saved);
  for (std::size_t i = 0; i < m.onsetDays.size(); ++i) {
    const float a = m.onsetDays.data()[i], b = m1.onsetDays.data()[i];
    EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b);
  }
  std::vector<Raster<float>> bad(cum);
  bad[2] = Raster<float>(L, W + 1, 0.0f);
  try {
    stageMaps(dates, bad, sig, p);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "cumulative[2]");
  }
}

TEST(StageMaps, StableGroundWithPlatformBiasHasNoOnsets) {
  // Map defaults (4 segments, gap offsets, σ as a lower bound, 3 epochs on both sides of an onset) on
  // the simulated stack's dates. Rows 0–19: stable ground, σ = 0.3 m noise, and on the PALSAR-2 dates a
  // level bias of 1.0 ± 0.3 m per pixel plus a 0.15 mm/day drift (as at the simulated stack's east
  // swath edge). Rows 20–24: the Baige P2 history with the same noise and bias. The reference date is 0
  // with σ = 0 (as in geo/los_sigma.tif).
  const auto dates = test::simulatedStackSchedule();
  const int L = 25, W = 20;
  std::vector<Raster<float>> cum(dates.size(), Raster<float>(L, W, 0.0f)), sig(dates.size(), Raster<float>(L, W, 0.3f));
  std::mt19937 rng(77);
  std::normal_distribution<double> bias(1.0, 0.3);
  const test::PiecewiseTruth tr;
  for (int r = 0; r < L; ++r)
    for (int c = 0; c < W; ++c) {
      std::vector<double> y(dates.size(), 0.0);
      if (r >= 20)
        for (std::size_t k = 0; k < dates.size(); ++k) y[k] = tr.at(dates[0], dates[k]);
      const double b = bias(rng);
      y = test::noisy(y, 0.3, static_cast<unsigned>(5000 + r * W + c));
      for (std::size_t k = 0; k < dates.size(); ++k)
        cum[k](r, c) = static_cast<float>(k == 0 ? 0.0 : y[k] + (k >= 14 ? b + 0.15e-3 * daysBetween(dates[14], dates[k]) : 0.0));
      sig[0](r, c) = 0.0f;
    }
  const auto m = stageMaps(dates, cum, sig);
  int stableOnsets = 0, slideOnsets = 0, slideInStage = 0;
  for (int r = 0; r < L; ++r)
    for (int c = 0; c < W; ++c) {
      const float o = m.onsetDays(r, c);
      if (r < 20) {
        stableOnsets += std::isfinite(o) ? 1 : 0;
        continue;
      }
      if (!std::isfinite(o)) continue;
      ++slideOnsets;
      // Between the acquisition before the true onset (2015-02-23) and the end of the initial
      // acceleration stage (2016-10-03): per pixel the 10 → 17 mm/day change is often merged (§7).
      const DateTime od = addDays(dates[0], o);
      slideInStage += od >= DateTime(2015, 2, 23) && od <= DateTime(2016, 10, 3) ? 1 : 0;
    }
  std::printf("stable onsets %d/400, slide onsets %d/100, in [2015-02-23, 2016-10-03] %d\n", stableOnsets, slideOnsets, slideInStage);
  EXPECT_LE(stableOnsets, 2);  // < 0.5 % of 400
  EXPECT_GE(slideOnsets, 95);
  EXPECT_GE(slideInStage, slideOnsets * 85 / 100);
  // The same pixels with a model continuous across the gap: the bias passes for acceleration in ~2 %
  // (9 of these 400; why maps use gap offsets).
  StageMapParams cont;
  cont.stage.gapModel = GapModel::Continuous;
  const auto mc = stageMaps(dates, cum, sig, cont);
  int contOnsets = 0;
  for (int r = 0; r < 20; ++r)
    for (int c = 0; c < W; ++c) contOnsets += std::isfinite(mc.onsetDays(r, c)) ? 1 : 0;
  std::printf("continuous model: stable onsets %d/400\n", contOnsets);
  EXPECT_GE(contOnsets, 5);
}

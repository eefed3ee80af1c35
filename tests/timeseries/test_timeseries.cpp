#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/timeseries/sbas.hpp"
#include "../network/paper_stack.hpp"
#include "synthetic.hpp"
#include "test_data.hpp"

using namespace orthotrack;
using namespace orthotrack::timeseries;

namespace {

/// The paper-like network: 32 PALSAR-1, 44 PALSAR-2, 8 bridging pairs (84 pairs, 28 dates).
network::Network paperNetwork() {
  network::NetworkParams prm;
  prm.platforms["PALSAR-1"].maxTemporalBaselineDays = 650.0;
  prm.platforms["PALSAR-2"].maxTemporalBaselineDays = 490.0;
  prm.bridgeMaxPairs = 8;
  return network::buildNetwork(test::paperStack(), prm);
}

double years(const DateTime& a, const DateTime& b) { return b.secondsSince(a) / (365.25 * 86400.0); }

/// Plain per-pixel reference: weighted normal equations in the displacement (phase) form,
/// Aᵀ W A φ = Aᵀ W y with φ_0 = 0, solved with Eigen's LDLT; covariance (Aᵀ W A)⁻¹.
struct Ref {
  bool ok = false;
  std::vector<double> phi, sig;
  double rms = 0;
  int used = 0;
};
Ref reference(const SbasNetwork& net, const std::vector<double>& y, const std::vector<double>& s) {
  const int nd = net.dateCount(), n = nd - 1;
  Eigen::MatrixXd M = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(n);
  std::vector<Eigen::VectorXd> rows;
  std::vector<double> ys, ws;
  for (std::size_t k = 0; k < y.size(); ++k) {
    if (!std::isfinite(y[k])) continue;
    Eigen::VectorXd a = Eigen::VectorXd::Zero(n);
    if (net.pairs[k].second > 0) a(net.pairs[k].second - 1) += 1;
    if (net.pairs[k].first > 0) a(net.pairs[k].first - 1) -= 1;
    const double w = s.empty() ? 1.0 : 1.0 / (s[k] * s[k]);
    M += w * a * a.transpose();
    b += w * y[k] * a;
    rows.push_back(a);
    ys.push_back(y[k]);
    ws.push_back(w);
  }
  Ref r;
  r.used = static_cast<int>(ys.size());
  Eigen::FullPivLU<Eigen::MatrixXd> lu(M);
  if (lu.rank() < n) return r;
  const Eigen::VectorXd phi = M.ldlt().solve(b);
  const Eigen::MatrixXd cov = M.inverse();
  double rss = 0, wrss = 0;
  for (std::size_t q = 0; q < ys.size(); ++q) {
    const double e = ys[q] - rows[q].dot(phi);
    rss += e * e;
    wrss += ws[q] * e * e;
  }
  const double scale = s.empty() ? wrss / (static_cast<double>(ys.size()) - n) : 1.0;
  r.ok = true;
  r.rms = std::sqrt(rss / static_cast<double>(ys.size()));
  r.phi.push_back(0);
  r.sig.push_back(0);
  for (int d = 0; d < n; ++d) {
    r.phi.push_back(phi(d));
    r.sig.push_back(std::sqrt(scale * cov(d, d)));
  }
  return r;
}

/// OLS slope (m/yr) of u over the dates inside [t0, t1].
double olsRate(const SbasNetwork& net, const std::vector<double>& u, const DateTime& t0, const DateTime& t1) {
  double st = 0, su = 0, n = 0;
  for (std::size_t d = 0; d < u.size(); ++d)
    if (!(net.dates[d] < t0) && !(t1 < net.dates[d])) {
      st += years(net.dates[0], net.dates[d]);
      su += u[d];
      n += 1;
    }
  const double tm = st / n, um = su / n;
  double num = 0, den = 0;
  for (std::size_t d = 0; d < u.size(); ++d)
    if (!(net.dates[d] < t0) && !(t1 < net.dates[d])) {
      const double x = years(net.dates[0], net.dates[d]) - tm;
      num += x * (u[d] - um);
      den += x * x;
    }
  return num / den;
}

std::vector<double> pixelObs(const test::Synthetic& s, std::int64_t r, std::int64_t c, bool sigma = false) {
  std::vector<double> v;
  for (const auto& x : sigma ? s.sigma : s.obs) v.push_back(x(r, c));
  return v;
}

/// RMS over pixels and constrained dates of (estimate − truth), and of estimate σ.
struct ErrStats {
  double rmsErr = 0, rmsSigma = 0, rmsNormalized = 0;
  double unconstrained = 0;  ///< (pixel, date) cells flagged unconstrained
};
ErrStats errors(const ComponentResult& res, const test::Synthetic& s) {
  double e2 = 0, s2 = 0, z2 = 0, n = 0, skipped = 0;
  for (std::size_t d = 1; d < res.displacement.size(); ++d)
    for (std::int64_t r = 0; r < s.length; ++r)
      for (std::int64_t c = 0; c < s.width; ++c) {
        if (res.unconstrained[d](r, c)) {
          EXPECT_TRUE(std::isnan(res.displacement[d](r, c)));
          EXPECT_NE(res.flags(r, c) & kDisconnected, 0);
          skipped += 1;
          continue;
        }
        const double e = res.displacement[d](r, c) - s.truth[d](r, c);
        const double sg = res.displacementSigma[d](r, c);
        e2 += e * e;
        s2 += sg * sg;
        z2 += e * e / (sg * sg);
        n += 1;
      }
  return {std::sqrt(e2 / n), std::sqrt(s2 / n), std::sqrt(z2 / n), skipped};
}

}  // namespace

TEST(Sbas, MatchesPlainNormalEquationsReference) {
  const auto nw = paperNetwork();
  const auto net = test::toSbas(nw);
  ASSERT_EQ(net.pairCount(), 84);
  const auto syn = test::makeSynthetic(net, 9, 11, 0.05, 0.10, 0.0, 11);
  InversionParams prm;
  const auto periods = network::platformPeriods(nw);
  prm.rateWindows = {{"all", net.dates.front(), net.dates.back()},
                     {periods[0].platform, periods[0].first, periods[0].last},
                     {periods[1].platform, periods[1].first, periods[1].last}};
  for (bool weighted : {false, true}) {
    const auto res = invert(net, {syn.stack(weighted)}, prm);
    const auto& out = res.components.at(0);
    for (std::int64_t r = 0; r < syn.length; ++r)
      for (std::int64_t c = 0; c < syn.width; ++c) {
        const auto ref = reference(net, pixelObs(syn, r, c), weighted ? pixelObs(syn, r, c, true) : std::vector<double>{});
        ASSERT_TRUE(ref.ok);
        EXPECT_EQ(out.pairsUsed(r, c), ref.used);
        EXPECT_EQ(out.flags(r, c), 0);
        for (int d = 0; d < net.dateCount(); ++d) {
          EXPECT_NEAR(out.displacement[d](r, c), ref.phi[d], 2e-5) << r << "," << c << " d" << d;
          EXPECT_NEAR(out.displacementSigma[d](r, c), ref.sig[d], 1e-4 * ref.sig[d] + 1e-7);
          EXPECT_EQ(out.unconstrained[d](r, c), 0);
        }
        EXPECT_NEAR(out.residualRms(r, c), ref.rms, 1e-5);
        for (std::size_t k = 0; k < prm.rateWindows.size(); ++k)
          EXPECT_NEAR(out.rate[k](r, c), olsRate(net, ref.phi, prm.rateWindows[k].start, prm.rateWindows[k].end), 2e-5);
      }
  }
}

TEST(Sbas, RecoversTruthWithinNoiseAndSigmaIsCalibrated) {
  const auto net = test::toSbas(paperNetwork());
  const auto syn = test::makeSynthetic(net, 16, 16, 0.05, 0.10, 0.0, 5);
  const auto res = invert(net, {syn.stack(true)}, {});
  const auto e = errors(res.components[0], syn);
  // Errors at the propagated level; normalized errors ~ N(0,1).
  EXPECT_LT(e.rmsErr, 1.2 * e.rmsSigma);
  EXPECT_GT(e.rmsNormalized, 0.85);
  EXPECT_LT(e.rmsNormalized, 1.15);
  EXPECT_LT(e.rmsErr, 0.05);  // below the per-pair noise level thanks to the redundancy
  EXPECT_LT(e.unconstrained, 0.01 * 16 * 16 * 27);  // 10 % missing pairs rarely disconnect an epoch
}

/// Median and 90th percentile of |estimate − truth| over pixels and dates 1..n.
std::pair<double, double> quantiles(const ComponentResult& res, const test::Synthetic& s) {
  std::vector<double> e;
  for (std::size_t d = 1; d < res.displacement.size(); ++d)
    for (std::int64_t r = 0; r < s.length; ++r)
      for (std::int64_t c = 0; c < s.width; ++c) e.push_back(std::abs(res.displacement[d](r, c) - s.truth[d](r, c)));
  std::sort(e.begin(), e.end());
  return {e[e.size() / 2], e[e.size() * 9 / 10]};
}

TEST(Sbas, RobustKeepsNoiseLevelWithOutliersPlainDoesNot) {
  const auto net = test::toSbas(paperNetwork());
  const auto clean = test::makeSynthetic(net, 14, 14, 0.05, 0.0, 0.0, 21);
  const auto dirty = test::makeSynthetic(net, 14, 14, 0.05, 0.0, 0.05, 21);  // same truth and noise, 5 % gross
  const auto plainClean = invert(net, {clean.stack(true)}, {});
  const auto plainDirty = invert(net, {dirty.stack(true)}, {});
  InversionParams tukey;
  tukey.robust = RobustLoss::Tukey;
  const auto tukeyDirty = invert(net, {dirty.stack(true)}, tukey);
  const auto tukeyClean = invert(net, {clean.stack(true)}, tukey);
  InversionParams huber;
  huber.robust = RobustLoss::Huber;
  const auto huberDirty = invert(net, {dirty.stack(true)}, huber);
  const auto qc = quantiles(plainClean.components[0], clean), qp = quantiles(plainDirty.components[0], dirty);
  const auto qt = quantiles(tukeyDirty.components[0], dirty), qh = quantiles(huberDirty.components[0], dirty);
  const auto qtc = quantiles(tukeyClean.components[0], clean);
  std::printf("|error| median / p90 (m): plain clean %.4f/%.4f, plain 5%% outliers %.4f/%.4f, huber %.4f/%.4f, "
              "tukey %.4f/%.4f, tukey clean %.4f/%.4f\n", qc.first, qc.second, qp.first, qp.second, qh.first, qh.second,
              qt.first, qt.second, qtc.first, qtc.second);
  // Plain least squares spreads the gross errors: far above the noise level.
  EXPECT_GT(qp.first, 3.0 * qc.first);
  EXPECT_GT(qp.second, 3.0 * qc.second);
  // Tukey stays at the noise level (the few dates where most of ≤ 3 pairs are corrupted cannot be
  // recovered by any estimator, hence median and 90th percentile rather than the maximum).
  EXPECT_LT(qt.first, 1.3 * qc.first);
  EXPECT_LT(qt.second, 1.3 * qc.second);
  EXPECT_LT(errors(tukeyDirty.components[0], dirty).rmsErr, 0.3 * errors(plainDirty.components[0], dirty).rmsErr);
  EXPECT_LT(qh.second, 0.3 * qp.second);
  // Robust on clean data costs little.
  EXPECT_LT(qtc.second, 1.15 * qc.second);
  // The outlier flag is set on most pixels (≈ 4 gross pairs per pixel on average).
  int flagged = 0;
  for (std::int64_t r = 0; r < 14; ++r)
    for (std::int64_t c = 0; c < 14; ++c) flagged += (tukeyDirty.components[0].flags(r, c) & kOutliers) ? 1 : 0;
  EXPECT_GT(flagged, 150);
}

TEST(Sbas, PixelMissingHalfItsPairsStillSolved) {
  const auto net = test::toSbas(paperNetwork());
  auto syn = test::makeSynthetic(net, 2, 3, 0.05, 0.0, 0.0, 3);
  const auto full = reference(net, pixelObs(syn, 1, 1), pixelObs(syn, 1, 1, true));
  // Pixel (1, 1) loses every other pair; the rest keeps all pairs.
  for (int k = 0; k < net.pairCount(); k += 2) syn.obs[k](1, 1) = std::nanf("");
  const auto res = invert(net, {syn.stack(true)}, {});
  const auto& out = res.components[0];
  EXPECT_EQ(out.pairsUsed(1, 1), 42);
  EXPECT_EQ(out.flags(1, 1), 0);
  const auto ref = reference(net, pixelObs(syn, 1, 1), pixelObs(syn, 1, 1, true));
  ASSERT_TRUE(ref.ok);
  for (int d = 1; d < net.dateCount(); ++d) {
    EXPECT_NEAR(out.displacement[d](1, 1), ref.phi[d], 2e-5);
    EXPECT_LT(std::abs(out.displacement[d](1, 1) - syn.truth[d](1, 1)), 5 * out.displacementSigma[d](1, 1));
    EXPECT_GE(out.displacementSigma[d](1, 1), full.sig[d] * (1 - 1e-5));  // fewer pairs, larger σ
  }
}

TEST(Sbas, DisconnectedPixelFlaggedNeverZeroMotion) {
  const auto nw = paperNetwork();
  const auto net = test::toSbas(nw);
  auto syn = test::makeSynthetic(net, 1, 2, 0.05, 0.0, 0.0, 8);
  for (std::size_t k = 0; k < nw.pairs.size(); ++k)
    if (nw.pairs[k].category == network::PairCategory::CrossPlatform) syn.obs[k](0, 1) = std::nanf("");
  InversionParams prm;
  const auto periods = network::platformPeriods(nw);
  prm.rateWindows = {{"all", net.dates.front(), net.dates.back()}, {"P2", periods[1].first, periods[1].last}};
  for (GapPolicy policy : {GapPolicy::NaN, GapPolicy::MinNormVelocity}) {
    prm.gapPolicy = policy;
    const auto res = invert(net, {syn.stack(true)}, prm);
    const auto& out = res.components[0];
    EXPECT_EQ(out.flags(0, 0), 0);
    EXPECT_EQ(out.flags(0, 1), kDisconnected);
    for (int d = 0; d < 14; ++d) {
      EXPECT_EQ(out.unconstrained[d](0, 1), 0);
      EXPECT_NEAR(out.displacement[d](0, 1), syn.truth[d](0, 1), 5.0 * static_cast<double>(out.displacementSigma[d](0, 1)) + 1e-6);
    }
    for (int d = 14; d < 28; ++d) {
      EXPECT_EQ(out.unconstrained[d](0, 1), 1);
      EXPECT_TRUE(std::isinf(out.displacementSigma[d](0, 1)));
      if (policy == GapPolicy::NaN) {
        EXPECT_TRUE(std::isnan(out.displacement[d](0, 1)));
      }
    }
    if (policy == GapPolicy::MinNormVelocity) {  // classic SBAS: zero velocity across the gap — flagged
      EXPECT_NEAR(out.displacement[14](0, 1), out.displacement[13](0, 1), 1e-5);
    }
    // The PALSAR-2 rate is estimable inside its own component and matches the connected pixel's.
    const double truthRate = olsRate(net, [&] {
      std::vector<double> u;
      for (int d = 0; d < 28; ++d) u.push_back(syn.truth[d](0, 1));
      return u;
    }(), periods[1].first, periods[1].last);
    EXPECT_NEAR(out.rate[1](0, 1), truthRate, 5.0 * static_cast<double>(out.rateSigma[1](0, 1)));
    EXPECT_TRUE(std::isfinite(out.rateSigma[1](0, 1)));
  }
}

TEST(Sbas, AllNaNAndRankDeficientPixelsGiveNaNAndFlags) {
  SbasNetwork net;
  for (int d = 0; d < 4; ++d) net.dates.push_back(DateTime(2020, 1, 1 + 10 * d));
  net.pairs = {{0, 2}, {1, 3}, {0, 1}};
  Raster<float> a(1, 3, std::nanf("")), b(1, 3, std::nanf("")), c(1, 3, std::nanf(""));
  // pixel 1: interleaved pairs only (every interval crossed, two components); pixel 2: all pairs.
  a(0, 1) = 2.0f;
  b(0, 1) = 3.0f;
  a(0, 2) = 2.0f;
  b(0, 2) = 3.0f;
  c(0, 2) = 1.0f;
  ComponentStack cs{"az", {a.cview(), b.cview(), c.cview()}, {}};
  const auto res = invert(net, {cs}, {});
  const auto& out = res.components[0];
  EXPECT_EQ(out.flags(0, 0), kNoData);
  EXPECT_EQ(out.pairsUsed(0, 0), 0);
  for (int d = 0; d < 4; ++d) EXPECT_TRUE(std::isnan(out.displacement[d](0, 0)));
  EXPECT_TRUE(std::isnan(out.rate[0](0, 0)));
  EXPECT_EQ(out.flags(0, 1), kDisconnected);
  EXPECT_NEAR(out.displacement[2](0, 1), 2.0f, 1e-6);  // date 2 is tied to date 0 by pair (0,2)
  EXPECT_TRUE(std::isnan(out.displacement[1](0, 1)));
  EXPECT_TRUE(std::isnan(out.displacement[3](0, 1)));
  EXPECT_EQ(out.flags(0, 2), 0);
  EXPECT_NEAR(out.displacement[1](0, 2), 1.0f, 1e-6);
  EXPECT_NEAR(out.displacement[3](0, 2), 4.0f, 1e-6);
  EXPECT_TRUE(std::isnan(out.displacementSigma[3](0, 2)));  // no redundancy: a posteriori σ undefined
}

TEST(Sbas, ThreadCountAndGroupingDoNotChangeResults) {
  const auto net = test::toSbas(paperNetwork());
  auto syn = test::makeSynthetic(net, 20, 13, 0.05, 0.0, 0.0, 9);
  // Make masks repeat: drop the same three pairs in a band of pixels.
  for (std::int64_t r = 5; r < 15; ++r)
    for (std::int64_t c = 0; c < 13; ++c)
      for (int k : {3, 40, 77}) syn.obs[k](r, c) = std::nanf("");
  InversionParams prm;
  prm.blockRows = 7;
  setThreadCount(1);
  const auto r1 = invert(net, {syn.stack(false)}, prm);
  setThreadCount(2);
  const auto r2 = invert(net, {syn.stack(false)}, prm);
  prm.blockRows = 1;  // other groups
  const auto r3 = invert(net, {syn.stack(false)}, prm);
  for (int d = 0; d < net.dateCount(); ++d) {
    EXPECT_EQ(r1.components[0].displacement[d].vector(), r2.components[0].displacement[d].vector());
    for (std::size_t q = 0; q < r1.components[0].displacement[d].size(); ++q)
      EXPECT_NEAR(r1.components[0].displacement[d].vector()[q], r3.components[0].displacement[d].vector()[q], 1e-5);
  }
  EXPECT_EQ(r1.components[0].displacementSigma[5].vector(), r2.components[0].displacementSigma[5].vector());
}

TEST(Sbas, TwoComponentsAreIndependent) {
  const auto net = test::toSbas(paperNetwork());
  const auto los = test::makeSynthetic(net, 4, 4, 0.05, 0.1, 0.0, 1);
  const auto az = test::makeSynthetic(net, 4, 4, 0.02, 0.1, 0.0, 2);
  const auto both = invert(net, {los.stack(true, "los"), az.stack(true, "azimuth")}, {});
  const auto one = invert(net, {az.stack(true, "azimuth")}, {});
  ASSERT_EQ(both.components.size(), 2u);
  EXPECT_EQ(both.components[1].name, "azimuth");
  for (int d = 0; d < net.dateCount(); ++d)
    EXPECT_EQ(both.components[1].displacement[d].vector(), one.components[0].displacement[d].vector());
}

TEST(Sbas, BadInputsNameKeyAndValue) {
  InversionParams p;
  p.sigmaFloor_m = -1;
  try {
    p.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "timeseries.sigma_floor_m");
    EXPECT_EQ(e.context().value, "-1");
  }
  InversionParams q;
  q.tukeyC = 0;
  EXPECT_THROW(q.validate(), InvalidInput);
  q = {};
  q.minRobustWeight = 1.5;
  try {
    q.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "timeseries.min_robust_weight");
  }
  EXPECT_THROW(parseRobustLoss("cauchy"), InvalidInput);
  EXPECT_EQ(parseRobustLoss("Tukey"), RobustLoss::Tukey);

  SbasNetwork net;
  net.dates = {DateTime(2020, 1, 1), DateTime(2020, 2, 1)};
  net.pairs = {{1, 0}};
  try {
    net.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "timeseries.pairs[0]");
    EXPECT_EQ(e.context().value, "1,0");
  }
  net.pairs = {{0, 1}};
  Raster<float> a(2, 2, 1.0f), b(2, 3, 1.0f);
  EXPECT_THROW(invert(net, {ComponentStack{"los", {}, {}}}, {}), InvalidInput);
  try {
    invert(net, {ComponentStack{"los", {a.cview()}, {b.cview()}}}, {});
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "timeseries.los.sigma[0]");
    EXPECT_EQ(e.context().value, "2x3");
  }
}

TEST(PairList, InvertsCsvThroughCallbacks) {
  const auto net = test::toSbas(paperNetwork());
  const auto syn = test::makeSynthetic(net, 10, 7, 0.05, 0.1, 0.0, 4);
  const auto dir = test::tempDir("pairlist");
  std::map<std::string, const Raster<float>*> files;
  {
    std::ofstream f(dir / "pairs.csv");
    f << "date1,date2,path,band,sigma_path\n";
    for (int k = 0; k < net.pairCount(); ++k) {
      const std::string d = "p" + std::to_string(k) + ".tif", s = "s" + std::to_string(k) + ".tif";
      files[(dir / d).string()] = &syn.obs[k];
      files[(dir / s).string()] = &syn.sigma[k];
      f << net.dates[net.pairs[k].first].compactDate() << "," << net.dates[net.pairs[k].second].isoDate() << "," << d
        << ",1," << s << "\n";
    }
  }
  RasterSource src;
  src.shape = [&](const std::string& p) {
    const auto* r = files.at(p);
    return RasterShape{r->length(), r->width(), 1};
  };
  src.read = [&](const std::string& p, int band, std::int64_t row0, std::int64_t rows, float* out) {
    EXPECT_EQ(band, 1);
    const auto* r = files.at(p);
    std::copy(r->row(row0), r->row(row0) + rows * r->width(), out);
  };
  const auto viaCsv = invertPairList((dir / "pairs.csv").string(), {}, src, "los", 3);
  InversionParams prm;
  const auto direct = invert(net, {syn.stack(true)}, prm);
  ASSERT_EQ(viaCsv.dates.size(), 28u);
  for (int d = 0; d < 28; ++d) {
    EXPECT_EQ(viaCsv.dates[d].dateOnly(), net.dates[d].dateOnly());
    for (std::size_t q = 0; q < direct.components[0].displacement[d].size(); ++q)
      if (std::isnan(direct.components[0].displacement[d].vector()[q]))
        EXPECT_TRUE(std::isnan(viaCsv.components[0].displacement[d].vector()[q]));
      else
        EXPECT_NEAR(viaCsv.components[0].displacement[d].vector()[q], direct.components[0].displacement[d].vector()[q], 1e-4);
  }
  // Bad rows name the line.
  {
    std::ofstream f(dir / "bad.csv");
    f << "20200101,20190101,x.tif\n";
  }
  try {
    readPairList((dir / "bad.csv").string());
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "line 1.date2");
  }
  EXPECT_THROW(readPairList((dir / "missing.csv").string()), IoError);
  std::filesystem::remove_all(dir);
}

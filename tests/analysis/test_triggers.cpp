#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "orthotrack/analysis/backscatter.hpp"
#include "orthotrack/analysis/stages.hpp"
#include "orthotrack/analysis/triggers.hpp"
#include "orthotrack/core/error.hpp"
#include "synthetic.hpp"
#include "test_data.hpp"

using namespace orthotrack;
using namespace orthotrack::analysis;
using orthotrack::test::addDays;
using orthotrack::test::daysBetween;

namespace {
template <class F>
void expectInvalid(F&& f, const std::string& keyPart, const std::string& valuePart) {
  try {
    f();
    FAIL() << "no exception";
  } catch (const InvalidInput& e) {
    EXPECT_NE(e.context().key.find(keyPart), std::string::npos) << e.what();
    EXPECT_NE(e.context().value.find(valuePart), std::string::npos) << e.what();
  }
}
/// Monsoon-like monthly precipitation (Jun–Sep maximum) with gamma month-to-month variability.
MonthlyPrecip monsoon(unsigned seed) {
  MonthlyPrecip p;
  p.startYear = 2005;
  std::mt19937 rng(seed);
  std::gamma_distribution<double> g(2.0, 0.5);
  for (int i = 0; i < 14 * 12; ++i) {
    const int m = i % 12 + 1;
    const double season = 15 + 185 * std::pow(std::max(0.0, std::cos(2 * M_PI * (m - 7.5) / 12)), 2);
    p.mm.push_back(season * g(rng));
  }
  return p;
}
}  // namespace

TEST(PrecipCsv, MessyFormats) {
  // Semicolons, quotes, BOM, CRLF, comments, a missing token, monthly dates.
  const std::string a = "\xEF\xBB\xBF# station 56146 Baiyu\r\n\"Date\";\"Precipitation (mm)\"\r\n\r\n\"2018-06\";\"120.5\"\r\n2018-07;NA\r\n2018-08 ; 310\r\n";
  const auto p = parsePrecipCsv(a, "a.csv");
  EXPECT_EQ(p.startYear, 2018);
  EXPECT_EQ(p.startMonth, 6);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_DOUBLE_EQ(p.mm[0], 120.5);
  EXPECT_TRUE(std::isnan(p.mm[1]));
  EXPECT_DOUBLE_EQ(p.mm[2], 310.0);
  EXPECT_EQ(p.monthStart(2), DateTime(2018, 8, 1));
  // Daily reanalysis export (time, tp) summed to monthly totals; a gap month becomes NaN.
  std::string b = "time,tp,expver\n";
  for (int d = 1; d <= 31; ++d) b += "2017-01-" + std::string(d < 10 ? "0" : "") + std::to_string(d) + "T00:00:00,1.5,1\n";
  b += "2017-03-02,4,1\n2017-03-03,-9999,1\n";
  const auto q = parsePrecipCsv(b, "b.csv");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_NEAR(q.mm[0], 46.5, 1e-12);
  EXPECT_TRUE(std::isnan(q.mm[1]));  // no rows in February
  EXPECT_TRUE(std::isnan(q.mm[2]));  // March has a missing day
  PrecipCsvParams partial;
  partial.allowPartialMonths = true;
  EXPECT_DOUBLE_EQ(parsePrecipCsv(b, "b.csv", partial).mm[2], 4.0);
  // Year/month columns among others, tab-separated, month names, YYYYMM, user-named columns.
  const auto c = parsePrecipCsv("station\tYear\tMonth\tprcp\tflag\nX\t2010\tJan\t5\tA\nX\t2010\tFeb\t7\tA\n", "c.tsv");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c.startYear, 2010);
  EXPECT_DOUBLE_EQ(c.mm[1], 7.0);
  PrecipCsvParams named;
  named.dateColumn = "period";
  named.valueColumn = "R";
  const auto d = parsePrecipCsv("id,period,R,T\n1,201512,3.5,2\n1,201601,0,2\n", "d.csv", named);
  EXPECT_EQ(d.startYear, 2015);
  EXPECT_EQ(d.startMonth, 12);
  EXPECT_DOUBLE_EQ(d.mm[1], 0.0);
  // Whitespace-separated with slashes.
  const auto e = parsePrecipCsv("date value\n2011/02/10 3\n2011/02/20 4\n", "e.txt");
  EXPECT_DOUBLE_EQ(e.mm[0], 7.0);
}

TEST(PrecipCsv, BadInputsNameFileKeyAndValue) {
  expectInvalid([] { parsePrecipCsv("", "empty.csv"); }, "", "empty");
  expectInvalid([] { parsePrecipCsv("# only a comment\n\n", "c.csv"); }, "", "empty");
  expectInvalid([] { parsePrecipCsv("date,precip\n", "h.csv"); }, "rows", "0");
  expectInvalid([] { parsePrecipCsv("date,precip\n2018-13,4\n", "d.csv"); }, "line 2 column date", "2018-13");
  expectInvalid([] { parsePrecipCsv("date,precip\n2018-01,4\n12/01/2018,5\n", "d.csv"); }, "line 3", "12/01/2018");
  expectInvalid([] { parsePrecipCsv("date,precip\n2018-01,four\n", "d.csv"); }, "line 2 column precip", "four");
  expectInvalid([] { parsePrecipCsv("date,precip\n2018-01,-3\n", "d.csv"); }, "line 2", "-3");
  expectInvalid([] { parsePrecipCsv("when,precip\n2018-01,3\n", "d.csv"); }, "date_column", "");
  expectInvalid([] { parsePrecipCsv("date,temperature,wind\n2018-01,3,4\n", "d.csv"); }, "value_column", "");
  PrecipCsvParams p;
  p.valueColumn = "rainfall_mm";
  try {
    parsePrecipCsv("date,precip\n2018-01,3\n", "named.csv", p);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().file, "named.csv");
    EXPECT_EQ(e.context().key, "value_column");
    EXPECT_EQ(e.context().value, "rainfall_mm");
    EXPECT_NE(std::string(e.what()).find("date,precip"), std::string::npos);  // lists the header
  }
  EXPECT_THROW(readPrecipCsv("/nonexistent/precip.csv"), IoError);
  PrecipCsvParams both;
  both.dateColumn = "d";
  both.yearColumn = "y";
  both.monthColumn = "m";
  EXPECT_THROW(both.validate(), InvalidInput);
}

TEST(PrecipCsv, RealNoaaClimateDivisionSeries) {
  OT_SKIP_WITHOUT_DATA("real/climate_indices/precips_mm_monthly.csv");
  const auto p = readPrecipCsv(test::dataPath("real/climate_indices/precips_mm_monthly.csv"));
  EXPECT_EQ(p.startYear, 1895);
  EXPECT_EQ(p.startMonth, 1);
  ASSERT_EQ(p.size(), 123u * 12u);
  int nan = 0;
  for (double v : p.mm) nan += std::isnan(v) ? 1 : 0;
  EXPECT_EQ(nan, 10);  // README: 10 missing months
  // Value by value against the .npy it was derived from (NumPy v1: magic, header, float64 LE C order).
  OT_SKIP_WITHOUT_DATA("real/climate_indices/precips_mm_monthly.npy");
  std::ifstream in(test::dataPath("real/climate_indices/precips_mm_monthly.npy"), std::ios::binary | std::ios::ate);
  ASSERT_TRUE(in.good());
  std::string raw(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
  ASSERT_GT(raw.size(), 10u);
  const std::size_t hlen = static_cast<unsigned char>(raw[8]) | (static_cast<unsigned char>(raw[9]) << 8);
  const std::size_t off = 10 + hlen;
  ASSERT_EQ(raw.size() - off, 1476u * 8u);
  for (std::size_t i = 0; i < 1476; ++i) {
    double v;
    std::memcpy(&v, raw.data() + off + 8 * i, 8);
    if (std::isnan(v)) EXPECT_TRUE(std::isnan(p.mm[i])) << i;
    else EXPECT_NEAR(p.mm[i], v, 1e-8 * std::max(1.0, v)) << i;  // CSV has 12 significant digits
  }
}

TEST(Triggers, WindowMeanWithLag) {
  MonthlyPrecip p;
  p.startYear = 2018;
  p.mm = {10, 20, 30, 40, 50, 60};
  // Whole months.
  EXPECT_NEAR(windowMeanPrecip(p, DateTime(2018, 3, 1), DateTime(2018, 4, 1), 0), 30.0, 1e-12);
  // Day-weighted: 10 days of April (40) + 5 days of May (50).
  EXPECT_NEAR(windowMeanPrecip(p, DateTime(2018, 4, 21), DateTime(2018, 5, 6), 0), (10 * 40.0 + 5 * 50.0) / 15.0, 1e-9);
  // A lag of one month (30.44 days) moves the window back.
  const double lagged = windowMeanPrecip(p, DateTime(2018, 5, 10), DateTime(2018, 5, 20), 1.0);
  EXPECT_NEAR(lagged, 40.0, 1e-12);
  EXPECT_TRUE(std::isnan(windowMeanPrecip(p, DateTime(2017, 1, 1), DateTime(2017, 3, 1), 0)));  // before the record
  p.mm[3] = NAN;
  EXPECT_TRUE(std::isnan(windowMeanPrecip(p, DateTime(2018, 4, 1), DateTime(2018, 5, 1), 0)));
  EXPECT_NEAR(windowMeanPrecip(p, DateTime(2018, 4, 1), DateTime(2018, 5, 11), 0, 0.2), 50.0, 1e-12);
}

TEST(Triggers, RecoversTwoMonthLagOnBaigeSchedule) {
  // v(t) = creep (6..92 mm/day stages) + β·P(t − 2 months), β = 0.05 (mm/day)/(mm/month), integrated
  // exactly, σ = 0.1 m noise on the 28-date schedule. The creep is removed with the stage fit
  // (stageBaselineRates); without it the accelerating creep dominates the correlation.
  const auto dates = test::baigeSchedule();
  const test::PiecewiseTruth tr;
  int ok = 0, exact = 0, sig = 0;
  const int trials = 12;
  for (int s = 0; s < trials; ++s) {
    const auto P = monsoon(static_cast<unsigned>(s));
    std::vector<double> y;
    for (const auto& d : dates) {
      const double days = daysBetween(dates[0], d);
      const double rain = days > 0 ? 0.05e-3 * windowMeanPrecip(P, dates[0], d, 2.0, 0.0) * days : 0.0;
      y.push_back(-tr.at(dates[0], d) + rain);
    }
    y = test::noisy(y, 0.1, 100 + s);
    const auto rates = intervalRates(dates, y);
    const auto fit = fitStages(dates, y, std::vector<double>(dates.size(), 0.1));
    const auto c = correlateIntervals(rates.start, rates.end, rates.rate, P, {}, stageBaselineRates(fit, rates.start, rates.end));
    ASSERT_EQ(c.lags.size(), 5u);
    ok += std::abs(c.bestLagMonths - 2) <= 1 ? 1 : 0;
    exact += c.bestLagMonths == 2 ? 1 : 0;
    sig += c.significant ? 1 : 0;
    EXPECT_EQ(c.lags[2].n, 25);  // the 1328-day gap interval is dropped
  }
  // 50-draw simulation: 100 % within one month, 84 % exact.
  EXPECT_EQ(ok, trials);
  EXPECT_GE(exact, trials * 2 / 3);
  EXPECT_GE(sig, trials * 2 / 3);
}

TEST(Triggers, NoRelationIsRarelySignificant) {
  // Rates independent of the rain (AR(1)-like noise): the Bonferroni-corrected best-lag p-value is
  // below 0.05 in about 5 % of the draws; allow 4 of 40.
  const auto dates = test::baigeSchedule();
  int falsePositives = 0;
  for (int s = 0; s < 40; ++s) {
    const auto P = monsoon(1000u + static_cast<unsigned>(s));
    std::mt19937 rng(static_cast<unsigned>(s));
    std::normal_distribution<double> nd(0, 1);
    std::vector<DateTime> a, b;
    std::vector<double> v;
    double prev = 0;
    for (std::size_t i = 0; i + 1 < dates.size(); ++i) {
      a.push_back(dates[i]);
      b.push_back(dates[i + 1]);
      prev = 0.5 * prev + nd(rng);
      v.push_back(prev);
    }
    const auto c = correlateIntervals(a, b, v, P);
    falsePositives += c.significant ? 1 : 0;
    for (const auto& l : c.lags) EXPECT_LE(l.nEff, l.n);
  }
  EXPECT_LE(falsePositives, 4);
}

TEST(Triggers, SamplesAndBadInputs) {
  // σ0 per date following last month's rain exactly: lag 0 with a 1-month window is perfect.
  const auto P = monsoon(3);
  std::vector<DateTime> d;
  std::vector<double> s0;
  for (int i = 0; i < 40; ++i) {
    d.push_back(addDays(DateTime(2008, 1, 5), 35.0 * i));
    s0.push_back(-12.0 + 0.01 * windowMeanPrecip(P, addDays(d.back(), -365.25 / 12), d.back(), 0));
  }
  const auto c = correlateSamples(d, s0, P);
  EXPECT_EQ(c.bestLagMonths, 0);
  EXPECT_NEAR(c.bestR, 1.0, 1e-9);
  EXPECT_TRUE(c.significant);
  TriggerParams bad;
  bad.maxLagMonths = -1;
  expectInvalid([&] { correlateSamples(d, s0, P, bad); }, "triggers.max_lag_months", "-1");
  expectInvalid([&] { correlateSamples(d, std::vector<double>(3), P); }, "values", "3");
  expectInvalid([&] { correlateSamples(d, s0, MonthlyPrecip{}); }, "precip", "0");
  // Too few pairs: lags carry NaN and no best lag.
  const auto few = correlateSamples({d[0], d[1], d[2]}, {1, 2, 3}, P);
  EXPECT_EQ(few.bestLagMonths, -1);
  EXPECT_FALSE(few.significant);
}

TEST(Backscatter, PlatformOffsetRemoved) {
  // σ0 = base + soil-moisture signal + platform calibration + per-date gain + noise (dB). The slide
  // responds to moisture (0.8 dB per unit), stable ground does not.
  const auto dates = test::baigeSchedule();
  const auto plat = test::baigePlatforms();
  std::vector<std::string> names;
  for (int p : plat) names.push_back(p == 1 ? "PALSAR-1" : "PALSAR-2");
  std::mt19937 rng(5);
  std::normal_distribution<double> nd(0, 1);
  std::vector<Raster<float>> img;
  std::vector<double> moisture;
  Raster<std::uint8_t> slide(10, 10, 0), stable(10, 10, 0);
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) (j < 5 ? slide : stable)(i, j) = 1;
  for (std::size_t k = 0; k < dates.size(); ++k) {
    const double m = std::sin(2 * M_PI * dates[k].decimalYear());
    moisture.push_back(m);
    const double calib = plat[k] == 1 ? -2.5 : 1.0, gain = 0.3 * nd(rng);
    Raster<float> r(10, 10);
    for (int i = 0; i < 10; ++i)
      for (int j = 0; j < 10; ++j) r(i, j) = static_cast<float>((j < 5 ? -9.0 + 0.8 * m : -13.0) + calib + gain + 0.05 * nd(rng));
    img.push_back(r);
  }
  img[3](0, 0) = NAN;  // skipped
  BackscatterParams p;
  p.averageLinearPower = false;
  const auto a = backscatterProxy(dates, img, slide, stable, names, p);
  // Slide − stable: 4 + 0.8 m, gains and calibration cancel.
  for (std::size_t k = 0; k < dates.size(); ++k) {
    EXPECT_NEAR(a.proxyDb[k], 4.0 + 0.8 * moisture[k], 0.05) << k;
    EXPECT_GT(a.proxySigmaDb[k], 0.0);
  }
  EXPECT_NEAR(a.stableMeanDb.at("PALSAR-2") - a.stableMeanDb.at("PALSAR-1"), 3.5, 0.3);  // calibration step
  // Demeaned per platform: the constant goes, the moisture signal stays (minus its platform mean).
  p.method = BackscatterMethod::SlideMinusStableDemeaned;
  const auto b = backscatterProxy(dates, img, slide, stable, names, p);
  double m1 = 0, m2 = 0;
  int n1 = 0, n2 = 0;
  for (std::size_t k = 0; k < dates.size(); ++k) (plat[k] == 1 ? (m1 += moisture[k], ++n1) : (m2 += moisture[k], ++n2));
  for (std::size_t k = 0; k < dates.size(); ++k)
    EXPECT_NEAR(b.proxyDb[k], 0.8 * (moisture[k] - (plat[k] == 1 ? m1 / n1 : m2 / n2)), 0.05) << k;
  // Slide only, demeaned per platform: the per-date gain stays (0.3 dB noise) but calibration goes.
  p.method = BackscatterMethod::PlatformDemeaned;
  p.averageLinearPower = true;
  const auto c = backscatterProxy(dates, img, slide, stable, names, p);
  EXPECT_NEAR(c.platformOffsetDb.at("PALSAR-2") - c.platformOffsetDb.at("PALSAR-1"), 3.5, 0.4);
  BackscatterParams bad;
  bad.minPixels = 0;
  expectInvalid([&] { backscatterProxy(dates, img, slide, stable, names, bad); }, "backscatter.min_pixels", "0");
  names[4].clear();
  expectInvalid([&] { backscatterProxy(dates, img, slide, stable, names); }, "platform[4]", "");
}

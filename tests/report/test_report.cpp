#include <filesystem>

#include <gtest/gtest.h>

#include "figures.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/report/report.hpp"
#include "synthetic.hpp"
#include "test_data.hpp"

using namespace orthotrack;
using namespace orthotrack::report;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
}  // namespace

TEST(FormatValue, RoundsToTheUncertainty) {
  EXPECT_EQ(formatValue(17.234, 0.412), "17.23 \u00b1 0.41");
  EXPECT_EQ(formatValue(17.234, 0.412, 1), "17.2 \u00b1 0.4");
  EXPECT_EQ(formatValue(-9.3051, 0.0996), "-9.31 \u00b1 0.10");  // σ rounds up into the next decade
  EXPECT_EQ(formatValue(1234.5, 37.0), "1235 \u00b1 37");
  EXPECT_EQ(formatValue(123456.0, 2100.0), "123500 \u00b1 2100");
  EXPECT_EQ(formatValue(-0.001, 0.5), "0.00 \u00b1 0.50");  // no "-0.00"
  EXPECT_EQ(formatValue(3.14159, std::nan("")), "3.142");
  EXPECT_EQ(formatValue(3.14159, 0.0), "3.142");
  EXPECT_EQ(formatValue(std::nan(""), 1.0), "\u2013");
}

TEST(Report, WritesSelfContainedHtmlAndFigures) {
  const auto dir = test::tempDir("report_full");
  const ReportData d = test::syntheticReport();
  const ReportSummary s = writeReport(d, (dir / "report").string());
  ASSERT_TRUE(std::filesystem::exists(s.htmlPath));
  EXPECT_EQ(s.htmlPath, (dir / "report" / "report.html").string());
  const std::string html = io::readTextFile(s.htmlPath);
  EXPECT_EQ(html.size(), s.htmlBytes);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);

  // Offline: no URL of any scheme that would fetch something, no external script or style.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src=\""), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);

  // Every figure embedded, once, numbered in reading order; the unreferenced network lands in
  // the automatic last section.
  std::vector<std::string> ids = {"rate_los_p1", "rate_az_p1", "rate_sigma", "ts_p2", "network"};
  ASSERT_EQ(s.figurePaths.size(), ids.size());
  EXPECT_EQ(count(html, "<figure class=\"ot-figure"), ids.size());
  for (const auto& id : ids) {
    EXPECT_EQ(count(html, "id=\"fig-" + id + "\""), 1u) << id;
    EXPECT_EQ(count(html, "<svg id=\"svg-" + id + "\""), 1u) << id;
  }
  EXPECT_EQ(count(html, "data:image/png;base64,"), 2u * d.maps.size());  // raster + colour bar per map
  EXPECT_LT(html.find("<b>Figure 1.</b> (a) LOS rate"), html.find("<b>Figure 4.</b> P2"));
  EXPECT_LT(html.find("Other figures and tables"), html.find("<b>Figure 5.</b> Pair network"));
  EXPECT_NE(html.find("<b>Table 1.</b> Creep stages at P2"), std::string::npos);
  EXPECT_NE(html.find("<td>91.7 \u00b1 3.3</td>"), std::string::npos);
  EXPECT_NE(html.find("<p>Second paragraph &amp; &lt;escaping&gt;.</p>"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"ot-reset\""), 2u);  // one per time chart
  // Hover data: every valid point of the P2 series carries its date, value and σ.
  EXPECT_NE(html.find("data-tip=\"P2 LOS\n2007-01-20\n"), std::string::npos);
  EXPECT_EQ(count(html, "data-tip=\"P2 LOS\n"), test::syntheticDates().size() - 1);  // one NaN
  EXPECT_NE(html.find("data-vals=\""), std::string::npos);

  // PNGs: sizes are twice the figure layout (charts 820 × 440 → 1640 × 880).
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const std::string path = (dir / "report" / "figures" / (ids[k] + ".png")).string();
    EXPECT_EQ(s.figurePaths[k], path);
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    io::RasterReader rd(path);
    EXPECT_EQ(rd.info().bands, 3);
    if (k < d.maps.size()) {
      const auto cv = report::detail::layoutMap(d.maps[k]);
      EXPECT_EQ(rd.width(), 2 * cv.width);
      EXPECT_EQ(rd.length(), 2 * cv.height);
    } else {
      EXPECT_EQ(rd.width(), 1640);
      EXPECT_EQ(rd.length(), 880);
    }
  }
}

TEST(Report, MapPixelsShowTheColourMappedValues) {
  const auto dir = test::tempDir("report_map");
  ReportData d;
  MapLayer m = test::syntheticMap("m", "ramp", 1.0, Colormap::Sequential, "m");
  m.polygons.clear();
  m.points.clear();
  m.grid = GeoGrid::geographic(98.68, 98.72, 31.06, 31.09, 0.002);  // 15 × 20 big pixels
  m.values = Raster<float>(m.grid.length, m.grid.width);
  for (std::int64_t r = 0; r < m.grid.length; ++r)
    for (std::int64_t c = 0; c < m.grid.width; ++c) m.values(r, c) = static_cast<float>(c - 2 * r);
  m.values(7, 9) = std::nanf("");
  m.vmin = -30;
  m.vmax = 20;
  d.maps.push_back(m);
  const auto s = writeReport(d, dir.string());
  const auto cv = report::detail::layoutMap(m);
  io::RasterReader rd(s.figurePaths.at(0));
  const auto R = rd.readAll<std::uint8_t>(1), G = rd.readAll<std::uint8_t>(2), B = rd.readAll<std::uint8_t>(3);
  int checked = 0;
  for (std::int64_t r = 4; r < m.grid.length - 4; r += 3)
    for (std::int64_t c = 5; c < m.grid.width - 5; c += 3) {
      const double x = cv.plotX + (c + 0.5) / static_cast<double>(m.grid.width) * cv.plotW;
      const double y = cv.plotY + (r + 0.5) / static_cast<double>(m.grid.length) * cv.plotH;
      const auto px = static_cast<std::int64_t>(2 * x), py = static_cast<std::int64_t>(2 * y);
      const Rgb want = colormapColor(Colormap::Sequential, (static_cast<double>(m.values(r, c)) + 30.0) / 50.0);
      EXPECT_EQ((Rgb{R(py, px), G(py, px), B(py, px)}), want) << r << "," << c;
      ++checked;
    }
  EXPECT_GT(checked, 10);
  const double x = cv.plotX + 9.5 / m.grid.width * cv.plotW, y = cv.plotY + 7.5 / m.grid.length * cv.plotH;
  const auto px = static_cast<std::int64_t>(2 * x), py = static_cast<std::int64_t>(2 * y);
  EXPECT_EQ((Rgb{R(py, px), G(py, px), B(py, px)}), noDataColor());
}

TEST(Report, DefaultLimits) {
  MapLayer m = test::syntheticMap("m", "t", -2.7, Colormap::Diverging, "m/yr");
  auto [lo, hi] = report::detail::mapLimits(m);
  EXPECT_DOUBLE_EQ(lo, -hi);  // symmetric about zero
  EXPECT_GT(hi, 1.0);
  EXPECT_LE(hi, 2.7);
  m.colormap = Colormap::Sequential;
  std::tie(lo, hi) = report::detail::mapLimits(m);
  EXPECT_LT(lo, hi);
  EXPECT_LE(hi, 0.0);
  EXPECT_GE(lo, -2.7);
  m.vmin = -5;
  std::tie(lo, hi) = report::detail::mapLimits(m);
  EXPECT_EQ(lo, -5);
  m.values.fill(std::nanf(""));
  m.vmin.reset();
  std::tie(lo, hi) = report::detail::mapLimits(m);
  EXPECT_LT(lo, hi);
}

namespace {
void expectInvalid(const ReportData& d, const std::string& key, const std::string& value) {
  try {
    validate(d);
    FAIL() << "expected InvalidInput for " << key;
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, key) << e.what();
    EXPECT_EQ(e.context().value, value) << e.what();
  }
}
}  // namespace

TEST(Report, BadInputsAreRejectedWithTheirKey) {
  const ReportData good = test::syntheticReport();
  EXPECT_NO_THROW(validate(good));
  {
    auto d = good;
    d.maps[0].id = "bad id/..";
    expectInvalid(d, "maps[0].id", "bad id/..");
  }
  {
    auto d = good;
    d.maps[1].id = d.maps[0].id;
    expectInvalid(d, "maps[rate_los_p1].id", "rate_los_p1");
  }
  {
    auto d = good;
    d.maps[0].values = Raster<float>(3, 4);
    expectInvalid(d, "maps[rate_los_p1].values", "3x4");
  }
  {
    auto d = good;
    d.maps[0].grid.epsg = 32647;
    expectInvalid(d, "maps[rate_los_p1].grid.epsg", "32647");
  }
  {
    auto d = good;
    d.series[0].sigma.pop_back();
    expectInvalid(d, "series[p2_los].sigma", std::to_string(d.series[0].dates.size() - 1));
  }
  {
    auto d = good;
    d.charts[0].series.push_back("nope");
    expectInvalid(d, "charts[ts_p2].series", "nope");
  }
  {
    auto d = good;
    d.charts[0].y2Label.clear();
    expectInvalid(d, "charts[ts_p2].y2Label", "rain");
  }
  {
    auto d = good;
    d.network->pairs.push_back({0, 999, "x"});
    expectInvalid(d, "network.pairs", "0,999");
  }
  {
    auto d = good;
    d.tables[0].rows[1].pop_back();
    expectInvalid(d, "tables[stages].rows[1]", "3");
  }
  {
    auto d = good;
    d.sections[0].figures.push_back("missing");
    expectInvalid(d, "sections[Rate maps].figures", "missing");
  }
  {
    auto d = good;
    d.charts[0].id = "rate_sigma";  // figure ids are shared by maps, charts and the network
    expectInvalid(d, "charts[rate_sigma].id", "rate_sigma");
  }
  // writeReport validates before writing anything.
  const auto dir = test::tempDir("report_bad");
  auto d = good;
  d.maps[0].values = Raster<float>(3, 4);
  EXPECT_THROW(writeReport(d, (dir / "r").string()), InvalidInput);
  EXPECT_FALSE(std::filesystem::exists(dir / "r" / "report.html"));
}

TEST(Report, EmptyReportIsValid) {
  const auto dir = test::tempDir("report_empty");
  ReportData d;
  const auto s = writeReport(d, dir.string());
  EXPECT_TRUE(s.figurePaths.empty());
  const std::string html = io::readTextFile(s.htmlPath);
  EXPECT_NE(html.find("<h1>orthotrack report</h1>"), std::string::npos);
  EXPECT_NE(html.find(ORTHOTRACK_VERSION), std::string::npos);
}

#pragma once
// A synthetic, Baige-like ReportData from analytic fields and known series, for the report tests.
#include <cmath>
#include <string>
#include <vector>

#include "orthotrack/report/report.hpp"

namespace orthotrack::test {

inline report::MapLayer syntheticMap(const std::string& id, const std::string& title, double peak,
                                     report::Colormap cmap, const std::string& unit) {
  report::MapLayer m;
  m.id = id;
  m.title = title;
  m.unit = unit;
  m.colormap = cmap;
  m.grid = GeoGrid::geographic(98.68, 98.72, 31.06, 31.09, 0.0005);  // 60 rows × 80 columns
  m.values = Raster<float>(m.grid.length, m.grid.width);
  for (std::int64_t r = 0; r < m.grid.length; ++r)
    for (std::int64_t c = 0; c < m.grid.width; ++c) {
      const double lon = m.grid.x(static_cast<double>(c)), lat = m.grid.y(static_cast<double>(r));
      const double u = (lon - 98.70) / 0.008, v = (lat - 31.075) / 0.005;
      m.values(r, c) = static_cast<float>(peak * std::exp(-(u * u + v * v)));
      if (r < 3 && c < 5) m.values(r, c) = std::nanf("");  // a no-data corner
    }
  report::MapPolygon boundary;
  boundary.name = "Slide boundary";
  for (int k = 0; k < 40; ++k) {
    const double a = 2 * M_PI * k / 40;
    boundary.lon.push_back(98.70 + 0.011 * std::cos(a));
    boundary.lat.push_back(31.075 + 0.0068 * std::sin(a));
  }
  m.polygons.push_back(boundary);
  m.points = {{"P1", 98.696, 31.079}, {"P2", 98.700, 31.075}, {"P3", 98.704, 31.072}, {"P4", 98.707, 31.070}};
  m.caption = "Synthetic rate field: a Gaussian bowl.";
  return m;
}

/// Cumulative displacement (m) of a creep curve with the paper's stage rates (mm/day) and breaks.
inline double creepDisplacement(const DateTime& t, const DateTime& t0) {
  const DateTime breaks[] = {DateTime(2010, 1, 10), DateTime(2015, 7, 27), DateTime(2016, 10, 3), DateTime(2018, 5, 28)};
  const double rates[] = {6, 10, 17, 35, 92};
  double d = 0;
  DateTime prev = t0;
  for (int k = 0; k < 5; ++k) {
    const DateTime end = k < 4 ? breaks[k] : DateTime(2100, 1, 1);
    const DateTime stop = std::min(t, end);
    if (stop > prev) d += rates[k] * stop.secondsSince(prev) / 86400.0;
    if (t <= end) break;
    prev = end;
  }
  return -d / 1000.0;
}

inline std::vector<DateTime> syntheticDates() {
  std::vector<DateTime> dates;
  for (DateTime t(2007, 1, 20); t < DateTime(2011, 3, 20); t = t.plusSeconds(46 * 86400.0)) dates.push_back(t);
  for (DateTime t(2014, 10, 10); t < DateTime(2018, 8, 31); t = t.plusSeconds(42 * 86400.0)) dates.push_back(t);
  return dates;
}

inline report::ReportData syntheticReport() {
  using namespace report;
  ReportData d;
  d.title = "Baige landslide \u2013 synthetic test report";
  d.subtitle = "ALOS PALSAR-1 / PALSAR-2, 2007\u20132018";
  d.created = DateTime(2024, 5, 1, 12, 0, 0);
  d.maps.push_back(syntheticMap("rate_los_p1", "(a) LOS rate, PALSAR-1", -2.7, Colormap::Diverging, "m/yr"));
  d.maps.push_back(syntheticMap("rate_az_p1", "(b) Azimuth rate, PALSAR-1", 0.6, Colormap::Diverging, "m/yr"));
  d.maps.push_back(syntheticMap("rate_sigma", "(c) LOS rate 1-\u03c3", 0.15, Colormap::Sequential, "m/yr"));

  const auto dates = syntheticDates();
  const DateTime t0 = dates.front();
  Series los{"p2_los", "P2 LOS", "m", dates, {}, {}, SeriesStyle::LineMarkers, std::nullopt, 0, 24};
  Series fit{"p2_fit", "Stage fit", "m", dates, {}, {}, SeriesStyle::Line, Rgb{0, 0, 0}, 0, 24};
  for (std::size_t i = 0; i < dates.size(); ++i) {
    const double truth = creepDisplacement(dates[i], t0);
    los.values.push_back(truth + 0.4 * std::sin(static_cast<double>(i)));
    los.sigma.push_back(0.5 + 0.01 * static_cast<double>(i));
    fit.values.push_back(truth);
  }
  los.values[5] = std::nan("");  // a gap
  Series rain{"rain", "Monthly precipitation", "mm", {}, {}, {}, SeriesStyle::Bars, Rgb{0x56, 0xb4, 0xe9}, 1, 24};
  for (int y = 2007; y <= 2018; ++y)
    for (int mo = 1; mo <= 12; ++mo) {
      rain.dates.push_back(DateTime(y, mo, 15));
      rain.values.push_back(mo >= 6 && mo <= 9 ? 120.0 + 10 * (y - 2007) : 15.0);
    }
  d.series = {los, fit, rain};
  Chart c1;
  c1.id = "ts_p2";
  c1.title = "P2: cumulative LOS displacement";
  c1.yLabel = "LOS displacement (m)";
  c1.y2Label = "Precipitation (mm/month)";
  c1.series = {"rain", "p2_los", "p2_fit"};
  c1.markers = {{DateTime(2010, 1, 10), std::nullopt, "2010-01-10", std::nullopt},
                {DateTime(2015, 7, 27), std::nullopt, "onset", std::nullopt},
                {DateTime(2018, 10, 11), std::nullopt, "failure", Rgb{0xd5, 0x5e, 0x00}},
                {DateTime(2018, 9, 20), DateTime(2018, 11, 2), "", Rgb{0xd5, 0x5e, 0x00}}};
  c1.caption = "Displacement with 1-\u03c3 error bars, the stage fit and monthly precipitation.";
  d.charts.push_back(c1);

  NetworkPlot n;
  for (std::size_t i = 0; i < dates.size(); ++i) {
    n.dates.push_back(dates[i]);
    n.platforms.push_back(dates[i] < DateTime(2012, 1, 1) ? "PALSAR-1" : "PALSAR-2");
    n.bperp.push_back(1500.0 * std::sin(0.7 * static_cast<double>(i)) + (dates[i] < DateTime(2012, 1, 1) ? 0 : 20000));
  }
  for (int i = 0; i < static_cast<int>(dates.size()); ++i)
    for (int j = i + 1; j < std::min<int>(i + 4, static_cast<int>(dates.size())); ++j)
      n.pairs.push_back({i, j, n.platforms[static_cast<std::size_t>(i)] == n.platforms[static_cast<std::size_t>(j)]
                                   ? n.platforms[static_cast<std::size_t>(i)]
                                   : "cross-platform"});
  n.caption = "Scenes and pairs.";
  d.network = n;

  Table stages;
  stages.id = "stages";
  stages.title = "Creep stages at P2";
  stages.columns = {"stage", "start", "end", "rate (mm/day)"};
  stages.rows = {{"initial", "2007-01-20", "2010-01-10", formatValue(6.04, 0.31)},
                 {"constant", "2010-01-10", "2015-07-27", formatValue(10.2, 0.42)},
                 {"accelerating", "2015-07-27", "2018-08-31", formatValue(91.7, 3.3)}};
  stages.note = "Rates with 1-\u03c3.";
  d.tables.push_back(stages);

  d.sections.push_back({"Rate maps", "Mean rates per platform period.\n\nSecond paragraph & <escaping>.",
                        {"rate_los_p1", "rate_az_p1", "rate_sigma"}, {}});
  d.sections.push_back({"Time series", "Point P2.", {"ts_p2"}, {"stages"}});
  return d;  // the network is left to the automatic "other figures" section
}

}  // namespace orthotrack::test

#pragma once
/// The report: one self-contained HTML file (no external URLs; figures, styles and script inline)
/// plus one PNG per figure. The report only draws what the workflow computed: the workflow fills
/// ReportData from its products (rate maps, point series, stage fits, forecast, network, tables)
/// and calls writeReport. Nothing here recomputes science.
///
/// Example:
///   report::ReportData d;  d.title = "Baige landslide";
///   report::MapLayer m;  m.id = "rate_los_palsar2";  m.title = "LOS rate, PALSAR-2";
///   m.unit = "m/yr";  m.values = rates;  m.grid = grid;  m.colormap = report::Colormap::Diverging;
///   d.maps.push_back(m);
///   d.sections.push_back({"Rates", "Mean rates per platform period.", {"rate_los_palsar2"}, {}});
///   auto s = report::writeReport(d, "run/report");   // run/report/report.html, figures/*.png
#include <optional>
#include <string>
#include <vector>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/geogrid.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/report/colormap.hpp"

namespace orthotrack::report {

/// A closed outline drawn over a map (e.g. the slide boundary), lon/lat in degrees (EPSG:4326).
struct MapPolygon {
  std::string name;
  std::vector<double> lon, lat;  ///< vertices; the ring is closed implicitly
  std::optional<Rgb> colour;     ///< default black
};

/// A labelled point drawn over a map (e.g. P1–P4), degrees.
struct MapPoint {
  std::string name;
  double lon = 0, lat = 0;
};

/// One map panel: a colour-mapped raster on a north-up geographic grid.
struct MapLayer {
  std::string id;        ///< [A-Za-z0-9_-]+, unique among figures; the PNG is figures/<id>.png
  std::string title;     ///< panel title, e.g. "(a) LOS rate, PALSAR-1 2007–2011"
  std::string unit;      ///< unit of the values, shown on the colour bar, e.g. "m/yr"
  Raster<float> values;  ///< NaN = no data; shape must equal grid.length × grid.width
  GeoGrid grid;          ///< EPSG:4326, north-up (dx > 0, dy < 0, no rotation)
  Colormap colormap = Colormap::Sequential;
  /// Colour limits. Absent: Sequential uses the 2nd–98th percentiles of the finite values;
  /// Diverging uses ±max(|p2|, |p98|) (symmetric about 0). Given limits are used as they are.
  std::optional<double> vmin, vmax;
  std::vector<MapPolygon> polygons;
  std::vector<MapPoint> points;
  std::string caption;  ///< text under the figure
};

enum class SeriesStyle {
  LineMarkers,  ///< line through the values, a marker at each date, error bars when sigma is given
  Markers,      ///< markers (and error bars) only
  Line,         ///< line only (model fits, e.g. stage fit or inverse-velocity line)
  DashedLine,   ///< dashed line only (extrapolations)
  Bars,         ///< bars centred on each date, `barDays` wide (e.g. monthly precipitation)
};

/// One data series against time.
struct Series {
  std::string id;    ///< unique among series; charts refer to it
  std::string name;  ///< legend label, e.g. "P2 LOS"
  std::string unit;  ///< unit of values and sigma, shown in tooltips and tables
  std::vector<DateTime> dates;
  std::vector<double> values;  ///< NaN values are gaps (not drawn)
  std::vector<double> sigma;   ///< 1-σ, empty or one per value (same unit)
  SeriesStyle style = SeriesStyle::LineMarkers;
  std::optional<Rgb> colour;   ///< default: Okabe–Ito palette in chart order
  int axis = 0;                ///< 0 = left y axis, 1 = right y axis (Chart::y2Label)
  double barDays = 24.0;       ///< bar width (days), style Bars
};

/// A vertical line (or shaded span when `end` is set) on a time chart: stage breakpoints, failure
/// date, forecast interval.
struct Marker {
  DateTime date;
  std::optional<DateTime> end;  ///< end of a shaded span [date, end]
  std::string label;
  std::optional<Rgb> colour;    ///< default dark grey
};

/// A time chart drawing the series named in `series` (ids of ReportData::series).
struct Chart {
  std::string id;      ///< [A-Za-z0-9_-]+, unique among figures; the PNG is figures/<id>.png
  std::string title;
  std::string yLabel;  ///< left axis label with unit, e.g. "LOS displacement (m)"
  std::string y2Label; ///< right axis label; required when a series has axis = 1
  std::vector<std::string> series;
  std::vector<Marker> markers;
  std::optional<double> yMin, yMax, y2Min, y2Max;  ///< axis limits (default: data range + 5 %)
  std::optional<DateTime> start, end;               ///< time axis limits (default: data range)
  std::string caption;
};

/// Network of pairs against time and perpendicular baseline (Figure S2 of the paper).
struct NetworkPlot {
  struct Pair {
    int i = 0, j = 0;       ///< indices into dates
    std::string category;   ///< e.g. "PALSAR-1", "PALSAR-2", "cross-platform"; one colour each
  };
  std::string id = "network";  ///< [A-Za-z0-9_-]+, unique among figures
  std::string title = "Pair network";
  std::vector<DateTime> dates;
  std::vector<std::string> platforms;  ///< one per date; one marker colour each
  std::vector<double> bperp;           ///< perpendicular baseline of each scene to the master (m)
  std::vector<Pair> pairs;
  std::string caption;
};

/// A table of results. Cells are text: format numbers with their uncertainty (formatValue).
struct Table {
  std::string id;  ///< [A-Za-z0-9_-]+, unique among tables
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  ///< each row has columns.size() cells
  std::string note;
};

/// A section of the report: paragraphs of text (blank line = new paragraph), then its figures
/// (ids of maps, charts or the network) and tables (ids), in the order given.
struct Section {
  std::string title;
  std::string text;
  std::vector<std::string> figures;
  std::vector<std::string> tables;
};

struct ReportData {
  std::string title = "orthotrack report";
  std::string subtitle;
  DateTime created;             ///< when the report was made (UTC)
  std::string softwareVersion;  ///< default: ORTHOTRACK_VERSION
  std::vector<Section> sections;
  std::vector<MapLayer> maps;
  std::vector<Series> series;
  std::vector<Chart> charts;
  std::vector<Table> tables;
  std::optional<NetworkPlot> network;
};

struct ReportSummary {
  std::string htmlPath;                  ///< outDir/report.html
  std::vector<std::string> figurePaths;  ///< outDir/figures/<id>.png, maps, charts, network
  std::size_t htmlBytes = 0;
};

/// Checks ids, shapes, sizes and references; throws InvalidInput naming the item
/// (e.g. key "series[P2_los].sigma") and the value.
void validate(const ReportData& data);

/// Writes outDir/report.html (self-contained, works offline) and outDir/figures/<id>.png for every
/// map, chart and the network; every file atomically. Throws InvalidInput (validate) or IoError.
ReportSummary writeReport(const ReportData& data, const std::string& outDir);

/// Writes the network figure alone as a PNG at `path` (the report's drawing: pairs as lines from
/// (date, B⊥) to (date, B⊥), one colour per category, one marker colour per platform); atomic.
/// Throws InvalidInput (validate) or IoError.
void writeNetworkPng(const NetworkPlot& plot, const std::string& path);

/// "v ± σ" with σ rounded to `sigmaDigits` significant digits and v to the same decimal place,
/// e.g. formatValue(17.234, 0.412) = "17.23 ± 0.41"; NaN σ → v with `digitsNoSigma` significant
/// digits; NaN v → "–".
std::string formatValue(double v, double sigma, int sigmaDigits = 2, int digitsNoSigma = 4);

}  // namespace orthotrack::report

#include "orthotrack/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "canvas.hpp"
#include "figures.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/io/png.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "page_assets.hpp"

namespace orthotrack::report {
namespace fs = std::filesystem;
using detail::xmlEscape;

namespace {

bool validId(const std::string& id) {
  return !id.empty() && id.size() <= 100 &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

void requireId(const std::string& id, const std::string& key) {
  if (!validId(id)) throw InvalidInput("id must be 1-100 characters of [A-Za-z0-9_-]", {"", key, id});
}

/// Paragraphs of plain text (blank line = new paragraph) as escaped HTML.
std::string paragraphs(const std::string& text) {
  std::string out, cur;
  std::istringstream in(text);
  std::string line;
  const auto flush = [&] {
    if (!cur.empty()) out += "<p>" + xmlEscape(cur) + "</p>\n";
    cur.clear();
  };
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) { flush(); continue; }
    if (!cur.empty()) cur += ' ';
    cur += line;
  }
  flush();
  return out;
}

std::string tableHtml(const Table& t, int number) {
  std::ostringstream o;
  o << "<div class=\"ot-table-wrap\" id=\"tab-" << xmlEscape(t.id) << "\"><table>\n<caption><b>Table " << number
    << ".</b> " << xmlEscape(t.title) << "</caption>\n<thead><tr>";
  for (const auto& c : t.columns) o << "<th>" << xmlEscape(c) << "</th>";
  o << "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    o << "<tr>";
    for (const auto& c : row) o << "<td>" << xmlEscape(c) << "</td>";
    o << "</tr>\n";
  }
  o << "</tbody></table>\n";
  if (!t.note.empty()) o << "<p class=\"ot-note\">" << xmlEscape(t.note) << "</p>\n";
  o << "</div>\n";
  return o.str();
}

struct Figure {
  std::string id, kind, title, caption;
  detail::Canvas canvas;
};

}  // namespace

std::string formatValue(double v, double sigma, int sigmaDigits, int digitsNoSigma) {
  char buf[96];
  if (!std::isfinite(v)) return "\u2013";
  // A value that rounds to zero is written without its sign ("-0.00" → "0.00").
  const auto unsign = [](std::string s) {
    const auto end = s.find(' ');
    const std::string head = s.substr(0, end);
    if (head.size() > 1 && head[0] == '-' && head.find_first_not_of("0.", 1) == std::string::npos) s.erase(0, 1);
    return s;
  };
  if (!std::isfinite(sigma) || sigma <= 0) {
    std::snprintf(buf, sizeof buf, "%.*g", std::max(1, digitsNoSigma), v);
    return unsign(buf);
  }
  sigmaDigits = std::max(1, sigmaDigits);
  const int mag = static_cast<int>(std::floor(std::log10(sigma)));
  int decimals = sigmaDigits - 1 - mag;
  // Rounding σ may carry into the next decade (0.0996 → 0.10): recompute with the rounded value.
  const double q = std::pow(10.0, -decimals);
  const double sr = std::round(sigma / q) * q;
  if (sr > 0 && static_cast<int>(std::floor(std::log10(sr) + 1e-12)) > mag) decimals -= 1;
  if (decimals > 0) {
    std::snprintf(buf, sizeof buf, "%.*f \u00b1 %.*f", decimals, v, decimals, sigma);
  } else {
    const double p = std::pow(10.0, -decimals);
    std::snprintf(buf, sizeof buf, "%.0f \u00b1 %.0f", std::round(v / p) * p, std::round(sigma / p) * p);
  }
  return unsign(buf);
}

void validate(const ReportData& d) {
  std::set<std::string> figureIds, seriesIds, tableIds;
  const auto addFigure = [&](const std::string& id, const std::string& key) {
    requireId(id, key + ".id");
    if (!figureIds.insert(id).second) throw InvalidInput("duplicate figure id", {"", key + ".id", id});
  };
  for (std::size_t k = 0; k < d.maps.size(); ++k) {
    const auto& m = d.maps[k];
    const std::string key = "maps[" + (validId(m.id) ? m.id : std::to_string(k)) + "]";
    addFigure(m.id, key);
    const auto& g = m.grid;
    if (g.length <= 0 || g.width <= 0 || m.values.length() != g.length || m.values.width() != g.width)
      throw InvalidInput("values shape must equal the grid shape (" + std::to_string(g.length) + "x" +
                             std::to_string(g.width) + ")",
                         {"", key + ".values", std::to_string(m.values.length()) + "x" + std::to_string(m.values.width())});
    if (g.epsg != 4326) throw InvalidInput("map grids must be geographic (EPSG:4326)", {"", key + ".grid.epsg", std::to_string(g.epsg)});
    if (!(g.transform[1] > 0) || !(g.transform[5] < 0) || g.transform[2] != 0 || g.transform[4] != 0)
      throw InvalidInput("map grids must be north-up (dx > 0, dy < 0, no rotation)",
                         {"", key + ".grid.transform", std::to_string(g.transform[1]) + "," + std::to_string(g.transform[5])});
    if (m.vmin && m.vmax && !(*m.vmax > *m.vmin))
      throw InvalidInput("vmax must exceed vmin", {"", key + ".vmax", std::to_string(*m.vmax)});
    for (const auto& p : m.polygons)
      if (p.lon.size() != p.lat.size() || p.lon.size() < 3)
        throw InvalidInput("a polygon needs >= 3 vertices and as many lat as lon",
                           {"", key + ".polygons[" + p.name + "]", std::to_string(p.lon.size())});
  }
  for (const auto& s : d.series) {
    const std::string key = "series[" + s.id + "]";
    requireId(s.id, key + ".id");
    if (!seriesIds.insert(s.id).second) throw InvalidInput("duplicate series id", {"", key + ".id", s.id});
    if (s.values.size() != s.dates.size())
      throw InvalidInput("values must have one entry per date (" + std::to_string(s.dates.size()) + ")",
                         {"", key + ".values", std::to_string(s.values.size())});
    if (!s.sigma.empty() && s.sigma.size() != s.dates.size())
      throw InvalidInput("sigma must be empty or have one entry per date (" + std::to_string(s.dates.size()) + ")",
                         {"", key + ".sigma", std::to_string(s.sigma.size())});
    if (s.axis != 0 && s.axis != 1) throw InvalidInput("axis must be 0 or 1", {"", key + ".axis", std::to_string(s.axis)});
    if (s.style == SeriesStyle::Bars && !(s.barDays > 0))
      throw InvalidInput("barDays must be > 0", {"", key + ".barDays", std::to_string(s.barDays)});
  }
  for (const auto& c : d.charts) {
    const std::string key = "charts[" + c.id + "]";
    addFigure(c.id, key);
    for (const auto& sid : c.series) {
      if (!seriesIds.count(sid)) throw InvalidInput("chart refers to an unknown series", {"", key + ".series", sid});
      const auto it = std::find_if(d.series.begin(), d.series.end(), [&](const Series& s) { return s.id == sid; });
      if (it->axis == 1 && c.y2Label.empty())
        throw InvalidInput("a series on the right axis needs the chart's y2Label", {"", key + ".y2Label", sid});
    }
    if (c.start && c.end && !(*c.end > *c.start))
      throw InvalidInput("end must be after start", {"", key + ".end", c.end->isoDate()});
  }
  if (d.network) {
    const auto& n = *d.network;
    addFigure(n.id, "network");
    if (n.platforms.size() != n.dates.size() || n.bperp.size() != n.dates.size())
      throw InvalidInput("platforms and bperp must have one entry per date (" + std::to_string(n.dates.size()) + ")",
                         {"", "network.bperp", std::to_string(n.bperp.size())});
    for (const auto& p : n.pairs)
      if (p.i < 0 || p.j < 0 || static_cast<std::size_t>(p.i) >= n.dates.size() ||
          static_cast<std::size_t>(p.j) >= n.dates.size())
        throw InvalidInput("pair index outside the dates", {"", "network.pairs", std::to_string(p.i) + "," + std::to_string(p.j)});
  }
  for (const auto& t : d.tables) {
    const std::string key = "tables[" + t.id + "]";
    requireId(t.id, key + ".id");
    if (!tableIds.insert(t.id).second) throw InvalidInput("duplicate table id", {"", key + ".id", t.id});
    for (std::size_t r = 0; r < t.rows.size(); ++r)
      if (t.rows[r].size() != t.columns.size())
        throw InvalidInput("row has " + std::to_string(t.rows[r].size()) + " cells for " +
                               std::to_string(t.columns.size()) + " columns",
                           {"", key + ".rows[" + std::to_string(r) + "]", std::to_string(t.rows[r].size())});
  }
  for (const auto& s : d.sections) {
    for (const auto& f : s.figures)
      if (!figureIds.count(f)) throw InvalidInput("section refers to an unknown figure", {"", "sections[" + s.title + "].figures", f});
    for (const auto& t : s.tables)
      if (!tableIds.count(t)) throw InvalidInput("section refers to an unknown table", {"", "sections[" + s.title + "].tables", t});
  }
}

void writeNetworkPng(const NetworkPlot& plot, const std::string& path) {
  ReportData d;
  d.network = plot;
  validate(d);
  const auto img = detail::rasterize(detail::layoutNetwork(plot), 2);
  io::writePng(path, img.r, img.g, img.b);
}

ReportSummary writeReport(const ReportData& d, const std::string& outDir) {
  validate(d);
  auto logger = log::get("report");
  const fs::path dir(outDir), figDir = dir / "figures";
  std::error_code ec;
  fs::create_directories(figDir, ec);
  if (ec) throw IoError("cannot create the report folder: " + ec.message(), {figDir.string(), "", ""});

  // Lay out every figure once.
  std::vector<Figure> figures;
  for (const auto& m : d.maps) figures.push_back({m.id, "map", m.title, m.caption, detail::layoutMap(m)});
  std::map<std::string, const Series*> byId;
  for (const auto& s : d.series) byId[s.id] = &s;
  for (const auto& c : d.charts) {
    std::vector<const Series*> ss;
    for (const auto& sid : c.series) ss.push_back(byId.at(sid));
    figures.push_back({c.id, "chart", c.title, c.caption, detail::layoutChart(c, ss)});
  }
  if (d.network) figures.push_back({d.network->id, "chart", d.network->title, d.network->caption, detail::layoutNetwork(*d.network)});

  ReportSummary summary;
  for (const auto& f : figures) {
    const auto img = detail::rasterize(f.canvas, 2);
    const std::string path = (figDir / (f.id + ".png")).string();
    io::writePng(path, img.r, img.g, img.b);
    summary.figurePaths.push_back(path);
  }

  // Figure and table numbers in reading order (sections, then anything not referenced).
  std::map<std::string, int> figNo, tabNo;
  std::vector<Section> sections = d.sections;
  for (const auto& s : sections) {
    for (const auto& f : s.figures) figNo.emplace(f, static_cast<int>(figNo.size()) + 1);
    for (const auto& t : s.tables) tabNo.emplace(t, static_cast<int>(tabNo.size()) + 1);
  }
  Section extra{"Other figures and tables", "", {}, {}};
  for (const auto& f : figures)
    if (figNo.emplace(f.id, static_cast<int>(figNo.size()) + 1).second) extra.figures.push_back(f.id);
  for (const auto& t : d.tables)
    if (tabNo.emplace(t.id, static_cast<int>(tabNo.size()) + 1).second) extra.tables.push_back(t.id);
  if (!extra.figures.empty() || !extra.tables.empty()) sections.push_back(extra);

  std::map<std::string, const Figure*> figById;
  for (const auto& f : figures) figById[f.id] = &f;
  std::map<std::string, const Table*> tabById;
  for (const auto& t : d.tables) tabById[t.id] = &t;

  const std::string version = d.softwareVersion.empty() ? std::string(ORTHOTRACK_VERSION) : d.softwareVersion;
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<meta name=\"generator\" content=\"orthotrack " << xmlEscape(version) << "\">\n"
    << "<title>" << xmlEscape(d.title) << "</title>\n<style>\n" << detail::kReportCss << "</style>\n</head>\n<body>\n";
  h << "<header>\n<h1>" << xmlEscape(d.title) << "</h1>\n";
  if (!d.subtitle.empty()) h << "<p class=\"ot-subtitle\">" << xmlEscape(d.subtitle) << "</p>\n";
  h << "<p class=\"ot-meta\">Created " << xmlEscape(d.created.iso(0)) << " UTC by orthotrack " << xmlEscape(version)
    << " &middot; " << figures.size() << " figures, " << d.tables.size() << " tables</p>\n</header>\n";
  h << "<nav class=\"ot-toc\"><b>Contents</b><ol>";
  for (std::size_t k = 0; k < sections.size(); ++k)
    h << "<li><a href=\"#sec-" << k + 1 << "\">" << xmlEscape(sections[k].title) << "</a></li>";
  h << "</ol><p class=\"ot-help\">Charts: hover a point for its date, value and 1-&sigma;; "
       "mouse wheel or drag to zoom and pan the time axis; double-click or &ldquo;Reset zoom&rdquo; to restore. "
       "Maps: hover for longitude, latitude and value.</p></nav>\n<main>\n";
  for (std::size_t k = 0; k < sections.size(); ++k) {
    const auto& s = sections[k];
    h << "<section id=\"sec-" << k + 1 << "\">\n<h2>" << k + 1 << ". " << xmlEscape(s.title) << "</h2>\n"
      << paragraphs(s.text);
    if (!s.figures.empty()) {
      h << "<div class=\"ot-figures\">\n";
      for (const auto& fid : s.figures) {
        const Figure& f = *figById.at(fid);
        h << "<figure class=\"ot-figure ot-" << f.kind << "\" id=\"fig-" << xmlEscape(f.id) << "\">\n";
        if (f.kind == "chart") h << "<div class=\"ot-tools\"><button type=\"button\" class=\"ot-reset\">Reset zoom</button></div>\n";
        h << detail::toSvg(f.canvas, "svg-" + f.id) << "\n<figcaption><b>Figure " << figNo.at(fid) << ".</b> "
          << xmlEscape(f.title);
        if (!f.caption.empty()) h << " &mdash; " << xmlEscape(f.caption);
        h << " <a class=\"ot-png\" href=\"figures/" << xmlEscape(f.id) << ".png\">PNG</a></figcaption>\n</figure>\n";
      }
      h << "</div>\n";
    }
    for (const auto& tid : s.tables) h << tableHtml(*tabById.at(tid), tabNo.at(tid));
    h << "</section>\n";
  }
  h << "</main>\n<footer>\n<p><b>Conventions.</b> LOS displacement is negative when the ground moves away from the "
       "sensor; azimuth displacement is positive opposite to the flight direction. Rates in m/yr (year of 365.25 days), "
       "stage rates in mm/day, dates UTC, time series relative to the first date. Uncertainties are 1-&sigma; unless "
       "stated. Diverging colour maps (blue&ndash;white&ndash;red) are centred on zero; sequential maps are viridis.</p>\n"
       "</footer>\n<div id=\"ot-tip\" role=\"tooltip\"></div>\n<script>\n"
    << detail::kReportJs << "</script>\n</body>\n</html>\n";
  const std::string html = h.str();
  summary.htmlPath = (dir / "report.html").string();
  io::writeFileAtomic(summary.htmlPath, html);
  summary.htmlBytes = html.size();
  logger->info("report written: {} ({} bytes, {} figures)", summary.htmlPath, summary.htmlBytes, summary.figurePaths.size());
  return summary;
}

}  // namespace orthotrack::report

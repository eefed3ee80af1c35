// Step report: gathers the run's products into report::ReportData and writes the HTML report.
// Reads products only; every number comes from earlier steps.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "context.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/report/report.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace orthotrack::workflow::detail {
namespace {

std::string f2(double v, int digits = 2) {
  if (!std::isfinite(v)) return "–";
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << v;
  return s.str();
}
double jd(const json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

std::vector<report::MapPolygon> slidePolygons(const Context& ctx) {
  std::string path = ctx.slidePolygon;
  if (path.empty() && !ctx.stack.truthDir.empty() && fs::exists(ctx.stack.truthDir + "/landslide.geojson"))
    path = ctx.stack.truthDir + "/landslide.geojson";
  std::vector<report::MapPolygon> out;
  if (path.empty() || !fs::exists(path)) return out;
  const json g = json::parse(io::readTextFile(path));
  auto addRing = [&](const json& ring) {
    report::MapPolygon p;
    p.name = "landslide";
    for (const auto& v : ring) {
      p.lon.push_back(v[0].get<double>());
      p.lat.push_back(v[1].get<double>());
    }
    out.push_back(p);
  };
  auto addGeom = [&](const json& geom) {
    if (geom.value("type", "") == "Polygon") addRing(geom["coordinates"][0]);
    if (geom.value("type", "") == "MultiPolygon")
      for (const auto& poly : geom["coordinates"]) addRing(poly[0]);
  };
  if (g.value("type", "") == "FeatureCollection")
    for (const auto& f : g["features"]) addGeom(f["geometry"]);
  else if (g.value("type", "") == "Feature") addGeom(g["geometry"]);
  else addGeom(g);
  return out;
}

}  // namespace

StepResult stepReport(Context& ctx) {
  const json sum = json::parse(io::readTextFile(ctx.run + "/analysis/summary.json"));
  const json meta = json::parse(io::readTextFile(ctx.run + "/timeseries/timeseries.json"));
  const json net = json::parse(io::readTextFile(ctx.run + "/network/network.json"));
  std::vector<DateTime> dates;
  for (const auto& d : meta.at("dates")) dates.push_back(DateTime::parse(d.get<std::string>()));
  report::ReportData rd;
  rd.title = "orthotrack report: " + ctx.stack.name;
  rd.subtitle = std::to_string(dates.size()) + " acquisitions, " + dates.front().isoDate() + " to " + dates.back().isoDate() +
                ", " + std::to_string(net.at("pairs").size()) + " offset pairs, master " + meta.value("master", "") +
                ", co-registration: " + coreg::toString(ctx.coregParams.method);
  rd.created = DateTime::fromNanoseconds(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count());
  const auto polys = slidePolygons(ctx);
  std::vector<report::MapPoint> mpts;
  for (const auto& p : sum.at("points")) mpts.push_back({p.at("name"), p.at("lon"), p.at("lat")});

  // Maps: rates per platform period (the paper's Figure 2) and the final cumulative displacement.
  {
    io::RasterReader rr(ctx.run + "/geo/rates.tif");
    const GeoGrid g = rr.info().geo;
    std::vector<std::string> figs;
    for (int b = 1; b <= rr.info().bands; ++b) {
      const std::string name = rr.info().bandNames[static_cast<std::size_t>(b - 1)];
      if (name.find("sigma") != std::string::npos) continue;
      report::MapLayer m;
      m.id = "rate_" + name;
      for (auto& c : m.id) if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
      const bool isLos = name.rfind("los", 0) == 0;
      const std::string window = name.substr(name.find('_') + 1);
      m.title = std::string(isLos ? "LOS" : "Azimuth") + " rate, " + (window == "all" ? "whole span" : window + " period");
      m.unit = "m/yr";
      m.values = rr.readAll<float>(b);
      m.grid = g;
      m.colormap = report::Colormap::Diverging;
      m.polygons = polys;
      m.points = mpts;
      m.caption = isLos ? "Negative: moving away from the sensor." : "Positive: moving opposite to the flight direction.";
      figs.push_back(m.id);
      rd.maps.push_back(std::move(m));
    }
    io::RasterReader lr(ctx.run + "/geo/los.tif"), ar(ctx.run + "/geo/azimuth.tif");
    for (int c = 0; c < 2; ++c) {
      report::MapLayer m;
      m.id = c == 0 ? "cumulative_los" : "cumulative_azimuth";
      m.title = std::string(c == 0 ? "Cumulative LOS" : "Cumulative azimuth") + " displacement " + dates.front().isoDate() + " → " +
                dates.back().isoDate();
      m.unit = "m";
      m.values = (c == 0 ? lr : ar).readAll<float>(static_cast<int>(dates.size()));
      m.grid = g;
      m.colormap = report::Colormap::Diverging;
      m.polygons = polys;
      m.points = mpts;
      figs.push_back(m.id);
      rd.maps.push_back(std::move(m));
    }
    rd.sections.push_back({"Rate maps (the paper's Figure 2)",
                           "Mean LOS and azimuth rates per platform period from the SBAS inversion of all pairs, geocoded. "
                           "The landslide boundary and the points P1–P4 are overlaid.",
                           figs, {}});
  }

  // Per-pixel acceleration onset and alert level (analysis step).
  if (fs::exists(ctx.run + "/analysis/onset.tif") && fs::exists(ctx.run + "/analysis/alert.tif")) {
    io::RasterReader orr(ctx.run + "/analysis/onset.tif"), arr(ctx.run + "/analysis/alert.tif");
    report::MapLayer mo;
    mo.id = "onset_map";
    mo.title = "Onset of acceleration (first accelerating stage of the cumulative LOS)";
    mo.unit = "year";
    mo.values = orr.readAll<float>(1);
    mo.grid = orr.info().geo;
    mo.colormap = report::Colormap::Sequential;
    mo.vmin = dates.front().decimalYear();
    mo.vmax = dates.back().decimalYear();
    mo.polygons = polys;
    mo.points = mpts;
    mo.caption = "Grey: no accelerating stage found, or too few valid dates.";
    report::MapLayer ma;
    ma.id = "alert_map";
    ma.title = "Alert level as of " + dates.back().isoDate();
    ma.unit = "level";
    ma.values = arr.readAll<float>(1);
    ma.grid = arr.info().geo;
    ma.colormap = report::Colormap::Sequential;
    ma.vmin = 0.0;
    ma.vmax = 3.0;
    ma.polygons = polys;
    ma.points = mpts;
    const auto md = arr.info().metadata;
    ma.caption = "Levels: 0 normal, 1 watch, 2 warning, 3 alarm. Rule (per pixel as at the points): " + (md.count("ALERT_RULE") ? md.at("ALERT_RULE") : std::string("see docs/analysis.md")) +
                 ". The inverse-velocity trend is fitted from the pixel's onset, only where an onset was found.";
    std::string text = "Per pixel, the creep-stage fit of the cumulative LOS gives the start of the first accelerating stage; "
                       "the inverse-velocity forecast from that date and the last velocity give the alert level.";
    if (sum.contains("pixel_maps")) {
      const auto& pm = sum["pixel_maps"];
      std::ostringstream t;
      t << " Pixels per level: ";
      bool first = true;
      for (const auto& [k, v] : pm["alert_pixels"].items()) {
        t << (first ? "" : ", ") << k << " " << v.get<long long>();
        first = false;
      }
      t << "; pixels with an onset: " << pm.value("onset_pixels", 0LL) << ".";
      text += t.str();
    }
    rd.maps.push_back(std::move(mo));
    rd.maps.push_back(std::move(ma));
    rd.sections.push_back({"Acceleration onset and alert maps", text, {"onset_map", "alert_map"}, {}});
  }

  // Time series at the points (Figure 3).
  {
    report::Chart cl{"series_los", "LOS displacement at the points", "LOS displacement (m)", "", {}, {}, {}, {}, {}, {}, {}, {}, ""};
    report::Chart ca{"series_azimuth", "Azimuth displacement at the points", "Azimuth displacement (m)", "", {}, {}, {}, {}, {}, {}, {}, {}, ""};
    for (const auto& p : sum.at("points")) {
      const std::string n = p.at("name");
      report::Series sl, sa;
      sl.id = "los_" + n;
      sl.name = n + " LOS";
      sa.id = "az_" + n;
      sa.name = n + " azimuth";
      sl.unit = sa.unit = "m";
      for (std::size_t k = 0; k < dates.size(); ++k) {
        sl.dates.push_back(dates[k]);
        sa.dates.push_back(dates[k]);
        sl.values.push_back(jd(p["los_m"][k]));
        sa.values.push_back(jd(p["az_m"][k]));
        sl.sigma.push_back(jd(p["los_sigma_m"][k]));
        sa.sigma.push_back(jd(p["az_sigma_m"][k]));
      }
      cl.series.push_back(sl.id);
      ca.series.push_back(sa.id);
      rd.series.push_back(sl);
      rd.series.push_back(sa);
    }
    rd.charts.push_back(cl);
    rd.charts.push_back(ca);
    rd.sections.push_back({"Time series at the points (the paper's Figure 3)",
                           "Cumulative displacement relative to the first acquisition, with 1-σ uncertainty propagated from "
                           "the offsets through the inversion.",
                           {"series_los", "series_azimuth"}, {}});
  }

  // Creep stages (Figure S7) and the forecast.
  const std::string mainName = sum.value("main_point", "");
  {
    report::Chart cs{"stages", "Creep stages at " + mainName, "LOS displacement (m)", "", {}, {}, {}, {}, {}, {}, {}, {}, ""};
    cs.series.push_back("los_" + mainName);
    report::Table ts{"stages_table", "Creep stages at " + mainName, {"start", "end", "rate (mm/day)", "95 % interval", "stage"}, {}, ""};
    if (sum["stages"].contains("model_m")) {
      report::Series m;
      m.id = "stage_model";
      m.name = "piecewise-linear fit";
      m.unit = "m";
      m.style = report::SeriesStyle::Line;
      m.dates = dates;
      for (const auto& v : sum["stages"]["model_m"]) m.values.push_back(jd(v));
      rd.series.push_back(m);
      cs.series.push_back(m.id);
      for (const auto& b : sum["stages"]["breakpoints"]) cs.markers.push_back({DateTime::parse(b.at("date").get<std::string>()), {}, "break", {}});
      for (const auto& s : sum["stages"]["stages"])
        ts.rows.push_back({s.at("start"), s.at("end"), f2(jd(s.at("rate_mm_per_day")), 1),
                           f2(jd(s.at("rate_low")), 1) + " … " + f2(jd(s.at("rate_high")), 1), s.at("label")});
      ts.note = "Rates in the sign of the LOS series (negative: away from the sensor). The number of stages is chosen by AICc.";
    } else {
      ts.note = "No stage fit: " + sum["stages"].value("error", std::string("not enough data"));
    }
    rd.charts.push_back(cs);
    rd.tables.push_back(ts);
    std::vector<std::string> figs{"stages"};
    std::vector<std::string> tabs{"stages_table"};
    const auto& f = sum["forecast"];
    if (f.contains("velocities")) {
      report::Series iv;
      iv.id = "inverse_velocity";
      iv.name = "1/v";
      iv.unit = "day/mm";
      iv.style = report::SeriesStyle::LineMarkers;
      for (const auto& v : f["velocities"]) {
        const double vel = jd(v.at("velocity_mm_per_day"));
        iv.dates.push_back(DateTime::parse(v.at("date").get<std::string>()));
        iv.values.push_back(vel > 0 ? 1.0 / vel : std::nan(""));
      }
      rd.series.push_back(iv);
      report::Chart ci{"inverse_velocity", "Inverse velocity at " + mainName + " (Fukuzono)", "1/v (day/mm)", "", {iv.id}, {}, {}, {}, {}, {}, {}, {}, ""};
      if (f.value("valid", false) && f["failure"].is_string())
        ci.markers.push_back({DateTime::parse(f["failure"].get<std::string>()), {}, "forecast failure", {}});
      if (f.contains("true_failure") && f["true_failure"].is_string() && !f["true_failure"].get<std::string>().empty())
        ci.markers.push_back({DateTime::parse(f["true_failure"].get<std::string>()), {}, "actual failure", {}});
      rd.charts.push_back(ci);
      figs.push_back(ci.id);
      report::Table te{"forecast_table", "Failure forecast as it would have been made at each date", {"as of", "forecast failure", "velocity (mm/day)", "alert"}, {}, ""};
      for (const auto& r : f["evolution"])
        te.rows.push_back({r.at("as_of"), r["failure"].is_string() ? r["failure"].get<std::string>() : "–",
                           f2(jd(r.at("velocity_mm_per_day")), 1), r.at("alert")});
      te.note = "Inverse-velocity method (Voight, α = 2) fitted on the last stage (from " + f.value("fit_start", std::string("?")) +
                "). Latest: " + (f.value("valid", false) ? "failure " + f["failure"].get<std::string>() : "no valid forecast (" + f.value("reason", std::string("")) + ")") + ".";
      rd.tables.push_back(te);
      tabs.push_back(te.id);
    }
    rd.sections.push_back({"Deformation stages and failure forecast (the paper's Figure S7)",
                           "Continuous piecewise-linear fit of the cumulative LOS displacement, stages labelled after Saito's creep "
                           "theory, and the inverse-velocity forecast re-run at every date.",
                           figs, tabs});
  }

  // Triggers: precipitation, rate, backscatter (Figure S8).
  if (sum.contains("triggers")) {
    const auto& t = sum["triggers"];
    report::Series pr;
    pr.id = "precipitation";
    pr.name = "monthly precipitation";
    pr.unit = "mm";
    pr.style = report::SeriesStyle::Bars;
    pr.axis = 1;
    for (const auto& m : t["precipitation"]) {
      const DateTime d = DateTime::parse(m.at("month").get<std::string>() + "-15");
      if (d < dates.front() || d > dates.back()) continue;
      pr.dates.push_back(d);
      pr.values.push_back(jd(m.at("mm")));
    }
    rd.series.push_back(pr);
    report::Series bs;
    bs.id = "sigma0_proxy";
    bs.name = "backscatter proxy (slide − stable)";
    bs.unit = "dB";
    for (const auto& r : sum["backscatter"]["series"]) {
      bs.dates.push_back(DateTime::parse(r.at("date").get<std::string>()));
      bs.values.push_back(jd(r.at("proxy_db")));
    }
    rd.series.push_back(bs);
    report::Chart ct{"triggers", "Backscatter proxy and monthly precipitation", "σ0 proxy (dB)", "precipitation (mm/month)",
                     {bs.id, pr.id}, {}, {}, {}, {}, {}, {}, {}, ""};
    rd.charts.push_back(ct);
    report::Table tt{"trigger_table", "Correlation with monthly precipitation, by lag", {"lag (months)", "r (rate)", "p (rate)", "r (σ0)", "p (σ0)"}, {}, ""};
    const auto& a = t["rate_vs_precipitation"]["lags"];
    const auto& b = t["sigma0_vs_precipitation"]["lags"];
    for (std::size_t i = 0; i < a.size(); ++i)
      tt.rows.push_back({std::to_string(a[i].at("lag_months").get<int>()), f2(jd(a[i].at("r"))), f2(jd(a[i].at("p")), 3),
                         i < b.size() ? f2(jd(b[i].at("r"))) : "–", i < b.size() ? f2(jd(b[i].at("p")), 3) : "–"});
    tt.note = "Best lag for the deformation rate: " + std::to_string(t["rate_vs_precipitation"].value("best_lag_months", -1)) +
              " months (p with the Bretherton effective sample size, Bonferroni over lags: " +
              f2(jd(t["rate_vs_precipitation"].value("best_p_bonferroni", json(nullptr))), 3) + ")" +
              (t.contains("true_lag_months") ? "; simulated truth: " + f2(jd(t["true_lag_months"]), 1) + " months." : ".");
    rd.tables.push_back(tt);
    rd.sections.push_back({"Triggering factors (the paper's Figure S8)",
                           "Deformation rate between acquisitions and the backscatter soil-moisture proxy against monthly "
                           "precipitation, over lags of 0–4 months.",
                           {"triggers"}, {"trigger_table"}});
  }

  // Improved vs traditional co-registration (the paper's Figure 1), when the coregister step made it.
  if (fs::exists(ctx.run + "/coreg/compare")) {
    for (const auto& e : fs::directory_iterator(ctx.run + "/coreg/compare")) {
      if (e.path().extension() != ".json") continue;
      const json cj = json::parse(io::readTextFile(e.path().string()));
      const std::string id = cj.at("secondary");
      io::RasterReader gr(ctx.run + "/geo/los.tif");
      const GeoGrid g = gr.info().geo;
      ctx.loadMaster();
      const auto lk = geometry::mapToRadar(ctx.masterGeometry, GeometryMasks(ctx, 0).dem(), g);
      std::vector<std::string> figs;
      const char* methods[] = {"traditional", "improved"};
      for (int comp = 1; comp <= 2; ++comp) {
        double lim = 0;
        std::vector<report::MapLayer> pair;
        for (const char* m : methods) {
          io::RasterReader cr(ctx.run + "/coreg/compare/" + id + "." + m + ".tif");
          const auto md = cr.info().metadata;
          auto get = [&](const char* k) { return static_cast<std::int64_t>(std::stoll(md.at(k))); };
          Raster<float> v = cr.readAll<float>(comp);
          const Raster<float> flag = cr.readAll<float>(9);
          for (std::size_t k = 0; k < v.size(); ++k)
            if (flag.data()[k] != 0.0f) v.data()[k] = std::numeric_limits<float>::quiet_NaN();
          report::MapLayer ml;
          ml.id = std::string("figure1_") + m + (comp == 1 ? "_range" : "_azimuth");
          ml.title = std::string(m == std::string("improved") ? "Improved (ortho-rectified)" : "Traditional (amplitude only)") +
                     ": " + (comp == 1 ? "range" : "azimuth") + " offset";
          ml.unit = "px";
          ml.values = geocodeChips(lk, v, get("ROW0"), get("COL0"), get("STEP_AZ"));
          ml.grid = g;
          ml.colormap = report::Colormap::Diverging;
          ml.polygons = polys;
          std::vector<float> fin;
          for (float x : ml.values.vector()) if (std::isfinite(x)) fin.push_back(std::abs(x));
          if (!fin.empty()) {
            std::sort(fin.begin(), fin.end());
            lim = std::max(lim, static_cast<double>(fin[fin.size() * 98 / 100]));
          }
          pair.push_back(std::move(ml));
        }
        for (auto& ml : pair) {  // one colour scale per component, so the two methods compare directly
          ml.vmin = -std::max(lim, 0.1);
          ml.vmax = std::max(lim, 0.1);
          figs.push_back(ml.id);
          rd.maps.push_back(std::move(ml));
        }
      }
      report::Table t{"figure1_table", "Stable-ground offsets, master vs rectified " + id + " (outside the slide)",
                      {"method", "chips", "RMS range (px)", "RMS azimuth (px)", "RMS (px)", "systematic RMS (px)"}, {}, ""};
      for (const char* m : methods) {
        const json& q = cj.at(m);
        t.rows.push_back({m, std::to_string(q.at("chips").get<long long>()), f2(jd(q.at("rms_range_px"))), f2(jd(q.at("rms_azimuth_px"))),
                          f2(jd(q.at("rms_px"))), f2(jd(q.value("rms_systematic_px", json(nullptr))))});
      }
      t.note = "Both secondaries are tracked against the master with the run's offset parameters and the same layover/shadow mask. "
               "Systematic: RMS of the 5 × 5-chip median (the spatially coherent part — topographic artifacts — with the "
               "per-chip matching noise mostly averaged out).";
      rd.tables.push_back(t);
      std::ostringstream txt;
      txt << "Offsets between the master " << cj.at("reference").get<std::string>() << " and " << id
          << " (the scene of the other platform with the longest perpendicular baseline, "
          << static_cast<long long>(std::llround(std::abs(jd(cj.at("perpendicular_baseline_m"))))) << " m), rectified "
          << "by the traditional method (orbit model and amplitude offsets, no DEM) and by the improved method "
          << "(ortho-rectification on the DEM). Stable ground should show zero: the traditional method leaves the "
          << "topographic parallax, the improved one removes it; the slide moves in both.";
      rd.sections.push_back({"Improved vs traditional co-registration (the paper's Figure 1)", txt.str(), figs, {t.id}});
      break;  // one comparison in the report
    }
  }

  // Network (Figure S2).
  {
    report::NetworkPlot np;
    for (const auto& s : net.at("scenes")) {
      np.dates.push_back(DateTime::parse(s.at("date").get<std::string>()));
      np.platforms.push_back(s.at("platform"));
      np.bperp.push_back(jd(s.at("bperp_m")));
    }
    for (const auto& p : net.at("pairs")) {
      const int i = p.at("ref"), j = p.at("sec");
      const std::string cat = p.at("category") == "cross_platform" ? "cross-platform" : np.platforms[static_cast<std::size_t>(i)];
      np.pairs.push_back({i, j, cat});
    }
    np.caption = net.value("connectivity", "");
    rd.network = np;
    report::Table tn{"network_table", "Pairs by category", {"category", "pairs"}, {}, ""};
    for (const auto& [k, v] : net.at("counts").items()) tn.rows.push_back({k, std::to_string(v.get<int>())});
    tn.note = "The paper kept 31 PALSAR-1, 44 PALSAR-2 and 8 cross-platform pairs.";
    rd.tables.push_back(tn);
    rd.sections.push_back({"Pair network (the paper's Figure S2)", "Temporal and perpendicular baselines of the offset pairs.",
                           {"network"}, {"network_table"}});
  }

  // Numbers: truth / paper comparison and 3-D motion.
  {
    std::vector<std::string> tabs;
    if (sum.contains("truth_comparison")) {
      report::Table tc{"truth_table", "Recovered numbers, simulated truth and the paper", {"quantity", "paper", "this run", "truth", "target", "met"}, {}, ""};
      for (const auto& r : sum["truth_comparison"]["rows"])
        tc.rows.push_back({r.at("quantity"), r.at("paper"), f2(jd(r.at("measured"))), f2(jd(r.at("truth"))), r.at("target"),
                           r.at("pass").get<bool>() ? "yes" : "no"});
      rd.tables.push_back(tc);
      tabs.push_back(tc.id);
    }
    report::Table tm{"motion3d_table", "3-D motion at the points (surface-parallel assumption)", {"point", "east (m)", "north (m)", "up (m)", "along steepest descent (m)", "magnitude |u| (m)", "truth |u| (m)"}, {}, ""};
    for (const auto& m : sum["motion3d"])
      tm.rows.push_back({m.at("name"), f2(jd(m.at("east_m"))), f2(jd(m.at("north_m"))), f2(jd(m.at("up_m"))),
                         report::formatValue(jd(m.at("downslope_m")), jd(m.at("sigma_downslope_m"))),
                         m.contains("magnitude_m") ? report::formatValue(jd(m["magnitude_m"]), jd(m.value("sigma_magnitude_m", json(nullptr)))) : "–",
                         m.contains("true_downslope_m") ? f2(jd(m["true_downslope_m"])) : "–"});
    tm.note = "Surface-parallel motion with the DEM's slope and aspect; |u| is the downslope magnitude (the motion need not "
              "follow the steepest descent: where it does not, the steepest-descent component is smaller).";
    rd.tables.push_back(tm);
    tabs.push_back(tm.id);
    rd.sections.insert(rd.sections.begin(), report::Section{"Summary",
        "",
        {}, tabs});
    // The summary text names the main point's own numbers.
    for (const auto& p : sum["points"])
      if (p.at("name") == mainName)
        rd.sections.front().text = "At " + mainName + " the cumulative LOS displacement reached " + f2(jd(p["los_m"].back())) +
                                   " m and the azimuth displacement " + f2(jd(p["az_m"].back())) + " m between " +
                                   dates.front().isoDate() + " and " + dates.back().isoDate() +
                                   " (LOS negative: away from the sensor; azimuth positive: opposite to the flight direction).";
  }
  const auto out = report::writeReport(rd, ctx.run + "/report");
  StepResult r;
  r.outputs.push_back(ctx.rel(out.htmlPath));
  for (const auto& p : out.figurePaths) r.outputs.push_back(ctx.rel(p));
  r.quality = {{"html_bytes", out.htmlBytes}, {"figures", out.figurePaths.size()}};
  return r;
}

}  // namespace orthotrack::workflow::detail

// Step analysis: point series, creep stages, failure forecast, triggers, backscatter proxy, 3-D
// motion, and (for simulated stacks) the comparison with the truth and with the paper.
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "context.hpp"
#include "orthotrack/analysis/backscatter.hpp"
#include "orthotrack/analysis/forecast.hpp"
#include "orthotrack/analysis/motion3d.hpp"
#include "orthotrack/analysis/series.hpp"
#include "orthotrack/analysis/stages.hpp"
#include "orthotrack/analysis/triggers.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace orthotrack::workflow::detail {
namespace {

struct GeoStack {
  GeoGrid grid;
  std::vector<Raster<float>> bands;
  std::vector<std::string> names;
  explicit GeoStack(const std::string& path) {
    io::RasterReader rd(path);
    grid = rd.info().geo;
    for (int b = 1; b <= rd.info().bands; ++b) {
      bands.push_back(rd.readAll<float>(b));
      names.push_back(rd.info().bandNames[static_cast<std::size_t>(b - 1)]);
    }
  }
  // Value at lon/lat: bilinear over the finite neighbours; else the nearest finite value within 2 cells.
  double at(std::size_t band, double lon, double lat) const {
    const auto& r = bands[band];
    const double fr = grid.row(lat), fc = grid.col(lon);
    const auto i0 = static_cast<std::int64_t>(std::floor(fr)), j0 = static_cast<std::int64_t>(std::floor(fc));
    double s = 0, ws = 0;
    for (int di = 0; di < 2; ++di)
      for (int dj = 0; dj < 2; ++dj) {
        const auto i = i0 + di, j = j0 + dj;
        if (i < 0 || j < 0 || i >= r.length() || j >= r.width()) continue;
        const float v = r(i, j);
        const double w = (di ? fr - static_cast<double>(i0) : 1 - (fr - static_cast<double>(i0))) *
                         (dj ? fc - static_cast<double>(j0) : 1 - (fc - static_cast<double>(j0)));
        if (std::isfinite(v) && w > 0) { s += w * static_cast<double>(v); ws += w; }
      }
    if (ws > 0.25) return s / ws;
    double best = std::numeric_limits<double>::quiet_NaN(), bd = 1e9;
    for (std::int64_t i = i0 - 2; i <= i0 + 3; ++i)
      for (std::int64_t j = j0 - 2; j <= j0 + 3; ++j) {
        if (i < 0 || j < 0 || i >= r.length() || j >= r.width() || !std::isfinite(r(i, j))) continue;
        const double d = std::hypot(static_cast<double>(i) - fr, static_cast<double>(j) - fc);
        if (d < bd) { bd = d; best = r(i, j); }
      }
    return best;
  }
  // Mean of the finite values whose pixel centres lie within radiusM (m) of lon/lat (EPSG:4326
  // grid); at() when radiusM ≤ 0 or no value is there.
  double mean(std::size_t band, double lon, double lat, double radiusM) const {
    if (radiusM <= 0) return at(band, lon, lat);
    const auto& r = bands[band];
    const double mLat = 111320.0, mLon = 111320.0 * std::cos(lat * M_PI / 180.0);
    const double fr = grid.row(lat), fc = grid.col(lon);
    const auto nr = static_cast<std::int64_t>(std::ceil(radiusM / (std::abs(grid.dy()) * mLat))) + 1;
    const auto nc = static_cast<std::int64_t>(std::ceil(radiusM / (std::abs(grid.dx()) * mLon))) + 1;
    double s = 0;
    int n = 0;
    for (auto i = static_cast<std::int64_t>(fr) - nr; i <= static_cast<std::int64_t>(fr) + nr; ++i)
      for (auto j = static_cast<std::int64_t>(fc) - nc; j <= static_cast<std::int64_t>(fc) + nc; ++j) {
        if (i < 0 || j < 0 || i >= r.length() || j >= r.width() || !std::isfinite(r(i, j))) continue;
        const double dy = (grid.y(static_cast<double>(i)) - lat) * mLat, dx = (grid.x(static_cast<double>(j)) - lon) * mLon;
        if (std::hypot(dx, dy) > radiusM) continue;
        s += static_cast<double>(r(i, j));
        ++n;
      }
    return n > 0 ? s / n : at(band, lon, lat);
  }
};

double lsSlopePerYear(const std::vector<DateTime>& d, const std::vector<double>& v, const DateTime& a, const DateTime& b) {
  double n = 0, st = 0, sv = 0, stt = 0, stv = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i] < a || d[i] > b || !std::isfinite(v[i])) continue;
    const double t = d[i].secondsSince(a) / (365.25 * 86400.0);
    n += 1; st += t; sv += v[i]; stt += t * t; stv += t * v[i];
  }
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  return (n * stv - st * sv) / (n * stt - st * st);
}

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

/// One multi-band float GeoTIFF (band names and units, NaN nodata, key/value metadata).
void writeMap(const std::string& path, const GeoGrid& grid, const std::vector<const Raster<float>*>& bands,
              const std::vector<std::pair<std::string, std::string>>& nameUnit, const std::map<std::string, std::string>& md) {
  io::RasterWriter w(path, grid.length, grid.width, static_cast<int>(bands.size()), io::DataType::Float32, &grid);
  for (std::size_t i = 0; i < bands.size(); ++i) {
    const int b = static_cast<int>(i + 1);
    w.setBandName(b, nameUnit[i].first);
    w.setBandUnit(b, nameUnit[i].second);
    w.setNoData(b, std::nan(""));
    w.write(b, *bands[i]);
  }
  for (const auto& [k, v] : md) w.setMetadata(k, v);
  w.commit();
}

/// Days since `epoch` → decimal year (NaN and ±inf kept).
Raster<float> toDecimalYear(const Raster<float>& days, const DateTime& epoch) {
  Raster<float> out(days.length(), days.width(), std::numeric_limits<float>::quiet_NaN());
  for (std::size_t k = 0; k < days.size(); ++k) {
    const float d = days.data()[k];
    out.data()[k] = std::isfinite(d) ? static_cast<float>(epoch.plusSeconds(static_cast<double>(d) * 86400.0).decimalYear()) : d;
  }
  return out;
}

// Half the largest offset chip on the ground (m) at the master scene centre: the larger of the
// azimuth ground spacing and the ground-range spacing (slant spacing / sin incidence), times the chip.
double halfChipOnGround(Context& ctx) {
  ctx.loadMaster();
  const auto& g = ctx.masterGeometry;
  int w = 0;
  for (const auto& c : ctx.offParams.windows) w = std::max({w, c.rows, c.cols});
  const double line = static_cast<double>(g.grid().length) / 2, sample = static_cast<double>(g.grid().width) / 2;
  geometry::Rdr2GeoResult r;
  const auto flat = geometry::Dem::constant(0.0);
  double daz = g.grid().rangePixelSpacing, inc = 30.0;
  if (geometry::rdr2geo(g, line, sample, flat, r) == Status::Ok) {
    geometry::TargetView v;
    if (geometry::viewFromTarget(g, r.llh, v) == Status::Ok) inc = v.incidenceDeg;
    double sp;
    if (geometry::azimuthGroundSpacing(g, g.time(line), g.range(sample), 0.0, sp) == Status::Ok) daz = sp;
  }
  const double dgr = g.grid().rangePixelSpacing / std::sin(inc * M_PI / 180.0);
  return 0.5 * static_cast<double>(w) * std::max(daz, dgr);
}
}  // namespace

StepResult stepAnalysis(Context& ctx) {
  ctx.loadMaster();
  auto logger = log::get("analysis");
  const json meta = json::parse(io::readTextFile(ctx.run + "/timeseries/timeseries.json"));
  std::vector<DateTime> dates;
  for (const auto& d : meta.at("dates")) dates.push_back(DateTime::parse(d.get<std::string>()));
  const std::vector<std::string> platforms = meta.at("platforms").get<std::vector<std::string>>();
  const std::vector<std::string> ids = meta.at("ids").get<std::vector<std::string>>();
  const GeoStack los(ctx.run + "/geo/los.tif"), az(ctx.run + "/geo/azimuth.tif"), slos(ctx.run + "/geo/los_sigma.tif"),
      saz(ctx.run + "/geo/azimuth_sigma.tif"), rates(ctx.run + "/geo/rates.tif");
  const std::size_t nd = dates.size();
  fs::create_directories(ctx.run + "/analysis");
  json summary;
  summary["dates"] = json::array();
  for (const auto& d : dates) summary["dates"].push_back(d.isoDate());
  summary["platforms"] = platforms;

  // Truth (simulated stacks only).
  json truth;
  const bool haveTruth = !ctx.stack.truthDir.empty() && fs::exists(ctx.stack.truthDir + "/truth.json");
  if (haveTruth) truth = json::parse(io::readTextFile(ctx.stack.truthDir + "/truth.json"));

  // Points: configured, else the truth's P1–P4, else the fastest pixel.
  std::vector<NamedPoint> pts = ctx.points;
  if (pts.empty() && haveTruth)
    for (const auto& p : truth.at("points")) pts.push_back({p.at("name"), p.at("lon"), p.at("lat")});
  const std::size_t allBand = rates.names.size() ? static_cast<std::size_t>(std::find(rates.names.begin(), rates.names.end(), "los_all") - rates.names.begin()) : 0;
  if (pts.empty()) {
    double best = 0;
    NamedPoint p{"fastest", 0, 0};
    const auto& r = rates.bands[std::min(allBand, rates.bands.size() - 1)];
    for (std::int64_t i = 0; i < r.length(); ++i)
      for (std::int64_t j = 0; j < r.width(); ++j)
        if (std::isfinite(r(i, j)) && static_cast<double>(std::abs(r(i, j))) > best) {
          best = static_cast<double>(std::abs(r(i, j)));
          p.lon = rates.grid.x(static_cast<double>(j));
          p.lat = rates.grid.y(static_cast<double>(i));
        }
    pts.push_back(p);
  }
  struct PointSeries {
    NamedPoint p;
    std::vector<double> los, az, slos, saz;
  };
  std::vector<PointSeries> series;
  std::ostringstream csv;
  csv << "point,lon,lat,date,los_m,los_sigma_m,az_m,az_sigma_m\n";
  for (const auto& p : pts) {
    PointSeries s{p, {}, {}, {}, {}};
    for (std::size_t k = 0; k < nd; ++k) {
      s.los.push_back(los.mean(k, p.lon, p.lat, ctx.pointRadiusM));
      s.az.push_back(az.mean(k, p.lon, p.lat, ctx.pointRadiusM));
      s.slos.push_back(slos.mean(k, p.lon, p.lat, ctx.pointRadiusM));  // mean σ: errors taken as correlated
      s.saz.push_back(saz.mean(k, p.lon, p.lat, ctx.pointRadiusM));
      csv << p.name << "," << p.lon << "," << p.lat << "," << dates[k].isoDate() << "," << s.los.back() << "," << s.slos.back()
          << "," << s.az.back() << "," << s.saz.back() << "\n";
    }
    series.push_back(std::move(s));
  }
  io::writeFileAtomic(ctx.run + "/analysis/points.csv", csv.str());
  // The analysed point: "P2" if present, else the one with the largest final |LOS|.
  std::size_t main = 0;
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (series[i].p.name == "P2") { main = i; break; }
    if (std::abs(series[i].los.back()) > std::abs(series[main].los.back())) main = i;
  }
  const auto& ms = series[main];
  summary["main_point"] = ms.p.name;
  json jpts = json::array();
  for (const auto& s : series) {
    json jp = {{"name", s.p.name}, {"lon", s.p.lon}, {"lat", s.p.lat}, {"los_m", json::array()}, {"az_m", json::array()},
               {"los_sigma_m", json::array()}, {"az_sigma_m", json::array()}};
    for (std::size_t k = 0; k < nd; ++k) {
      jp["los_m"].push_back(num(s.los[k]));
      jp["az_m"].push_back(num(s.az[k]));
      jp["los_sigma_m"].push_back(num(s.slos[k]));
      jp["az_sigma_m"].push_back(num(s.saz[k]));
    }
    jpts.push_back(jp);
  }
  summary["points"] = jpts;

  // Creep stages (LOS at the main point).
  std::vector<double> sig = ms.slos;
  for (auto& v : sig) if (!std::isfinite(v) || v <= 0) v = 0.05;
  json jst = json::object();
  analysis::StageFit fit;
  bool haveFit = false;
  try {
    fit = analysis::fitStages(dates, ms.los, sig);
    haveFit = true;
    json st = json::array(), bp = json::array();
    for (const auto& s : fit.stages)
      st.push_back({{"start", s.start.isoDate()}, {"end", s.end.isoDate()}, {"rate_mm_per_day", s.rate},
                    {"rate_sigma_mm_per_day", s.rateSigma}, {"rate_low", s.rateLow}, {"rate_high", s.rateHigh},
                    {"points", s.nPoints}, {"creep", analysis::toString(s.creep)}, {"label", analysis::toString(s.label)},
                    {"spans_gap", s.spansDataGap}});
    for (const auto& b : fit.breakpoints)
      bp.push_back({{"date", b.date.isoDate()}, {"sigma_days", num(b.sigmaDays)}, {"low", b.low.isoDate()},
                    {"high", b.high.isoDate()}, {"in_gap", b.inDataGap}});
    jst = {{"stages", st}, {"breakpoints", bp}};
    if (fit.hasAcceleration()) jst["acceleration_onset"] = fit.onset().isoDate();
    json model = json::array();
    for (const auto& d : dates) model.push_back(fit.evaluate(d));
    jst["model_m"] = model;
  } catch (const Error& e) {
    jst = {{"error", e.what()}};
  }
  summary["stages"] = jst;

  // Failure forecast (inverse velocity on the last accelerating stage) and its evolution.
  json jf = json::object();
  if (haveFit && !fit.stages.empty()) {
    const DateTime fitStart = fit.stages.back().start;
    const auto f = analysis::forecastFailure(dates, ms.los, sig, fitStart, dates.back());
    jf = {{"valid", f.valid}, {"reason", f.reason}, {"as_of", f.asOf.isoDate()}, {"fit_start", fitStart.isoDate()},
          {"failure", f.valid ? json(f.failure.isoDate()) : json(nullptr)}, {"low", f.valid ? json(f.low.isoDate()) : json(nullptr)},
          {"high", f.valid && !f.upperUnbounded ? json(f.high.isoDate()) : json(nullptr)}, {"lead_days", f.leadDays},
          {"last_velocity_mm_per_day", f.lastVelocity}, {"points", f.nPoints}};
    const auto ev = analysis::forecastEvolution(dates, ms.los, sig, fitStart);
    json rows = json::array();
    for (const auto& r : ev)
      rows.push_back({{"as_of", r.asOf.isoDate()}, {"valid", r.forecast.valid},
                      {"failure", r.forecast.valid ? json(r.forecast.failure.isoDate()) : json(nullptr)},
                      {"alert", analysis::toString(r.alert)}, {"velocity_mm_per_day", r.forecast.lastVelocity}});
    jf["evolution"] = rows;
    const auto vs = analysis::velocities(dates, ms.los, sig);
    json inv = json::array();
    for (std::size_t i = 0; i < vs.v.size(); ++i)
      inv.push_back({{"date", vs.epoch.plusSeconds(vs.days[i] * 86400.0).isoDate()}, {"velocity_mm_per_day", vs.v[i]}});
    jf["velocities"] = inv;
    if (haveTruth) jf["true_failure"] = truth.value("failure_date", "");
  }
  summary["forecast"] = jf;

  // Backscatter (soil-moisture proxy): σ0 over the slide and over stable ground, per date.
  json jb = json::object();
  {
    io::RasterReader rr(ctx.run + "/timeseries/rates.tif");
    int bandAll = 1;
    for (std::size_t b = 0; b < rr.info().bandNames.size(); ++b)
      if (rr.info().bandNames[b] == "los_all") bandAll = static_cast<int>(b) + 1;
    const auto rate = rr.readAll<float>(bandAll);
    const auto& gj = meta.at("grid");
    const std::int64_t row0 = gj.at("row0"), col0 = gj.at("col0"), step = gj.at("step");
    std::vector<double> slideDb, stableDb;
    for (std::size_t k = 0; k < nd; ++k) {
      const auto& sc = ctx.stack.scene(ids[k]);
      io::RasterReader sr(coreg::sceneProducts(ctx.run, ids[k]).slc);
      const auto img = sr.readAll<cfloat>();
      double ps = 0, ns = 0, pst = 0, nst = 0;
      for (std::int64_t i = 0; i < rate.length(); ++i)
        for (std::int64_t j = 0; j < rate.width(); ++j) {
          const float v = rate(i, j);
          if (!std::isfinite(v)) continue;
          const bool slide = std::abs(v) > 0.5f, stable = std::abs(v) < 0.1f;
          if (!slide && !stable) continue;
          double p = 0;
          std::int64_t n = 0;
          const std::int64_t ci = row0 + i * step, cj = col0 + j * step;
          for (std::int64_t a = ci - step / 2; a < ci + step / 2; ++a)
            for (std::int64_t b = cj - step / 2; b < cj + step / 2; ++b)
              if (a >= 0 && b >= 0 && a < img.length() && b < img.width() && img(a, b) != cfloat(0, 0)) {
                p += static_cast<double>(std::norm(img(a, b)));
                ++n;
              }
          if (n == 0) continue;
          if (slide) { ps += p / static_cast<double>(n); ns += 1; }
          else { pst += p / static_cast<double>(n); nst += 1; }
        }
      const double cal = sc.calibrationConstantDb.value_or(0.0);
      slideDb.push_back(ns > 0 ? 10 * std::log10(ps / ns) + cal : std::nan(""));
      stableDb.push_back(nst > 0 ? 10 * std::log10(pst / nst) + cal : std::nan(""));
    }
    try {
      const auto bs = analysis::backscatterProxy(dates, slideDb, stableDb, platforms);
      std::ostringstream bcsv;
      bcsv << "date,platform,sigma0_slide_db,sigma0_stable_db,proxy_db\n";
      json rows = json::array();
      for (std::size_t k = 0; k < nd; ++k) {
        bcsv << dates[k].isoDate() << "," << platforms[k] << "," << bs.slideDb[k] << "," << bs.stableDb[k] << "," << bs.proxyDb[k] << "\n";
        rows.push_back({{"date", dates[k].isoDate()}, {"slide_db", num(bs.slideDb[k])}, {"stable_db", num(bs.stableDb[k])},
                        {"proxy_db", num(bs.proxyDb[k])}});
      }
      io::writeFileAtomic(ctx.run + "/analysis/backscatter.csv", bcsv.str());
      jb["series"] = rows;
      jb["platform_offset_db"] = bs.platformOffsetDb;
      // Triggers.
      if (!ctx.stack.precipitation.empty()) {
        const auto pr = analysis::readPrecipCsv(ctx.stack.precipitation);
        const auto ir = analysis::intervalRates(dates, ms.los);
        std::vector<double> speed(ir.rate.size());
        for (std::size_t i = 0; i < speed.size(); ++i) speed[i] = -ir.rate[i];  // mm/day away from the sensor
        std::vector<double> base;
        if (haveFit) {
          base = analysis::stageBaselineRates(fit, ir.start, ir.end);
          for (auto& b : base) b = -b;
        }
        const auto tr = analysis::correlateIntervals(ir.start, ir.end, speed, pr, {}, base);
        const auto ts = analysis::correlateSamples(dates, bs.proxyDb, pr);
        auto toJ = [](const analysis::TriggerCorrelation& c) {
          json lags = json::array();
          for (const auto& l : c.lags) lags.push_back({{"lag_months", l.lagMonths}, {"r", l.r}, {"n", l.n}, {"n_eff", l.nEff}, {"p", l.p}});
          return json{{"best_lag_months", c.bestLagMonths}, {"best_r", c.bestR}, {"best_p", c.bestP},
                      {"best_p_bonferroni", c.bestPBonferroni}, {"significant", c.significant}, {"lags", lags}};
        };
        json trig = {{"rate_vs_precipitation", toJ(tr)}, {"sigma0_vs_precipitation", toJ(ts)}};
        json months = json::array();
        for (std::size_t i = 0; i < pr.size(); ++i) months.push_back({{"month", pr.monthStart(i).isoDate().substr(0, 7)}, {"mm", num(pr.mm[i])}});
        trig["precipitation"] = months;
        if (haveTruth) trig["true_lag_months"] = truth.value("deformation_lag_months", 0.0);
        summary["triggers"] = trig;
      }
    } catch (const Error& e) {
      jb["error"] = e.what();
    }
  }
  summary["backscatter"] = jb;

  // 3-D motion at the points (surface-parallel assumption; slope/aspect from the DEM).
  {
    const io::DemData dd = io::loadDem(ctx.stack.dem);
    const geometry::Dem dem(dd.heights, dd.grid);
    json m3 = json::array();
    for (const auto& s : series) {
      double h, slope, aspect;
      const double lon = s.p.lon * kDeg, lat = s.p.lat * kDeg;
      if (dem.height(lon, lat, h) != Status::Ok || dem.slopeAspect(lon, lat, slope, aspect) != Status::Ok) continue;
      geometry::TargetView v;
      if (geometry::viewFromTarget(ctx.masterGeometry, {lon, lat, h}, v) != Status::Ok) continue;
      const double sl = std::isfinite(s.slos.back()) ? s.slos.back() : 0.5, sa = std::isfinite(s.saz.back()) ? s.saz.back() : 0.5;
      const auto m = analysis::solveOnSlope(analysis::losProjection(v.losEnu, s.los.back(), sl),
                                            analysis::azimuthProjection(v.flightEnu, s.az.back(), sa), slope, aspect);
      json jm = {{"name", s.p.name}, {"valid", m.valid}, {"east_m", m.enu.x()}, {"north_m", m.enu.y()}, {"up_m", m.enu.z()},
                 {"downslope_m", m.downslope}, {"sigma_downslope_m", m.sigmaDownslope}, {"magnitude_m", m.magnitude},
                 {"sigma_magnitude_m", m.sigmaMagnitude}, {"slope_deg", slope}, {"aspect_deg", aspect}};
      if (haveTruth)
        for (const auto& tp : truth.at("points"))
          if (tp.at("name") == s.p.name) jm["true_downslope_m"] = tp.at("final_downslope_m");
      m3.push_back(jm);
    }
    summary["motion3d"] = m3;
  }

  // Per-pixel acceleration onset (stage fit of the cumulative LOS) and alert level (the points' rule:
  // analysis::alertLevel on the inverse-velocity forecast from the pixel's onset). docs/analysis.md §3.4, §7.
  Raster<float> onsetYearMap;  // decimal year, NaN: no onset (kept for the truth comparison)
  {
    const analysis::StageMapParams sp;
    const auto sm = analysis::stageMaps(dates, los.bands, slos.bands, sp);
    analysis::AlertMapParams ap;
    ap.requireOnset = true;  // a 1/v trend only where the stage fit found acceleration (noise on stable ground otherwise)
    const auto am = analysis::alertMaps(dates, los.bands, slos.bands, sm.onsetDays, ap);
    const float nanf = std::numeric_limits<float>::quiet_NaN();
    Raster<float> alert(am.alert.length(), am.alert.width(), nanf), segments = sm.segments;
    for (std::size_t k = 0; k < alert.size(); ++k) {
      int valid = 0;
      for (const auto& b : los.bands) valid += std::isfinite(b.data()[k]) ? 1 : 0;
      if (valid >= sp.minValidDates && am.alert.data()[k] != 255) alert.data()[k] = static_cast<float>(am.alert.data()[k]);
    }
    Raster<float> velocity = am.velocity;
    for (std::size_t k = 0; k < velocity.size(); ++k)
      if (!std::isfinite(alert.data()[k])) velocity.data()[k] = nanf;
    const Raster<float> onsetYear = toDecimalYear(sm.onsetDays, sm.epoch), failureYear = toDecimalYear(am.failureDays, am.epoch);
    onsetYearMap = onsetYear;
    const std::map<std::string, std::string> common = {
        {"FIRST_DATE", dates.front().isoDate()}, {"LAST_DATE", dates.back().isoDate()},
        {"MIN_VALID_DATES", std::to_string(sp.minValidDates)}, {"MAX_SEGMENTS", std::to_string(sp.stage.maxSegments)}};
    auto mdOnset = common;
    mdOnset["NOTE"] = "acceleration_onset: start of the first accelerating (tertiary) stage of the cumulative LOS, decimal year; "
                      "NaN: no accelerating stage or fewer valid dates than MIN_VALID_DATES";
    {
      std::ostringstream rule;
      rule << "rate increase >= " << sp.stage.accelMinRatio << " x and z >= " << sp.stage.accelMinZ << " (sigma as a lower bound), >= "
           << sp.stage.minOnsetPoints << " acquisitions on both sides, free level offset at data gaps (a jump across a gap is no rate change)";
      mdOnset["ONSET_RULE"] = rule.str();
    }
    writeMap(ctx.run + "/analysis/onset.tif", los.grid, {&onsetYear, &sm.lastRate, &segments},
             {{"acceleration_onset", "decimal year"}, {"last_stage_rate", "mm/day"}, {"segments", "count"}}, mdOnset);
    auto mdAlert = common;
    mdAlert["ALERT_LEVELS"] = "0 normal, 1 watch, 2 warning, 3 alarm";
    {
      std::ostringstream rule;
      rule << "watch: v >= " << ap.alerts.watchVelocity << " mm/day or a significant 1/v trend; warning: v >= "
           << ap.alerts.warningVelocity << " mm/day or trend with lead <= " << ap.alerts.warningLeadDays << " d; alarm: v >= "
           << ap.alerts.alarmVelocity << " mm/day or trend with lead <= " << ap.alerts.alarmLeadDays << " d";
      mdAlert["ALERT_RULE"] = rule.str();
    }
    writeMap(ctx.run + "/analysis/alert.tif", los.grid, {&alert, &velocity, &failureYear},
             {{"alert_level", "level"}, {"velocity", "mm/day"}, {"forecast_failure", "decimal year"}}, mdAlert);
    // Summary: counts per level, the maps at the points.
    json jm = {{"onset", "analysis/onset.tif"}, {"alert", "analysis/alert.tif"}};
    std::array<std::int64_t, 4> counts{};
    std::int64_t withOnset = 0;
    for (std::size_t k = 0; k < alert.size(); ++k) {
      if (std::isfinite(alert.data()[k])) ++counts[static_cast<std::size_t>(alert.data()[k])];
      if (std::isfinite(onsetYear.data()[k])) ++withOnset;
    }
    for (std::size_t l = 0; l < counts.size(); ++l)
      jm["alert_pixels"][analysis::toString(static_cast<analysis::AlertLevel>(l))] = counts[l];
    jm["onset_pixels"] = withOnset;
    const GeoStack om(ctx.run + "/analysis/onset.tif"), alm(ctx.run + "/analysis/alert.tif");
    json atp = json::array();
    for (const auto& s : series) {
      const double oy = om.at(0, s.p.lon, s.p.lat), al = alm.at(0, s.p.lon, s.p.lat);
      atp.push_back({{"name", s.p.name}, {"onset_decimal_year", num(oy)},
                     {"alert", std::isfinite(al) ? json(analysis::toString(static_cast<analysis::AlertLevel>(std::lround(al)))) : json(nullptr)}});
    }
    jm["at_points"] = atp;
    summary["pixel_maps"] = jm;
  }

  // Rates at the main point per window (from the rate map) and the comparison tables.
  json jr = json::object();
  for (std::size_t b = 0; b < rates.names.size(); ++b) jr[rates.names[b]] = num(rates.at(b, ms.p.lon, ms.p.lat));
  summary["rates_main_point_m_per_yr"] = jr;

  if (haveTruth) {
    // True series at the points.
    std::map<std::string, std::vector<double>> tlos, taz;
    {
      std::istringstream in(io::readTextFile(ctx.stack.truthDir + "/points.csv"));
      std::string line;
      std::getline(in, line);
      while (std::getline(in, line)) {
        std::stringstream ls(line);
        std::string name, date, a, b;
        std::getline(ls, name, ',');
        std::getline(ls, date, ',');
        std::getline(ls, a, ',');
        std::getline(ls, b, ',');
        tlos[name].push_back(std::stod(a));
        taz[name].push_back(std::stod(b));
      }
    }
    json cmp = json::object();
    json rows = json::array();
    auto rel = [](double m, double t) { return std::abs(t) > 1e-9 ? std::abs(m - t) / std::abs(t) : std::nan(""); };
    auto seriesFor = [&](const std::string& n) -> const PointSeries* {
      for (const auto& s : series) if (s.p.name == n) return &s;
      return nullptr;
    };
    auto addRow = [&](const std::string& q, const std::string& paper, double measured, double tru, const std::string& target,
                      bool pass) {
      rows.push_back({{"quantity", q}, {"paper", paper}, {"measured", num(measured)}, {"truth", num(tru)}, {"target", target},
                      {"pass", pass}});
    };
    const auto* p2 = seriesFor("P2");
    const auto* p4 = seriesFor("P4");
    if (p2 && tlos.count("P2")) {
      const double m = p2->los.back(), t = tlos["P2"].back();
      addRow("max cumulative LOS at P2 (m)", "-60.2", m, t, "within 5 % of the truth", rel(m, t) <= 0.05);
      const double ma = p2->az.back(), ta = taz["P2"].back();
      addRow("cumulative azimuth at P2 (m)", "+12.6", ma, ta, "within 10 % of the truth", rel(ma, ta) <= 0.10);
      // Mean rates per platform period (LS slope over the period's dates, same definition for both).
      for (const auto& w : meta.at("windows")) {
        const std::string name = w.at("name");
        if (name == "all") continue;
        const DateTime a = DateTime::parse(w.at("start").get<std::string>()), b = DateTime::parse(w.at("end").get<std::string>());
        const double ml = lsSlopePerYear(dates, p2->los, a, b), tl = lsSlopePerYear(dates, tlos["P2"], a, b);
        const double mz = lsSlopePerYear(dates, p2->az, a, b), tz = lsSlopePerYear(dates, taz["P2"], a, b);
        const std::string paperL = name == "PALSAR-1" ? "-2.7" : name == "PALSAR-2" ? "-9.3" : "";
        const std::string paperA = name == "PALSAR-1" ? "0.6" : name == "PALSAR-2" ? "1.9" : "";
        addRow("mean LOS rate at P2, " + name + " period (m/yr)", paperL, ml, tl, "within 10 % of the truth", rel(ml, tl) <= 0.10);
        addRow("mean azimuth rate at P2, " + name + " period (m/yr)", paperA, mz, tz, "within 10 % of the truth", rel(mz, tz) <= 0.10);
      }
    }
    // Creep stages at P2 against the simulated stages (truth/stages.csv: start, end, nominal rate).
    if (p2 && haveFit && ms.p.name == "P2" && fs::exists(ctx.stack.truthDir + "/stages.csv")) {
      std::vector<DateTime> tBreaks;
      std::vector<double> tRates;
      DateTime tOnset;
      bool haveOnset = false;
      std::istringstream in(io::readTextFile(ctx.stack.truthDir + "/stages.csv"));
      std::string line;
      std::getline(in, line);
      while (std::getline(in, line)) {
        std::stringstream ls(line);
        std::string a, b, nominal;
        std::getline(ls, a, ',');
        std::getline(ls, b, ',');
        std::getline(ls, nominal, ',');
        if (!tRates.empty()) tBreaks.push_back(DateTime::parse(a));
        tRates.push_back(std::stod(nominal));
        if (!haveOnset && line.find("acceleration") != std::string::npos) { tOnset = DateTime::parse(a); haveOnset = true; }
      }
      // "Within one acquisition interval": between the acquisitions either side of the true date (an
      // acquisition on that day, at its time of day, is the date itself).
      auto bracket = [&](const DateTime& when, DateTime& lo, DateTime& hi) {
        lo = dates.front();
        hi = dates.back();
        for (const auto& d : dates) {
          const double dd = d.secondsSince(when) / 86400.0;
          if (dd < -0.5) lo = d;
          if (dd > 0.5) { hi = d; break; }
        }
      };
      const auto& bps = fit.breakpoints;
      double worstDays = 0, worstRate = 0;
      const bool sameB = bps.size() == tBreaks.size(), okR = fit.stages.size() == tRates.size();
      bool okB = sameB;
      for (std::size_t j = 0; sameB && j < bps.size(); ++j) {
        DateTime lo, hi;
        bracket(tBreaks[j], lo, hi);
        worstDays = std::max(worstDays, std::abs(bps[j].date.secondsSince(tBreaks[j])) / 86400.0);
        okB = okB && bps[j].date >= lo && bps[j].date <= hi;
      }
      for (std::size_t j = 0; okR && j < tRates.size(); ++j) worstRate = std::max(worstRate, rel(std::abs(fit.stages[j].rate), tRates[j]));
      addRow("creep-stage breakpoints at P2: " + std::to_string(bps.size()) + " of " + std::to_string(tBreaks.size()) + ", largest error (days)",
             "2010-01-10, 2015-07-27, 2016-10-03, 2018-05-28", sameB ? worstDays : std::nan(""), 0.0,
             "each within one acquisition interval", okB);
      addRow("creep-stage rates at P2: largest relative error", "6, 10, 17, 35, 92 mm/day", okR ? worstRate : std::nan(""), 0.0,
             "<= 15 % (LOS magnitude)", okR && worstRate <= 0.15);
      // Onset of acceleration over the slide polygon: the median date, between the acquisition before
      // the true onset and the next true breakpoint (per pixel the first rate change is often merged
      // with the second; docs/analysis.md §7).
      const std::string polyPath = ctx.stack.truthDir + "/landslide.geojson";
      if (haveOnset && onsetYearMap.size() > 0 && fs::exists(polyPath)) {
        const auto inside = analysis::rasterizePolygon(los.grid, analysis::readGeoJsonPolygons(polyPath));
        std::vector<double> on;
        std::int64_t slidePixels = 0;
        for (std::size_t k = 0; k < inside.size(); ++k) {
          if (!inside.data()[k] || !std::isfinite(los.bands.back().data()[k])) continue;
          ++slidePixels;
          if (std::isfinite(onsetYearMap.data()[k])) on.push_back(onsetYearMap.data()[k]);
        }
        if (!on.empty()) {
          std::nth_element(on.begin(), on.begin() + static_cast<long>(on.size() / 2), on.end());
          const double med = on[on.size() / 2];
          DateTime lo, hi, next = dates.back();
          bracket(tOnset, lo, hi);
          for (const auto& b : tBreaks) if (b > tOnset) { next = b; break; }
          addRow("acceleration onset over the slide: median of " + std::to_string(on.size()) + "/" + std::to_string(slidePixels) +
                     " pixels (decimal year)",
                 "2015-07-27", med, tOnset.decimalYear(), "between " + lo.isoDate() + " and " + next.isoDate(),
                 med >= lo.decimalYear() && med <= next.decimalYear());
        }
      }
    }
    for (const auto& m : summary["motion3d"])
      if (m.at("name") == "P2" && m.contains("true_downslope_m")) {
        // The truth is |u| of the surface-parallel motion; so is the estimate (not its steepest-descent component).
        const double mm = m.at("valid").get<bool>() ? m.at("magnitude_m").get<double>() : std::nan(""), tt = m.at("true_downslope_m");
        addRow("downslope displacement at P2 (m)", "-", mm, tt, "within 10 % of the truth", rel(mm, tt) <= 0.10);
      }
    if (p4 && tlos.count("P4")) {
      const double m = p4->los.back(), t = tlos["P4"].back();
      addRow("cumulative LOS at P4 (m)", "-38.8", m, t, "within 5 % of the truth", rel(m, t) <= 0.05);
      const double ma = p4->az.back(), ta = taz["P4"].back();
      addRow("cumulative azimuth at P4 (m)", "+2.5", ma, ta, "within 0.5 m of the truth", std::abs(ma - ta) <= 0.5);
    }
    // Time-series RMS at P1–P4, every date.
    double sl = 0, sa = 0;
    int n = 0;
    for (const auto& s : series) {
      if (!tlos.count(s.p.name)) continue;
      for (std::size_t k = 0; k < nd && k < tlos[s.p.name].size(); ++k) {
        if (!std::isfinite(s.los[k]) || !std::isfinite(s.az[k])) continue;
        sl += std::pow(s.los[k] - tlos[s.p.name][k], 2);
        sa += std::pow(s.az[k] - taz[s.p.name][k], 2);
        ++n;
      }
    }
    if (n > 0) {
      addRow("time series at P1-P4, RMS error LOS (m)", "Figure 3", std::sqrt(sl / n), 0.0, "< 1.0 m", std::sqrt(sl / n) < 1.0);
      addRow("time series at P1-P4, RMS error azimuth (m)", "Figure 3", std::sqrt(sa / n), 0.0, "< 1.0 m", std::sqrt(sa / n) < 1.0);
    }
    // Stable ground: RMS of the last cumulative LOS where the truth does not move within half the
    // largest chip (an estimate is the motion averaged over its chip: nearer to the slide than that,
    // a pixel sees the slide's motion by construction, whatever the noise).
    {
      io::RasterReader tr(ctx.stack.truthDir + "/displacement_map.tif");
      const auto tg = tr.info().geo;
      const auto tl = tr.readAll<float>(static_cast<int>(2 * nd - 1));
      const auto& ml = los.bands[nd - 1];
      const double bufferM = halfChipOnGround(ctx);
      const double mPerRow = std::abs(tg.dy()) * 111320.0,
                   mPerCol = std::abs(tg.dx()) * 111320.0 * std::cos(tg.y(static_cast<double>(tl.length()) / 2.0) * M_PI / 180.0);
      const auto br = static_cast<std::int64_t>(std::ceil(bufferM / mPerRow)), bc = static_cast<std::int64_t>(std::ceil(bufferM / mPerCol));
      auto movesNear = [&](std::int64_t ti, std::int64_t tj) {
        for (std::int64_t a = std::max<std::int64_t>(0, ti - br); a <= std::min(tl.length() - 1, ti + br); ++a)
          for (std::int64_t b = std::max<std::int64_t>(0, tj - bc); b <= std::min(tl.width() - 1, tj + bc); ++b)
            if (tl(a, b) != 0.0f) return true;
        return false;
      };
      double s2 = 0;
      std::int64_t cnt = 0, stableOnsets = 0;
      for (std::int64_t i = 0; i < ml.length(); ++i)
        for (std::int64_t j = 0; j < ml.width(); ++j) {
          if (!std::isfinite(ml(i, j))) continue;
          const auto ti = static_cast<std::int64_t>(std::lround(tg.row(los.grid.y(static_cast<double>(i)))));
          const auto tj = static_cast<std::int64_t>(std::lround(tg.col(los.grid.x(static_cast<double>(j)))));
          if (ti < 0 || tj < 0 || ti >= tl.length() || tj >= tl.width()) continue;
          if (movesNear(ti, tj)) continue;
          s2 += static_cast<double>(ml(i, j)) * static_cast<double>(ml(i, j));
          ++cnt;
          if (onsetYearMap.size() > 0 && std::isfinite(onsetYearMap(i, j))) ++stableOnsets;
        }
      const double rms = cnt ? std::sqrt(s2 / static_cast<double>(cnt)) : std::nan("");
      addRow("stable ground: RMS of cumulative LOS (m)", "-", rms, 0.0, "< 0.5 m", rms < 0.5);
      if (onsetYearMap.size() > 0 && cnt > 0) {
        const double pct = 100.0 * static_cast<double>(stableOnsets) / static_cast<double>(cnt);
        addRow("stable ground: pixels with an acceleration onset (%)", "-", pct, 0.0, "< 0.5 %", pct < 0.5);
      }
      cmp["stable_pixels"] = cnt;
      cmp["stable_buffer_m"] = bufferM;
    }
    cmp["rows"] = rows;
    summary["truth_comparison"] = cmp;
  }
  io::writeFileAtomic(ctx.run + "/analysis/summary.json", summary.dump(1) + "\n");
  StepResult r;
  r.outputs = {"analysis/points.csv", "analysis/summary.json", "analysis/onset.tif", "analysis/alert.tif"};
  if (fs::exists(ctx.run + "/analysis/backscatter.csv")) r.outputs.push_back("analysis/backscatter.csv");
  r.quality = {{"main_point", ms.p.name}, {"final_los_m", num(ms.los.back())}, {"final_az_m", num(ms.az.back())}};
  logger->info("main point {}: final LOS {:.2f} m, azimuth {:.2f} m", ms.p.name, ms.los.back(), ms.az.back());
  return r;
}

}  // namespace orthotrack::workflow::detail

// `orthotrack locate SCENE.json --to-radar|--to-ground POINTS.csv [-o OUT.csv] [--dem DEM]`: point
// queries between the ground (lon, lat, height) and a scene's radar geometry (azimuth UTC time,
// slant range, line, sample), CSV in and out, with a status per point.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "orthotrack/core/error.hpp"
#include "orthotrack/geometry/range_doppler.hpp"
#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/io/scene.hpp"
#include "verbs.hpp"

namespace orthotrack::cli {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// A comma-separated table: a header line, then rows of as many fields. Blank lines and lines
/// starting with '#' are skipped. Errors name the file, the line and the text.
struct Csv {
  std::string path;
  std::vector<std::string> header;  // lower case, trimmed
  std::vector<std::vector<std::string>> rows;
  std::vector<int> lineNumbers;

  static Csv read(const std::string& path) {
    Csv c;
    c.path = path;
    std::stringstream in(io::readTextFile(path));
    std::string line;
    int no = 0;
    while (std::getline(in, line)) {
      ++no;
      const std::string t = trim(line);
      if (t.empty() || t[0] == '#') continue;
      std::vector<std::string> f;
      std::stringstream ls(t);
      std::string cell;
      while (std::getline(ls, cell, ',')) f.push_back(trim(cell));
      if (t.back() == ',') f.emplace_back();
      if (c.header.empty()) {
        for (auto& h : f) c.header.push_back(lower(h));
        continue;
      }
      if (f.size() != c.header.size())
        throw InvalidInput("row has " + std::to_string(f.size()) + " fields, the header has " +
                               std::to_string(c.header.size()),
                           {path, "line " + std::to_string(no), t});
      c.rows.push_back(std::move(f));
      c.lineNumbers.push_back(no);
    }
    if (c.header.empty()) throw InvalidInput("empty points file (a header line is needed)", {path, "header", ""});
    return c;
  }
  /// Index of the first column named one of `names`, or -1.
  int column(std::initializer_list<const char*> names) const {
    for (const char* n : names)
      for (std::size_t i = 0; i < header.size(); ++i)
        if (header[i] == n) return static_cast<int>(i);
    return -1;
  }
  int require(std::initializer_list<const char*> names, const std::string& why) const {
    const int c = column(names);
    if (c < 0) {
      std::string list;
      for (const char* n : names) list += (list.empty() ? "" : " or ") + std::string(n);
      throw InvalidInput("missing column " + list + " (" + why + "); header: " + joined(), {path, "header", list});
    }
    return c;
  }
  std::string joined() const {
    std::string s;
    for (const auto& h : header) s += (s.empty() ? "" : ",") + h;
    return s;
  }
  /// The number in row r, column c: "nan" (any case) is NaN (a per-point invalid value); any other
  /// text that is not a whole number is an error naming the line and column.
  double number(std::size_t r, int c) const {
    const std::string& t = rows[r][static_cast<std::size_t>(c)];
    if (lower(t) == "nan") return kNaN;
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size())
      throw InvalidInput("not a number", {path, "line " + std::to_string(lineNumbers[r]) + ", column " + header[static_cast<std::size_t>(c)], t});
    return v;
  }
};

std::string fmt(double v, int decimals) {
  if (!std::isfinite(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// Per-point outcome, written in the `status` column.
enum class PointStatus { Ok, InvalidValue, OutOfOrbitSpan, OutsideDem, DemNoData, NoGroundIntersection, NoConvergence };
const char* toString(PointStatus s) {
  switch (s) {
    case PointStatus::Ok: return "ok";
    case PointStatus::InvalidValue: return "invalid_value";
    case PointStatus::OutOfOrbitSpan: return "out_of_orbit_span";
    case PointStatus::OutsideDem: return "outside_dem";
    case PointStatus::DemNoData: return "dem_no_data";
    case PointStatus::NoGroundIntersection: return "no_ground_intersection";
    case PointStatus::NoConvergence: return "no_convergence";
  }
  return "?";
}

class LocateVerb : public Verb {
 public:
  std::string name() const override { return "locate"; }
  std::string help() const override {
    return "Point queries: ground (lon, lat, height) <-> radar (azimuth UTC time, slant range, line, sample) of a scene, "
           "CSV in and out";
  }
  void setup(CLI::App& cmd) override {
    cmd.add_option("scene", scene_, "Scene metadata JSON")->required();
    auto* a = cmd.add_option("--to-radar", toRadar_, "CSV with lon,lat[,height][,id] (degrees, m above WGS84)");
    auto* b = cmd.add_option("--to-ground", toGround_,
                             "CSV with azimuth_time,slant_range (UTC, m) or line,sample [,height][,id]");
    a->excludes(b);
    cmd.add_option("-o,--out", out_, "Output CSV (default: standard output)");
    cmd.add_option("--dem", dem_, "DEM (any GDAL raster) for the heights; else the height column");
    cmd.add_flag("--doppler", doppler_,
                 "Use the scene's Doppler centroid LUT as the imaging geometry (default: zero Doppler)");
  }

  int run() override {
    if (toRadar_.empty() == toGround_.empty())
      throw InvalidInput("give exactly one of --to-radar POINTS.csv or --to-ground POINTS.csv", {"", "locate", ""});
    const io::SceneMetadata sc = io::readSceneMetadata(scene_);
    const geometry::SceneGeometry geom(sc.orbit, sc.grid, doppler_ ? sc.doppler : LUT2d());
    const Csv csv = Csv::read(toRadar_.empty() ? toGround_ : toRadar_);
    std::vector<PointStatus> status(csv.rows.size(), PointStatus::Ok);
    std::stringstream out;
    if (!toRadar_.empty())
      toRadar(csv, geom, out, status);
    else
      toGround(csv, geom, out, status);
    if (out_.empty())
      std::cout << out.str();
    else
      io::writeFileAtomic(out_, out.str());

    std::map<PointStatus, int> count;
    for (auto s : status) ++count[s];
    const std::size_t bad = csv.rows.size() - static_cast<std::size_t>(count[PointStatus::Ok]);
    if (bad == 0) return 0;
    std::string what;
    for (const auto& [s, n] : count)
      if (s != PointStatus::Ok) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + toString(s);
    std::cerr << "orthotrack: " << bad << " of " << csv.rows.size() << " points not located (" << what
              << "); see the status column of " << (out_.empty() ? std::string("the output") : out_) << " (" << csv.path
              << ")\n";
    // Exit code of the most basic failure: bad values 2, out of domain 4, no convergence 5.
    if (count[PointStatus::InvalidValue]) return 2;
    if (count[PointStatus::NoConvergence] &&
        bad == static_cast<std::size_t>(count[PointStatus::NoConvergence]))
      return 5;
    return 4;
  }

 private:
  /// The DEM window covering lon/lat bounds (degrees) plus a margin; nullopt without --dem.
  std::optional<geometry::Dem> loadDemAround(double lonMin, double lonMax, double latMin, double latMax) const {
    if (dem_.empty()) return std::nullopt;
    const auto ext = io::rasterBoundsLonLat(dem_);
    const double m = 0.15;  // deg: a point's footprint moves < 10 km between 0 and 9 km height
    const io::LonLatBounds want{std::max(lonMin - m, ext.lonMin), std::min(lonMax + m, ext.lonMax),
                                std::max(latMin - m, ext.latMin), std::min(latMax + m, ext.latMax)};
    if (!(want.lonMax > want.lonMin && want.latMax > want.latMin)) return geometry::Dem();  // no overlap
    io::DemData d = io::loadDem(dem_, want);
    geometry::DemOptions o;
    o.method = geometry::DemInterpolation::Bicubic;
    return geometry::Dem(std::move(d.heights), d.grid, o);
  }

  void toRadar(const Csv& csv, const geometry::SceneGeometry& geom, std::ostream& out,
               std::vector<PointStatus>& status) const {
    const int cLon = csv.require({"lon", "longitude"}, "degrees");
    const int cLat = csv.require({"lat", "latitude"}, "degrees");
    const int cH = csv.column({"height", "h"});
    const int cId = csv.column({"id", "name"});
    if (cH < 0 && dem_.empty())
      throw InvalidInput("missing column height (m above WGS84); give it or --dem", {csv.path, "header", csv.joined()});
    const std::size_t n = csv.rows.size();
    std::vector<double> lon(n), lat(n), h(n, kNaN);
    double b[4] = {1e9, -1e9, 1e9, -1e9};
    for (std::size_t k = 0; k < n; ++k) {
      lon[k] = csv.number(k, cLon);
      lat[k] = csv.number(k, cLat);
      if (cH >= 0) h[k] = csv.number(k, cH);
      if (std::isfinite(lon[k]) && std::isfinite(lat[k])) {
        b[0] = std::min(b[0], lon[k]);
        b[1] = std::max(b[1], lon[k]);
        b[2] = std::min(b[2], lat[k]);
        b[3] = std::max(b[3], lat[k]);
      }
    }
    std::optional<geometry::Dem> dem;
    if (cH < 0 && b[1] >= b[0]) dem = loadDemAround(b[0], b[1], b[2], b[3]);
    out << (cId >= 0 ? "id," : "") << "lon,lat,height,azimuth_time,slant_range,line,sample,in_image,status\n";
    const auto& g = geom.grid();
    double tGuess = kNaN;
    for (std::size_t k = 0; k < n; ++k) {
      PointStatus s = PointStatus::Ok;
      double t = tGuess, r = kNaN;
      if (!std::isfinite(lon[k]) || !std::isfinite(lat[k]) || std::abs(lat[k]) > 90 || (cH >= 0 && !std::isfinite(h[k]))) {
        s = PointStatus::InvalidValue;
      } else if (dem) {
        const Status ds = dem->heightDeg(lon[k], lat[k], h[k]);
        if (ds == Status::OutOfDomain || dem->isConstant()) s = PointStatus::OutsideDem;
        else if (ds != Status::Ok) s = PointStatus::DemNoData;
      }
      if (s == PointStatus::Ok) {
        const Status gs = geometry::geo2rdr(LonLatH{lon[k] * kDeg, lat[k] * kDeg, h[k]}, geom, t, r);
        if (gs == Status::OutOfDomain) s = PointStatus::OutOfOrbitSpan;
        else if (gs == Status::NoConvergence) s = PointStatus::NoConvergence;
        else if (gs != Status::Ok) s = PointStatus::InvalidValue;
      }
      status[k] = s;
      if (s == PointStatus::Ok) tGuess = t;
      else t = r = kNaN;
      const double line = s == PointStatus::Ok ? geom.line(t) : kNaN, sample = s == PointStatus::Ok ? geom.sample(r) : kNaN;
      const bool inside = line >= -0.5 && line <= static_cast<double>(g.length) - 0.5 && sample >= -0.5 &&
                          sample <= static_cast<double>(g.width) - 0.5;
      if (cId >= 0) out << csv.rows[k][static_cast<std::size_t>(cId)] << ",";
      out << fmt(lon[k], 10) << "," << fmt(lat[k], 10) << "," << fmt(h[k], 4) << ","
          << (s == PointStatus::Ok ? geom.orbit().toDateTime(t).iso(9) : std::string("nan")) << "," << fmt(r, 4) << ","
          << fmt(line, 6) << "," << fmt(sample, 6) << "," << (inside ? 1 : 0) << "," << toString(s) << "\n";
    }
  }

  void toGround(const Csv& csv, const geometry::SceneGeometry& geom, std::ostream& out,
                std::vector<PointStatus>& status) const {
    const int cT = csv.column({"azimuth_time", "time"});
    const int cR = csv.column({"slant_range", "range"});
    const bool byTime = cT >= 0 && cR >= 0;
    const int cL = byTime ? -1 : csv.require({"line", "row"}, "azimuth line; or give azimuth_time and slant_range");
    const int cS = byTime ? -1 : csv.require({"sample", "col"}, "range sample; or give azimuth_time and slant_range");
    const int cH = csv.column({"height", "h"});
    const int cId = csv.column({"id", "name"});
    if (cH < 0 && dem_.empty())
      throw InvalidInput("missing column height (m above WGS84); give it or --dem", {csv.path, "header", csv.joined()});
    const std::size_t n = csv.rows.size();
    std::vector<double> t(n, kNaN), r(n, kNaN), h(n, kNaN);
    for (std::size_t k = 0; k < n; ++k) {
      if (byTime) {
        const std::string& txt = csv.rows[k][static_cast<std::size_t>(cT)];
        DateTime dt;
        if (lower(txt) != "nan") {
          if (!DateTime::tryParse(txt, dt))
            throw InvalidInput("not an ISO-8601 UTC time",
                               {csv.path, "line " + std::to_string(csv.lineNumbers[k]) + ", column azimuth_time", txt});
          t[k] = geom.orbit().toSeconds(dt);
        }
        r[k] = csv.number(k, cR);
      } else {
        t[k] = geom.time(csv.number(k, cL));
        r[k] = geom.range(csv.number(k, cS));
      }
      if (cH >= 0) h[k] = csv.number(k, cH);
    }
    // With a DEM: its window around the points located on the ellipsoid.
    std::optional<geometry::Dem> dem;
    if (!dem_.empty()) {
      double b[4] = {1e9, -1e9, 1e9, -1e9};
      const auto flat = geometry::Dem::constant(0.0);
      for (std::size_t k = 0; k < n; ++k) {
        geometry::Rdr2GeoResult res;
        if (!std::isfinite(t[k]) || !std::isfinite(r[k]) ||
            geometry::rdr2geo(t[k], r[k], geom.dopplerAt(t[k], r[k]), geom.orbit(), geom.wavelength(), geom.lookSide(),
                              flat, res) != Status::Ok)
          continue;
        b[0] = std::min(b[0], res.llh.lon / kDeg);
        b[1] = std::max(b[1], res.llh.lon / kDeg);
        b[2] = std::min(b[2], res.llh.lat / kDeg);
        b[3] = std::max(b[3], res.llh.lat / kDeg);
      }
      dem = b[1] >= b[0] ? loadDemAround(b[0], b[1], b[2], b[3]) : geometry::Dem();
    }
    out << (cId >= 0 ? "id," : "") << "azimuth_time,slant_range,line,sample,lon,lat,height,status\n";
    const auto& orb = geom.orbit();
    for (std::size_t k = 0; k < n; ++k) {
      PointStatus s = PointStatus::Ok;
      geometry::Rdr2GeoResult res;
      if (!std::isfinite(t[k]) || !(r[k] > 0) || (!dem && !std::isfinite(h[k]))) {
        s = PointStatus::InvalidValue;
      } else if (!orb.covers(t[k], t[k])) {
        s = PointStatus::OutOfOrbitSpan;
      } else {
        const geometry::Dem flatH = dem ? geometry::Dem() : geometry::Dem::constant(h[k]);
        const geometry::Dem& d = dem ? *dem : flatH;
        const bool haveDem = dem && !dem->isConstant();
        const Status rs = (dem && !haveDem)
                              ? Status::OutOfDomain
                              : geometry::rdr2geo(t[k], r[k], geom.dopplerAt(t[k], r[k]), orb, geom.wavelength(),
                                                  geom.lookSide(), d, res);
        if (rs == Status::NoConvergence) {
          s = PointStatus::NoConvergence;
        } else if (rs == Status::InvalidValue) {
          s = dem ? PointStatus::DemNoData : PointStatus::InvalidValue;
        } else if (rs == Status::OutOfDomain) {
          // Off the DEM, or no intersection with the Earth at all at this range?
          geometry::Rdr2GeoResult flatRes;
          const bool ground = geometry::rdr2geo(t[k], r[k], geom.dopplerAt(t[k], r[k]), orb, geom.wavelength(),
                                                geom.lookSide(), geometry::Dem::constant(0.0), flatRes) == Status::Ok;
          s = (dem && ground) ? PointStatus::OutsideDem : PointStatus::NoGroundIntersection;
        }
      }
      status[k] = s;
      const bool ok = s == PointStatus::Ok;
      if (cId >= 0) out << csv.rows[k][static_cast<std::size_t>(cId)] << ",";
      out << (std::isfinite(t[k]) ? orb.toDateTime(t[k]).iso(9) : std::string("nan")) << "," << fmt(r[k], 4) << ","
          << fmt(std::isfinite(t[k]) ? geom.line(t[k]) : kNaN, 6) << "," << fmt(geom.sample(r[k]), 6) << ","
          << fmt(ok ? res.llh.lon / kDeg : kNaN, 10) << "," << fmt(ok ? res.llh.lat / kDeg : kNaN, 10) << ","
          << fmt(ok ? res.llh.h : kNaN, 4) << "," << toString(s) << "\n";
    }
  }

  std::string scene_, toRadar_, toGround_, out_, dem_;
  bool doppler_ = false;
};

}  // namespace

std::unique_ptr<Verb> makeLocateVerb() { return std::make_unique<LocateVerb>(); }

}  // namespace orthotrack::cli

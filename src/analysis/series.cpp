#include "orthotrack/analysis/series.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "orthotrack/core/error.hpp"

namespace orthotrack::analysis {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void checkStack(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& values,
                const std::vector<Raster<float>>& sigma) {
  if (dates.empty()) throw InvalidInput("no dates", {"", "dates", "0"});
  if (values.size() != dates.size())
    throw InvalidInput("one raster per date is needed", {"", "values", std::to_string(values.size()) + " rasters for " + std::to_string(dates.size()) + " dates"});
  if (!sigma.empty() && sigma.size() != dates.size())
    throw InvalidInput("sigma must be empty or hold one raster per date", {"", "sigma", std::to_string(sigma.size())});
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (values[k].length() != values[0].length() || values[k].width() != values[0].width())
      throw InvalidInput("rasters differ in size", {"", "values[" + std::to_string(k) + "]",
                         std::to_string(values[k].length()) + "x" + std::to_string(values[k].width())});
    if (!sigma.empty() && (sigma[k].length() != values[0].length() || sigma[k].width() != values[0].width()))
      throw InvalidInput("sigma raster differs in size from the values", {"", "sigma[" + std::to_string(k) + "]",
                         std::to_string(sigma[k].length()) + "x" + std::to_string(sigma[k].width())});
  }
}
}  // namespace

void PolygonAverageParams::validate() const {
  if (minPixels < 1) throw InvalidInput("must be >= 1", {"", "polygon_average.min_pixels", std::to_string(minPixels)});
}

Series pointSeries(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& values,
                   const std::vector<Raster<float>>& sigma, std::int64_t row, std::int64_t col) {
  checkStack(dates, values, sigma);
  if (row < 0 || col < 0 || row >= values[0].length() || col >= values[0].width())
    throw OutOfDomain("pixel outside the rasters", {"", "row,col", std::to_string(row) + "," + std::to_string(col)});
  Series s;
  s.dates = dates;
  for (std::size_t k = 0; k < dates.size(); ++k) {
    const double v = values[k](row, col);
    s.values.push_back(std::isfinite(v) ? v : kNaN);
    s.sigma.push_back(sigma.empty() ? kNaN : static_cast<double>(sigma[k](row, col)));
    s.count.push_back(std::isfinite(v) ? 1 : 0);
  }
  return s;
}

Series polygonAverage(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& values,
                      const std::vector<Raster<float>>& sigma, const Raster<std::uint8_t>& mask,
                      const PolygonAverageParams& params) {
  params.validate();
  checkStack(dates, values, sigma);
  if (mask.length() != values[0].length() || mask.width() != values[0].width())
    throw InvalidInput("mask differs in size from the rasters", {"", "mask", std::to_string(mask.length()) + "x" + std::to_string(mask.width())});
  Series s;
  s.dates = dates;
  for (std::size_t k = 0; k < dates.size(); ++k) {
    double sum = 0, sum2 = 0, sSig = 0, sSig2 = 0;
    int n = 0, nSig = 0;
    for (std::size_t i = 0; i < mask.size(); ++i) {
      if (!mask.data()[i]) continue;
      const double v = values[k].data()[i];
      if (!std::isfinite(v)) continue;
      sum += v; sum2 += v * v; ++n;
      if (!sigma.empty()) {
        const double e = sigma[k].data()[i];
        if (std::isfinite(e)) { sSig += e; sSig2 += e * e; ++nSig; }
      }
    }
    s.count.push_back(n);
    if (n < params.minPixels || n == 0) { s.values.push_back(kNaN); s.sigma.push_back(kNaN); continue; }
    const double mean = sum / n;
    s.values.push_back(mean);
    double sig = kNaN;
    if (nSig > 0) {
      sig = params.sigmaRule == AverageSigma::MeanOfSigma ? sSig / nSig : std::sqrt(sSig2) / nSig;
    } else if (params.sigmaRule == AverageSigma::StandardError && n > 1) {
      const double var = std::max(0.0, (sum2 - n * mean * mean) / (n - 1));
      sig = std::sqrt(var / n);
    }
    s.sigma.push_back(sig);
  }
  return s;
}

bool pointInRing(double x, double y, const Ring& ring) {
  bool inside = false;
  const std::size_t n = ring.size();
  if (n < 3) return false;
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const double xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
    if ((yi > y) != (yj > y)) {
      const double xCross = xi + (y - yi) * (xj - xi) / (yj - yi);
      if (x < xCross) inside = !inside;
    }
  }
  return inside;
}

bool pointInPolygon(double x, double y, const Polygon& poly) {
  if (!pointInRing(x, y, poly.outer)) return false;
  for (const auto& h : poly.holes)
    if (pointInRing(x, y, h)) return false;
  return true;
}

bool pointInPolygon(double x, double y, const MultiPolygon& polys) {
  for (const auto& p : polys)
    if (pointInPolygon(x, y, p)) return true;
  return false;
}

Raster<std::uint8_t> rasterizePolygon(const GeoGrid& grid, const MultiPolygon& polys) {
  if (grid.length <= 0 || grid.width <= 0)
    throw InvalidInput("empty grid", {"", "grid", std::to_string(grid.length) + "x" + std::to_string(grid.width)});
  if (grid.transform[2] != 0.0 || grid.transform[4] != 0.0)
    throw InvalidInput("rotated geotransforms are not supported", {"", "grid.transform", ""});
  Raster<std::uint8_t> m(grid.length, grid.width, 0);
  for (std::int64_t r = 0; r < grid.length; ++r) {
    const double y = grid.y(static_cast<double>(r));
    for (std::int64_t c = 0; c < grid.width; ++c)
      m(r, c) = pointInPolygon(grid.x(static_cast<double>(c)), y, polys) ? 1 : 0;
  }
  return m;
}

std::array<std::int64_t, 2> nearestPixel(const GeoGrid& grid, double x, double y) {
  const double fc = grid.col(x), fr = grid.row(y);
  const auto r = static_cast<std::int64_t>(std::llround(fr)), c = static_cast<std::int64_t>(std::llround(fc));
  if (!std::isfinite(fc) || !std::isfinite(fr) || r < 0 || c < 0 || r >= grid.length || c >= grid.width) {
    std::ostringstream os;
    os.precision(10);
    os << x << "," << y;
    throw OutOfDomain("coordinate outside the grid", {"", "x,y", os.str()});
  }
  return {r, c};
}

namespace {
using nlohmann::json;

Ring parseRing(const json& j, const std::string& src, const std::string& path) {
  if (!j.is_array()) throw InvalidInput("a linear ring must be an array of positions", {src, path, j.dump().substr(0, 80)});
  Ring ring;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& p = j[i];
    const std::string pp = path + "[" + std::to_string(i) + "]";
    if (!p.is_array() || p.size() < 2 || !p[0].is_number() || !p[1].is_number())
      throw InvalidInput("a position must be [x, y] numbers", {src, pp, p.dump().substr(0, 80)});
    const double x = p[0].get<double>(), y = p[1].get<double>();
    if (!std::isfinite(x) || !std::isfinite(y)) throw InvalidInput("non-finite coordinate", {src, pp, p.dump()});
    ring.push_back({x, y});
  }
  if (ring.size() > 1 && ring.front() == ring.back()) ring.pop_back();
  if (ring.size() < 3) throw InvalidInput("a ring needs at least 3 distinct vertices", {src, path, std::to_string(ring.size())});
  return ring;
}

Polygon parsePolygon(const json& j, const std::string& src, const std::string& path) {
  if (!j.is_array() || j.empty()) throw InvalidInput("polygon coordinates must be a non-empty array of rings", {src, path, j.dump().substr(0, 80)});
  Polygon p;
  p.outer = parseRing(j[0], src, path + "[0]");
  for (std::size_t i = 1; i < j.size(); ++i) p.holes.push_back(parseRing(j[i], src, path + "[" + std::to_string(i) + "]"));
  return p;
}

void parseGeometry(const json& g, const std::string& src, const std::string& path, MultiPolygon& out) {
  if (!g.is_object() || !g.contains("type") || !g["type"].is_string())
    throw InvalidInput("a geometry object with a \"type\" is expected", {src, path + ".type", g.is_object() ? "" : g.dump().substr(0, 80)});
  const auto type = g["type"].get<std::string>();
  if (type == "Feature") {
    if (!g.contains("geometry") || g["geometry"].is_null()) throw InvalidInput("feature without geometry", {src, (path.empty() ? std::string() : path + ".") + "geometry", "null"});
    parseGeometry(g["geometry"], src, (path.empty() ? std::string() : path + ".") + "geometry", out);
    return;
  }
  if (type == "FeatureCollection") {
    if (!g.contains("features") || !g["features"].is_array()) throw InvalidInput("\"features\" must be an array", {src, path + ".features", ""});
    const auto& f = g["features"];
    for (std::size_t i = 0; i < f.size(); ++i) parseGeometry(f[i], src, (path.empty() ? std::string() : path + ".") + "features[" + std::to_string(i) + "]", out);
    return;
  }
  if (type == "GeometryCollection") {
    if (!g.contains("geometries") || !g["geometries"].is_array()) throw InvalidInput("\"geometries\" must be an array", {src, path + ".geometries", ""});
    const auto& f = g["geometries"];
    for (std::size_t i = 0; i < f.size(); ++i) parseGeometry(f[i], src, (path.empty() ? std::string() : path + ".") + "geometries[" + std::to_string(i) + "]", out);
    return;
  }
  const std::string cp = path.empty() ? "coordinates" : path + ".coordinates";
  if (!g.contains("coordinates")) throw InvalidInput("geometry without coordinates", {src, cp, ""});
  const auto& c = g["coordinates"];
  if (type == "Polygon") {
    out.push_back(parsePolygon(c, src, cp));
  } else if (type == "MultiPolygon") {
    if (!c.is_array()) throw InvalidInput("MultiPolygon coordinates must be an array of polygons", {src, cp, c.dump().substr(0, 80)});
    for (std::size_t i = 0; i < c.size(); ++i) out.push_back(parsePolygon(c[i], src, cp + "[" + std::to_string(i) + "]"));
  } else {
    throw InvalidInput("only Polygon and MultiPolygon geometries are supported", {src, (path.empty() ? "" : path + ".") + "type", type});
  }
}
}  // namespace

MultiPolygon parseGeoJsonPolygons(std::string_view text, const std::string& sourceName) {
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    throw InvalidInput(std::string("not valid JSON: ") + e.what(), {sourceName, "", std::string(text.substr(0, 60))});
  }
  MultiPolygon out;
  parseGeometry(j, sourceName, "", out);
  if (out.empty()) throw InvalidInput("no polygon found", {sourceName, "features", "0"});
  return out;
}

MultiPolygon readGeoJsonPolygons(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open GeoJSON file", {path, "", ""});
  std::ostringstream ss;
  ss << in.rdbuf();
  return parseGeoJsonPolygons(ss.str(), path);
}

}  // namespace orthotrack::analysis

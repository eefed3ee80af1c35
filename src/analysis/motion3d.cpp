#include "orthotrack/analysis/motion3d.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include <Eigen/Dense>

#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/core/tiling.hpp"

namespace orthotrack::analysis {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

Vec3 surfaceNormal(double s, double a) {
  s *= kDeg;
  a *= kDeg;
  return {std::sin(s) * std::sin(a), std::sin(s) * std::cos(a), std::cos(s)};
}
Vec3 downslopeVector(double s, double a) {
  s *= kDeg;
  a *= kDeg;
  return {std::cos(s) * std::sin(a), std::cos(s) * std::cos(a), -std::sin(s)};
}
Projection losProjection(const Vec3& l, double d, double sigma) { return {l.normalized(), d, sigma}; }
Projection azimuthProjection(const Vec3& a, double d, double sigma) { return {-a.normalized(), d, sigma}; }

void Motion3dParams::validate() const {
  if (!(maxCondition >= 1.0)) throw InvalidInput("must be >= 1", {"", "motion3d.max_condition", num(maxCondition)});
  if (!(sigmaConstraint >= 0.0)) throw InvalidInput("must be >= 0", {"", "motion3d.sigma_constraint", num(sigmaConstraint)});
  if (!(minSensitivity >= 0.0 && minSensitivity <= 1.0)) throw InvalidInput("must be in [0, 1]", {"", "motion3d.min_sensitivity", num(minSensitivity)});
}

namespace {
/// Weighted LS with rows g_i/σ_i; condition from the SVD of the row-normalised matrix (unit rows) so
/// the number measures geometry only. Constraint rows with σ = 0 are given a weight 1e6 × the largest.
Motion3d solveRows(const std::vector<Vec3>& g, const std::vector<double>& v, const std::vector<double>& s,
                   double maxCondition, const Vec3* downslope) {
  Motion3d out;
  const int m = static_cast<int>(g.size());
  Eigen::MatrixXd G(m, 3), Gn(m, 3);
  Eigen::VectorXd y(m);
  double sMin = std::numeric_limits<double>::infinity();
  for (int i = 0; i < m; ++i)
    if (s[static_cast<std::size_t>(i)] > 0) sMin = std::min(sMin, s[static_cast<std::size_t>(i)]);
  if (!std::isfinite(sMin)) sMin = 1.0;
  for (int i = 0; i < m; ++i) {
    const double si = s[static_cast<std::size_t>(i)] > 0 ? s[static_cast<std::size_t>(i)] : sMin * 1e-6;
    const Vec3& gi = g[static_cast<std::size_t>(i)];
    if (!gi.allFinite() || !std::isfinite(v[static_cast<std::size_t>(i)]) || gi.norm() == 0) return out;
    G.row(i) = gi.transpose() / si;
    Gn.row(i) = gi.transpose() / gi.norm();
    y(i) = v[static_cast<std::size_t>(i)] / si;
  }
  Eigen::JacobiSVD<Eigen::MatrixXd> svdN(Gn);
  const auto& svn = svdN.singularValues();
  out.condition = svn(svn.size() - 1) > 0 ? svn(0) / svn(svn.size() - 1) : std::numeric_limits<double>::infinity();
  if (svn.size() < 3 || !(out.condition <= maxCondition)) return out;
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(G, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::Vector3d u = svd.solve(y);
  // Covariance (GᵀG)⁻¹ = V S⁻² Vᵀ, constraint rows included.
  const Eigen::Vector3d sv = svd.singularValues();
  const Eigen::Matrix3d V = svd.matrixV();
  const Eigen::Matrix3d cov = V * sv.cwiseInverse().cwiseAbs2().asDiagonal() * V.transpose();
  out.enu = u;
  out.sigmaEnu = cov.diagonal().cwiseMax(0.0).cwiseSqrt();
  out.magnitude = u.norm();
  out.sigmaMagnitude = out.magnitude > 0 ? std::sqrt(std::max(0.0, u.dot(cov * u))) / out.magnitude : kNaN;
  if (downslope) {
    out.downslope = downslope->dot(u);
    out.sigmaDownslope = std::sqrt(std::max(0.0, downslope->dot(cov * *downslope)));
  } else {
    out.downslope = kNaN;
    out.sigmaDownslope = kNaN;
  }
  out.valid = true;
  return out;
}
}  // namespace

Motion3d solveOnSlope(const Projection& los, const Projection& az, double slopeDeg, double aspectDeg, const Motion3dParams& params) {
  params.validate();
  const Vec3 n = surfaceNormal(slopeDeg, aspectDeg), d = downslopeVector(slopeDeg, aspectDeg);
  if (params.model == SlopeModel::SurfaceParallel)
    return solveRows({los.direction, az.direction, n}, {los.value, az.value, 0.0}, {los.sigma, az.sigma, params.sigmaConstraint},
                     params.maxCondition, &d);
  // Downslope only: value_i = D (direction_i · d).
  Motion3d out;
  const double g1 = los.direction.dot(d), g2 = az.direction.dot(d);
  if (!std::isfinite(los.value) || !std::isfinite(az.value) || !std::isfinite(g1) || !std::isfinite(g2)) return out;
  const double w1 = 1.0 / (los.sigma * los.sigma), w2 = 1.0 / (az.sigma * az.sigma);
  const double info = w1 * g1 * g1 + w2 * g2 * g2;
  const double sref = std::min(los.sigma, az.sigma);
  out.condition = std::sqrt(info) * sref > 0 ? 1.0 / (std::sqrt(info) * sref) : std::numeric_limits<double>::infinity();
  if (!(std::sqrt(info) * sref >= params.minSensitivity)) return out;
  out.downslope = (w1 * g1 * los.value + w2 * g2 * az.value) / info;
  out.sigmaDownslope = std::sqrt(1.0 / info);
  out.enu = out.downslope * d;
  out.sigmaEnu = out.sigmaDownslope * d.cwiseAbs();
  out.magnitude = std::abs(out.downslope);
  out.sigmaMagnitude = out.sigmaDownslope;
  out.valid = true;
  return out;
}

Motion3d solveLeastSquares(const std::vector<Projection>& obs, const Motion3dParams& params) {
  params.validate();
  if (obs.size() < 3) throw InvalidInput("3-D least squares needs >= 3 projections", {"", "observations", std::to_string(obs.size())});
  std::vector<Vec3> g;
  std::vector<double> v, s;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    if (!(obs[i].sigma > 0)) throw InvalidInput("sigma must be > 0", {"", "observations[" + std::to_string(i) + "].sigma", num(obs[i].sigma)});
    g.push_back(obs[i].direction);
    v.push_back(obs[i].value);
    s.push_back(obs[i].sigma);
  }
  return solveRows(g, v, s, params.maxCondition, nullptr);
}

namespace {
float at(const Raster<float>& r, std::int64_t i, std::int64_t j) { return r.length() == 1 && r.width() == 1 ? r(0, 0) : r(i, j); }
void checkGeom(const GeometryRasters& g, std::int64_t L, std::int64_t W, const std::string& prefix) {
  const std::pair<const Raster<float>*, const char*> items[] = {{&g.losE, "los_e"}, {&g.losN, "los_n"}, {&g.losU, "los_u"},
                                                                {&g.flightE, "flight_e"}, {&g.flightN, "flight_n"}, {&g.flightU, "flight_u"}};
  for (const auto& [r, name] : items)
    if (!((r->length() == 1 && r->width() == 1) || (r->length() == L && r->width() == W)))
      throw InvalidInput("geometry raster must be 1x1 or match the data", {"", prefix + name, std::to_string(r->length()) + "x" + std::to_string(r->width())});
}
Motion3dMaps makeMaps(std::int64_t L, std::int64_t W) {
  const float nanf = std::numeric_limits<float>::quiet_NaN();
  Motion3dMaps m;
  m.east = m.north = m.up = m.downslope = m.magnitude = m.sigmaDownslope = m.condition = Raster<float>(L, W, nanf);
  m.valid = Raster<std::uint8_t>(L, W, 0);
  return m;
}
void store(Motion3dMaps& m, std::int64_t i, std::int64_t j, const Motion3d& r) {
  m.condition(i, j) = static_cast<float>(r.condition);
  if (!r.valid) return;
  m.valid(i, j) = 1;
  m.east(i, j) = static_cast<float>(r.enu.x());
  m.north(i, j) = static_cast<float>(r.enu.y());
  m.up(i, j) = static_cast<float>(r.enu.z());
  m.downslope(i, j) = static_cast<float>(r.downslope);
  m.magnitude(i, j) = static_cast<float>(r.magnitude);
  m.sigmaDownslope(i, j) = static_cast<float>(r.sigmaDownslope);
}
}  // namespace

Motion3dMaps solveOnSlopeMaps(const Raster<float>& dLos, const Raster<float>& dAz, const GeometryRasters& geom,
                              const Raster<float>& slopeDeg, const Raster<float>& aspectDeg, double sigmaLos, double sigmaAz,
                              const Motion3dParams& params) {
  params.validate();
  const auto L = dLos.length(), W = dLos.width();
  for (const auto& [r, name] : {std::pair{&dAz, "d_az"}, std::pair{&slopeDeg, "slope"}, std::pair{&aspectDeg, "aspect"}})
    if (r->length() != L || r->width() != W)
      throw InvalidInput("raster differs in size from d_los", {"", name, std::to_string(r->length()) + "x" + std::to_string(r->width())});
  checkGeom(geom, L, W, "geometry.");
  if (!(sigmaLos > 0) || !(sigmaAz > 0)) throw InvalidInput("sigmas must be > 0", {"", "motion3d.sigma_los/sigma_az", num(sigmaLos) + "/" + num(sigmaAz)});
  Motion3dMaps m = makeMaps(L, W);
  parallelForBlocks(makeBlocks(L, W, 64), [&](const Block& b) {
    for (std::int64_t i = b.row0; i < b.row0 + b.rows; ++i)
      for (std::int64_t j = b.col0; j < b.col0 + b.cols; ++j) {
        const Vec3 l(at(geom.losE, i, j), at(geom.losN, i, j), at(geom.losU, i, j));
        const Vec3 a(at(geom.flightE, i, j), at(geom.flightN, i, j), at(geom.flightU, i, j));
        if (!std::isfinite(dLos(i, j)) || !std::isfinite(dAz(i, j)) || !std::isfinite(slopeDeg(i, j)) || !std::isfinite(aspectDeg(i, j)) ||
            !l.allFinite() || !a.allFinite() || l.norm() == 0 || a.norm() == 0)
          continue;
        store(m, i, j, solveOnSlope(losProjection(l, dLos(i, j), sigmaLos), azimuthProjection(a, dAz(i, j), sigmaAz), slopeDeg(i, j), aspectDeg(i, j), params));
      }
  });
  return m;
}

Motion3dMaps solveLeastSquaresMaps(const std::vector<GeometryObservation>& geometries, const Motion3dParams& params) {
  params.validate();
  if (geometries.empty()) throw InvalidInput("no geometry", {"", "geometries", "0"});
  const auto L = geometries[0].dLos.length(), W = geometries[0].dLos.width();
  for (std::size_t k = 0; k < geometries.size(); ++k) {
    const auto& g = geometries[k];
    const std::string p = "geometries[" + std::to_string(k) + "].";
    if (g.dLos.length() != L || g.dLos.width() != W) throw InvalidInput("raster differs in size", {"", p + "d_los", std::to_string(g.dLos.length()) + "x" + std::to_string(g.dLos.width())});
    if (!g.dAz.empty() && (g.dAz.length() != L || g.dAz.width() != W)) throw InvalidInput("raster differs in size", {"", p + "d_az", std::to_string(g.dAz.length()) + "x" + std::to_string(g.dAz.width())});
    if (!(g.sigmaLos > 0) || !(g.sigmaAz > 0)) throw InvalidInput("sigmas must be > 0", {"", p + "sigma_los/sigma_az", num(g.sigmaLos) + "/" + num(g.sigmaAz)});
    checkGeom(g.geom, L, W, p + "geometry.");
  }
  Motion3dMaps m = makeMaps(L, W);
  parallelForBlocks(makeBlocks(L, W, 64), [&](const Block& b) {
    std::vector<Vec3> rows;
    std::vector<double> v, s;
    for (std::int64_t i = b.row0; i < b.row0 + b.rows; ++i)
      for (std::int64_t j = b.col0; j < b.col0 + b.cols; ++j) {
        rows.clear(); v.clear(); s.clear();
        for (const auto& g : geometries) {
          const Vec3 l(at(g.geom.losE, i, j), at(g.geom.losN, i, j), at(g.geom.losU, i, j));
          if (l.allFinite() && l.norm() > 0 && std::isfinite(g.dLos(i, j))) { rows.push_back(l.normalized()); v.push_back(g.dLos(i, j)); s.push_back(g.sigmaLos); }
          if (g.dAz.empty()) continue;
          const Vec3 a(at(g.geom.flightE, i, j), at(g.geom.flightN, i, j), at(g.geom.flightU, i, j));
          if (a.allFinite() && a.norm() > 0 && std::isfinite(g.dAz(i, j))) { rows.push_back(-a.normalized()); v.push_back(g.dAz(i, j)); s.push_back(g.sigmaAz); }
        }
        if (rows.size() < 3) continue;
        store(m, i, j, solveRows(rows, v, s, params.maxCondition, nullptr));
      }
  });
  return m;
}

void slopeAspect(const Raster<float>& dem, const GeoGrid& grid, Raster<float>& slopeDeg, Raster<float>& aspectDeg) {
  const auto L = dem.length(), W = dem.width();
  if (L < 1 || W < 1 || grid.length != L || grid.width != W)
    throw InvalidInput("DEM and grid differ in size", {"", "dem", std::to_string(L) + "x" + std::to_string(W) + " vs grid " + std::to_string(grid.length) + "x" + std::to_string(grid.width)});
  slopeDeg = Raster<float>(L, W, std::numeric_limits<float>::quiet_NaN());
  aspectDeg = Raster<float>(L, W, std::numeric_limits<float>::quiet_NaN());
  const Ellipsoid e = Ellipsoid::wgs84();
  for (std::int64_t i = 0; i < L; ++i) {
    double dxm = grid.dx(), dym = grid.dy();  // metres per pixel step in +col (east) and +row
    if (grid.isGeographic()) {
      const double lat = grid.y(static_cast<double>(i)) * kDeg;
      dxm *= kDeg * e.rEast(lat) * std::cos(lat);
      dym *= kDeg * e.rNorth(lat);
    }
    for (std::int64_t j = 0; j < W; ++j) {
      const std::int64_t rm = std::max<std::int64_t>(i - 1, 0), rp = std::min<std::int64_t>(i + 1, L - 1);
      const std::int64_t cm = std::max<std::int64_t>(j - 1, 0), cp = std::min<std::int64_t>(j + 1, W - 1);
      // Horn: 1-2-1 weighted mean of the three central differences across columns (rows); at the
      // edges the differences become one-sided over the actual pixel distance (exact for planes).
      double dzdc = 0.0, dzdr = 0.0;
      if (cp > cm) {
        const std::int64_t rows[3] = {rm, i, rp};
        for (int k = 0; k < 3; ++k)
          dzdc += (k == 1 ? 2.0 : 1.0) * (static_cast<double>(dem(rows[k], cp)) - static_cast<double>(dem(rows[k], cm))) / static_cast<double>(cp - cm);
        dzdc /= 4.0;
      }
      if (rp > rm) {
        const std::int64_t cols[3] = {cm, j, cp};
        for (int k = 0; k < 3; ++k)
          dzdr += (k == 1 ? 2.0 : 1.0) * (static_cast<double>(dem(rp, cols[k])) - static_cast<double>(dem(rm, cols[k]))) / static_cast<double>(rp - rm);
        dzdr /= 4.0;
      }
      const double gx = dzdc / dxm;   // dz/d(east)
      const double gy = dzdr / dym;   // dz/d(north) (dym < 0 for north-up: rows go south)
      if (!std::isfinite(gx) || !std::isfinite(gy)) continue;
      slopeDeg(i, j) = static_cast<float>(std::atan(std::hypot(gx, gy)) / kDeg);
      // Downslope direction = −gradient; azimuth clockwise from north.
      double asp = std::atan2(-gx, -gy) / kDeg;
      if (asp < 0) asp += 360.0;
      aspectDeg(i, j) = (gx == 0 && gy == 0) ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(asp);
    }
  }
}

}  // namespace orthotrack::analysis

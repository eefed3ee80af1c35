#include "orthotrack/geometry/dem.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "orthotrack/core/error.hpp"

namespace orthotrack::geometry {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Keys cubic convolution (a = -0.5) weights and their derivatives for fractional offset x in [0,1).
inline void cubicWeights(double x, double w[4], double dw[4]) {
  const double x2 = x * x, x3 = x2 * x;
  w[0] = -0.5 * x3 + x2 - 0.5 * x;
  w[1] = 1.5 * x3 - 2.5 * x2 + 1.0;
  w[2] = -1.5 * x3 + 2.0 * x2 + 0.5 * x;
  w[3] = 0.5 * x3 - 0.5 * x2;
  dw[0] = -1.5 * x2 + 2.0 * x - 0.5;
  dw[1] = 4.5 * x2 - 5.0 * x;
  dw[2] = -4.5 * x2 + 4.0 * x + 0.5;
  dw[3] = 1.5 * x2 - x;
}
// Natural cubic spline through 6 unit-spaced samples y0..y5, evaluated between y2 and y3 at
// offset x: value = Σ w_k y_k, derivative = Σ dw_k y_k. The second derivatives are M = G·y with
// M0 = M5 = 0 and tridiag(1, 4, 1)·M[1..4] = 6·(second differences).
struct Spline6Table {
  double g[6][6]{};  // g[i][k]: M_i = Σ_k g[i][k] y_k
  Spline6Table() {
    double inv[4][4];
    // Invert tridiag(1,4,1) (4x4) by Gauss-Jordan.
    double a[4][8] = {};
    for (int i = 0; i < 4; ++i) {
      a[i][i] = 4;
      if (i > 0) a[i][i - 1] = 1;
      if (i < 3) a[i][i + 1] = 1;
      a[i][4 + i] = 1;
    }
    for (int c = 0; c < 4; ++c) {
      const double p = a[c][c];
      for (int k = 0; k < 8; ++k) a[c][k] /= p;
      for (int r = 0; r < 4; ++r) {
        if (r == c) continue;
        const double f = a[r][c];
        for (int k = 0; k < 8; ++k) a[r][k] -= f * a[c][k];
      }
    }
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) inv[i][j] = a[i][4 + j];
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        // second difference centred at sample j+1 touches samples j, j+1, j+2
        g[i + 1][j] += 6 * inv[i][j];
        g[i + 1][j + 1] -= 12 * inv[i][j];
        g[i + 1][j + 2] += 6 * inv[i][j];
      }
  }
};
const Spline6Table& spline6() {
  static const Spline6Table t;
  return t;
}
inline void spline6Weights(double x, double w[6], double dw[6]) {
  const auto& G = spline6().g;
  const double u = 1 - x;
  const double a = (u * u * u - u) / 6, b = (x * x * x - x) / 6;
  const double da = -(3 * u * u - 1) / 6, db = (3 * x * x - 1) / 6;
  for (int k = 0; k < 6; ++k) {
    w[k] = a * G[2][k] + b * G[3][k];
    dw[k] = da * G[2][k] + db * G[3][k];
  }
  w[2] += u;
  w[3] += x;
  dw[2] -= 1;
  dw[3] += 1;
}
}  // namespace

void DemOptions::validate() const {
  if (std::isinf(fallbackHeight))
    throw InvalidInput("DEM fallback height must be finite or NaN (no fallback)",
                       {"", "dem.fallback_height", std::to_string(fallbackHeight)});
}

Dem Dem::constant(double heightM) {
  if (!std::isfinite(heightM))
    throw InvalidInput("constant DEM height must be finite", {"", "dem.constant_height", std::to_string(heightM)});
  Dem d;
  d.constant_ = d.min_ = d.max_ = d.mean_ = heightM;
  return d;
}

Dem::Dem(Raster<float> heights, GeoGrid grid, DemOptions options)
    : heights_(std::move(heights)), grid_(std::move(grid)), opt_(options) {
  opt_.validate();
  const auto& g = grid_.transform;
  if (!grid_.isGeographic())
    throw InvalidInput("the geometry module needs a DEM in EPSG:4326 (io::loadDem warps projected DEMs)",
                       {"", "dem.grid.epsg", std::to_string(grid_.epsg)});
  if (g[2] != 0.0 || g[4] != 0.0 || !(g[1] > 0) || !(g[5] < 0) || !std::isfinite(g[0]) || !std::isfinite(g[3]))
    throw InvalidInput("DEM grid must be north-up and unrotated (dx > 0, dy < 0, no rotation terms)",
                       {"", "dem.grid.transform",
                        std::to_string(g[0]) + "," + std::to_string(g[1]) + "," + std::to_string(g[2]) + "," +
                            std::to_string(g[3]) + "," + std::to_string(g[4]) + "," + std::to_string(g[5])});
  if (heights_.length() != grid_.length || heights_.width() != grid_.width || grid_.length < 2 || grid_.width < 2)
    throw InvalidInput("DEM heights must match the grid shape and be at least 2 x 2",
                       {"", "dem.heights", std::to_string(heights_.length()) + "x" + std::to_string(heights_.width()) +
                                               " for grid " + std::to_string(grid_.length) + "x" + std::to_string(grid_.width)});
  // c = (lonDeg - x0)/dx - 0.5 with lonDeg = lonRad / kDeg.
  cScale_ = 1.0 / (kDeg * g[1]);
  c0_ = g[0] / g[1] + 0.5;
  rScale_ = 1.0 / (kDeg * g[5]);
  r0_ = g[3] / g[5] + 0.5;
  double sum = 0;
  min_ = std::numeric_limits<double>::infinity();
  max_ = -min_;
  for (float v : heights_.vector()) {
    if (!valid(v)) continue;
    ++valid_;
    sum += static_cast<double>(v);
    min_ = std::min(min_, static_cast<double>(v));
    max_ = std::max(max_, static_cast<double>(v));
  }
  if (valid_ == 0) {
    if (std::isfinite(opt_.fallbackHeight)) {
      min_ = max_ = mean_ = opt_.fallbackHeight;
    } else {
      throw InvalidInput("DEM has no valid height and no fallback height", {"", "dem.heights", "all no-data"});
    }
  } else {
    mean_ = sum / static_cast<double>(valid_);
    if (std::isfinite(opt_.fallbackHeight)) {
      min_ = std::min(min_, opt_.fallbackHeight);
      max_ = std::max(max_, opt_.fallbackHeight);
    }
  }
}

bool Dem::toPixel(double lonRad, double latRad, double& c, double& r) const noexcept {
  r = latRad * rScale_ - r0_;
  c = lonRad * cScale_ - c0_;
  const double w = static_cast<double>(grid_.width), l = static_cast<double>(grid_.length);
  if (!(r >= -0.5 && r <= l - 0.5)) return false;
  if (c >= -0.5 && c <= w - 0.5) return true;
  const double turn = 2.0 * kPi * cScale_;  // columns per 360°
  for (double k : {-1.0, 1.0}) {
    const double cc = c + k * turn;
    if (cc >= -0.5 && cc <= w - 0.5) { c = cc; return true; }
  }
  return false;
}

bool Dem::contains(double lonRad, double latRad) const noexcept {
  if (isConstant()) return true;
  double c, r;
  return toPixel(lonRad, latRad, c, r);
}

Status Dem::fallback(Status why, double& h) const noexcept {
  if (std::isfinite(opt_.fallbackHeight)) {
    h = opt_.fallbackHeight;
    return Status::Ok;
  }
  h = kNaN;
  return why;
}

// Interpolates at fractional (c, r) inside [-0.5, w-0.5] × [-0.5, l-0.5]; derivatives per pixel.
template <bool Gradient>
Status Dem::sample(double c, double r, double& h, double& dhdc, double& dhdr) const noexcept {
  const std::int64_t w = grid_.width, l = grid_.length;
  c = std::clamp(c, 0.0, static_cast<double>(w - 1));
  r = std::clamp(r, 0.0, static_cast<double>(l - 1));
  const std::int64_t i0 = std::min<std::int64_t>(static_cast<std::int64_t>(r), l - 2);
  const std::int64_t j0 = std::min<std::int64_t>(static_cast<std::int64_t>(c), w - 2);
  const double fy = r - static_cast<double>(i0), fx = c - static_cast<double>(j0);
  const float* row0 = heights_.row(i0) + j0;
  const float* row1 = heights_.row(i0 + 1) + j0;
  const double z00 = row0[0], z01 = row0[1], z10 = row1[0], z11 = row1[1];
  if (!valid(row0[0]) || !valid(row0[1]) || !valid(row1[0]) || !valid(row1[1])) {
    dhdc = dhdr = 0.0;
    return fallback(Status::InvalidValue, h);
  }
  if (opt_.method == DemInterpolation::Spline6 && i0 >= 2 && j0 >= 2 && i0 + 3 < l && j0 + 3 < w) {
    double wx[6], dwx[6], wy[6], dwy[6];
    spline6Weights(fx, wx, dwx);
    spline6Weights(fy, wy, dwy);
    double s = 0, sc = 0, sr = 0;
    bool ok = true;
    for (int a = 0; a < 6 && ok; ++a) {
      const float* rp = heights_.row(i0 - 2 + a) + (j0 - 2);
      double rs = 0, rsc = 0;
      for (int b = 0; b < 6; ++b) {
        if (!valid(rp[b])) { ok = false; break; }
        rs += wx[b] * static_cast<double>(rp[b]);
        if constexpr (Gradient) rsc += dwx[b] * static_cast<double>(rp[b]);
      }
      s += wy[a] * rs;
      if constexpr (Gradient) {
        sc += wy[a] * rsc;
        sr += dwy[a] * rs;
      }
    }
    if (ok) {
      h = s;
      dhdc = sc;
      dhdr = sr;
      return Status::Ok;
    }
  }
  if (opt_.method == DemInterpolation::Bicubic && i0 >= 1 && j0 >= 1 && i0 + 2 < l && j0 + 2 < w) {
    double wx[4], dwx[4], wy[4], dwy[4];
    cubicWeights(fx, wx, dwx);
    cubicWeights(fy, wy, dwy);
    double s = 0, sc = 0, sr = 0;
    bool ok = true;
    for (int a = 0; a < 4 && ok; ++a) {
      const float* rp = heights_.row(i0 - 1 + a) + (j0 - 1);
      double rs = 0, rsc = 0;
      for (int b = 0; b < 4; ++b) {
        if (!valid(rp[b])) { ok = false; break; }
        rs += wx[b] * static_cast<double>(rp[b]);
        if constexpr (Gradient) rsc += dwx[b] * static_cast<double>(rp[b]);
      }
      s += wy[a] * rs;
      if constexpr (Gradient) {
        sc += wy[a] * rsc;
        sr += dwy[a] * rs;
      }
    }
    if (ok) {
      h = s;
      dhdc = sc;
      dhdr = sr;
      return Status::Ok;
    }
  }
  const double top = z00 + fx * (z01 - z00), bot = z10 + fx * (z11 - z10);
  h = top + fy * (bot - top);
  dhdc = (1 - fy) * (z01 - z00) + fy * (z11 - z10);
  dhdr = bot - top;
  return Status::Ok;
}

Status Dem::height(double lonRad, double latRad, double& h) const noexcept {
  if (isConstant()) {
    h = constant_;
    return Status::Ok;
  }
  if (!(std::isfinite(lonRad) && std::isfinite(latRad))) {
    h = kNaN;
    return Status::InvalidValue;
  }
  double c, r;
  if (!toPixel(lonRad, latRad, c, r)) return fallback(Status::OutOfDomain, h);
  double dc, dr;
  return sample<false>(c, r, h, dc, dr);
}

Status Dem::heightDeg(double lonDeg, double latDeg, double& h) const noexcept {
  return height(lonDeg * kDeg, latDeg * kDeg, h);
}

Status Dem::heightGradient(double lonRad, double latRad, double& h, double& dhdLon, double& dhdLat) const noexcept {
  dhdLon = dhdLat = 0.0;
  if (isConstant()) {
    h = constant_;
    return Status::Ok;
  }
  if (!(std::isfinite(lonRad) && std::isfinite(latRad))) {
    h = kNaN;
    return Status::InvalidValue;
  }
  double c, r;
  if (!toPixel(lonRad, latRad, c, r)) return fallback(Status::OutOfDomain, h);
  double dc, dr;
  const Status st = sample<true>(c, r, h, dc, dr);
  if (st == Status::Ok) {
    dhdLon = dc * cScale_;
    dhdLat = dr * rScale_;
  }
  return st;
}

Status Dem::slopeEN(double lonRad, double latRad, double& dhdE, double& dhdN) const noexcept {
  dhdE = dhdN = 0.0;
  if (isConstant()) return Status::Ok;
  double h0;
  const Status st = height(lonRad, latRad, h0);
  if (st != Status::Ok) {
    dhdE = dhdN = kNaN;
    return st;
  }
  return slopeEN(lonRad, latRad, h0, dhdE, dhdN);
}

Status Dem::slopeEN(double lonRad, double latRad, double h0, double& dhdE, double& dhdN) const noexcept {
  dhdE = dhdN = 0.0;
  if (isConstant()) return Status::Ok;
  if (!std::isfinite(h0)) {
    dhdE = dhdN = kNaN;
    return Status::InvalidValue;
  }
  const double dLon = 1.0 / cScale_, dLat = std::abs(1.0 / rScale_);  // one pixel, radians
  double he, hw, hn, hs;
  // One-sided at the grid edge or next to no-data.
  const bool e = height(lonRad + dLon, latRad, he) == Status::Ok;
  const bool wv = height(lonRad - dLon, latRad, hw) == Status::Ok;
  const bool n = height(lonRad, latRad + dLat, hn) == Status::Ok;
  const bool s = height(lonRad, latRad - dLat, hs) == Status::Ok;
  const Ellipsoid ell = Ellipsoid::wgs84();
  const double sLat = std::sin(latRad), cLat = std::cos(latRad);
  const double w = 1.0 - ell.e2() * sLat * sLat, sw = std::sqrt(w);
  const double mE = (ell.a() / sw + h0) * cLat * dLon;  // metres per pixel east
  const double mN = (ell.a() * (1.0 - ell.e2()) / (w * sw) + h0) * dLat;
  if (e && wv) dhdE = (he - hw) / (2 * mE);
  else if (e) dhdE = (he - h0) / mE;
  else if (wv) dhdE = (h0 - hw) / mE;
  if (n && s) dhdN = (hn - hs) / (2 * mN);
  else if (n) dhdN = (hn - h0) / mN;
  else if (s) dhdN = (h0 - hs) / mN;
  return Status::Ok;
}

Status Dem::surfaceNormalEnu(double lonRad, double latRad, Vec3& nrm) const noexcept {
  double gE, gN;
  const Status st = slopeEN(lonRad, latRad, gE, gN);
  if (st != Status::Ok) {
    nrm = Vec3::Constant(kNaN);
    return st;
  }
  nrm = Vec3(-gE, -gN, 1.0).normalized();
  return Status::Ok;
}

Status Dem::slopeAspect(double lonRad, double latRad, double& slopeDeg, double& aspectDeg) const noexcept {
  double gE, gN;
  const Status st = slopeEN(lonRad, latRad, gE, gN);
  if (st != Status::Ok) {
    slopeDeg = aspectDeg = kNaN;
    return st;
  }
  slopeDeg = std::atan(std::hypot(gE, gN)) / kDeg;
  if (gE == 0.0 && gN == 0.0) {
    aspectDeg = 0.0;
  } else {
    aspectDeg = std::atan2(-gE, -gN) / kDeg;  // downslope direction
    if (aspectDeg < 0) aspectDeg += 360.0;
  }
  return Status::Ok;
}

}  // namespace orthotrack::geometry

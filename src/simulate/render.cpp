#include "render.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "random.hpp"

namespace orthotrack::simulate::detail {
namespace {

constexpr int kTaps = 8;          // kernel support (px) per axis
constexpr int kTableSteps = 256;  // kernel samples per pixel
constexpr std::int64_t kBandLines = 64;  // lines per parallel task
constexpr double kMotionMarginPx = 40.0;  // line/sample reach of a moving scatterer beyond its chunk (px)

// Band-limited impulse response: b·sinc(b·x) with a Hann window over ±kTaps/2, tabulated.
struct Kernel {
  std::vector<float> table;  // (kTaps * kTableSteps + 1) samples over x in [-kTaps/2, kTaps/2]
  explicit Kernel(double b) {
    table.resize(kTaps * kTableSteps + 1);
    for (std::size_t i = 0; i < table.size(); ++i) {
      const double x = -kTaps / 2.0 + static_cast<double>(i) / kTableSteps;
      const double bx = kPi * b * x;
      const double s = std::abs(bx) < 1e-12 ? 1.0 : std::sin(bx) / bx;
      const double w = 0.5 * (1.0 + std::cos(2 * kPi * x / kTaps));
      table[i] = static_cast<float>(b * s * w);
    }
  }
  // Weights for taps at integer offsets k0 .. k0+kTaps-1 of a point at fractional position p
  // (tap k sits at x = k0 + k − p ∈ (−kTaps/2, kTaps/2], table entry (x + kTaps/2)·kTableSteps).
  void weights(double p, std::int64_t& k0, float* w) const {
    k0 = static_cast<std::int64_t>(std::floor(p)) - kTaps / 2 + 1;
    const auto idx0 = static_cast<std::int64_t>(std::floor((static_cast<double>(k0) - p + kTaps / 2.0) * kTableSteps + 0.5));
    const auto n = static_cast<std::int64_t>(table.size());
    for (int k = 0; k < kTaps; ++k) {
      const std::int64_t idx = idx0 + static_cast<std::int64_t>(k) * kTableSteps;
      w[k] = (idx >= 0 && idx < n) ? table[static_cast<std::size_t>(idx)] : 0.0f;
    }
  }
};

// Bilinear interpolation on DEM nodes at fractional (row, col); false outside.
struct Bilin {
  std::int64_t r = 0, c = 0;
  double fr = 0, fc = 0;
  bool set(double row, double col, std::int64_t rows, std::int64_t cols) {
    if (!(row >= 0 && col >= 0 && row < static_cast<double>(rows - 1) && col < static_cast<double>(cols - 1))) return false;
    r = static_cast<std::int64_t>(row);
    c = static_cast<std::int64_t>(col);
    fr = row - static_cast<double>(r);
    fc = col - static_cast<double>(c);
    return true;
  }
  template <class T>
  double operator()(const Raster<T>& a) const {
    const double v00 = a(r, c), v01 = a(r, c + 1), v10 = a(r + 1, c), v11 = a(r + 1, c + 1);
    return (1 - fr) * ((1 - fc) * v00 + fc * v01) + fr * ((1 - fc) * v10 + fc * v11);
  }
};

// Affine map from ground (E, N) in metres to fractional DEM (row, col): the local tangent-plane
// frame is linear in lon/lat (Scenario::toLonLat) and so is the DEM grid.
struct GroundToDem {
  double rowA = 0, rowB = 0, colA = 0, colB = 0;
  GroundToDem(const Scenario& sc, const GeoGrid& dg) {
    double lon0, lat0, lon1, lat1;
    sc.toLonLat(0.0, 0.0, lon0, lat0);
    sc.toLonLat(1.0, 1.0, lon1, lat1);
    colA = dg.col(lon0);
    colB = dg.col(lon1) - colA;
    rowA = dg.row(lat0);
    rowB = dg.row(lat1) - rowA;
  }
  double row(double n) const { return rowA + rowB * n; }
  double col(double e) const { return colA + colB * e; }
};

}  // namespace

SceneRenderer::SceneRenderer(const Scenario& sc, const Ground& ground, std::size_t acqIndex,
                             const geometry::SceneGeometry& geom, const RenderOptions& opt)
    : sc_(sc), ground_(ground), acq_(acqIndex), geom_(geom), opt_(opt) {
  const auto& dem = ground.dem;
  const GeoGrid& dg = dem.grid();
  const std::int64_t dRows = dg.length, dCols = dg.width;
  const Ellipsoid ell;

  // 1. Per DEM node: radar position on the surface, its height derivative, and the brightness
  //    factor (local incidence, projected area, cast shadow).
  nLine_.resize(dRows, dCols);
  nSample_.resize(dRows, dCols);
  nDl_.resize(dRows, dCols);
  nDs_.resize(dRows, dCols);
  nBright_ = Raster<float>(dRows, dCols, 0.0f);
  const Raster<float>& H = dem.heights();
  const double dxE = dg.dx() * kDeg * sc.mPerRadLon, dyN = -dg.dy() * kDeg * sc.mPerRadLat;  // m per node
  parallelFor(dRows, [&](std::int64_t r) {
    double tGuess = std::numeric_limits<double>::quiet_NaN();
    for (std::int64_t c = 0; c < dCols; ++c) {
      const double lon = dg.x(static_cast<double>(c)) * kDeg, lat = dg.y(static_cast<double>(r)) * kDeg;
      const double h = H(r, c);
      double t = tGuess, rr;
      const Vec3 p = ell.toXyz({lon, lat, h});
      if (geometry::geo2rdr(p, geom, t, rr) != Status::Ok) {
        nLine_(r, c) = nSample_(r, c) = std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      tGuess = t;
      double t2 = t, r2;
      geometry::geo2rdr(ell.toXyz({lon, lat, h + 10.0}), geom, t2, r2);
      nLine_(r, c) = geom.line(t);
      nSample_(r, c) = geom.sample(rr);
      nDl_(r, c) = static_cast<float>((geom.line(t2) - geom.line(t)) / 10.0);
      nDs_(r, c) = static_cast<float>((geom.sample(r2) - geom.sample(rr)) / 10.0);
      // Surface normal from node heights (m/m), LOS to the sensor.
      const auto cm = std::max<std::int64_t>(c - 1, 0), cp = std::min<std::int64_t>(c + 1, dCols - 1);
      const auto rm = std::max<std::int64_t>(r - 1, 0), rp = std::min<std::int64_t>(r + 1, dRows - 1);
      const double gE = static_cast<double>(H(r, cp) - H(r, cm)) / (static_cast<double>(cp - cm) * dxE);
      const double gN = static_cast<double>(H(rm, c) - H(rp, c)) / (static_cast<double>(rp - rm) * dyN);
      const Vec3 nrm = Vec3(-gE, -gN, 1.0).normalized();
      geometry::SensorState s;
      geometry::sensorState(geom.orbit(), t, s);
      const Vec3 los = geometry::losEnu(p, s.position, lon, lat);
      const double cosLoc = nrm.dot(los);
      if (cosLoc <= 0.02) continue;  // facing away: no return
      // Cast shadow: march along the horizontal LOS towards the sensor; shadowed if terrain rises
      // above the ray.
      const double horiz = std::hypot(los.x(), los.y());
      const double ue = los.x() / horiz, un = los.y() / horiz, tanElev = los.z() / horiz;
      bool shadow = false;
      for (double s2 = 20.0; s2 < 2500.0; s2 += 20.0) {
        const double ray = h + s2 * tanElev;
        if (ray > dem.maxHeight()) break;
        double hh;
        const double lon2 = lon + s2 * ue / sc.mPerRadLon, lat2 = lat + s2 * un / sc.mPerRadLat;
        if (dem.height(lon2, lat2, hh) != Status::Ok) break;
        if (hh > ray + 1.0) { shadow = true; break; }
      }
      if (shadow) continue;
      nBright_(r, c) = static_cast<float>(std::pow(cosLoc, 1.5) / nrm.z());  // area on the slope / horizontal area
    }
  });

  // 2. Line/sample span of every lattice chunk (one lattice row × chunkCols_ columns), from the DEM
  //    nodes its bilinear interpolation can touch; empty when none of them returns anything.
  const GroundToDem g2d(sc, dg);
  const auto gRows = ground.rows(), gCols = ground.cols();
  nChunks_ = (gCols + chunkCols_ - 1) / chunkCols_;
  spans_.resize(static_cast<std::size_t>(gRows * nChunks_));
  const float inf = std::numeric_limits<float>::infinity();
  parallelFor(gRows, [&](std::int64_t i) {
    const double na = ground.n0 + static_cast<double>(i) * ground.d, nb = na + ground.d;
    const double ra = std::min(g2d.row(na), g2d.row(nb)), rb = std::max(g2d.row(na), g2d.row(nb));
    const auto r0 = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(ra)), 0, dRows - 1);
    const auto r1 = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(rb)) + 1, 0, dRows - 1);
    for (std::int64_t jc = 0; jc < nChunks_; ++jc) {
      const double ea = ground.e0 + static_cast<double>(jc * chunkCols_) * ground.d;
      const double eb = ground.e0 + static_cast<double>(std::min(gCols, (jc + 1) * chunkCols_)) * ground.d;
      const auto c0 = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(g2d.col(ea))), 0, dCols - 1);
      const auto c1 = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(g2d.col(eb))) + 1, 0, dCols - 1);
      double l0 = 1e300, l1 = -1e300, s0 = 1e300, s1 = -1e300;
      bool bright = false, moving = false;
      for (std::int64_t r = r0; r <= r1; ++r)
        for (std::int64_t c = c0; c <= c1; ++c) {
          const double l = nLine_(r, c), s = nSample_(r, c);
          if (!(l == l)) continue;
          l0 = std::min(l0, l);
          l1 = std::max(l1, l);
          s0 = std::min(s0, s);
          s1 = std::max(s1, s);
          bright = bright || nBright_(r, c) > 0.0f;
          moving = moving || ground.gE(r, c) != 0.0f || ground.gN(r, c) != 0.0f || ground.gU(r, c) != 0.0f;
        }
      Span& sp = spans_[static_cast<std::size_t>(i * nChunks_ + jc)];
      if (!bright) {
        sp = {inf, -inf, inf, -inf};
        continue;
      }
      const double m = kTaps / 2.0 + 1.0 + (moving ? kMotionMarginPx : 0.0);
      sp = {static_cast<float>(l0 - m), static_cast<float>(l1 + m), static_cast<float>(s0 - m), static_cast<float>(s1 + m)};
    }
  });

  // 3. AR(1) speckle coefficients over this platform's dates.
  const Acquisition& acq = sc.acquisitions[acqIndex];
  std::vector<double> days;
  for (std::size_t i = 0; i < sc.acquisitions.size(); ++i)
    if (sc.acquisitions[i].platform == acq.platform) {
      if (i == acqIndex) kIndex_ = days.size();
      days.push_back(sc.acquisitions[i].date.unixDays());
    }
  const double tau[2] = {sc.coherenceTauStable, sc.coherenceTauSlide};
  for (int m = 0; m < 2; ++m) {
    arA_[m].assign(days.size(), 0.0);
    arS_[m].assign(days.size(), 1.0);
    for (std::size_t k = 1; k < days.size(); ++k) {
      const double a = std::exp(-(days[k] - days[k - 1]) / tau[m]);
      arA_[m][k] = a;
      arS_[m][k] = std::sqrt(1 - a * a);
    }
  }
}

void SceneRenderer::render(std::int64_t row0, RasterView<cfloat> out) const {
  if (out.width() != geom_.grid().width) throw InvalidInput("simulator: render band width differs from the grid", {"", "width", std::to_string(out.width())});
  const std::int64_t rows = out.length();
  const std::int64_t nb = (rows + kBandLines - 1) / kBandLines;
  parallelFor(nb, [&](std::int64_t b) {
    const std::int64_t r0 = b * kBandLines, n = std::min(kBandLines, rows - r0);
    renderBand(row0 + r0, n, out, row0);
  });
}

void SceneRenderer::renderBand(std::int64_t row0, std::int64_t rows, RasterView<cfloat> out, std::int64_t outRow0) const {
  const Scenario& sc = sc_;
  const Ground& ground = ground_;
  const Acquisition& acq = sc.acquisitions[acq_];
  const PlatformSpec& plat = sc.platforms[static_cast<std::size_t>(acq.platform)];
  const auto& grid = geom_.grid();
  const GeoGrid& dg = ground.dem.grid();
  const std::int64_t dRows = dg.length, dCols = dg.width;
  const Raster<float>& H = ground.dem.heights();
  const GroundToDem g2d(sc, dg);
  const std::int64_t W = grid.width;

  for (std::int64_t r = row0; r < row0 + rows; ++r) std::fill_n(out.row(r - outRow0), W, cfloat(0, 0));

  const double fsRange = kSpeedOfLight / (2.0 * grid.rangePixelSpacing);
  const Kernel kr(std::min(0.95, plat.rangeBandwidth / fsRange));
  const Kernel ka(std::min(0.95, plat.azimuthBandwidth / grid.prf()));
  const double creep = sc.creep(acq.date);
  const double smDb = sc.soilMoistureDb(acq.date) + plat.radiometricBiasDb;
  const double bright0 = std::pow(10.0, (-8.0 + smDb) / 10.0);  // nominal σ0 (linear) with soil moisture
  const double area = ground.d * ground.d;
  const double k4pi = 4.0 * kPi / grid.wavelength;
  const auto gRows = ground.rows(), gCols = ground.cols();
  const std::uint64_t platKey = static_cast<std::uint64_t>(acq.platform) + 1;
  const double b0 = static_cast<double>(row0) - kTaps, b1 = static_cast<double>(row0 + rows) + kTaps;
  const auto fb0 = static_cast<float>(b0), fb1 = static_cast<float>(b1);
  const auto fw = static_cast<float>(W);
  float wr[kTaps], wa[kTaps];
  for (std::int64_t i = 0; i < gRows; ++i) {
    for (std::int64_t jc = 0; jc < nChunks_; ++jc) {
      const Span& sp = spans_[static_cast<std::size_t>(i * nChunks_ + jc)];
      if (sp.lineMax < fb0 || sp.lineMin > fb1 || sp.sampleMax < -static_cast<float>(kTaps) || sp.sampleMin > fw + kTaps) continue;
      const std::int64_t jEnd = std::min(gCols, (jc + 1) * chunkCols_);
      for (std::int64_t j = jc * chunkCols_; j < jEnd; ++j) {
        const std::uint64_t cell = static_cast<std::uint64_t>(i) * 0x100000000ULL + static_cast<std::uint64_t>(j);
        const std::uint64_t hc = hash(sc.seed, 1, cell);
        const double e = ground.e0 + (static_cast<double>(j) + uniform(hc)) * ground.d;
        const double n = ground.n0 + (static_cast<double>(i) + uniform(mix(hc))) * ground.d;
        Bilin b;
        if (!b.set(g2d.row(n), g2d.col(e), dRows, dCols)) continue;
        const double bright = b(nBright_);
        if (bright <= 0) continue;
        const double h = b(H);
        // Displacement (material point moves with the slide).
        const double ue = creep * b(ground.gE), un = creep * b(ground.gN), uu = creep * b(ground.gU);
        Bilin bd = b;
        if (ue != 0.0 || un != 0.0) {
          if (!bd.set(g2d.row(n + un), g2d.col(e + ue), dRows, dCols)) continue;
        }
        const double dh = (h + uu) - bd(H);
        const double line = bd(nLine_) + bd(nDl_) * dh;
        if (!(line >= b0 && line < b1)) continue;
        const double sample = bd(nSample_) + bd(nDs_) * dh;
        if (!(sample >= -kTaps && sample < static_cast<double>(W + kTaps))) continue;
        // Backscatter: persistent ground texture (partly renewed inside the moving slide).
        const double disp = std::sqrt(ue * ue + un * un + uu * uu);
        double g = fractalNoise(e / 30.0, n / 30.0, sc.seed + 101, 3);
        const bool slide = disp > 0.0;
        if (slide) {
          const double w = std::min(0.6, 0.01 * disp);
          g = std::sqrt(1 - w * w) * g + w * fractalNoise(e / 30.0, n / 30.0, sc.seed + 202 + platKey, 3);
        }
        const double sigma = bright0 * std::exp(0.6 * g) * bright;
        const double amp = std::sqrt(sigma * area);
        cfloat z(1.0f, 0.0f);
        if (opt_.speckle) {
          // Speckle: constant part + AR(1) part over this platform's dates.
          const int m = slide ? 1 : 0;
          const double floor = slide ? sc.coherenceFloorSlide : sc.coherenceFloorStable;
          double c1, c2, x1, x2;
          fastNormal2(hash(sc.seed, 2, cell, platKey), c1, c2);
          fastNormal2(hash(sc.seed, 3, cell, platKey * 1000), x1, x2);
          for (std::size_t k = 1; k <= kIndex_; ++k) {
            const double a = arA_[m][k], s = arS_[m][k];
            double m1, m2;
            fastNormal2(hash(sc.seed, 3, cell, platKey * 1000 + k), m1, m2);
            x1 = a * x1 + s * m1;
            x2 = a * x2 + s * m2;
          }
          const double sf = std::sqrt(floor), sx = std::sqrt(1 - floor);
          z = cfloat(static_cast<float>((sf * c1 + sx * x1) * std::sqrt(0.5)), static_cast<float>((sf * c2 + sx * x2) * std::sqrt(0.5)));
        }
        const double ph = -k4pi * geom_.range(sample);
        const cfloat val = z * cfloat(static_cast<float>(amp * std::cos(ph)), static_cast<float>(amp * std::sin(ph)));
        std::int64_t k0r, k0a;
        kr.weights(sample, k0r, wr);
        ka.weights(line, k0a, wa);
        for (int ka2 = 0; ka2 < kTaps; ++ka2) {
          const std::int64_t row = k0a + ka2;
          if (row < row0 || row >= row0 + rows) continue;
          cfloat* o = out.row(row - outRow0);
          const cfloat va = val * wa[ka2];
          for (int kr2 = 0; kr2 < kTaps; ++kr2) {
            const std::int64_t col = k0r + kr2;
            if (col >= 0 && col < W) o[col] += va * wr[kr2];
          }
        }
      }
    }
  }
  // Thermal noise.
  if (opt_.speckle) {
    const double pixArea = grid.rangePixelSpacing / std::sin(36.0 * kDeg) * 3.4;  // m², nominal flat pixel
    const double noiseStd = std::sqrt(std::pow(10.0, -8.0 / 10.0) * pixArea * std::pow(10.0, -opt_.snrDb / 10.0) * 0.5);
    for (std::int64_t r = row0; r < row0 + rows; ++r) {
      cfloat* o = out.row(r - outRow0);
      for (std::int64_t c = 0; c < W; ++c) {
        double n1, n2;
        normal2(hash(sc.seed, 4, static_cast<std::uint64_t>(acq_) * 0x1000000ULL + static_cast<std::uint64_t>(r),
                     static_cast<std::uint64_t>(c)), n1, n2);
        o[c] += cfloat(static_cast<float>(noiseStd * n1), static_cast<float>(noiseStd * n2));
      }
    }
  }
}

}  // namespace orthotrack::simulate::detail

#include "render.hpp"

#include <algorithm>
#include <cmath>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "random.hpp"

namespace orthotrack::simulate::detail {
namespace {

constexpr int kTaps = 8;          // kernel support (px) per axis
constexpr int kTableSteps = 256;  // kernel samples per pixel

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
  // Weights for taps at integer offsets k0 .. k0+kTaps-1 of a point at fractional position p.
  void weights(double p, std::int64_t& k0, float* w) const {
    k0 = static_cast<std::int64_t>(std::floor(p)) - kTaps / 2 + 1;
    for (int k = 0; k < kTaps; ++k) {
      const double x = static_cast<double>(k0 + k) - p;  // in (-kTaps/2, kTaps/2]
      const auto idx = static_cast<std::int64_t>(std::lround((x + kTaps / 2.0) * kTableSteps));
      w[k] = (idx >= 0 && idx < static_cast<std::int64_t>(table.size())) ? table[static_cast<std::size_t>(idx)] : 0.0f;
    }
  }
};

// Bilinear interpolation on DEM nodes at fractional (row, col); false outside.
struct Bilin {
  std::int64_t r = 0, c = 0;
  double fr = 0, fc = 0;
  bool set(double row, double col, std::int64_t rows, std::int64_t cols) {
    if (!(row >= 0 && col >= 0 && row < rows - 1 && col < cols - 1)) return false;
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

}  // namespace

Raster<cfloat> renderScene(const Scenario& sc, const Ground& ground, std::size_t acqIndex,
                           const geometry::SceneGeometry& geom, const RenderOptions& opt) {
  const Acquisition& acq = sc.acquisitions[acqIndex];
  const PlatformSpec& plat = sc.platforms[static_cast<std::size_t>(acq.platform)];
  const auto& grid = geom.grid();
  const auto& dem = ground.dem;
  const GeoGrid& dg = dem.grid();
  const std::int64_t dRows = dg.length, dCols = dg.width;
  const Ellipsoid ell;

  // 1. Per DEM node: radar position on the surface, its height derivative, and the brightness
  //    factor (local incidence, projected area, cast shadow).
  Raster<double> nLine(dRows, dCols), nSample(dRows, dCols), nDl(dRows, dCols), nDs(dRows, dCols);
  Raster<float> nBright(dRows, dCols, 0.0f);
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
        nLine(r, c) = nSample(r, c) = std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      tGuess = t;
      double t2 = t, r2;
      geometry::geo2rdr(ell.toXyz({lon, lat, h + 10.0}), geom, t2, r2);
      nLine(r, c) = geom.line(t);
      nSample(r, c) = geom.sample(rr);
      nDl(r, c) = (geom.line(t2) - geom.line(t)) / 10.0;
      nDs(r, c) = (geom.sample(r2) - geom.sample(rr)) / 10.0;
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
      nBright(r, c) = static_cast<float>(std::pow(cosLoc, 1.5) / nrm.z());  // area on the slope / horizontal area
    }
  });

  // 2. Scatterers → image, band-parallel over output lines (each band owned by one thread).
  const std::int64_t L = grid.length, W = grid.width;
  Raster<cfloat> img(L, W, cfloat(0, 0));
  const double fsRange = kSpeedOfLight / (2.0 * grid.rangePixelSpacing);
  const Kernel kr(std::min(0.95, plat.rangeBandwidth / fsRange));
  const Kernel ka(std::min(0.95, plat.azimuthBandwidth / grid.prf()));
  const double creep = sc.creep(acq.date);
  const double smDb = sc.soilMoistureDb(acq.date) + plat.radiometricBiasDb;
  const double bright0 = std::pow(10.0, (-8.0 + smDb) / 10.0);  // nominal σ0 (linear) with soil moisture
  const double area = ground.d * ground.d;
  const double k4pi = 4.0 * kPi / grid.wavelength;
  // Dates of this platform (for the temporal speckle process).
  std::vector<double> pDays;
  std::size_t kIndex = 0;
  for (std::size_t i = 0; i < sc.acquisitions.size(); ++i)
    if (sc.acquisitions[i].platform == acq.platform) {
      if (i == acqIndex) kIndex = pDays.size();
      pDays.push_back(sc.acquisitions[i].date.unixDays());
    }
  const auto gRows = ground.rows(), gCols = ground.cols();
  // Line span of every lattice row (conservative), from the DEM nodes it crosses.
  std::vector<double> rowMin(static_cast<std::size_t>(gRows), 1e18), rowMax(static_cast<std::size_t>(gRows), -1e18);
  for (std::int64_t i = 0; i < gRows; ++i) {
    const double n = ground.n0 + (static_cast<double>(i) + 0.5) * ground.d;
    double lonD, latD;
    sc.toLonLat(0.0, n, lonD, latD);
    const auto r0 = std::clamp<std::int64_t>(static_cast<std::int64_t>(dg.row(latD)) - 2, 0, dRows - 1);
    const auto r1 = std::clamp<std::int64_t>(static_cast<std::int64_t>(dg.row(latD)) + 3, 0, dRows - 1);
    for (std::int64_t r = r0; r <= r1; ++r)
      for (std::int64_t c = 0; c < dCols; ++c) {
        const double v = nLine(r, c);
        if (v == v) {
          rowMin[static_cast<std::size_t>(i)] = std::min(rowMin[static_cast<std::size_t>(i)], v);
          rowMax[static_cast<std::size_t>(i)] = std::max(rowMax[static_cast<std::size_t>(i)], v);
        }
      }
  }
  const double lineMargin = 40.0 + kTaps;  // displacement (< ~100 m) + kernel
  const std::int64_t bandLines = std::max<std::int64_t>(64, L / (4 * std::max(1, threadCount())));
  const auto bands = makeBlocks(L, W, bandLines);
  const std::uint64_t platKey = static_cast<std::uint64_t>(acq.platform) + 1;
  parallelForBlocks(bands, [&](const Block& band) {
    const double b0 = static_cast<double>(band.row0) - kTaps, b1 = static_cast<double>(band.row0 + band.rows) + kTaps;
    float wr[kTaps], wa[kTaps];
    for (std::int64_t i = 0; i < gRows; ++i) {
      if (rowMax[static_cast<std::size_t>(i)] + lineMargin < b0 || rowMin[static_cast<std::size_t>(i)] - lineMargin > b1) continue;
      for (std::int64_t j = 0; j < gCols; ++j) {
        const std::uint64_t cell = static_cast<std::uint64_t>(i) * 0x100000000ULL + static_cast<std::uint64_t>(j);
        const std::uint64_t hc = hash(sc.seed, 1, cell);
        const double e = ground.e0 + (static_cast<double>(j) + uniform(hc)) * ground.d;
        const double n = ground.n0 + (static_cast<double>(i) + uniform(mix(hc))) * ground.d;
        double lonD, latD;
        sc.toLonLat(e, n, lonD, latD);
        Bilin b;
        if (!b.set(dg.row(latD), dg.col(lonD), dRows, dCols)) continue;
        const double bright = b(nBright);
        if (bright <= 0) continue;
        const double h = b(H);
        // Displacement (material point moves with the slide).
        const double ue = creep * b(ground.gE), un = creep * b(ground.gN), uu = creep * b(ground.gU);
        Bilin bd = b;
        double lon2 = lonD, lat2 = latD;
        if (ue != 0.0 || un != 0.0) {
          sc.toLonLat(e + ue, n + un, lon2, lat2);
          if (!bd.set(dg.row(lat2), dg.col(lon2), dRows, dCols)) continue;
        }
        const double dh = (h + uu) - bd(H);
        const double line = bd(nLine) + bd(nDl) * dh;
        if (!(line >= b0 && line < b1)) continue;
        const double sample = bd(nSample) + bd(nDs) * dh;
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
        double amp = std::sqrt(sigma * area);
        cfloat z(1.0f, 0.0f);
        if (opt.speckle) {
          // Speckle: constant part + AR(1) part over this platform's dates.
          const double floor = slide ? sc.coherenceFloorSlide : sc.coherenceFloorStable;
          const double tau = slide ? sc.coherenceTauSlide : sc.coherenceTauStable;
          double c1, c2, x1, x2;
          normal2(hash(sc.seed, 2, cell, platKey), c1, c2);
          normal2(hash(sc.seed, 3, cell, platKey * 1000), x1, x2);
          for (std::size_t k = 1; k <= kIndex; ++k) {
            const double a = std::exp(-(pDays[k] - pDays[k - 1]) / tau), s = std::sqrt(1 - a * a);
            double m1, m2;
            normal2(hash(sc.seed, 3, cell, platKey * 1000 + k), m1, m2);
            x1 = a * x1 + s * m1;
            x2 = a * x2 + s * m2;
          }
          const double sf = std::sqrt(floor), sx = std::sqrt(1 - floor);
          z = cfloat(static_cast<float>((sf * c1 + sx * x1) * std::sqrt(0.5)), static_cast<float>((sf * c2 + sx * x2) * std::sqrt(0.5)));
        }
        const double range = geom.range(sample);
        const double ph = -k4pi * range;
        const cfloat val = z * cfloat(static_cast<float>(amp * std::cos(ph)), static_cast<float>(amp * std::sin(ph)));
        std::int64_t k0r, k0a;
        kr.weights(sample, k0r, wr);
        ka.weights(line, k0a, wa);
        for (int ka2 = 0; ka2 < kTaps; ++ka2) {
          const std::int64_t row = k0a + ka2;
          if (row < band.row0 || row >= band.row0 + band.rows) continue;
          cfloat* out = img.row(row);
          const cfloat va = val * wa[ka2];
          for (int kr2 = 0; kr2 < kTaps; ++kr2) {
            const std::int64_t col = k0r + kr2;
            if (col >= 0 && col < W) out[col] += va * wr[kr2];
          }
        }
      }
    }
    // Thermal noise.
    if (opt.speckle) {
      const double pixArea = grid.rangePixelSpacing / std::sin(36.0 * kDeg) * 3.4;  // m², nominal flat pixel
      const double noiseStd = std::sqrt(std::pow(10.0, -8.0 / 10.0) * pixArea * std::pow(10.0, -opt.snrDb / 10.0) * 0.5);
      for (std::int64_t r = band.row0; r < band.row0 + band.rows; ++r)
        for (std::int64_t c = 0; c < W; ++c) {
          double n1, n2;
          normal2(hash(sc.seed, 4, static_cast<std::uint64_t>(acqIndex) * 0x1000000ULL + static_cast<std::uint64_t>(r),
                       static_cast<std::uint64_t>(c)), n1, n2);
          img(r, c) += cfloat(static_cast<float>(noiseStd * n1), static_cast<float>(noiseStd * n2));
        }
    }
  });
  return img;
}

}  // namespace orthotrack::simulate::detail

#include "orthotrack/coreg/simamp.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/coreg/poly.hpp"

namespace orthotrack::coreg {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
struct Contribution {
  float line, sample, power;
};
}  // namespace

void SimAmpParams::validate() const {
  if (!(groundOversampling >= 1) || groundOversampling > 8)
    throw InvalidInput("ground oversampling must be in [1, 8]", {"", "coreg.dem_coreg.ground_oversampling", std::to_string(groundOversampling)});
  geo2rdr.validate();
}

Raster<float> simulateAmplitude(const geometry::SceneGeometry& scene, const geometry::Dem& dem, const SimAmpParams& prm) {
  prm.validate();
  const RadarGrid& g = scene.grid();
  const Ellipsoid ell = Ellipsoid::wgs84();
  const geometry::Dem flat = geometry::Dem::constant(dem.meanHeight());
  // Footprint (lon/lat bounds) from the grid perimeter on the DEM (flat fallback).
  double lonMin = 1e9, lonMax = -1e9, latMin = 1e9, latMax = -1e9;
  const int nEdge = 16;
  for (int k = 0; k <= nEdge; ++k) {
    const double f = static_cast<double>(k) / nEdge;
    const double pts[4][2] = {{f * (g.length - 1), 0.0}, {f * (g.length - 1), static_cast<double>(g.width - 1)},
                              {0.0, f * (g.width - 1)}, {static_cast<double>(g.length - 1), f * (g.width - 1)}};
    for (const auto& p : pts) {
      geometry::Rdr2GeoResult res;
      if (geometry::rdr2geo(scene, p[0], p[1], dem, res) != Status::Ok &&
          geometry::rdr2geo(scene, p[0], p[1], flat, res) != Status::Ok)
        continue;
      lonMin = std::min(lonMin, res.llh.lon); lonMax = std::max(lonMax, res.llh.lon);
      latMin = std::min(latMin, res.llh.lat); latMax = std::max(latMax, res.llh.lat);
    }
  }
  if (!(lonMax > lonMin) || !(latMax > latMin))
    throw OutOfDomain("cannot locate the scene footprint on the ground (rdr2geo failed at its edges)",
                      {"", "coreg.dem_coreg.footprint", ""});
  // Ground pixel size at the centre (flat, mean height).
  geometry::Rdr2GeoResult c0, c1, c2;
  const double lc = 0.5 * (g.length - 1), sc = 0.5 * (g.width - 1);
  if (geometry::rdr2geo(scene, lc, sc, flat, c0) != Status::Ok || geometry::rdr2geo(scene, lc + 1, sc, flat, c1) != Status::Ok ||
      geometry::rdr2geo(scene, lc, sc + 1, flat, c2) != Status::Ok)
    throw OutOfDomain("rdr2geo failed at the scene centre", {"", "coreg.dem_coreg.footprint", ""});
  const double dAz = (c1.xyz - c0.xyz).norm(), dRg = (c2.xyz - c0.xyz).norm();
  const double d = std::min(dAz, dRg) / prm.groundOversampling;  // m
  const double latC = c0.llh.lat;
  const double Rn = ell.rNorth(latC), Re = ell.rEast(latC) * std::cos(latC);
  const double dLat = d / Rn, dLon = d / Re;
  // Margin for the height parallax (≈ (hmax − hmin)/tan θ on the ground) and the grid rotation.
  const double relief = std::max(0.0, dem.maxHeight() - dem.minHeight());
  const double marginM = 1.5 * relief + 4 * d;
  lonMin -= marginM / Re; lonMax += marginM / Re; latMin -= marginM / Rn; latMax += marginM / Rn;
  const auto nLat = static_cast<std::int64_t>(std::ceil((latMax - latMin) / dLat)) + 1;
  const auto nLon = static_cast<std::int64_t>(std::ceil((lonMax - lonMin) / dLon)) + 1;
  const double areaH = d * d;  // horizontal area of one ground sample, m²

  const std::int64_t rowsPerBlock = 16;
  const auto blocks = makeBlocks(nLat, nLon, rowsPerBlock);
  std::vector<std::vector<Contribution>> contrib(blocks.size());
  parallelFor(static_cast<std::int64_t>(blocks.size()), [&](std::int64_t bi) {
    const Block& b = blocks[static_cast<std::size_t>(bi)];
    auto& out = contrib[static_cast<std::size_t>(bi)];
    double tGuess = kNaN;
    for (std::int64_t i = b.row0; i < b.row0 + b.rows; ++i) {
      const double lat = latMax - static_cast<double>(i) * dLat;
      double t = tGuess;
      bool first = true;
      for (std::int64_t j = 0; j < nLon; ++j) {
        const double lon = lonMin + static_cast<double>(j) * dLon;
        double h;
        if (dem.height(lon, lat, h) != Status::Ok) continue;
        Vec3 nEnu;
        if (dem.surfaceNormalEnu(lon, lat, nEnu) != Status::Ok) continue;
        const Vec3 p = ell.toXyz({lon, lat, h});
        double r;
        if (geometry::geo2rdr(p, scene.orbit(), scene.doppler(), scene.wavelength(), t, r, prm.geo2rdr) != Status::Ok) {
          t = tGuess;
          continue;
        }
        if (first) { tGuess = t; first = false; }
        const double line = scene.line(t), sample = scene.sample(r);
        if (line < -1 || sample < -1 || line > static_cast<double>(g.length) || sample > static_cast<double>(g.width)) continue;
        Vec3 s, v;
        if (scene.orbit().interpolate(t, s, v) != Status::Ok) continue;
        const Vec3 los = (s - p).normalized();
        const Vec3 n = ell.enu(lon, lat).toEcef(nEnu);
        const double cosLoc = n.dot(los);
        if (cosLoc <= 0 || !(nEnu.z() > 0)) continue;
        const double power = areaH / nEnu.z() * cosLoc;
        out.push_back({static_cast<float>(line), static_cast<float>(sample), static_cast<float>(power)});
      }
    }
  });
  Raster<double> acc(g.length, g.width, 0.0);
  for (const auto& blk : contrib)
    for (const auto& c : blk) {
      const double fl = std::floor(static_cast<double>(c.line)), fs = std::floor(static_cast<double>(c.sample));
      const double tl = static_cast<double>(c.line) - fl, ts = static_cast<double>(c.sample) - fs;
      const auto i0 = static_cast<std::int64_t>(fl), j0 = static_cast<std::int64_t>(fs);
      for (int a = 0; a < 2; ++a)
        for (int bb = 0; bb < 2; ++bb) {
          const std::int64_t ii = i0 + a, jj = j0 + bb;
          if (ii < 0 || jj < 0 || ii >= g.length || jj >= g.width) continue;
          acc(ii, jj) += static_cast<double>(c.power) * (a ? tl : 1 - tl) * (bb ? ts : 1 - ts);
        }
    }
  Raster<float> amp(g.length, g.width);
  for (std::size_t k = 0; k < amp.size(); ++k) amp.data()[k] = static_cast<float>(std::sqrt(acc.data()[k]));
  return amp;
}

Raster<float> multilookAmplitude(RasterView<const cfloat> slc, int az, int rg) {
  if (az < 1 || rg < 1) throw InvalidInput("looks must be >= 1", {"", "coreg.dem_coreg.looks", std::to_string(az) + "x" + std::to_string(rg)});
  const std::int64_t L = slc.length() / az, W = slc.width() / rg;
  Raster<float> out(L, W);
  parallelFor(L, [&](std::int64_t k) {
    for (std::int64_t l = 0; l < W; ++l) {
      double s = 0;
      for (int a = 0; a < az; ++a) {
        const cfloat* p = slc.row(k * az + a) + l * rg;
        for (int b = 0; b < rg; ++b) s += static_cast<double>(std::norm(p[b]));
      }
      out(k, l) = static_cast<float>(std::sqrt(s / (az * rg)));
    }
  });
  return out;
}

offsets::OffsetParams DemCoregParams::defaultOffsets() {
  offsets::OffsetParams p;
  p.windows = {{48, 48}};
  p.search_az = p.search_rg = 12;
  p.step_az = p.step_rg = 8;
  p.oversample = 16;
  p.fftw_measure = false;
  return p;
}

void DemCoregParams::validate() const {
  auto bad = [](const char* key, double v) { throw InvalidInput("invalid DEM co-registration parameter", {"", key, std::to_string(v)}); };
  if (azimuthLooks < 1 || azimuthLooks > 64) bad("coreg.dem_coreg.azimuth_looks", azimuthLooks);
  if (rangeLooks < 1 || rangeLooks > 64) bad("coreg.dem_coreg.range_looks", rangeLooks);
  if (iterations < 1 || iterations > 10) bad("coreg.dem_coreg.iterations", iterations);
  if (!(tolerance > 0)) bad("coreg.dem_coreg.tolerance", tolerance);
  if (!(minSnr >= 0)) bad("coreg.dem_coreg.min_snr", static_cast<double>(minSnr));
  if (!(minNcc >= -1) || minNcc > 1) bad("coreg.dem_coreg.min_ncc", static_cast<double>(minNcc));
  sim.validate();
  offsets.validate();
}

DemCoregResult coregisterDem(const geometry::SceneGeometry& master, RasterView<const float> amp, const geometry::Dem& dem,
                             const DemCoregParams& prm) {
  prm.validate();
  auto logger = log::get("coreg");
  DemCoregResult R;
  R.corrected = master;
  const geometry::SceneGeometry ml0 = master.multilooked(prm.azimuthLooks, prm.rangeLooks);
  if (amp.length() != ml0.grid().length || amp.width() != ml0.grid().width)
    throw InvalidInput("multi-looked master amplitude does not match the multi-looked master grid",
                       {"", "coreg.dem_coreg.amplitude", std::to_string(amp.length()) + "x" + std::to_string(amp.width())});
  prm.offsets.validate(amp.length(), amp.width());
  for (int pass = 0; pass < prm.iterations; ++pass) {
    const geometry::SceneGeometry ml = R.corrected.multilooked(prm.azimuthLooks, prm.rangeLooks);
    const Raster<float> sim = simulateAmplitude(ml, dem, prm.sim);
    const offsets::OffsetField f = offsets::estimateOffsets(sim.cview(), amp, prm.offsets);
    FitData data;
    for (std::int64_t i = 0; i < f.grid.rows; ++i)
      for (std::int64_t j = 0; j < f.grid.cols; ++j) {
        if (f.flagAt(i, j) != offsets::Flag::ok || !(f.snr(i, j) >= prm.minSnr) || !(f.ncc(i, j) >= prm.minNcc)) continue;
        data.add(static_cast<double>(f.grid.centreRow(i)), static_cast<double>(f.grid.centreCol(j)), f.azimuth_offset(i, j),
                 f.range_offset(i, j), 1.0);
      }
    {
      int hist[8] = {0};
      std::vector<float> snrs;
      for (std::int64_t i = 0; i < f.grid.rows; ++i)
        for (std::int64_t j = 0; j < f.grid.cols; ++j) {
          hist[std::min<int>(7, f.flag(i, j))]++;
          if (std::isfinite(f.snr(i, j))) snrs.push_back(f.snr(i, j));
        }
      std::sort(snrs.begin(), snrs.end());
      logger->debug("DEM co-registration offsets: {} x {} grid, flags ok {} low_snr {} low_ncc {} edge {} nodata {} no_peak {} outlier {}, median SNR {:.2f}",
                    f.grid.rows, f.grid.cols, hist[0], hist[1], hist[2], hist[3], hist[4], hist[5], hist[6],
                    snrs.empty() ? 0.0 : static_cast<double>(snrs[snrs.size() / 2]));
    }
    RobustFitParams fp;
    fp.order = 0;
    fp.minPoints = 5;
    const RobustFitResult fit = fitRobust(data, fp);
    const double dl = fit.a.coeffs[0] * prm.azimuthLooks, ds = fit.b.coeffs[0] * prm.rangeLooks;
    RadarGrid gnew = R.corrected.grid();
    gnew.sensingStart = gnew.sensingStart.plusSeconds(-dl * gnew.azimuthTimeInterval);
    gnew.startingRange -= ds * gnew.rangePixelSpacing;
    R.corrected = geometry::SceneGeometry(master.orbit(), gnew, master.doppler());
    R.lineShift += dl;
    R.sampleShift += ds;
    R.offsetsUsed = fit.inliers;
    R.residualRmsLine = fit.rmsA * prm.azimuthLooks;
    R.residualRmsSample = fit.rmsB * prm.rangeLooks;
    R.passes = pass + 1;
    logger->info("DEM co-registration pass {}: shift {:.3f} lines, {:.3f} samples ({} offsets)", pass + 1, dl, ds, fit.inliers);
    if (std::abs(dl) < prm.tolerance && std::abs(ds) < prm.tolerance) break;
  }
  R.timeShift = R.lineShift * master.grid().azimuthTimeInterval;
  R.rangeBias = R.sampleShift * master.grid().rangePixelSpacing;
  return R;
}

}  // namespace orthotrack::coreg

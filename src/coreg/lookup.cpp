#include "orthotrack/coreg/lookup.hpp"

#include <algorithm>
#include <cmath>
#include <vector>
#include <limits>
#include <string>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"

namespace orthotrack::coreg {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline void keys(double t, double w[4]) {
  const double t2 = t * t, t3 = t2 * t;
  w[0] = -0.5 * t3 + t2 - 0.5 * t;
  w[1] = 1.5 * t3 - 2.5 * t2 + 1.0;
  w[2] = -1.5 * t3 + 2.0 * t2 + 0.5 * t;
  w[3] = 0.5 * t3 - 0.5 * t2;
}

struct LookupNodes {
  Raster<double> L, S;
  Raster<std::uint8_t> status;
};

// A coarse radar grid of the master: node (i, j) at master (line0 + k·i, sample0 + k·j), nr × nc.
RadarGrid coarseGrid(const RadarGrid& mg, double line0, double sample0, int k, std::int64_t nr, std::int64_t nc) {
  RadarGrid cg = mg;
  cg.azimuthTimeInterval = mg.azimuthTimeInterval * k;
  cg.sensingStart = mg.sensingStart.plusSeconds(line0 * mg.azimuthTimeInterval);
  cg.rangePixelSpacing = mg.rangePixelSpacing * k;
  cg.startingRange = mg.startingRange + sample0 * mg.rangePixelSpacing;
  cg.length = nr;
  cg.width = nc;
  return cg;
}

// Exact radar-to-radar mapping on the coarse grid `cg` of the master (parallel blocks).
void mapGrid(const geometry::SceneGeometry& master, const RadarGrid& cg, const geometry::SceneGeometry& secondary,
             const geometry::Dem& dem, const LookupParams& prm, int k, Raster<double>& L, Raster<double>& S,
             Raster<std::uint8_t>& st) {
  Orbit orb = master.orbit();
  // Outer node rows lie up to 2 steps outside the sensing span; allow the orbit to be evaluated
  // there (they only shape the interpolation near the edges).
  orb.setExtrapolationMargin(std::max(orb.extrapolationMargin(), 3.0 * master.grid().azimuthTimeInterval * k));
  const geometry::SceneGeometry coarse(orb, cg, master.doppler());
  L = Raster<double>(cg.length, cg.width);
  S = Raster<double>(cg.length, cg.width);
  st = Raster<std::uint8_t>(cg.length, cg.width);
  auto win = [](auto& r, const Block& b) { return r.view().window(b.row0, b.col0, b.rows, b.cols); };
  const auto blocks = makeBlocks(cg.length, cg.width, std::max<std::int64_t>(1, prm.geometry.blockLines / k));
  parallelForBlocks(blocks, [&](const Block& b) {
    geometry::radarToRadarBlock<double>(coarse, secondary, dem, b, win(L, b), win(S, b), win(st, b), prm.geometry);
  });
}

LookupNodes computeNodes(const geometry::SceneGeometry& master, const geometry::SceneGeometry& secondary, const geometry::Dem& dem,
                         int step, const LookupParams& prm) {
  const RadarGrid& mg = master.grid();
  const std::int64_t nr = (mg.length - 1) / step + 4, nc = (mg.width - 1) / step + 4;
  LookupNodes n;
  mapGrid(master, coarseGrid(mg, -step, -step, step, nr, nc), secondary, dem, prm, step, n.L, n.S, n.status);
  return n;
}

// Trimmed RMS (secondary px) of |interpolated − exact| at up to 64 × 64 cell-centre check points
// (the worst 1 % dropped: layover folds); NaN when no check point is valid.
double interpolationError(const Lookup& lk, const geometry::SceneGeometry& master, const geometry::SceneGeometry& secondary,
                          const geometry::Dem& dem, const LookupParams& prm) {
  const RadarGrid& mg = master.grid();
  const int step = lk.step();
  const double half = 0.5 * step;
  if (static_cast<double>(mg.length - 1) < half || static_cast<double>(mg.width - 1) < half) return kNaN;
  const std::int64_t cells = std::max((mg.length - 1) / step, (mg.width - 1) / step) + 1;
  const int k = step * static_cast<int>(std::max<std::int64_t>(1, (cells + 63) / 64));  // check-point spacing (master px)
  const std::int64_t nr = static_cast<std::int64_t>((static_cast<double>(mg.length - 1) - half) / k) + 1;
  const std::int64_t nc = static_cast<std::int64_t>((static_cast<double>(mg.width - 1) - half) / k) + 1;
  Raster<double> L, S;
  Raster<std::uint8_t> st;
  mapGrid(master, coarseGrid(mg, half, half, k, nr, nc), secondary, dem, prm, k, L, S, st);
  std::vector<double> e2;
  e2.reserve(static_cast<std::size_t>(nr * nc));
  for (std::int64_t i = 0; i < nr; ++i)
    for (std::int64_t j = 0; j < nc; ++j) {
      if (static_cast<Status>(st(i, j)) != Status::Ok || !std::isfinite(L(i, j)) || !std::isfinite(S(i, j))) continue;
      double l, sm;
      if (!lk.geometric(half + static_cast<double>(k * i), half + static_cast<double>(k * j), l, sm)) continue;
      e2.push_back((l - L(i, j)) * (l - L(i, j)) + (sm - S(i, j)) * (sm - S(i, j)));
    }
  if (e2.empty()) return kNaN;
  std::sort(e2.begin(), e2.end());
  const auto keep = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(e2.size()))));
  double sum = 0;
  for (std::size_t i = 0; i < keep; ++i) sum += e2[i];
  return std::sqrt(sum / static_cast<double>(keep));
}
}  // namespace

void LookupParams::validate() const {
  if (step < 1 || step > 256) throw InvalidInput("lookup node step must be in 1..256", {"", "coreg.lookup.step", std::to_string(step)});
  if (!(tolerance >= 0) || tolerance > 10)
    throw InvalidInput("lookup tolerance must be in [0, 10] px", {"", "coreg.lookup.tolerance", std::to_string(tolerance)});
  if (!(minOverlap >= 0) || minOverlap > 1)
    throw InvalidInput("minimum overlap must be in [0, 1]", {"", "coreg.lookup.min_overlap", std::to_string(minOverlap)});
  geometry.validate();
}

Lookup::Lookup(std::int64_t masterLength, std::int64_t masterWidth, int step, Raster<double> nodeLine, Raster<double> nodeSample)
    : length_(masterLength), width_(masterWidth), step_(step), nl_(std::move(nodeLine)), ns_(std::move(nodeSample)) {
  const std::int64_t nr = (masterLength - 1) / step + 4, nc = (masterWidth - 1) / step + 4;
  if (step < 1 || nl_.length() != nr || nl_.width() != nc || ns_.length() != nr || ns_.width() != nc)
    throw InvalidInput("lookup node grid does not match the master size and step", {"", "coreg.lookup.nodes",
                       std::to_string(nl_.length()) + "x" + std::to_string(nl_.width())});
}

bool Lookup::geometric(double line, double sample, double& sl, double& ss) const noexcept {
  sl = ss = kNaN;
  if (nl_.empty() || !std::isfinite(line) || !std::isfinite(sample)) return false;
  const double u = line / step_ + 1.0, v = sample / step_ + 1.0;
  const auto i0 = static_cast<std::int64_t>(std::floor(u)), j0 = static_cast<std::int64_t>(std::floor(v));
  if (i0 < 0 || j0 < 0 || i0 + 1 >= nl_.length() || j0 + 1 >= nl_.width()) return false;
  const double tu = u - static_cast<double>(i0), tv = v - static_cast<double>(j0);
  const bool cubic = i0 >= 1 && j0 >= 1 && i0 + 2 < nl_.length() && j0 + 2 < nl_.width();
  if (cubic) {
    double wu[4], wv[4];
    keys(tu, wu);
    keys(tv, wv);
    double a = 0, b = 0;
    bool ok = true;
    for (int p = 0; p < 4 && ok; ++p) {
      const double* L = nl_.row(i0 - 1 + p) + (j0 - 1);
      const double* S = ns_.row(i0 - 1 + p) + (j0 - 1);
      for (int q = 0; q < 4; ++q) {
        if (!std::isfinite(L[q])) { ok = false; break; }
        a += wu[p] * wv[q] * L[q];
        b += wu[p] * wv[q] * S[q];
      }
    }
    if (ok) { sl = a; ss = b; return true; }
  }
  // Bilinear on the 4 inner nodes (edges of valid areas).
  const double l00 = nl_(i0, j0), l01 = nl_(i0, j0 + 1), l10 = nl_(i0 + 1, j0), l11 = nl_(i0 + 1, j0 + 1);
  if (!std::isfinite(l00) || !std::isfinite(l01) || !std::isfinite(l10) || !std::isfinite(l11)) return false;
  const double s00 = ns_(i0, j0), s01 = ns_(i0, j0 + 1), s10 = ns_(i0 + 1, j0), s11 = ns_(i0 + 1, j0 + 1);
  sl = (1 - tu) * ((1 - tv) * l00 + tv * l01) + tu * ((1 - tv) * l10 + tv * l11);
  ss = (1 - tu) * ((1 - tv) * s00 + tv * s01) + tu * ((1 - tv) * s10 + tv * s11);
  return true;
}

bool Lookup::eval(double line, double sample, double& sl, double& ss) const noexcept {
  if (!geometric(line, sample, sl, ss)) return false;
  sl += correctionLine.eval(line, sample);
  ss += correctionSample.eval(line, sample);
  return true;
}

void Lookup::fill(const Block& b, RasterView<double> sl, RasterView<double> ss, bool withCorrection) const {
  for (std::int64_t i = 0; i < b.rows; ++i)
    for (std::int64_t j = 0; j < b.cols; ++j) {
      const double l = static_cast<double>(b.row0 + i), s = static_cast<double>(b.col0 + j);
      if (withCorrection) eval(l, s, sl(i, j), ss(i, j));
      else geometric(l, s, sl(i, j), ss(i, j));
    }
}

bool Lookup::jacobian(double line, double sample, double J[4]) const noexcept {
  const double h = step_;
  double a0, b0, a1, b1, c0, d0, c1, d1;
  if (!eval(line - h, sample, a0, b0) || !eval(line + h, sample, a1, b1) || !eval(line, sample - h, c0, d0) ||
      !eval(line, sample + h, c1, d1)) {
    // One-sided near edges.
    double l0, s0;
    if (!eval(line, sample, l0, s0)) return false;
    if (!eval(line + h, sample, a1, b1)) { if (!eval(line - h, sample, a1, b1)) return false; a1 = 2 * l0 - a1; b1 = 2 * s0 - b1; }
    if (!eval(line, sample + h, c1, d1)) { if (!eval(line, sample - h, c1, d1)) return false; c1 = 2 * l0 - c1; d1 = 2 * s0 - d1; }
    J[0] = (a1 - l0) / h; J[2] = (b1 - s0) / h; J[1] = (c1 - l0) / h; J[3] = (d1 - s0) / h;
    return true;
  }
  J[0] = (a1 - a0) / (2 * h);
  J[2] = (b1 - b0) / (2 * h);
  J[1] = (c1 - c0) / (2 * h);
  J[3] = (d1 - d0) / (2 * h);
  return true;
}

Lookup computeLookup(const geometry::SceneGeometry& master, const geometry::SceneGeometry& secondary,
                     const geometry::Dem& dem, const LookupParams& prm, LookupStats* stats) {
  prm.validate();
  const RadarGrid& mg = master.grid();
  const double t0 = master.time(0), t1 = master.time(static_cast<double>(mg.length - 1));
  if (!master.orbit().covers(t0, t1))
    throw OutOfDomain("the master orbit does not cover the master's sensing time",
                      {"", "master.orbit", mg.sensingStart.iso() + " .. " + mg.sensingStop().iso()});
  // Secondary orbit coverage of the footprint: master corners and centre on a constant-height DEM.
  {
    const geometry::Dem flat = geometry::Dem::constant(dem.isConstant() ? dem.meanHeight() : dem.meanHeight());
    int ok = 0, ood = 0;
    const double Ls[3] = {0.0, 0.5 * static_cast<double>(mg.length - 1), static_cast<double>(mg.length - 1)};
    const double Ss[3] = {0.0, 0.5 * static_cast<double>(mg.width - 1), static_cast<double>(mg.width - 1)};
    for (double l : Ls)
      for (double s : Ss) {
        geometry::Rdr2GeoResult res;
        if (geometry::rdr2geo(master, l, s, flat, res) != Status::Ok) continue;
        double t = kNaN, r = kNaN;
        const Status st = geometry::geo2rdr(res.xyz, secondary, t, r);
        if (st == Status::Ok) ++ok;
        else if (st == Status::OutOfDomain) ++ood;
      }
    if (ok == 0 && ood > 0)
      throw OutOfDomain("the secondary orbit does not cover the master footprint",
                        {"", "secondary.orbit", secondary.orbit().startDateTime().iso() + " .. " +
                                                    secondary.orbit().endDateTime().iso()});
  }
  int step = prm.step;
  LookupNodes nodes = computeNodes(master, secondary, dem, step, prm);
  Lookup lk(mg.length, mg.width, step, std::move(nodes.L), std::move(nodes.S));
  double interpErr = kNaN;
  while (prm.tolerance > 0) {
    if (step == 1) { interpErr = 0.0; break; }  // exact per pixel
    interpErr = interpolationError(lk, master, secondary, dem, prm);
    if (!(interpErr > prm.tolerance)) break;
    log::get("coreg")->debug("lookup: step {} interpolates to {:.4f} px (tolerance {:.4f}): halving", step, interpErr, prm.tolerance);
    step = std::max(1, step / 2);
    lk = Lookup();  // free the coarser nodes first
    nodes = computeNodes(master, secondary, dem, step, prm);
    lk = Lookup(mg.length, mg.width, step, std::move(nodes.L), std::move(nodes.S));
  }
  const std::int64_t nr = lk.nodeLine().length(), nc = lk.nodeLine().width();
  const Raster<double>& L = lk.nodeLine();
  const Raster<double>& S = lk.nodeSample();
  const Raster<std::uint8_t>& st = nodes.status;
  LookupStats s;
  std::int64_t inner = 0, inside = 0;
  for (std::int64_t i = 0; i < nr; ++i)
    for (std::int64_t j = 0; j < nc; ++j) {
      ++s.nodes;
      switch (static_cast<Status>(st(i, j))) {
        case Status::Ok: ++s.ok; break;
        case Status::OutOfDomain: ++s.outOfDomain; break;
        case Status::NoConvergence: ++s.noConvergence; break;
        default: ++s.invalidValue; break;
      }
      const double ml = static_cast<double>((i - 1) * step), ms = static_cast<double>((j - 1) * step);
      if (ml < 0 || ms < 0 || ml > static_cast<double>(mg.length - 1) || ms > static_cast<double>(mg.width - 1)) continue;
      ++inner;
      if (std::isfinite(L(i, j)) && L(i, j) >= 0 && L(i, j) <= static_cast<double>(secondary.grid().length - 1) &&
          S(i, j) >= 0 && S(i, j) <= static_cast<double>(secondary.grid().width - 1))
        ++inside;
    }
  s.overlapFraction = inner > 0 ? static_cast<double>(inside) / static_cast<double>(inner) : 0.0;
  s.step = step;
  s.interpolationError = interpErr;
  if (stats) *stats = s;
  if (s.ok == 0)
    throw OutOfDomain("no master pixel could be mapped to the secondary (DEM or orbits do not cover the scene)",
                      {"", "coreg.lookup.nodes", std::to_string(s.nodes)});
  if (s.overlapFraction < prm.minOverlap)
    throw InvalidInput("the secondary does not overlap the master (fraction of the master inside the secondary)",
                       {"", "coreg.lookup.overlap", std::to_string(s.overlapFraction)});
  log::get("coreg")->debug("lookup: {} nodes (step {}, interpolation error {:.4f} px), {} ok, overlap {:.3f}", s.nodes, step,
                           interpErr, s.ok, s.overlapFraction);
  return lk;
}

}  // namespace orthotrack::coreg

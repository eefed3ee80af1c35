#include "orthotrack/coreg/coreg.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/offsets/offsets.hpp"

namespace orthotrack::coreg {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::json polyJson(const Poly2d& p) {
  return {{"order", p.order}, {"line_mean", p.lineMean}, {"line_scale", p.lineScale}, {"sample_mean", p.sampleMean},
          {"sample_scale", p.sampleScale}, {"coefficients", p.coeffs},
          {"terms", "u^(d-k) v^k for d = 0..order, k = 0..d; u = (line - line_mean)/line_scale, v = (sample - sample_mean)/sample_scale"}};
}

// Largest |p| at the corners, edge midpoints and centre of the master grid.
double maxAbs(const Poly2d& p, std::int64_t L, std::int64_t W) {
  double m = 0;
  for (int a = 0; a <= 2; ++a)
    for (int b = 0; b <= 2; ++b)
      m = std::max(m, std::abs(p.eval(0.5 * a * static_cast<double>(L - 1), 0.5 * b * static_cast<double>(W - 1))));
  return m;
}

bool stableAt(StableMask m, std::int64_t r, std::int64_t c) {
  if (m.empty()) return true;
  if (r < 0 || c < 0 || r >= m.length() || c >= m.width()) return false;
  return m(r, c) != 0;
}
}  // namespace

Method parseMethod(const std::string& t) {
  std::string s = t;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "improved") return Method::Improved;
  if (s == "traditional") return Method::Traditional;
  throw InvalidInput("unknown co-registration method (expected improved or traditional)", {"", "coreg.method", t});
}
std::string toString(Method m) { return m == Method::Improved ? "improved" : "traditional"; }

offsets::OffsetParams RefineParams::defaultOffsets() {
  offsets::OffsetParams p;
  p.windows = {{64, 64}};
  p.search_az = p.search_rg = 8;
  p.step_az = p.step_rg = 32;
  p.oversample = 32;
  p.fftw_measure = false;
  return p;
}
ResampleParams RefineParams::defaultResample() {
  ResampleParams r;
  r.taps = 8;
  r.kaiserBeta = 4.0;
  return r;
}
void RefineParams::validate() const {
  if (iterations < 1 || iterations > 10) throw InvalidInput("refinement passes must be in 1..10", {"", "coreg.refine.iterations", std::to_string(iterations)});
  if (!(tolerance > 0)) throw InvalidInput("refinement tolerance must be positive", {"", "coreg.refine.tolerance", std::to_string(tolerance)});
  if (!(minSnr >= 0)) throw InvalidInput("minimum SNR must be >= 0", {"", "coreg.refine.min_snr", std::to_string(minSnr)});
  fit.validate();
  offsets.validate();
  resample.validate();
}

offsets::OffsetParams ResidualParams::defaultOffsets() {
  offsets::OffsetParams p;
  p.windows = {{64, 64}};
  p.search_az = p.search_rg = 4;
  p.step_az = p.step_rg = 32;
  p.oversample = 64;
  p.fftw_measure = false;
  return p;
}
void ResidualParams::validate() const {
  if (!(minSnr >= 0)) throw InvalidInput("minimum SNR must be >= 0", {"", "coreg.residual.min_snr", std::to_string(minSnr)});
  if (!(applyThreshold >= 0)) throw InvalidInput("threshold must be >= 0", {"", "coreg.residual.apply_threshold", std::to_string(applyThreshold)});
  fit.validate();
  offsets.validate();
}

offsets::OffsetParams TraditionalParams::defaultOffsets() {
  offsets::OffsetParams p;
  p.windows = {{128, 128}};
  p.search_az = p.search_rg = 24;
  p.step_az = p.step_rg = 48;
  p.oversample = 32;
  p.fftw_measure = false;
  return p;
}
void TraditionalParams::validate() const {
  if (order < 0 || order > 3) throw InvalidInput("polynomial order must be in 0..3", {"", "coreg.traditional.order", std::to_string(order)});
  if (std::isinf(height)) throw InvalidInput("height must be finite or NaN", {"", "coreg.traditional.height", std::to_string(height)});
  offsets.validate();
}

void CoregParams::validate() const {
  lookup.validate();
  demCoreg.validate();
  refine.validate();
  residual.validate();
  traditional.validate();
  resample.validate();
  if (blockLines < 8) throw InvalidInput("block lines must be >= 8", {"", "coreg.block_lines", std::to_string(blockLines)});
}

nlohmann::json OffsetStats::toJson() const {
  return {{"estimates", estimates}, {"used", used}, {"inliers", inliers}, {"mean_az_px", meanAz}, {"mean_rg_px", meanRg},
          {"rms_az_px", rmsAz}, {"rms_rg_px", rmsRg}, {"robust_rms_az_px", robustRmsAz}, {"robust_rms_rg_px", robustRmsRg}};
}

nlohmann::json CoregReport::toJson() const {
  nlohmann::json j;
  j["master"] = masterId;
  j["secondary"] = secondaryId;
  j["method"] = toString(method);
  j["lookup"] = {{"nodes", lookup.nodes}, {"ok", lookup.ok}, {"out_of_domain", lookup.outOfDomain},
                 {"invalid_value", lookup.invalidValue}, {"no_convergence", lookup.noConvergence},
                 {"overlap_fraction", lookup.overlapFraction}, {"step", lookup.step},
                 {"interpolation_error_px", std::isfinite(lookup.interpolationError) ? nlohmann::json(lookup.interpolationError) : nlohmann::json()}};
  nlohmann::json passes = nlohmann::json::array();
  for (const auto& p : refine)
    passes.push_back({{"used", p.used}, {"inliers", p.inliers}, {"rms_line_px", p.rmsLine}, {"rms_sample_px", p.rmsSample},
                      {"max_correction_px", p.maxCorrection}});
  j["refine"] = passes;
  j["correction_line"] = polyJson(correctionLine);
  j["correction_sample"] = polyJson(correctionSample);
  j["residual"] = residual.toJson();
  j["residual_fit_az"] = polyJson(residualAz);
  j["residual_fit_rg"] = polyJson(residualRg);
  j["residual_applied"] = residualApplied;
  j["cutoff"] = {{"azimuth", azimuthCutoff}, {"range", rangeCutoff}};
  j["valid_pixels"] = validPixels;
  j["seconds"] = seconds;
  j["CONVENTIONS"] = "offsets secondary minus reference in master pixels; lookup = secondary (line, sample) per master pixel; docs/conventions.md";
  return j;
}

SecondaryInput secondaryFromMemory(const geometry::SceneGeometry& g, RasterView<const cfloat> slc) {
  if (slc.length() != g.grid().length || slc.width() != g.grid().width)
    throw InvalidInput("secondary image size does not match its grid", {"", "secondary.image", std::to_string(slc.length()) + "x" + std::to_string(slc.width())});
  SecondaryInput in;
  in.geometry = g;
  in.read = [slc](std::int64_t r0, std::int64_t c0, std::int64_t rows, std::int64_t cols, cfloat* out) {
    for (std::int64_t i = 0; i < rows; ++i) std::copy(slc.row(r0 + i) + c0, slc.row(r0 + i) + c0 + cols, out + i * cols);
  };
  return in;
}

Lookup orbitOnlyLookup(const geometry::SceneGeometry& master, const geometry::SceneGeometry& secondary, double height, int step) {
  const geometry::Dem flat = geometry::Dem::constant(height);
  const RadarGrid& g = master.grid();
  FitData d;
  d.lineMean = 0.5 * static_cast<double>(g.length - 1); d.lineScale = std::max(1.0, d.lineMean);
  d.sampleMean = 0.5 * static_cast<double>(g.width - 1); d.sampleScale = std::max(1.0, d.sampleMean);
  for (int a = 0; a <= 4; ++a)
    for (int b = 0; b <= 4; ++b) {
      const double l = 0.25 * a * static_cast<double>(g.length - 1), s = 0.25 * b * static_cast<double>(g.width - 1);
      geometry::Rdr2GeoResult res;
      if (geometry::rdr2geo(master, l, s, flat, res) != Status::Ok) continue;
      double t = kNaN, r = kNaN;
      const Status st = geometry::geo2rdr(res.xyz, secondary, t, r);
      if (st != Status::Ok) continue;
      d.add(l, s, secondary.line(t), secondary.sample(r));
    }
  if (d.size() < 3)
    throw OutOfDomain("the secondary orbit does not see the master footprint (orbit-only model)", {"", "secondary.orbit", std::to_string(d.size())});
  const RobustFitResult fit = fitLeastSquares(d, 1);
  const std::int64_t nr = (g.length - 1) / step + 4, nc = (g.width - 1) / step + 4;
  Raster<double> L(nr, nc), S(nr, nc);
  for (std::int64_t i = 0; i < nr; ++i)
    for (std::int64_t j = 0; j < nc; ++j) {
      const double l = static_cast<double>((i - 1) * step), s = static_cast<double>((j - 1) * step);
      L(i, j) = fit.a.eval(l, s);
      S(i, j) = fit.b.eval(l, s);
    }
  return Lookup(g.length, g.width, step, std::move(L), std::move(S));
}

namespace {
struct Kernels {
  SincKernel az, rg;
};
// Kernels of a resampling pass; low-pass cut-offs from the lookup's Jacobian at the master centre.
Kernels makeKernels(const Lookup& lk, const ResampleParams& prm, double* azCut, double* rgCut) {
  prm.validate();
  const std::int64_t L = lk.masterLength(), W = lk.masterWidth();
  double fa = 1, fr = 1;
  if (prm.lowPass) {
    double J[4];
    if (lk.jacobian(0.5 * static_cast<double>(L - 1), 0.5 * static_cast<double>(W - 1), J)) {
      const double sa = std::abs(J[0]), sr = std::abs(J[3]);
      if (sa > 0) fa = std::min(1.0, prm.lowPassMargin / sa);
      if (sr > 0) fr = std::min(1.0, prm.lowPassMargin / sr);
    }
  }
  if (azCut) *azCut = fa;
  if (rgCut) *rgCut = fr;
  return {SincKernel(prm.taps, prm.kaiserBeta, prm.tableOversample, fa), SincKernel(prm.taps, prm.kaiserBeta, prm.tableOversample, fr)};
}

// Resamples master rows [row0, row0 + out.length()) into `out` in blocks of `blockLines` master lines;
// for each block only the secondary window its lookup reaches (plus the kernel's half-width) is
// read. A pixel depends only on its lookup value, so the blocks do not change the result. Returns
// the number of valid pixels.
std::int64_t resampleRows(const Lookup& lk, const SecondaryInput& sec, const Kernels& k, const ResampleParams& prm,
                          std::int64_t row0, RasterView<cfloat> out, std::int64_t blockLines) {
  const std::int64_t W = lk.masterWidth();
  const std::int64_t SL = sec.geometry.grid().length, SW = sec.geometry.grid().width;
  std::int64_t valid = 0;
  for (const Block& b : makeBlocks(out.length(), W, blockLines)) {
    RasterView<cfloat> o = out.window(b.row0, 0, b.rows, W);
    auto zero = [&] {
      for (std::int64_t i = 0; i < b.rows; ++i) std::fill(o.row(i), o.row(i) + W, cfloat(0, 0));
    };
    Raster<double> bl(b.rows, W), bs(b.rows, W);
    parallelFor(b.rows, [&](std::int64_t i) {
      lk.fill(Block{row0 + b.row0 + i, 1, 0, W}, bl.view().window(i, 0, 1, W), bs.view().window(i, 0, 1, W));
    });
    double lmin = 1e300, lmax = -1e300, smin = 1e300, smax = -1e300;
    for (std::size_t q = 0; q < bl.size(); ++q) {
      const double y = bl.data()[q], x = bs.data()[q];
      if (!std::isfinite(y) || !std::isfinite(x)) continue;
      lmin = std::min(lmin, y); lmax = std::max(lmax, y); smin = std::min(smin, x); smax = std::max(smax, x);
    }
    if (!(lmax >= lmin)) { zero(); continue; }
    const std::int64_t r0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(lmin)) - k.az.half() - 1);
    const std::int64_t r1 = std::min<std::int64_t>(SL, static_cast<std::int64_t>(std::floor(lmax)) + k.az.half() + 2);
    const std::int64_t c0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(smin)) - k.rg.half() - 1);
    const std::int64_t c1 = std::min<std::int64_t>(SW, static_cast<std::int64_t>(std::floor(smax)) + k.rg.half() + 2);
    if (r1 <= r0 || c1 <= c0) { zero(); continue; }
    Raster<cfloat> win(r1 - r0, c1 - c0);
    sec.read(r0, c0, r1 - r0, c1 - c0, win.data());
    valid += resampleSlc(SlcWindow{win.cview(), r0, c0}, sec.geometry, bl.cview(), bs.cview(), k.az, k.rg, prm, o);
  }
  return valid;
}

void amplitudeOf(const cfloat* z, std::int64_t n, float* a) {
  for (std::int64_t q = 0; q < n; ++q) a[q] = std::abs(z[q]);
}
}  // namespace

Raster<cfloat> resampleWithLookup(const Lookup& lk, const SecondaryInput& sec, const ResampleParams& prm, std::int64_t blockLines,
                                  double* azCut, double* rgCut, std::int64_t* validOut) {
  const Kernels k = makeKernels(lk, prm, azCut, rgCut);
  Raster<cfloat> out(lk.masterLength(), lk.masterWidth());
  const std::int64_t valid = resampleRows(lk, sec, k, prm, 0, out.view(), blockLines);
  if (validOut) *validOut = valid;
  return out;
}

StreamPlan planStreaming(const CoregParams& p, const geometry::SceneGeometry& master, const geometry::SceneGeometry& secondary,
                         std::size_t lookupBytes) {
  const std::int64_t L = master.grid().length, W = master.grid().width;
  StreamPlan plan;
  // Not scaling with the rows: GDAL's block cache (the CLI sets it to 1/16 of the budget), the DEM,
  // the program and its libraries (~96 MiB), the lookup nodes.
  plan.fixedBytes = p.memoryBytes / 16 + (std::size_t{96} << 20) + lookupBytes;
  const std::size_t avail = p.memoryBytes > plan.fixedBytes ? p.memoryBytes - plan.fixedBytes : 0;
  // One resampling block per master line: the lookup rows (2 Float64), the output (CFloat32) and its
  // amplitude, and the secondary window (CFloat32 over the secondary's width, about |dl/dl| lines).
  const double lineScale = std::max(1.0, secondary.grid().azimuthTimeInterval > 0
                                             ? master.grid().azimuthTimeInterval / secondary.grid().azimuthTimeInterval
                                             : 1.0);
  const double perLine = static_cast<double>(W) * (16 + 8 + 4) + 8.0 * static_cast<double>(secondary.grid().width) * lineScale;
  plan.blockLines = std::clamp<std::int64_t>(static_cast<std::int64_t>(static_cast<double>(avail / 4) / perLine), 8,
                                             std::max<std::int64_t>(8, p.blockLines));
  // Offset bands: half of the rest; bands are held twice while they move (RollingRows); the master
  // rows are read as CFloat32 before their amplitude is taken.
  const bool improved = p.method == Method::Improved;
  const offsets::OffsetParams& refineOff = improved ? p.refine.offsets : p.traditional.offsets;
  plan.refineBand = offsets::bandGridRowsForBudget(refineOff, L, W, avail / 2, threadCount(), 2 * 4 + 8);
  plan.residualBand = p.residual.enabled
                          ? offsets::bandGridRowsForBudget(p.residual.offsets, L, W, avail / 2, threadCount(), 2 * 8)
                          : 0;
  return plan;
}
namespace {
// Offsets (master px) → FitData in secondary px through the lookup's Jacobian.
FitData toSecondaryPixels(const offsets::OffsetField& f, const Lookup& lk, float minSnr, StableMask stable, FitData frame,
                          std::int64_t* used) {
  FitData d = std::move(frame);
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < f.grid.rows; ++i)
    for (std::int64_t j = 0; j < f.grid.cols; ++j) {
      const std::int64_t r = f.grid.centreRow(i), c = f.grid.centreCol(j);
      if (f.flagAt(i, j) != offsets::Flag::ok || !(f.snr(i, j) >= minSnr) || !stableAt(stable, r, c)) continue;
      double J[4];
      if (!lk.jacobian(static_cast<double>(r), static_cast<double>(c), J)) continue;
      const double da = f.azimuth_offset(i, j), dr = f.range_offset(i, j);
      d.add(static_cast<double>(r), static_cast<double>(c), J[0] * da + J[1] * dr, J[2] * da + J[3] * dr);
      ++n;
    }
  if (used) *used = n;
  return d;
}
}  // namespace

RectifyResult rectify(const geometry::SceneGeometry& master, RasterView<const cfloat> masterSlc, const SecondaryInput& sec,
                      const geometry::Dem& dem, const CoregParams& p, StableMask stable) {
  const RadarGrid& mg = master.grid();
  if (masterSlc.length() != mg.length || masterSlc.width() != mg.width)
    throw InvalidInput("master image size does not match its grid", {"", "master.image", std::to_string(masterSlc.length()) + "x" + std::to_string(masterSlc.width())});
  const SecondaryInput m = secondaryFromMemory(master, masterSlc);
  Raster<cfloat> slc;
  SlcSink sink;
  sink.begin = [&] { slc = Raster<cfloat>(mg.length, mg.width); };
  sink.write = [&](std::int64_t row0, RasterView<const cfloat> rows) {
    for (std::int64_t i = 0; i < rows.length(); ++i) std::copy(rows.row(i), rows.row(i) + rows.width(), slc.row(row0 + i));
  };
  sink.end = [] {};
  sink.read = [&](std::int64_t r0, std::int64_t c0, std::int64_t rows, std::int64_t cols, cfloat* out) {
    for (std::int64_t i = 0; i < rows; ++i) std::copy(slc.row(r0 + i) + c0, slc.row(r0 + i) + c0 + cols, out + i * cols);
  };
  RectifyResult R = rectifyStreamed(master, m.read, sec, dem, p, sink, stable);
  R.slc = std::move(slc);
  return R;
}

RectifyResult rectifyStreamed(const geometry::SceneGeometry& master, const SlcWindowReader& masterRead, const SecondaryInput& sec,
                              const geometry::Dem& dem, const CoregParams& p, const SlcSink& sink, StableMask stable) {
  p.validate();
  const auto tStart = std::chrono::steady_clock::now();
  auto logger = log::get("coreg");
  const RadarGrid& mg = master.grid();
  const std::int64_t L = mg.length, W = mg.width;
  if (!stable.empty() && (stable.length() != mg.length || stable.width() != mg.width))
    throw InvalidInput("stable mask size does not match the master grid", {"", "coreg.stable_mask", std::to_string(stable.length()) + "x" + std::to_string(stable.width())});
  const bool improved = p.method == Method::Improved;
  RectifyResult R;
  CoregReport& rep = R.report;
  rep.method = p.method;
  Lookup lk;
  if (improved) {
    lk = computeLookup(master, sec.geometry, dem, p.lookup, &rep.lookup);
  } else {
    const double h = std::isnan(p.traditional.height) ? dem.meanHeight() : p.traditional.height;
    lk = orbitOnlyLookup(master, sec.geometry, h, p.lookup.step);
    rep.lookup.nodes = rep.lookup.ok = lk.nodeLine().length() * lk.nodeLine().width();
    rep.lookup.step = lk.step();
  }
  const StreamPlan plan = planStreaming(p, master, sec.geometry, 2 * lk.nodeLine().size() * sizeof(double));
  logger->debug("streaming: blocks of {} lines, offset bands of {} / {} grid rows (budget {} MiB, fixed part {} MiB)",
                plan.blockLines, plan.refineBand, plan.residualBand, p.memoryBytes >> 20, plan.fixedBytes >> 20);
  FitData frame;
  frame.lineMean = 0.5 * static_cast<double>(mg.length - 1); frame.lineScale = std::max(1.0, frame.lineMean);
  frame.sampleMean = 0.5 * static_cast<double>(mg.width - 1); frame.sampleScale = std::max(1.0, frame.sampleMean);
  RobustFitParams fitp = p.refine.fit;
  const offsets::OffsetParams& offp = improved ? p.refine.offsets : p.traditional.offsets;
  if (!improved) fitp.order = p.traditional.order;
  offp.validate(mg.length, mg.width);
  // Master rows: complex, or their amplitude.
  const offsets::RowSource<cfloat> masterRows = [&](std::int64_t r0, std::int64_t n, cfloat* out) { masterRead(r0, 0, n, W, out); };
  const offsets::RowSource<float> masterAmp = [&](std::int64_t r0, std::int64_t n, float* out) {
    std::vector<cfloat> z(static_cast<std::size_t>(n * W));
    masterRead(r0, 0, n, W, z.data());
    amplitudeOf(z.data(), n * W, out);
  };

  // Step ii: refine the transformation with amplitude offsets.
  for (int pass = 0; pass < p.refine.iterations; ++pass) {
    const Kernels k = makeKernels(lk, p.refine.resample, nullptr, nullptr);
    const offsets::RowSource<float> rectAmp = [&](std::int64_t r0, std::int64_t n, float* out) {
      Raster<cfloat> z(n, W);
      resampleRows(lk, sec, k, p.refine.resample, r0, z.view(), plan.blockLines);
      amplitudeOf(z.data(), n * W, out);
    };
    const offsets::OffsetField f = offsets::estimateOffsetsStreamed(masterAmp, rectAmp, L, W, offp, plan.refineBand);
    RefinePass rp;
    const FitData d = toSecondaryPixels(f, lk, p.refine.minSnr, stable, frame, &rp.used);
    const RobustFitResult fit = fitRobust(d, fitp);
    lk.correctionLine += fit.a;
    lk.correctionSample += fit.b;
    rp.inliers = fit.inliers;
    rp.rmsLine = fit.rmsA;
    rp.rmsSample = fit.rmsB;
    rp.maxCorrection = std::max(maxAbs(fit.a, mg.length, mg.width), maxAbs(fit.b, mg.length, mg.width));
    rep.refine.push_back(rp);
    logger->info("{} refinement pass {}: {} offsets, {} inliers, correction up to {:.3f} px, residual rms {:.3f}/{:.3f} px",
                 toString(p.method), pass + 1, rp.used, rp.inliers, rp.maxCorrection, rp.rmsLine, rp.rmsSample);
    if (rp.maxCorrection < p.refine.tolerance) break;
  }

  // Step iii: resample the SLC with the improved transformation, block by block into the sink.
  auto finalPass = [&] {
    const Kernels k = makeKernels(lk, p.resample, &rep.azimuthCutoff, &rep.rangeCutoff);
    rep.validPixels = 0;
    sink.begin();
    Raster<cfloat> block;
    for (const Block& b : makeBlocks(L, W, plan.blockLines)) {
      if (block.length() != b.rows) block = Raster<cfloat>(b.rows, W);
      rep.validPixels += resampleRows(lk, sec, k, p.resample, b.row0, block.view(), plan.blockLines);
      sink.write(b.row0, block.cview());
    }
    sink.end();
  };
  finalPass();

  // Residual offsets (complex) and removal of their low-order part fitted on stable ground.
  if (p.residual.enabled) {
    p.residual.offsets.validate(mg.length, mg.width);
    const offsets::RowSource<cfloat> rectRows = [&](std::int64_t r0, std::int64_t n, cfloat* out) { sink.read(r0, 0, n, W, out); };
    const offsets::OffsetField f = offsets::estimateOffsetsStreamed(masterRows, rectRows, L, W, p.residual.offsets, plan.residualBand);
    FitData d = frame;
    OffsetStats& st = rep.residual;
    st.estimates = f.grid.rows * f.grid.cols;
    double sa = 0, sr = 0, qa = 0, qr = 0;
    for (std::int64_t i = 0; i < f.grid.rows; ++i)
      for (std::int64_t j = 0; j < f.grid.cols; ++j) {
        const std::int64_t r = f.grid.centreRow(i), c = f.grid.centreCol(j);
        if (f.flagAt(i, j) != offsets::Flag::ok || !(f.snr(i, j) >= p.residual.minSnr) || !stableAt(stable, r, c)) continue;
        const double a = f.azimuth_offset(i, j), b = f.range_offset(i, j);
        d.add(static_cast<double>(r), static_cast<double>(c), a, b);
        sa += a; sr += b; qa += a * a; qr += b * b;
        ++st.used;
      }
    if (st.used > 0) {
      const auto n = static_cast<double>(st.used);
      st.meanAz = sa / n; st.meanRg = sr / n; st.rmsAz = std::sqrt(qa / n); st.rmsRg = std::sqrt(qr / n);
    }
    RobustFitParams rfp = p.residual.fit;
    const int need = rfp.minPoints > 0 ? rfp.minPoints : 3 * Poly2d::termCount(rfp.order);
    if (st.used >= need) {
      const RobustFitResult fit = fitRobust(d, rfp);
      rep.residualAz = fit.a;
      rep.residualRg = fit.b;
      st.inliers = fit.inliers;
      st.robustRmsAz = fit.rmsA;
      st.robustRmsRg = fit.rmsB;
      const double m = std::max(maxAbs(fit.a, mg.length, mg.width), maxAbs(fit.b, mg.length, mg.width));
      if (improved && m > p.residual.applyThreshold) {
        // Convert the low-order residual to secondary px (Jacobian) on the inliers and apply it.
        FitData ds = frame;
        for (std::size_t k = 0; k < d.size(); ++k) {
          if (!(fit.robustWeight[k] > 0)) continue;
          double J[4];
          if (!lk.jacobian(d.line[k], d.sample[k], J)) continue;
          const double a = fit.a.eval(d.line[k], d.sample[k]), b = fit.b.eval(d.line[k], d.sample[k]);
          ds.add(d.line[k], d.sample[k], J[0] * a + J[1] * b, J[2] * a + J[3] * b);
        }
        if (ds.size() >= static_cast<std::size_t>(Poly2d::termCount(rfp.order))) {
          const RobustFitResult conv = fitLeastSquares(ds, rfp.order);
          lk.correctionLine += conv.a;
          lk.correctionSample += conv.b;
          finalPass();
          rep.residualApplied = true;
        }
      }
      logger->info("residual offsets: {} used, rms {:.3f}/{:.3f} px, low-order part up to {:.3f} px{}", st.used, st.rmsAz,
                   st.rmsRg, m, rep.residualApplied ? " (removed)" : "");
    } else {
      logger->warn("residual offsets: only {} usable estimates, no residual fit", st.used);
    }
  }
  rep.correctionLine = lk.correctionLine;
  rep.correctionSample = lk.correctionSample;
  R.lookup = std::move(lk);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tStart).count();
  return R;
}

}  // namespace orthotrack::coreg

#include "orthotrack/io/amplitude.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace orthotrack::io {

namespace {
// FFTW's planner is not thread-safe: plans are made under one lock (execution is).
std::mutex& plannerMutex() {
  static std::mutex m;
  return m;
}
struct FftwFree {
  void operator()(fftwf_complex* p) const { fftwf_free(p); }
};
using FftBuf = std::unique_ptr<fftwf_complex, FftwFree>;
FftBuf allocFft(std::size_t n) { return FftBuf(static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * std::max<std::size_t>(n, 1)))); }

// In-place 1-D transforms of `howmany` sequences of length n (element stride `stride`, sequence
// distance `dist`) in `data`.
void fft1d(fftwf_complex* data, int n, int howmany, int stride, int dist, int sign) {
  fftwf_plan p;
  {
    std::lock_guard<std::mutex> lock(plannerMutex());
    p = fftwf_plan_many_dft(1, &n, howmany, data, nullptr, stride, dist, data, nullptr, stride, dist, sign, FFTW_ESTIMATE);
  }
  if (!p) throw InvalidInput("FFTW could not plan a transform", {"", "amplitude.fft", std::to_string(n)});
  fftwf_execute(p);
  std::lock_guard<std::mutex> lock(plannerMutex());
  fftwf_destroy_plan(p);
}

// Zero padding of a length-n spectrum into length f·n around a centre c (cycles per sample): bin k
// holds the frequency s/n with s ≡ k (mod n) and s/n in [c − 1/2, c + 1/2); it goes to index s of
// the longer spectrum (mod f·n), so the zeros fill the gap at c + 1/2 and the band stays whole. A bin
// exactly at the edge is split in halves between s and s + n.
template <class Get, class Put>
void padSpectrum(int n, int f, double c, Get get, Put put) {
  const int m = f * n;
  for (int k = 0; k < m; ++k) put(k, std::complex<float>(0.0f, 0.0f));
  const double lo = c - 0.5;
  for (int k = 0; k < n; ++k) {
    const double q = static_cast<double>(k) / n - lo;
    const auto wrap = static_cast<long>(std::floor(q));
    const long sIdx = k - static_cast<long>(n) * wrap;
    auto at = [&](long idx) { return static_cast<int>(((idx % m) + m) % m); };
    const std::complex<float> v = get(k);
    if (std::abs(q - static_cast<double>(wrap)) < 1e-12) {  // on the edge c − 1/2: half to each side
      put(at(sIdx), 0.5f * v);
      put(at(sIdx + n), 0.5f * v);
    } else {
      put(at(sIdx), v);
    }
  }
}
}  // namespace

void AmplitudeParams::validate() const {
  if (oversample != 1 && oversample != 2)
    throw InvalidInput("oversampling factor must be 1 or 2", {"", "amplitude.oversample", std::to_string(oversample)});
  if (azimuthLooks < 1) throw InvalidInput("looks must be >= 1", {"", "amplitude.azimuth_looks", std::to_string(azimuthLooks)});
  if (rangeLooks < 1) throw InvalidInput("looks must be >= 1", {"", "amplitude.range_looks", std::to_string(rangeLooks)});
  if (blockLines < 1) throw InvalidInput("block size must be >= 1", {"", "amplitude.block_lines", std::to_string(blockLines)});
  if (marginLines < 0) throw InvalidInput("margin must be >= 0", {"", "amplitude.margin_lines", std::to_string(marginLines)});
}

Raster<cfloat> oversampleSlc(RasterView<const cfloat> in, int f, double azCentre, double rgCentre) {
  if (f != 1 && f != 2) throw InvalidInput("oversampling factor must be 1 or 2", {"", "amplitude.oversample", std::to_string(f)});
  const std::int64_t L = in.length(), W = in.width();
  Raster<cfloat> out(L * f, W * f);
  if (L == 0 || W == 0) return out;
  if (f == 1) {
    for (std::int64_t i = 0; i < L; ++i) std::copy(in.row(i), in.row(i) + W, out.row(i));
    return out;
  }
  const int n0 = static_cast<int>(L), n1 = static_cast<int>(W), m0 = f * n0, m1 = f * n1;
  // Azimuth: demodulate by the centre, transform the columns, pad, transform back.
  FftBuf a = allocFft(static_cast<std::size_t>(n0) * static_cast<std::size_t>(n1));
  auto* ac = reinterpret_cast<std::complex<float>*>(a.get());
  for (int i = 0; i < n0; ++i)
    for (int j = 0; j < n1; ++j) ac[static_cast<std::size_t>(i) * n1 + j] = in(i, j);
  fft1d(a.get(), n0, n1, n1, 1, FFTW_FORWARD);
  FftBuf b = allocFft(static_cast<std::size_t>(m0) * static_cast<std::size_t>(m1));
  auto* bc = reinterpret_cast<std::complex<float>*>(b.get());
  // b holds m0 rows × m1 columns; the azimuth-padded data go to its first n1 columns.
  for (int j = 0; j < n1; ++j)
    padSpectrum(
        n0, f, azCentre, [&](int k) { return ac[static_cast<std::size_t>(k) * n1 + j]; },
        [&](int k, std::complex<float> v) { bc[static_cast<std::size_t>(k) * m1 + j] = v; });
  a.reset();
  fft1d(b.get(), n0 * f, n1, m1, 1, FFTW_BACKWARD);
  // Range: transform the rows, pad, transform back.
  std::vector<std::complex<float>> row(static_cast<std::size_t>(n1));
  fft1d(b.get(), n1, m0, 1, m1, FFTW_FORWARD);
  for (int i = 0; i < m0; ++i) {
    std::complex<float>* r = bc + static_cast<std::size_t>(i) * m1;
    std::copy(r, r + n1, row.begin());
    padSpectrum(
        n1, f, rgCentre, [&](int k) { return row[static_cast<std::size_t>(k)]; },
        [&](int k, std::complex<float> v) { r[k] = v; });
  }
  fft1d(b.get(), m1, m0, 1, m1, FFTW_BACKWARD);
  const float scale = 1.0f / static_cast<float>(static_cast<double>(n0) * static_cast<double>(n1));
  for (int i = 0; i < m0; ++i)
    for (int j = 0; j < m1; ++j) out(i, j) = bc[static_cast<std::size_t>(i) * m1 + j] * scale;
  return out;
}

Raster<float> multilookMean(RasterView<const float> in, int az, int rg) {
  if (az < 1 || rg < 1)
    throw InvalidInput("looks must be >= 1", {"", "amplitude.looks", std::to_string(az) + "," + std::to_string(rg)});
  const std::int64_t L = in.length() / az, W = in.width() / rg;
  Raster<float> out(L, W);
  std::vector<double> acc(static_cast<std::size_t>(W));
  const double norm = 1.0 / (static_cast<double>(az) * static_cast<double>(rg));
  for (std::int64_t i = 0; i < L; ++i) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int a = 0; a < az; ++a) {
      const float* r = in.row(i * az + a);
      for (std::int64_t j = 0; j < W; ++j)
        for (int b = 0; b < rg; ++b) acc[static_cast<std::size_t>(j)] += static_cast<double>(r[j * rg + b]);
    }
    for (std::int64_t j = 0; j < W; ++j) out(i, j) = static_cast<float>(acc[static_cast<std::size_t>(j)] * norm);
  }
  return out;
}

namespace {
// |z|² of an oversampled block, multi-looked, calibrated, then amplitude = sqrt if asked.
Raster<float> detect(const Raster<cfloat>& z, const AmplitudeParams& p, std::optional<double> calibrationDb) {
  Raster<float> I(z.length(), z.width());
  for (std::size_t k = 0; k < z.size(); ++k) I.vector()[k] = std::norm(z.vector()[k]);
  Raster<float> out = (p.azimuthLooks > 1 || p.rangeLooks > 1) ? multilookMean(I.cview(), p.azimuthLooks, p.rangeLooks)
                                                               : std::move(I);
  const float gain = (p.calibrate && calibrationDb) ? static_cast<float>(std::pow(10.0, *calibrationDb / 10.0)) : 1.0f;
  for (auto& v : out.vector()) {
    v *= gain;
    if (!p.intensity) v = std::sqrt(v);
  }
  return out;
}
}  // namespace

Raster<float> slcToAmplitude(RasterView<const cfloat> slc, const AmplitudeParams& p, double azimuthCentre,
                             std::optional<double> calibrationDb) {
  p.validate();
  return detect(oversampleSlc(slc, p.oversample, azimuthCentre, 0.0), p, calibrationDb);
}

RadarGrid amplitudeGrid(const RadarGrid& g, const AmplitudeParams& p) {
  p.validate();
  RadarGrid o = g;
  o.azimuthTimeInterval /= p.oversample;
  o.rangePixelSpacing /= p.oversample;
  o.length *= p.oversample;
  o.width *= p.oversample;
  return (p.azimuthLooks > 1 || p.rangeLooks > 1) ? o.multilook(p.azimuthLooks, p.rangeLooks) : o;
}

SceneMetadata writeAmplitude(const SceneMetadata& scene, const std::string& outImage, const AmplitudeParams& p) {
  p.validate();
  if (scene.imageKind != ImageKind::Slc)
    throw InvalidInput("amplitude needs a complex SLC image", {scene.metadataPath, "image.kind", toString(scene.imageKind)});
  const RadarGrid og = amplitudeGrid(scene.grid, p);
  if (og.length < 1 || og.width < 1)
    throw InvalidInput("looks larger than the image", {scene.metadataPath, "amplitude.looks",
                       std::to_string(p.azimuthLooks) + "," + std::to_string(p.rangeLooks)});
  RasterReader rd(scene.image);
  const int f = p.oversample;
  const std::int64_t L = scene.grid.length, W = scene.grid.width;
  // Input lines per block: the oversampled block must hold whole multi-look windows.
  const std::int64_t B = std::max<std::int64_t>(p.azimuthLooks, (p.blockLines + p.azimuthLooks - 1) / p.azimuthLooks * p.azimuthLooks);
  RasterWriter w(outImage, og.length, og.width, 1, DataType::Float32);
  w.setBandName(1, p.intensity ? "intensity" : "amplitude");
  const bool cal = p.calibrate && scene.calibrationConstantDb.has_value();
  w.setBandUnit(1, cal ? (p.intensity ? "sigma0 (linear)" : "sqrt(sigma0)") : "DN");
  w.setMetadata("OVERSAMPLE", std::to_string(f));
  w.setMetadata("LOOKS", std::to_string(p.azimuthLooks) + "," + std::to_string(p.rangeLooks));
  if (cal) w.setMetadata("CALIBRATION_CONSTANT_DB", std::to_string(*scene.calibrationConstantDb));
  std::int64_t outRow = 0;
  for (std::int64_t a = 0; a < L && outRow < og.length; a += B) {
    const std::int64_t b = std::min(L, a + B);
    const std::int64_t r0 = f > 1 ? std::max<std::int64_t>(0, a - p.marginLines) : a;
    const std::int64_t r1 = f > 1 ? std::min(L, b + p.marginLines) : b;
    Raster<cfloat> blk(r1 - r0, W);
    rd.read<cfloat>(scene.imageBand, r0, 0, r1 - r0, W, blk.data());
    // Azimuth spectrum centre: the Doppler centroid at the block's centre, in cycles per line.
    const double tMid = scene.grid.sensingStart.plusSeconds(0.5 * static_cast<double>(a + b - 1) * scene.grid.azimuthTimeInterval)
                            .secondsSince(scene.doppler.epoch());
    const double fdc = scene.doppler.empty() ? scene.doppler.constant()
                                             : scene.doppler.eval(tMid, scene.grid.slantRange(0.5 * static_cast<double>(W - 1)));
    const double nu = fdc * scene.grid.azimuthTimeInterval;
    const Raster<cfloat> z = oversampleSlc(blk.cview(), f, nu, 0.0);
    // The block's own oversampled lines [f·(a − r0), f·(b − r0)).
    const std::int64_t z0 = f * (a - r0), zn = f * (b - a);
    const RasterView<const cfloat> mine = z.cview().window(z0, 0, zn, z.width());
    Raster<cfloat> own(zn, z.width());
    for (std::int64_t i = 0; i < zn; ++i) std::copy(mine.row(i), mine.row(i) + z.width(), own.row(i));
    const Raster<float> out = detect(own, p, scene.calibrationConstantDb);
    if (out.width() != og.width)
      throw InvalidInput("internal: multi-looked width " + std::to_string(out.width()) + " differs from the grid's",
                         {outImage, "amplitude.width", std::to_string(og.width)});
    const std::int64_t rows = std::min(out.length(), og.length - outRow);
    if (rows > 0) w.write<float>(1, outRow, 0, rows, og.width, out.data());
    outRow += rows;
  }
  w.commit();
  SceneMetadata o = scene;
  o.grid = og;
  o.image = outImage;
  o.imageBand = 1;
  o.imageKind = p.intensity ? ImageKind::Intensity : ImageKind::Amplitude;
  if (cal) o.calibrationConstantDb = 0.0;
  o.metadataPath.clear();
  log::get("import")->info("{}: {} {} x {} (oversample {}, looks {},{}){}", outImage, p.intensity ? "intensity" : "amplitude",
                           og.length, og.width, f, p.azimuthLooks, p.rangeLooks, cal ? ", calibrated" : "");
  return o;
}

}  // namespace orthotrack::io

// Real texture and ISCE3 golden outputs (shared/data/real/isce3, see its README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "orthotrack/offsets/offsets.hpp"
#include "test_data.hpp"

using namespace orthotrack;
using namespace orthotrack::offsets;

namespace {

template <class T>
Raster<T> readRaw(const std::string& path, std::int64_t rows, std::int64_t cols) {
  Raster<T> r(rows, cols);
  std::ifstream f(path, std::ios::binary);
  f.read(reinterpret_cast<char*>(r.data()), static_cast<std::streamsize>(r.size() * sizeof(T)));
  EXPECT_TRUE(f.good()) << path;
  return r;
}

double bilinear(const Raster<float>& a, double r, double c) {
  r = std::clamp(r, 0.0, double(a.length() - 1));
  c = std::clamp(c, 0.0, double(a.width() - 1));
  const auto r0 = std::min<std::int64_t>(static_cast<std::int64_t>(r), a.length() - 2);
  const auto c0 = std::min<std::int64_t>(static_cast<std::int64_t>(c), a.width() - 2);
  const double fr = r - double(r0), fc = c - double(c0);
  return (1 - fr) * ((1 - fc) * double(a(r0, c0)) + fc * double(a(r0, c0 + 1))) +
         fr * ((1 - fc) * double(a(r0 + 1, c0)) + fc * double(a(r0 + 1, c0 + 1)));
}

}  // namespace

// ENVISAT SLC (reference) against its ISCE2 resampled copy (secondary) with known smooth offset
// fields: warped(i, j) = orig(i + az(i, j), j + rg(i, j)). A feature at reference pixel p is at
// the secondary pixel q with q + d(q) = p, so the expected offset is q − p = −d(q).
TEST(OffsetsRealData, EnvisatKnownOffsetsMeanAbsErrorBelow005) {
  OT_SKIP_WITHOUT_DATA("real/isce3/warped_envisat.slc");
  OT_SKIP_WITHOUT_DATA("real/isce3/derived/envisat_HH.c8");
  const int n = 500;
  const auto orig = readRaw<cfloat>(test::dataPath("real/isce3/derived/envisat_HH.c8"), n, n);
  const auto warped = readRaw<cfloat>(test::dataPath("real/isce3/warped_envisat.slc"), n, n);
  const auto rg = readRaw<float>(test::dataPath("real/isce3/offsets/range.off"), n, n);
  const auto az = readRaw<float>(test::dataPath("real/isce3/offsets/azimuth.off"), n, n);
  OffsetParams p;
  p.windows = {{64, 64}};
  p.search_az = p.search_rg = 4;
  p.step_az = p.step_rg = 16;
  p.oversample = 64;
  p.fftw_measure = false;
  for (int mode = 0; mode < 2; ++mode) {
    OffsetField f;
    if (mode == 0) {
      f = estimateOffsets(orig.cview(), warped.cview(), p);
    } else {
      // Amplitude only (detected SLC): the cheaper path, for comparison.
      Raster<float> a(n, n), b(n, n);
      for (std::size_t i = 0; i < a.size(); ++i) {
        a.data()[i] = std::abs(orig.data()[i]);
        b.data()[i] = std::abs(warped.data()[i]);
      }
      f = estimateOffsets(a.cview(), b.cview(), p);
    }
    double sa = 0, sr = 0, ba = 0, br = 0;
    int count = 0, total = 0;
    for (std::int64_t i = 0; i < f.grid.rows; ++i)
      for (std::int64_t j = 0; j < f.grid.cols; ++j) {
        ++total;
        if (f.flagAt(i, j) != Flag::ok) continue;
        const double pr = double(f.grid.centreRow(i)), pc = double(f.grid.centreCol(j));
        double qr = pr, qc = pc;
        for (int it = 0; it < 20; ++it) {
          qr = pr - bilinear(az, qr, qc);
          qc = pc - bilinear(rg, qr, qc);
        }
        const double ea = double(f.azimuth_offset(i, j)) - (qr - pr), er = double(f.range_offset(i, j)) - (qc - pc);
        sa += std::fabs(ea);
        sr += std::fabs(er);
        ba += ea;
        br += er;
        ++count;
      }
    ASSERT_GT(count, total * 8 / 10);
    const double maeA = sa / count, maeR = sr / count;
    std::printf("[envisat %s] %d/%d chips ok; MAE azimuth %.4f px, range %.4f px; bias %.4f / %.4f px\n",
                mode == 0 ? "complex (2x oversampled before detection)" : "amplitude only", count, total, maeA, maeR,
                ba / count, br / count);
    if (mode == 0) {
      EXPECT_LT(maeA, 0.05);
      EXPECT_LT(maeR, 0.05);
    } else {
      // Detected single-look speckle is aliased and pixel-locks (measured 0.12 / 0.18 px): this only
      // guards against regressions; docs/offsets.md gives the remedy (complex input).
      EXPECT_LT(maeA, 0.25);
      EXPECT_LT(maeR, 0.25);
      EXPECT_GT(maeA + maeR, 2 * 0.05);
    }
  }
}

// ISCE3 PyCuAmpcor golden output (ampcor/accuracy-testdata/ovs128-rho0.8): two 512 × 512 complex
// white-noise images with coherence 0.8 and zero shift, window 32 (az) × 64 (rg), half search 20,
// skip 32, first reference window at (20, 20) (top-left, i.e. centre (36, 52) in our convention),
// raw oversampling 2, zoom window 8 (±2 raw px), correlation oversampling 64 (total 128), deramp 1,
// SNR box 21. Tolerances from ISCE3's test_ampcor.py.
TEST(OffsetsRealData, PyCuAmpcorGoldenOutputs) {
  const std::string dir = "real/isce3/ampcor/accuracy-testdata/ovs128-rho0.8/";
  OT_SKIP_WITHOUT_DATA(dir + "golden/dense_offsets");
  const auto a = readRaw<cfloat>(test::dataPath(dir + "img1_WN_512x512_1x1_128"), 512, 512);
  const auto b = readRaw<cfloat>(test::dataPath(dir + "img2_WN_512x512_1x1_128"), 512, 512);
  const int R = 13, C = 12;
  const auto off = readRaw<float>(test::dataPath(dir + "golden/dense_offsets"), R, C * 2);     // bip: az, rg
  const auto cov = readRaw<float>(test::dataPath(dir + "golden/covariance"), R, C * 3);        // bip: aa, rr, ar
  const auto snr = readRaw<float>(test::dataPath(dir + "golden/snr"), R, C);
  const auto peak = readRaw<float>(test::dataPath(dir + "golden/correlation_peak"), R, C);
  OffsetParams p;
  p.windows = {{32, 64}};
  p.search_az = p.search_rg = 20;
  p.step_az = p.step_rg = 32;
  p.start_row = 20 + 32 / 2;
  p.start_col = 20 + 64 / 2;
  p.grid_rows = R;
  p.grid_cols = C;
  p.raw_oversample = 2;
  p.zoom = 2;
  p.oversample = 128;
  p.snr_box = 21;
  p.deramp = true;
  p.median_threshold = 0;
  p.fftw_measure = false;
  // PyCuAmpcor's correlation-surface interpolation: FFT zero-padding of the 8 × 8 patch
  // (corrSurfaceZoomInWindow 8 = 2·zoom·raw_oversample), oversamplingMethod 0.
  p.peak_interp = PeakInterp::fft;
  const auto f = estimateOffsets(a.cview(), b.cview(), p);
  double maxOff = 0, meanOff = 0, maxSnrRel = 0, meanSnrAbs = 0, maxSnrAbs = 0, maxCov = 0, meanCov = 0, maxCovRel = 0,
         maxPeak = 0, meanPeak = 0;
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < C; ++j) {
      ASSERT_EQ(f.flagAt(i, j), Flag::ok) << i << "," << j;
      for (int k = 0; k < 2; ++k) {
        const double d = std::fabs(double(k == 0 ? f.azimuth_offset(i, j) : f.range_offset(i, j)) - double(off(i, 2 * j + k)));
        maxOff = std::max(maxOff, d);
        meanOff += d / (2.0 * R * C);
      }
      const double ds = std::fabs(double(f.snr(i, j)) - double(snr(i, j)));
      maxSnrAbs = std::max(maxSnrAbs, ds);
      meanSnrAbs += ds / (R * C);
      maxSnrRel = std::max(maxSnrRel, ds / double(snr(i, j)));
      // Covariance: ampcor's cross term has the opposite sign convention (docs/offsets.md).
      const double ours[3] = {double(f.cov_aa(i, j)), double(f.cov_rr(i, j)), -double(f.cov_ra(i, j))};
      for (int k = 0; k < 3; ++k) {
        const double g = double(cov(i, 3 * j + k)), d = std::fabs(ours[k] - g);
        maxCov = std::max(maxCov, d);
        meanCov += d / (3.0 * R * C);
        if (k < 2) maxCovRel = std::max(maxCovRel, d / g);
      }
      const double dp = std::fabs(double(f.ncc(i, j)) - double(peak(i, j)));
      if (std::getenv("OT_DEBUG") && j < 3)
        std::printf("  %d,%d ours az %.4f rg %.4f ncc %.4f | golden az %.4f rg %.4f peak %.4f\n", i, j,
                    double(f.azimuth_offset(i, j)), double(f.range_offset(i, j)), double(f.ncc(i, j)),
                    double(off(i, 2 * j)), double(off(i, 2 * j + 1)), double(peak(i, j)));
      maxPeak = std::max(maxPeak, dp);
      meanPeak += dp / (R * C);
    }
  std::printf("[golden] offsets max %.4f mean %.4f px | snr max abs %.4f (rel %.2e) mean abs %.4f | cov max %.2e "
              "(rel %.2e) mean %.2e | peak max %.4f mean %.4f\n",
              maxOff, meanOff, maxSnrAbs, maxSnrRel, meanSnrAbs, maxCov, maxCovRel, meanCov, maxPeak, meanPeak);
  // Offsets: ISCE3's tolerance is max 0.1, mean 0.02 px. With the same interpolation (fft) we
  // measure mean 0.017, max 0.109 px. The images have zero shift, so each estimate's error is
  // known: the single window beyond 0.1 px (6, 10) is one where the golden estimate (range
  // −0.133 px) is 6.6 of its own standard deviations from the truth while ours is at −0.023 px.
  // PyCuAmpcor's deramp distorts the chips it oversamples (docs/offsets.md, "Golden differences"),
  // which moves some golden estimates; we assert the README tolerance everywhere except where the
  // golden estimate is itself the outlier: farther than 5 sd (its covariance) from the truth and
  // more than 3× farther than ours.
  EXPECT_LT(meanOff, 0.02);
  int beyond = 0;
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < C; ++j)
      for (int k = 0; k < 2; ++k) {
        const double ours = k == 0 ? f.azimuth_offset(i, j) : f.range_offset(i, j);
        const double gold = off(i, 2 * j + k), sd = std::sqrt(double(cov(i, 3 * j + k)));
        if (std::fabs(ours - gold) <= 0.1) continue;
        ++beyond;
        EXPECT_GT(std::fabs(gold), 5 * sd) << i << "," << j << " band " << k;
        EXPECT_GT(std::fabs(gold), 3 * std::fabs(ours)) << i << "," << j << " band " << k;
      }
  EXPECT_LE(beyond, 1);
  EXPECT_LT(maxOff, 0.12);
  // SNR and covariance come from the integer-lag NCC surface, the same quantity in both codes:
  // they agree to ~1e-5 relative, far inside ISCE3's tolerances.
  EXPECT_LT(maxSnrAbs, 1.0 / 64);
  EXPECT_LT(meanSnrAbs, 1.0 / 320);
  EXPECT_LT(maxCov, 1.0 / 64);
  EXPECT_LT(meanCov, 1.0 / 320);
  EXPECT_LT(maxCovRel, 1e-3);  // stricter than ISCE3's absolute 1/64 (the values are ~4e-4)
  // Correlation peak: NOT reproduced, by choice. PyCuAmpcor reports the maximum of its
  // FFT-oversampled surface (our ncc with peak_interp = fft), but its deramp multiplies with a
  // complex `*=` that reads the already updated real part, which distorts the chips it then
  // oversamples (docs/offsets.md, "Golden differences"): golden 0.31–0.63, mean 0.44. Ours is the
  // NCC of correctly deramped chips: 0.57–0.64 here, as expected for the amplitudes of ρ = 0.8
  // circular Gaussian speckle (amplitude correlation ≈ 0.6); measured mean |difference| 0.17
  // (ISCE3's tolerance: 0.01). We check our values against the physics instead: all in [0.5, 0.7].
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < C; ++j) {
      EXPECT_GT(f.ncc(i, j), 0.5f);
      EXPECT_LT(f.ncc(i, j), 0.7f);
    }
  EXPECT_GT(meanPeak, 0.05);  // the golden peaks carry the deramp defect; ours must not (see above)
}

// Kernels against plain references: the FFT NCC against a naive spatial-domain NCC and against
// OpenCV matchTemplate(TM_CCOEFF_NORMED); the peak refiner on surfaces with a known maximum; the
// chip oversampler on exactly band-limited signals.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>

#include "orthotrack/offsets/ncc.hpp"
#include "sim.hpp"

using namespace orthotrack;
using namespace orthotrack::offsets;

namespace {

// Naive zero-mean NCC, written plainly (double precision).
Raster<double> naiveNcc(const Raster<float>& a, const Raster<float>& b) {
  const auto R = a.length(), C = a.width();
  Raster<double> out(b.length() - R + 1, b.width() - C + 1);
  double ma = 0;
  for (std::int64_t r = 0; r < R; ++r)
    for (std::int64_t c = 0; c < C; ++c) ma += double(a(r, c));
  ma /= double(R * C);
  for (std::int64_t k = 0; k < out.length(); ++k)
    for (std::int64_t l = 0; l < out.width(); ++l) {
      double mb = 0;
      for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t c = 0; c < C; ++c) mb += double(b(k + r, l + c));
      mb /= double(R * C);
      double sab = 0, saa = 0, sbb = 0;
      for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t c = 0; c < C; ++c) {
          const double x = double(a(r, c)) - ma, y = double(b(k + r, l + c)) - mb;
          sab += x * y;
          saa += x * x;
          sbb += y * y;
        }
      out(k, l) = sab / std::sqrt(saa * sbb);
    }
  return out;
}

// Random speckled chip: texture × exponential speckle (single-look intensity), values 0..~50.
Raster<float> speckledChip(int rows, int cols, std::mt19937_64& rng, double offset = 0.0) {
  std::exponential_distribution<double> E(1.0);
  std::normal_distribution<double> N(0.0, 1.0);
  Raster<float> a(rows, cols);
  const double fr = 0.05 + 0.1 * std::uniform_real_distribution<double>(0, 1)(rng);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      a(r, c) = static_cast<float>(offset + std::exp(0.4 * std::sin(fr * r + 0.3 * c) + 0.2 * N(rng)) * E(rng));
  return a;
}

}  // namespace

TEST(Offsets, SmoothSizes) {
  EXPECT_EQ(smoothSize(1), 1);
  EXPECT_EQ(smoothSize(7), 8);
  EXPECT_EQ(smoothSize(97), 100);
  EXPECT_EQ(smoothSize(128), 128);
  EXPECT_EQ(smoothSize(129), 135);
  EXPECT_EQ(smoothSize(161), 162);
  EXPECT_EQ(smoothSize(193), 200);
}

TEST(Offsets, FftNccMatchesNaiveNcc) {
  std::mt19937_64 rng(42);
  struct Case {
    int R, C, SR, SC;
    double offset;
  };
  // Rectangular chips, odd sizes, non-smooth search sizes, a large constant offset (1000 + speckle).
  const Case cases[] = {{32, 40, 46, 58, 0.0},   {17, 23, 31, 45, 0.0}, {24, 24, 24, 24, 0.0},
                        {64, 64, 96, 96, 0.0},   {33, 20, 41, 61, 1000.0}, {8, 64, 30, 70, 0.0}};
  int trials = 0;
  for (const auto& cs : cases)
    for (int rep = 0; rep < 3; ++rep) {
      const auto a = speckledChip(cs.R, cs.C, rng, cs.offset);
      const auto b = speckledChip(cs.SR, cs.SC, rng, cs.offset);
      // Plant a noisy copy of the chip so that the surface has a real peak somewhere.
      Raster<float> bb = b;
      const int k0 = int(rng() % static_cast<unsigned>(cs.SR - cs.R + 1));
      const int l0 = int(rng() % static_cast<unsigned>(cs.SC - cs.C + 1));
      for (int r = 0; r < cs.R; ++r)
        for (int c = 0; c < cs.C; ++c) bb(k0 + r, l0 + c) = 0.7f * a(r, c) + 0.3f * b(k0 + r, l0 + c);
      const auto ref = naiveNcc(a, bb);
      NccCorrelator nc(cs.R, cs.C, cs.SR, cs.SC, false);
      Raster<float> out(nc.lagRows(), nc.lagCols());
      ASSERT_EQ(nc.correlate(a.cview(), bb.cview(), out.view()), nc.lagRows() * nc.lagCols());
      double maxErr = 0;
      std::int64_t bk = 0, bl = 0, nk = 0, nl = 0;
      for (std::int64_t k = 0; k < out.length(); ++k)
        for (std::int64_t l = 0; l < out.width(); ++l) {
          maxErr = std::max(maxErr, std::fabs(double(out(k, l)) - ref(k, l)));
          if (out(k, l) > out(bk, bl)) bk = k, bl = l;
          if (ref(k, l) > ref(nk, nl)) nk = k, nl = l;
        }
      EXPECT_LT(maxErr, 1e-4) << cs.R << "x" << cs.C << " in " << cs.SR << "x" << cs.SC;
      EXPECT_EQ(bk, nk);
      EXPECT_EQ(bl, nl);
      EXPECT_EQ(bk, k0);
      EXPECT_EQ(bl, l0);
      ++trials;
    }
  EXPECT_EQ(trials, 18);
}

TEST(Offsets, ConstantChipGivesNoCorrelation) {
  NccCorrelator nc(16, 16, 24, 24, false);
  Raster<float> a(16, 16, 3.5f), b(24, 24, 1.0f), out(9, 9);
  std::mt19937_64 rng(1);
  EXPECT_EQ(nc.correlate(a.cview(), speckledChip(24, 24, rng).cview(), out.view()), 0);
  EXPECT_EQ(nc.correlate(speckledChip(16, 16, rng).cview(), b.cview(), out.view()), 0);
  for (std::int64_t k = 0; k < 9; ++k)
    for (std::int64_t l = 0; l < 9; ++l) EXPECT_EQ(out(k, l), 0.0f);
}

// Same integer peak as OpenCV's matchTemplate(TM_CCOEFF_NORMED) on >= 99.9 % of the chips of a
// realistic speckled pair (the peer-benchmark model: texture × single-look speckle, shift
// (−1.6, +2.3), speckle coherence 0.9).
TEST(Offsets, SameIntegerPeakAsOpenCV) {
  const int n = 512, W = 64, S = 16, step = 12;
  const auto pair = test::speckledPair(n, -1.6, 2.3, 0.9, 0.8, 20261124);
  cv::Mat ref(n, n, CV_32F, const_cast<float*>(pair.ref.data()));
  cv::Mat sec(n, n, CV_32F, const_cast<float*>(pair.sec.data()));
  NccCorrelator nc(W, W, W + 2 * S, W + 2 * S, false);
  Raster<float> out(nc.lagRows(), nc.lagCols());
  cv::Mat res;
  int chips = 0, same = 0;
  double maxDiff = 0;
  for (int r0 = S; r0 + W + S <= n; r0 += step)
    for (int c0 = S; c0 + W + S <= n; c0 += step) {
      const cv::Mat tmpl = ref(cv::Rect(c0, r0, W, W));
      const cv::Mat srch = sec(cv::Rect(c0 - S, r0 - S, W + 2 * S, W + 2 * S));
      cv::matchTemplate(srch, tmpl, res, cv::TM_CCOEFF_NORMED);
      cv::Point loc;
      double mx = 0;
      cv::minMaxLoc(res, nullptr, &mx, nullptr, &loc);
      nc.correlate(pair.ref.cview().window(r0, c0, W, W), pair.sec.cview().window(r0 - S, c0 - S, W + 2 * S, W + 2 * S),
                   out.view());
      std::int64_t bk = 0, bl = 0;
      for (std::int64_t k = 0; k < out.length(); ++k)
        for (std::int64_t l = 0; l < out.width(); ++l)
          if (out(k, l) > out(bk, bl)) bk = k, bl = l;
      ++chips;
      if (bk == loc.y && bl == loc.x) ++same;
      maxDiff = std::max(maxDiff, std::fabs(double(out(bk, bl)) - mx));
    }
  ASSERT_GE(chips, 1000);
  EXPECT_GE(double(same), 0.999 * chips) << same << " of " << chips;
  EXPECT_LT(maxDiff, 1e-3);
}

TEST(Offsets, PeakRefinerFindsKnownMaximum) {
  // Smooth peaks with a known maximum: a Gaussian (sigma 1.3 samples) and a band-limited sinc²
  // peak; the refiner finds the maximum to the grid step 1/factor (plus the interpolation error).
  for (int factor : {16, 64, 128}) {
    PeakRefiner pr(6, factor);
    for (double y0 : {0.0, 0.3125, -0.4375, 0.2, 0.49}) {
      const double x0 = -0.7 * y0 + 0.1875;
      Raster<float> g(31, 31), sc(31, 31);
      auto sinc = [](double t) { return std::fabs(t) < 1e-12 ? 1.0 : std::sin(std::numbers::pi * t) / (std::numbers::pi * t); };
      for (int r = 0; r < 31; ++r)
        for (int c = 0; c < 31; ++c) {
          const double dy = r - 15 - y0, dx = c - 15 - x0;
          g(r, c) = static_cast<float>(0.9 * std::exp(-(dy * dy + dx * dx) / (2 * 1.3 * 1.3)));
          sc(r, c) = static_cast<float>(0.8 * std::pow(sinc(0.4 * dy) * sinc(0.4 * dx), 2));
        }
      for (const auto* s : {&g, &sc}) {
        const auto p = pr.refine(s->cview(), 15, 15);
        ASSERT_TRUE(p.valid);
        EXPECT_NEAR(p.dr, y0, 0.5 / factor + 0.004) << factor << " y0 " << y0;
        EXPECT_NEAR(p.dc, x0, 0.5 / factor + 0.004) << factor << " y0 " << y0;
        EXPECT_NEAR(p.value, s == &g ? 0.9 : 0.8, 2e-3);
      }
    }
  }
  // A peak on the border has no sub-pixel estimate.
  PeakRefiner pr(6, 16);
  Raster<float> s(9, 9, 0.0f);
  s(0, 4) = 1.0f;
  EXPECT_FALSE(pr.refine(s.cview(), 0, 4).valid);
}

// PeakInterp::fft against the FFT oversampler written plainly: the 8 × 8 patch centred on (cy, cx)
// is transformed with exp(+i) (direct DFT), its spectrum zero-padded to 8f × 8f with indices
// N/2 … N−1 at the end, transformed back with exp(−i), scaled by 1/N² and the real part taken
// (PyCuAmpcor's cuOverSamplerR2R); its maximum within ±1 sample of the peak must be the refiner's
// grid point and value.
TEST(Offsets, FftPeakRefinerMatchesZeroPaddedDft) {
  const int N = 8, f = 8, M = N * f;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-0.45, 0.45);
  for (int trial = 0; trial < 4; ++trial) {
    Raster<float> s(13, 13);
    const double y0 = 6 + u(rng), x0 = 5 + u(rng);
    for (int r = 0; r < 13; ++r)
      for (int c = 0; c < 13; ++c)
        s(r, c) = static_cast<float>(std::exp(-((r - y0) * (r - y0) + (c - x0) * (c - x0)) / 3.0) + 0.05 * u(rng));
    const int pr = static_cast<int>(std::lround(y0)), pc = static_cast<int>(std::lround(x0));
    const int cy = 6, cx = 6;  // patch rows/cols 2 … 9
    PeakRefiner ref(N / 2, f, PeakInterp::fft);
    const auto got = ref.refine(s.cview(), pr, pc, cy, cx);
    ASSERT_TRUE(got.valid);
    // Naive: spectrum S(k) = Σ x(n) exp(+2πi k·n/N), output y(m) = (1/N²) Σ S(k) exp(−2πi k'·m/M).
    std::vector<std::complex<double>> S(N * N);
    for (int ky = 0; ky < N; ++ky)
      for (int kx = 0; kx < N; ++kx)
        for (int ny = 0; ny < N; ++ny)
          for (int nx = 0; nx < N; ++nx)
            S[ky * N + kx] += double(s(cy - N / 2 + ny, cx - N / 2 + nx)) *
                              std::polar(1.0, 2 * std::numbers::pi * double(ky * ny + kx * nx) / N);
    double best = -1e30;
    int bm = 0, bn = 0;
    for (int my = (pr - (cy - N / 2) - 1) * f; my <= (pr - (cy - N / 2) + 1) * f; ++my)
      for (int mx = (pc - (cx - N / 2) - 1) * f; mx <= (pc - (cx - N / 2) + 1) * f; ++mx) {
        std::complex<double> v = 0;
        for (int ky = 0; ky < N; ++ky)
          for (int kx = 0; kx < N; ++kx) {
            const int ey = ky < N / 2 ? ky : ky - N + M, ex = kx < N / 2 ? kx : kx - N + M;
            v += S[ky * N + kx] * std::polar(1.0, -2 * std::numbers::pi * (double(ey) * my + double(ex) * mx) / M);
          }
        if (v.real() / (N * N) > best) {
          best = v.real() / (N * N);
          bm = my;
          bn = mx;
        }
      }
    EXPECT_NEAR(got.dr, double(bm) / f + (cy - N / 2) - pr, 1e-9) << trial;
    EXPECT_NEAR(got.dc, double(bn) / f + (cx - N / 2) - pc, 1e-9) << trial;
    EXPECT_NEAR(got.value, best, 1e-5) << trial;
    // The interpolated peak is near the true (Gaussian) maximum.
    EXPECT_NEAR(pr + got.dr, y0, 0.1);
    EXPECT_NEAR(pc + got.dc, x0, 0.1);
  }
}

TEST(Offsets, ChipOversamplerInterpolatesBandLimitedSignal) {
  const int R = 12, C = 16, F = 2;
  ChipOversampler ov(R, C, F, false);
  // A complex exponential on the DFT grid (plus a weaker second one) is interpolated exactly.
  const double a = 2.0 / R, b = -3.0 / C;
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c)
      ov.input()[r * C + c] = std::complex<float>(std::polar(1.0, 2 * std::numbers::pi * (a * r + b * c)) +
                                                  std::polar(0.3, 2 * std::numbers::pi * (-1.0 / R * r + 1.0 / C * c)));
  Raster<float> amp(F * R, F * C);
  ov.run(false, amp.view());
  double maxErr = 0;
  for (int r = 0; r < F * R; ++r)
    for (int c = 0; c < F * C; ++c) {
      const std::complex<double> z = std::polar(1.0, 2 * std::numbers::pi * (a * r + b * c) / F) +
                                     std::polar(0.3, 2 * std::numbers::pi * (-1.0 / R * r + 1.0 / C * c) / F);
      maxErr = std::max(maxErr, std::abs(std::complex<double>(ov.oversampled()[r * F * C + c]) - z));
      maxErr = std::max(maxErr, std::fabs(double(amp(r, c)) - std::abs(z)));
    }
  EXPECT_LT(maxErr, 1e-4);
}

TEST(Offsets, DerampRemovesLinearPhase) {
  const int R = 10, C = 14;
  std::vector<cfloat> z(R * C);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> U(0.5, 1.5);
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) z[r * C + c] = std::complex<float>(std::polar(U(rng), 0.7 * r - 1.1 * c + 0.4));
  deramp(z.data(), R, C);
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) EXPECT_NEAR(std::arg(z[r * C + c]), 0.4, 1e-4);
}

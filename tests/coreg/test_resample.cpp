// Complex windowed-sinc resampling: band-limited signal with a Doppler centroid, known sub-pixel
// shift; coherence and shift accuracy, and the failure without Doppler removal.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "orthotrack/core/error.hpp"
#include "orthotrack/coreg/resample.hpp"

using namespace orthotrack;
using namespace orthotrack::coreg;

namespace {
constexpr double kPi = 3.14159265358979323846;

// Sum of complex exponentials with azimuth frequencies in [fd − B/2, fd + B/2] (cycles/line) and
// range frequencies in [−Br/2, Br/2]: an exactly known band-limited SLC.
struct Signal {
  std::vector<double> fa, fr, ph;
  std::vector<double> amp;
  Signal(double fd, double Ba, double Br, int n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-0.5, 0.5), p(0, 2 * kPi), a(0.5, 1.0);
    for (int k = 0; k < n; ++k) {
      fa.push_back(fd + Ba * u(rng));
      fr.push_back(Br * u(rng));
      ph.push_back(p(rng));
      amp.push_back(a(rng));
    }
  }
  std::complex<double> operator()(double y, double x) const {
    std::complex<double> z = 0;
    for (std::size_t k = 0; k < fa.size(); ++k) z += amp[k] * std::polar(1.0, 2 * kPi * (fa[k] * y + fr[k] * x) + ph[k]);
    return z;
  }
};

geometry::SceneGeometry fakeGeometry(double dopplerHz, double prf, std::int64_t L, std::int64_t W) {
  std::vector<StateVector> svs;
  const DateTime t0(2015, 7, 27, 5, 0, 0.0);
  for (int i = 0; i < 10; ++i) {
    const double t = (i - 5) * 10.0;
    svs.push_back({t0.plusSeconds(t), Vec3(7.0e6, 7000.0 * t, 0), Vec3(0, 7000.0, 0)});
  }
  RadarGrid g{t0, 1.0 / prf, 850000.0, 5.0, 0.2360571, LookSide::Right, L, W};
  return geometry::SceneGeometry(Orbit(svs), g, LUT2d(dopplerHz));
}

struct Score {
  double coherence = 0, bestShift = 0;
};

// Coherence between the resampled image and the exact signal at the requested positions (+ε in
// azimuth, ε searched to find the effective shift error).
Score evaluate(const Signal& sig, const Raster<cfloat>& out, double dy, double dx, int margin) {
  Score s;
  s.coherence = -1;
  for (double e = -0.05; e <= 0.05 + 1e-12; e += 0.0025) {
    std::complex<double> num = 0;
    double pa = 0, pb = 0;
    for (std::int64_t i = margin; i < out.length() - margin; i += 2)
      for (std::int64_t j = margin; j < out.width() - margin; j += 2) {
        const std::complex<double> a(out(i, j)), b = sig(i + dy + e, j + dx);
        num += a * std::conj(b);
        pa += std::norm(a);
        pb += std::norm(b);
      }
    const double c = std::abs(num) / std::sqrt(pa * pb);
    if (c > s.coherence) { s.coherence = c; s.bestShift = e; }
  }
  return s;
}
}  // namespace

TEST(Resample, KernelIsNormalisedAndInterpolatesIntegers) {
  const SincKernel k(16, 6.0, 1024);
  EXPECT_EQ(k.length(), 16);
  for (double f : {0.0, 0.25, 0.5, 0.9}) {
    const float* w = k.weights(f);
    double s = 0;
    for (int i = 0; i < k.length(); ++i) s += static_cast<double>(w[i]);
    EXPECT_NEAR(s, 1.0, 1e-6);
  }
  const float* w0 = k.weights(0.0);
  for (int i = 0; i < k.length(); ++i) EXPECT_NEAR(w0[i], i == k.half() - 1 ? 1.0 : 0.0, 1e-6);
  const SincKernel lp(16, 6.0, 1024, 0.5);
  EXPECT_EQ(lp.length(), 32);
  EXPECT_THROW(SincKernel(15, 6.0, 1024), InvalidInput);
  ResampleParams bad;
  bad.taps = 3;
  try {
    bad.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "coreg.resample.taps");
  }
}

TEST(Resample, SubPixelShiftWithDopplerKeepsCoherence) {
  const std::int64_t L = 96, W = 96;
  const double prf = 2000.0, fdHz = 700.0;   // 0.35 cycles/line: spectrum wraps past Nyquist
  const Signal sig(fdHz / prf, 0.8, 0.8, 60, 3);
  const auto geom = fakeGeometry(fdHz, prf, L, W);
  Raster<cfloat> img(L, W);
  for (std::int64_t i = 0; i < L; ++i)
    for (std::int64_t j = 0; j < W; ++j) img(i, j) = cfloat(sig(static_cast<double>(i), static_cast<double>(j)));
  const double dy = 0.37, dx = -0.21;
  const std::int64_t n = 64;
  Raster<double> ys(n, n), xs(n, n);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) { ys(i, j) = 16 + i + dy; xs(i, j) = 16 + j + dx; }
  Raster<cfloat> out(n, n);
  ResampleParams p;
  const std::int64_t valid = resampleSlc(img.cview(), geom, ys.cview(), xs.cview(), p, out.view());
  EXPECT_EQ(valid, n * n);
  // The exact signal at output (i, j) is sig(16 + i + dy, 16 + j + dx).
  Signal shifted = sig;
  const Score s = evaluate(shifted, out, 16 + dy, 16 + dx, 0);
  EXPECT_GT(s.coherence, 0.99);
  EXPECT_LT(std::abs(s.bestShift), 0.01);

  // Without removing the Doppler centroid the azimuth spectrum is cut: coherence drops.
  ResampleParams nod = p;
  nod.removeDoppler = false;
  Raster<cfloat> out2(n, n);
  resampleSlc(img.cview(), geom, ys.cview(), xs.cview(), nod, out2.view());
  const Score s2 = evaluate(shifted, out2, 16 + dy, 16 + dx, 0);
  EXPECT_LT(s2.coherence, 0.95);
}

TEST(Resample, OutsideFootprintIsNoData) {
  const auto geom = fakeGeometry(0.0, 2000.0, 32, 32);
  Raster<cfloat> img(32, 32, cfloat(1, 0));
  Raster<double> ys(1, 3), xs(1, 3);
  ys(0, 0) = 2; xs(0, 0) = 16;       // kernel leaves the top edge
  ys(0, 1) = 16; xs(0, 1) = 16;      // inside
  ys(0, 2) = std::nan(""); xs(0, 2) = 16;
  Raster<cfloat> out(1, 3, cfloat(9, 9));
  ResampleParams p;
  EXPECT_EQ(resampleSlc(img.cview(), geom, ys.cview(), xs.cview(), p, out.view()), 1);
  EXPECT_EQ(out(0, 0), cfloat(0, 0));
  EXPECT_NEAR(std::abs(out(0, 1) - cfloat(1, 0)), 0.0, 1e-5);
  EXPECT_EQ(out(0, 2), cfloat(0, 0));
}

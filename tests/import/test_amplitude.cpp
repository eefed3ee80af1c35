// SLC → amplitude: FFT oversampling against the analytic band-limited signal (with a Doppler
// centroid that pushes the band across ±PRF/2), multi-looking against a naive loop, calibration.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <algorithm>
#include <random>

#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/io/amplitude.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "stack_fixture.hpp"
#include "test_data.hpp"

using namespace orthotrack;

namespace {
// Σ_k a_k exp(2πi (fa_k·y + fr_k·x)) at fractional (y, x) in input samples; the frequencies are
// multiples of 1/length and 1/width (periodic over the window, so FFT interpolation is exact).
struct Tone {
  double fa, fr;
  std::complex<double> a;
};
std::complex<double> signal(const std::vector<Tone>& tones, double y, double x) {
  std::complex<double> s = 0;
  for (const auto& t : tones) s += t.a * std::exp(std::complex<double>(0, 2 * kPi * (t.fa * y + t.fr * x)));
  return s;
}
}  // namespace

TEST(Amplitude, OversamplingIsExactAndFollowsTheAnalyticSignal) {
  const int L = 64, W = 48;
  // Azimuth band centred at 0.35 cycles/line (a Doppler centroid of 0.35·PRF): tones from −0.125 to
  // 0.80 cycles/line, i.e. across +1/2 where a plain FFT would split the band.
  const double centre = 0.35;
  const std::vector<Tone> tones = {{-8.0 / L, -20.0 / W, {1.0, 0.5}},
                                   {10.0 / L, -3.0 / W, {-0.3, 0.8}},
                                   {30.0 / L, 7.0 / W, {0.7, -0.2}},
                                   {51.0 / L, 19.0 / W, {0.4, 0.4}}};
  Raster<cfloat> in(L, W);
  for (int i = 0; i < L; ++i)
    for (int j = 0; j < W; ++j) in(i, j) = cfloat(signal(tones, i, j));
  const Raster<cfloat> o = io::oversampleSlc(in.cview(), 2, centre, 0.0);
  ASSERT_EQ(o.length(), 2 * L);
  ASSERT_EQ(o.width(), 2 * W);
  double atSamples = 0, between = 0, peak = 0;
  for (int m = 0; m < 2 * L; ++m)
    for (int n = 0; n < 2 * W; ++n) {
      const double e = std::abs(std::complex<double>(o(m, n)) - signal(tones, 0.5 * m, 0.5 * n));
      peak = std::max(peak, std::abs(signal(tones, 0.5 * m, 0.5 * n)));
      if (m % 2 == 0 && n % 2 == 0) atSamples = std::max(atSamples, e);
      else between = std::max(between, e);
    }
  std::printf("oversampling: max error at the samples %.2e, between them %.2e (peak %.2f)\n", atSamples, between, peak);
  EXPECT_LT(atSamples, 2e-5);  // float FFTs
  EXPECT_LT(between, 2e-5);
  // Centred at 0 instead, the tone at 0.80 cycles/line is taken as −0.20: wrong between samples.
  const Raster<cfloat> wrong = io::oversampleSlc(in.cview(), 2, 0.0, 0.0);
  double worst = 0;
  for (int m = 1; m < 2 * L; m += 2) worst = std::max(worst, std::abs(std::complex<double>(wrong(m, 0)) - signal(tones, 0.5 * m, 0)));
  EXPECT_GT(worst, 0.1);
  // Odd sizes and factor 1.
  Raster<cfloat> odd(7, 5);
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 5; ++j) odd(i, j) = cfloat(static_cast<float>(i), static_cast<float>(j));
  const auto o2 = io::oversampleSlc(odd.cview(), 2, 0.1, 0.0);
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 5; ++j) EXPECT_LT(std::abs(o2(2 * i, 2 * j) - odd(i, j)), 1e-4f) << i << "," << j;
  EXPECT_EQ(io::oversampleSlc(odd.cview(), 1).vector(), odd.vector());
  EXPECT_THROW(io::oversampleSlc(odd.cview(), 3), InvalidInput);
}

TEST(Amplitude, MultilookEqualsNaiveLoopAndCalibrationIsApplied) {
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0.0f, 1.0f);
  const int L = 23, W = 31, az = 4, rg = 3;
  Raster<cfloat> slc(L, W);
  for (auto& v : slc.vector()) v = cfloat(g(rng), g(rng));
  io::AmplitudeParams p;
  p.azimuthLooks = az;
  p.rangeLooks = rg;
  p.intensity = true;
  const Raster<float> I = io::slcToAmplitude(slc.cview(), p);
  ASSERT_EQ(I.length(), L / az);
  ASSERT_EQ(I.width(), W / rg);
  for (int i = 0; i < L / az; ++i)
    for (int j = 0; j < W / rg; ++j) {
      double s = 0;
      for (int a = 0; a < az; ++a)
        for (int b = 0; b < rg; ++b) s += std::norm(std::complex<double>(slc(i * az + a, j * rg + b)));
      EXPECT_NEAR(I(i, j), s / (az * rg), 1e-5 * s) << i << "," << j;
    }
  // Amplitude = sqrt of the multi-looked intensity; calibration multiplies the intensity by 10^(K/10).
  p.intensity = false;
  const Raster<float> A = io::slcToAmplitude(slc.cview(), p, 0.0, -83.0);
  for (std::size_t k = 0; k < A.size(); ++k)
    EXPECT_NEAR(A.vector()[k], std::sqrt(static_cast<double>(I.vector()[k]) * std::pow(10.0, -8.3)),
                1e-5 * static_cast<double>(A.vector()[k]));
  p.calibrate = false;
  const Raster<float> A0 = io::slcToAmplitude(slc.cview(), p, 0.0, -83.0);
  EXPECT_NEAR(A0(0, 0), std::sqrt(I(0, 0)), 1e-5);
  // Bad parameters name their keys.
  io::AmplitudeParams bad;
  bad.oversample = 4;
  try {
    bad.validate();
    ADD_FAILURE() << "no error";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("amplitude.oversample"), std::string::npos);
  }
}

// Streaming a scene's image in blocks (with overlapping margins) equals the in-memory computation
// away from the block seams' ringing, and the output grid and metadata follow.
TEST(Amplitude, SceneStreamingMatchesInMemory) {
  const auto dir = test::tempDir("amplitude_scene");
  io::SceneMetadata s = test::fakeScene(dir.string(), "A1", "PALSAR-1", DateTime(2007, 1, 15, 16), 96, 40);
  // A smooth band-limited image (periodic over the scene) so that block seams are exact too.
  std::vector<Tone> tones = {{3.0 / 96, 2.0 / 40, {1.0, 0.0}}, {-5.0 / 96, 7.0 / 40, {0.5, 0.25}}, {1.0 / 96, -4.0 / 40, {2.0, 0.0}}};
  Raster<cfloat> img(96, 40);
  for (int i = 0; i < 96; ++i)
    for (int j = 0; j < 40; ++j) img(i, j) = cfloat(signal(tones, i, j));
  io::writeRaster(s.image, img);
  s.calibrationConstantDb = -20.0;
  io::AmplitudeParams p;
  p.oversample = 2;
  p.azimuthLooks = 2;
  p.rangeLooks = 2;
  p.blockLines = 30;    // blocks of 30 lines (a multiple of the looks)
  p.marginLines = 100;  // margins reaching the image ends: every block sees the whole (periodic) image
  auto out = io::writeAmplitude(s, (dir / "amp.tif").string(), p);
  EXPECT_EQ(out.imageKind, io::ImageKind::Amplitude);
  EXPECT_EQ(out.grid.length, 96);
  EXPECT_EQ(out.grid.width, 40);
  EXPECT_NEAR(out.grid.azimuthTimeInterval, s.grid.azimuthTimeInterval, 1e-15);
  EXPECT_NEAR(out.grid.startingRange, s.grid.startingRange + 0.25 * s.grid.rangePixelSpacing, 1e-9);
  ASSERT_TRUE(out.calibrationConstantDb.has_value());
  EXPECT_EQ(*out.calibrationConstantDb, 0.0);
  const Raster<float> want = io::slcToAmplitude(img.cview(), p, 0.0, -20.0);
  auto maxDiff = [&](const Raster<float>& a, std::int64_t row0, std::int64_t row1) {
    double w = 0;
    for (std::int64_t i = row0; i < row1; ++i)
      for (std::int64_t j = 0; j < a.width(); ++j) w = std::max(w, static_cast<double>(std::abs(a(i, j) - want(i, j))));
    return w;
  };
  Raster<float> got = io::RasterReader((dir / "amp.tif").string()).readAll<float>();
  ASSERT_EQ(got.length(), want.length());
  EXPECT_LT(maxDiff(got, 0, got.length()), 1e-5);  // amplitudes up to ~0.35 (3.5 × 10^(−20/20))
  // Shorter margins: the blocks' FFT windows end inside the image; away from the image ends the
  // seams differ by the truncation ringing only.
  p.marginLines = 24;
  out = io::writeAmplitude(s, (dir / "amp2.tif").string(), p);
  got = io::RasterReader((dir / "amp2.tif").string()).readAll<float>();
  const double seam = maxDiff(got, 24, 72);
  std::printf("block seams with 24-line margins: max |diff| %.3g (peak %.3g)\n", seam,
              static_cast<double>(*std::max_element(want.vector().begin(), want.vector().end())));
  EXPECT_LT(seam, 0.005);
  // Not an SLC.
  s.imageKind = io::ImageKind::Amplitude;
  EXPECT_THROW(io::writeAmplitude(s, (dir / "x.tif").string(), p), InvalidInput);
}

#pragma once
// Simulated SAR-like images with exact shifts for the offsets tests (FFT-based, double precision
// where it matters for the truth). All generators are deterministic for a given seed.
#include <fftw3.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "orthotrack/core/raster.hpp"

namespace orthotrack::test {

using cd = std::complex<double>;

/// Complex 2-D DFT in place (sign −1 forward, +1 backward, unnormalized), via single-precision
/// FFTW plans made with FFTW_ESTIMATE (planning is cheap and not shared with the engine).
inline void fft2(std::vector<std::complex<float>>& a, int rows, int cols, int sign) {
  auto* p = reinterpret_cast<fftwf_complex*>(a.data());
  fftwf_plan pl = fftwf_plan_dft_2d(rows, cols, p, p, sign < 0 ? FFTW_FORWARD : FFTW_BACKWARD, FFTW_ESTIMATE);
  fftwf_execute(pl);
  fftwf_destroy_plan(pl);
}

/// Signed DFT frequency (cycles/sample) of bin k of an n-point axis.
inline double freq(int k, int n) { return (k <= (n - 1) / 2 ? k : k - n) / double(n); }

/// Circular complex Gaussian white noise, unit variance.
inline std::vector<std::complex<float>> whiteComplex(int rows, int cols, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, std::sqrt(0.5));
  std::vector<std::complex<float>> z(static_cast<std::size_t>(rows) * cols);
  for (auto& v : z) v = {static_cast<float>(N(rng)), static_cast<float>(N(rng))};
  return z;
}

/// Keeps the frequencies |f| <= band/2 on both axes (band in (0, 1]) and scales to unit mean power.
inline void bandLimit(std::vector<std::complex<float>>& z, int rows, int cols, double band) {
  fft2(z, rows, cols, -1);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      if (std::fabs(freq(r, rows)) > band / 2 || std::fabs(freq(c, cols)) > band / 2)
        z[static_cast<std::size_t>(r) * cols + c] = 0;
  fft2(z, rows, cols, +1);
  double p = 0;
  for (auto& v : z) p += std::norm(cd(v));
  const float s = static_cast<float>(1.0 / std::sqrt(p / double(z.size())));
  for (auto& v : z) v *= s;
}

/// out(r, c) = in(r − dy, c − dx) for a periodic band-limited field (exact Fourier phase ramp):
/// a feature at (r, c) moves to (r + dy, c + dx).
inline std::vector<std::complex<float>> fourierShift(std::vector<std::complex<float>> z, int rows, int cols, double dy,
                                                     double dx) {
  fft2(z, rows, cols, -1);
  const double s = 1.0 / (double(rows) * cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const double ph = -2 * std::numbers::pi * (freq(r, rows) * dy + freq(c, cols) * dx);
      // The Nyquist bin of an even axis is not shifted consistently by a real ramp: drop it.
      const bool nyq = (rows % 2 == 0 && r == rows / 2) || (cols % 2 == 0 && c == cols / 2);
      auto& v = z[static_cast<std::size_t>(r) * cols + c];
      v = nyq ? std::complex<float>(0, 0) : std::complex<float>(cd(v) * std::polar(s, ph));
    }
  fft2(z, rows, cols, +1);
  return z;
}

/// Real Gaussian field: white noise smoothed by a Gaussian of `sigma` px (periodic), unit std.
inline std::vector<double> gaussField(int rows, int cols, double sigma, std::uint64_t seed) {
  auto z = whiteComplex(rows, cols, seed);
  for (auto& v : z) v = {v.real(), 0.0f};
  fft2(z, rows, cols, -1);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const double f2 = freq(r, rows) * freq(r, rows) + freq(c, cols) * freq(c, cols);
      z[static_cast<std::size_t>(r) * cols + c] *= static_cast<float>(std::exp(-2 * std::numbers::pi * std::numbers::pi * sigma * sigma * f2));
    }
  fft2(z, rows, cols, +1);
  std::vector<double> g(z.size());
  double m = 0, s2 = 0;
  for (std::size_t i = 0; i < z.size(); ++i) m += (g[i] = z[i].real());
  m /= double(g.size());
  for (auto& v : g) s2 += (v - m) * (v - m);
  const double sd = std::sqrt(s2 / double(g.size()));
  for (auto& v : g) v = (v - m) / sd;
  return g;
}

/// The peer-benchmark pair (PEER_BENCHMARKS.md, gen_images.py model): amplitude = exp(0.5 g) · |z|²,
/// g a Gaussian field (sigma 3 px), z speckle band-limited to `band`; the secondary has texture and
/// speckle shifted by (dy, dx) and speckle coherence rho.
struct Pair {
  Raster<float> ref, sec;
};
inline Pair speckledPair(int n, double dy, double dx, double rho, double band, std::uint64_t seed) {
  const auto g = gaussField(n, n, 3.0, seed);
  std::vector<std::complex<float>> tex(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) tex[i] = {static_cast<float>(std::exp(0.5 * g[i])), 0.0f};
  auto z1 = whiteComplex(n, n, seed + 1);
  bandLimit(z1, n, n, band);
  auto zn = whiteComplex(n, n, seed + 2);
  bandLimit(zn, n, n, band);
  const auto tex2 = fourierShift(tex, n, n, dy, dx);
  const auto z1s = fourierShift(z1, n, n, dy, dx);
  Pair p{Raster<float>(n, n), Raster<float>(n, n)};
  const float a = static_cast<float>(rho), b = static_cast<float>(std::sqrt(1 - rho * rho));
  for (std::size_t i = 0; i < g.size(); ++i) {
    p.ref.data()[i] = tex[i].real() * std::norm(z1[i]);
    p.sec.data()[i] = tex2[i].real() * std::norm(a * z1s[i] + b * zn[i]);
  }
  return p;
}

/// Complex SLC pair with shared speckle: z band-limited to `band`, secondary = rho·shift(z) +
/// sqrt(1 − rho²)·(independent speckle).
struct ComplexPair {
  Raster<cfloat> ref, sec;
};
inline ComplexPair slcPair(int n, double dy, double dx, double rho, double band, std::uint64_t seed) {
  auto z1 = whiteComplex(n, n, seed);
  bandLimit(z1, n, n, band);
  auto zn = whiteComplex(n, n, seed + 7);
  bandLimit(zn, n, n, band);
  const auto z1s = fourierShift(z1, n, n, dy, dx);
  ComplexPair p{Raster<cfloat>(n, n), Raster<cfloat>(n, n)};
  const float a = static_cast<float>(rho), b = static_cast<float>(std::sqrt(1 - rho * rho));
  for (std::size_t i = 0; i < z1.size(); ++i) {
    p.ref.data()[i] = z1[i];
    p.sec.data()[i] = a * z1s[i] + b * zn[i];
  }
  return p;
}

/// Sample mean and standard deviation.
struct Stats {
  double mean = 0, sd = 0;
  std::size_t n = 0;
};
inline Stats stats(const std::vector<double>& v) {
  Stats s;
  s.n = v.size();
  if (v.empty()) return s;
  for (double x : v) s.mean += x;
  s.mean /= double(v.size());
  for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
  s.sd = v.size() > 1 ? std::sqrt(s.sd / double(v.size() - 1)) : 0.0;
  return s;
}

}  // namespace orthotrack::test

#pragma once
// Counter-based random numbers: every draw is a pure function of (seed, keys), so a scatterer's
// attributes can be recomputed anywhere, in any order, on any thread, with identical results.
#include <array>
#include <cmath>
#include <cstdint>

namespace orthotrack::simulate::detail {

inline std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline std::uint64_t hash(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0, std::uint64_t d = 0) {
  return mix(mix(mix(mix(a) ^ b) ^ c) ^ d);
}
/// Uniform in (0, 1).
inline double uniform(std::uint64_t h) { return (static_cast<double>(h >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
/// Two independent standard normals (Box–Muller).
inline void normal2(std::uint64_t h, double& n1, double& n2) {
  const double u1 = uniform(h), u2 = uniform(mix(h ^ 0x5851f42d4c957f2dULL));
  const double r = std::sqrt(-2.0 * std::log(u1));
  n1 = r * std::cos(6.283185307179586 * u2);
  n2 = r * std::sin(6.283185307179586 * u2);
}

/// Two independent draws of unit variance and a near-normal law from one hash, by table look-up: the
/// 4096 quantiles Φ⁻¹((i + ½)/4096) (tails cut at ±3.7σ), rescaled to unit variance. Used for the
/// per-scatterer speckle draws, where every pixel sums many scatterers (so only the first two
/// moments and the correlation between dates matter) and Box–Muller's log/sin/cos would dominate
/// the rendering time.
inline void fastNormal2(std::uint64_t h, double& n1, double& n2) {
  static const std::array<double, 4096> table = [] {
    std::array<double, 4096> t{};
    double var = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const double p = (static_cast<double>(i) + 0.5) / 4096.0;
      double lo = -10, hi = 10;  // Φ(x) = erfc(−x/√2)/2, bisection
      for (int it = 0; it < 80; ++it) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
      }
      t[i] = 0.5 * (lo + hi);
      var += t[i] * t[i];
    }
    const double k = 1.0 / std::sqrt(var / 4096.0);
    for (auto& v : t) v *= k;
    return t;
  }();
  n1 = table[static_cast<std::size_t>(h >> 52)];
  n2 = table[static_cast<std::size_t>((h >> 20) & 0xFFF)];
}

/// Smooth value noise in [-1, 1] at (x, y) in lattice units (quintic interpolation of hashed
/// lattice values), and a fractal sum of octaves normalized to unit standard deviation (approx.).
inline double valueNoise(double x, double y, std::uint64_t seed) {
  const double fx = std::floor(x), fy = std::floor(y);
  const auto ix = static_cast<std::int64_t>(fx), iy = static_cast<std::int64_t>(fy);
  const double tx = x - fx, ty = y - fy;
  const double sx = tx * tx * tx * (tx * (tx * 6 - 15) + 10), sy = ty * ty * ty * (ty * (ty * 6 - 15) + 10);
  auto v = [&](std::int64_t i, std::int64_t j) {
    return 2.0 * uniform(hash(seed, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(j))) - 1.0;
  };
  const double a = v(ix, iy), b = v(ix + 1, iy), c = v(ix, iy + 1), d = v(ix + 1, iy + 1);
  return (a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy;
}
inline double fractalNoise(double x, double y, std::uint64_t seed, int octaves, double persistence = 0.5) {
  double sum = 0, amp = 1, norm = 0, f = 1;
  for (int o = 0; o < octaves; ++o) {
    sum += amp * valueNoise(x * f, y * f, seed + static_cast<std::uint64_t>(o) * 1013);
    norm += amp * amp;
    amp *= persistence;
    f *= 2.0;
  }
  // A single octave of value noise has a standard deviation of about 0.33.
  return sum / (0.33 * std::sqrt(norm));
}

}  // namespace orthotrack::simulate::detail

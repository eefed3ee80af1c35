#pragma once
/// Synthetic pair stacks with known truth for the time-series tests and benchmark.
#include <cmath>
#include <random>
#include <vector>

#include "orthotrack/core/raster.hpp"
#include "orthotrack/network/network.hpp"
#include "orthotrack/timeseries/sbas.hpp"

namespace orthotrack::test {

inline timeseries::SbasNetwork toSbas(const network::Network& n) {
  timeseries::SbasNetwork s;
  s.dates = n.dates();
  for (const auto& p : n.pairs) s.pairs.push_back({p.ref, p.sec});
  return s;
}

struct Synthetic {
  std::int64_t length = 0, width = 0;
  std::vector<Raster<float>> truth;  ///< per date, m (0 at date 0)
  std::vector<Raster<float>> obs;    ///< per pair, m (NaN = missing)
  std::vector<Raster<float>> sigma;  ///< per pair, m
  std::vector<Raster<std::uint8_t>> outlier;  ///< per pair, 1 = gross error added
  timeseries::ComponentStack stack(bool withSigma, const std::string& name = "los") const {
    timeseries::ComponentStack cs;
    cs.name = name;
    for (const auto& r : obs) cs.displacement.push_back(r.cview());
    if (withSigma)
      for (const auto& r : sigma) cs.sigma.push_back(r.cview());
    return cs;
  }
};

/// Truth per pixel: u(t) = a·t + b·t² + c·sin(2πt) (t in years from the first date, a ~ ±3 m/yr).
/// Each pair's σ is drawn in [0.5, 1.5]·noise_m; observations = truth difference + N(0, σ²);
/// a fraction `missing` of pairs is NaN; a fraction `outliers` gets ±U(15, 40)·noise_m added.
inline Synthetic makeSynthetic(const timeseries::SbasNetwork& net, std::int64_t L, std::int64_t W, double noise_m,
                               double missing, double outliers, unsigned seed) {
  Synthetic s;
  s.length = L;
  s.width = W;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  const std::size_t nd = net.dates.size(), m = net.pairs.size();
  for (std::size_t d = 0; d < nd; ++d) s.truth.emplace_back(L, W, 0.0f);
  for (std::size_t k = 0; k < m; ++k) {
    s.obs.emplace_back(L, W, 0.0f);
    s.sigma.emplace_back(L, W, 0.0f);
    s.outlier.emplace_back(L, W, std::uint8_t{0});
  }
  for (std::int64_t r = 0; r < L; ++r)
    for (std::int64_t c = 0; c < W; ++c) {
      const double a = 3.0 * (2 * uni(rng) - 1), b = 0.3 * (2 * uni(rng) - 1), cc = 0.2 * uni(rng);
      std::vector<double> u(nd);
      for (std::size_t d = 0; d < nd; ++d) {
        const double t = net.dates[d].secondsSince(net.dates[0]) / (365.25 * 86400.0);
        u[d] = a * t + b * t * t + cc * std::sin(2 * M_PI * t);
        s.truth[d](r, c) = static_cast<float>(u[d]);
      }
      for (std::size_t k = 0; k < m; ++k) {
        const auto& p = net.pairs[k];
        const double sg = noise_m * (0.5 + uni(rng));
        double v = u[static_cast<std::size_t>(p.second)] - u[static_cast<std::size_t>(p.first)] + sg * gauss(rng);
        if (uni(rng) < outliers) {
          v += (uni(rng) < 0.5 ? -1 : 1) * noise_m * (15.0 + 25.0 * uni(rng));
          s.outlier[k](r, c) = 1;
        }
        if (uni(rng) < missing) v = std::nan("");
        s.obs[k](r, c) = static_cast<float>(v);
        s.sigma[k](r, c) = static_cast<float>(sg);
      }
    }
  return s;
}

}  // namespace orthotrack::test

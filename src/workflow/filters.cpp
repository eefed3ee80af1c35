// Spatial filter applied to pairwise displacement fields before the inversion (docs/method.md,
// "Noise filter before the inversion").
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "context.hpp"
#include "orthotrack/core/tiling.hpp"

namespace orthotrack::workflow::detail {
namespace {
float medianOf(std::vector<float>& w) {
  const auto mid = w.begin() + static_cast<std::ptrdiff_t>(w.size() / 2);
  std::nth_element(w.begin(), mid, w.end());
  float m = *mid;
  if (w.size() % 2 == 0) m = 0.5f * (m + *std::max_element(w.begin(), mid));
  return m;
}
}  // namespace

Raster<float> neighbourhoodMedian(const Raster<float>& v, int r, int minValid) {
  Raster<float> out(v.length(), v.width(), std::numeric_limits<float>::quiet_NaN());
  std::vector<float> buf;
  for (std::int64_t i = 0; i < v.length(); ++i)
    for (std::int64_t j = 0; j < v.width(); ++j) {
      buf.clear();
      for (std::int64_t a = std::max<std::int64_t>(0, i - r); a <= std::min(v.length() - 1, i + r); ++a)
        for (std::int64_t b = std::max<std::int64_t>(0, j - r); b <= std::min(v.width() - 1, j + r); ++b)
          if (std::isfinite(v(a, b))) buf.push_back(v(a, b));
      if (static_cast<int>(buf.size()) >= minValid && !buf.empty()) out(i, j) = medianOf(buf);
    }
  return out;
}

double fieldNoise(const Raster<float>& v) {
  std::vector<float> d;
  d.reserve(v.size());
  for (std::int64_t i = 0; i < v.length(); ++i)
    for (std::int64_t j = 0; j + 1 < v.width(); ++j)
      if (std::isfinite(v(i, j)) && std::isfinite(v(i, j + 1))) d.push_back(std::abs(v(i, j + 1) - v(i, j)));
  for (std::int64_t i = 0; i + 1 < v.length(); ++i)
    for (std::int64_t j = 0; j < v.width(); ++j)
      if (std::isfinite(v(i, j)) && std::isfinite(v(i + 1, j))) d.push_back(std::abs(v(i + 1, j) - v(i, j)));
  if (d.size() < 8) return std::numeric_limits<double>::quiet_NaN();
  // Differences of neighbours: σ_diff = √2 σ; median |x| of N(0, σ_diff) = 0.6745 σ_diff.
  return static_cast<double>(medianOf(d)) / 0.6745 / std::sqrt(2.0);
}

Raster<float> sigmaFilter(const Raster<float>& v, int size, int minValid, double noise, double flatness) {
  Raster<float> out(v.length(), v.width());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const int r = size / 2;
  const bool smooth = std::isfinite(noise) && noise > 0;
  parallelFor(v.length(), [&](std::int64_t i) {
    std::vector<float> w, dev;
    for (std::int64_t j = 0; j < v.width(); ++j) {
      const float c = v(i, j);
      if (!std::isfinite(c)) {
        out(i, j) = nan;
        continue;
      }
      w.clear();
      for (std::int64_t a = std::max<std::int64_t>(0, i - r); a <= std::min(v.length() - 1, i + r); ++a)
        for (std::int64_t b = std::max<std::int64_t>(0, j - r); b <= std::min(v.width() - 1, j + r); ++b)
          if (std::isfinite(v(a, b))) w.push_back(v(a, b));
      if (static_cast<int>(w.size()) < minValid) {
        out(i, j) = nan;  // too isolated to be checked against its neighbours
        continue;
      }
      std::vector<float> tmp = w;
      const float m = medianOf(tmp);
      out(i, j) = c;
      if (!smooth) continue;
      dev.clear();
      for (float x : w) dev.push_back(std::abs(x - m));
      const double spread = 1.4826 * static_cast<double>(medianOf(dev));
      if (spread > flatness * noise) continue;  // a real gradient or edge: keep the estimate
      // Flat neighbourhood (spread consistent with noise): mean of the values within 3σ of the median.
      double s = 0;
      int n = 0;
      for (float x : w)
        if (std::abs(static_cast<double>(x - m)) <= 3.0 * noise) {
          s += static_cast<double>(x);
          ++n;
        }
      if (n > 0) out(i, j) = static_cast<float>(s / n);
    }
  });
  return out;
}

}  // namespace orthotrack::workflow::detail

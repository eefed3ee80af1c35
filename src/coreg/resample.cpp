#include "orthotrack/coreg/resample.hpp"

#include <cmath>
#include <string>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/tiling.hpp"

namespace orthotrack::coreg {

namespace {
constexpr double kPiD = 3.14159265358979323846;
double besselI0(double x) {
  // Power series; converges quickly for the β used here (< 20).
  double sum = 1.0, term = 1.0;
  const double q = 0.25 * x * x;
  for (int k = 1; k < 200; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}
double sinc(double x) { return std::abs(x) < 1e-12 ? 1.0 : std::sin(kPiD * x) / (kPiD * x); }
}  // namespace

void ResampleParams::validate() const {
  auto bad = [](const char* key, double v) { throw InvalidInput("invalid resampling parameter", {"", key, std::to_string(v)}); };
  if (taps < 4 || taps > 64 || taps % 2 != 0) bad("coreg.resample.taps", taps);
  if (!(kaiserBeta >= 0) || kaiserBeta > 30) bad("coreg.resample.kaiser_beta", kaiserBeta);
  if (tableOversample < 64 || tableOversample > 1 << 16) bad("coreg.resample.table_oversample", tableOversample);
  if (!(lowPassMargin > 0) || lowPassMargin > 1.5) bad("coreg.resample.low_pass_margin", lowPassMargin);
}

SincKernel::SincKernel(int taps, double beta, int os, double cutoff) : os_(os), fc_(cutoff) {
  if (taps < 2 || taps % 2 != 0) throw InvalidInput("kernel taps must be even and >= 2", {"", "coreg.resample.taps", std::to_string(taps)});
  if (!(cutoff > 0) || cutoff > 1) throw InvalidInput("kernel cut-off must be in (0, 1]", {"", "coreg.resample.cutoff", std::to_string(cutoff)});
  if (os < 1) throw InvalidInput("kernel table oversampling must be >= 1", {"", "coreg.resample.table_oversample", std::to_string(os)});
  n_ = static_cast<int>(std::lround(taps / cutoff));
  if (n_ % 2) ++n_;
  const double halfWidth = 0.5 * n_;
  const double i0b = besselI0(beta);
  table_.assign(static_cast<std::size_t>(os_ + 1) * static_cast<std::size_t>(n_), 0.0f);
  std::vector<double> row(static_cast<std::size_t>(n_));
  for (int q = 0; q <= os_; ++q) {
    const double f = static_cast<double>(q) / os_;
    double sum = 0;
    for (int k = 0; k < n_; ++k) {
      const double x = (k - half() + 1) - f;  // sample offset from the position
      const double u = x / halfWidth;
      const double w = std::abs(u) < 1 ? besselI0(beta * std::sqrt(1 - u * u)) / i0b : 0.0;
      row[static_cast<std::size_t>(k)] = fc_ * sinc(fc_ * x) * w;
      sum += row[static_cast<std::size_t>(k)];
    }
    for (int k = 0; k < n_; ++k)
      table_[static_cast<std::size_t>(q) * n_ + static_cast<std::size_t>(k)] = static_cast<float>(row[static_cast<std::size_t>(k)] / sum);
  }
}

std::int64_t resampleSlc(const SlcWindow& src, const geometry::SceneGeometry& sec, RasterView<const double> lines,
                         RasterView<const double> samples, const SincKernel& ak, const SincKernel& rk,
                         const ResampleParams& prm, RasterView<cfloat> out) {
  const bool doppler = prm.removeDoppler && !sec.zeroDoppler();
  const double dt = sec.grid().azimuthTimeInterval;
  const std::int64_t secLen = sec.grid().length, secWid = sec.grid().width;
  const std::int64_t wr0 = src.row0, wc0 = src.col0, wlen = src.view.length(), wwid = src.view.width();
  const int na = ak.length(), nr = rk.length();
  std::vector<std::int64_t> counts(static_cast<std::size_t>(out.length()), 0);
  parallelFor(out.length(), [&](std::int64_t i) {
    std::vector<cfloat> rowSum(static_cast<std::size_t>(na));
    std::int64_t valid = 0;
    cfloat* o = out.row(i);
    const double* L = lines.row(i);
    const double* S = samples.row(i);
    for (std::int64_t j = 0; j < out.width(); ++j) {
      const double y = L[j], x = S[j];
      o[j] = cfloat(0, 0);
      if (!std::isfinite(y) || !std::isfinite(x)) continue;
      const double fy = std::floor(y), fx = std::floor(x);
      const std::int64_t k0 = static_cast<std::int64_t>(fy) - ak.half() + 1;
      const std::int64_t j0 = static_cast<std::int64_t>(fx) - rk.half() + 1;
      if (k0 < 0 || j0 < 0 || k0 + na > secLen || j0 + nr > secWid) continue;
      if (k0 < wr0 || j0 < wc0 || k0 + na > wr0 + wlen || j0 + nr > wc0 + wwid) continue;
      const float* wa = ak.weights(y - fy);
      const float* wrg = rk.weights(x - fx);
      for (int k = 0; k < na; ++k) {
        const cfloat* zp = src.view.row(k0 + k - wr0) + (j0 - wc0);
        float re = 0, im = 0;
        for (int m = 0; m < nr; ++m) {
          re += wrg[m] * zp[m].real();
          im += wrg[m] * zp[m].imag();
        }
        rowSum[static_cast<std::size_t>(k)] = cfloat(re, im);
      }
      cfloat acc(0, 0);
      if (doppler) {
        const double fd = sec.dopplerAt(sec.time(y), sec.range(x)) * dt;  // cycles per line
        // e^{−i2π fd (k − y)} for k = k0 … : start phase and unit step, then a recurrence.
        const std::complex<double> ph0 = std::polar(1.0, -2 * kPiD * fd * (static_cast<double>(k0) - y));
        const std::complex<double> step = std::polar(1.0, -2 * kPiD * fd);
        std::complex<double> ph = ph0;
        for (int k = 0; k < na; ++k) {
          acc += wa[k] * rowSum[static_cast<std::size_t>(k)] * cfloat(static_cast<float>(ph.real()), static_cast<float>(ph.imag()));
          ph *= step;
        }
      } else {
        for (int k = 0; k < na; ++k) acc += wa[k] * rowSum[static_cast<std::size_t>(k)];
      }
      o[j] = acc;
      ++valid;
    }
    counts[static_cast<std::size_t>(i)] = valid;
  });
  std::int64_t total = 0;
  for (auto c : counts) total += c;
  return total;
}

std::int64_t resampleSlc(RasterView<const cfloat> image, const geometry::SceneGeometry& secondary,
                         RasterView<const double> lines, RasterView<const double> samples, const ResampleParams& params,
                         RasterView<cfloat> out) {
  params.validate();
  const SincKernel k(params.taps, params.kaiserBeta, params.tableOversample, 1.0);
  return resampleSlc(SlcWindow{image, 0, 0}, secondary, lines, samples, k, k, params, out);
}

}  // namespace orthotrack::coreg

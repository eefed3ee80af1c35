#pragma once
/// Complex windowed-sinc resampling of a secondary SLC at arbitrary (line, sample) positions, with
/// the Doppler centroid phase removed before and restored after the azimuth interpolation, and a
/// low-pass cut-off when the output grid is coarser than the input (cross-platform pairs).
///
/// Kernel (one axis, x in input pixels from the output position, fraction f of the position):
///   h(x) = fc · sinc(fc·x) · w(x / (N/2)),  w(q) = I0(β·sqrt(1 − q²)) / I0(β)  (Kaiser),
/// N = round(taps / fc) (even), normalised so Σ h = 1 for every fraction; tabulated at
/// `tableOversample` fractions per pixel (nearest entry). Doppler (azimuth, f_d in cycles per line
/// = f_dc / PRF at the output position):
///   z_out(y, x) = Σ_k h_a(y − k) · e^{−i2π f_d (k − y)} · Σ_j h_r(x − j) · z(k, j).
/// Equations and measured accuracy: docs/coreg.md.
#include <cstdint>
#include <functional>
#include <vector>

#include "orthotrack/core/raster.hpp"
#include "orthotrack/geometry/range_doppler.hpp"

namespace orthotrack::coreg {

struct ResampleParams {
  int taps = 16;               ///< kernel length at full band (even, 4..64)
  double kaiserBeta = 6.0;     ///< Kaiser window shape (0 = rectangular)
  int tableOversample = 4096;  ///< kernel table fractions per pixel (≥ 64)
  bool removeDoppler = true;   ///< deramp/reramp with the secondary's Doppler centroid LUT
  bool lowPass = true;         ///< cut off at 1/scale when one output pixel spans > 1 input pixel
  double lowPassMargin = 1.0;  ///< cut-off = min(1, margin / scale)
  void validate() const;       ///< InvalidInput naming coreg.resample.<key>
};

/// A tabulated windowed-sinc kernel of one axis.
class SincKernel {
 public:
  /// `cutoff` in (0, 1]: fraction of the input band kept (1 = full band, no low-pass).
  SincKernel(int taps, double kaiserBeta, int tableOversample, double cutoff = 1.0);
  int length() const { return n_; }    ///< taps actually used (taps / cutoff, even)
  int half() const { return n_ / 2; }
  double cutoff() const { return fc_; }
  /// Weights for input samples k0 … k0 + length() − 1, where k0 = floor(pos) − half() + 1 and
  /// frac = pos − floor(pos) ∈ [0, 1).
  const float* weights(double frac) const noexcept {
    const auto i = static_cast<std::size_t>(frac * os_ + 0.5);
    return table_.data() + i * static_cast<std::size_t>(n_);
  }

 private:
  int n_ = 0, os_ = 0;
  double fc_ = 1.0;
  std::vector<float> table_;  // (os_ + 1) rows × n_
};

/// Where the secondary samples come from: rows [row0, row0 + rows) × cols [col0, col0 + cols) of
/// the secondary written into `out` (row-major, rows × cols). Called outside parallel regions.
using SlcWindowReader =
    std::function<void(std::int64_t row0, std::int64_t col0, std::int64_t rows, std::int64_t cols, cfloat* out)>;

/// A window of the secondary held in memory (its top-left pixel at (row0, col0) of the secondary).
struct SlcWindow {
  RasterView<const cfloat> view;
  std::int64_t row0 = 0, col0 = 0;
};

/// Resamples: out(i, j) = secondary at (lines(i, j), samples(i, j)) (secondary pixel coordinates).
/// Positions that are NaN, or whose kernel footprint leaves `src` or the secondary, give 0 (no-data).
/// `secondary` supplies the Doppler LUT and PRF (ignored when removeDoppler is false or it is zero
/// Doppler). Runs in parallel over rows; deterministic. Returns the number of valid outputs.
std::int64_t resampleSlc(const SlcWindow& src, const geometry::SceneGeometry& secondary, RasterView<const double> lines,
                         RasterView<const double> samples, const SincKernel& azKernel, const SincKernel& rgKernel,
                         const ResampleParams& params, RasterView<cfloat> out);

/// Convenience for tests: kernels at full band, src = the whole image.
std::int64_t resampleSlc(RasterView<const cfloat> image, const geometry::SceneGeometry& secondary,
                         RasterView<const double> lines, RasterView<const double> samples, const ResampleParams& params,
                         RasterView<cfloat> out);

}  // namespace orthotrack::coreg

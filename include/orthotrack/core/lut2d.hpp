#pragma once
/// Bilinear look-up table over (azimuth time, slant range), e.g. the Doppler centroid (Hz).
#include <vector>

#include "orthotrack/core/datetime.hpp"

namespace orthotrack {

/// What happens when a query falls outside the table.
enum class LutBounds { Clamp, Error };

/// Values on a regular grid: x = slant range (m), y = azimuth time (s since `epoch`).
/// An empty LUT2d (default) evaluates to its `constant` value everywhere: zero Doppler.
class LUT2d {
 public:
  LUT2d() = default;
  explicit LUT2d(double constant) : constant_(constant) {}
  /// `data` is row-major, ny rows (azimuth) × nx columns (range). Throws InvalidInput if sizes
  /// disagree, spacings are not positive, nx or ny < 2, or any value is not finite.
  LUT2d(double xStart, double xSpacing, int nx, double yStart, double ySpacing, int ny,
        std::vector<double> data, const DateTime& epoch, LutBounds bounds = LutBounds::Clamp);

  bool empty() const { return data_.empty(); }
  /// Value at azimuth time `t` (s since epoch()) and slant range `r` (m). Clamps to the edge
  /// (default) or returns NaN outside when bounds == Error.
  double eval(double t, double r) const noexcept;
  /// Same LUT with its time axis expressed relative to another epoch.
  LUT2d rebased(const DateTime& newEpoch) const;

  const DateTime& epoch() const { return epoch_; }
  double xStart() const { return x0_; }
  double xSpacing() const { return dx_; }
  int nx() const { return nx_; }
  double yStart() const { return y0_; }
  double ySpacing() const { return dy_; }
  int ny() const { return ny_; }
  const std::vector<double>& data() const { return data_; }
  double constant() const { return constant_; }

 private:
  double x0_ = 0, dx_ = 1, y0_ = 0, dy_ = 1;
  int nx_ = 0, ny_ = 0;
  std::vector<double> data_;
  DateTime epoch_;
  LutBounds bounds_ = LutBounds::Clamp;
  double constant_ = 0.0;
};

}  // namespace orthotrack

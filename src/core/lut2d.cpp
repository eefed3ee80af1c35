#include "orthotrack/core/lut2d.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "orthotrack/core/error.hpp"

namespace orthotrack {

LUT2d::LUT2d(double xStart, double xSpacing, int nx, double yStart, double ySpacing, int ny,
             std::vector<double> data, const DateTime& epoch, LutBounds bounds)
    : x0_(xStart), dx_(xSpacing), y0_(yStart), dy_(ySpacing), nx_(nx), ny_(ny), data_(std::move(data)),
      epoch_(epoch), bounds_(bounds) {
  if (nx < 2 || ny < 2)
    throw InvalidInput("a LUT2d needs at least 2 × 2 nodes", {"", "lut.shape", std::to_string(ny) + "x" + std::to_string(nx)});
  if (!(dx_ > 0) || !(dy_ > 0) || !std::isfinite(dx_) || !std::isfinite(dy_))
    throw InvalidInput("LUT2d spacings must be positive", {"", "lut.spacing", std::to_string(dy_) + "," + std::to_string(dx_)});
  if (data_.size() != static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny))
    throw InvalidInput("LUT2d data size does not match its shape",
                       {"", "lut.data", std::to_string(data_.size()) + " values for " + std::to_string(ny) + "x" + std::to_string(nx)});
  for (std::size_t i = 0; i < data_.size(); ++i)
    if (!std::isfinite(data_[i]))
      throw InvalidInput("LUT2d holds a non-finite value", {"", "lut.data[" + std::to_string(i) + "]", std::to_string(data_[i])});
}

double LUT2d::eval(double t, double r) const noexcept {
  if (data_.empty()) return constant_;
  double fx = (r - x0_) / dx_;
  double fy = (t - y0_) / dy_;
  if (bounds_ == LutBounds::Error &&
      (fx < 0 || fy < 0 || fx > nx_ - 1 || fy > ny_ - 1))
    return std::numeric_limits<double>::quiet_NaN();
  fx = std::clamp(fx, 0.0, static_cast<double>(nx_ - 1));
  fy = std::clamp(fy, 0.0, static_cast<double>(ny_ - 1));
  const int ix = std::min(static_cast<int>(fx), nx_ - 2);
  const int iy = std::min(static_cast<int>(fy), ny_ - 2);
  const double ax = fx - ix, ay = fy - iy;
  const double* r0 = data_.data() + static_cast<std::size_t>(iy) * static_cast<std::size_t>(nx_) + ix;
  const double* r1 = r0 + nx_;
  return (1 - ay) * ((1 - ax) * r0[0] + ax * r0[1]) + ay * ((1 - ax) * r1[0] + ax * r1[1]);
}

LUT2d LUT2d::rebased(const DateTime& newEpoch) const {
  LUT2d out = *this;
  out.y0_ = y0_ + epoch_.secondsSince(newEpoch);
  out.epoch_ = newEpoch;
  return out;
}

}  // namespace orthotrack

#include "orthotrack/core/orbit.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "orthotrack/core/error.hpp"

namespace orthotrack {

Orbit::Orbit(std::vector<StateVector> svs, int order) : svs_(std::move(svs)), order_(order) {
  if (!svs_.empty()) {
    const auto ns = svs_.front().time.nanoseconds();
    const std::int64_t s = ns >= 0 ? ns / 1'000'000'000 : -((-ns + 999'999'999) / 1'000'000'000);
    epoch_ = DateTime::fromNanoseconds(s * 1'000'000'000);
  }
  init();
}

Orbit::Orbit(std::vector<StateVector> svs, const DateTime& epoch, int order)
    : svs_(std::move(svs)), epoch_(epoch), order_(order) {
  init();
}

void Orbit::init() {
  if (order_ < 4 || order_ > 16)
    throw InvalidInput("orbit interpolation order must be within 4..16", {"", "orbit.order", std::to_string(order_)});
  if (svs_.size() < 4)
    throw InvalidInput("an orbit needs at least 4 state vectors", {"", "orbit.state_vectors", std::to_string(svs_.size())});
  t_.resize(svs_.size());
  for (std::size_t i = 0; i < svs_.size(); ++i) {
    const auto& sv = svs_[i];
    if (!sv.position.allFinite() || !sv.velocity.allFinite())
      throw InvalidInput("state vector has a non-finite position or velocity",
                         {"", "orbit.state_vectors[" + std::to_string(i) + "]", sv.time.iso(6)});
    t_[i] = sv.time.secondsSince(epoch_);
    if (i > 0 && !(t_[i] > t_[i - 1]))
      throw InvalidInput("state vector times must be strictly increasing",
                         {"", "orbit.state_vectors[" + std::to_string(i) + "].time",
                          svs_[i - 1].time.iso(6) + " then " + sv.time.iso(6)});
  }
  dt_ = (t_.back() - t_.front()) / static_cast<double>(t_.size() - 1);
  uniform_ = true;
  for (std::size_t i = 1; i < t_.size(); ++i)
    if (std::abs(t_[i] - t_[i - 1] - dt_) > 1e-6 * dt_) { uniform_ = false; break; }
}

bool Orbit::covers(double t0, double t1) const {
  return t0 >= t_.front() - margin_ && t1 <= t_.back() + margin_;
}

Status Orbit::interpolate(double t, Vec3& pos, Vec3& vel) const noexcept {
  const std::size_t n = t_.size();
  if (!(t >= t_.front() - margin_ && t <= t_.back() + margin_)) return Status::OutOfDomain;
  // Index of the interval holding t.
  std::size_t k;
  if (uniform_) {
    const double f = (t - t_.front()) / dt_;
    k = f <= 0 ? 0 : std::min(n - 2, static_cast<std::size_t>(f));
  } else {
    auto it = std::upper_bound(t_.begin(), t_.end(), t);
    k = it == t_.begin() ? 0 : std::min<std::size_t>(n - 2, static_cast<std::size_t>(it - t_.begin()) - 1);
  }
  const std::size_t m = std::min<std::size_t>(static_cast<std::size_t>(order_), n);
  std::ptrdiff_t start = static_cast<std::ptrdiff_t>(k) - static_cast<std::ptrdiff_t>(m / 2) + 1;
  start = std::clamp<std::ptrdiff_t>(start, 0, static_cast<std::ptrdiff_t>(n - m));
  pos.setZero();
  vel.setZero();
  for (std::size_t j = 0; j < m; ++j) {
    const std::size_t jj = static_cast<std::size_t>(start) + j;
    double w = 1.0;
    for (std::size_t i = 0; i < m; ++i) {
      if (i == j) continue;
      const std::size_t ii = static_cast<std::size_t>(start) + i;
      w *= (t - t_[ii]) / (t_[jj] - t_[ii]);
    }
    pos += w * svs_[jj].position;
    vel += w * svs_[jj].velocity;
  }
  return Status::Ok;
}

void Orbit::interpolate(const DateTime& t, Vec3& pos, Vec3& vel) const {
  if (interpolate(toSeconds(t), pos, vel) != Status::Ok)
    throw OutOfDomain("time outside the orbit's span " + startDateTime().iso(6) + " .. " + endDateTime().iso(6),
                      {"", "orbit", t.iso(6)});
}

}  // namespace orthotrack

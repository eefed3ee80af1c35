#include "orthotrack/core/orbit.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/limits.hpp"

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

std::size_t lagrangeWindowStart(const std::vector<double>& ts, bool uniform, double dt, double t, std::size_t m) noexcept {
  const std::size_t n = ts.size();
  // Index of the interval holding t.
  std::size_t k;
  if (uniform) {
    const double f = (t - ts.front()) / dt;
    // Compared as double before the cast: t far beyond the nodes (a large extrapolation margin) would
    // overflow size_t (fuzzing).
    k = f <= 0 ? 0 : f >= static_cast<double>(n - 2) ? n - 2 : static_cast<std::size_t>(f);
  } else {
    auto it = std::upper_bound(ts.begin(), ts.end(), t);
    k = it == ts.begin() ? 0 : std::min<std::size_t>(n - 2, static_cast<std::size_t>(it - ts.begin()) - 1);
  }
  const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(k) - static_cast<std::ptrdiff_t>(m / 2) + 1;
  return static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(start, 0, static_cast<std::ptrdiff_t>(n - m)));
}

Status Orbit::interpolate(double t, Vec3& pos, Vec3& vel) const noexcept {
  const std::size_t n = t_.size();
  if (!(t >= t_.front() - margin_ && t <= t_.back() + margin_)) return Status::OutOfDomain;
  const std::size_t m = std::min<std::size_t>(static_cast<std::size_t>(order_), n);
  const auto start = static_cast<std::ptrdiff_t>(lagrangeWindowStart(t_, uniform_, dt_, t, m));
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

// ---------------------------------------------------------------------------------------------
namespace {
// Hermite interpolating polynomial (degree 7) through 4 state vectors (positions and velocities).
void hermite4(const std::vector<StateVector>& sv, const std::vector<double>& ts, double t, Vec3& p, Vec3& v) {
  const std::size_t n = sv.size();
  auto it = std::upper_bound(ts.begin(), ts.end(), t);
  const std::ptrdiff_t k = std::max<std::ptrdiff_t>(0, (it - ts.begin()) - 1);
  const std::size_t s = static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(k - 1, 0, static_cast<std::ptrdiff_t>(n) - 4));
  p.setZero();
  v.setZero();
  for (std::size_t i = s; i < s + 4; ++i) {
    double L = 1.0, dL = 0.0, sumInv = 0.0;
    for (std::size_t j = s; j < s + 4; ++j)
      if (j != i) {
        L *= (t - ts[j]) / (ts[i] - ts[j]);
        sumInv += 1.0 / (ts[i] - ts[j]);
      }
    for (std::size_t k2 = s; k2 < s + 4; ++k2) {
      if (k2 == i) continue;
      double q = 1.0 / (ts[i] - ts[k2]);
      for (std::size_t j = s; j < s + 4; ++j)
        if (j != i && j != k2) q *= (t - ts[j]) / (ts[i] - ts[j]);
      dL += q;
    }
    const double dt = t - ts[i];
    const double a = 1.0 - 2.0 * dt * sumInv;
    const double h = a * L * L, hb = dt * L * L;
    const double dh = -2.0 * sumInv * L * L + 2.0 * a * L * dL;
    const double dhb = L * L + 2.0 * dt * L * dL;
    p += h * sv[i].position + hb * sv[i].velocity;
    v += dh * sv[i].position + dhb * sv[i].velocity;
  }
}
}  // namespace

Orbit resampleHermite(const Orbit& orbit, double spacing) {
  if (!(spacing > 0) || !std::isfinite(spacing))
    throw InvalidInput("orbit resampling spacing must be positive", {"", "orbit.resample_spacing", std::to_string(spacing)});
  const auto& sv = orbit.stateVectors();
  if (sv.size() < 4) throw InvalidInput("Hermite resampling needs 4 state vectors", {"", "orbit.state_vectors", std::to_string(sv.size())});
  std::vector<double> ts(sv.size());
  for (std::size_t i = 0; i < sv.size(); ++i) ts[i] = sv[i].time.secondsSince(orbit.referenceEpoch());
  std::vector<StateVector> out;
  const double t0 = ts.front(), t1 = ts.back();
  const double steps = std::floor((t1 - t0) / spacing + 1e-9);
  // A span of years at a tiny spacing (a corrupted product) would need absurd memory (fuzzing).
  if (!(steps < static_cast<double>(limits::kMaxOrbitSamples)))
    throw InvalidInput("resampling the orbit every " + std::to_string(spacing) + " s over " + std::to_string(t1 - t0) +
                           " s would make more than " + std::to_string(limits::kMaxOrbitSamples) + " state vectors",
                       {"", "orbit.resample_spacing", std::to_string(spacing)});
  const auto n = static_cast<std::int64_t>(steps);
  for (std::int64_t k = 0; k <= n; ++k) {
    const double t = t0 + static_cast<double>(k) * spacing;
    Vec3 p, v;
    hermite4(sv, ts, t, p, v);
    out.push_back({orbit.referenceEpoch().plusSeconds(t), p, v});
  }
  Orbit o(std::move(out), orbit.referenceEpoch());
  o.setExtrapolationMargin(orbit.extrapolationMargin());
  return o;
}

}  // namespace orthotrack

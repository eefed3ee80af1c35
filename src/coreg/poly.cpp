#include "orthotrack/coreg/poly.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Dense>

#include "orthotrack/core/error.hpp"

namespace orthotrack::coreg {

namespace {
// Monomials u^(d-k) v^k for d = 0..order, k = 0..d.
void monomials(int order, double u, double v, double* out) {
  int n = 0;
  for (int d = 0; d <= order; ++d)
    for (int k = 0; k <= d; ++k) out[n++] = std::pow(u, d - k) * std::pow(v, k);
}

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  double m = *mid;
  if (v.size() % 2 == 0) m = 0.5 * (m + *std::max_element(v.begin(), mid));
  return m;
}
}  // namespace

double Poly2d::eval(double line, double sample) const noexcept {
  if (coeffs.empty()) return 0.0;
  const double u = (line - lineMean) / lineScale, v = (sample - sampleMean) / sampleScale;
  double m[10];
  monomials(order, u, v, m);
  double s = 0;
  for (std::size_t i = 0; i < coeffs.size(); ++i) s += coeffs[i] * m[i];
  return s;
}

void Poly2d::gradient(double line, double sample, double& dLine, double& dSample) const noexcept {
  dLine = dSample = 0;
  if (coeffs.empty()) return;
  const double u = (line - lineMean) / lineScale, v = (sample - sampleMean) / sampleScale;
  int n = 0;
  for (int d = 0; d <= order; ++d)
    for (int k = 0; k <= d; ++k, ++n) {
      const int pu = d - k, pv = k;
      if (pu > 0) dLine += coeffs[n] * pu * std::pow(u, pu - 1) * std::pow(v, pv) / lineScale;
      if (pv > 0) dSample += coeffs[n] * pv * std::pow(u, pu) * std::pow(v, pv - 1) / sampleScale;
    }
}

bool Poly2d::isZero() const noexcept {
  return std::all_of(coeffs.begin(), coeffs.end(), [](double c) { return c == 0.0; });
}

Poly2d& Poly2d::operator+=(const Poly2d& o) {
  if (o.coeffs.empty()) return *this;
  if (coeffs.empty()) { *this = o; return *this; }
  if (lineMean != o.lineMean || lineScale != o.lineScale || sampleMean != o.sampleMean || sampleScale != o.sampleScale)
    throw InvalidInput("cannot add polynomials with different normalisations", {"", "coreg.poly", ""});
  const int ord = std::max(order, o.order);
  coeffs.resize(static_cast<std::size_t>(termCount(ord)), 0.0);
  for (std::size_t i = 0; i < o.coeffs.size(); ++i) coeffs[i] += o.coeffs[i];
  order = ord;
  return *this;
}

Poly2d Poly2d::zero(int order, double lm, double ls, double sm, double ss) {
  Poly2d p;
  p.order = order; p.lineMean = lm; p.lineScale = ls; p.sampleMean = sm; p.sampleScale = ss;
  p.coeffs.assign(static_cast<std::size_t>(termCount(order)), 0.0);
  return p;
}

void RobustFitParams::validate() const {
  auto bad = [](const char* key, double v) { throw InvalidInput("invalid robust-fit parameter", {"", key, std::to_string(v)}); };
  if (order < 0 || order > 3) bad("coreg.fit.order", order);
  if (huberIterations < 0) bad("coreg.fit.huber_iterations", huberIterations);
  if (maxIterations < 0) bad("coreg.fit.max_iterations", maxIterations);
  if (!(tukeyC > 0) || !std::isfinite(tukeyC)) bad("coreg.fit.tukey_c", tukeyC);
  if (!(huberK > 0) || !std::isfinite(huberK)) bad("coreg.fit.huber_k", huberK);
  if (!(minScale > 0) || !std::isfinite(minScale)) bad("coreg.fit.min_scale", minScale);
  if (!(tolerance > 0) || !std::isfinite(tolerance)) bad("coreg.fit.tolerance", tolerance);
  if (minPoints < 0) bad("coreg.fit.min_points", minPoints);
}

namespace {
struct Prepared {
  std::vector<std::size_t> idx;  // usable input indices
  Eigen::MatrixXd X;             // design (n × terms)
  Eigen::VectorXd a, b, w0;
  Poly2d proto;
};

Prepared prepare(const FitData& d, int order) {
  Prepared P;
  double lmin = 1e300, lmax = -1e300, smin = 1e300, smax = -1e300;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (!(d.weight[i] > 0) || !std::isfinite(d.a[i]) || !std::isfinite(d.b[i]) || !std::isfinite(d.line[i]) ||
        !std::isfinite(d.sample[i]))
      continue;
    P.idx.push_back(i);
    lmin = std::min(lmin, d.line[i]); lmax = std::max(lmax, d.line[i]);
    smin = std::min(smin, d.sample[i]); smax = std::max(smax, d.sample[i]);
  }
  P.proto.order = order;
  if (d.lineScale > 0 && d.sampleScale > 0) {
    P.proto.lineMean = d.lineMean; P.proto.lineScale = d.lineScale;
    P.proto.sampleMean = d.sampleMean; P.proto.sampleScale = d.sampleScale;
  } else if (!P.idx.empty()) {
    P.proto.lineMean = 0.5 * (lmin + lmax);
    P.proto.lineScale = std::max(0.5 * (lmax - lmin), 1.0);
    P.proto.sampleMean = 0.5 * (smin + smax);
    P.proto.sampleScale = std::max(0.5 * (smax - smin), 1.0);
  }
  const int T = Poly2d::termCount(order);
  const auto n = static_cast<Eigen::Index>(P.idx.size());
  P.X.resize(n, T); P.a.resize(n); P.b.resize(n); P.w0.resize(n);
  double m[10];
  for (Eigen::Index k = 0; k < n; ++k) {
    const std::size_t i = P.idx[static_cast<std::size_t>(k)];
    monomials(order, (d.line[i] - P.proto.lineMean) / P.proto.lineScale,
              (d.sample[i] - P.proto.sampleMean) / P.proto.sampleScale, m);
    for (int t = 0; t < T; ++t) P.X(k, t) = m[t];
    P.a(k) = d.a[i]; P.b(k) = d.b[i]; P.w0(k) = d.weight[i];
  }
  return P;
}

// Weighted LS for both right-hand sides; false if rank deficient.
bool solve(const Prepared& P, const Eigen::VectorXd& w, Eigen::VectorXd& ca, Eigen::VectorXd& cb) {
  const Eigen::MatrixXd Xw = P.X.array().colwise() * w.array().sqrt();
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(Xw);
  if (qr.rank() < P.X.cols()) return false;
  ca = qr.solve((P.a.array() * w.array().sqrt()).matrix());
  cb = qr.solve((P.b.array() * w.array().sqrt()).matrix());
  return true;
}

double madScale(const Eigen::VectorXd& r, const Eigen::VectorXd& w, double floor) {
  std::vector<double> v;
  for (Eigen::Index i = 0; i < r.size(); ++i)
    if (w(i) > 0) v.push_back(std::abs(r(i)));
  return std::max(1.4826 * median(v), floor);
}

void finish(const Prepared& P, const FitData& d, const Eigen::VectorXd& ca, const Eigen::VectorXd& cb,
            const Eigen::VectorXd& wr, RobustFitResult& R) {
  R.a = P.proto; R.b = P.proto;
  R.a.coeffs.assign(ca.data(), ca.data() + ca.size());
  R.b.coeffs.assign(cb.data(), cb.data() + cb.size());
  R.points = static_cast<std::int64_t>(P.idx.size());
  R.robustWeight.assign(d.size(), 0.0);
  const Eigen::VectorXd ra = P.a - P.X * ca, rb = P.b - P.X * cb;
  double sa = 0, sb = 0, ma = 0, mb = 0;
  std::int64_t n = 0;
  for (Eigen::Index k = 0; k < ra.size(); ++k) {
    R.robustWeight[P.idx[static_cast<std::size_t>(k)]] = wr(k);
    if (wr(k) > 0) { ++n; sa += ra(k) * ra(k); sb += rb(k) * rb(k); ma += ra(k); mb += rb(k); }
  }
  R.inliers = n;
  if (n > 0) { R.rmsA = std::sqrt(sa / n); R.rmsB = std::sqrt(sb / n); R.meanA = ma / n; R.meanB = mb / n; }
}
}  // namespace

RobustFitResult fitRobust(const FitData& data, const RobustFitParams& prm) {
  prm.validate();
  const Prepared P = prepare(data, prm.order);
  const int T = Poly2d::termCount(prm.order);
  const int minPts = prm.minPoints > 0 ? prm.minPoints : 3 * T;
  if (static_cast<int>(P.idx.size()) < minPts)
    throw InvalidInput("too few usable offsets for the robust fit (need at least " + std::to_string(minPts) + ")",
                       {"", "coreg.fit.points", std::to_string(P.idx.size())});
  const auto n = static_cast<Eigen::Index>(P.idx.size());
  // Robust start: the medians as constant terms.
  Eigen::VectorXd ca = Eigen::VectorXd::Zero(T), cb = Eigen::VectorXd::Zero(T);
  ca(0) = median(std::vector<double>(P.a.data(), P.a.data() + n));
  cb(0) = median(std::vector<double>(P.b.data(), P.b.data() + n));
  Eigen::VectorXd w = P.w0, wr = Eigen::VectorXd::Ones(n);
  RobustFitResult R;
  const int total = prm.huberIterations + prm.maxIterations;
  for (int it = 0; it < total; ++it) {
    const Eigen::VectorXd ra = P.a - P.X * ca, rb = P.b - P.X * cb;
    const Eigen::VectorXd ones = Eigen::VectorXd::Ones(n);
    const Eigen::VectorXd& sel = it == 0 ? ones : wr;
    const double sa = madScale(ra, sel, prm.minScale), sb = madScale(rb, sel, prm.minScale);
    R.scaleA = sa; R.scaleB = sb;
    const bool huber = it < prm.huberIterations;
    for (Eigen::Index k = 0; k < n; ++k) {
      const double z = std::sqrt(0.5 * ((ra(k) / sa) * (ra(k) / sa) + (rb(k) / sb) * (rb(k) / sb)));
      if (huber) {
        wr(k) = z <= prm.huberK ? 1.0 : prm.huberK / z;
      } else {
        const double q = z / prm.tukeyC;
        wr(k) = q < 1 ? (1 - q * q) * (1 - q * q) : 0.0;
      }
    }
    w = P.w0.cwiseProduct(wr);
    if ((w.array() > 0).count() < T) break;
    Eigen::VectorXd na, nb;
    if (!solve(P, w, na, nb))
      throw InvalidInput("robust fit is rank deficient (offsets do not span the image)", {"", "coreg.fit.order", std::to_string(prm.order)});
    const double change = std::max((na - ca).cwiseAbs().maxCoeff(), (nb - cb).cwiseAbs().maxCoeff());
    ca = na; cb = nb;
    R.iterations = it + 1;
    if (!huber && change < prm.tolerance) { R.converged = true; break; }
  }
  finish(P, data, ca, cb, wr, R);
  return R;
}

RobustFitResult fitLeastSquares(const FitData& data, int order) {
  RobustFitParams chk; chk.order = order; chk.validate();
  const Prepared P = prepare(data, order);
  const int T = Poly2d::termCount(order);
  if (static_cast<int>(P.idx.size()) < T)
    throw InvalidInput("too few usable offsets for the fit", {"", "coreg.fit.points", std::to_string(P.idx.size())});
  Eigen::VectorXd ca, cb;
  if (!solve(P, P.w0, ca, cb))
    throw InvalidInput("least-squares fit is rank deficient", {"", "coreg.fit.order", std::to_string(order)});
  RobustFitResult R;
  R.iterations = 1; R.converged = true;
  finish(P, data, ca, cb, Eigen::VectorXd::Ones(static_cast<Eigen::Index>(P.idx.size())), R);
  return R;
}

}  // namespace orthotrack::coreg

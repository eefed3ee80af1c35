#include "orthotrack/analysis/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace orthotrack::analysis {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// log Γ(x) for x > 0 without touching the global `signgam` (thread-safe): Lanczos (g = 7, n = 9).
double logGamma(double x) {
  static const double c[9] = {0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
                              771.32342877765313,   -176.61502916214059,   12.507343278686905,
                              -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
  if (x < 0.5) return std::log(3.14159265358979323846 / std::sin(3.14159265358979323846 * x)) - logGamma(1.0 - x);
  x -= 1.0;
  double s = c[0];
  for (int i = 1; i < 9; ++i) s += c[i] / (x + i);
  const double t = x + 7.5;
  return 0.91893853320467274178 + (x + 0.5) * std::log(t) - t + std::log(s);
}

/// Continued fraction of I_x(a,b) (modified Lentz), valid for x < (a+1)/(a+b+2).
double betaContinuedFraction(double a, double b, double x) {
  constexpr double tiny = 1e-300, eps = 1e-15;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0, d = 1.0 - qab * x / qap;
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 1000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d; if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c; if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d; h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d; if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c; if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < eps) break;
  }
  return h;
}
}  // namespace

double incompleteBetaRegularized(double a, double b, double x) {
  if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0) || !(x <= 1.0)) return kNaN;
  if (x == 0.0) return 0.0;
  if (x == 1.0) return 1.0;
  const double lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(lnFront) * betaContinuedFraction(a, b, x) / a;
  return 1.0 - std::exp(lnFront) * betaContinuedFraction(b, a, 1.0 - x) / b;
}

double studentTCdf(double t, double dof) {
  if (std::isnan(t) || !(dof > 0.0)) return kNaN;
  if (std::isinf(dof)) return normalCdf(t);
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  const double tail = 0.5 * incompleteBetaRegularized(0.5 * dof, 0.5, dof / (dof + t * t));
  return t >= 0.0 ? 1.0 - tail : tail;
}

double studentTTwoSided(double t, double dof) {
  if (std::isnan(t) || !(dof > 0.0)) return kNaN;
  if (std::isinf(dof)) return std::erfc(std::fabs(t) / std::sqrt(2.0));
  if (std::isinf(t)) return 0.0;
  return incompleteBetaRegularized(0.5 * dof, 0.5, dof / (dof + t * t));
}

double studentTQuantile(double p, double dof) {
  if (!(p > 0.0) || !(p < 1.0) || !(dof > 0.0)) return kNaN;
  if (std::isinf(dof)) return normalQuantile(p);
  double lo = -1.0, hi = 1.0;
  while (studentTCdf(lo, dof) > p) lo *= 2.0;
  while (studentTCdf(hi, dof) < p) hi *= 2.0;
  for (int i = 0; i < 200 && hi - lo > 1e-13 * std::max(1.0, std::fabs(lo)); ++i) {
    const double mid = 0.5 * (lo + hi);
    (studentTCdf(mid, dof) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double normalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double normalQuantile(double p) {
  if (!(p > 0.0) || !(p < 1.0)) return kNaN;
  double lo = -40.0, hi = 40.0;
  for (int i = 0; i < 200 && hi - lo > 1e-13; ++i) {
    const double mid = 0.5 * (lo + hi);
    (normalCdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

LineFit fitLine(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w,
                bool weightsAreAbsolute) {
  LineFit f;
  double sw = 0, sx = 0, sy = 0;
  int n = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]) || !std::isfinite(w[i]) || !(w[i] > 0)) continue;
    sw += w[i]; sx += w[i] * x[i]; sy += w[i] * y[i]; ++n;
  }
  f.n = n;
  if (n < 2) return f;
  const double xm = sx / sw, ym = sy / sw;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]) || !std::isfinite(w[i]) || !(w[i] > 0)) continue;
    sxx += w[i] * (x[i] - xm) * (x[i] - xm);
    sxy += w[i] * (x[i] - xm) * (y[i] - ym);
  }
  if (!(sxx > 0)) return f;
  f.b = sxy / sxx;
  f.a = ym - f.b * xm;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]) || !std::isfinite(w[i]) || !(w[i] > 0)) continue;
    const double r = y[i] - f.a - f.b * x[i];
    f.chi2 += w[i] * r * r;
  }
  if (!weightsAreAbsolute) {
    if (n <= 2) return f;
    f.scale = f.chi2 / (n - 2);
  }
  // Covariance of (a, b) about the weighted mean, then shifted to x = 0.
  f.varB = f.scale / sxx;
  f.varA = f.scale * (1.0 / sw + xm * xm / sxx);
  f.covAB = -xm * f.varB;
  f.ok = true;
  return f;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  double sx = 0, sy = 0;
  int n = 0;
  const std::size_t m = std::min(x.size(), y.size());
  for (std::size_t i = 0; i < m; ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i])) { sx += x[i]; sy += y[i]; ++n; }
  if (n < 3) return kNaN;
  const double xm = sx / n, ym = sy / n;
  double sxx = 0, syy = 0, sxy = 0;
  for (std::size_t i = 0; i < m; ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i])) {
      sxx += (x[i] - xm) * (x[i] - xm);
      syy += (y[i] - ym) * (y[i] - ym);
      sxy += (x[i] - xm) * (y[i] - ym);
    }
  if (!(sxx > 0) || !(syy > 0)) return kNaN;
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

double lag1Autocorrelation(const std::vector<double>& x) {
  if (x.size() < 3) return kNaN;
  double m = 0;
  for (double v : x) m += v;
  m /= static_cast<double>(x.size());
  double num = 0, den = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    den += (x[i] - m) * (x[i] - m);
    if (i + 1 < x.size()) num += (x[i] - m) * (x[i + 1] - m);
  }
  if (!(den > 0)) return kNaN;
  return num / den;
}

double effectiveSampleSize(std::size_t n, double r1, double r2) {
  if (!std::isfinite(r1)) r1 = 0.0;
  if (!std::isfinite(r2)) r2 = 0.0;
  const double p = r1 * r2;
  double ne = static_cast<double>(n) * (1.0 - p) / (1.0 + p);
  return std::clamp(ne, 2.0, static_cast<double>(n));
}

}  // namespace orthotrack::analysis

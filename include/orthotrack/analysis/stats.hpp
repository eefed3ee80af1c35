#pragma once
/// Small statistics kernels used by the analysis module: regularized incomplete beta, Student-t and
/// normal distributions, weighted straight-line fits, Pearson correlation, lag-1 autocorrelation and
/// the Bretherton et al. (1999) effective sample size. All are pure functions, thread-safe, no I/O.
#include <cstddef>
#include <vector>

namespace orthotrack::analysis {

/// Regularized incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1], by the continued fraction
/// (modified Lentz), relative accuracy ~1e-14. Returns NaN for arguments outside the domain.
double incompleteBetaRegularized(double a, double b, double x);

/// Student-t cumulative distribution P(T <= t) with `dof` > 0 degrees of freedom (dof need not be an
/// integer): P = 1 − ½ I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, symmetric for t < 0.
double studentTCdf(double t, double dof);
/// Two-sided p-value P(|T| >= |t|).
double studentTTwoSided(double t, double dof);
/// Quantile of the Student-t distribution (inverse CDF), p in (0, 1). Bisection on studentTCdf
/// to 1e-12 absolute. dof = +inf gives the normal quantile.
double studentTQuantile(double p, double dof);

/// Standard normal CDF and quantile (quantile by bisection on erfc, 1e-12 absolute).
double normalCdf(double x);
double normalQuantile(double p);

/// Weighted straight line y = a + b·x fitted by least squares with weights w (w = 1/σ² or 1).
/// Covariance is (XᵀWX)⁻¹ scaled by `scale` (the reduced χ² when the weights are relative).
struct LineFit {
  double a = 0.0, b = 0.0;           ///< intercept and slope
  double varA = 0.0, varB = 0.0, covAB = 0.0;
  double chi2 = 0.0;                 ///< Σ w (y − a − b x)²
  double scale = 1.0;                ///< variance factor applied to the covariance
  int n = 0;                         ///< points used
  bool ok = false;                   ///< false when fewer than 2 distinct x or non-positive weights
};
/// Fit; when `weightsAreAbsolute` is false the covariance is scaled by χ²/(n − 2) (needs n > 2).
LineFit fitLine(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w,
                bool weightsAreAbsolute);

/// Pearson correlation of paired samples (NaN pairs skipped). NaN when < 3 pairs or zero variance.
double pearson(const std::vector<double>& x, const std::vector<double>& y);
/// Lag-1 autocorrelation of a sequence (in sample order): Σ (x_i − x̄)(x_{i+1} − x̄) / Σ (x_i − x̄)².
/// NaN when fewer than 3 samples or zero variance.
double lag1Autocorrelation(const std::vector<double>& x);
/// Bretherton et al. (1999) effective sample size N (1 − r1 r2)/(1 + r1 r2), clipped to [2, N]
/// (a negative product is not allowed to inflate N). NaN r1/r2 are taken as 0.
double effectiveSampleSize(std::size_t n, double r1, double r2);

}  // namespace orthotrack::analysis

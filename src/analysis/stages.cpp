#include "orthotrack/analysis/stages.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <sstream>

#include <Eigen/Dense>

#include "orthotrack/analysis/stats.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/core/tiling.hpp"

namespace orthotrack::analysis {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSecPerDay = 86400.0;
constexpr int kMaxSegments = 10;
constexpr int kMaxGaps = 8;  // data gaps given a free offset (more: the model is not fitted)
using SmallMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxSegments + 1 + kMaxGaps, kMaxSegments + 1 + kMaxGaps>;
using SmallVec = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxSegments + 1 + kMaxGaps, 1>;

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

/// Samples in scaled time τ = t / T (T = span in days) so the normal matrices are well conditioned.
struct Data {
  std::vector<double> tau, y, w;  // τ, displacement (m), weight 1/σ² (1/m²)
  std::vector<std::size_t> index; // index into the caller's arrays
  double span = 1.0;              // T (days)
  double yScale = 1.0;            // Σ w (y − ȳ)², for the χ² floor
  std::vector<char> gapAfter;     // interval (i, i+1) is a data gap (> gapFactor × median interval)
  std::vector<double> gapTau;     // with gap offsets: τ of the first sample after each gap
  std::vector<char> breakAllowed; // sample i may carry a breakpoint in the discrete search
  std::size_t n() const { return tau.size(); }
  int gaps() const { return static_cast<int>(gapTau.size()); }
  /// Regressors of sample i for breakpoints β: [1, τ, (τ − β_j)+ ..., 1[τ ≥ gap_g] ...].
  template <class Vec>
  void row(std::size_t i, const std::vector<double>& beta, Vec& x) const {
    x(0) = 1.0;
    x(1) = tau[i];
    const int m1 = static_cast<int>(beta.size());
    for (int j = 0; j < m1; ++j) x(j + 2) = std::max(tau[i] - beta[static_cast<std::size_t>(j)], 0.0);
    for (int g = 0; g < gaps(); ++g) x(m1 + 2 + g) = tau[i] >= gapTau[static_cast<std::size_t>(g)] ? 1.0 : 0.0;
  }
};

/// Weighted LS of y on [1, τ, (τ − β_1)+, ...] for fixed breakpoints β (scaled).
struct Solve {
  bool ok = false;
  double chi2 = std::numeric_limits<double>::infinity();
  SmallVec coef;  // a, s1, δ_1..δ_{m-1}, gap offsets (scaled units; offsets in m)
};

Solve solveFixed(const Data& d, const std::vector<double>& beta) {
  const int p = static_cast<int>(beta.size()) + 2 + d.gaps();
  SmallMat N = SmallMat::Zero(p, p);
  SmallVec rhs = SmallVec::Zero(p);
  SmallVec x(p);
  for (std::size_t i = 0; i < d.n(); ++i) {
    d.row(i, beta, x);
    N.noalias() += d.w[i] * x * x.transpose();
    rhs.noalias() += d.w[i] * d.y[i] * x;
  }
  Solve s;
  Eigen::LDLT<SmallMat> ldlt(N);
  if (ldlt.info() != Eigen::Success) return s;
  const auto D = ldlt.vectorD().cwiseAbs();
  if (!(D.minCoeff() > 1e-11 * D.maxCoeff())) return s;
  s.coef = ldlt.solve(rhs);
  double chi2 = 0.0;
  for (std::size_t i = 0; i < d.n(); ++i) {
    d.row(i, beta, x);
    const double m = x.dot(s.coef);
    chi2 += d.w[i] * (d.y[i] - m) * (d.y[i] - m);
  }
  s.chi2 = chi2;
  s.ok = std::isfinite(chi2);
  return s;
}

double chi2At(const Data& d, const std::vector<double>& beta) { return solveFixed(d, beta).chi2; }

/// Information criterion for m segments: k = 2m + G parameters (intercept, m slopes, m−1 breakpoints,
/// G gap offsets), + 1 for the variance when it is profiled.
double infoCriterion(const StageParams& p, double chi2, double s2, double chi2Floor, int n, int m, int gaps) {
  int k = 2 * m + gaps;
  double fit;
  if (p.sigmaMode != SigmaMode::Profile) {
    fit = chi2 / s2;
  } else {
    k += 1;  // the variance factor
    fit = n * std::log(std::max(chi2, chi2Floor) / n);  // floor: numerical resolution
  }
  if (p.criterion == InformationCriterion::BIC) return fit + k * std::log(static_cast<double>(n));
  if (n - k - 1 <= 0) return kNaN;
  return fit + 2.0 * k + 2.0 * k * (k + 1.0) / (n - k - 1.0);
}

/// Breakpoint sets are data indices k_1 < ... < k_{m-1}; segment j spans indices [k_{j-1}, k_j].
bool validIndices(const std::vector<int>& k, int n, int minPts) {
  int prev = 0;
  for (int kj : k) {
    if (kj - prev + 1 < minPts) return false;
    prev = kj;
  }
  return n - 1 - prev + 1 >= minPts;
}
bool allowedIndices(const Data& d, const std::vector<int>& k) {
  for (int kj : k)
    if (!d.breakAllowed[static_cast<std::size_t>(kj)]) return false;
  return true;
}

std::vector<double> betasOf(const Data& d, const std::vector<int>& k) {
  std::vector<double> b;
  for (int kj : k) b.push_back(d.tau[static_cast<std::size_t>(kj)]);
  return b;
}

long long countCombinations(int n, int m, int minPts) {
  // Number of index sets: choose m−1 breakpoints among positions with spacing >= minPts−1.
  // Stars and bars: free slack = (n − 1) − m·(minPts − 1), distributed over m + 1 gaps... computed by DP.
  const int step = minPts - 1;
  std::vector<long long> ways(static_cast<std::size_t>(n), 0);  // ways[i]: sets ending with a break at i
  if (m == 1) return validIndices({}, n, minPts) ? 1 : 0;
  for (int i = 0; i < n; ++i) ways[static_cast<std::size_t>(i)] = (i >= step && i <= n - 1 - step) ? 1 : 0;
  for (int level = 2; level < m; ++level) {
    std::vector<long long> next(static_cast<std::size_t>(n), 0);
    long long running = 0;
    for (int i = 0; i < n; ++i) {
      if (i - step >= 0) running += ways[static_cast<std::size_t>(i - step)];
      next[static_cast<std::size_t>(i)] = (i <= n - 1 - step) ? std::min(running, (long long)4e18) : 0;
    }
    ways.swap(next);
  }
  long long total = 0;
  for (long long w : ways) total = std::min(total + w, (long long)4e18);
  return total;
}

struct Candidate {
  std::vector<int> k;
  double chi2 = std::numeric_limits<double>::infinity();
};

void exhaustive(const Data& d, int m, int minPts, Candidate& best) {
  const int n = static_cast<int>(d.n());
  std::vector<int> k(static_cast<std::size_t>(m - 1));
  std::vector<double> beta(static_cast<std::size_t>(m - 1));  // reused: no allocation per set
  std::function<void(int, int)> rec = [&](int level, int start) {
    if (level == m - 1) {
      if (!validIndices(k, n, minPts) || !allowedIndices(d, k)) return;
      for (std::size_t j = 0; j < k.size(); ++j) beta[j] = d.tau[static_cast<std::size_t>(k[j])];
      const double c = chi2At(d, beta);
      if (c < best.chi2) { best.chi2 = c; best.k = k; }
      return;
    }
    const int remaining = m - 1 - level;  // breaks still to place, including this one
    for (int i = start; i <= n - 1 - (minPts - 1) * remaining; ++i) {
      k[static_cast<std::size_t>(level)] = i;
      rec(level + 1, i + (minPts - 1));
    }
  };
  if (m == 1) {
    best.k.clear();
    best.chi2 = chi2At(d, {});
    return;
  }
  rec(0, minPts - 1);
}

/// Coordinate-wise discrete improvement: move each break by up to `radius` indices while χ² drops.
void localSearch(const Data& d, int minPts, int radius, Candidate& c) {
  const int n = static_cast<int>(d.n());
  bool improved = true;
  for (int it = 0; it < 20 && improved; ++it) {
    improved = false;
    for (std::size_t j = 0; j < c.k.size(); ++j) {
      const int k0 = c.k[j];
      for (int dk = -radius; dk <= radius; ++dk) {
        if (dk == 0) continue;
        auto k = c.k;
        k[j] = k0 + dk;
        if (k[j] < 1 || k[j] > n - 2 || !std::is_sorted(k.begin(), k.end()) || !validIndices(k, n, minPts) || !allowedIndices(d, k)) continue;
        const double v = chi2At(d, betasOf(d, k));
        if (v < c.chi2 - 1e-12 * std::max(1.0, c.chi2)) { c.chi2 = v; c.k = k; improved = true; }
      }
    }
  }
}

void greedy(const Data& d, int m, int minPts, Candidate& best) {
  const int n = static_cast<int>(d.n());
  Candidate c;
  c.chi2 = chi2At(d, {});
  for (int add = 1; add < m; ++add) {
    Candidate bestAdd;
    for (int i = 1; i < n - 1; ++i) {
      auto k = c.k;
      if (std::find(k.begin(), k.end(), i) != k.end()) continue;
      k.push_back(i);
      std::sort(k.begin(), k.end());
      if (!validIndices(k, n, minPts) || !allowedIndices(d, k)) continue;
      const double v = chi2At(d, betasOf(d, k));
      if (v < bestAdd.chi2) { bestAdd.chi2 = v; bestAdd.k = k; }
    }
    if (bestAdd.k.empty()) return;  // cannot place more
    c = bestAdd;
    localSearch(d, minPts, 3, c);
  }
  best = c;
}

/// Golden-section minimum of f on [a, b].
double golden(const std::function<double(double)>& f, double a, double b, double tol, double& fBest) {
  const double g = 0.5 * (std::sqrt(5.0) - 1.0);
  double c = b - g * (b - a), e = a + g * (b - a);
  double fc = f(c), fe = f(e);
  for (int it = 0; it < 100 && (b - a) > tol; ++it) {
    if (fc < fe) { b = e; e = c; fe = fc; c = b - g * (b - a); fc = f(c); }
    else { a = c; c = e; fc = fe; e = a + g * (b - a); fe = f(e); }
  }
  const double x = 0.5 * (a + b);
  fBest = f(x);
  return x;
}

/// Continuous refinement of the breakpoints (scaled). Breakpoint j, found at acquisition k_j, moves
/// within (t_{k_j − 1}, t_{k_j + 1}) and only to a side where both adjacent segments keep at least
/// minPts acquisitions (closed intervals).
std::vector<double> refine(const Data& d, const std::vector<int>& k, int minPts, double& chi2) {
  std::vector<double> beta = betasOf(d, k);
  chi2 = chi2At(d, beta);
  const int n = static_cast<int>(d.n());
  const double tol = 1e-3 / d.span;  // 0.001 day
  auto countIn = [&](double a, double b) {  // acquisitions with a <= τ <= b
    int c = 0;
    for (double t : d.tau) c += (t >= a - 1e-12 && t <= b + 1e-12) ? 1 : 0;
    return c;
  };
  for (int sweep = 0; sweep < 4; ++sweep) {
    const double before = chi2;
    for (std::size_t j = 0; j < beta.size(); ++j) {
      const int kj = k[j];
      const double tk = d.tau[static_cast<std::size_t>(kj)];
      const double left = j > 0 ? beta[j - 1] : d.tau.front();
      const double right = j + 1 < beta.size() ? beta[j + 1] : d.tau.back();
      auto f = [&](double b) {
        auto bb = beta;
        bb[j] = b;
        return chi2At(d, bb);
      };
      double bestB = beta[j], bestF = chi2;
      const double fk = f(tk);
      if (fk < bestF) { bestF = fk; bestB = tk; }
      // With gap offsets a breakpoint inside a gap is not identifiable (the offset absorbs it), and one
      // moved off the gap's edge into the data would be placed by a single acquisition: a breakpoint
      // on a gap's edge stays there.
      const bool onGapEdge = d.gaps() > 0 && ((kj >= 1 && d.gapAfter[static_cast<std::size_t>(kj - 1)]) ||
                                              (kj + 1 <= n - 1 && d.gapAfter[static_cast<std::size_t>(kj)]));
      if (onGapEdge) continue;
      // Left side: the left segment loses acquisition k_j.
      if (kj >= 1 && countIn(left, d.tau[static_cast<std::size_t>(kj - 1)]) >= minPts) {
        const double a = std::max(d.tau[static_cast<std::size_t>(kj - 1)], left + 1e-9);
        if (tk - a > tol) {
          double fx;
          const double x = golden(f, a, tk, tol, fx);
          if (fx < bestF) { bestF = fx; bestB = x; }
        }
      }
      // Right side: the right segment loses acquisition k_j.
      if (kj + 1 <= n - 1 && countIn(d.tau[static_cast<std::size_t>(kj + 1)], right) >= minPts) {
        const double b = std::min(d.tau[static_cast<std::size_t>(kj + 1)], right - 1e-9);
        if (b - tk > tol) {
          double fx;
          const double x = golden(f, tk, b, tol, fx);
          if (fx < bestF) { bestF = fx; bestB = x; }
        }
      }
      beta[j] = bestB;
      chi2 = bestF;
    }
    if (before - chi2 <= 1e-10 * std::max(1.0, chi2)) break;
  }
  return beta;
}

struct FullFit {
  std::vector<double> beta;   // scaled breakpoints
  SmallVec coef;              // a, s1, δ (scaled)
  double chi2 = 0.0;
  std::vector<int> k;         // discrete indices
};

FullFit fitM(const Data& d, int m, const StageParams& p, bool exhaustiveAllowed, const std::vector<int>* start = nullptr) {
  Candidate c;
  const int n = static_cast<int>(d.n());
  if (start) {
    c.k = *start;
    c.chi2 = chi2At(d, betasOf(d, c.k));
    localSearch(d, p.minPointsPerSegment, 2, c);
  } else if (exhaustiveAllowed) {
    exhaustive(d, m, p.minPointsPerSegment, c);
  } else {
    greedy(d, m, p.minPointsPerSegment, c);
  }
  FullFit f;
  if (!std::isfinite(c.chi2) || static_cast<int>(c.k.size()) != m - 1) { f.chi2 = c.chi2; return f; }
  f.k = c.k;
  if (p.refine && m > 1) f.beta = refine(d, c.k, p.minPointsPerSegment, f.chi2);
  else { f.beta = betasOf(d, c.k); }
  auto s = solveFixed(d, f.beta);
  if (!s.ok) {  // refinement reached a singular configuration: fall back to the discrete optimum
    f.beta = betasOf(d, c.k);
    s = solveFixed(d, f.beta);
  }
  f.coef = s.coef;
  f.chi2 = s.ok ? s.chi2 : std::numeric_limits<double>::infinity();
  (void)n;
  return f;
}

Data makeData(const std::vector<DateTime>& dates, const std::vector<double>& y, const std::vector<double>& sigma,
              const StageParams& p, DateTime& epoch, bool gapOffsets) {
  if (dates.size() != y.size())
    throw InvalidInput("dates and displacement differ in length", {"", "displacement", std::to_string(y.size()) + " values for " + std::to_string(dates.size()) + " dates"});
  if (!sigma.empty() && sigma.size() != y.size())
    throw InvalidInput("sigma must be empty or hold one value per date", {"", "sigma", std::to_string(sigma.size())});
  if (sigma.empty() && p.sigmaMode != SigmaMode::Profile)
    throw InvalidInput("without per-date sigma the variance must be profiled (sigma_mode = profile)", {"", "stages.sigma_mode", p.sigmaMode == SigmaMode::Absolute ? "absolute" : "inflate"});
  for (std::size_t i = 1; i < dates.size(); ++i)
    if (!(dates[i] > dates[i - 1])) throw InvalidInput("dates must be strictly increasing", {"", "dates[" + std::to_string(i) + "]", dates[i].iso(0)});
  if (dates.empty()) throw InvalidInput("empty series", {"", "dates", "0"});
  epoch = dates.front();
  Data d;
  std::vector<double> t;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double s = sigma.empty() ? 1.0 : sigma[i];
    if (!sigma.empty() && std::isfinite(s) && !(s > 0))
      throw InvalidInput("sigma must be > 0", {"", "sigma[" + std::to_string(i) + "]", num(s)});
    if (!std::isfinite(y[i]) || !std::isfinite(s)) continue;
    t.push_back(dates[i].secondsSince(epoch) / kSecPerDay);
    d.y.push_back(y[i]);
    d.w.push_back(1.0 / (s * s));
    d.index.push_back(i);
  }
  if (static_cast<int>(t.size()) < std::max(p.minPointsPerSegment, 3))
    throw InvalidInput("too few finite samples for a stage fit", {"", "displacement", std::to_string(t.size()) + " finite of " + std::to_string(y.size())});
  double sw = 0, swy = 0;
  for (std::size_t i = 0; i < d.y.size(); ++i) { sw += d.w[i]; swy += d.w[i] * d.y[i]; }
  d.yScale = 0;
  for (std::size_t i = 0; i < d.y.size(); ++i) d.yScale += d.w[i] * (d.y[i] - swy / sw) * (d.y[i] - swy / sw);
  d.yScale = std::max(d.yScale, 1e-300);
  const double t0 = t.front();
  d.span = std::max(t.back() - t0, 1e-9);
  // Data gaps: intervals longer than gapFactor × the median interval.
  std::vector<double> steps;
  for (std::size_t i = 1; i < t.size(); ++i) steps.push_back(t[i] - t[i - 1]);
  std::nth_element(steps.begin(), steps.begin() + static_cast<long>(steps.size() / 2), steps.end());
  const double medianStep = steps[steps.size() / 2];
  d.gapAfter.assign(t.size(), 0);
  d.breakAllowed.assign(t.size(), 1);
  for (std::size_t i = 0; i + 1 < t.size(); ++i) d.gapAfter[i] = t[i + 1] - t[i] > p.gapFactor * medianStep ? 1 : 0;
  for (double& v : t) v = v / d.span;  // τ = t/T (t since epoch = first date, even if NaN there)
  if (gapOffsets)
    for (std::size_t i = 0; i + 1 < t.size(); ++i)
      if (d.gapAfter[i] && static_cast<int>(d.gapTau.size()) < kMaxGaps) {
        d.gapTau.push_back(t[i + 1]);
        d.breakAllowed[i + 1] = 0;  // same fit as a breakpoint at t_i (the offset is free): keep one
      }
  d.tau = std::move(t);
  return d;
}

/// Rates (scaled) and their covariance from the fit; full Jacobian including breakpoints when possible.
struct Uncertainty {
  Eigen::MatrixXd cov;        // covariance of [a, s1, δ..., offsets..., free β...]
  std::vector<int> breakCol;  // column of breakpoint j in cov, −1 where it is held fixed
};

/// Linearised covariance s²(JᵀWJ)⁻¹. Breakpoint columns are added one at a time; one that makes the
/// matrix singular (not identifiable, e.g. before a final segment holding a single acquisition, where
/// the breakpoint and that segment's rate trade off exactly) is held fixed: the rates are then
/// conditional on it.
Uncertainty covariance(const Data& d, const FullFit& f, double s2) {
  const int m1 = static_cast<int>(f.beta.size());
  const int pLin = m1 + 2 + d.gaps();  // [a, s1, δ..., gap offsets...], then the free breakpoints
  auto normal = [&](const std::vector<int>& freeB) {
    const int p = pLin + static_cast<int>(freeB.size());
    Eigen::MatrixXd N = Eigen::MatrixXd::Zero(p, p);
    Eigen::VectorXd x(p);
    for (std::size_t i = 0; i < d.n(); ++i) {
      d.row(i, f.beta, x);
      for (std::size_t c = 0; c < freeB.size(); ++c) {
        const int j = freeB[c];
        x(pLin + static_cast<int>(c)) = d.tau[i] > f.beta[static_cast<std::size_t>(j)] ? -f.coef(j + 2) : 0.0;
      }
      N.noalias() += d.w[i] * x * x.transpose();
    }
    return N;
  };
  auto regular = [](const Eigen::MatrixXd& N) {
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(N);
    const auto& sv = svd.singularValues();
    return sv.size() > 0 && sv(sv.size() - 1) > 1e-12 * sv(0);
  };
  Uncertainty u;
  u.breakCol.assign(static_cast<std::size_t>(m1), -1);
  if (!regular(normal({}))) {
    u.cov = Eigen::MatrixXd::Constant(pLin, pLin, kNaN);
    return u;
  }
  std::vector<int> freeB;
  for (int j = 0; j < m1; ++j) {
    auto trial = freeB;
    trial.push_back(j);
    if (regular(normal(trial))) freeB = trial;
  }
  const Eigen::MatrixXd N = normal(freeB);
  u.cov = N.ldlt().solve(Eigen::MatrixXd::Identity(N.rows(), N.cols())) * s2;
  for (std::size_t c = 0; c < freeB.size(); ++c) u.breakCol[static_cast<std::size_t>(freeB[c])] = pLin + static_cast<int>(c);
  return u;
}

DateTime plusDays(const DateTime& epoch, double days) { return epoch.plusSeconds(days * kSecPerDay); }

}  // namespace

const char* toString(CreepStage s) {
  switch (s) {
    case CreepStage::Primary: return "primary";
    case CreepStage::Secondary: return "secondary";
    case CreepStage::Tertiary: return "tertiary";
  }
  return "?";
}
const char* toString(StageLabel s) {
  switch (s) {
    case StageLabel::Initial: return "initial deformation";
    case StageLabel::Constant: return "constant deformation";
    case StageLabel::InitialAcceleration: return "initial acceleration";
    case StageLabel::MediumAcceleration: return "medium-term acceleration";
    case StageLabel::Sliding: return "sliding";
  }
  return "?";
}

void StageParams::validate() const {
  if (maxSegments < 1 || maxSegments > kMaxSegments) throw InvalidInput("must be in 1..10", {"", "stages.max_segments", std::to_string(maxSegments)});
  if (minPointsPerSegment < 2) throw InvalidInput("must be >= 2", {"", "stages.min_points_per_segment", std::to_string(minPointsPerSegment)});
  if (!(confidence > 0.0 && confidence < 1.0)) throw InvalidInput("must be in (0, 1)", {"", "stages.confidence", num(confidence)});
  if (intervals == IntervalMethod::Bootstrap && bootstrapSamples < 20)
    throw InvalidInput("must be >= 20 for bootstrap intervals", {"", "stages.bootstrap_samples", std::to_string(bootstrapSamples)});
  if (maxCombinations < 1) throw InvalidInput("must be >= 1", {"", "stages.max_combinations", std::to_string(maxCombinations)});
  if (!(accelMinRatio >= 1.0)) throw InvalidInput("must be >= 1", {"", "stages.accel_min_ratio", num(accelMinRatio)});
  if (!(accelMinZ >= 0.0)) throw InvalidInput("must be >= 0", {"", "stages.accel_min_z", num(accelMinZ)});
  if (minOnsetPoints < 2) throw InvalidInput("must be >= 2", {"", "stages.min_onset_points", std::to_string(minOnsetPoints)});
  if (!(slidingRatio >= 1.0)) throw InvalidInput("must be >= 1", {"", "stages.sliding_ratio", num(slidingRatio)});
  if (!(gapFactor > 1.0)) throw InvalidInput("must be > 1", {"", "stages.gap_factor", num(gapFactor)});
}

void StageMapParams::validate() const {
  stage.validate();
  if (stage.intervals == IntervalMethod::Bootstrap) throw InvalidInput("bootstrap is too slow per pixel; use covariance", {"", "stage_maps.stage.intervals", "bootstrap"});
  if (minValidDates < std::max(3, stage.minPointsPerSegment)) throw InvalidInput("must be >= max(3, min_points_per_segment)", {"", "stage_maps.min_valid_dates", std::to_string(minValidDates)});
  if (blockRows < 1) throw InvalidInput("must be >= 1", {"", "stage_maps.block_rows", std::to_string(blockRows)});
}

DateTime StageFit::onset() const {
  if (onsetStage < 0) throw InvalidInput("no accelerating stage in this fit", {"", "onset", "none"});
  return stages[static_cast<std::size_t>(onsetStage)].start;
}

double StageFit::evaluate(const DateTime& t) const {
  const double days = t.secondsSince(epoch) / kSecPerDay;
  double v = intercept + (slopes.empty() ? 0.0 : slopes[0] * days);
  for (std::size_t j = 0; j < breakDays.size(); ++j) v += (slopes[j + 1] - slopes[j]) * std::max(days - breakDays[j], 0.0);
  for (std::size_t g = 0; g < gapDays.size(); ++g) v += days >= gapDays[g] - 1e-6 ? gapOffsets[g] : 0.0;
  return v;
}

namespace {
void label(StageFit& fit, const Eigen::MatrixXd& rateCov, const StageParams& p, const std::vector<double>& tDays) {
  const int m = static_cast<int>(fit.stages.size());
  std::vector<double> r(static_cast<std::size_t>(m)), dur(static_cast<std::size_t>(m));
  for (int j = 0; j < m; ++j) {
    r[static_cast<std::size_t>(j)] = fit.orientation * fit.stages[static_cast<std::size_t>(j)].rate;
    dur[static_cast<std::size_t>(j)] = fit.stages[static_cast<std::size_t>(j)].end.secondsSince(fit.stages[static_cast<std::size_t>(j)].start);
  }
  auto faster = [&](int j, int i) {  // segment j significantly faster than segment i
    const double a = r[static_cast<std::size_t>(i)], b = r[static_cast<std::size_t>(j)];
    const bool ratioOk = a > 0 ? b >= p.accelMinRatio * a : b > a;
    const double var = rateCov(j, j) + rateCov(i, i) - 2.0 * rateCov(j, i);
    const double z = var > 0 ? (b - a) / std::sqrt(var) : (b > a ? std::numeric_limits<double>::infinity() : 0.0);
    return ratioOk && (std::isnan(z) ? false : z >= p.accelMinZ);
  };
  for (auto& s : fit.stages) { s.creep = CreepStage::Secondary; s.label = StageLabel::Constant; }
  fit.onsetStage = -1;
  if (m == 1) return;
  // Secondary stage.
  int sec = 0;
  if (p.secondaryRule == SecondaryRule::Longest) {
    for (int j = 1; j < m - 1; ++j)
      if (dur[static_cast<std::size_t>(j)] > dur[static_cast<std::size_t>(sec)]) sec = j;
  } else {
    for (int j = 1; j < m; ++j)
      if (r[static_cast<std::size_t>(j)] < r[static_cast<std::size_t>(sec)]) sec = j;
  }
  // Tertiary: terminal run of segments after the secondary stage that are all significantly faster
  // than it, and whose first member is significantly faster than its predecessor.
  int q = m;
  while (q - 1 > sec && faster(q - 1, sec)) --q;
  while (q < m && !faster(q, q - 1)) ++q;
  // Enough acquisitions on both sides of the onset (both ends counted): the accelerating run and the
  // stage before it.
  if (q < m) {
    const double onsetDays = fit.breakDays[static_cast<std::size_t>(q - 1)];
    int after = 0;
    for (double t : tDays) after += t >= onsetDays - 1e-6 ? 1 : 0;
    if (after < p.minOnsetPoints || fit.stages[static_cast<std::size_t>(q - 1)].nPoints < p.minOnsetPoints) q = m;
  }
  for (int j = 0; j < sec; ++j) {
    fit.stages[static_cast<std::size_t>(j)].creep = CreepStage::Primary;
    fit.stages[static_cast<std::size_t>(j)].label = StageLabel::Initial;
  }
  if (q < m) {
    fit.onsetStage = q;
    const double rs = r[static_cast<std::size_t>(sec)];
    for (int j = q; j < m; ++j) {
      auto& s = fit.stages[static_cast<std::size_t>(j)];
      s.creep = CreepStage::Tertiary;
      if (j == q) s.label = StageLabel::InitialAcceleration;
      else if (j == m - 1 && rs > 0 && r[static_cast<std::size_t>(j)] >= p.slidingRatio * rs) s.label = StageLabel::Sliding;
      else s.label = StageLabel::MediumAcceleration;
    }
  }
}
}  // namespace

StageFit fitStages(const std::vector<DateTime>& dates, const std::vector<double>& displacement,
                   const std::vector<double>& sigma, const StageParams& params) {
  params.validate();
  StageFit fit;
  // One model family: continuous across data gaps or with a free offset at each gap (§2.1).
  std::vector<Data> family;
  family.push_back(makeData(dates, displacement, sigma, params, fit.epoch, params.gapModel == GapModel::Offset));
  const int n = static_cast<int>(family[0].n());
  fit.nUsed = n;

  // Model selection over m = 1..maxSegments (and the families).
  std::vector<std::vector<FullFit>> fits(family.size());
  for (std::size_t fam = 0; fam < family.size(); ++fam)
    for (int m = 1; m <= params.maxSegments; ++m) {
      const long long combos = countCombinations(n, m, params.minPointsPerSegment);
      if (combos <= 0 || 2 * m + family[fam].gaps() >= n) break;
      fits[fam].push_back(fitM(family[fam], m, params, combos <= params.maxCombinations));
    }
  // Variance factor for the criterion: 1 (absolute σ), or inflated from the most flexible model tried
  // (the same s² for every candidate, so that their criteria compare).
  double s2 = 1.0;
  if (params.sigmaMode == SigmaMode::Inflate) {
    const auto& last = fits.back();
    const int G = family.back().gaps();
    for (int m = static_cast<int>(last.size()); m >= 1; --m) {
      const auto& f = last[static_cast<std::size_t>(m - 1)];
      if (std::isfinite(f.chi2) && n - 2 * m - G > 0) { s2 = std::max(1.0, f.chi2 / (n - 2 * m - G)); break; }
    }
  }
  FullFit best;
  int bestM = 0;
  std::size_t bestFam = 0;
  double bestIc = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> ics(family.size(), std::vector<double>(static_cast<std::size_t>(params.maxSegments), kNaN));
  for (std::size_t fam = 0; fam < family.size(); ++fam)
    for (int m = 1; m <= static_cast<int>(fits[fam].size()); ++m) {
      const auto& f = fits[fam][static_cast<std::size_t>(m - 1)];
      if (!std::isfinite(f.chi2)) continue;
      const double ic = infoCriterion(params, f.chi2, s2, 1e-10 * family[fam].yScale, n, m, family[fam].gaps());
      ics[fam][static_cast<std::size_t>(m - 1)] = ic;
      if (std::isfinite(ic) && ic < bestIc - 1e-9) { bestIc = ic; best = f; bestM = m; bestFam = fam; }
    }
  if (bestM == 0) throw InvalidInput("no piecewise-linear model could be fitted (rank deficient)", {"", "displacement", std::to_string(n) + " samples"});
  const Data& d = family[bestFam];
  const int G = d.gaps();
  fit.criterionBySegments = ics[bestFam];

  const int m = bestM;
  const double T = d.span;
  fit.chi2 = best.chi2;
  fit.dof = n - 2 * m - G;
  if (params.sigmaMode == SigmaMode::Profile) fit.varianceFactor = fit.dof > 0 ? best.chi2 / fit.dof : kNaN;
  else if (params.sigmaMode == SigmaMode::Inflate) fit.varianceFactor = fit.dof > 0 ? std::max(s2, best.chi2 / fit.dof) : s2;
  else fit.varianceFactor = 1.0;
  fit.intercept = best.coef(0);
  double s = best.coef(1);
  fit.slopes.push_back(s / T);
  for (int j = 0; j < m - 1; ++j) {
    s += best.coef(j + 2);
    fit.slopes.push_back(s / T);
    fit.breakDays.push_back(best.beta[static_cast<std::size_t>(j)] * T);
  }
  for (int g = 0; g < G; ++g) {
    fit.gapDays.push_back(d.gapTau[static_cast<std::size_t>(g)] * T);
    fit.gapOffsets.push_back(best.coef(m + 1 + g));
  }
  fit.fitted.assign(dates.size(), kNaN);
  for (std::size_t i = 0; i < dates.size(); ++i) fit.fitted[i] = fit.evaluate(dates[i]);
  const double net = fit.evaluate(dates[d.index.back()]) - fit.evaluate(dates[d.index.front()]);
  fit.orientation = net >= 0 ? 1.0 : -1.0;

  // Covariance (scaled parameters) → rates (m/day) and breakpoints (days).
  const Uncertainty unc = covariance(d, best, fit.varianceFactor);
  Eigen::MatrixXd R = Eigen::MatrixXd::Zero(m, unc.cov.rows());  // rates (scaled) = R θ
  for (int j = 0; j < m; ++j) {
    R(j, 1) = 1.0;
    for (int i = 0; i < j; ++i) R(j, i + 2) = 1.0;
  }
  Eigen::MatrixXd rateCov = R * unc.cov * R.transpose() / (T * T);  // (m/day)²
  const double q = params.sigmaMode == SigmaMode::Absolute || fit.dof <= 0 ? normalQuantile(0.5 + 0.5 * params.confidence)
                                                     : studentTQuantile(0.5 + 0.5 * params.confidence, fit.dof);
  std::vector<double> tDays(d.n());
  for (std::size_t i = 0; i < d.n(); ++i) tDays[i] = d.tau[i] * T;

  for (int j = 0; j < m - 1; ++j) {
    Breakpoint b;
    b.days = fit.breakDays[static_cast<std::size_t>(j)];
    b.date = plusDays(fit.epoch, b.days);
    const int ib = unc.breakCol[static_cast<std::size_t>(j)];  // −1: held fixed (not identifiable)
    b.sigmaDays = ib >= 0 ? std::sqrt(std::max(0.0, unc.cov(ib, ib))) * T : kNaN;
    // Acquisitions strictly before / after (a breakpoint within half a day of an acquisition sits on it:
    // then both intervals touching that acquisition are checked for a gap).
    constexpr double onDate = 0.5;
    std::size_t before = 0, after = tDays.size() - 1;
    for (std::size_t i = 0; i < tDays.size(); ++i) {
      if (tDays[i] < b.days - onDate) before = i;
      if (tDays[i] > b.days + onDate) { after = i; break; }
    }
    b.previousAcquisition = dates[d.index[before]];
    b.nextAcquisition = dates[d.index[after]];
    if (std::isfinite(b.sigmaDays)) {
      // Interval clamped to ±100 years around the breakpoint (a vanishing rate change gives σ → ∞).
      const double half = std::min(q * b.sigmaDays, 36525.0);
      b.low = plusDays(fit.epoch, b.days - half);
      b.high = plusDays(fit.epoch, b.days + half);
    } else {  // held fixed: the data place it between the bracketing acquisitions only
      b.low = b.previousAcquisition;
      b.high = b.nextAcquisition;
    }
    for (std::size_t i = before; i < after; ++i)
      if (d.gapAfter[i]) b.inDataGap = true;
    fit.breakpoints.push_back(b);
  }
  for (int j = 0; j < m; ++j) {
    Stage st;
    const double t0 = j == 0 ? tDays.front() : fit.breakDays[static_cast<std::size_t>(j - 1)];
    const double t1 = j == m - 1 ? tDays.back() : fit.breakDays[static_cast<std::size_t>(j)];
    st.start = plusDays(fit.epoch, t0);
    st.end = plusDays(fit.epoch, t1);
    st.rate = fit.slopes[static_cast<std::size_t>(j)] * 1000.0;
    st.rateSigma = std::sqrt(std::max(0.0, rateCov(j, j))) * 1000.0;
    st.rateLow = st.rate - q * st.rateSigma;
    st.rateHigh = st.rate + q * st.rateSigma;
    for (double t : tDays) st.nPoints += (t >= t0 - 1e-9 && t <= t1 + 1e-9) ? 1 : 0;
    for (std::size_t i = 0; i + 1 < tDays.size(); ++i)
      if (tDays[i] >= t0 - 1e-9 && tDays[i + 1] <= t1 + 1e-9 && d.gapAfter[i])
        st.spansDataGap = true;
    fit.stages.push_back(st);
  }

  if (params.intervals == IntervalMethod::Bootstrap && m > 0) {
    // Wild bootstrap (Rademacher multipliers on the residuals), same m, local re-search + refinement.
    std::mt19937_64 rng(params.seed);
    std::vector<double> resid(d.n()), fitted(d.n());
    for (std::size_t i = 0; i < d.n(); ++i) {
      fitted[i] = fit.evaluate(dates[d.index[i]]);
      resid[i] = d.y[i] - fitted[i];
    }
    const double infl = fit.dof > 0 ? std::sqrt(static_cast<double>(n) / fit.dof) : 1.0;
    std::vector<std::vector<double>> rates(static_cast<std::size_t>(m)), breaks(static_cast<std::size_t>(m - 1));
    Data db = d;
    for (int bsi = 0; bsi < params.bootstrapSamples; ++bsi) {
      for (std::size_t i = 0; i < d.n(); ++i) db.y[i] = fitted[i] + ((rng() & 1U) ? 1.0 : -1.0) * infl * resid[i];
      FullFit f = fitM(db, m, params, false, &best.k);
      if (!std::isfinite(f.chi2)) continue;
      double sl = f.coef(1);
      rates[0].push_back(sl / T * 1000.0);
      for (int j = 0; j < m - 1; ++j) {
        sl += f.coef(j + 2);
        rates[static_cast<std::size_t>(j + 1)].push_back(sl / T * 1000.0);
        breaks[static_cast<std::size_t>(j)].push_back(f.beta[static_cast<std::size_t>(j)] * T);
      }
    }
    auto pct = [](std::vector<double> v, double pr) {
      if (v.empty()) return kNaN;
      std::sort(v.begin(), v.end());
      const double pos = pr * (static_cast<double>(v.size()) - 1.0);
      const auto i0 = static_cast<std::size_t>(std::floor(pos));
      const std::size_t i1 = std::min(i0 + 1, v.size() - 1);
      return v[i0] + (pos - static_cast<double>(i0)) * (v[i1] - v[i0]);
    };
    const double lo = 0.5 - 0.5 * params.confidence, hi = 0.5 + 0.5 * params.confidence;
    for (int j = 0; j < m; ++j) {
      auto& st = fit.stages[static_cast<std::size_t>(j)];
      const auto& v = rates[static_cast<std::size_t>(j)];
      st.rateLow = pct(v, lo);
      st.rateHigh = pct(v, hi);
      double mean = 0, var = 0;
      for (double x : v) mean += x;
      mean /= static_cast<double>(std::max<std::size_t>(v.size(), 1));
      for (double x : v) var += (x - mean) * (x - mean);
      st.rateSigma = v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : kNaN;
    }
    for (int j = 0; j < m - 1; ++j) {
      auto& b = fit.breakpoints[static_cast<std::size_t>(j)];
      const auto& v = breaks[static_cast<std::size_t>(j)];
      b.low = plusDays(fit.epoch, pct(v, lo));
      b.high = plusDays(fit.epoch, pct(v, hi));
      double mean = 0, var = 0;
      for (double x : v) mean += x;
      mean /= static_cast<double>(std::max<std::size_t>(v.size(), 1));
      for (double x : v) var += (x - mean) * (x - mean);
      b.sigmaDays = v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : kNaN;
    }
  }
  label(fit, rateCov * 1e6, params, tDays);
  return fit;
}

StageMaps stageMaps(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& cumulative,
                    const std::vector<Raster<float>>& sigma, const StageMapParams& params) {
  params.validate();
  if (dates.empty() || cumulative.size() != dates.size())
    throw InvalidInput("one cumulative raster per date is needed", {"", "cumulative", std::to_string(cumulative.size()) + " rasters for " + std::to_string(dates.size()) + " dates"});
  if (!sigma.empty() && sigma.size() != dates.size())
    throw InvalidInput("sigma must be empty or hold one raster per date", {"", "sigma", std::to_string(sigma.size())});
  if (sigma.empty() && params.stage.sigmaMode != SigmaMode::Profile)
    throw InvalidInput("without sigma rasters the variance must be profiled (sigma_mode = profile)", {"", "stage_maps.stage.sigma_mode", "not profile"});
  const auto L = cumulative[0].length(), W = cumulative[0].width();
  for (std::size_t k = 0; k < cumulative.size(); ++k) {
    if (cumulative[k].length() != L || cumulative[k].width() != W)
      throw InvalidInput("rasters differ in size", {"", "cumulative[" + std::to_string(k) + "]", std::to_string(cumulative[k].length()) + "x" + std::to_string(cumulative[k].width())});
    if (!sigma.empty() && (sigma[k].length() != L || sigma[k].width() != W))
      throw InvalidInput("sigma raster differs in size", {"", "sigma[" + std::to_string(k) + "]", std::to_string(sigma[k].length()) + "x" + std::to_string(sigma[k].width())});
  }
  for (std::size_t i = 1; i < dates.size(); ++i)
    if (!(dates[i] > dates[i - 1])) throw InvalidInput("dates must be strictly increasing", {"", "dates[" + std::to_string(i) + "]", dates[i].iso(0)});
  StageMaps out;
  out.epoch = dates.front();
  const float nanf = std::numeric_limits<float>::quiet_NaN();
  out.onsetDays = Raster<float>(L, W, nanf);
  out.lastRate = Raster<float>(L, W, nanf);
  out.segments = Raster<float>(L, W, nanf);
  out.lastLabel = Raster<std::uint8_t>(L, W, 255);
  const auto blocks = makeBlocks(L, W, params.blockRows);
  parallelForBlocks(blocks, [&](const Block& b) {
    std::vector<double> y(dates.size()), s(sigma.empty() ? 0 : dates.size());
    for (std::int64_t r = b.row0; r < b.row0 + b.rows; ++r)
      for (std::int64_t c = b.col0; c < b.col0 + b.cols; ++c) {
        int valid = 0;
        double minSigma = std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k < dates.size(); ++k) {
          y[k] = cumulative[k](r, c);
          if (!sigma.empty()) {
            s[k] = sigma[k](r, c);
            if (s[k] > 0 && std::isfinite(s[k])) minSigma = std::min(minSigma, s[k]);
          }
        }
        for (std::size_t k = 0; k < dates.size(); ++k) {
          // σ = 0 (the reference date of a cumulative series, displacement 0 by definition) takes the
          // pixel's smallest positive σ; NaN or negative σ drops the sample (per-pixel kernels never throw).
          if (!sigma.empty() && !(s[k] > 0)) s[k] = s[k] == 0.0 && std::isfinite(minSigma) ? minSigma : kNaN;
          valid += std::isfinite(y[k]) && (sigma.empty() || std::isfinite(s[k])) ? 1 : 0;
        }
        if (valid < params.minValidDates) continue;
        try {
          const StageFit f = fitStages(dates, y, s, params.stage);
          out.segments(r, c) = static_cast<float>(f.stages.size());
          out.lastRate(r, c) = static_cast<float>(f.stages.back().rate);
          out.lastLabel(r, c) = static_cast<std::uint8_t>(f.stages.back().label);
          if (f.hasAcceleration()) out.onsetDays(r, c) = static_cast<float>(f.onset().secondsSince(out.epoch) / kSecPerDay);
        } catch (const Error&) {
          // leave NaN: the pixel could not be fitted (rank deficient)
        }
      }
  });
  return out;
}

}  // namespace orthotrack::analysis

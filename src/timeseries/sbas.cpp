#include "orthotrack/timeseries/sbas.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <limits>
#include <numeric>
#include <sstream>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/SVD>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/core/tiling.hpp"

namespace orthotrack::timeseries {
namespace {

constexpr double kDaysPerYear = 365.25;
constexpr double kSecondsPerYear = kDaysPerYear * 86400.0;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

using Eigen::MatrixXd;
using Eigen::VectorXd;

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

/// Everything that depends on the network only.
struct Context {
  const SbasNetwork* net = nullptr;
  const InversionParams* p = nullptr;
  int nd = 0;                          // dates
  int n = 0;                           // unknowns = nd - 1
  int m = 0;                           // pairs
  std::vector<double> t;               // years since the first date
  std::vector<double> dt;              // years, interval m = (date m, date m+1]
  std::vector<std::vector<int>> windowDates;  // per window: date indices inside it
  std::vector<Eigen::VectorXd> gConnected;    // per window: rate weights of a connected pixel (size 0 = NaN)
};

/// Σ a[k]·b[k], k < n, with four partial sums (short loops, n ≲ 100).
inline double dot(const double* a, const double* b, int n) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += a[k] * b[k];
    s1 += a[k + 1] * b[k + 1];
    s2 += a[k + 2] * b[k + 2];
    s3 += a[k + 3] * b[k + 3];
  }
  for (; k < n; ++k) s0 += a[k] * b[k];
  return (s0 + s1) + (s2 + s3);
}

/// Union-find over dates, labelled so that date 0's component is 0 (labels in order of first date).
void components(const Context& c, const std::vector<int>& idx, const double* w, std::vector<int>& parent, std::vector<int>& comp) {
  parent.resize(static_cast<std::size_t>(c.nd));
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int x) {
    while (parent[static_cast<std::size_t>(x)] != x) {
      parent[static_cast<std::size_t>(x)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])];
      x = parent[static_cast<std::size_t>(x)];
    }
    return x;
  };
  for (std::size_t q = 0; q < idx.size(); ++q) {
    if (!(w[q] > 0.0)) continue;
    const auto& pr = c.net->pairs[static_cast<std::size_t>(idx[q])];
    int a = find(pr.first), b = find(pr.second);
    if (a != b) parent[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);
  }
  comp.assign(static_cast<std::size_t>(c.nd), -1);
  int next = 0;
  std::vector<int> labelOfRoot(static_cast<std::size_t>(c.nd), -1);
  for (int d = 0; d < c.nd; ++d) {
    const int r = find(d);
    if (labelOfRoot[static_cast<std::size_t>(r)] < 0) labelOfRoot[static_cast<std::size_t>(r)] = next++;
    comp[static_cast<std::size_t>(d)] = labelOfRoot[static_cast<std::size_t>(r)];
  }
}

/// The factorization of one valid-pair set with one weight vector.
struct Factor {
  std::vector<int> comp;    // per date
  std::vector<int> parent;  // scratch
  bool connected = false;
  bool llt = false;         // true: Cholesky of the normal matrix (phase form); false: SVD path
  int rank = 0;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> N;  // n × n normal matrix (phase form, date 0 removed), then L
  mutable MatrixXd tmp;                // scratch for the solve
  MatrixXd R;                          // Σ_φ = Rᵀ R (columns: dates 1..nd-1), for unit scale
  MatrixXd P;                          // SVD path: n × mv, φ = P · (√w ∘ y)
  VectorXd dateVar;                    // diag(Σ_φ), n
  std::vector<VectorXd> g;             // per window: rate weights per date (size nd), size 0 = NaN
  std::vector<double> rateVar;         // per window: gᵀ Σ_φ g (unit scale)
};

/// Rate weights g per window for the date components `comp` (the slope is gᵀ d).
void slopeWeights(const Context& c, const std::vector<int>& comp, std::vector<VectorXd>& gs) {
  const std::size_t nw = c.windowDates.size();
  gs.resize(nw);
  for (std::size_t k = 0; k < nw; ++k) {
    VectorXd& g = gs[k];
    g.setZero(c.nd);
    // One intercept per component: slope = Σ_c Σ_i (t_i − t̄_c)(u_i − ū_c) / Σ_c Σ_i (t_i − t̄_c)².
    double den = 0.0;
    const auto& ds = c.windowDates[k];
    std::vector<std::pair<int, int>> byComp;  // (comp, date)
    for (int d : ds) byComp.emplace_back(comp[static_cast<std::size_t>(d)], d);
    std::sort(byComp.begin(), byComp.end());
    for (std::size_t a = 0; a < byComp.size();) {
      std::size_t b = a;
      double mean = 0.0;
      while (b < byComp.size() && byComp[b].first == byComp[a].first) mean += c.t[static_cast<std::size_t>(byComp[b++].second)];
      mean /= static_cast<double>(b - a);
      for (std::size_t q = a; q < b; ++q) {
        const double x = c.t[static_cast<std::size_t>(byComp[q].second)] - mean;
        g[byComp[q].second] = x;
        den += x * x;
      }
      a = b;
    }
    if (den <= 0.0) {
      g.resize(0);
      continue;
    }
    g /= den;
  }
}

void rateWeights(const Context& c, Factor& f) {
  const std::size_t nw = c.windowDates.size();
  if (f.connected) f.g = c.gConnected;  // one component: the same weights for every such pixel
  else slopeWeights(c, f.comp, f.g);
  f.rateVar.assign(nw, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t k = 0; k < nw; ++k) {
    if (f.g[k].size() == 0) continue;
    if (!f.llt) {
      f.rateVar[k] = (f.R * f.g[k].tail(c.n)).squaredNorm();
      continue;
    }
    // ‖R g‖² with R lower triangular (column-major), without a temporary.
    const int n = c.n;
    f.tmp.setZero(n, 1);
    double* t = f.tmp.data();
    const double* g = f.g[k].data() + 1;
    for (int j = 0; j < n; ++j) {
      const double* Rj = f.R.data() + static_cast<std::ptrdiff_t>(j) * n;
      for (int i = j; i < n; ++i) t[i] += Rj[i] * g[j];
    }
    f.rateVar[k] = dot(t, t, n);
  }
}

/// Factorizes the valid-pair set `idx` with weights `w` (all > 0).
void factorize(const Context& c, const std::vector<int>& idx, const std::vector<double>& w, Factor& f) {
  const int n = c.n;
  const int mv = static_cast<int>(idx.size());
  components(c, idx, w.data(), f.parent, f.comp);
  f.connected = std::all_of(f.comp.begin(), f.comp.end(), [](int x) { return x == 0; });
  f.llt = false;
  if (f.connected) {
    // Phase form: unknowns φ_1..φ_{nd-1} (φ_0 = 0); N = Aᵀ W A is the grounded weighted Laplacian.
    f.N.setZero(n, n);
    for (int q = 0; q < mv; ++q) {
      const auto& pr = c.net->pairs[static_cast<std::size_t>(idx[static_cast<std::size_t>(q)])];
      const double wq = w[static_cast<std::size_t>(q)];
      const int i = pr.first - 1, j = pr.second - 1;
      if (i >= 0) f.N(i, i) += wq;
      if (j >= 0) f.N(j, j) += wq;
      if (i >= 0 && j >= 0) {
        f.N(i, j) -= wq;
        f.N(j, i) -= wq;
      }
    }
    // Small dense Cholesky N = L Lᵀ in place (lower triangle) and R = L⁻¹, written as plain loops
    // over contiguous rows: at n ≈ 30 they beat the blocked library kernels, whose packing dominates.
    double* A = f.N.data();  // row-major: row i at A + i·n
    bool pd = true;
    double dmax = 0.0, dmin = std::numeric_limits<double>::infinity();
    for (int j = 0; j < n && pd; ++j) {
      double* Aj = A + static_cast<std::ptrdiff_t>(j) * n;
      const double d = Aj[j] - dot(Aj, Aj, j);
      if (!(d > 0.0)) {
        pd = false;
        break;
      }
      const double ljj = std::sqrt(d);
      Aj[j] = ljj;
      dmax = std::max(dmax, ljj);
      dmin = std::min(dmin, ljj);
      const double inv = 1.0 / ljj;
      for (int i = j + 1; i < n; ++i) {
        double* Ai = A + static_cast<std::ptrdiff_t>(i) * n;
        Ai[j] = (Ai[j] - dot(Ai, Aj, j)) * inv;
      }
    }
    // cond(N) = cond(L)² ≳ (dmax/dmin)²; keep the Cholesky path only when comfortably regular.
    if (pd && dmin > 1e-6 * dmax) {
      f.llt = true;
      f.rank = n;
      MatrixXd& R = f.R;
      R.setZero(n, n);
      // Column j of R (column-major, contiguous): R(i, j) = −Σ_{j≤k<i} L(i, k) R(k, j) / L(i, i).
      for (int j = 0; j < n; ++j) {
        double* Rj = R.data() + static_cast<std::ptrdiff_t>(j) * n;
        Rj[j] = 1.0 / A[static_cast<std::ptrdiff_t>(j) * n + j];
        for (int i = j + 1; i < n; ++i) {
          const double* Ai = A + static_cast<std::ptrdiff_t>(i) * n;
          Rj[i] = -dot(Ai + j, Rj + j, i - j) / Ai[i];
        }
      }
    }
  }
  if (!f.llt) {
    // Velocity form (Berardino 2002): B[q, k] = √w_q · Δt_k for the intervals k the pair spans.
    MatrixXd B = MatrixXd::Zero(mv, n);
    for (int q = 0; q < mv; ++q) {
      const auto& pr = c.net->pairs[static_cast<std::size_t>(idx[static_cast<std::size_t>(q)])];
      const double sw = std::sqrt(w[static_cast<std::size_t>(q)]);
      for (int k = pr.first; k < pr.second; ++k) B(q, k) = sw * c.dt[static_cast<std::size_t>(k)];
    }
    Eigen::JacobiSVD<MatrixXd> svd(B, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const VectorXd& s = svd.singularValues();
    const double smax = s.size() ? s(0) : 0.0;
    int r = 0;
    while (r < s.size() && s(r) > c.p->rcond * smax && s(r) > 0.0) ++r;
    f.rank = r;
    // T maps velocities to φ_1..φ_{nd-1}: φ_i = Σ_{k<i} Δt_k v_k.
    MatrixXd TV(n, r);
    VectorXd acc = VectorXd::Zero(r);
    for (int i = 0; i < n; ++i) {
      acc += c.dt[static_cast<std::size_t>(i)] * svd.matrixV().row(i).head(r).transpose();
      TV.row(i) = acc.transpose();
    }
    const VectorXd sinv = s.head(r).cwiseInverse();
    f.R = sinv.asDiagonal() * TV.transpose();                     // r × n
    f.P = f.R.transpose() * svd.matrixU().leftCols(r).transpose();  // n × mv = T V S⁻¹ Uᵀ
  }
  f.dateVar = f.R.colwise().squaredNorm().transpose();
  rateWeights(c, f);
}

/// Solves for φ (n × g) from observations Y (mv × g).
void solve(const Context& c, const Factor& f, const std::vector<int>& idx, const std::vector<double>& w,
           const MatrixXd& Y, MatrixXd& phi) {
  const int mv = static_cast<int>(idx.size());
  if (f.llt) {
    phi.setZero(c.n, Y.cols());
    for (int q = 0; q < mv; ++q) {
      const auto& pr = c.net->pairs[static_cast<std::size_t>(idx[static_cast<std::size_t>(q)])];
      const double wq = w[static_cast<std::size_t>(q)];
      if (pr.second > 0) phi.row(pr.second - 1) += wq * Y.row(q);
      if (pr.first > 0) phi.row(pr.first - 1) -= wq * Y.row(q);
    }
    // φ = N⁻¹ b = Rᵀ (R b) with R = L⁻¹ lower triangular.
    if (phi.cols() <= 2) {
      // One or two pixels: plain column loops (the library's triangular products pack as for a
      // large matrix).
      const int n = c.n;
      f.tmp.resize(n, 1);
      double* t = f.tmp.data();
      for (Eigen::Index col = 0; col < phi.cols(); ++col) {
        double* b = phi.col(col).data();
        std::fill(t, t + n, 0.0);
        for (int k = 0; k < n; ++k) {  // t += R(:, k) b_k over the lower triangle
          const double* Rk = f.R.data() + static_cast<std::ptrdiff_t>(k) * n;
          const double bk = b[k];
          for (int i = k; i < n; ++i) t[i] += Rk[i] * bk;
        }
        for (int k = 0; k < n; ++k) b[k] = dot(f.R.data() + static_cast<std::ptrdiff_t>(k) * n + k, t + k, n - k);
      }
    } else {
      f.tmp.noalias() = f.R.triangularView<Eigen::Lower>() * phi;
      phi.noalias() = f.R.transpose().triangularView<Eigen::Upper>() * f.tmp;
    }
  } else {
    VectorXd sw(mv);
    for (int q = 0; q < mv; ++q) sw(q) = std::sqrt(w[static_cast<std::size_t>(q)]);
    phi.noalias() = f.P * (sw.asDiagonal() * Y);
  }
}

/// Residuals of one pixel: r_q = y_q − (φ_second − φ_first).
inline double residual(const Context& c, const std::vector<int>& idx, int q, const double* y, const double* phiCol) {
  const auto& pr = c.net->pairs[static_cast<std::size_t>(idx[static_cast<std::size_t>(q)])];
  const double a = pr.first > 0 ? phiCol[pr.first - 1] : 0.0;
  const double b = pr.second > 0 ? phiCol[pr.second - 1] : 0.0;
  return y[q] - (b - a);
}

struct Outputs {
  ComponentResult* res;
};

/// Writes one pixel's outputs from its solution column.
void writePixel(const Context& c, const Factor& f, const std::vector<int>& idx, const std::vector<double>& w,
                const double* y, const double* phiCol, bool apriori, ComponentResult& out, std::int64_t r,
                std::int64_t col, std::uint8_t flags) {
  const int mv = static_cast<int>(idx.size());
  double rss = 0.0, wrss = 0.0;
  for (int q = 0; q < mv; ++q) {
    const double e = residual(c, idx, q, y, phiCol);
    rss += e * e;
    wrss += w[static_cast<std::size_t>(q)] * e * e;
  }
  out.residualRms(r, col) = static_cast<float>(std::sqrt(rss / mv));
  out.pairsUsed(r, col) = static_cast<std::int16_t>(std::min(mv, 32767));
  // σ scale: a priori (pair σ given) or a posteriori variance factor.
  double scale = 1.0;
  if (!apriori) scale = mv > f.rank ? wrss / (mv - f.rank) : std::numeric_limits<double>::quiet_NaN();
  if (!f.connected) flags |= kDisconnected;
  out.displacement[0](r, col) = 0.0f;
  out.displacementSigma[0](r, col) = 0.0f;
  out.unconstrained[0](r, col) = 0;
  for (int d = 1; d < c.nd; ++d) {
    const bool free = f.comp[static_cast<std::size_t>(d)] != 0;
    out.unconstrained[static_cast<std::size_t>(d)](r, col) = free ? 1 : 0;
    if (free) {
      out.displacement[static_cast<std::size_t>(d)](r, col) =
          c.p->gapPolicy == GapPolicy::NaN ? kNaN : static_cast<float>(phiCol[d - 1]);
      out.displacementSigma[static_cast<std::size_t>(d)](r, col) = kInf;
    } else {
      out.displacement[static_cast<std::size_t>(d)](r, col) = static_cast<float>(phiCol[d - 1]);
      out.displacementSigma[static_cast<std::size_t>(d)](r, col) = static_cast<float>(std::sqrt(scale * f.dateVar(d - 1)));
    }
  }
  for (std::size_t k = 0; k < f.g.size(); ++k) {
    if (f.g[k].size() == 0) {
      out.rate[k](r, col) = kNaN;
      out.rateSigma[k](r, col) = kNaN;
      continue;
    }
    double v = 0.0;
    for (int d = 1; d < c.nd; ++d) v += f.g[k](d) * phiCol[d - 1];
    out.rate[k](r, col) = static_cast<float>(v);
    out.rateSigma[k](r, col) = static_cast<float>(std::sqrt(scale * f.rateVar[k]));
  }
  out.flags(r, col) = flags;
}

void writeNoData(const Context& c, ComponentResult& out, std::int64_t r, std::int64_t col, int mv) {
  for (int d = 0; d < c.nd; ++d) {
    out.displacement[static_cast<std::size_t>(d)](r, col) = kNaN;
    out.displacementSigma[static_cast<std::size_t>(d)](r, col) = kNaN;
    out.unconstrained[static_cast<std::size_t>(d)](r, col) = 1;
  }
  for (std::size_t k = 0; k < out.rate.size(); ++k) {
    out.rate[k](r, col) = kNaN;
    out.rateSigma[k](r, col) = kNaN;
  }
  out.residualRms(r, col) = kNaN;
  out.pairsUsed(r, col) = static_cast<std::int16_t>(mv);
  out.flags(r, col) = kNoData;
}

double median(std::vector<double>& v) {
  const std::size_t h = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
  double med = v[h];
  if (v.size() % 2 == 0) med = 0.5 * (med + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h)));
  return med;
}

/// Per-thread scratch for one block.
struct Scratch {
  std::vector<int> idx;         // valid pairs
  std::vector<double> y, s;
  std::vector<double> w0, w, yv, wr, wrNew, absu, scaleBuf;
  std::string key;
  Factor f;
  MatrixXd Y, phi;
};

void robustPixel(const Context& c, Scratch& S, bool apriori, ComponentResult& out, std::int64_t r, std::int64_t col) {
  const InversionParams& p = *c.p;
  const int mv = static_cast<int>(S.idx.size());
  S.Y.resize(mv, 1);
  for (int q = 0; q < mv; ++q) S.Y(q, 0) = S.yv[static_cast<std::size_t>(q)];
  S.wr.assign(static_cast<std::size_t>(mv), 1.0);
  S.w = S.w0;
  std::uint8_t flags = 0;
  const int stages = p.robust == RobustLoss::Tukey ? 2 : 1;
  factorize(c, S.idx, S.w, S.f);
  solve(c, S.f, S.idx, S.w, S.Y, S.phi);
  double fixedScale = 0.0;
  for (int stage = 0; stage < stages; ++stage) {
    const bool tukey = stage == 1;
    if (tukey) fixedScale = 0.0;  // re-estimated once from the Huber residuals, then frozen
    bool converged = false;
    for (int it = 0; it < p.maxIterations; ++it) {
      // Studentized residuals u_q = |r_q|·√w0_q / √(1 − h_q), h_q = w_q·a_qᵀ Σ a_q the leverage, so
      // that pairs with little redundancy are judged on the same scale as the others; pairs with
      // h_q ≈ 1 (bridges: residual 0 whatever the data) are left out of the scale and keep weight 1.
      S.absu.resize(static_cast<std::size_t>(mv));
      std::vector<double>& tmp = S.scaleBuf;
      tmp.clear();
      for (int q = 0; q < mv; ++q) {
        const auto& pr = c.net->pairs[static_cast<std::size_t>(S.idx[static_cast<std::size_t>(q)])];
        double quad;
        if (pr.first == 0) quad = S.f.R.col(pr.second - 1).squaredNorm();
        else quad = (S.f.R.col(pr.second - 1) - S.f.R.col(pr.first - 1)).squaredNorm();
        const double redundancy = 1.0 - S.w[static_cast<std::size_t>(q)] * quad;
        const double e = std::abs(residual(c, S.idx, q, S.yv.data(), S.phi.data())) * std::sqrt(S.w0[static_cast<std::size_t>(q)]);
        if (redundancy < 1e-6) {
          S.absu[static_cast<std::size_t>(q)] = -1.0;  // no redundancy: cannot be judged
          continue;
        }
        S.absu[static_cast<std::size_t>(q)] = e / std::sqrt(redundancy);
        tmp.push_back(S.absu[static_cast<std::size_t>(q)]);
      }
      if (tmp.empty()) {
        converged = true;
        break;
      }
      // Huber: scale re-estimated each iteration (MAD); Tukey: scale frozen at the Huber
      // solution's, which makes IRLS a descent method for the redescending loss (no cycling).
      if (!tukey || fixedScale <= 0.0) fixedScale = 1.4826 * median(tmp);
      const double scale = fixedScale;
      if (!(scale > 1e-300)) {
        converged = true;
        break;
      }
      S.wrNew.resize(static_cast<std::size_t>(mv));
      double delta = 0.0;
      for (int q = 0; q < mv; ++q) {
        const double u = S.absu[static_cast<std::size_t>(q)] / scale;
        double wq;
        if (u < 0.0) {
          wq = 1.0;
        } else if (tukey) {
          const double z = u / p.tukeyC;
          wq = z < 1.0 ? (1.0 - z * z) * (1.0 - z * z) : 0.0;
        } else {
          wq = u <= p.huberK ? 1.0 : p.huberK / u;
        }
        wq = std::max(wq, p.minRobustWeight);
        delta = std::max(delta, std::abs(wq - S.wr[static_cast<std::size_t>(q)]));
        S.wrNew[static_cast<std::size_t>(q)] = wq;
      }
      S.wr.swap(S.wrNew);
      for (int q = 0; q < mv; ++q) S.w[static_cast<std::size_t>(q)] = S.w0[static_cast<std::size_t>(q)] * S.wr[static_cast<std::size_t>(q)];
      factorize(c, S.idx, S.w, S.f);
      solve(c, S.f, S.idx, S.w, S.Y, S.phi);
      if (delta < p.tolerance) {
        converged = true;
        break;
      }
    }
    if (!converged) flags |= kRobustNotConverged;
  }
  for (double v : S.wr)
    if (v < 0.5) flags |= kOutliers;
  writePixel(c, S.f, S.idx, S.w, S.yv.data(), S.phi.data(), apriori, out, r, col, flags);
}

void processBlock(const Context& c, const ComponentStack& cs, const Block& b, ComponentResult& out, Scratch& S) {
  const InversionParams& p = *c.p;
  const bool weighted = p.useSigma && !cs.sigma.empty();
  const int m = c.m;
  const std::size_t maskBytes = static_cast<std::size_t>((m + 7) / 8);
  S.y.resize(static_cast<std::size_t>(m));
  S.s.resize(static_cast<std::size_t>(m));

  struct Group {
    std::vector<int> idx;
    std::vector<double> w0;
    std::vector<std::int64_t> pix;  // r * width + col (absolute)
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, int> groupOf;

  for (std::int64_t r = b.row0; r < b.row0 + b.rows; ++r)
    for (std::int64_t col = b.col0; col < b.col0 + b.cols; ++col) {
      S.idx.clear();
      S.w0.clear();
      S.yv.clear();
      S.key.assign(maskBytes, '\0');
      for (int k = 0; k < m; ++k) {
        const float v = cs.displacement[static_cast<std::size_t>(k)](r, col);
        if (!std::isfinite(v)) continue;
        double wk = 1.0;
        if (weighted) {
          const float sg = cs.sigma[static_cast<std::size_t>(k)](r, col);
          if (!std::isfinite(sg) || !(sg > 0.0f)) continue;
          const double sd = std::max(static_cast<double>(sg), p.sigmaFloor_m);
          wk = 1.0 / (sd * sd);
        }
        S.idx.push_back(k);
        S.w0.push_back(wk);
        S.yv.push_back(v);
        S.key[static_cast<std::size_t>(k >> 3)] = static_cast<char>(S.key[static_cast<std::size_t>(k >> 3)] | (1 << (k & 7)));
      }
      const int mv = static_cast<int>(S.idx.size());
      if (mv < p.minPairs || mv == 0) {
        writeNoData(c, out, r, col, mv);
        continue;
      }
      if (p.robust != RobustLoss::None) {
        robustPixel(c, S, weighted, out, r, col);
        continue;
      }
      if (weighted) S.key.append(reinterpret_cast<const char*>(S.w0.data()), S.w0.size() * sizeof(double));
      auto [it, inserted] = groupOf.try_emplace(S.key, static_cast<int>(groups.size()));
      if (inserted) groups.push_back(Group{S.idx, S.w0, {}});
      groups[static_cast<std::size_t>(it->second)].pix.push_back(r * out.flags.width() + col);
    }

  const std::int64_t W = out.flags.width();
  for (const Group& g : groups) {
    factorize(c, g.idx, g.w0, S.f);
    const int mv = static_cast<int>(g.idx.size());
    const auto np = static_cast<Eigen::Index>(g.pix.size());
    S.Y.resize(mv, np);
    for (Eigen::Index q = 0; q < np; ++q) {
      const std::int64_t r = g.pix[static_cast<std::size_t>(q)] / W, col = g.pix[static_cast<std::size_t>(q)] % W;
      for (int k = 0; k < mv; ++k) S.Y(k, q) = cs.displacement[static_cast<std::size_t>(g.idx[static_cast<std::size_t>(k)])](r, col);
    }
    solve(c, S.f, g.idx, g.w0, S.Y, S.phi);
    for (Eigen::Index q = 0; q < np; ++q) {
      const std::int64_t r = g.pix[static_cast<std::size_t>(q)] / W, col = g.pix[static_cast<std::size_t>(q)] % W;
      writePixel(c, S.f, g.idx, g.w0, S.Y.col(q).data(), S.phi.col(q).data(), weighted, out, r, col, 0);
    }
  }
}

}  // namespace

std::string toString(RobustLoss l) {
  switch (l) {
    case RobustLoss::None: return "none";
    case RobustLoss::Huber: return "huber";
    case RobustLoss::Tukey: return "tukey";
  }
  return "none";
}

RobustLoss parseRobustLoss(const std::string& text) {
  std::string t = text;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (t == "none" || t == "l2") return RobustLoss::None;
  if (t == "huber") return RobustLoss::Huber;
  if (t == "tukey") return RobustLoss::Tukey;
  throw InvalidInput("unknown robust loss (expected none, huber or tukey)", {"", "timeseries.robust", text});
}

void SbasNetwork::validate() const {
  if (dates.size() < 2) throw InvalidInput("a time series needs at least 2 dates", {"", "timeseries.dates", std::to_string(dates.size())});
  for (std::size_t k = 1; k < dates.size(); ++k)
    if (!(dates[k - 1] < dates[k]))
      throw InvalidInput("dates must be strictly increasing", {"", "timeseries.dates[" + std::to_string(k) + "]", dates[k].iso(3)});
  if (pairs.empty()) throw InvalidInput("no pairs", {"", "timeseries.pairs", "0"});
  const int nd = static_cast<int>(dates.size());
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const auto& p = pairs[k];
    if (p.first < 0 || p.second >= nd || p.first >= p.second)
      throw InvalidInput("pair must index two dates with first < second (0.." + std::to_string(nd - 1) + ")",
                         {"", "timeseries.pairs[" + std::to_string(k) + "]", std::to_string(p.first) + "," + std::to_string(p.second)});
  }
}

void InversionParams::validate() const {
  auto bad = [](const std::string& msg, const std::string& key, double v) { throw InvalidInput(msg, {"", key, num(v)}); };
  if (!std::isfinite(sigmaFloor_m) || sigmaFloor_m <= 0) bad("must be finite and > 0 m", "timeseries.sigma_floor_m", sigmaFloor_m);
  if (!std::isfinite(huberK) || huberK <= 0) bad("must be finite and > 0", "timeseries.huber_k", huberK);
  if (!std::isfinite(tukeyC) || tukeyC <= 0) bad("must be finite and > 0", "timeseries.tukey_c", tukeyC);
  if (maxIterations < 1) bad("must be >= 1", "timeseries.max_iterations", maxIterations);
  if (!std::isfinite(tolerance) || tolerance <= 0) bad("must be finite and > 0", "timeseries.tolerance", tolerance);
  if (!std::isfinite(minRobustWeight) || minRobustWeight <= 0 || minRobustWeight >= 1)
    bad("must be in (0, 1)", "timeseries.min_robust_weight", minRobustWeight);
  if (!std::isfinite(rcond) || rcond <= 0 || rcond >= 1) bad("must be in (0, 1)", "timeseries.rcond", rcond);
  if (minPairs < 1) bad("must be >= 1", "timeseries.min_pairs", minPairs);
  if (blockRows < 1) bad("must be >= 1", "timeseries.block_rows", static_cast<double>(blockRows));
  for (std::size_t k = 0; k < rateWindows.size(); ++k)
    if (!(rateWindows[k].start < rateWindows[k].end))
      throw InvalidInput("rate window must have start < end",
                         {"", "timeseries.rate_windows[" + std::to_string(k) + "]",
                          rateWindows[k].name + ":" + rateWindows[k].start.isoDate() + ".." + rateWindows[k].end.isoDate()});
}

std::vector<RateWindow> defaultRateWindows(const std::vector<DateTime>& dates) {
  if (dates.empty()) return {};
  return {RateWindow{"all", dates.front(), dates.back()}};
}

InversionResult invert(const SbasNetwork& net, const std::vector<ComponentStack>& components, const InversionParams& params) {
  params.validate();
  net.validate();
  if (static_cast<std::size_t>(net.pairCount()) > 32767)
    throw InvalidInput("too many pairs (max 32767)", {"", "timeseries.pairs", std::to_string(net.pairCount())});
  Context c;
  c.net = &net;
  c.p = &params;
  c.nd = net.dateCount();
  c.n = c.nd - 1;
  c.m = net.pairCount();
  for (int d = 0; d < c.nd; ++d) c.t.push_back(net.dates[static_cast<std::size_t>(d)].secondsSince(net.dates[0]) / kSecondsPerYear);
  for (int d = 0; d < c.n; ++d) c.dt.push_back(c.t[static_cast<std::size_t>(d + 1)] - c.t[static_cast<std::size_t>(d)]);

  InversionResult result;
  result.dates = net.dates;
  result.windows = params.rateWindows.empty() ? defaultRateWindows(net.dates) : params.rateWindows;
  for (const auto& w : result.windows) {
    std::vector<int> ds;
    for (int d = 0; d < c.nd; ++d)
      if (!(net.dates[static_cast<std::size_t>(d)] < w.start) && !(w.end < net.dates[static_cast<std::size_t>(d)])) ds.push_back(d);
    c.windowDates.push_back(std::move(ds));
  }
  slopeWeights(c, std::vector<int>(static_cast<std::size_t>(c.nd), 0), c.gConnected);

  for (const auto& cs : components) {
    const std::string key = "timeseries." + (cs.name.empty() ? std::string("component") : cs.name);
    if (cs.displacement.size() != static_cast<std::size_t>(c.m))
      throw InvalidInput("one displacement raster per pair is needed (" + std::to_string(c.m) + ")",
                         {"", key + ".displacement", std::to_string(cs.displacement.size())});
    if (!cs.sigma.empty() && cs.sigma.size() != cs.displacement.size())
      throw InvalidInput("one sigma raster per pair is needed (" + std::to_string(c.m) + ") or none",
                         {"", key + ".sigma", std::to_string(cs.sigma.size())});
    const std::int64_t L = cs.displacement[0].length(), W = cs.displacement[0].width();
    for (std::size_t k = 0; k < cs.displacement.size(); ++k) {
      const auto& v = cs.displacement[k];
      if (v.length() != L || v.width() != W || (L * W > 0 && v.data() == nullptr))
        throw InvalidInput("raster size differs from pair 0 (" + std::to_string(L) + "x" + std::to_string(W) + ")",
                           {"", key + ".displacement[" + std::to_string(k) + "]", std::to_string(v.length()) + "x" + std::to_string(v.width())});
      if (!cs.sigma.empty() && (cs.sigma[k].length() != L || cs.sigma[k].width() != W || (L * W > 0 && cs.sigma[k].data() == nullptr)))
        throw InvalidInput("sigma raster size differs from the displacement (" + std::to_string(L) + "x" + std::to_string(W) + ")",
                           {"", key + ".sigma[" + std::to_string(k) + "]", std::to_string(cs.sigma[k].length()) + "x" + std::to_string(cs.sigma[k].width())});
    }
    ComponentResult out;
    out.name = cs.name;
    for (int d = 0; d < c.nd; ++d) {
      out.displacement.emplace_back(L, W, kNaN);
      out.displacementSigma.emplace_back(L, W, kNaN);
      out.unconstrained.emplace_back(L, W, std::uint8_t{1});
    }
    for (std::size_t k = 0; k < result.windows.size(); ++k) {
      out.rate.emplace_back(L, W, kNaN);
      out.rateSigma.emplace_back(L, W, kNaN);
    }
    out.residualRms.resize(L, W, kNaN);
    out.pairsUsed.resize(L, W, 0);
    out.flags.resize(L, W, kNoData);
    const auto blocks = makeBlocks(L, W, params.blockRows);
    parallelForBlocks(blocks, [&](const Block& b) {
      Scratch S;
      processBlock(c, cs, b, out, S);
    });
    result.components.push_back(std::move(out));
  }
  return result;
}

}  // namespace orthotrack::timeseries

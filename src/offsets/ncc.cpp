#include "orthotrack/offsets/ncc.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <numbers>
#include <tuple>

#include "fft_plans.hpp"
#include "orthotrack/core/error.hpp"

namespace orthotrack::offsets {

namespace detail {

namespace {
// Plans by shape; destroyed at exit (engines must not outlive main()).
struct PlanCache {
  std::mutex mu;
  std::map<std::tuple<int, int, int, int, bool>, fftwf_plan> plans;
  ~PlanCache() {
    for (auto& kv : plans) fftwf_destroy_plan(kv.second);
  }
};
}  // namespace

fftwf_plan plan(PlanKind kind, int n0, int n1, int howmany, bool measure) {
  static PlanCache pc;
  std::lock_guard<std::mutex> lock(pc.mu);
  auto& cache = pc.plans;
  const auto key = std::make_tuple(static_cast<int>(kind), n0, n1, howmany, measure);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  const unsigned flags = measure ? FFTW_MEASURE : FFTW_ESTIMATE;
  fftwf_plan p = nullptr;
  switch (kind) {
    case PlanKind::r2c_rows: {
      const int nh = n1 / 2 + 1;
      auto in = fftwAlloc<float>(static_cast<std::size_t>(howmany) * n1);
      auto out = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(howmany) * nh);
      p = fftwf_plan_many_dft_r2c(1, &n1, howmany, in.get(), nullptr, 1, n1, out.get(), nullptr, 1, nh, flags);
      break;
    }
    case PlanKind::c2r_rows: {
      const int nh = n1 / 2 + 1;
      auto in = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(howmany) * nh);
      auto out = fftwAlloc<float>(static_cast<std::size_t>(howmany) * n1);
      p = fftwf_plan_many_dft_c2r(1, &n1, howmany, in.get(), nullptr, 1, nh, out.get(), nullptr, 1, n1, flags);
      break;
    }
    case PlanKind::c2c_cols_fwd:
    case PlanKind::c2c_cols_bwd: {
      auto buf = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(n0) * howmany);
      auto obuf = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(n0) * howmany);
      const bool fwd = kind == PlanKind::c2c_cols_fwd;
      p = fftwf_plan_many_dft(1, &n0, howmany, buf.get(), nullptr, howmany, 1, fwd ? obuf.get() : buf.get(), nullptr,
                              howmany, 1, fwd ? FFTW_FORWARD : FFTW_BACKWARD, flags);
      break;
    }
    case PlanKind::r2c_2d: {
      auto in = fftwAlloc<float>(static_cast<std::size_t>(n0) * n1);
      auto out = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(n0) * (n1 / 2 + 1));
      p = fftwf_plan_dft_r2c_2d(n0, n1, in.get(), out.get(), flags);
      break;
    }
    case PlanKind::c2r_2d: {
      auto in = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(n0) * (n1 / 2 + 1));
      auto out = fftwAlloc<float>(static_cast<std::size_t>(n0) * n1);
      p = fftwf_plan_dft_c2r_2d(n0, n1, in.get(), out.get(), flags);
      break;
    }
    // Split-format plans: FFTW's new-array execution requires the same distance between the
    // real and imaginary arrays as at planning, so the layout is fixed here and followed by the
    // callers: imaginary parts howmany·n1 floats after the real parts, in one block.
    case PlanKind::pairs_fwd:
    case PlanKind::pairs_bwd: {
      const std::size_t span = static_cast<std::size_t>(howmany) * n1;
      auto real = fftwAlloc<float>(span * 2 + static_cast<std::size_t>(n1));
      auto split = fftwAlloc<float>(2 * span);
      float* re = split.get();
      float* im = split.get() + span;
      fftwf_iodim dim{n1, 1, 1};
      if (kind == PlanKind::pairs_fwd) {
        fftwf_iodim many{howmany, 2 * n1, n1};
        p = fftwf_plan_guru_split_dft(1, &dim, 1, &many, real.get(), real.get() + n1, re, im, flags);
      } else {
        // A backward transform is a forward one with real and imaginary parts swapped.
        fftwf_iodim many{howmany, n1, 2 * n1};
        p = fftwf_plan_guru_split_dft(1, &dim, 1, &many, im, re, real.get() + n1, real.get(), flags);
      }
      break;
    }
    case PlanKind::c2c_2d_fwd:
    case PlanKind::c2c_2d_bwd: {
      auto in = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(n0) * n1);
      auto out = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(n0) * n1);
      const int sign = kind == PlanKind::c2c_2d_fwd ? FFTW_FORWARD : FFTW_BACKWARD;
      p = fftwf_plan_dft_2d(n0, n1, in.get(), out.get(), sign, flags);
      break;
    }
  }
  if (!p) throw Error("FFTW could not make a plan", {"", "offsets.fft", std::to_string(n0) + "x" + std::to_string(n1)});
  cache.emplace(key, p);
  return p;
}

}  // namespace detail

using detail::FftwPtr;
using detail::fftwAlloc;
using detail::PlanKind;

int smoothSize(int n) {
  if (n < 1) n = 1;
  for (int m = n;; ++m) {
    int r = m;
    for (int f : {2, 3, 5})
      while (r % f == 0) r /= f;
    if (r == 1) return m;
  }
}

// ---------------------------------------------------------------------------------------------
// NccCorrelator

struct NccCorrelator::Impl {
  int R, C, SR, SC, LR, LC, Nr, Nc, Nh;
  FftwPtr<float> chip, search, out;  // R+1, SR+1, LR+1 rows of Nc (the extra row stays zero)
  FftwPtr<float> pairs;  // split spectra of row pairs: h·Nc real parts then h·Nc imaginary parts
  // Half spectra after the row transforms (Nr + 1 rows of Nh: rows past the data stay zero, the
  // extra row takes the unused half of a pair) and after the column transforms (Nr rows).
  FftwPtr<fftwf_complex> rowsA, rowsB, specA, specB;
  std::vector<float> v1, v2;  // vertical sliding sums of the search chip and its square (SC each)
  std::vector<float> var;     // window variances of one lag row (LC)
  fftwf_plan rowChip, rowSearch, colF, colB, rowInv;
};

namespace {
typedef float v4f __attribute__((vector_size(16)));
// Lanes (i0, i1, i2, i3) of v (GCC/Clang vector extensions).
inline v4f shuffle4(v4f v, int i0, int i1, int i2, int i3) {
  return v4f{v[i0], v[i1], v[i2], v[i3]};
}
// Half spectra X and Y (Nh = N/2 + 1 values) of two real rows x and y from the DFT Z of x + i·y
// (split zr/zi, length N): X = (Z(k) + conj Z(N−k))/2, Y = (Z(k) − conj Z(N−k))/(2i).
// Plain loops over k that the compiler vectorizes (reversed reads, interleaved stores).
void splitPair(const float* zr, const float* zi, int N, int Nh, float* X, float* Y) {
  X[0] = zr[0];
  X[1] = 0.0f;
  Y[0] = zi[0];
  Y[1] = 0.0f;
  for (int k = 1; k < Nh; ++k) {
    const float a = zr[k], b = zi[k], c = zr[N - k], d = zi[N - k];
    X[2 * k] = 0.5f * (a + c);
    X[2 * k + 1] = 0.5f * (b - d);
    Y[2 * k] = 0.5f * (b + d);
    Y[2 * k + 1] = 0.5f * (c - a);
  }
}
// Full spectrum Z = X + i·Y (split zr/zi, length N) of the real rows whose half spectra are X and
// Y (Hermitian: X(N−k) = conj X(k)). The imaginary parts of X(0), Y(0) and, N even, X(N/2), Y(N/2)
// are ignored, as a c2r transform does.
void mergePair(const float* X, const float* Y, int N, float* zr, float* zi) {
  const int Nh = N / 2 + 1;
  for (int k = 1; k < Nh; ++k) {
    zr[k] = X[2 * k] - Y[2 * k + 1];
    zi[k] = X[2 * k + 1] + Y[2 * k];
  }
  for (int k = 1; k < N - Nh + 1; ++k) {  // Z(N−k) = conj X(k) + i·conj Y(k), N − k ≥ Nh
    zr[N - k] = X[2 * k] + Y[2 * k + 1];
    zi[N - k] = Y[2 * k] - X[2 * k + 1];
  }
  zr[0] = X[0];
  zi[0] = Y[0];
  if (N % 2 == 0) {
    zr[N / 2] = X[N];
    zi[N / 2] = Y[N];
  }
}
}  // namespace

NccCorrelator::NccCorrelator(int rows, int cols, int search_rows, int search_cols, bool measure)
    : impl_(std::make_unique<Impl>()) {
  if (rows < 1 || cols < 1 || search_rows < rows || search_cols < cols)
    throw InvalidInput("search chip smaller than the chip", {"", "offsets.search",
                                                             std::to_string(search_rows) + "x" + std::to_string(search_cols)});
  auto& m = *impl_;
  m.R = rows;
  m.C = cols;
  m.SR = search_rows;
  m.SC = search_cols;
  m.LR = search_rows - rows + 1;
  m.LC = search_cols - cols + 1;
  m.Nr = smoothSize(search_rows);
  m.Nc = smoothSize(search_cols);
  m.Nh = m.Nc / 2 + 1;
  m.chip = fftwAlloc<float>(static_cast<std::size_t>(m.R + 1) * m.Nc);
  m.search = fftwAlloc<float>(static_cast<std::size_t>(m.SR + 1) * m.Nc);
  m.out = fftwAlloc<float>(static_cast<std::size_t>(m.LR + 1) * m.Nc);
  const std::size_t pairs = static_cast<std::size_t>((std::max({m.R, m.SR, m.LR}) + 1) / 2);
  m.pairs = fftwAlloc<float>(2 * pairs * m.Nc);
  m.rowsA = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(m.Nr + 1) * m.Nh);
  m.rowsB = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(m.Nr + 1) * m.Nh);
  m.specA = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(m.Nr + 1) * m.Nh);
  m.specB = fftwAlloc<fftwf_complex>(static_cast<std::size_t>(m.Nr + 1) * m.Nh);
  m.v1.assign(static_cast<std::size_t>(m.SC), 0.0f);
  m.v2.assign(static_cast<std::size_t>(m.SC), 0.0f);
  m.var.assign(static_cast<std::size_t>(m.LC), 0.0f);
  // Row transforms of two real rows at once (one complex transform, then split): measured 2–3×
  // faster than FFTW's batched r2c rows here.
  m.rowChip = detail::plan(PlanKind::pairs_fwd, 0, m.Nc, (m.R + 1) / 2, measure);
  m.rowSearch = detail::plan(PlanKind::pairs_fwd, 0, m.Nc, (m.SR + 1) / 2, measure);
  m.colF = detail::plan(PlanKind::c2c_cols_fwd, m.Nr, 0, m.Nh, measure);
  m.colB = detail::plan(PlanKind::c2c_cols_bwd, m.Nr, 0, m.Nh, measure);
  m.rowInv = detail::plan(PlanKind::pairs_bwd, 0, m.Nc, (m.LR + 1) / 2, measure);
}

NccCorrelator::~NccCorrelator() = default;
NccCorrelator::NccCorrelator(NccCorrelator&&) noexcept = default;
NccCorrelator& NccCorrelator::operator=(NccCorrelator&&) noexcept = default;

int NccCorrelator::rows() const { return impl_->R; }
int NccCorrelator::cols() const { return impl_->C; }
int NccCorrelator::searchRows() const { return impl_->SR; }
int NccCorrelator::searchCols() const { return impl_->SC; }
int NccCorrelator::lagRows() const { return impl_->LR; }
int NccCorrelator::lagCols() const { return impl_->LC; }
int NccCorrelator::fftRows() const { return impl_->Nr; }
int NccCorrelator::fftCols() const { return impl_->Nc; }
float* NccCorrelator::chipBuffer() { return impl_->chip.get(); }
float* NccCorrelator::searchBuffer() { return impl_->search.get(); }
std::int64_t NccCorrelator::bufferStride() const { return impl_->Nc; }
std::size_t NccCorrelator::bytes() const {
  const auto& m = *impl_;
  const std::size_t pairs = static_cast<std::size_t>((std::max({m.R, m.SR, m.LR}) + 1) / 2);
  return sizeof(float) * (static_cast<std::size_t>(m.R + m.SR + m.LR + 3) * m.Nc + 2 * pairs * m.Nc + 2u * m.SC + m.LC) +
         4 * sizeof(fftwf_complex) * static_cast<std::size_t>(m.Nr + 1) * m.Nh;
}

int NccCorrelator::correlate(RasterView<const float> chip, RasterView<const float> search, RasterView<float> out) {
  auto& m = *impl_;
  if (chip.length() != m.R || chip.width() != m.C || search.length() != m.SR || search.width() != m.SC ||
      out.length() != m.LR || out.width() != m.LC)
    throw InvalidInput("chip, search or output size does not match the correlator", {"", "offsets.chip", ""});
  double sa = 0, sb = 0;
  for (int r = 0; r < m.R; ++r)
    for (int c = 0; c < m.C; ++c) sa += double(chip(r, c));
  for (int r = 0; r < m.SR; ++r)
    for (int c = 0; c < m.SC; ++c) sb += double(search(r, c));
  const double ma = sa / (double(m.R) * m.C), mb = sb / (double(m.SR) * m.SC);
  double energy = 0;
  for (int r = 0; r < m.R; ++r) {
    float* d = m.chip.get() + static_cast<std::int64_t>(r) * m.Nc;
    for (int c = 0; c < m.C; ++c) {
      const float v = static_cast<float>(double(chip(r, c)) - ma);
      d[c] = v;
      energy += double(v) * double(v);
    }
  }
  for (int r = 0; r < m.SR; ++r) {
    float* d = m.search.get() + static_cast<std::int64_t>(r) * m.Nc;
    for (int c = 0; c < m.SC; ++c) d[c] = static_cast<float>(double(search(r, c)) - mb);
  }
  return run(energy, out);
}

int NccCorrelator::run(double energy, RasterView<float> out) {
  auto& m = *impl_;
  if (!(energy > 0.0)) {
    for (int k = 0; k < m.LR; ++k) std::fill(out.row(k), out.row(k) + m.LC, 0.0f);
    return 0;
  }
  // Forward transforms: rows first (only the rows that hold data, two real rows per complex
  // transform), zero the rest, then columns. Spectra are kept in split format.
  const std::size_t nh = static_cast<std::size_t>(m.Nh), nc = static_cast<std::size_t>(m.Nc);
  float* pre = m.pairs.get();
  auto forward = [&](fftwf_plan plan, float* rows, int n, fftwf_complex* half, fftwf_complex* spec) {
    float* pim = pre + static_cast<std::size_t>((n + 1) / 2) * nc;  // the plan's layout
    fftwf_execute_split_dft(plan, rows, rows + m.Nc, pre, pim);
    for (int j = 0; 2 * j < n; ++j) {
      // Rows n … Nr − 1 of `half` are never written (zero); an odd n puts Y in the scratch row Nr.
      float* x = &half[static_cast<std::size_t>(2 * j) * nh][0];
      float* y = 2 * j + 1 < n ? x + 2 * nh : &half[static_cast<std::size_t>(m.Nr) * nh][0];
      splitPair(pre + j * nc, pim + j * nc, m.Nc, m.Nh, x, y);
    }
    fftwf_execute_dft(m.colF, half, spec);
  };
  forward(m.rowChip, m.chip.get(), m.R, m.rowsA.get(), m.specA.get());
  forward(m.rowSearch, m.search.get(), m.SR, m.rowsB.get(), m.specB.get());
  // Cross-power spectrum conj(A)·B, scaled for the unnormalized inverse.
  {
    const float scale = 1.0f / (float(m.Nr) * float(m.Nc));
    const float* A = &m.specA[0][0];
    float* B = &m.specB[0][0];
    const std::size_t n = static_cast<std::size_t>(m.Nr) * nh;
    // Two complex values per 4-lane vector: re = ar·br + ai·bi, im = ar·bi − ai·br.
    const v4f pm = {1.0f, -1.0f, 1.0f, -1.0f}, sc = {scale, scale, scale, scale};
    std::size_t i = 0;
    for (; i + 2 <= n; i += 2) {
      v4f a, b;
      std::memcpy(&a, A + 2 * i, sizeof a);
      std::memcpy(&b, B + 2 * i, sizeof b);
      const v4f are = shuffle4(a, 0, 0, 2, 2), aim = shuffle4(a, 1, 1, 3, 3), bsw = shuffle4(b, 1, 0, 3, 2);
      const v4f r = (are * b + aim * bsw * pm) * sc;  // the rounding of the scalar loop below
      std::memcpy(B + 2 * i, &r, sizeof r);
    }
    for (; i < n; ++i) {
      const float ar = A[2 * i], ai = A[2 * i + 1], br = B[2 * i], bi = B[2 * i + 1];
      B[2 * i] = (ar * br + ai * bi) * scale;
      B[2 * i + 1] = (ar * bi - ai * br) * scale;
    }
  }
  // Inverse: all columns, then only the LR rows of lags that are needed, two per transform.
  fftwf_execute_dft(m.colB, m.specB.get(), m.specB.get());
  float* pim = pre + static_cast<std::size_t>((m.LR + 1) / 2) * nc;
  for (int j = 0; 2 * j < m.LR; ++j) {
    const float* x = &m.specB[static_cast<std::size_t>(2 * j) * nh][0];
    mergePair(x, x + 2 * nh, m.Nc, pre + j * nc, pim + j * nc);
  }
  fftwf_execute_split_dft(m.rowInv, pim, pre, m.out.get() + m.Nc, m.out.get());

  // Denominators from sliding sums of the search chip (vertical sums kept per column, then a
  // horizontal running sum per lag row). Sums of the square in double along each lag row.
  const float* s = m.search.get();
  const std::int64_t st = m.Nc;
  float* v1 = m.v1.data();
  float* v2 = m.v2.data();
  std::fill(v1, v1 + m.SC, 0.0f);
  std::fill(v2, v2 + m.SC, 0.0f);
  for (int r = 0; r < m.R; ++r) {
    const float* row = s + r * st;
    for (int c = 0; c < m.SC; ++c) {
      v1[c] += row[c];
      v2[c] += row[c] * row[c];
    }
  }
  // Per lag row: window sums along the row by a running sum in double (the only sequential part),
  // var = Σb² − (Σb)²/n into a float row (0 where the window is constant), then a vectorizable
  // pass ncc = num · E^{−1/2} / sqrt(var) in float (E^{−1/2} applied first so nothing overflows).
  const double n = double(m.R) * m.C;
  const float invSqrtE = static_cast<float>(1.0 / std::sqrt(energy));
  float* var = m.var.data();
  int valid = 0;
  for (int k = 0; k < m.LR; ++k) {
    if (k > 0) {
      const float* add = s + (k + m.R - 1) * st;
      const float* sub = s + (k - 1) * st;
      for (int c = 0; c < m.SC; ++c) {
        v1[c] += add[c] - sub[c];
        v2[c] += add[c] * add[c] - sub[c] * sub[c];
      }
    }
    double h1 = 0, h2 = 0;
    for (int c = 0; c < m.C; ++c) {
      h1 += double(v1[c]);
      h2 += double(v2[c]);
    }
    for (int l = 0; l < m.LC; ++l) {
      if (l > 0) {
        h1 += double(v1[l + m.C - 1]) - double(v1[l - 1]);
        h2 += double(v2[l + m.C - 1]) - double(v2[l - 1]);
      }
      const double vr = h2 - h1 * h1 / n;
      const bool ok = (vr > 1e-7 * h2) & (vr > 0.0);
      var[l] = ok ? static_cast<float>(vr) : 0.0f;
      valid += ok;
    }
    const float* num = m.out.get() + k * st;
    float* o = out.row(k);
    for (int l = 0; l < m.LC; ++l) {
      // var is 0 (constant window: ncc 0) or positive: mask arithmetic instead of a branch.
      const float vr = var[l];
      const float pos = static_cast<float>(vr > 0.0f);
      o[l] = pos * (num[l] * invSqrtE / std::sqrt(vr + (1.0f - pos)));
    }
  }
  return valid;
}

// ---------------------------------------------------------------------------------------------
// PeakRefiner: normalized Lanczos-windowed sinc, K(x) = sinc(x)·sinc(x/L) for |x| < L.

PeakRefiner::PeakRefiner(int half, int factor, PeakInterp interp)
    : half_(std::max(1, half)), factor_(std::max(1, factor)), interp_(interp) {
  if (interp_ == PeakInterp::fft) {
    const int n = 2 * half_, np = 2 * factor_ + 1;
    patch_.resize(static_cast<std::size_t>(n) * n);
    kre_.resize(static_cast<std::size_t>(np) * n);
    kim_.resize(static_cast<std::size_t>(np) * n);
    gre_.resize(static_cast<std::size_t>(np) * n);
    gim_.resize(static_cast<std::size_t>(np) * n);
    return;
  }
  // One kernel table per half-width 1..L (a smaller one is used when the peak is near the border).
  tables_.resize(static_cast<std::size_t>(half_) + 1);
  for (int L = 1; L <= half_; ++L) {
    const int qmax = (L + 2) * factor_;
    auto& t = tables_[static_cast<std::size_t>(L)];
    t.resize(static_cast<std::size_t>(2 * qmax + 1));
    for (int q = -qmax; q <= qmax; ++q) {
      const double x = double(q) / factor_;
      double k = 0.0;
      if (q == 0) k = 1.0;
      else if (std::fabs(x) < L) {
        const double a = std::numbers::pi * x;
        k = std::sin(a) / a * std::sin(a / L) / (a / L);
      }
      t[static_cast<std::size_t>(q + qmax)] = static_cast<float>(k);
    }
  }
  const int taps = 2 * half_ + 3;
  patch_.resize(static_cast<std::size_t>(taps) * taps);
  rowI_.resize(static_cast<std::size_t>(taps) * kMaxPos);
  ky_.resize(static_cast<std::size_t>(taps) * kMaxPos);
  kx_.resize(static_cast<std::size_t>(taps) * kMaxPos);
}

// Normalized weights of the taps n = −(L+1) … L+1 for positions j/f (j = j0, j0 + dj, …, n values).
void PeakRefiner::weights(int L, int j0, int dj, int n, float* w) const {
  const int taps = 2 * L + 3, qmax = (L + 2) * factor_;
  const std::vector<float>& table_ = tables_[static_cast<std::size_t>(L)];
  for (int i = 0; i < n; ++i) {
    const int j = j0 + i * dj;
    float sum = 0.0f;
    float* wi = w + static_cast<std::size_t>(i) * taps;
    for (int t = 0; t < taps; ++t) {
      const int q = j - (t - (L + 1)) * factor_;
      const float k = (q < -qmax || q > qmax) ? 0.0f : table_[static_cast<std::size_t>(q + qmax)];
      wi[t] = k;
      sum += k;
    }
    const float inv = 1.0f / sum;
    for (int t = 0; t < taps; ++t) wi[t] *= inv;
  }
}

// Evaluates the interpolant of the patch at positions (jy0 + iy·dj, jx0 + ix·dj)/f and keeps the
// maximum (first in row-major order on ties).
void PeakRefiner::evaluate(int L, int jy0, int jx0, int dj, int n, int& bjy, int& bjx, float& best) {
  const int taps = 2 * L + 3;
  weights(L, jx0, dj, n, kx_.data());
  weights(L, jy0, dj, n, ky_.data());
  for (int y = 0; y < taps; ++y) {
    const float* row = patch_.data() + static_cast<std::size_t>(y) * taps;
    float* ri = rowI_.data() + static_cast<std::size_t>(y) * n;
    for (int ix = 0; ix < n; ++ix) {
      const float* k = kx_.data() + static_cast<std::size_t>(ix) * taps;
      float acc = 0.0f;
      for (int x = 0; x < taps; ++x) acc += row[x] * k[x];
      ri[ix] = acc;
    }
  }
  for (int iy = 0; iy < n; ++iy) {
    const float* k = ky_.data() + static_cast<std::size_t>(iy) * taps;
    for (int ix = 0; ix < n; ++ix) {
      float acc = 0.0f;
      for (int y = 0; y < taps; ++y) acc += k[y] * rowI_[static_cast<std::size_t>(y) * n + ix];
      if (acc > best) {
        best = acc;
        bjy = jy0 + iy * dj;
        bjx = jx0 + ix * dj;
      }
    }
  }
}

SubpixelPeak PeakRefiner::refine(RasterView<const float> s, int pr, int pc) { return refine(s, pr, pc, pr, pc); }

SubpixelPeak PeakRefiner::refine(RasterView<const float> s, int pr, int pc, int cy, int cx) {
  if (interp_ == PeakInterp::fft) return refinePeriodic(s, pr, pc, cy, cx);
  SubpixelPeak out;
  const int rows = static_cast<int>(s.length()), cols = static_cast<int>(s.width());
  if (pr < 0 || pc < 0 || pr >= rows || pc >= cols) return out;
  out.value = s(pr, pc);
  if (pr < 1 || pc < 1 || pr > rows - 2 || pc > cols - 2) return out;  // no neighbours on one side
  // Patch of (2L+3)² samples around the peak, L reduced so that the patch stays on the surface.
  const int L = std::min(half_, std::max(3, std::min({pr - 1, pc - 1, rows - 2 - pr, cols - 2 - pc}))),
            taps = 2 * L + 3;
  for (int y = 0; y < taps; ++y) {
    const int r = std::clamp(pr + y - (L + 1), 0, rows - 1);
    const float* row = s.row(r);
    float* d = patch_.data() + static_cast<std::size_t>(y) * taps;
    for (int x = 0; x < taps; ++x) d[x] = row[std::clamp(pc + x - (L + 1), 0, cols - 1)];
  }
  // Coarse to fine: steps f/4, f/16, ... down to 1/f, each stage searching ± the previous step.
  const int f = factor_;
  int step = std::max(1, f / 4), range = f;
  int by = 0, bx = 0;
  float best = -std::numeric_limits<float>::infinity();
  for (;;) {
    const int n = std::min(kMaxPos, 2 * (range / step) + 1);
    const int half = (n - 1) / 2;
    float b = -std::numeric_limits<float>::infinity();
    int ty = by, tx = bx;
    evaluate(L, by - half * step, bx - half * step, step, n, ty, tx, b);
    by = std::clamp(ty, -f, f);
    bx = std::clamp(tx, -f, f);
    best = b;
    if (step == 1) break;
    range = step;
    step = std::max(1, step / 4);
  }
  out.dr = double(by) / f;
  out.dc = double(bx) / f;
  out.value = best;
  out.valid = true;
  return out;
}

// Trigonometric (FFT zero-padding) interpolation of an N × N patch, N = 2·half.
SubpixelPeak PeakRefiner::refinePeriodic(RasterView<const float> s, int pr, int pc, int cy, int cx) {
  SubpixelPeak out;
  const int rows = static_cast<int>(s.length()), cols = static_cast<int>(s.width());
  const int N = 2 * half_, f = factor_, np = 2 * f + 1;
  const int pr0 = pr, pc0 = pc;
  if (pr < 0 || pc < 0 || pr >= rows || pc >= cols) return out;
  out.value = s(pr, pc);
  if (rows < N || cols < N) return out;
  // Patch rows [y0, y0 + N) with the centre sample at index N/2, moved inside the surface.
  const int y0 = std::clamp(cy - half_, 0, rows - N), x0 = std::clamp(cx - half_, 0, cols - N);
  // The peak searched must lie inside the patch: else take the patch maximum.
  if (pr < y0 || pr >= y0 + N || pc < x0 || pc >= x0 + N) {
    float best = -std::numeric_limits<float>::infinity();
    for (int y = y0; y < y0 + N; ++y)
      for (int x = x0; x < x0 + N; ++x)
        if (s(y, x) > best) {
          best = s(y, x);
          pr = y;
          pc = x;
        }
  }
  for (int y = 0; y < N; ++y)
    for (int x = 0; x < N; ++x) patch_[static_cast<std::size_t>(y) * N + x] = s(y0 + y, x0 + x);
  // Kernel K(n − t) for the positions t = p + j/f, j = −f … f (p the peak index in the patch).
  auto kernel = [&](int p, double* kr, double* ki) {
    for (int j = -f; j <= f; ++j) {
      const double t = p + double(j) / f;
      for (int n = 0; n < N; ++n) {
        const double d = n - t;
        double re = 1.0 + std::cos(std::numbers::pi * d);
        for (int k = 1; k < N / 2; ++k) re += 2.0 * std::cos(2.0 * std::numbers::pi * k * d / N);
        const std::size_t i = static_cast<std::size_t>(j + f) * N + n;
        kr[i] = re / N;
        ki[i] = -std::sin(std::numbers::pi * d) / N;
      }
    }
  };
  const int py = pr - y0, px = pc - x0;
  // Rows first: g(ty, nx) = Σ_ny x(ny, nx) K(ny − ty) (complex), with the row kernel in kre_/kim_.
  kernel(py, kre_.data(), kim_.data());
  for (int iy = 0; iy < np; ++iy) {
    const double* kr = kre_.data() + static_cast<std::size_t>(iy) * N;
    const double* ki = kim_.data() + static_cast<std::size_t>(iy) * N;
    double* gr = gre_.data() + static_cast<std::size_t>(iy) * N;
    double* gi = gim_.data() + static_cast<std::size_t>(iy) * N;
    for (int nx = 0; nx < N; ++nx) {
      double ar = 0, ai = 0;
      for (int ny = 0; ny < N; ++ny) {
        const double v = patch_[static_cast<std::size_t>(ny) * N + nx];
        ar += v * kr[ny];
        ai += v * ki[ny];
      }
      gr[nx] = ar;
      gi[nx] = ai;
    }
  }
  // Then columns: value = Re Σ_nx g(ty, nx) K(nx − tx); first maximum in row-major order.
  kernel(px, kre_.data(), kim_.data());
  double best = -std::numeric_limits<double>::infinity();
  int by = 0, bx = 0;
  for (int iy = 0; iy < np; ++iy) {
    const double* gr = gre_.data() + static_cast<std::size_t>(iy) * N;
    const double* gi = gim_.data() + static_cast<std::size_t>(iy) * N;
    for (int ix = 0; ix < np; ++ix) {
      const double* kr = kre_.data() + static_cast<std::size_t>(ix) * N;
      const double* ki = kim_.data() + static_cast<std::size_t>(ix) * N;
      double v = 0;
      for (int nx = 0; nx < N; ++nx) v += gr[nx] * kr[nx] - gi[nx] * ki[nx];
      if (v > best) {
        best = v;
        by = iy - f;
        bx = ix - f;
      }
    }
  }
  // Relative to the caller's peak (pr0, pc0) (the patch maximum may have replaced it).
  out.dr = (pr - pr0) + double(by) / f;
  out.dc = (pc - pc0) + double(bx) / f;
  out.value = static_cast<float>(best);
  out.valid = true;
  return out;
}

// ---------------------------------------------------------------------------------------------
// ChipOversampler and deramp

struct ChipOversampler::Impl {
  int R, C, F;
  FftwPtr<fftwf_complex> in, spec, pad, out;
  fftwf_plan fwd, bwd;
};

ChipOversampler::ChipOversampler(int rows, int cols, int factor, bool measure) : impl_(std::make_unique<Impl>()) {
  if (rows < 2 || cols < 2 || factor < 1)
    throw InvalidInput("bad chip size or oversampling factor", {"", "offsets.raw_oversample", std::to_string(factor)});
  auto& m = *impl_;
  m.R = rows;
  m.C = cols;
  m.F = factor;
  const std::size_t n = static_cast<std::size_t>(rows) * cols, no = n * factor * factor;
  m.in = fftwAlloc<fftwf_complex>(n);
  m.spec = fftwAlloc<fftwf_complex>(n);
  m.pad = fftwAlloc<fftwf_complex>(no);
  m.out = fftwAlloc<fftwf_complex>(no);
  m.fwd = detail::plan(PlanKind::c2c_2d_fwd, rows, cols, 1, measure);
  m.bwd = detail::plan(PlanKind::c2c_2d_bwd, rows * factor, cols * factor, 1, measure);
}
ChipOversampler::~ChipOversampler() = default;
ChipOversampler::ChipOversampler(ChipOversampler&&) noexcept = default;
ChipOversampler& ChipOversampler::operator=(ChipOversampler&&) noexcept = default;
cfloat* ChipOversampler::input() { return reinterpret_cast<cfloat*>(impl_->in.get()); }
const cfloat* ChipOversampler::oversampled() const { return reinterpret_cast<const cfloat*>(impl_->out.get()); }
int ChipOversampler::rows() const { return impl_->R; }
int ChipOversampler::cols() const { return impl_->C; }
int ChipOversampler::factor() const { return impl_->F; }
std::size_t ChipOversampler::bytes() const {
  const auto& m = *impl_;
  const std::size_t n = static_cast<std::size_t>(m.R) * m.C;
  return sizeof(fftwf_complex) * (2 * n + 2 * n * m.F * m.F);
}

void ChipOversampler::run(bool doDeramp, RasterView<float> outAmp) {
  auto& m = *impl_;
  if (doDeramp) deramp(input(), m.R, m.C);
  fftwf_execute_dft(m.fwd, m.in.get(), m.spec.get());
  const int R2 = m.R * m.F, C2 = m.C * m.F;
  std::memset(m.pad.get(), 0, sizeof(fftwf_complex) * static_cast<std::size_t>(R2) * C2);
  const float scale = 1.0f / (float(m.R) * float(m.C));
  // Frequency u of an n-point axis goes to u (u < (n+1)/2) or u − n + n·F (negative side).
  for (int u = 0; u < m.R; ++u) {
    const int uo = u < (m.R + 1) / 2 ? u : u - m.R + R2;
    const fftwf_complex* src = m.spec.get() + static_cast<std::size_t>(u) * m.C;
    fftwf_complex* dst = m.pad.get() + static_cast<std::size_t>(uo) * C2;
    for (int v = 0; v < m.C; ++v) {
      const int vo = v < (m.C + 1) / 2 ? v : v - m.C + C2;
      dst[vo][0] = src[v][0] * scale;
      dst[vo][1] = src[v][1] * scale;
    }
  }
  fftwf_execute_dft(m.bwd, m.pad.get(), m.out.get());
  for (int r = 0; r < R2; ++r) {
    const fftwf_complex* src = m.out.get() + static_cast<std::size_t>(r) * C2;
    float* d = outAmp.row(r);
    for (int c = 0; c < C2; ++c) d[c] = std::sqrt(src[c][0] * src[c][0] + src[c][1] * src[c][1]);
  }
}

void deramp(cfloat* z, int rows, int cols) {
  double ar = 0, ai = 0, br = 0, bi = 0;  // along columns (range) and rows (azimuth)
  for (int r = 0; r < rows; ++r) {
    const cfloat* p = z + static_cast<std::size_t>(r) * cols;
    for (int c = 0; c + 1 < cols; ++c) {
      // z(c+1)·conj(z(c))
      ar += double(p[c + 1].real()) * double(p[c].real()) + double(p[c + 1].imag()) * double(p[c].imag());
      ai += double(p[c + 1].imag()) * double(p[c].real()) - double(p[c + 1].real()) * double(p[c].imag());
    }
    if (r + 1 < rows) {
      const cfloat* q = p + cols;
      for (int c = 0; c < cols; ++c) {
        br += double(q[c].real()) * double(p[c].real()) + double(q[c].imag()) * double(p[c].imag());
        bi += double(q[c].imag()) * double(p[c].real()) - double(q[c].real()) * double(p[c].imag());
      }
    }
  }
  const double phc = (ar == 0 && ai == 0) ? 0.0 : std::atan2(ai, ar);
  const double phr = (br == 0 && bi == 0) ? 0.0 : std::atan2(bi, br);
  if (phc == 0.0 && phr == 0.0) return;
  // exp(−i(r·phr + c·phc)) = exp(−i·r·phr) · exp(−i·phc)^c, the column factor by recurrence (double).
  const double sc = std::sin(-phc), cc = std::cos(-phc);
  for (int r = 0; r < rows; ++r) {
    cfloat* p = z + static_cast<std::size_t>(r) * cols;
    double wr = std::cos(-r * phr), wi = std::sin(-r * phr);
    for (int c = 0; c < cols; ++c) {
      p[c] *= cfloat(static_cast<float>(wr), static_cast<float>(wi));
      const double nr = wr * cc - wi * sc, ni = wr * sc + wi * cc;
      wr = nr;
      wi = ni;
    }
  }
}

}  // namespace orthotrack::offsets

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/offsets/ncc.hpp"
#include "orthotrack/offsets/offsets.hpp"

namespace orthotrack::offsets {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
// Half-width (samples) of the Lanczos kernel that interpolates correlation surfaces.
constexpr int kSincHalf = 6;

// Pixel traits: amplitude and no-data test for real and complex pixels.
inline float amplitude(float v) { return v; }
inline float amplitude(cfloat v) { return std::sqrt(v.real() * v.real() + v.imag() * v.imag()); }
inline bool isNodata(float v, bool use, float nd) { return std::isnan(v) || (use && v == nd); }
inline bool isNodata(cfloat v, bool use, float nd) {
  return std::isnan(v.real()) || std::isnan(v.imag()) || (use && v.real() == nd && v.imag() == nd);
}
// Equal to the no-data value (NaN nd: never): for complex pixels both parts must equal it.
inline bool isNodataValue(float v, float nd) { return v == nd; }
inline bool isNodataValue(cfloat v, float nd) { return (v.real() == nd) & (v.imag() == nd); }
inline cfloat asComplex(float v) { return {v, 0.0f}; }
inline cfloat asComplex(cfloat v) { return v; }

typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

// Maximum of p[i0..i1) (−inf when empty), vectorized with 4 lanes; exact (max does not round).
// Correlation surfaces hold no NaN.
inline float maxOf(const float* p, int i0, int i1) {
  float m = -std::numeric_limits<float>::infinity();
  int i = i0;
  if (i1 - i0 >= 8) {
    v4f a, b;
    std::memcpy(&a, p + i, sizeof a);
    std::memcpy(&b, p + i + 4, sizeof b);
    for (i += 8; i + 8 <= i1; i += 8) {
      v4f x, y;
      std::memcpy(&x, p + i, sizeof x);
      std::memcpy(&y, p + i + 4, sizeof y);
      const v4i gx = x > a, gy = y > b;
      a = reinterpret_cast<v4f>((reinterpret_cast<v4i>(x) & gx) | (reinterpret_cast<v4i>(a) & ~gx));
      b = reinterpret_cast<v4f>((reinterpret_cast<v4i>(y) & gy) | (reinterpret_cast<v4i>(b) & ~gy));
    }
    for (int u = 0; u < 4; ++u) m = std::max({m, a[u], b[u]});
  }
  for (; i < i1; ++i) m = std::max(m, p[i]);
  return m;
}

// Per-window workspace of one thread.
struct WindowWork {
  ChipSize w;
  NccCorrelator coarse;
  std::vector<float> surf;    // lagRows × lagCols
  std::vector<float> rowMax;  // maximum of each surface row
  // Fine (chip-oversampling) stage, made on demand before a parallel loop.
  std::unique_ptr<ChipOversampler> ovRef, ovSec;
  std::unique_ptr<NccCorrelator> fine;
  std::vector<float> fineSurf;
  WindowWork(ChipSize ws, int sa, int sr, bool measure)
      : w(ws), coarse(ws.rows, ws.cols, ws.rows + 2 * sa, ws.cols + 2 * sr, measure) {
    surf.assign(static_cast<std::size_t>(coarse.lagRows()) * coarse.lagCols(), 0.0f);
    rowMax.assign(static_cast<std::size_t>(coarse.lagRows()), 0.0f);
  }
};

struct ThreadWork {
  std::vector<WindowWork> win;
  PeakRefiner coarseRefiner;
  PeakRefiner fineRefiner;
  ThreadWork(const OffsetParams& p)
      : coarseRefiner(p.peak_interp == PeakInterp::fft ? p.zoom : kSincHalf, p.oversample, p.peak_interp),
        fineRefiner(p.peak_interp == PeakInterp::fft ? p.zoom * p.raw_oversample : kSincHalf,
                    std::max(1, p.oversample / p.raw_oversample), p.peak_interp) {
    win.reserve(p.windows.size());
    for (const auto& w : p.windows) win.emplace_back(w, p.search_az, p.search_rg, p.fftw_measure);
  }
};

// Result of the coarse stage for one window.
struct Coarse {
  Flag flag = Flag::no_peak;
  int k = 0, l = 0;  // integer peak (lag indices)
  float peak = 0, snr = 0, ratio = 0;
  float caa = kNaN, crr = kNaN, car = kNaN;
  bool border = false;
};

template <class T>
struct Bands {
  const RowBand<T>& ref;
  const RowBand<T>& sec;
};

}  // namespace

struct OffsetEngine::Impl {
  OffsetParams p;
  std::int64_t length = 0, width = 0;
  OffsetGrid grid;
  std::vector<std::unique_ptr<ThreadWork>> work;
  bool fineReady = false;

  void ensureThreads() {
    const int n = std::max(1, threadCount());
    while (static_cast<int>(work.size()) < n) work.push_back(std::make_unique<ThreadWork>(p));
  }
  void ensureFine() {
    if (p.raw_oversample < 2) return;
    const int F = p.raw_oversample, Z = p.zoom;
    for (auto& tw : work)
      for (auto& ww : tw->win) {
        if (ww.fine) continue;
        const int zr = ww.w.rows + 2 * Z, zc = ww.w.cols + 2 * Z;
        ww.ovRef = std::make_unique<ChipOversampler>(ww.w.rows, ww.w.cols, F, p.fftw_measure);
        ww.ovSec = std::make_unique<ChipOversampler>(zr, zc, F, p.fftw_measure);
        ww.fine = std::make_unique<NccCorrelator>(F * ww.w.rows, F * ww.w.cols, F * zr, F * zc, p.fftw_measure);
        ww.fineSurf.assign(static_cast<std::size_t>(ww.fine->lagRows()) * ww.fine->lagCols(), 0.0f);
      }
  }

  template <class T>
  void run(const RowBand<T>& ref, const RowBand<T>& sec, std::int64_t i0, std::int64_t i1, OffsetField& out,
           const OffsetField* prior, bool complexInput);

  template <class T>
  void chip(ThreadWork& tw, const Bands<T>& b, std::int64_t i, std::int64_t j, OffsetField& out,
            const OffsetField* prior, bool useFine);

  template <class T>
  Coarse coarse(WindowWork& ww, const Bands<T>& b, std::int64_t cr, std::int64_t cc, int pa, int pr);

  template <class T>
  bool fine(ThreadWork& tw, WindowWork& ww, const Bands<T>& b, std::int64_t cr, std::int64_t cc, int pa, int pr,
            const Coarse& co, bool deramp, double& daz, double& drg, float& value);
};

namespace {

// Copies rows [r0, r0+rows) × cols [c0, c0+cols) (image coordinates) of a band as zero-mean
// amplitudes into dst (row stride ds). No-data pixels get the mean of the valid ones (so they add
// nothing after the mean is removed). Returns false when the no-data fraction is too large.
// The loops are branch-free with V independent lanes (a no-data test is a mask, not a branch) so
// that the compiler vectorizes them without reassociating: results do not depend on the ISA.
template <class T>
bool loadChip(const RowBand<T>& band, std::int64_t r0, std::int64_t c0, int rows, int cols, float* dst,
              std::int64_t ds, const OffsetParams& p, double& energy, double& rawEnergy) {
  constexpr int V = 8;
  const float nd = p.use_nodata_value ? p.nodata_value : std::numeric_limits<float>::quiet_NaN();
  double sum = 0;
  std::int64_t bad = 0;
  for (int r = 0; r < rows; ++r) {
    const T* src = band.view.row(r0 + r - band.first_row) + c0;
    float* d = dst + r * ds;
    float acc[V] = {};
    float nb[V] = {};
    int c = 0;
    if constexpr (std::is_same_v<T, float>) {
      // GCC/Clang vector extensions: element-wise IEEE operations, lane u holds columns c ≡ u
      // (mod 8) exactly as the scalar loop below, so the sums do not depend on the ISA.
      const v4f zero = {0.0f, 0.0f, 0.0f, 0.0f}, one = zero + 1.0f;
      v4f s0 = zero, s1 = zero, b0 = zero, b1 = zero;
      for (; c + V <= cols; c += V) {
        v4f a0, a1;
        std::memcpy(&a0, src + c, sizeof a0);
        std::memcpy(&a1, src + c + 4, sizeof a1);
        std::memcpy(d + c, &a0, sizeof a0);
        std::memcpy(d + c + 4, &a1, sizeof a1);
        const v4i ok0 = (a0 == a0) & (a0 != nd), ok1 = (a1 == a1) & (a1 != nd);
        // Masks as bit operations (a select would be lowered to scalar compares by GCC 12).
        s0 += reinterpret_cast<v4f>(reinterpret_cast<v4i>(a0) & ok0);
        s1 += reinterpret_cast<v4f>(reinterpret_cast<v4i>(a1) & ok1);
        b0 += reinterpret_cast<v4f>(~ok0 & reinterpret_cast<v4i>(one));
        b1 += reinterpret_cast<v4f>(~ok1 & reinterpret_cast<v4i>(one));
      }
      for (int u = 0; u < 4; ++u) {
        acc[u] = s0[u];
        acc[u + 4] = s1[u];
        nb[u] = b0[u];
        nb[u + 4] = b1[u];
      }
    } else {
      for (; c + V <= cols; c += V)
        for (int u = 0; u < V; ++u) {
          const float a = amplitude(src[c + u]);
          // NaN input gives a NaN amplitude (a != a); nd == NaN never matches.
          const bool ok = (a == a) & !isNodataValue(src[c + u], nd);
          d[c + u] = a;
          acc[u] += ok ? a : 0.0f;
          nb[u] += ok ? 0.0f : 1.0f;
        }
    }
    for (; c < cols; ++c) {
      const float a = amplitude(src[c]);
      const bool ok = (a == a) & !isNodataValue(src[c], nd);
      d[c] = a;
      acc[0] += ok ? a : 0.0f;
      nb[0] += ok ? 0.0f : 1.0f;
    }
    float rowBad = 0.0f;
    for (int u = 0; u < V; ++u) {
      sum += double(acc[u]);
      rowBad += nb[u];
    }
    bad += static_cast<std::int64_t>(rowBad);
  }
  const std::int64_t n = std::int64_t(rows) * cols;
  if (double(bad) > double(p.max_nodata_fraction) * double(n) || bad == n) return false;
  const double mean = sum / double(n - bad);
  const float meanf = static_cast<float>(mean);
  double e = 0;
  for (int r = 0; r < rows; ++r) {
    float* d = dst + r * ds;
    if (bad > 0) {
      const T* src = band.view.row(r0 + r - band.first_row) + c0;
      for (int c = 0; c < cols; ++c)
        if (!(d[c] == d[c]) || isNodataValue(src[c], nd)) d[c] = meanf;
    }
    float acc[V] = {};
    int c = 0;
    for (; c + V <= cols; c += V)
      for (int u = 0; u < V; ++u) {
        const float v = d[c + u] - meanf;
        d[c + u] = v;
        acc[u] += v * v;
      }
    for (; c < cols; ++c) {
      const float v = d[c] - meanf;
      d[c] = v;
      acc[0] += v * v;
    }
    for (int u = 0; u < V; ++u) e += double(acc[u]);
  }
  energy = e;
  rawEnergy = e + double(n) * mean * mean;  // Σ a² = Σ (a − mean)² + n·mean²
  return true;
}

template <class T>
bool inBand(const RowBand<T>& b, std::int64_t r0, std::int64_t c0, std::int64_t rows, std::int64_t cols) {
  return r0 >= b.first_row && r0 + rows <= b.first_row + b.view.length() && c0 >= 0 && c0 + cols <= b.view.width();
}

// Complex chip (rows × cols) into a contiguous buffer; no-data pixels become 0.
template <class T>
void loadComplex(const RowBand<T>& band, std::int64_t r0, std::int64_t c0, int rows, int cols, cfloat* dst,
                 const OffsetParams& p) {
  for (int r = 0; r < rows; ++r) {
    const T* src = band.view.row(r0 + r - band.first_row) + c0;
    cfloat* d = dst + static_cast<std::size_t>(r) * cols;
    for (int c = 0; c < cols; ++c)
      d[c] = isNodata(src[c], p.use_nodata_value, p.nodata_value) ? cfloat(0.0f, 0.0f) : asComplex(src[c]);
  }
}

// Zero-mean copy of a detected chip into a correlator buffer; returns Σ v².
double centre(RasterView<const float> a, float* dst, std::int64_t ds) {
  double sum = 0;
  for (std::int64_t r = 0; r < a.length(); ++r)
    for (std::int64_t c = 0; c < a.width(); ++c) sum += double(a(r, c));
  const double mean = sum / double(a.length() * a.width());
  double e = 0;
  for (std::int64_t r = 0; r < a.length(); ++r) {
    float* d = dst + r * ds;
    for (std::int64_t c = 0; c < a.width(); ++c) {
      const float v = static_cast<float>(double(a(r, c)) - mean);
      d[c] = v;
      e += double(v) * double(v);
    }
  }
  return e;
}

}  // namespace

template <class T>
Coarse OffsetEngine::Impl::coarse(WindowWork& ww, const Bands<T>& b, std::int64_t cr, std::int64_t cc, int pa,
                                  int pr) {
  Coarse res;
  const int R = ww.w.rows, C = ww.w.cols, Sa = p.search_az, Sr = p.search_rg;
  const std::int64_t r0 = cr - R / 2, c0 = cc - C / 2;
  const std::int64_t sr0 = r0 + pa - Sa, sc0 = c0 + pr - Sr;
  auto& nc = ww.coarse;
  if (r0 < 0 || r0 + R > length || sr0 < 0 || sr0 + R + 2 * Sa > length || !inBand(b.ref, r0, c0, R, C) ||
      !inBand(b.sec, sr0, sc0, R + 2 * Sa, C + 2 * Sr)) {
    res.flag = Flag::edge;
    return res;
  }
  double energy = 0, rawE = 0, sE = 0, sRawE = 0;
  if (!loadChip(b.ref, r0, c0, R, C, nc.chipBuffer(), nc.bufferStride(), p, energy, rawE) ||
      !loadChip(b.sec, sr0, sc0, R + 2 * Sa, C + 2 * Sr, nc.searchBuffer(), nc.bufferStride(), p, sE, sRawE)) {
    res.flag = Flag::nodata;
    return res;
  }
  if (!(energy > 1e-10 * rawE) || !(sE > 1e-10 * sRawE)) {
    res.flag = Flag::no_peak;  // constant chip or search window
    return res;
  }
  const int LR = nc.lagRows(), LC = nc.lagCols();
  RasterView<float> s(ww.surf.data(), LR, LC);
  if (nc.run(energy, s) == 0) {
    res.flag = Flag::no_peak;
    return res;
  }
  // Integer peak (first maximum in row-major order): the maximum of every row (vectorized),
  // then the first row that holds the overall maximum and its first column. The row maxima are
  // kept for the peak ratio below.
  float* rowMax = ww.rowMax.data();
  for (int k = 0; k < LR; ++k) rowMax[k] = maxOf(s.row(k), 0, LC);
  float best = -std::numeric_limits<float>::infinity();
  for (int k = 0; k < LR; ++k)
    if (rowMax[k] > best) {
      best = rowMax[k];
      res.k = k;
    }
  {
    const float* row = s.row(res.k);
    int l = 0;
    while (l < LC - 1 && !(row[l] == best)) ++l;
    res.l = l;
  }
  if (!(best > 0.0f)) {
    res.flag = Flag::no_peak;
    return res;
  }
  res.peak = best;
  res.flag = Flag::ok;
  res.border = res.k == 0 || res.l == 0 || res.k == LR - 1 || res.l == LC - 1;
  // SNR (ampcor): peak² over the mean of c² in the snr_box around the peak, the peak excluded.
  {
    const int h = p.snr_box / 2;
    double sum = 0;
    int count = 0;
    for (int k = std::max(0, res.k - h); k <= std::min(LR - 1, res.k + h); ++k)
      for (int l = std::max(0, res.l - h); l <= std::min(LC - 1, res.l + h); ++l) {
        sum += double(s(k, l)) * double(s(k, l));
        ++count;
      }
    const double p2 = double(best) * double(best);
    const double mean = count > 1 ? (sum - p2) / (count - 1) : 0.0;
    res.snr = mean > 0 ? static_cast<float>(p2 / mean) : std::numeric_limits<float>::infinity();
  }
  // Peak ratio: main peak over the highest value outside the exclusion box.
  {
    // Rows outside the excluded band: their row maxima; rows inside it: the columns outside.
    const int e = p.peak_exclusion;
    float second = -std::numeric_limits<float>::infinity();
    for (int k = 0; k < LR; ++k) {
      if (std::abs(k - res.k) > e) {
        second = std::max(second, rowMax[k]);
      } else {
        const float* row = s.row(k);
        second = std::max(second, maxOf(row, 0, std::max(0, res.l - e)));
        second = std::max(second, maxOf(row, std::min(LC, res.l + e + 1), LC));
      }
    }
    res.ratio = second > 1e-6f ? best / second : best / 1e-6f;
  }
  // Covariance from the curvature of the surface at the peak (ampcor model), px².
  if (!res.border) {
    const double n = double(R) * C;
    const int k = res.k, l = res.l;
    const double c0v = best;
    const double haa = -n * (double(s(k + 1, l)) + double(s(k - 1, l)) - 2 * c0v);
    const double hrr = -n * (double(s(k, l + 1)) + double(s(k, l - 1)) - 2 * c0v);
    const double har = -n * 0.25 * (double(s(k + 1, l + 1)) + double(s(k - 1, l - 1)) - double(s(k + 1, l - 1)) - double(s(k - 1, l + 1)));
    const double D = haa * hrr - har * har;
    if (std::fabs(D) >= 1e-2 && D > 0) {
      const double q = std::max(0.0, 1.0 - c0v);
      const double n2 = 2.0 * q, n4 = 0.5 * n * q * q, D2 = D * D;
      res.caa = static_cast<float>(n2 * hrr / D + n4 * (hrr * hrr + har * har) / D2);
      res.crr = static_cast<float>(n2 * haa / D + n4 * (haa * haa + har * har) / D2);
      res.car = static_cast<float>(-n2 * har / D - n4 * har * (haa + hrr) / D2);
    }
  }
  return res;
}

template <class T>
bool OffsetEngine::Impl::fine(ThreadWork& tw, WindowWork& ww, const Bands<T>& b, std::int64_t cr, std::int64_t cc,
                              int pa, int pr, const Coarse& co, bool doDeramp, double& daz, double& drg,
                              float& value) {
  const int R = ww.w.rows, C = ww.w.cols, Z = p.zoom, F = p.raw_oversample;
  const std::int64_t r0 = cr - R / 2, c0 = cc - C / 2;
  const int ia = co.k - p.search_az + pa, ir = co.l - p.search_rg + pr;  // integer offset
  const int zr = R + 2 * Z, zc = C + 2 * Z;
  // Zoom window centred on the integer peak, moved inside the image/band when it would leave it
  // (the fine peak is then off-centre but still on the fine surface).
  const std::int64_t rLo = std::max<std::int64_t>(0, b.sec.first_row),
                     rHi = std::min<std::int64_t>(length, b.sec.first_row + b.sec.view.length());
  const std::int64_t zr0 = std::clamp<std::int64_t>(r0 + ia - Z, rLo, rHi - zr);
  const std::int64_t zc0 = std::clamp<std::int64_t>(c0 + ir - Z, 0, width - zc);
  if (rHi - rLo < zr || width < zc || !inBand(b.sec, zr0, zc0, zr, zc)) return false;
  if (std::abs(zr0 - (r0 + ia - Z)) >= Z || std::abs(zc0 - (c0 + ir - Z)) >= Z) return false;  // peak off the zoom
  loadComplex(b.ref, r0, c0, R, C, ww.ovRef->input(), p);
  loadComplex(b.sec, zr0, zc0, zr, zc, ww.ovSec->input(), p);
  auto& fc = *ww.fine;
  // Oversample, detect, then copy zero-mean into the fine correlator's buffers. The detected chips
  // go through the correlator buffers directly (stride = buffer stride).
  RasterView<float> refAmp(fc.chipBuffer(), F * R, F * C, fc.bufferStride());
  RasterView<float> secAmp(fc.searchBuffer(), F * zr, F * zc, fc.bufferStride());
  ww.ovRef->run(doDeramp, refAmp);
  ww.ovSec->run(doDeramp, secAmp);
  const double e = centre(refAmp, fc.chipBuffer(), fc.bufferStride());
  centre(secAmp, fc.searchBuffer(), fc.bufferStride());
  const int LR = fc.lagRows(), LC = fc.lagCols();
  RasterView<float> s(ww.fineSurf.data(), LR, LC);
  if (fc.run(e, s) == 0) return false;
  float best = -std::numeric_limits<float>::infinity();
  int bk = 0, bl = 0;
  for (int k = 0; k < LR; ++k)
    for (int l = 0; l < LC; ++l)
      if (s(k, l) > best) {
        best = s(k, l);
        bk = k;
        bl = l;
      }
  // The FFT patch is centred on the integer peak's place on the fine surface (PyCuAmpcor).
  const SubpixelPeak sp = tw.fineRefiner.refine(s, bk, bl, static_cast<int>((r0 + ia - zr0) * F),
                                                static_cast<int>((c0 + ir - zc0) * F));
  if (!sp.valid) return false;
  // Fine lag index k places the reference chip at secondary row zr0 + k/F.
  daz = double(zr0 - r0) + (bk + sp.dr) / F;
  drg = double(zc0 - c0) + (bl + sp.dc) / F;
  value = sp.value;
  return true;
}

template <class T>
void OffsetEngine::Impl::chip(ThreadWork& tw, const Bands<T>& b, std::int64_t i, std::int64_t j, OffsetField& out,
                              const OffsetField* prior, bool useFine) {
  const std::int64_t cr = grid.centreRow(i), cc = grid.centreCol(j);
  int pa = 0, pr = 0;
  if (prior) {
    const float a = prior->azimuth_offset(i, j), r = prior->range_offset(i, j);
    if (std::isfinite(a) && std::fabs(a) < 1e6f) pa = static_cast<int>(std::lround(a));
    if (std::isfinite(r) && std::fabs(r) < 1e6f) pr = static_cast<int>(std::lround(r));
  }
  // Coarse stage for every window; keep the highest SNR (interior peaks first).
  int bestW = -1;
  Coarse best;
  bool anyNodata = false, anyNoPeak = false;
  for (std::size_t w = 0; w < tw.win.size(); ++w) {
    const Coarse c = coarse(tw.win[w], b, cr, cc, pa, pr);
    if (c.flag == Flag::nodata) anyNodata = true;
    if (c.flag == Flag::no_peak) anyNoPeak = true;
    if (c.flag != Flag::ok) continue;
    const bool better = bestW < 0 || (best.border && !c.border) || (best.border == c.border && c.snr > best.snr);
    if (better) {
      best = c;
      bestW = static_cast<int>(w);
    }
  }
  auto setInvalid = [&](Flag f) {
    for (auto* r : {&out.range_offset, &out.azimuth_offset, &out.snr, &out.ncc, &out.cov_rr, &out.cov_aa, &out.cov_ra,
                    &out.peak_ratio})
      (*r)(i, j) = kNaN;
    out.window(i, j) = 0;
    out.flag(i, j) = static_cast<std::uint8_t>(f);
  };
  if (bestW < 0) {
    setInvalid(anyNodata ? Flag::nodata : anyNoPeak ? Flag::no_peak : Flag::edge);
    return;
  }
  WindowWork& ww = tw.win[static_cast<std::size_t>(bestW)];
  double daz = best.k - p.search_az + pa, drg = best.l - p.search_rg + pr;
  float value = best.peak;
  Flag flag = Flag::ok;
  if (best.border) {
    flag = Flag::edge;
  } else {
    bool done = false;
    if (useFine) done = fine(tw, ww, b, cr, cc, pa, pr, best, p.deramp && std::is_same_v<T, cfloat>, daz, drg, value);
    if (!done) {
      RasterView<const float> s(ww.surf.data(), ww.coarse.lagRows(), ww.coarse.lagCols());
      const SubpixelPeak sp = tw.coarseRefiner.refine(s, best.k, best.l);
      if (sp.valid) {
        daz += sp.dr;
        drg += sp.dc;
        value = sp.value;
      } else {
        flag = Flag::edge;
      }
    }
  }
  out.azimuth_offset(i, j) = static_cast<float>(daz);
  out.range_offset(i, j) = static_cast<float>(drg);
  out.snr(i, j) = best.snr;
  out.ncc(i, j) = value;
  out.cov_aa(i, j) = best.caa;
  out.cov_rr(i, j) = best.crr;
  out.cov_ra(i, j) = best.car;
  out.peak_ratio(i, j) = best.ratio;
  out.window(i, j) = static_cast<std::uint16_t>(ww.w.cols);
  out.flag(i, j) = static_cast<std::uint8_t>(flag);
}

template <class T>
void OffsetEngine::Impl::run(const RowBand<T>& ref, const RowBand<T>& sec, std::int64_t i0, std::int64_t i1,
                             OffsetField& out, const OffsetField* prior, bool complexInput) {
  if (ref.view.width() != width || sec.view.width() != width)
    throw InvalidInput("band width differs from the image width " + std::to_string(width),
                       {"", "offsets.band", std::to_string(ref.view.width()) + "/" + std::to_string(sec.view.width())});
  if (i0 < 0 || i1 > grid.rows || i0 > i1)
    throw InvalidInput("grid rows out of range [0, " + std::to_string(grid.rows) + ")",
                       {"", "offsets.rows", std::to_string(i0) + ".." + std::to_string(i1)});
  if (out.grid.rows != grid.rows || out.grid.cols != grid.cols || out.grid.row0 != grid.row0 ||
      out.grid.col0 != grid.col0 || out.grid.step_az != grid.step_az || out.grid.step_rg != grid.step_rg ||
      out.range_offset.length() != grid.rows || out.range_offset.width() != grid.cols)
    throw InvalidInput("output field is not on the engine's grid", {"", "offsets.output", ""});
  if (prior && (prior->grid.rows != grid.rows || prior->grid.cols != grid.cols || prior->grid.row0 != grid.row0 ||
                prior->grid.col0 != grid.col0 || prior->grid.step_az != grid.step_az ||
                prior->grid.step_rg != grid.step_rg || prior->range_offset.length() != grid.rows))
    throw InvalidInput("prior offset field is not on the engine's grid",
                       {"", "offsets.prior", std::to_string(prior->grid.rows) + "x" + std::to_string(prior->grid.cols)});
  ensureThreads();
  const bool useFine = p.raw_oversample > 1 && (complexInput || p.oversample_detected);
  if (useFine) ensureFine();
  const Bands<T> b{ref, sec};
  const std::int64_t cols = grid.cols, n = (i1 - i0) * cols;
  const std::int64_t chunk = 16;  // chips per task: fixed, so results never depend on the thread count
  const std::int64_t tasks = (n + chunk - 1) / chunk;
  parallelFor(tasks, [&](std::int64_t t) {
    ThreadWork& tw = *work[static_cast<std::size_t>(threadIndex())];
    for (std::int64_t q = t * chunk; q < std::min(n, (t + 1) * chunk); ++q)
      chip(tw, b, i0 + q / cols, q % cols, out, prior, useFine);
  });
}

OffsetEngine::OffsetEngine(const OffsetParams& params, std::int64_t length, std::int64_t width)
    : impl_(std::make_unique<Impl>()) {
  impl_->p = params;
  impl_->length = length;
  impl_->width = width;
  impl_->grid = makeGrid(params, length, width);  // validates
  impl_->ensureThreads();
  log::get("offsets")->debug("offset grid {}x{} (row0 {}, col0 {}, step {}x{}), {} window(s)", impl_->grid.rows,
                             impl_->grid.cols, impl_->grid.row0, impl_->grid.col0, impl_->grid.step_az,
                             impl_->grid.step_rg, params.windows.size());
}
OffsetEngine::~OffsetEngine() = default;
OffsetEngine::OffsetEngine(OffsetEngine&&) noexcept = default;
OffsetEngine& OffsetEngine::operator=(OffsetEngine&&) noexcept = default;
const OffsetGrid& OffsetEngine::grid() const { return impl_->grid; }
const OffsetParams& OffsetEngine::params() const { return impl_->p; }

RowRange OffsetEngine::referenceRows(std::int64_t i0, std::int64_t i1) const {
  const auto& m = *impl_;
  int maxRows = 0;
  for (const auto& w : m.p.windows) maxRows = std::max(maxRows, w.rows);
  if (i1 <= i0) return {0, 0};
  const std::int64_t b = m.grid.centreRow(i0) - maxRows / 2, e = m.grid.centreRow(i1 - 1) - maxRows / 2 + maxRows;
  return {std::clamp<std::int64_t>(b, 0, m.length), std::clamp<std::int64_t>(e, 0, m.length)};
}

RowRange OffsetEngine::secondaryRows(std::int64_t i0, std::int64_t i1, double priorMax) const {
  const auto& m = *impl_;
  int maxRows = 0;
  for (const auto& w : m.p.windows) maxRows = std::max(maxRows, w.rows);
  if (i1 <= i0) return {0, 0};
  const std::int64_t margin = m.p.search_az + m.p.zoom + static_cast<std::int64_t>(std::ceil(std::fabs(priorMax))) + 1;
  const std::int64_t b = m.grid.centreRow(i0) - maxRows / 2 - margin;
  const std::int64_t e = m.grid.centreRow(i1 - 1) - maxRows / 2 + maxRows + margin;
  return {std::clamp<std::int64_t>(b, 0, m.length), std::clamp<std::int64_t>(e, 0, m.length)};
}

void OffsetEngine::process(const RowBand<float>& ref, const RowBand<float>& sec, std::int64_t i0, std::int64_t i1,
                           OffsetField& out, const OffsetField* prior) {
  impl_->run(ref, sec, i0, i1, out, prior, false);
}
void OffsetEngine::process(const RowBand<cfloat>& ref, const RowBand<cfloat>& sec, std::int64_t i0, std::int64_t i1,
                           OffsetField& out, const OffsetField* prior) {
  impl_->run(ref, sec, i0, i1, out, prior, true);
}

std::size_t OffsetEngine::workspaceBytes() const {
  std::size_t n = 0;
  for (const auto& tw : impl_->work)
    for (const auto& ww : tw->win) {
      n += ww.coarse.bytes() + ww.surf.size() * sizeof(float);
      if (ww.fine) n += ww.fine->bytes() + ww.ovRef->bytes() + ww.ovSec->bytes() + ww.fineSurf.size() * sizeof(float);
    }
  return n;
}

namespace {
template <class T>
OffsetField estimateImpl(RasterView<const T> ref, RasterView<const T> sec, const OffsetParams& params,
                         const OffsetField* prior) {
  if (ref.length() != sec.length() || ref.width() != sec.width())
    throw InvalidInput("secondary size " + std::to_string(sec.length()) + "x" + std::to_string(sec.width()) +
                           " differs from reference size " + std::to_string(ref.length()) + "x" +
                           std::to_string(ref.width()) + " (co-register the pair first)",
                       {"", "offsets.secondary", std::to_string(sec.length()) + "x" + std::to_string(sec.width())});
  OffsetEngine eng(params, ref.length(), ref.width());
  OffsetField out(eng.grid());
  eng.process(RowBand<T>{ref, 0}, RowBand<T>{sec, 0}, 0, eng.grid().rows, out, prior);
  screenOutliers(out, params);
  return out;
}
}  // namespace

OffsetField estimateOffsets(RasterView<const float> ref, RasterView<const float> sec, const OffsetParams& params,
                            const OffsetField* prior) {
  return estimateImpl(ref, sec, params, prior);
}
OffsetField estimateOffsets(RasterView<const cfloat> ref, RasterView<const cfloat> sec, const OffsetParams& params,
                            const OffsetField* prior) {
  return estimateImpl(ref, sec, params, prior);
}

}  // namespace orthotrack::offsets

#pragma once
/// Kernels of the offset tracker, public so that tests and other modules can use them alone:
/// the FFT zero-mean NCC of one chip against all placements in a search chip, the sub-pixel peak
/// refiner (trigonometric interpolation of the correlation surface) and the complex chip
/// oversampler. Each object owns its buffers (allocated once, FFTW-aligned) and uses FFTW plans
/// from a process-wide cache (created under a mutex, executed concurrently). One object per thread.
#include <cstdint>
#include <memory>
#include <vector>

#include "orthotrack/core/raster.hpp"

namespace orthotrack::offsets {

/// Smallest m >= n whose only prime factors are 2, 3 and 5 (n >= 1).
int smoothSize(int n);

/// Zero-mean normalized cross-correlation of a chip (rows × cols) against every placement inside a
/// search chip (search_rows × search_cols):
///   ncc(k, l) = Σ (a − ā)(b_kl − b̄_kl) / sqrt(Σ (a − ā)² · Σ (b_kl − b̄_kl)²),
/// b_kl the search pixels under the chip placed at (k, l), k in [0, lagRows()), l in [0, lagCols()).
/// The numerator is one r2c/c2r correlation at a 2/3/5-smooth FFT size >= the search chip (row
/// transforms pruned to the non-zero input rows and the needed output rows); the denominators come
/// from sliding (summed-area) sums of the search chip and its square, O(1) per lag.
/// Lags where the search window is constant get 0.
class NccCorrelator {
 public:
  NccCorrelator(int rows, int cols, int search_rows, int search_cols, bool fftw_measure = true);
  ~NccCorrelator();
  NccCorrelator(NccCorrelator&&) noexcept;
  NccCorrelator& operator=(NccCorrelator&&) noexcept;
  NccCorrelator(const NccCorrelator&) = delete;
  NccCorrelator& operator=(const NccCorrelator&) = delete;

  int rows() const;
  int cols() const;
  int searchRows() const;
  int searchCols() const;
  int lagRows() const;  ///< search_rows − rows + 1
  int lagCols() const;  ///< search_cols − cols + 1
  int fftRows() const;
  int fftCols() const;

  /// Copies the chips, removes their means and fills `out` (lagRows × lagCols). Returns the number
  /// of lags with a non-constant search window (0: no correlation possible, also when the chip is
  /// constant).
  int correlate(RasterView<const float> chip, RasterView<const float> search, RasterView<float> out);

  /// Zero-copy use: write the zero-mean chip into chipBuffer() (row stride bufferStride(), only the
  /// first cols() of each row) and the search chip (any constant removed, for precision) into
  /// searchBuffer(), then run() with the chip energy Σ chip². Returns as correlate().
  float* chipBuffer();
  float* searchBuffer();
  std::int64_t bufferStride() const;
  int run(double chip_energy, RasterView<float> out);

  /// Bytes of buffers held.
  std::size_t bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Result of a sub-pixel refinement, in samples of the surface relative to the integer peak.
struct SubpixelPeak {
  double dr = 0.0;    ///< rows
  double dc = 0.0;    ///< cols
  float value = 0.0f; ///< interpolated surface value at the refined peak
  bool valid = false; ///< false when the peak lies on the surface border (no patch)
};

/// How a correlation surface is interpolated around its peak (OffsetParams::peak_interp).
enum class PeakInterp : std::uint8_t {
  /// Normalized Lanczos-windowed sinc on the samples around the peak (default).
  lanczos = 0,
  /// Trigonometric interpolation of a 2m × 2m patch, i.e. FFT zero-padding of the patch taken as
  /// periodic (PyCuAmpcor's correlation-surface oversampler, oversamplingMethod 0).
  fft = 1,
};

/// Sub-pixel peak of a sampled surface, searched on the grid of step 1/factor sample within ±1
/// sample of the integer peak (pr, pc).
///
/// PeakInterp::lanczos (`half` = L, the kernel half-width in samples): the surface is interpolated
/// with a normalized Lanczos-windowed sinc, K(x) = sinc(x)·sinc(x/L) for |x| < L (weights divided
/// by their sum so that a constant is reproduced; L reduced near the surface border so that the
/// taps stay on the surface, but not below 3 (a shorter kernel cannot rise above its samples and
/// would lock the peak to whole samples): beyond the border the border sample repeats); the
/// search is coarse to fine (steps factor/4, factor/16, ... 1 in units of 1/factor, each stage
/// within ± the previous step). Cost: a few 9 × 9 evaluations, independent of factor.
///
/// PeakInterp::fft (`half` = m): the N × N patch (N = 2m) with its centre sample at the patch
/// centre (cy, cx) (moved inside the surface) is interpolated as its N-point DFT zero-padded
/// factor times: with x the patch samples and d a distance in samples,
///   value(ty, tx) = Re Σ x(ny, nx) K(ny − ty) K(nx − tx),
///   K(d) = (1/N) Σ_{κ=−N/2}^{N/2−1} exp(2πiκd/N)   (the Nyquist term on one side, as PyCuAmpcor),
/// which equals the real part of PyCuAmpcor's FFT-oversampled surface at the grid points. Every
/// grid point within ±1 sample of the integer peak is evaluated ((2·factor + 1)² points).
class PeakRefiner {
 public:
  PeakRefiner(int half, int factor, PeakInterp interp = PeakInterp::lanczos);
  SubpixelPeak refine(RasterView<const float> surface, int pr, int pc);
  /// PeakInterp::fft with the patch centred on (cy, cx) instead of the peak (lanczos: as refine()).
  SubpixelPeak refine(RasterView<const float> surface, int pr, int pc, int cy, int cx);
  int half() const { return half_; }
  int factor() const { return factor_; }
  PeakInterp interp() const { return interp_; }

 private:
  static constexpr int kMaxPos = 17;
  void weights(int L, int j0, int dj, int n, float* w) const;
  void evaluate(int L, int jy0, int jx0, int dj, int n, int& bjy, int& bjx, float& best);
  SubpixelPeak refinePeriodic(RasterView<const float> surface, int pr, int pc, int cy, int cx);
  int half_, factor_;
  PeakInterp interp_;
  std::vector<std::vector<float>> tables_;  // [L]: K_L(q / factor), q in [−(L+2)·factor, (L+2)·factor]
  std::vector<float> patch_, rowI_, ky_, kx_;
  std::vector<double> kre_, kim_;  // periodic kernel at the 2·factor + 1 positions, N taps each
  std::vector<double> gre_, gim_;  // rows interpolated: (2·factor + 1) × N
};

/// FFT oversampling of complex chips (rows × cols) by an integer factor: forward DFT, the spectrum
/// placed in the corners of a (factor·rows) × (factor·cols) zero array (the Nyquist bin of an even
/// axis on the negative side), inverse DFT, scaled to keep amplitudes; optionally after removing
/// the mean phase ramp along each axis (deramping), then detected (amplitude).
class ChipOversampler {
 public:
  ChipOversampler(int rows, int cols, int factor, bool fftw_measure = true);
  ~ChipOversampler();
  ChipOversampler(ChipOversampler&&) noexcept;
  ChipOversampler& operator=(ChipOversampler&&) noexcept;
  ChipOversampler(const ChipOversampler&) = delete;
  ChipOversampler& operator=(const ChipOversampler&) = delete;

  /// Input buffer, rows × cols, contiguous rows.
  cfloat* input();
  /// Deramps (when asked), oversamples and writes amplitudes to out (factor·rows × factor·cols).
  void run(bool deramp, RasterView<float> out);
  /// The oversampled complex chip of the last run (factor·rows × factor·cols, contiguous).
  const cfloat* oversampled() const;
  int rows() const;
  int cols() const;
  int factor() const;
  std::size_t bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Removes the mean phase ramp of a complex chip in place: the mean phase increments along rows
/// and columns, arg Σ z(r, c+1)·conj(z(r, c)) and arg Σ z(r+1, c)·conj(z(r, c)), are taken off.
void deramp(cfloat* chip, int rows, int cols);

}  // namespace orthotrack::offsets

#pragma once
/// Offset tracking: zero-mean normalized cross-correlation (NCC) of reference chips against a
/// secondary image on a regular chip grid, with sub-pixel peaks, quality measures and screening.
///
/// Conventions (docs/conventions.md): indices are (row, col) = (azimuth line, range sample);
/// offsets are secondary minus reference, in pixels of the reference grid: a feature at column c of
/// the reference found at column c + 3 of the secondary gives range_offset = +3 (rows likewise give
/// azimuth_offset). Output pixel (i, j) is the chip centred at reference pixel
/// (row0 + i·step_az, col0 + j·step_rg); a chip of R × C pixels covers rows
/// [centre_row − R/2, centre_row − R/2 + R) (integer division), columns likewise.
///
/// Equations, defaults and measured accuracy/speed: docs/offsets.md.
///
/// Example:
/// @code
///   orthotrack::offsets::OffsetParams p;            // windows 64, 96, 128; search ±32; step 16
///   p.windows = {{64, 64}};
///   auto field = orthotrack::offsets::estimateOffsets(ref.cview(), sec.cview(), p);
///   float dx = field.range_offset(i, j);            // px, secondary − reference
/// @endcode
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "orthotrack/core/raster.hpp"
#include "orthotrack/offsets/ncc.hpp"

namespace orthotrack::offsets {

/// Quality flag of one estimate (the first reason that applies). Values are stable: they are
/// written to the `flag` band of offset products.
enum class Flag : std::uint8_t {
  ok = 0,        ///< valid estimate
  low_snr = 1,   ///< SNR below OffsetParams::min_snr (values kept)
  low_ncc = 2,   ///< peak NCC below OffsetParams::min_ncc (values kept)
  edge = 3,      ///< chip/search window outside the image (values NaN), or the correlation peak lies
                 ///< on the border of the search range (integer offset kept, no sub-pixel step)
  nodata = 4,    ///< too much no-data in the reference chip or search window (values NaN)
  no_peak = 5,   ///< no correlation peak: textureless (constant) chip or search window (values NaN)
  outlier = 6,   ///< failed the normalized median test or the maximum displacement (values kept)
};
/// Name of a flag ("ok", "low_snr", ...).
const char* flagName(Flag f);

/// A chip (template) size in pixels: rows (azimuth) × cols (range).
struct ChipSize {
  int rows = 64;
  int cols = 64;
  bool operator==(const ChipSize&) const = default;
};

/// Parameters of the offset tracker. Keys are named `offsets.<member>` in errors and configs.
struct OffsetParams {
  /// Chip sizes to try at each grid point (px). With more than one, the estimate with the highest
  /// SNR is kept (the paper's varying window).
  std::vector<ChipSize> windows = {{64, 64}, {96, 96}, {128, 128}};
  /// Half search range (px): lags −search … +search around the prior offset are searched.
  int search_az = 32;
  int search_rg = 32;
  /// Grid step between chip centres (px).
  int step_az = 16;
  int step_rg = 16;
  /// Centre of the first chip (reference px). −1: the first centre where the smallest window and
  /// its search range fit inside the image.
  std::int64_t start_row = -1;
  std::int64_t start_col = -1;
  /// Number of grid rows/cols. −1: as many as fit (the smallest window and its search range inside).
  std::int64_t grid_rows = -1;
  std::int64_t grid_cols = -1;
  /// Total oversampling of the correlation peak: offsets are quantized to 1/oversample px. 1..128.
  int oversample = 16;
  /// Anti-alias oversampling of the chips before detection (1 or 2). Applied to complex input
  /// (SLC) always; to real (already detected) input only when oversample_detected is true.
  int raw_oversample = 2;
  /// Also oversample real (detected) chips by raw_oversample before the fine correlation (the
  /// ampcor way). Off by default: it cannot undo the aliasing of detection and costs ~3x.
  bool oversample_detected = false;
  /// Half-width (raw px) of the zoom region around the integer peak used by the sub-pixel step.
  int zoom = 4;
  /// Interpolation of the correlation surface around its peak: lanczos (default) or fft, the
  /// trigonometric interpolation of a 2m × 2m patch as PyCuAmpcor's FFT oversampler, with
  /// m = zoom·raw_oversample samples on the chip-oversampled surface (PyCuAmpcor's
  /// corrSurfaceZoomInWindow = 2m) and m = zoom on the integer-lag surface. See PeakRefiner.
  PeakInterp peak_interp = PeakInterp::lanczos;
  /// Remove the mean phase ramp of complex chips before oversampling them (ampcor derampMethod 1).
  bool deramp = true;
  /// Side (px, odd) of the box around the peak used for the SNR (ampcor: 21).
  int snr_box = 21;
  /// Half-width (px) of the box around the main peak excluded when looking for the second peak.
  int peak_exclusion = 2;
  /// Thresholds; an estimate below them is flagged (values kept). 0 disables.
  float min_snr = 0.0f;
  float min_ncc = 0.0f;
  /// Normalized median test (Westerweel & Scarano 2005) over the (2·median_radius+1)² neighbours:
  /// |u − median| / (median of neighbour residuals + median_epsilon) > median_threshold → outlier.
  /// 0 disables.
  float median_threshold = 3.0f;
  int median_radius = 1;
  float median_epsilon = 0.1f;  ///< px
  /// Largest plausible displacement magnitude (px); larger estimates are flagged outlier. 0 disables.
  float max_displacement = 0.0f;
  /// Pixels equal to nodata_value (when use_nodata_value) or NaN are no-data. For complex input,
  /// a pixel is no-data when both parts equal nodata_value or either is NaN.
  bool use_nodata_value = true;
  float nodata_value = 0.0f;
  /// Largest fraction of no-data pixels in a reference chip or search window (0..1).
  float max_nodata_fraction = 0.1f;
  /// FFTW planning: true = FFTW_MEASURE (slower planning, faster transforms), false = ESTIMATE.
  bool fftw_measure = true;

  /// Throws InvalidInput naming the key (offsets.<member>) and the value.
  void validate() const;
  /// Also checks the parameters against an image of length × width (windows and search fit).
  void validate(std::int64_t length, std::int64_t width) const;
};

/// The chip grid: output pixel (i, j) is the chip centred at reference pixel
/// (row0 + i·step_az, col0 + j·step_rg).
struct OffsetGrid {
  std::int64_t row0 = 0, col0 = 0;
  std::int64_t step_az = 1, step_rg = 1;
  std::int64_t rows = 0, cols = 0;
  std::int64_t centreRow(std::int64_t i) const { return row0 + i * step_az; }
  std::int64_t centreCol(std::int64_t j) const { return col0 + j * step_rg; }
};

/// Offsets and quality per grid point. Invalid values are NaN.
struct OffsetField {
  OffsetGrid grid;
  Raster<float> range_offset;    ///< px, secondary − reference, along range (columns)
  Raster<float> azimuth_offset;  ///< px, secondary − reference, along azimuth (rows)
  Raster<float> snr;             ///< ampcor SNR: peak² / mean c² in the snr_box around the peak (peak excluded)
  Raster<float> ncc;             ///< peak value of the oversampled NCC surface (−1..1)
  Raster<float> cov_rr;          ///< px², variance of range_offset (peak curvature, ampcor model)
  Raster<float> cov_aa;          ///< px², variance of azimuth_offset
  Raster<float> cov_ra;          ///< px², covariance of range and azimuth offsets
  Raster<float> peak_ratio;      ///< main peak / highest NCC outside the exclusion box (≥ 1 when unique)
  Raster<std::uint16_t> window;  ///< range size (cols, px) of the chip kept; 0 when none
  Raster<std::uint8_t> flag;     ///< Flag values

  OffsetField() = default;
  explicit OffsetField(const OffsetGrid& g);
  /// Flag at (i, j).
  Flag flagAt(std::int64_t i, std::int64_t j) const { return static_cast<Flag>(flag(i, j)); }
};

/// The grid the parameters give on an image of length × width (after validate()).
OffsetGrid makeGrid(const OffsetParams& p, std::int64_t length, std::int64_t width);

/// A band of rows of an image: `view` holds image rows [first_row, first_row + view.length()) and
/// all its columns (view.width() == image width).
template <class T>
struct RowBand {
  RasterView<const T> view;
  std::int64_t first_row = 0;
};

/// Rows [begin, end) of an image.
struct RowRange {
  std::int64_t begin = 0, end = 0;
};

/// Streaming offset tracker. Construct once for an image size and parameters (FFTW plans and one
/// workspace per thread are made here), then call process() on successive bands of grid rows with
/// the reference and secondary rows they need (referenceRows(), secondaryRows()). Memory is then
/// bounded by the bands plus workspaceBytes(), whatever the image size. After the last band, call
/// screenOutliers() on the whole field (its median test looks across band borders).
class OffsetEngine {
 public:
  /// Throws InvalidInput (via OffsetParams::validate) for bad parameters.
  OffsetEngine(const OffsetParams& params, std::int64_t length, std::int64_t width);
  ~OffsetEngine();
  OffsetEngine(OffsetEngine&&) noexcept;
  OffsetEngine& operator=(OffsetEngine&&) noexcept;
  OffsetEngine(const OffsetEngine&) = delete;
  OffsetEngine& operator=(const OffsetEngine&) = delete;

  const OffsetGrid& grid() const;
  const OffsetParams& params() const;
  /// Reference rows needed for grid rows [i0, i1) (clipped to the image).
  RowRange referenceRows(std::int64_t i0, std::int64_t i1) const;
  /// Secondary rows needed for grid rows [i0, i1) when the prior azimuth offsets of those rows lie
  /// within ±prior_max_abs_az px (clipped to the image).
  RowRange secondaryRows(std::int64_t i0, std::int64_t i1, double prior_max_abs_az = 0.0) const;

  /// Estimates grid rows [i0, i1) into `out` (which must have been made with OffsetField(grid())).
  /// Bands must hold the rows named by referenceRows()/secondaryRows(); a chip needing rows outside
  /// a band is flagged edge. `prior`, when given, has the same grid; its rounded offsets shift the
  /// search windows (NaN prior = 0). No screening here (see screenOutliers()).
  void process(const RowBand<float>& ref, const RowBand<float>& sec, std::int64_t i0, std::int64_t i1,
               OffsetField& out, const OffsetField* prior = nullptr);
  /// Complex (SLC) input: amplitudes are correlated for the integer peak; the complex chips are then
  /// oversampled raw_oversample times (optionally deramped) before detection for the sub-pixel step.
  void process(const RowBand<cfloat>& ref, const RowBand<cfloat>& sec, std::int64_t i0, std::int64_t i1,
               OffsetField& out, const OffsetField* prior = nullptr);

  /// Bytes held by the per-thread workspaces (FFT buffers, surfaces).
  std::size_t workspaceBytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Flags estimates (values are kept): SNR/NCC thresholds, maximum displacement, then the normalized
/// median test against the neighbours that were ok before screening. Only estimates flagged ok are
/// screened. Deterministic and independent of thread count.
void screenOutliers(OffsetField& field, const OffsetParams& params);

/// Whole-image convenience: validates, makes the grid, runs OffsetEngine on all rows and screens.
/// The images must have the same size. `prior` (optional) must be on the same grid.
OffsetField estimateOffsets(RasterView<const float> ref, RasterView<const float> sec, const OffsetParams& params,
                            const OffsetField* prior = nullptr);
/// Complex (SLC) input; see OffsetEngine::process for how complex chips are handled.
OffsetField estimateOffsets(RasterView<const cfloat> ref, RasterView<const cfloat> sec, const OffsetParams& params,
                            const OffsetField* prior = nullptr);

/// Rows [row0, row0 + rows) of an image, all its columns, written row-major into `out`. Called outside
/// parallel regions.
template <class T>
using RowSource = std::function<void(std::int64_t row0, std::int64_t rows, T* out)>;

/// A window of consecutive image rows filled from a RowSource: moving it to rows [begin, end) keeps
/// the rows it already holds and asks the source only for the others, so a sequence of increasing
/// windows reads every row once. Holds one window (plus, while moving, the part it keeps).
template <class T>
class RollingRows {
 public:
  RollingRows(RowSource<T> source, std::int64_t width) : src_(std::move(source)), width_(width) {}
  /// Rows [begin, end) of the image (valid until the next call).
  RowBand<T> rows(std::int64_t begin, std::int64_t end) {
    const std::int64_t n = std::max<std::int64_t>(0, end - begin);
    const std::int64_t k0 = std::max(begin, first_), k1 = std::min(end, first_ + count_);
    std::vector<T> next(static_cast<std::size_t>(n * width_));
    if (k1 > k0)
      std::copy(buf_.begin() + (k0 - first_) * width_, buf_.begin() + (k1 - first_) * width_, next.begin() + (k0 - begin) * width_);
    buf_.clear();
    buf_.shrink_to_fit();
    buf_ = std::move(next);
    if (k1 > k0) {
      if (k0 > begin) src_(begin, k0 - begin, buf_.data());
      if (end > k1) src_(k1, end - k1, buf_.data() + (k1 - begin) * width_);
    } else if (n > 0) {
      src_(begin, n, buf_.data());
    }
    first_ = begin;
    count_ = n;
    return {RasterView<const T>(buf_.data(), n, width_), begin};
  }

 private:
  RowSource<T> src_;
  std::int64_t width_ = 0, first_ = 0, count_ = 0;
  std::vector<T> buf_;
};

/// Streamed estimateOffsets: the reference and secondary (both length × width) are read band by
/// band (`band_grid_rows` grid rows per band, through RollingRows, so every row is read once) and
/// screened at the end. Gives the same field as estimateOffsets on the whole images. `on_band`, when
/// set, is called before each band's rows are requested with the rows the band needs.
OffsetField estimateOffsetsStreamed(const RowSource<float>& ref, const RowSource<float>& sec, std::int64_t length,
                                    std::int64_t width, const OffsetParams& params, std::int64_t band_grid_rows,
                                    const std::function<void(RowRange ref, RowRange sec)>& on_band = {});
OffsetField estimateOffsetsStreamed(const RowSource<cfloat>& ref, const RowSource<cfloat>& sec, std::int64_t length,
                                    std::int64_t width, const OffsetParams& params, std::int64_t band_grid_rows,
                                    const std::function<void(RowRange ref, RowRange sec)>& on_band = {});

/// Largest band bandGridRowsForBudget gives: larger bands hold more rows without being faster (the
/// chips of one band already keep every thread busy).
inline constexpr std::int64_t kMaxBandGridRows = 32;

/// The largest band (grid rows, ≥ 1, at most the grid's rows and kMaxBandGridRows) whose estimateMemoryBytes fits
/// `budget_bytes`; `extra_bytes_per_row` (bytes per image row held besides the two input bands,
/// e.g. masks) is counted over the secondary band's rows.
std::int64_t bandGridRowsForBudget(const OffsetParams& params, std::int64_t length, std::int64_t width,
                                   std::size_t budget_bytes, int threads, int bytes_per_pixel,
                                   std::size_t extra_bytes_per_row = 0);

/// Memory estimate (bytes) of a streamed run: two input bands of `band_grid_rows` grid rows
/// (reference + secondary, `bytes_per_pixel` each), the workspaces of `threads` threads and the
/// output field.
std::size_t estimateMemoryBytes(const OffsetParams& params, std::int64_t length, std::int64_t width,
                                std::int64_t band_grid_rows, int threads, int bytes_per_pixel = 4);

}  // namespace orthotrack::offsets

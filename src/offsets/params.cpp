#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "orthotrack/core/error.hpp"
#include "orthotrack/offsets/ncc.hpp"
#include "orthotrack/offsets/offsets.hpp"

namespace orthotrack::offsets {

namespace {
[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& why) {
  throw InvalidInput(why, {"", "offsets." + key, value});
}
std::string str(const ChipSize& w) { return std::to_string(w.rows) + "x" + std::to_string(w.cols); }
}  // namespace

const char* flagName(Flag f) {
  switch (f) {
    case Flag::ok: return "ok";
    case Flag::low_snr: return "low_snr";
    case Flag::low_ncc: return "low_ncc";
    case Flag::edge: return "edge";
    case Flag::nodata: return "nodata";
    case Flag::no_peak: return "no_peak";
    case Flag::outlier: return "outlier";
  }
  return "unknown";
}

void OffsetParams::validate() const {
  if (windows.empty()) bad("windows", "[]", "at least one window size is needed");
  for (const auto& w : windows)
    if (w.rows < 4 || w.cols < 4 || w.rows > 4096 || w.cols > 4096)
      bad("windows", str(w), "window sizes must be within 4..4096 px");
  for (std::size_t i = 0; i < windows.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (windows[i] == windows[k]) bad("windows", str(windows[i]), "window sizes must be distinct");
  if (search_az < 1) bad("search_az", std::to_string(search_az), "half search range must be >= 1 px");
  if (search_rg < 1) bad("search_rg", std::to_string(search_rg), "half search range must be >= 1 px");
  if (step_az < 1) bad("step_az", std::to_string(step_az), "grid step must be >= 1 px");
  if (step_rg < 1) bad("step_rg", std::to_string(step_rg), "grid step must be >= 1 px");
  if (start_row < -1) bad("start_row", std::to_string(start_row), "must be >= 0 (or -1 for automatic)");
  if (start_col < -1) bad("start_col", std::to_string(start_col), "must be >= 0 (or -1 for automatic)");
  if (grid_rows < -1 || grid_rows == 0) bad("grid_rows", std::to_string(grid_rows), "must be >= 1 (or -1 for automatic)");
  if (grid_cols < -1 || grid_cols == 0) bad("grid_cols", std::to_string(grid_cols), "must be >= 1 (or -1 for automatic)");
  if (oversample < 1 || oversample > 128)
    bad("oversample", std::to_string(oversample), "correlation oversampling must be within 1..128");
  if (raw_oversample != 1 && raw_oversample != 2)
    bad("raw_oversample", std::to_string(raw_oversample), "chip oversampling must be 1 or 2");
  if (oversample % raw_oversample != 0)
    bad("oversample", std::to_string(oversample), "must be a multiple of raw_oversample");
  if (zoom < 1 || zoom > 16) bad("zoom", std::to_string(zoom), "zoom half-width must be within 1..16 px");
  if (snr_box < 3 || snr_box % 2 == 0) bad("snr_box", std::to_string(snr_box), "SNR box must be odd and >= 3");
  if (peak_exclusion < 0) bad("peak_exclusion", std::to_string(peak_exclusion), "must be >= 0");
  if (peak_interp != PeakInterp::lanczos && peak_interp != PeakInterp::fft)
    bad("peak_interp", std::to_string(static_cast<int>(peak_interp)), "must be lanczos or fft");
  if (peak_interp == PeakInterp::fft && (search_az < zoom || search_rg < zoom))
    bad("peak_interp", "fft", "the FFT patch needs search_az and search_rg >= zoom (" + std::to_string(zoom) + ")");
  if (!(min_snr >= 0)) bad("min_snr", std::to_string(min_snr), "must be >= 0");
  if (!(min_ncc >= 0 && min_ncc <= 1)) bad("min_ncc", std::to_string(min_ncc), "must be within 0..1");
  if (!(median_threshold >= 0)) bad("median_threshold", std::to_string(median_threshold), "must be >= 0");
  if (median_radius < 1 || median_radius > 10)
    bad("median_radius", std::to_string(median_radius), "must be within 1..10");
  if (!(median_epsilon > 0)) bad("median_epsilon", std::to_string(median_epsilon), "must be > 0 px");
  if (!(max_displacement >= 0)) bad("max_displacement", std::to_string(max_displacement), "must be >= 0 px");
  if (!(max_nodata_fraction >= 0 && max_nodata_fraction < 1))
    bad("max_nodata_fraction", std::to_string(max_nodata_fraction), "must be within [0, 1)");
  if (!std::isfinite(nodata_value)) bad("nodata_value", std::to_string(nodata_value), "must be finite (NaN is always no-data)");
}

void OffsetParams::validate(std::int64_t length, std::int64_t width) const {
  validate();
  if (length < 1 || width < 1)
    throw InvalidInput("empty image", {"", "offsets.image", std::to_string(length) + "x" + std::to_string(width)});
  int minRows = windows[0].rows, minCols = windows[0].cols;
  for (const auto& w : windows) {
    minRows = std::min(minRows, w.rows);
    minCols = std::min(minCols, w.cols);
  }
  if (minRows + 2 * std::int64_t(search_az) > length || minCols + 2 * std::int64_t(search_rg) > width)
    bad("windows", str({minRows, minCols}),
        "the smallest window with its search range (±" + std::to_string(search_az) + " × ±" +
            std::to_string(search_rg) + " px) does not fit in the " + std::to_string(length) + "x" +
            std::to_string(width) + " image");
  if (start_row >= length) bad("start_row", std::to_string(start_row), "outside the image of length " + std::to_string(length));
  if (start_col >= width) bad("start_col", std::to_string(start_col), "outside the image of width " + std::to_string(width));
}

OffsetGrid makeGrid(const OffsetParams& p, std::int64_t length, std::int64_t width) {
  p.validate(length, width);
  int minRows = p.windows[0].rows, minCols = p.windows[0].cols;
  for (const auto& w : p.windows) {
    minRows = std::min(minRows, w.rows);
    minCols = std::min(minCols, w.cols);
  }
  OffsetGrid g;
  g.step_az = p.step_az;
  g.step_rg = p.step_rg;
  const std::int64_t firstR = minRows / 2 + p.search_az, lastR = length - (minRows - minRows / 2) - p.search_az;
  const std::int64_t firstC = minCols / 2 + p.search_rg, lastC = width - (minCols - minCols / 2) - p.search_rg;
  g.row0 = p.start_row >= 0 ? p.start_row : firstR;
  g.col0 = p.start_col >= 0 ? p.start_col : firstC;
  g.rows = p.grid_rows > 0 ? p.grid_rows : (lastR >= g.row0 ? (lastR - g.row0) / g.step_az + 1 : 0);
  g.cols = p.grid_cols > 0 ? p.grid_cols : (lastC >= g.col0 ? (lastC - g.col0) / g.step_rg + 1 : 0);
  if (g.rows < 1) bad("start_row", std::to_string(g.row0), "no chip centre fits below this row");
  if (g.cols < 1) bad("start_col", std::to_string(g.col0), "no chip centre fits right of this column");
  return g;
}

OffsetField::OffsetField(const OffsetGrid& g) : grid(g) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (auto* r : {&range_offset, &azimuth_offset, &snr, &ncc, &cov_rr, &cov_aa, &cov_ra, &peak_ratio})
    r->resize(g.rows, g.cols, nan);
  window.resize(g.rows, g.cols, 0);
  flag.resize(g.rows, g.cols, static_cast<std::uint8_t>(Flag::no_peak));
}

void screenOutliers(OffsetField& f, const OffsetParams& p) {
  const std::int64_t R = f.grid.rows, C = f.grid.cols;
  // Snapshot of the estimates that are ok before screening: the median test only looks at them.
  std::vector<std::uint8_t> okBefore(static_cast<std::size_t>(R * C));
  for (std::int64_t i = 0; i < R; ++i)
    for (std::int64_t j = 0; j < C; ++j) okBefore[static_cast<std::size_t>(i * C + j)] = f.flagAt(i, j) == Flag::ok;
  auto isOk = [&](std::int64_t i, std::int64_t j) { return okBefore[static_cast<std::size_t>(i * C + j)] != 0; };
  const int rad = p.median_radius;
  std::vector<float> nu, nv, res;
  nu.reserve(static_cast<std::size_t>((2 * rad + 1) * (2 * rad + 1)));
  nv.reserve(nu.capacity());
  res.reserve(nu.capacity());
  auto median = [](std::vector<float>& v) {
    const std::size_t m = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
    float hi = v[m];
    if (v.size() % 2) return hi;
    const float lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m));
    return 0.5f * (lo + hi);
  };
  for (std::int64_t i = 0; i < R; ++i) {
    for (std::int64_t j = 0; j < C; ++j) {
      if (!isOk(i, j)) continue;
      Flag fl = Flag::ok;
      const float u = f.range_offset(i, j), v = f.azimuth_offset(i, j);
      if (p.min_snr > 0 && !(f.snr(i, j) >= p.min_snr)) fl = Flag::low_snr;
      else if (p.min_ncc > 0 && !(f.ncc(i, j) >= p.min_ncc)) fl = Flag::low_ncc;
      else if (p.max_displacement > 0 && std::hypot(u, v) > p.max_displacement) fl = Flag::outlier;
      else if (p.median_threshold > 0) {
        nu.clear();
        nv.clear();
        for (std::int64_t a = std::max<std::int64_t>(0, i - rad); a <= std::min(R - 1, i + rad); ++a)
          for (std::int64_t b = std::max<std::int64_t>(0, j - rad); b <= std::min(C - 1, j + rad); ++b)
            if ((a != i || b != j) && isOk(a, b)) {
              nu.push_back(f.range_offset(a, b));
              nv.push_back(f.azimuth_offset(a, b));
            }
        if (nu.size() >= 3) {
          double worst = 0;
          for (auto* comp : {&nu, &nv}) {
            const float x0 = comp == &nu ? u : v;
            std::vector<float> tmp = *comp;  // small (<= 440 values); screening runs once per field
            const float med = median(tmp);
            res.clear();
            for (float x : *comp) res.push_back(std::fabs(x - med));
            const float rm = median(res);
            worst = std::max(worst, double(std::fabs(x0 - med)) / (double(rm) + double(p.median_epsilon)));
          }
          if (worst > double(p.median_threshold)) fl = Flag::outlier;
        }
      }
      f.flag(i, j) = static_cast<std::uint8_t>(fl);
    }
  }
}

std::size_t estimateMemoryBytes(const OffsetParams& p, std::int64_t length, std::int64_t width,
                                std::int64_t band_grid_rows, int threads, int bytes_per_pixel) {
  const OffsetGrid g = makeGrid(p, length, width);
  int maxRows = 0, maxCols = 0;
  for (const auto& w : p.windows) {
    maxRows = std::max(maxRows, w.rows);
    maxCols = std::max(maxCols, w.cols);
  }
  const std::int64_t bandRows = std::min<std::int64_t>(g.rows, std::max<std::int64_t>(1, band_grid_rows));
  const std::int64_t refRows = std::min<std::int64_t>(length, (bandRows - 1) * p.step_az + maxRows);
  const std::int64_t secRows = std::min<std::int64_t>(length, refRows + 2 * (p.search_az + p.zoom));
  std::size_t perThread = 0;
  for (const auto& w : p.windows) {
    const int sr = w.rows + 2 * p.search_az, sc = w.cols + 2 * p.search_rg;
    const std::size_t nr = static_cast<std::size_t>(smoothSize(sr)), nc = static_cast<std::size_t>(smoothSize(sc));
    perThread += 4 * (static_cast<std::size_t>(w.rows + sr + 2 * p.search_az + 1) * nc) + 16 * nr * (nc / 2 + 1) +
                 4 * static_cast<std::size_t>((2 * p.search_az + 1) * (2 * p.search_rg + 1));
    if (p.raw_oversample > 1) {
      const std::size_t f2 = static_cast<std::size_t>(p.raw_oversample) * p.raw_oversample;
      const std::size_t a = static_cast<std::size_t>(w.rows) * w.cols,
                        b = static_cast<std::size_t>(w.rows + 2 * p.zoom) * (w.cols + 2 * p.zoom);
      const std::size_t fr = static_cast<std::size_t>(smoothSize(p.raw_oversample * (w.rows + 2 * p.zoom)));
      const std::size_t fc = static_cast<std::size_t>(smoothSize(p.raw_oversample * (w.cols + 2 * p.zoom)));
      perThread += 16 * (a + b) * (1 + f2) + 4 * (a + b) * f2 + 4 * 3 * fr * fc + 16 * fr * (fc / 2 + 1);
    }
  }
  const std::size_t field = static_cast<std::size_t>(g.rows * g.cols) * (8 * 4 + 2 + 1);
  return static_cast<std::size_t>((refRows + secRows) * width) * static_cast<std::size_t>(bytes_per_pixel) +
         perThread * static_cast<std::size_t>(std::max(1, threads)) + field;
}

}  // namespace orthotrack::offsets

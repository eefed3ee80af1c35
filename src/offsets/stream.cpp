// Streamed offsets: the engine fed band by band from row sources (offsets.hpp).
#include <algorithm>

#include "orthotrack/offsets/offsets.hpp"

namespace orthotrack::offsets {
namespace {
template <class T>
OffsetField streamImpl(const RowSource<T>& ref, const RowSource<T>& sec, std::int64_t length, std::int64_t width,
                       const OffsetParams& p, std::int64_t bandGridRows, const std::function<void(RowRange, RowRange)>& onBand) {
  OffsetEngine eng(p, length, width);
  OffsetField f(eng.grid());
  RollingRows<T> rr(ref, width), sr(sec, width);
  const std::int64_t n = std::max<std::int64_t>(1, bandGridRows);
  for (std::int64_t i0 = 0; i0 < eng.grid().rows; i0 += n) {
    const std::int64_t i1 = std::min(eng.grid().rows, i0 + n);
    const RowRange a = eng.referenceRows(i0, i1), b = eng.secondaryRows(i0, i1);
    if (onBand) onBand(a, b);
    const RowBand<T> ra = rr.rows(a.begin, a.end);
    const RowBand<T> rb = sr.rows(b.begin, b.end);
    eng.process(ra, rb, i0, i1, f);
  }
  screenOutliers(f, p);
  return f;
}
}  // namespace

OffsetField estimateOffsetsStreamed(const RowSource<float>& ref, const RowSource<float>& sec, std::int64_t length,
                                    std::int64_t width, const OffsetParams& params, std::int64_t bandGridRows,
                                    const std::function<void(RowRange, RowRange)>& onBand) {
  return streamImpl(ref, sec, length, width, params, bandGridRows, onBand);
}
OffsetField estimateOffsetsStreamed(const RowSource<cfloat>& ref, const RowSource<cfloat>& sec, std::int64_t length,
                                    std::int64_t width, const OffsetParams& params, std::int64_t bandGridRows,
                                    const std::function<void(RowRange, RowRange)>& onBand) {
  return streamImpl(ref, sec, length, width, params, bandGridRows, onBand);
}

std::int64_t bandGridRowsForBudget(const OffsetParams& p, std::int64_t length, std::int64_t width, std::size_t budget,
                                   int threads, int bytesPerPixel, std::size_t extraPerRow) {
  p.validate(length, width);
  const std::int64_t rows = std::clamp<std::int64_t>(makeGrid(p, length, width).rows, 1, kMaxBandGridRows);
  int maxRows = 0;
  for (const auto& w : p.windows) maxRows = std::max(maxRows, w.rows);
  auto cost = [&](std::int64_t n) {
    const std::int64_t secRows = std::min<std::int64_t>(length, (n - 1) * p.step_az + maxRows + 2 * (p.search_az + p.zoom));
    return estimateMemoryBytes(p, length, width, n, threads, bytesPerPixel) + extraPerRow * static_cast<std::size_t>(secRows);
  };
  if (cost(rows) <= budget) return rows;
  std::int64_t lo = 1, hi = rows;  // cost(lo) may exceed the budget: 1 is the least a band can be
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (cost(mid) <= budget ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace orthotrack::offsets

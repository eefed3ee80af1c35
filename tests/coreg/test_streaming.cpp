// Streamed co-registration and offsets: the same bytes whatever the memory budget, and the same as
// the whole-image computation.
#include <gtest/gtest.h>

#include <cstring>

#include "orthotrack/coreg/coreg.hpp"
#include "orthotrack/offsets/offsets.hpp"
#include "synthetic.hpp"

using namespace orthotrack;
using namespace orthotrack::coreg;
using namespace coregtest;

namespace {
template <class T>
bool sameBytes(const Raster<T>& a, const Raster<T>& b) {
  return a.length() == b.length() && a.width() == b.width() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}
bool sameField(const offsets::OffsetField& a, const offsets::OffsetField& b) {
  return a.grid.rows == b.grid.rows && a.grid.cols == b.grid.cols && a.grid.row0 == b.grid.row0 && a.grid.col0 == b.grid.col0 &&
         sameBytes(a.range_offset, b.range_offset) && sameBytes(a.azimuth_offset, b.azimuth_offset) && sameBytes(a.snr, b.snr) &&
         sameBytes(a.ncc, b.ncc) && sameBytes(a.cov_rr, b.cov_rr) && sameBytes(a.cov_aa, b.cov_aa) &&
         sameBytes(a.cov_ra, b.cov_ra) && sameBytes(a.peak_ratio, b.peak_ratio) && sameBytes(a.window, b.window) &&
         sameBytes(a.flag, b.flag);
}
template <class T>
offsets::RowSource<T> rowsOf(const Raster<T>& r, int* calls = nullptr, std::int64_t* rowsRead = nullptr) {
  return [&r, calls, rowsRead](std::int64_t r0, std::int64_t n, T* out) {
    std::copy(r.row(r0), r.row(r0) + n * r.width(), out);
    if (calls) ++*calls;
    if (rowsRead) *rowsRead += n;
  };
}
// An in-memory sink (what rectify uses) kept here so the test sees every block it receives.
struct MemorySink {
  Raster<cfloat> slc;
  int passes = 0, blocks = 0;
  SlcSink sink(std::int64_t L, std::int64_t W) {
    SlcSink s;
    s.begin = [this, L, W] { slc = Raster<cfloat>(L, W); ++passes; };
    s.write = [this](std::int64_t row0, RasterView<const cfloat> rows) {
      for (std::int64_t i = 0; i < rows.length(); ++i) std::copy(rows.row(i), rows.row(i) + rows.width(), slc.row(row0 + i));
      ++blocks;
    };
    s.end = [] {};
    s.read = [this](std::int64_t r0, std::int64_t c0, std::int64_t rows, std::int64_t cols, cfloat* out) {
      for (std::int64_t i = 0; i < rows; ++i) std::copy(slc.row(r0 + i) + c0, slc.row(r0 + i) + c0 + cols, out + i * cols);
    };
    return s;
  }
};
}  // namespace

TEST(Streaming, OffsetsInBandsEqualWholeImagesAndReadEveryRowOnce) {
  const geometry::Dem dem = makeDem(800.0);
  const auto g = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 300, 260);
  const Texture tex(5);
  const Slide slide{200, -100, 600, -20.0, 10.0};
  const Raster<cfloat> a = render(g, dem, tex, {}, 0.1, 1), b = render(g, dem, tex, slide, 0.1, 2);
  Raster<float> aa(a.length(), a.width()), ba(b.length(), b.width());
  for (std::size_t k = 0; k < a.size(); ++k) {
    aa.data()[k] = std::abs(a.data()[k]);
    ba.data()[k] = std::abs(b.data()[k]);
  }
  offsets::OffsetParams p;
  p.windows = {{32, 32}, {48, 48}};
  p.search_az = p.search_rg = 6;
  p.step_az = p.step_rg = 16;
  p.oversample = 16;
  p.fftw_measure = false;
  const auto wholeC = offsets::estimateOffsets(a.cview(), b.cview(), p);
  const auto wholeF = offsets::estimateOffsets(aa.cview(), ba.cview(), p);
  ASSERT_GT(wholeC.grid.rows, 10);
  for (std::int64_t band : {1, 3, 1000}) {
    int calls = 0;
    std::int64_t rows = 0;
    const auto c = offsets::estimateOffsetsStreamed(rowsOf(a), rowsOf(b, &calls, &rows), a.length(), a.width(), p, band);
    EXPECT_TRUE(sameField(c, wholeC)) << "complex, bands of " << band << " grid rows";
    const auto f = offsets::estimateOffsetsStreamed(rowsOf(aa), rowsOf(ba), a.length(), a.width(), p, band);
    EXPECT_TRUE(sameField(f, wholeF)) << "float, bands of " << band << " grid rows";
    // Each secondary row is read at most once (the bands' rows are kept while they overlap).
    EXPECT_LE(rows, a.length()) << band;
    if (band == 1) {
      EXPECT_LE(calls, wholeC.grid.rows);
    }
  }
  // The band from a budget grows with the budget and stays within [1, kMaxBandGridRows].
  EXPECT_EQ(offsets::bandGridRowsForBudget(p, 300, 260, 1, 2, 16), 1);
  const auto big = offsets::bandGridRowsForBudget(p, 300, 260, std::size_t{1} << 32, 2, 16);
  EXPECT_EQ(big, std::min<std::int64_t>(wholeC.grid.rows, offsets::kMaxBandGridRows));
}

TEST(Streaming, RectifyGivesTheSameBytesForATinyAndALargeBudget) {
  // Cross-platform pair: low-pass, Doppler-free PALSAR geometry, refinement and residual passes.
  const geometry::Dem trueDem = makeDem(1000.0), dem = makeDem(1000.0, 0, 0, 0, 0, 25.0, 4.0);
  const auto master = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 256, 240);
  const auto sec = makeScene(palsar1(DateTime(2010, 2, 25, 5, 0, 0.0)), 1.2e-3, 7.0, 350, 330);
  const Texture tex{11, 48, 1.0};
  const Raster<cfloat> ms = render(master, trueDem, tex, {}, 0.1, 1);
  const Raster<cfloat> ss = render(sec, trueDem, tex, Slide{600, -300, 1000, -25.0, 12.0}, 0.1, 2);
  const SecondaryInput si = secondaryFromMemory(sec, ss.cview());
  CoregParams p;  // default budget: one band, blocks of blockLines
  const RectifyResult ref = rectify(master, ms.cview(), si, dem, p);

  CoregParams tiny = p;
  tiny.memoryBytes = std::size_t{1} << 20;  // below the fixed part: the smallest blocks and bands
  const StreamPlan plan = planStreaming(tiny, master, sec, 0), planBig = planStreaming(p, master, sec, 0);
  EXPECT_EQ(plan.blockLines, 8);
  EXPECT_EQ(plan.refineBand, 1);
  EXPECT_EQ(plan.residualBand, 1);
  EXPECT_EQ(planBig.blockLines, p.blockLines);
  EXPECT_GT(planBig.refineBand, 1);
  MemorySink mem;
  const SecondaryInput mi = secondaryFromMemory(master, ms.cview());
  const RectifyResult st = rectifyStreamed(master, mi.read, si, dem, tiny, mem.sink(256, 240));
  EXPECT_EQ(st.slc.size(), 0u);
  EXPECT_GE(mem.blocks, mem.passes * 256 / 8);  // blocks of 8 lines in every pass
  EXPECT_TRUE(sameBytes(mem.slc, ref.slc));
  EXPECT_GT(ref.report.validPixels, 256 * 240 / 2);
  nlohmann::json a = ref.report.toJson(), b = st.report.toJson();
  a.erase("seconds");
  b.erase("seconds");
  EXPECT_EQ(a, b);
  EXPECT_EQ(ref.lookup.correctionLine.coeffs, st.lookup.correctionLine.coeffs);
  EXPECT_EQ(ref.lookup.correctionSample.coeffs, st.lookup.correctionSample.coeffs);
  // The resampler alone, in blocks of 8 lines and of the whole image.
  const Raster<cfloat> r8 = resampleWithLookup(ref.lookup, si, p.resample, 8), rAll = resampleWithLookup(ref.lookup, si, p.resample, 256);
  EXPECT_TRUE(sameBytes(r8, rAll));
}

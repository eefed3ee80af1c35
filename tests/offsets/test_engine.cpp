// The engine's behaviour: conventions (signs, grid), bad inputs, no-data, determinism across thread
// counts, streaming bands, multi-window selection, priors and outlier screening.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/offsets/offsets.hpp"
#include "sim.hpp"

using namespace orthotrack;
using namespace orthotrack::offsets;

namespace {

OffsetParams smallParams() {
  OffsetParams p;
  p.windows = {{32, 32}};
  p.search_az = 6;
  p.search_rg = 6;
  p.step_az = 24;
  p.step_rg = 24;
  p.median_threshold = 0;  // screening tested separately
  return p;
}

// Texture pair (band-limited, no speckle): secondary shifted by (dy, dx) with an exact Fourier ramp.
test::Pair texturePair(int n, double dy, double dx, std::uint64_t seed) {
  const auto g = test::gaussField(n, n, 2.0, seed);
  std::vector<std::complex<float>> t(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) t[i] = {static_cast<float>(10.0 + g[i]), 0.0f};
  const auto s = test::fourierShift(t, n, n, dy, dx);
  test::Pair p{Raster<float>(n, n), Raster<float>(n, n)};
  for (std::size_t i = 0; i < g.size(); ++i) {
    p.ref.data()[i] = t[i].real();
    p.sec.data()[i] = s[i].real();
  }
  return p;
}

template <class F>
std::string invalidMessage(F&& f) {
  try {
    f();
  } catch (const InvalidInput& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  return "no exception";
}

bool sameBits(const Raster<float>& a, const Raster<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST(OffsetsEngine, SignsAndGridFollowTheConventions) {
  // A feature at column c of the reference found at column c + 3 of the secondary: range +3;
  // likewise rows: azimuth −2.
  const auto pr = texturePair(192, -2.0, 3.0, 11);
  auto p = smallParams();
  const auto f = estimateOffsets(pr.ref.cview(), pr.sec.cview(), p);
  EXPECT_EQ(f.grid.row0, 16 + 6);
  EXPECT_EQ(f.grid.col0, 16 + 6);
  EXPECT_EQ(f.grid.step_az, 24);
  EXPECT_EQ(f.grid.rows, (192 - 22 - 22) / 24 + 1);
  for (std::int64_t i = 0; i < f.grid.rows; ++i)
    for (std::int64_t j = 0; j < f.grid.cols; ++j) {
      ASSERT_EQ(f.flagAt(i, j), Flag::ok) << i << "," << j;
      // Smooth texture (broad peak), small search, 1/16 grid: within one grid step of the truth.
      EXPECT_NEAR(f.range_offset(i, j), 3.0, 0.0625 + 1e-6);
      EXPECT_NEAR(f.azimuth_offset(i, j), -2.0, 0.0625 + 1e-6);
      EXPECT_GT(f.ncc(i, j), 0.99f);
      EXPECT_GT(f.snr(i, j), 2.0f);   // a broad (smooth-texture) peak: low ampcor SNR
      EXPECT_GE(f.cov_rr(i, j), 0.0f);  // NCC 1 at an integer shift: zero variance
      EXPECT_GE(f.cov_aa(i, j), 0.0f);
      EXPECT_GT(f.peak_ratio(i, j), 1.0f);
      EXPECT_EQ(f.window(i, j), 32);
    }
  // Output pixel (i, j) is the chip centred at (row0 + i·step, col0 + j·step): explicit start.
  p.start_row = 40;
  p.start_col = 50;
  p.grid_rows = 2;
  p.grid_cols = 3;
  const auto g = estimateOffsets(pr.ref.cview(), pr.sec.cview(), p);
  EXPECT_EQ(g.grid.row0, 40);
  EXPECT_EQ(g.grid.col0, 50);
  EXPECT_EQ(g.range_offset.length(), 2);
  EXPECT_EQ(g.range_offset.width(), 3);
}

TEST(OffsetsEngine, BadParametersNameTheKeyAndValue) {
  const auto pr = texturePair(128, 0.0, 0.0, 1);
  auto run = [&](OffsetParams p) { return invalidMessage([&] { estimateOffsets(pr.ref.cview(), pr.sec.cview(), p); }); };
  auto p = smallParams();
  p.search_az = 0;
  EXPECT_NE(run(p).find("offsets.search_az"), std::string::npos) << run(p);
  EXPECT_NE(run(p).find("value: 0"), std::string::npos) << run(p);
  p = smallParams();
  p.windows = {{256, 256}};
  EXPECT_NE(run(p).find("offsets.windows"), std::string::npos) << run(p);
  EXPECT_NE(run(p).find("256x256"), std::string::npos) << run(p);
  p = smallParams();
  p.windows = {{120, 120}};  // fits alone, not with its ±6 search range
  EXPECT_NE(run(p).find("does not fit"), std::string::npos) << run(p);
  p = smallParams();
  p.oversample = 0;
  EXPECT_NE(run(p).find("offsets.oversample"), std::string::npos);
  p = smallParams();
  p.oversample = 256;
  EXPECT_NE(run(p).find("offsets.oversample"), std::string::npos);
  p = smallParams();
  p.snr_box = 20;
  EXPECT_NE(run(p).find("offsets.snr_box"), std::string::npos);
  p = smallParams();
  p.peak_interp = PeakInterp::fft;
  p.search_az = p.zoom - 1;  // the FFT patch (2·zoom samples) does not fit the lag surface
  EXPECT_NE(run(p).find("offsets.peak_interp"), std::string::npos) << run(p);
  p = smallParams();
  p.windows = {};
  EXPECT_NE(run(p).find("offsets.windows"), std::string::npos);
  p = smallParams();
  p.step_rg = -1;
  EXPECT_NE(run(p).find("offsets.step_rg"), std::string::npos);
  p = smallParams();
  p.max_nodata_fraction = 1.5f;
  EXPECT_NE(run(p).find("offsets.max_nodata_fraction"), std::string::npos);
  p = smallParams();
  p.raw_oversample = 3;
  EXPECT_NE(run(p).find("offsets.raw_oversample"), std::string::npos);
  // Different image sizes.
  Raster<float> small(100, 128, 1.0f);
  const auto msg = invalidMessage([&] { estimateOffsets(pr.ref.cview(), small.cview(), smallParams()); });
  EXPECT_NE(msg.find("offsets.secondary"), std::string::npos) << msg;
  EXPECT_NE(msg.find("100x128"), std::string::npos) << msg;
  // A prior on another grid.
  auto f = estimateOffsets(pr.ref.cview(), pr.sec.cview(), smallParams());
  auto q = smallParams();
  q.step_az = 12;
  const auto m2 = invalidMessage([&] { estimateOffsets(pr.ref.cview(), pr.sec.cview(), q, &f); });
  EXPECT_NE(m2.find("offsets.prior"), std::string::npos) << m2;
}

TEST(OffsetsEngine, ConstantImagesGiveNoPeakNeverZeros) {
  Raster<float> a(128, 128, 5.0f), b(128, 128, 5.0f);
  const auto f = estimateOffsets(a.cview(), b.cview(), smallParams());
  ASSERT_GT(f.grid.rows * f.grid.cols, 0);
  for (std::int64_t i = 0; i < f.grid.rows; ++i)
    for (std::int64_t j = 0; j < f.grid.cols; ++j) {
      EXPECT_EQ(f.flagAt(i, j), Flag::no_peak);
      EXPECT_TRUE(std::isnan(f.range_offset(i, j)));
      EXPECT_TRUE(std::isnan(f.azimuth_offset(i, j)));
    }
  // Textured reference against a constant secondary: also no peak.
  const auto pr = texturePair(128, 0, 0, 2);
  const auto g = estimateOffsets(pr.ref.cview(), b.cview(), smallParams());
  for (std::int64_t i = 0; i < g.grid.rows; ++i)
    for (std::int64_t j = 0; j < g.grid.cols; ++j) EXPECT_EQ(g.flagAt(i, j), Flag::no_peak);
}

TEST(OffsetsEngine, NoDataRegionsAreFlaggedNotCorrelated) {
  auto pr = texturePair(192, 1.25, -0.5, 3);
  // A NaN block in the reference and a zero (no-data value) block in the secondary.
  for (int r = 20; r < 70; ++r)
    for (int c = 20; c < 70; ++c) pr.ref(r, c) = std::numeric_limits<float>::quiet_NaN();
  for (int r = 120; r < 192; ++r)
    for (int c = 130; c < 192; ++c) pr.sec(r, c) = 0.0f;
  const auto p = smallParams();
  const auto f = estimateOffsets(pr.ref.cview(), pr.sec.cview(), p);
  int nodata = 0, ok = 0;
  for (std::int64_t i = 0; i < f.grid.rows; ++i)
    for (std::int64_t j = 0; j < f.grid.cols; ++j) {
      const auto r = f.grid.centreRow(i), c = f.grid.centreCol(j);
      // Chip [c−16, c+16) overlapping the NaN block by more than 10 % → nodata.
      const auto ov = [](std::int64_t a0, std::int64_t a1, std::int64_t b0, std::int64_t b1) {
        return std::max<std::int64_t>(0, std::min(a1, b1) - std::max(a0, b0));
      };
      const double fracRef = double(ov(r - 16, r + 16, 20, 70) * ov(c - 16, c + 16, 20, 70)) / (32.0 * 32.0);
      const double fracSec = double(ov(r - 22, r + 22, 120, 192) * ov(c - 22, c + 22, 130, 192)) / (44.0 * 44.0);
      if (fracRef > 0.1 || fracSec > 0.1) {
        EXPECT_EQ(f.flagAt(i, j), Flag::nodata) << i << "," << j;
        EXPECT_TRUE(std::isnan(f.range_offset(i, j)));
        ++nodata;
      } else {
        EXPECT_EQ(f.flagAt(i, j), Flag::ok) << i << "," << j;
        EXPECT_NEAR(f.range_offset(i, j), -0.5, 0.05);
        EXPECT_NEAR(f.azimuth_offset(i, j), 1.25, 0.05);
        ++ok;
      }
    }
  EXPECT_GT(nodata, 0);
  EXPECT_GT(ok, 0);
}

TEST(OffsetsEngine, SameBitsForAnyThreadCountAndBandSplit) {
  const auto pr = test::speckledPair(256, 0.7, -1.3, 0.9, 0.8, 5);
  auto p = smallParams();
  p.windows = {{32, 32}, {48, 40}};
  p.step_az = p.step_rg = 16;
  const int saved = threadCount();
  setThreadCount(1);
  const auto a = estimateOffsets(pr.ref.cview(), pr.sec.cview(), p);
  setThreadCount(2);
  const auto b = estimateOffsets(pr.ref.cview(), pr.sec.cview(), p);
  setThreadCount(saved);
  EXPECT_TRUE(sameBits(a.range_offset, b.range_offset));
  EXPECT_TRUE(sameBits(a.azimuth_offset, b.azimuth_offset));
  EXPECT_TRUE(sameBits(a.snr, b.snr));
  EXPECT_TRUE(sameBits(a.ncc, b.ncc));
  EXPECT_EQ(a.flag.vector(), b.flag.vector());

  // Streaming: grid rows in bands of 3, each with only the image rows it needs.
  OffsetEngine eng(p, 256, 256);
  OffsetField s(eng.grid());
  for (std::int64_t i0 = 0; i0 < eng.grid().rows; i0 += 3) {
    const auto i1 = std::min(eng.grid().rows, i0 + 3);
    const auto rr = eng.referenceRows(i0, i1), sr = eng.secondaryRows(i0, i1);
    ASSERT_LT(rr.end - rr.begin, 256);
    RowBand<float> rb{pr.ref.cview().window(rr.begin, 0, rr.end - rr.begin, 256), rr.begin};
    RowBand<float> sb{pr.sec.cview().window(sr.begin, 0, sr.end - sr.begin, 256), sr.begin};
    eng.process(rb, sb, i0, i1, s);
  }
  screenOutliers(s, p);
  EXPECT_TRUE(sameBits(a.range_offset, s.range_offset));
  EXPECT_TRUE(sameBits(a.azimuth_offset, s.azimuth_offset));
  EXPECT_EQ(a.flag.vector(), s.flag.vector());
  EXPECT_GT(eng.workspaceBytes(), 0u);
}

TEST(OffsetsEngine, MultiWindowKeepsHighestSnr) {
  const auto pr = test::speckledPair(256, 0.4, 0.6, 0.7, 0.8, 9);
  auto p = smallParams();
  p.step_az = p.step_rg = 20;
  p.start_row = p.start_col = 60;
  p.grid_rows = p.grid_cols = 7;
  const std::vector<ChipSize> ws = {{24, 24}, {32, 48}, {48, 48}};
  std::vector<OffsetField> single;
  for (const auto& w : ws) {
    p.windows = {w};
    single.push_back(estimateOffsets(pr.ref.cview(), pr.sec.cview(), p));
  }
  p.windows = ws;
  const auto m = estimateOffsets(pr.ref.cview(), pr.sec.cview(), p);
  int differentWindows = 0;
  for (std::int64_t i = 0; i < 7; ++i)
    for (std::int64_t j = 0; j < 7; ++j) {
      std::size_t best = 0;
      for (std::size_t k = 1; k < ws.size(); ++k)
        if (single[k].snr(i, j) > single[best].snr(i, j)) best = k;
      EXPECT_EQ(m.snr(i, j), single[best].snr(i, j));
      EXPECT_EQ(m.window(i, j), ws[best].cols);
      EXPECT_EQ(m.range_offset(i, j), single[best].range_offset(i, j));
      differentWindows += best != 0;
    }
  EXPECT_GT(differentWindows, 0);
}

TEST(OffsetsEngine, PriorShiftsTheSearch) {
  const auto pr = test::speckledPair(256, 10.3, -9.6, 0.95, 0.5, 4);
  auto p = smallParams();
  p.search_az = p.search_rg = 4;
  p.start_row = p.start_col = 60;
  p.grid_rows = p.grid_cols = 5;
  // Without a prior the true offset is outside ±4: nothing near the truth is found, and the NCC
  // of the (noise) peaks is far below that of the true ones.
  const auto none = estimateOffsets(pr.ref.cview(), pr.sec.cview(), p);
  for (std::int64_t i = 0; i < 5; ++i)
    for (std::int64_t j = 0; j < 5; ++j) {
      EXPECT_TRUE(!(std::fabs(none.azimuth_offset(i, j) - 10.3f) < 1.0f));
      EXPECT_LT(none.ncc(i, j), 0.3f);
    }
  OffsetField prior(none.grid);
  prior.azimuth_offset.fill(9.8f);
  prior.range_offset.fill(-10.2f);
  const auto f = estimateOffsets(pr.ref.cview(), pr.sec.cview(), p, &prior);
  for (std::int64_t i = 0; i < 5; ++i)
    for (std::int64_t j = 0; j < 5; ++j) {
      EXPECT_EQ(f.flagAt(i, j), Flag::ok);
      EXPECT_NEAR(f.azimuth_offset(i, j), 10.3, 0.1);
      EXPECT_NEAR(f.range_offset(i, j), -9.6, 0.1);
      EXPECT_GT(f.ncc(i, j), 0.5f);
    }
}

TEST(OffsetsEngine, ScreeningFlagsButKeepsValues) {
  OffsetGrid g{0, 0, 1, 1, 5, 6};
  OffsetField f(g);
  for (std::int64_t i = 0; i < 5; ++i)
    for (std::int64_t j = 0; j < 6; ++j) {
      f.range_offset(i, j) = 1.0f + 0.01f * float(i + j);
      f.azimuth_offset(i, j) = -0.5f;
      f.snr(i, j) = 50.0f;
      f.ncc(i, j) = 0.5f;
      f.flag(i, j) = static_cast<std::uint8_t>(Flag::ok);
    }
  f.range_offset(2, 3) = 4.0f;  // a blunder
  f.snr(0, 0) = 3.0f;
  f.ncc(4, 5) = 0.05f;
  f.azimuth_offset(4, 0) = 30.0f;
  OffsetParams p;
  p.min_snr = 5;
  p.min_ncc = 0.1f;
  p.max_displacement = 20;
  screenOutliers(f, p);
  EXPECT_EQ(f.flagAt(2, 3), Flag::outlier);
  EXPECT_EQ(f.range_offset(2, 3), 4.0f);  // kept
  EXPECT_EQ(f.flagAt(0, 0), Flag::low_snr);
  EXPECT_EQ(f.flagAt(4, 5), Flag::low_ncc);
  EXPECT_EQ(f.flagAt(4, 0), Flag::outlier);
  int ok = 0;
  for (std::int64_t i = 0; i < 5; ++i)
    for (std::int64_t j = 0; j < 6; ++j) ok += f.flagAt(i, j) == Flag::ok;
  EXPECT_EQ(ok, 30 - 4);
  EXPECT_STREQ(flagName(Flag::outlier), "outlier");
}

TEST(OffsetsEngine, MemoryEstimateFor10kPairIsBounded) {
  OffsetParams p;  // windows 64/96/128, search ±32, step 16
  const auto bytes = estimateMemoryBytes(p, 10000, 10000, 8, 2, 8);
  EXPECT_LT(bytes, std::size_t(1) << 30);
  // Whole-image (non-streamed) inputs alone would take 2 × 10000² × 8 bytes = 1.6 GB for SLCs.
  EXPECT_GT(estimateMemoryBytes(p, 10000, 10000, 100000, 2, 8), std::size_t(1) << 30);
}

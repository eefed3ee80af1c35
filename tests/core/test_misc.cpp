#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/geogrid.hpp"
#include "orthotrack/core/lut2d.hpp"
#include "orthotrack/core/radar_grid.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/core/tiling.hpp"

using namespace orthotrack;

TEST(LUT2d, BilinearAndBounds) {
  // f = 2 + 3 r + 5 t is reproduced exactly by bilinear interpolation.
  std::vector<double> d;
  for (int iy = 0; iy < 4; ++iy)
    for (int ix = 0; ix < 5; ++ix) d.push_back(2 + 3 * (100.0 + 10 * ix) + 5 * (1.0 + 0.5 * iy));
  LUT2d lut(100, 10, 5, 1.0, 0.5, 4, d, DateTime(2000, 1, 1));
  EXPECT_NEAR(lut.eval(1.7, 123.4), 2 + 3 * 123.4 + 5 * 1.7, 1e-9);
  EXPECT_NEAR(lut.eval(-5, 123.4), 2 + 3 * 123.4 + 5 * 1.0, 1e-9);  // clamped
  LUT2d strict(100, 10, 5, 1.0, 0.5, 4, d, DateTime(2000, 1, 1), LutBounds::Error);
  EXPECT_TRUE(std::isnan(strict.eval(-5, 123.4)));
  EXPECT_EQ(LUT2d().eval(3, 4), 0.0);  // zero Doppler
  const auto re = lut.rebased(DateTime(2000, 1, 1).plusSeconds(1.0));
  EXPECT_NEAR(re.eval(0.7, 123.4), lut.eval(1.7, 123.4), 1e-9);
  EXPECT_THROW(LUT2d(100, 10, 5, 1.0, 0.5, 3, d, DateTime()), InvalidInput);
}

TEST(RadarGrid, PixelTimeRangeAndMultilook) {
  RadarGrid g{DateTime(2010, 1, 10, 16), 1.0 / 2000.0, 850000.0, 4.68, 0.2360571, LookSide::Right, 1000, 500};
  const DateTime ep(2010, 1, 10);
  EXPECT_NEAR(g.azimuthTime(10, ep), 16 * 3600 + 0.005, 1e-9);
  EXPECT_NEAR(g.sample(g.slantRange(12.25)), 12.25, 1e-9);
  EXPECT_NEAR(g.line(g.azimuthTime(7.5, ep), ep), 7.5, 1e-6);
  const auto ml = g.multilook(4, 2);
  EXPECT_EQ(ml.length, 250);
  EXPECT_NEAR(ml.azimuthTime(0, ep), g.azimuthTime(1.5, ep), 1e-9);
  EXPECT_NEAR(ml.slantRange(1), g.slantRange(2.5), 1e-9);
  g.wavelength = 0;
  EXPECT_THROW(g.validate("scene.json"), InvalidInput);
  EXPECT_EQ(parseLookSide("Left"), LookSide::Left);
  EXPECT_THROW(parseLookSide("up"), InvalidInput);
}

TEST(GeoGrid, PixelCentres) {
  auto g = GeoGrid::geographic(98.6, 98.8, 31.0, 31.2, 0.01);
  EXPECT_EQ(g.width, 20);
  EXPECT_EQ(g.length, 20);
  EXPECT_NEAR(g.x(0), 98.605, 1e-12);
  EXPECT_NEAR(g.y(0), 31.195, 1e-12);
  EXPECT_NEAR(g.col(98.605), 0.0, 1e-9);
  EXPECT_NEAR(g.row(31.0 + 0.005), 19.0, 1e-9);
}

TEST(Tiling, CoversEveryPixelOnceAndPropagatesTheFirstError) {
  const auto blocks = makeBlocks(103, 57, 10, 20);
  Raster<int> hits(103, 57, 0);
  parallelForBlocks(blocks, [&](const Block& b) {
    for (auto r = b.row0; r < b.row0 + b.rows; ++r)
      for (auto c = b.col0; c < b.col0 + b.cols; ++c) hits(r, c) += 1;
  });
  for (auto v : hits.vector()) ASSERT_EQ(v, 1);
  std::atomic<int> ran{0};
  try {
    parallelFor(100, [&](std::int64_t i) {
      ++ran;
      if (i == 17 || i == 60) throw InvalidInput("boom " + std::to_string(i));
    });
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.message(), "boom 17");
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(Error, MessageNamesFileKeyAndValue) {
  InvalidInput e("must be positive", {"stack.toml", "offsets.step", "-3"});
  EXPECT_STREQ(e.what(), "stack.toml: 'offsets.step': must be positive (value: -3)");
}

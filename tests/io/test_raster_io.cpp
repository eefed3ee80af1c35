#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "stack_fixture.hpp"
#include "test_data.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

TEST(RasterIo, WriteReadRoundTripWithBandsNodataAndMetadata) {
  const auto dir = test::tempDir("rio");
  const std::string p = (dir / "a.tif").string();
  GeoGrid g;
  g.transform = {98.6, 0.001, 0, 31.2, 0, -0.001};
  {
    io::RasterWriter w(p, 50, 70, 2, io::DataType::Float32, &g);
    w.setBandName(1, "range_offset");
    w.setBandName(2, "azimuth_offset");
    w.setBandUnit(1, "pixel");
    w.setNoData(1, -9999.0);
    w.setMetadata("CONVENTIONS", "secondary minus reference");
    Raster<float> a(50, 70), b(50, 70);
    for (int r = 0; r < 50; ++r)
      for (int c = 0; c < 70; ++c) { a(r, c) = static_cast<float>(r * 100 + c); b(r, c) = -a(r, c); }
    w.write(1, a);
    w.write(2, b);
    EXPECT_TRUE(fs::exists(p + ".part"));
    EXPECT_FALSE(fs::exists(p));
    w.commit();
  }
  EXPECT_FALSE(fs::exists(p + ".part"));
  io::RasterReader r(p);
  EXPECT_EQ(r.length(), 50);
  EXPECT_EQ(r.width(), 70);
  EXPECT_EQ(r.info().bands, 2);
  EXPECT_TRUE(r.info().georeferenced);
  EXPECT_EQ(r.info().geo.epsg, 4326);
  EXPECT_DOUBLE_EQ(r.info().geo.transform[0], 98.6);
  EXPECT_EQ(r.bandIndex("azimuth_offset"), 2);
  EXPECT_THROW(r.bandIndex("snr"), InvalidInput);
  ASSERT_TRUE(r.info().nodata[0].has_value());
  EXPECT_EQ(*r.info().nodata[0], -9999.0);
  EXPECT_EQ(r.info().metadata.at("CONVENTIONS"), "secondary minus reference");
  const auto win = r.read<float>(2, Block{10, 5, 20, 3});
  EXPECT_EQ(win(0, 0), -1020.0f);
  EXPECT_EQ(win(4, 2), -1422.0f);
  try {
    r.read<float>(1, Block{45, 10, 0, 5});
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().file, p);
  }
}

TEST(RasterIo, ComplexReadAsAmplitude) {
  const auto dir = test::tempDir("rioc");
  const std::string p = (dir / "c.tif").string();
  Raster<cfloat> c(4, 5, cfloat(3, 4));
  io::writeRaster(p, c);
  io::RasterReader r(p);
  EXPECT_EQ(r.info().type, io::DataType::CFloat32);
  EXPECT_EQ(r.readAll<cfloat>()(2, 3), cfloat(3, 4));
  EXPECT_FLOAT_EQ(r.readAll<float>()(2, 3), 5.0f);
}

TEST(RasterIo, AbandonedWriterLeavesNothing) {
  const auto dir = test::tempDir("rioab");
  const std::string p = (dir / "x.tif").string();
  { io::RasterWriter w(p, 10, 10, 1, io::DataType::Float32); }
  EXPECT_FALSE(fs::exists(p));
  EXPECT_FALSE(fs::exists(p + ".part"));
}

TEST(RasterIo, MissingAndCorruptFilesNameThePath) {
  const auto dir = test::tempDir("riobad");
  try {
    io::RasterReader r((dir / "nope.tif").string());
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.tif"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos);
  }
  const std::string bad = (dir / "bad.tif").string();
  io::writeFileAtomic(bad, "this is not a tiff");
  try {
    io::RasterReader r(bad);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(e.context().file, bad);
  }
}

TEST(RasterIo, UnwritableOutputFolderIsAnIoError) {
  EXPECT_THROW(io::RasterWriter("/proc/orthotrack_no/x.tif", 4, 4, 1, io::DataType::Float32), IoError);
  EXPECT_THROW(io::writeFileAtomic("/proc/orthotrack_no.txt", "x"), IoError);
}

TEST(Dem, GeographicWindowNodataAndCoverage) {
  const auto dir = test::tempDir("dem");
  const std::string p = (dir / "dem.tif").string();
  Raster<float> h(100, 120);
  for (int r = 0; r < 100; ++r)
    for (int c = 0; c < 120; ++c) h(r, c) = static_cast<float>(2900 + r + 2 * c);
  h(50, 60) = -32768.0f;
  GeoGrid g;
  g.transform = {98.6, 0.001, 0, 31.2, 0, -0.001};
  g.length = 100;
  g.width = 120;
  io::writeRaster<float>(p, h, &g, "height", "m", -32768.0);
  const auto all = io::loadDem(p);
  EXPECT_EQ(all.heights.length(), 100);
  EXPECT_TRUE(std::isnan(all.heights(50, 60)));
  const auto win = io::loadDem(p, io::LonLatBounds{98.65, 98.66, 31.15, 31.16}, 0.001);
  EXPECT_LT(win.heights.width(), 30);
  // Same heights at the same coordinates.
  const double lon = win.grid.x(3), lat = win.grid.y(4);
  EXPECT_EQ(win.heights(4, 3), all.heights(static_cast<std::int64_t>(std::lround(all.grid.row(lat))),
                                           static_cast<std::int64_t>(std::lround(all.grid.col(lon)))));
  try {
    io::loadDem(p, io::LonLatBounds{98.65, 98.75, 31.15, 31.16});
    FAIL();
  } catch (const OutOfDomain& e) {
    EXPECT_EQ(e.context().file, p);
    EXPECT_NE(std::string(e.what()).find("does not cover"), std::string::npos);
  }
}

TEST(Dem, ProjectedDemIsWarpedToGeographic) {
  const auto dir = test::tempDir("demutm");
  const std::string p = (dir / "utm.tif").string();
  // UTM 47N around 98.7E 31.08N: a plane h = 3000 + 0.01 * easting offset.
  Raster<float> h(200, 200);
  const double e0 = 471000, n0 = 3440000;
  for (int r = 0; r < 200; ++r)
    for (int c = 0; c < 200; ++c) h(r, c) = static_cast<float>(3000.0 + 0.01 * (c * 30.0));
  GeoGrid g;
  g.transform = {e0, 30, 0, n0, 0, -30};
  g.epsg = 32647;
  g.length = g.width = 200;
  io::writeRaster(p, h, &g, "height", "m");
  const auto d = io::loadDem(p);
  EXPECT_EQ(d.grid.epsg, 4326);
  EXPECT_GT(d.grid.x(0), 98.0);
  EXPECT_LT(d.grid.x(0), 99.0);
  EXPECT_GT(d.grid.y(0), 30.5);
  // Heights increase eastwards from 3000 to ~3060 m.
  const float mid = d.heights(d.heights.length() / 2, d.heights.width() / 2);
  EXPECT_NEAR(mid, 3030.0, 3.0);
}

TEST(Dem, RealDemLoads) {
  OT_SKIP_WITHOUT_DATA("real/isce3/winnipeg_dem.tif");
  const auto d = io::loadDem(test::dataPath("real/isce3/winnipeg_dem.tif"));
  EXPECT_EQ(d.heights.length(), 640);  // rows
  EXPECT_EQ(d.heights.width(), 728);   // columns
  float lo = 1e9f, hi = -1e9f;
  for (float v : d.heights.vector()) { lo = std::min(lo, v); hi = std::max(hi, v); }
  EXPECT_GT(lo, 230.0f);
  EXPECT_LT(hi, 260.0f);
}

#include <filesystem>

#include <gtest/gtest.h>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/png.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "test_data.hpp"

using namespace orthotrack;

TEST(Png, RoundTripThroughGdal) {
  const auto dir = test::tempDir("png_roundtrip");
  Raster<std::uint8_t> r(23, 41), g(23, 41), b(23, 41);
  for (std::int64_t i = 0; i < 23; ++i)
    for (std::int64_t j = 0; j < 41; ++j) {
      r(i, j) = static_cast<std::uint8_t>(i * 11);
      g(i, j) = static_cast<std::uint8_t>(j * 6);
      b(i, j) = static_cast<std::uint8_t>((i * 41 + j) % 256);
    }
  const std::string path = (dir / "sub" / "x.png").string();
  io::writePng(path, r, g, b);
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
  const std::string bytes = io::readTextFile(path);
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");  // PNG signature \x89PNG
  io::RasterReader rd(path);
  EXPECT_EQ(rd.info().bands, 3);
  EXPECT_EQ(rd.length(), 23);
  EXPECT_EQ(rd.width(), 41);
  EXPECT_EQ(rd.readAll<std::uint8_t>(1).vector(), r.vector());
  EXPECT_EQ(rd.readAll<std::uint8_t>(2).vector(), g.vector());
  EXPECT_EQ(rd.readAll<std::uint8_t>(3).vector(), b.vector());
  EXPECT_EQ(io::encodePng(r, g, b), bytes);  // deterministic
}

TEST(Png, BadShapesAreRejected) {
  Raster<std::uint8_t> a(4, 5), b(4, 6), e;
  try {
    io::encodePng(a, b, a);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& ex) {
    EXPECT_EQ(ex.context().key, "green");
    EXPECT_EQ(ex.context().value, "4x6");
  }
  EXPECT_THROW(io::encodePng(a, a, b), InvalidInput);
  EXPECT_THROW(io::encodePng(e, e, e), InvalidInput);
  EXPECT_THROW(io::writePng("/proc/no/such/dir/x.png", a, a, a), IoError);
}

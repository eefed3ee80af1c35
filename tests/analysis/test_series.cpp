#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "orthotrack/analysis/series.hpp"
#include "orthotrack/core/error.hpp"
#include "test_data.hpp"

using namespace orthotrack;
using namespace orthotrack::analysis;

namespace {
std::vector<Raster<float>> stack(int n, int L, int W) {
  std::vector<Raster<float>> s;
  for (int k = 0; k < n; ++k) {
    Raster<float> r(L, W);
    for (int i = 0; i < L; ++i)
      for (int j = 0; j < W; ++j) r(i, j) = static_cast<float>(k * 100 + i * 10 + j);
    s.push_back(r);
  }
  return s;
}
}  // namespace

TEST(Series, PointAndPolygonAverages) {
  const std::vector<DateTime> d{DateTime(2010, 1, 1), DateTime(2010, 2, 1), DateTime(2010, 3, 1)};
  auto v = stack(3, 4, 5);
  std::vector<Raster<float>> sig(3, Raster<float>(4, 5, 0.2f));
  const auto p = pointSeries(d, v, sig, 2, 3);
  EXPECT_EQ(p.values, (std::vector<double>{23, 123, 223}));
  EXPECT_NEAR(p.sigma[1], 0.2, 1e-7);
  EXPECT_THROW(pointSeries(d, v, sig, 4, 0), OutOfDomain);
  Raster<std::uint8_t> mask(4, 5, 0);
  mask(1, 1) = mask(1, 2) = mask(2, 1) = mask(2, 2) = 1;
  v[1](2, 2) = NAN;  // skipped on that date
  const auto a = polygonAverage(d, v, sig, mask);
  EXPECT_NEAR(a.values[0], (11 + 12 + 21 + 22) / 4.0, 1e-12);
  EXPECT_NEAR(a.values[1], (111 + 112 + 121) / 3.0, 1e-12);
  EXPECT_EQ(a.count[1], 3);
  EXPECT_NEAR(a.sigma[0], 0.2, 1e-7);  // mean of σ (fully correlated)
  PolygonAverageParams se;
  se.sigmaRule = AverageSigma::StandardError;
  EXPECT_NEAR(polygonAverage(d, v, sig, mask, se).sigma[0], 0.2 / 2.0, 1e-7);  // σ/√n, independent
  // Without per-pixel σ: spatial standard deviation / √n.
  const auto b = polygonAverage(d, v, {}, mask, se);
  const double m = 16.5, var = ((11 - m) * (11 - m) + (12 - m) * (12 - m) + (21 - m) * (21 - m) + (22 - m) * (22 - m)) / 3.0;
  EXPECT_NEAR(b.sigma[0], std::sqrt(var / 4.0), 1e-9);
  se.minPixels = 4;
  EXPECT_TRUE(std::isnan(polygonAverage(d, v, sig, mask, se).values[1]));
  try {
    polygonAverage(d, v, sig, Raster<std::uint8_t>(3, 3));
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "mask");
  }
  v.pop_back();
  EXPECT_THROW(pointSeries(d, v, {}, 0, 0), InvalidInput);
}

TEST(Series, PointInPolygonAndRasterize) {
  // A square with a square hole, and a triangle elsewhere.
  Polygon sq{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, {{{4, 4}, {6, 4}, {6, 6}, {4, 6}}}};
  Polygon tri{{{20, 0}, {30, 0}, {20, 10}}, {}};
  const MultiPolygon mp{sq, tri};
  EXPECT_TRUE(pointInPolygon(1, 1, mp));
  EXPECT_FALSE(pointInPolygon(5, 5, mp));  // in the hole
  EXPECT_TRUE(pointInPolygon(21, 1, mp));
  EXPECT_FALSE(pointInPolygon(29, 9, mp));  // outside the hypotenuse
  EXPECT_FALSE(pointInPolygon(-1, 5, mp));
  // Rasterize on a north-up 1-unit grid 0..32 × 0..12 and compare with a plain per-pixel loop.
  GeoGrid g;
  g.epsg = 32647;
  g.transform = {0, 1, 0, 12, 0, -1};
  g.length = 12;
  g.width = 32;
  const auto m = rasterizePolygon(g, mp);
  int inside = 0;
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j < 32; ++j) {
      const double x = j + 0.5, y = 12 - (i + 0.5);
      const bool in = (x > 0 && x < 10 && y > 0 && y < 10 && !(x > 4 && x < 6 && y > 4 && y < 6)) ||
                      (x > 20 && y > 0 && x + y < 30);
      EXPECT_EQ(m(i, j), in ? 1 : 0) << i << "," << j;
      inside += in;
    }
  EXPECT_EQ(inside, 100 - 4 + 45);
  const auto px = nearestPixel(g, 3.2, 10.9);
  EXPECT_EQ(px[0], 1);
  EXPECT_EQ(px[1], 3);
  EXPECT_THROW(nearestPixel(g, 40, 5), OutOfDomain);
}

TEST(Series, GeoJsonParsing) {
  const std::string fc = R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"name":"slide"},"geometry":{"type":"Polygon","coordinates":[[[98.70,31.08],[98.71,31.08],[98.71,31.09],[98.70,31.08]]]}},
    {"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6,100],[5,5]]]]}}]})";
  const auto mp = parseGeoJsonPolygons(fc, "slide.geojson");
  ASSERT_EQ(mp.size(), 3u);
  EXPECT_EQ(mp[0].outer.size(), 3u);  // closing vertex dropped
  EXPECT_DOUBLE_EQ(mp[0].outer[1][0], 98.71);
  EXPECT_TRUE(pointInPolygon(98.708, 31.082, mp));
  const auto bare = parseGeoJsonPolygons(R"({"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2]],[[0.5,0.5],[1,0.5],[1,1]]]})");
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_EQ(bare[0].holes.size(), 1u);
  auto bad = [](const std::string& text, const std::string& key, const std::string& value) {
    try {
      parseGeoJsonPolygons(text, "x.geojson");
      FAIL() << text;
    } catch (const InvalidInput& e) {
      EXPECT_EQ(e.context().file, "x.geojson");
      EXPECT_EQ(e.context().key, key) << e.what();
      EXPECT_NE(e.context().value.find(value), std::string::npos) << e.what();
    }
  };
  bad("{not json", "", "{not json");
  bad(R"({"type":"Point","coordinates":[1,2]})", "type", "Point");
  bad(R"({"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[]}}]})",
      "features[0].geometry.type", "LineString");
  bad(R"({"type":"Polygon","coordinates":[[[0,0],[1,"a"],[1,1]]]})", "coordinates[0][1]", "\"a\"");
  bad(R"({"type":"Polygon","coordinates":[[[0,0],[1,0]]]})", "coordinates[0]", "2");
  bad(R"({"type":"FeatureCollection","features":[]})", "features", "0");
  // From a file.
  const auto dir = test::tempDir("geojson");
  std::ofstream(dir / "a.geojson") << R"({"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}})";
  EXPECT_EQ(readGeoJsonPolygons((dir / "a.geojson").string()).size(), 1u);
  EXPECT_THROW(readGeoJsonPolygons((dir / "missing.geojson").string()), IoError);
}

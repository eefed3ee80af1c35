// Product writing (SLC, lookup, report) and the "already done" check.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "orthotrack/core/error.hpp"
#include "orthotrack/coreg/coreg.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "synthetic.hpp"

using namespace orthotrack;
using namespace orthotrack::coreg;
using namespace coregtest;
namespace fs = std::filesystem;

TEST(Products, WrittenStreamedAndDetectedAsDone) {
  const geometry::Dem dem = makeDem(500.0);
  const auto master = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 200, 180);
  const auto sec = makeScene(palsar2(DateTime(2015, 10, 19, 5, 0, 0.0), 0.1), 1.5e-3, 8.0, 220, 200);
  const Texture tex(3);
  const Raster<cfloat> ms = render(master, dem, tex), ss = render(sec, dem, tex);
  CoregParams p;
  p.blockLines = 64;  // several blocks
  RectifyResult r = rectify(master, ms.cview(), secondaryFromMemory(sec, ss.cview()), dem, p);
  r.report.masterId = "M";
  r.report.secondaryId = "S1";
  const std::string out = (fs::temp_directory_path() / "orthotrack_coreg_products").string();
  fs::remove_all(out);
  EXPECT_FALSE(isSceneDone(out, "S1", 200, 180));
  writeSceneProducts(out, r, 64);
  const SceneProducts pp = sceneProducts(out, "S1");
  EXPECT_TRUE(isSceneDone(out, "S1", 200, 180));
  EXPECT_FALSE(isSceneDone(out, "S1", 200, 181));  // other master size
  // Contents: the lookup file equals Lookup::eval, the SLC the rectified image.
  const io::RasterReader lr(pp.lookup), sr(pp.slc);
  EXPECT_EQ(lr.info().bands, 2);
  EXPECT_EQ(lr.info().bandNames[0], "secondary_line");
  const Raster<double> L = lr.readAll<double>(1), S = lr.readAll<double>(2);
  const Raster<cfloat> Z = sr.readAll<cfloat>(1);
  for (std::int64_t i : {0, 77, 199})
    for (std::int64_t j : {0, 91, 179}) {
      double l, s;
      ASSERT_TRUE(r.lookup.eval(static_cast<double>(i), static_cast<double>(j), l, s));
      EXPECT_DOUBLE_EQ(L(i, j), l);
      EXPECT_DOUBLE_EQ(S(i, j), s);
      EXPECT_EQ(Z(i, j), r.slc(i, j));
    }
  const auto j = nlohmann::json::parse(io::readTextFile(pp.report));
  EXPECT_TRUE(j.at("complete").get<bool>());
  EXPECT_EQ(j.at("secondary"), "S1");
  EXPECT_TRUE(j.contains("correction_line"));
  // A missing raster or an incomplete report means "not done".
  fs::remove(pp.lookup);
  EXPECT_FALSE(isSceneDone(out, "S1", 200, 180));
  fs::remove_all(out);
}

TEST(Products, BadParametersNameTheKey) {
  CoregParams p;
  p.lookup.step = 0;
  try {
    p.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "coreg.lookup.step");
  }
  CoregParams q;
  q.refine.iterations = 0;
  try {
    q.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "coreg.refine.iterations");
  }
  EXPECT_EQ(parseMethod("Traditional"), Method::Traditional);
  EXPECT_THROW(parseMethod("magic"), InvalidInput);
}

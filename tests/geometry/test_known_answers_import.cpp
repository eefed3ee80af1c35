// ISCE3's known answers through our import path: the ENVISAT and UAVSAR RSLC HDF5 products imported
// by io::importProduct (scene JSON written and read back), the Winnipeg DEM read by io::loadDem.
#include <gtest/gtest.h>

#include "known_answers.hpp"
#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/import.hpp"
#include "orthotrack/io/scene.hpp"

using namespace orthotrack;
using namespace orthotrack::geometry;

namespace {
// Imports a product and reads its scene JSON back (what a stack sees).
io::SceneMetadata importScene(const std::string& rel, const std::string& name) {
  const auto dir = test::tempDir("ka_import_" + name);
  const auto scenes = io::importProduct(test::dataPath(rel), dir.string());
  EXPECT_EQ(scenes.size(), 1u);
  return io::readSceneMetadata(scenes.at(0).metadataPath);
}
test::RealScene realScene(const io::SceneMetadata& s) {
  return {SceneGeometry(s.orbit, s.grid), s.doppler, s.orbit.referenceEpoch()};
}
}  // namespace

TEST(KnownAnswersImport, EnvisatRdr2GeoAndGeo2Rdr) {
  OT_SKIP_WITHOUT_DATA("real/isce3/envisat.h5");
  OT_SKIP_WITHOUT_DATA("real/isce3/geometry_known_answers/input_data.txt");
  const io::SceneMetadata s = importScene("real/isce3/envisat.h5", "envisat");
  ASSERT_FALSE(s.doppler.empty());
  const test::RealScene sc = realScene(s);
  // The product declares Hermite interpolation; the importer resamples its 60 s vectors with it
  // (every 1 s), so the imported scene meets the table's strict bound (1e-8°) as it is.
  for (bool doppler : {false, true}) test::checkEnvisatTable(sc, doppler, true, /*imported=*/true);
  test::checkEnvisatGeo2Rdr(sc);
}

TEST(KnownAnswersImport, WinnipegTopoLayers) {
  OT_SKIP_WITHOUT_DATA("real/isce3/winnipeg.h5");
  OT_SKIP_WITHOUT_DATA("real/isce3/winnipeg_dem.tif");
  OT_SKIP_WITHOUT_DATA("real/isce3/topo_winnipeg/x.rdr");
  const io::SceneMetadata s = importScene("real/isce3/winnipeg.h5", "winnipeg");
  io::DemData d = io::loadDem(test::dataPath("real/isce3/winnipeg_dem.tif"));
  DemOptions opt;
  opt.method = DemInterpolation::Spline6;
  test::checkWinnipegTopo(SceneGeometry(s.orbit, s.grid), Dem(std::move(d.heights), d.grid, opt));
}

// Real known answers from ISCE3 (ENVISAT rdr2geo/geo2rdr table, UAVSAR Winnipeg topo layers).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "orthotrack/geometry/range_doppler.hpp"
#include "known_answers.hpp"
#include "real_data.hpp"

using namespace orthotrack;
using namespace orthotrack::geometry;

TEST(KnownAnswers, EnvisatRdr2GeoZeroDoppler) {
  OT_SKIP_WITHOUT_DATA("real/isce3/geometry_known_answers/input_data.txt");
  test::checkEnvisatTable(test::readRealScene("envisat"), false, true);
  test::checkEnvisatTable(test::readRealScene("envisat"), false, false);
}

TEST(KnownAnswers, EnvisatRdr2GeoDopplerLut) {
  OT_SKIP_WITHOUT_DATA("real/isce3/geometry_known_answers/input_data.txt");
  test::checkEnvisatTable(test::readRealScene("envisat"), true, true);
  test::checkEnvisatTable(test::readRealScene("envisat"), true, false);
}

TEST(KnownAnswers, EnvisatGeo2Rdr) {
  OT_SKIP_WITHOUT_DATA("real/isce3/derived/envisat_orbit.csv");
  test::checkEnvisatGeo2Rdr(test::readRealScene("envisat"));
}


// UAVSAR Winnipeg (left-looking aircraft, 7.2 s "orbit") over its real DEM against ISCE3's topo
// layers. ISCE3's tolerances are mean absolute differences after skipping |Δ| > 5.
TEST(KnownAnswers, WinnipegTopoLayers) {
  OT_SKIP_WITHOUT_DATA("real/isce3/topo_winnipeg/x.rdr");
  OT_SKIP_WITHOUT_DATA("real/isce3/derived/winnipeg_dem.f4");
  DemOptions opt;
  opt.method = DemInterpolation::Spline6;  // ISCE3's rdr2geo default ("biquintic")
  test::checkWinnipegTopo(test::readRealScene("winnipeg").geom, test::readRealDem("winnipeg_dem", opt));
}

// `orthotrack geometry` and `orthotrack locate` as a user meets them: files, bands, units, CSV
// columns, per-point statuses and exit codes; and import → stack → info on the real samples.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/wait.h>

#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/import.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "stack_fixture.hpp"
#include "cli_runner.hpp"
#include "test_data.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

namespace {
using test::runCli;

void writeText(const fs::path& p, const std::string& s) {
  std::ofstream(p) << s;
}

// A CSV written by locate: header → column index, rows of fields.
struct Table {
  std::map<std::string, std::size_t> col;
  std::vector<std::vector<std::string>> rows;
  const std::string& at(std::size_t r, const std::string& c) const { return rows.at(r).at(col.at(c)); }
  double num(std::size_t r, const std::string& c) const { return std::stod(at(r, c)); }
};
Table readTable(const fs::path& p) {
  std::ifstream in(p);
  Table t;
  std::string line;
  bool head = true;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    if (head) {
      for (std::size_t i = 0; i < f.size(); ++i) t.col[f[i]] = i;
      head = false;
    } else {
      t.rows.push_back(f);
    }
  }
  return t;
}
}  // namespace

// to-ground (line, sample, height) → to-radar of the answers gives the same pixels back; the same
// points given by azimuth time and slant range give the same ground points.
TEST(CliLocate, RoundTripGroundAndRadar) {
  const auto dir = test::tempDir("cli_locate_rt");
  const auto sc = test::fakeScene(dir.string(), "A1", "PALSAR-1", DateTime(2007, 1, 15, 16));
  writeText(dir / "px.csv", "id,line,sample,height\np0,0,0,0\np1,15.5,11.25,3000\np2,31,23,-50.5\np3,7.125,2.75,812.25\n");
  auto r = runCli("locate " + sc.metadataPath + " --to-ground " + (dir / "px.csv").string() + " -o " + (dir / "g.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const Table g = readTable(dir / "g.csv");
  ASSERT_EQ(g.rows.size(), 4u);
  for (const char* c : {"id", "azimuth_time", "slant_range", "line", "sample", "lon", "lat", "height", "status"})
    EXPECT_TRUE(g.col.count(c)) << c;
  EXPECT_EQ(g.at(1, "status"), "ok");
  EXPECT_NEAR(g.num(1, "height"), 3000.0, 1e-6);
  EXPECT_NEAR(g.num(1, "slant_range"), sc.grid.slantRange(11.25), 1e-4);
  EXPECT_EQ(g.at(1, "azimuth_time"), sc.grid.sensingStart.plusSeconds(15.5 * sc.grid.azimuthTimeInterval).iso(9));

  r = runCli("locate " + sc.metadataPath + " --to-radar " + (dir / "g.csv").string() + " -o " + (dir / "r.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const Table back = readTable(dir / "r.csv");
  ASSERT_EQ(back.rows.size(), 4u);
  const double want[4][2] = {{0, 0}, {15.5, 11.25}, {31, 23}, {7.125, 2.75}};
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(back.at(k, "id"), g.at(k, "id"));
    EXPECT_EQ(back.at(k, "status"), "ok");
    EXPECT_EQ(back.at(k, "in_image"), "1");
    // lon/lat are printed to 1e-10° (~1e-5 m): the pixel comes back to ~1e-6 px.
    EXPECT_NEAR(back.num(k, "line"), want[k][0], 1e-5) << k;
    EXPECT_NEAR(back.num(k, "sample"), want[k][1], 1e-5) << k;
    EXPECT_NEAR(back.num(k, "slant_range"), g.num(k, "slant_range"), 1e-4) << k;
  }
  // The same points by time and range (the first columns of g.csv) land on the same ground.
  r = runCli("locate " + sc.metadataPath + " --to-ground " + (dir / "r.csv").string() + " -o " + (dir / "g2.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const Table g2 = readTable(dir / "g2.csv");
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_NEAR(g2.num(k, "lon"), g.num(k, "lon"), 1e-9) << k;
    EXPECT_NEAR(g2.num(k, "lat"), g.num(k, "lat"), 1e-9) << k;
  }
}

// ISCE3's ENVISAT answers, through the importer and the CLI: geo2rdr of its point and rdr2geo of
// the first rows of its table. The scene stores the product's 60 s vectors (8-point Lagrange;
// ISCE3 used Hermite): that interpolator difference is ≤ 4e-8° / 3 mm (docs/geometry.md).
TEST(CliLocate, EnvisatKnownAnswersThroughImport) {
  OT_SKIP_WITHOUT_DATA("real/isce3/envisat.h5");
  OT_SKIP_WITHOUT_DATA("real/isce3/geometry_known_answers/input_data.txt");
  const auto dir = test::tempDir("cli_locate_envisat");
  const auto scenes = io::importProduct(test::dataPath("real/isce3/envisat.h5"), (dir / "scenes").string());
  ASSERT_EQ(scenes.size(), 1u);
  const std::string json = scenes[0].metadataPath;
  writeText(dir / "p.csv", "lon,lat,height\n-115.72466801139711,34.65846532785868,1772\n");
  auto r = runCli("locate " + json + " --to-radar " + (dir / "p.csv").string() + " -o " + (dir / "p_out.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const Table t = readTable(dir / "p_out.csv");
  const DateTime got = DateTime::parse(t.at(0, "azimuth_time"));
  EXPECT_NEAR(got.secondsSince(DateTime::parse("2003-02-26T17:55:34.122893704")), 0.0, 1e-6);
  EXPECT_NEAR(t.num(0, "slant_range"), 830449.6727720434, 1e-2);

  // rdr2geo table (zero Doppler): azimuth time, slant range, height → lat, lon, height.
  std::ifstream in(test::dataPath("real/isce3/geometry_known_answers/input_data.txt"));
  std::ifstream outRef(test::dataPath("real/isce3/geometry_known_answers/output_data_zerodop.txt"));
  std::string csv = "azimuth_time,slant_range,height\n";
  std::vector<std::array<double, 3>> ref;
  std::string ts;
  double rr, hh, la, lo, ho;
  for (int k = 0; k < 20 && (in >> ts >> rr >> hh) && (outRef >> la >> lo >> ho); ++k) {
    char line[160];
    std::snprintf(line, sizeof line, "%s,%.6f,%.6f\n", ts.c_str(), rr, hh);
    csv += line;
    ref.push_back({la, lo, ho});
  }
  ASSERT_EQ(ref.size(), 20u);
  writeText(dir / "rg.csv", csv);
  r = runCli("locate " + json + " --to-ground " + (dir / "rg.csv").string() + " -o " + (dir / "rg_out.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const Table g = readTable(dir / "rg_out.csv");
  ASSERT_EQ(g.rows.size(), 20u);
  for (std::size_t k = 0; k < 20; ++k) {
    EXPECT_NEAR(g.num(k, "lat"), ref[k][0], 5e-8) << k;
    EXPECT_NEAR(g.num(k, "lon"), ref[k][1], 5e-8) << k;
    EXPECT_NEAR(g.num(k, "height"), ref[k][2], 1e-4) << k;
  }
}

TEST(CliLocate, BadInputsAreStatusesAndExitCodes) {
  const auto dir = test::tempDir("cli_locate_bad");
  const auto sc = test::fakeScene(dir.string(), "A1", "PALSAR-1", DateTime(2007, 1, 15, 16));
  const std::string loc = "locate " + sc.metadataPath + " ";
  // Missing column: exit 2 naming the file and the column.
  writeText(dir / "nolat.csv", "lon,height\n4.2,0\n");
  auto r = runCli(loc + "--to-radar " + (dir / "nolat.csv").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("nolat.csv"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("missing column lat"), std::string::npos) << r.out;
  // No height and no --dem.
  writeText(dir / "noh.csv", "line,sample\n1,1\n");
  r = runCli(loc + "--to-ground " + (dir / "noh.csv").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("missing column height"), std::string::npos) << r.out;
  // Text that is not a number: exit 2 naming the line and column.
  writeText(dir / "text.csv", "lon,lat,height\n4.2,0.0,0\n4.2,north,0\n");
  r = runCli(loc + "--to-radar " + (dir / "text.csv").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("line 3, column lat"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("north"), std::string::npos) << r.out;
  // Wrong field count.
  writeText(dir / "short.csv", "lon,lat,height\n4.2,0.0\n");
  r = runCli(loc + "--to-radar " + (dir / "short.csv").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("line 2"), std::string::npos) << r.out;
  // Both directions at once.
  r = runCli(loc + "--to-radar a.csv --to-ground b.csv");
  EXPECT_EQ(r.code, 2) << r.out;

  // Per-point statuses: NaN → invalid_value (exit 2); the others are still located.
  const Table ok = [&] {
    writeText(dir / "px.csv", "line,sample,height\n10,10,0\n");
    EXPECT_EQ(runCli(loc + "--to-ground " + (dir / "px.csv").string() + " -o " + (dir / "pxg.csv").string()).code, 0);
    return readTable(dir / "pxg.csv");
  }();
  const std::string lon = ok.at(0, "lon"), lat = ok.at(0, "lat");
  writeText(dir / "nan.csv", "id,lon,lat,height\na," + lon + "," + lat + ",0\nb,nan," + lat + ",0\nc," + lon + "," + lat + ",NaN\n");
  r = runCli(loc + "--to-radar " + (dir / "nan.csv").string() + " -o " + (dir / "nan_out.csv").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("2 of 3 points not located (2 invalid_value)"), std::string::npos) << r.out;
  Table t = readTable(dir / "nan_out.csv");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.at(0, "status"), "ok");
  EXPECT_NEAR(t.num(0, "line"), 10.0, 1e-5);
  EXPECT_EQ(t.at(1, "status"), "invalid_value");
  EXPECT_EQ(t.at(1, "line"), "nan");
  EXPECT_EQ(t.at(2, "status"), "invalid_value");

  // A target the orbit (±60 s around the scene, a polar orbit through lon 0) never sees at zero
  // Doppler: out_of_orbit_span, exit 4.
  writeText(dir / "far.csv", "id,lon,lat,height\nnear," + lon + "," + lat + ",0\nfar," + lon + ",60,0\n");
  r = runCli(loc + "--to-radar " + (dir / "far.csv").string() + " -o " + (dir / "far_out.csv").string());
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_NE(r.out.find("1 out_of_orbit_span"), std::string::npos) << r.out;
  t = readTable(dir / "far_out.csv");
  EXPECT_EQ(t.at(0, "status"), "ok");
  EXPECT_EQ(t.at(1, "status"), "out_of_orbit_span");
  // A line whose time is outside the orbit's state vectors.
  writeText(dir / "late.csv", "line,sample,height\n1e6,0,0\n");
  r = runCli(loc + "--to-ground " + (dir / "late.csv").string() + " -o " + (dir / "late_out.csv").string());
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_EQ(readTable(dir / "late_out.csv").at(0, "status"), "out_of_orbit_span");
  // With a DEM that does not cover the point: outside_dem, exit 4.
  test::fakeDem((dir / "dem_far.tif").string(), 98.6, 31.0);
  r = runCli(loc + "--to-ground " + (dir / "px.csv").string() + " --dem " + (dir / "dem_far.tif").string() + " -o " +
             (dir / "d_out.csv").string());
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_EQ(readTable(dir / "d_out.csv").at(0, "status"), "outside_dem");
}

// The layers of a multi-looked grid: files, bands, units, sizes, and the values of the library.
TEST(CliGeometry, LayersAsGeoTiffs) {
  const auto dir = test::tempDir("cli_geometry");
  const auto stack = test::fakeStack(dir.string());
  const std::string out = (dir / "geo").string();
  auto r = runCli("geometry " + stack + " --scene A2 --looks 2,3 -o " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  const io::Stack st = io::loadStack(stack);
  const auto& sc = st.scene("A2");
  const geometry::SceneGeometry g = geometry::SceneGeometry(sc.orbit, sc.grid).multilooked(2, 3);
  const std::int64_t L = sc.grid.length / 2, W = sc.grid.width / 3;
  struct Expect {
    const char* file;
    std::vector<std::string> bands;
    const char* unit;
  };
  for (const Expect& e : {Expect{"lon.tif", {"longitude"}, "degree"}, Expect{"lat.tif", {"latitude"}, "degree"},
                          Expect{"height.tif", {"height"}, "m"}, Expect{"incidence.tif", {"incidence"}, "degree"},
                          Expect{"local_incidence.tif", {"local_incidence"}, "degree"},
                          Expect{"los_enu.tif", {"los_east", "los_north", "los_up"}, "1"},
                          Expect{"flight_enu.tif", {"flight_east", "flight_north", "flight_up"}, "1"},
                          Expect{"mask.tif", {"layover_shadow", "status"}, ""}}) {
    io::RasterReader rd(out + "/" + e.file);
    EXPECT_EQ(rd.length(), L) << e.file;
    EXPECT_EQ(rd.width(), W) << e.file;
    EXPECT_EQ(rd.info().bandNames, e.bands) << e.file;
    EXPECT_EQ(rd.info().metadata.at("SCENE"), "A2");
    EXPECT_EQ(rd.info().metadata.at("LOOKS"), "2,3");
  }
  // Values: the library on the multi-looked grid with the stack's DEM (bicubic).
  const auto dd = io::loadDem(st.dem);
  geometry::DemOptions o;
  o.method = geometry::DemInterpolation::Bicubic;
  const geometry::Dem dem(dd.heights, dd.grid, o);
  const auto lon = io::RasterReader(out + "/lon.tif").readAll<double>();
  const auto h = io::RasterReader(out + "/height.tif").readAll<float>();
  const auto inc = io::RasterReader(out + "/incidence.tif").readAll<float>();
  const auto status = io::RasterReader(out + "/mask.tif").readAll<std::uint8_t>(2);
  for (std::int64_t i = 0; i < L; i += 3)
    for (std::int64_t j = 0; j < W; j += 2) {
      geometry::Rdr2GeoResult res;
      ASSERT_EQ(geometry::rdr2geo(g, static_cast<double>(i), static_cast<double>(j), dem, res), Status::Ok);
      EXPECT_EQ(status(i, j), 0);
      EXPECT_NEAR(lon(i, j), res.llh.lon / kDeg, 1e-9);
      EXPECT_NEAR(h(i, j), res.llh.h, 1e-3);
      EXPECT_GT(inc(i, j), 10.0f);
      EXPECT_LT(inc(i, j), 80.0f);
    }

  // Bad inputs: unknown scene, bad looks (exit 2); a DEM that does not cover the scene (exit 4).
  r = runCli("geometry " + stack + " --scene nope -o " + out);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("nope"), std::string::npos) << r.out;
  r = runCli("geometry " + stack + " --scene A2 --looks 2,x -o " + out);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--looks"), std::string::npos) << r.out;
  test::fakeDem((dir / "dem.tif").string(), 98.6, 31.0);
  r = runCli("geometry " + stack + " --scene A2 -o " + (dir / "geo2").string());
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_NE(r.out.find("does not cover"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "geo2" / "lon.tif"));
}

// import → stack → info on the real samples, through the command line.
TEST(CliImport, RealSamplesImportStackInfo) {
  OT_SKIP_WITHOUT_DATA("real/isce3/envisat.h5");
  OT_SKIP_WITHOUT_DATA("real/isce3/winnipeg.h5");
  OT_SKIP_WITHOUT_DATA("real/isce3/winnipeg_dem.tif");
  const auto dir = test::tempDir("cli_import_real");
  const std::string scenes = (dir / "scenes").string();
  for (const char* f : {"real/isce3/winnipeg.h5", "real/isce3/envisat.h5"}) {
    const auto r = runCli("import " + test::dataPath(f) + " -o " + scenes);
    ASSERT_EQ(r.code, 0) << r.out;
  }
  const std::string dem = test::dataPath("real/isce3/winnipeg_dem.tif");
  // Both scenes: the Winnipeg DEM does not cover the Mojave ENVISAT scene: info says so (exit 4).
  auto r = runCli("stack " + scenes + " -o " + (dir / "both.toml").string() + " --dem " + dem);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("2 scenes on 2 platform(s)"), std::string::npos) << r.out;
  r = runCli("info " + (dir / "both.toml").string());
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_NE(r.out.find("does not cover the footprint of: ENVISAT_20030226_HH"), std::string::npos) << r.out;
  // The UAVSAR scene alone over its DEM: a valid stack.
  r = runCli("stack " + scenes + " -o " + (dir / "uavsar.toml").string() + " --dem " + dem + " --platform UAVSAR");
  ASSERT_EQ(r.code, 0) << r.out;
  r = runCli("info " + (dir / "uavsar.toml").string());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("UAVSAR_20120717_HH"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("look left"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("valid      yes"), std::string::npos) << r.out;
}

// `import --amplitude`: the scene's image becomes the detected (oversampled, multi-looked) amplitude.
TEST(CliImport, AmplitudeOption) {
  OT_SKIP_WITHOUT_DATA("real/isce3/envisat.h5");
  const auto dir = test::tempDir("cli_import_amp");
  const std::string in = test::dataPath("real/isce3/envisat.h5");
  auto r = runCli("import " + in + " -o " + (dir / "a").string() + " --amplitude --oversample 2 --looks 2,4");
  ASSERT_EQ(r.code, 0) << r.out;
  const fs::path sd = dir / "a" / "ENVISAT_20030226_HH";
  EXPECT_FALSE(fs::exists(sd / "ENVISAT_20030226_HH.slc.tif"));
  const io::SceneMetadata s = io::readSceneMetadata((sd / "ENVISAT_20030226_HH.json").string());
  EXPECT_EQ(s.imageKind, io::ImageKind::Amplitude);
  EXPECT_EQ(s.grid.length, 500);  // 500 lines × 2 / 2
  EXPECT_EQ(s.grid.width, 250);   // 500 samples × 2 / 4
  io::RasterReader rd(s.image);
  EXPECT_EQ(rd.length(), 500);
  EXPECT_EQ(rd.width(), 250);
  EXPECT_EQ(rd.info().bandNames.front(), "amplitude");
  const auto a = rd.readAll<float>();
  double mean = 0;
  for (float v : a.vector()) mean += static_cast<double>(v);
  EXPECT_GT(mean / static_cast<double>(a.size()), 0.0);
  // The options without --amplitude, and bad looks: exit 2 naming the option.
  r = runCli("import " + in + " -o " + (dir / "b").string() + " --looks 2,2");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--amplitude"), std::string::npos) << r.out;
  r = runCli("import " + in + " -o " + (dir / "c").string() + " --amplitude --oversample 3");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("amplitude.oversample"), std::string::npos) << r.out;
}

// Scene JSON validation (plain GeoTIFF / ENVI + our metadata), stack building and the round trip
// import -> buildStack -> writeStack -> loadStack on the real samples.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "import_test_util.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/io/import.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "test_data.hpp"

using namespace orthotrack;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A small scene of our own format: ENVI complex64 image (raw + .hdr) and its JSON.
io::SceneMetadata makeEnviScene(const fs::path& dir, const std::string& id, const DateTime& t0, int length = 6, int width = 4) {
  fs::create_directories(dir);
  const std::string bin = (dir / (id + ".bin")).string();
  std::vector<cfloat> px(static_cast<std::size_t>(length * width));
  for (std::size_t k = 0; k < px.size(); ++k) px[k] = cfloat(static_cast<float>(k), -static_cast<float>(k) * 0.5f);
  {
    std::ofstream out(bin, std::ios::binary);
    out.write(reinterpret_cast<const char*>(px.data()), static_cast<std::streamsize>(px.size() * sizeof(cfloat)));
  }
  std::ofstream hdr((dir / (id + ".hdr")).string());
  hdr << "ENVI\nsamples = " << width << "\nlines = " << length
      << "\nbands = 1\nheader offset = 0\nfile type = ENVI Standard\ndata type = 6\ninterleave = bsq\nbyte order = 0\n";
  hdr.close();
  io::SceneMetadata s;
  s.id = id;
  s.platform = "PALSAR-1";
  s.polarization = "HH";
  s.image = bin;
  s.grid.sensingStart = t0;
  s.grid.azimuthTimeInterval = 1.0 / 2000.0;
  s.grid.startingRange = 850000.0;
  s.grid.rangePixelSpacing = 4.68;
  s.grid.wavelength = 0.236;
  s.grid.length = length;
  s.grid.width = width;
  std::vector<StateVector> svs;
  for (int k = 0; k < 6; ++k) {
    const double t = -30.0 + 12.0 * k;
    svs.push_back({t0.plusSeconds(t), Vec3(7.0e6, 7.5e3 * t, 0.0), Vec3(0.0, 7.5e3, 0.0)});
  }
  s.orbit = Orbit(svs);
  s.metadataPath = (dir / (id + ".json")).string();
  io::writeSceneMetadata(s.metadataPath, s);
  return s;
}

}  // namespace

TEST(ImportPlain, SceneJsonWithEnviImageIsValidatedNotCopied) {
  const auto dir = test::tempDir("plain_envi");
  const auto s = makeEnviScene(dir / "a", "P1_A", DateTime(2008, 1, 15, 3, 0, 0.0));
  const auto before = std::distance(fs::recursive_directory_iterator(dir), fs::recursive_directory_iterator());
  EXPECT_EQ(io::detectFormat(s.metadataPath), io::ProductFormat::SceneJson);
  const auto got = io::importProduct(s.metadataPath, (dir / "out").string());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, "P1_A");
  EXPECT_EQ(got[0].metadataPath, fs::absolute(s.metadataPath).string());
  EXPECT_FALSE(fs::exists(dir / "out"));
  EXPECT_EQ(std::distance(fs::recursive_directory_iterator(dir), fs::recursive_directory_iterator()), before);
  io::RasterReader r(got[0].image);
  EXPECT_EQ(r.readAll<cfloat>()(5, 3), cfloat(23.0f, -11.5f));

  // Size mismatch, missing image, wrong kind, unrequested polarization.
  auto edit = [&](const std::string& name, const std::function<void(json&)>& f) {
    json j = json::parse(io::readTextFile(s.metadataPath));
    f(j);
    const std::string p = (dir / "a" / (name + ".json")).string();
    io::writeFileAtomic(p, j.dump(1));
    return p;
  };
  const std::string p1 = edit("bad_size", [](json& j) { j["radar_grid"]["width"] = 5; });
  test::expectError<InvalidInput>("size", [&] { io::importProduct(p1, dir.string()); }, {p1, "radar_grid.length/width", "6 x 4"});
  const std::string p2 = edit("no_image", [](json& j) { j["image"]["path"] = "nothere.tif"; });
  test::expectError<IoError>("missing image", [&] { io::importProduct(p2, dir.string()); }, {"nothere.tif"});
  const std::string p3 = edit("kind", [](json& j) { j["image"]["kind"] = "amplitude"; });
  test::expectError<InvalidInput>("kind", [&] { io::importProduct(p3, dir.string()); }, {p3, "image.kind"});
  io::ImportParams vv;
  vv.polarizations = {"VV"};
  test::expectError<InvalidInput>("polarization", [&] { io::importProduct(s.metadataPath, dir.string(), vv); }, {"P1_A.json", "polarization", "HH"});
  const std::string p4 = (dir / "a" / "broken.json").string();
  io::writeFileAtomic(p4, "{ \"id\": ");
  test::expectError<InvalidInput>("not json", [&] { io::importProduct(p4, dir.string()); }, {p4, "JSON"});
}

TEST(ImportStack, BuildSortsGroupsAndChecks) {
  const auto dir = test::tempDir("stack_build");
  const std::string dem = (dir / "dem.tif").string();
  Raster<float> d(4, 4, 100.0f);
  io::writeRaster(dem, d);
  // Two platforms: PALSAR-1 in 2008 and 2009, PALSAR-2 in 2015 imported before them in path order.
  makeEnviScene(dir / "s" / "a", "P1_2009", DateTime(2009, 3, 1, 3, 0, 0.0));
  makeEnviScene(dir / "s" / "b", "P1_2008", DateTime(2008, 6, 1, 3, 0, 0.0));
  auto p2 = makeEnviScene(dir / "s" / "0", "P2_2015", DateTime(2015, 1, 1, 3, 0, 0.0));
  p2.platform = "PALSAR-2";
  io::writeSceneMetadata(p2.metadataPath, p2);
  // A P1 scene from 2016 to check that platform groups do not interleave.
  makeEnviScene(dir / "s" / "c", "P1_2016", DateTime(2016, 1, 1, 3, 0, 0.0));

  io::BuildStackParams bp;
  bp.stackPath = (dir / "stack.toml").string();
  bp.name = "test";
  const auto st = io::buildStack({(dir / "s").string()}, dem, bp);
  ASSERT_EQ(st.scenes.size(), 4u);
  std::vector<std::string> ids;
  for (const auto& s : st.scenes) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"P1_2008", "P1_2009", "P1_2016", "P2_2015"}));
  EXPECT_EQ(st.platforms(), (std::vector<std::string>{"PALSAR-1", "PALSAR-2"}));
  EXPECT_EQ(st.outputDir, (dir / "run").string());
  io::writeStack(bp.stackPath, st);
  const auto back = io::loadStack(bp.stackPath);
  ASSERT_EQ(back.scenes.size(), 4u);
  EXPECT_EQ(back.name, "test");
  EXPECT_EQ(back.scenes.front().id, "P1_2008");  // loadStack orders by time
  EXPECT_EQ(back.scenes.back().id, "P1_2016");

  // Selection by platform.
  io::BuildStackParams only2 = bp;
  only2.platforms = {"PALSAR-2"};
  EXPECT_EQ(io::buildStack({(dir / "s").string()}, dem, only2).scenes.size(), 1u);
  only2.platforms = {"SENTINEL-1"};
  test::expectError<InvalidInput>("nothing left", [&] { io::buildStack({(dir / "s").string()}, dem, only2); }, {"no scene left"});
  // Missing DEM, missing input, empty folder.
  test::expectError<IoError>("dem", [&] { io::buildStack({(dir / "s").string()}, (dir / "nodem.tif").string(), bp); }, {"nodem.tif"});
  test::expectError<IoError>("input", [&] { io::buildStack({(dir / "nothing").string()}, dem, bp); }, {"nothing"});
  fs::create_directories(dir / "empty");
  test::expectError<InvalidInput>("empty", [&] { io::buildStack({(dir / "empty").string()}, dem, bp); }, {"empty", "no scene JSON"});
  // The same scene twice under another folder: duplicate id.
  makeEnviScene(dir / "dup", "P1_2009", DateTime(2009, 3, 1, 3, 0, 0.0));
  test::expectError<InvalidInput>("duplicate", [&] { io::buildStack({(dir / "s").string(), (dir / "dup").string()}, dem, bp); },
                                  {"P1_2009", "duplicate scene id"});
  // Same platform, polarization and time with another id: imported twice.
  makeEnviScene(dir / "dup2", "P1_again", DateTime(2009, 3, 1, 3, 0, 0.0));
  test::expectError<InvalidInput>("twice", [&] { io::buildStack({(dir / "s").string(), (dir / "dup2").string()}, dem, bp); },
                                  {"PALSAR-1", "same time"});
  // An orbit that does not cover the scene.
  auto far = makeEnviScene(dir / "far", "P1_far", DateTime(2010, 3, 1, 3, 0, 0.0));
  std::vector<StateVector> svs = far.orbit.stateVectors();
  for (auto& sv : svs) sv.time = sv.time.plusSeconds(3600);
  far.orbit = Orbit(svs);
  io::writeSceneMetadata(far.metadataPath, far);
  test::expectError<InvalidInput>("coverage", [&] { io::buildStack({(dir / "far").string()}, dem, bp); }, {"P1_far.json", "does not cover"});
}

TEST(ImportStack, RealSamplesRoundTrip) {
  OT_SKIP_WITHOUT_DATA("real/isce3/envisat.h5");
  OT_SKIP_WITHOUT_DATA("real/isce3/winnipeg.h5");
  OT_SKIP_WITHOUT_DATA("real/isce3/winnipeg_dem.tif");
  const auto dir = test::tempDir("stack_real");
  const std::string scenes = (dir / "scenes").string();
  std::vector<io::SceneMetadata> imported;
  for (const char* f : {"real/isce3/winnipeg.h5", "real/isce3/envisat.h5"})
    for (auto& s : io::importProduct(test::dataPath(f), scenes)) imported.push_back(s);
  ASSERT_EQ(imported.size(), 2u);
  io::BuildStackParams bp;
  bp.stackPath = (dir / "stack.toml").string();
  bp.name = "real";
  const auto st = io::buildStack({scenes}, test::dataPath("real/isce3/winnipeg_dem.tif"), bp);
  ASSERT_EQ(st.scenes.size(), 2u);
  EXPECT_EQ(st.scenes[0].id, "ENVISAT_20030226_HH");
  EXPECT_EQ(st.scenes[1].id, "UAVSAR_20120717_HH");
  io::writeStack(bp.stackPath, st);
  const auto back = io::loadStack(bp.stackPath);
  ASSERT_EQ(back.scenes.size(), 2u);
  EXPECT_EQ(back.platforms(), (std::vector<std::string>{"ENVISAT", "UAVSAR"}));
  EXPECT_EQ(back.dem, fs::weakly_canonical(test::dataPath("real/isce3/winnipeg_dem.tif")).string());
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& a = back.scenes[k];
    const auto& b = st.scenes[k];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.grid.sensingStart, b.grid.sensingStart);
    EXPECT_EQ(a.grid.azimuthTimeInterval, b.grid.azimuthTimeInterval);
    EXPECT_EQ(a.grid.startingRange, b.grid.startingRange);
    EXPECT_EQ(a.grid.length, b.grid.length);
    EXPECT_EQ(a.orbit.size(), b.orbit.size());
    EXPECT_EQ(a.doppler.data(), b.doppler.data());
    io::RasterReader r(a.image);
    EXPECT_EQ(r.length(), a.grid.length);
  }
}

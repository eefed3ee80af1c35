// NISAR/ISCE3 RSLC import on the real ENVISAT and UAVSAR samples, checked against the values in
// real/isce3/derived (written independently from the HDF5 files), and on corrupted copies.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <hdf5.h>

#include "import_test_util.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/io/import.hpp"
#include "orthotrack/io/import_nisar.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "test_data.hpp"

using namespace orthotrack;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::vector<double>> readCsv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || std::isalpha(static_cast<unsigned char>(line[0]))) continue;
    std::vector<double> r;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) r.push_back(std::stod(cell));
    rows.push_back(r);
  }
  return rows;
}

std::vector<double> readColumn(const std::string& path) {
  std::vector<double> v;
  for (const auto& r : readCsv(path)) v.push_back(r.at(0));
  return v;
}

// Checks one imported product against derived/<name>_*.
void checkAgainstDerived(const std::string& name, const io::SceneMetadata& s) {
  const std::string d = test::dataPath("real/isce3/derived/" + name);
  const json g = json::parse(io::readTextFile(d + "_radargrid.json"));
  // Radar grid.
  EXPECT_EQ(s.grid.length, g["lines"].get<std::int64_t>());
  EXPECT_EQ(s.grid.width, g["samples"].get<std::int64_t>());
  const std::string units = g["zero_doppler_time_units"].get<std::string>();
  const DateTime epoch = DateTime::parse(units.substr(std::string("seconds since ").size()));
  // DateTime keeps ns: the start time equals the file's double to 1 ns.
  EXPECT_NEAR(s.grid.sensingStart.secondsSince(epoch), g["first_zero_doppler_time_s"].get<double>(), 1e-9);
  EXPECT_EQ(s.grid.azimuthTimeInterval, g["zero_doppler_time_spacing_s"].get<double>());
  EXPECT_EQ(s.grid.startingRange, g["first_slant_range_m"].get<double>());
  EXPECT_EQ(s.grid.rangePixelSpacing, g["slant_range_spacing_m"].get<double>());
  EXPECT_NEAR(s.grid.wavelength, g["wavelength_m"].get<double>(), 1e-16);
  EXPECT_EQ(toString(s.grid.lookSide), g["look_direction"].get<std::string>());
  EXPECT_NEAR(s.grid.sensingStop().secondsSince(epoch), g["last_zero_doppler_time_s"].get<double>(), 1e-6);

  // Orbit: where the product declares Hermite interpolation (ENVISAT) the importer resamples it every 1 s with
  // that interpolant, which passes through every state vector of the product (CSV written with 6
  // decimals for positions, 9 for velocities).
  const auto orb = readCsv(d + "_orbit.csv");
  ASSERT_GE(s.orbit.size(), orb.size());  // = when the product declares no interpolation (Winnipeg)
  for (std::size_t i = 0; i < orb.size(); ++i) {
    Vec3 p, v;
    ASSERT_EQ(s.orbit.interpolate(s.orbit.toSeconds(epoch.plusSeconds(orb[i][0])), p, v), Status::Ok) << i;
    for (int k = 0; k < 3; ++k) {
      EXPECT_NEAR(p[k], orb[i][1 + k], 1e-5) << i;
      EXPECT_NEAR(v[k], orb[i][4 + k], 1e-6) << i;
    }
  }
  // The orbit covers the scene and its reference epoch is the first vector floored to the second.
  EXPECT_TRUE(s.orbit.covers(s.orbit.toSeconds(s.grid.sensingStart), s.orbit.toSeconds(s.grid.sensingStop())));

  // Doppler LUT: axes and every value.
  const auto lut = readCsv(d + "_doppler_lut.csv");
  const auto lt = readColumn(d + "_doppler_lut_time.txt");
  const auto lr = readColumn(d + "_doppler_lut_range.txt");
  ASSERT_EQ(lut.size(), lt.size());
  ASSERT_EQ(lut[0].size(), lr.size());
  bool allZero = true;
  for (const auto& r : lut)
    for (double v : r) allZero = allZero && v == 0.0;
  if (allZero) {
    EXPECT_TRUE(s.doppler.empty());
    EXPECT_EQ(s.doppler.eval(0.0, s.grid.startingRange), 0.0);
  } else {
    ASSERT_FALSE(s.doppler.empty());
    EXPECT_EQ(s.doppler.ny(), static_cast<int>(lt.size()));
    EXPECT_EQ(s.doppler.nx(), static_cast<int>(lr.size()));
    EXPECT_NEAR(s.doppler.xStart(), lr.front(), 1e-6);
    EXPECT_NEAR(s.doppler.xSpacing(), (lr.back() - lr.front()) / static_cast<double>(lr.size() - 1), 1e-9);
    EXPECT_NEAR(s.doppler.epoch().plusSeconds(s.doppler.yStart()).secondsSince(epoch), lt.front(), 1e-9);
    EXPECT_NEAR(s.doppler.ySpacing(), (lt.back() - lt.front()) / static_cast<double>(lt.size() - 1), 1e-9);
    for (std::size_t i = 0; i < lt.size(); i += 7)
      for (std::size_t j = 0; j < lr.size(); j += 11) {
        EXPECT_NEAR(s.doppler.data()[i * lr.size() + j], lut[i][j], 1e-6) << i << "," << j;
        // Evaluated at the grid node through the LUT's own time axis.
        const double t = epoch.plusSeconds(lt[i]).secondsSince(s.doppler.epoch());
        EXPECT_NEAR(s.doppler.eval(t, lr[j]), lut[i][j], 1e-6) << i << "," << j;
      }
    EXPECT_NEAR(*std::min_element(s.doppler.data().begin(), s.doppler.data().end()), g["doppler_lut"]["min_hz"].get<double>(), 1e-9);
    EXPECT_NEAR(*std::max_element(s.doppler.data().begin(), s.doppler.data().end()), g["doppler_lut"]["max_hz"].get<double>(), 1e-9);
  }

  // Image: bit for bit.
  io::RasterReader r(s.image);
  EXPECT_EQ(r.info().type, io::DataType::CFloat32);
  const auto img = r.readAll<cfloat>();
  const auto ref = test::readBytes(d + "_HH.c8");
  ASSERT_EQ(ref.size(), static_cast<std::size_t>(s.grid.length * s.grid.width) * sizeof(cfloat));
  EXPECT_EQ(std::memcmp(img.data(), ref.data(), ref.size()), 0);
}

// Metadata file round trip: what was written reads back identical.
void checkJsonRoundTrip(const io::SceneMetadata& s) {
  const auto b = io::readSceneMetadata(s.metadataPath);
  EXPECT_EQ(b.id, s.id);
  EXPECT_EQ(b.platform, s.platform);
  EXPECT_EQ(b.polarization, s.polarization);
  EXPECT_EQ(b.image, s.image);
  EXPECT_EQ(b.grid.sensingStart, s.grid.sensingStart);
  EXPECT_EQ(b.grid.azimuthTimeInterval, s.grid.azimuthTimeInterval);
  EXPECT_EQ(b.grid.startingRange, s.grid.startingRange);
  EXPECT_EQ(b.grid.rangePixelSpacing, s.grid.rangePixelSpacing);
  EXPECT_EQ(b.grid.wavelength, s.grid.wavelength);
  EXPECT_EQ(b.grid.lookSide, s.grid.lookSide);
  ASSERT_EQ(b.orbit.size(), s.orbit.size());
  for (std::size_t i = 0; i < s.orbit.size(); ++i) {
    EXPECT_EQ(b.orbit.stateVectors()[i].time, s.orbit.stateVectors()[i].time);
    EXPECT_EQ(b.orbit.stateVectors()[i].position, s.orbit.stateVectors()[i].position);
    EXPECT_EQ(b.orbit.stateVectors()[i].velocity, s.orbit.stateVectors()[i].velocity);
  }
  EXPECT_EQ(b.doppler.empty(), s.doppler.empty());
  EXPECT_EQ(b.doppler.data(), s.doppler.data());
  if (!s.doppler.empty()) {
    EXPECT_EQ(b.doppler.epoch().plusSeconds(b.doppler.yStart()), s.doppler.epoch().plusSeconds(s.doppler.yStart()));
  }
}

// A corrupted copy of envisat.h5: `edit` gets the copy's HDF5 file id (read-write).
std::string corruptCopy(const std::string& name, const std::function<void(hid_t)>& edit) {
  const auto dir = test::tempDir("nisar_" + name);
  const std::string p = (dir / "envisat.h5").string();
  fs::copy_file(test::dataPath("real/isce3/envisat.h5"), p);
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  EXPECT_GE(f, 0);
  edit(f);
  H5Fclose(f);
  return p;
}

const std::string kGroup = "/science/LSAR/SLC";

}  // namespace

TEST(ImportNisar, EnvisatMatchesKnownValues) {
  OT_SKIP_WITHOUT_DATA("real/isce3/envisat.h5");
  const auto out = test::tempDir("nisar_envisat");
  io::ImportParams p;
  p.blockLines = 37;  // blocks that do not divide the 500 lines
  const auto scenes = io::importProduct(test::dataPath("real/isce3/envisat.h5"), out.string(), p);
  ASSERT_EQ(scenes.size(), 1u);
  const auto& s = scenes[0];
  EXPECT_EQ(s.platform, "ENVISAT");
  EXPECT_EQ(s.polarization, "HH");
  EXPECT_EQ(s.id, "ENVISAT_20030226_HH");
  EXPECT_EQ(s.imageKind, io::ImageKind::Slc);
  EXPECT_NEAR(s.rangeBandwidth, 15999999.979528189, 1e-6);
  EXPECT_NEAR(s.azimuthBandwidth, 629.3923513610401, 1e-9);
  // The README's acquisition time and the identification/zeroDopplerStartTime string.
  EXPECT_EQ(s.grid.sensingStart.iso(9), "2003-02-26T17:55:30.843491759");
  EXPECT_TRUE(fs::exists(out / s.id / (s.id + ".json")));
  checkAgainstDerived("envisat", s);
  checkJsonRoundTrip(s);
}

TEST(ImportNisar, WinnipegMatchesKnownValues) {
  OT_SKIP_WITHOUT_DATA("real/isce3/winnipeg.h5");
  const std::string in = test::dataPath("real/isce3/winnipeg.h5");
  const auto info = io::inspectNisar(in);
  EXPECT_EQ(info.group, kGroup);
  EXPECT_EQ(info.mission, "UAVSAR");
  // Frequency B lists four polarizations but holds no image dataset.
  ASSERT_EQ(info.images.size(), 1u);
  EXPECT_EQ(info.images.at("A"), std::vector<std::string>{"HH"});
  const auto out = test::tempDir("nisar_winnipeg");
  const auto scenes = io::importProduct(in, out.string());
  ASSERT_EQ(scenes.size(), 1u);
  EXPECT_EQ(scenes[0].platform, "UAVSAR");
  EXPECT_EQ(scenes[0].grid.lookSide, LookSide::Left);
  EXPECT_EQ(scenes[0].grid.sensingStart.iso(6), "2012-07-17T14:36:47.000000");
  checkAgainstDerived("winnipeg", scenes[0]);
  checkJsonRoundTrip(scenes[0]);

  test::expectError<InvalidInput>("frequency B", [&] {
    io::ImportParams p;
    p.frequencies = {"B"};
    io::importProduct(in, out.string(), p);
  }, {in, "import.frequencies", "B"});
  test::expectError<InvalidInput>("missing polarization", [&] {
    io::ImportParams p;
    p.frequencies = {"A"};
    p.polarizations = {"VV"};
    io::importProduct(in, out.string(), p);
  }, {in, "frequencyA/VV"});
}

TEST(ImportNisar, SelectionAndOverrides) {
  OT_SKIP_WITHOUT_DATA("real/isce3/envisat.h5");
  const std::string in = test::dataPath("real/isce3/envisat.h5");
  const auto out = test::tempDir("nisar_select");
  io::ImportParams p;
  p.platform = "ENV";
  p.id = "myscene";
  p.polarizations = {"HH"};
  const auto s = io::importProduct(in, out.string(), p);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].id, "myscene");
  EXPECT_EQ(s[0].platform, "ENV");
  EXPECT_TRUE(fs::exists(out / "myscene" / "myscene.slc.tif"));
  // The image never lands half-written: no .part file is left.
  for (const auto& e : fs::recursive_directory_iterator(out)) EXPECT_NE(e.path().extension(), ".part") << e.path();
  test::expectError<InvalidInput>("absurd size", [&] {
    io::ImportParams q;
    q.maxImageGiB = 1e-4;  // 500 x 500 x 8 bytes = 1.9e-3 GiB
    io::importProduct(in, out.string(), q);
  }, {in, "max_image_gib", "swaths/frequencyA/HH"});
  test::expectError<InvalidInput>("bad params", [&] {
    io::ImportParams q;
    q.blockLines = 0;
    io::importProduct(in, out.string(), q);
  }, {"import.block_lines", "0"});
  test::expectError<InvalidInput>("bad frequency", [&] {
    io::ImportParams q;
    q.frequencies = {"C"};
    io::importProduct(in, out.string(), q);
  }, {"import.frequencies", "C"});
}

TEST(ImportNisar, CorruptedCopiesAreClearErrors) {
  OT_SKIP_WITHOUT_DATA("real/isce3/envisat.h5");
  const std::string sw = kGroup + "/swaths";
  // Truncated file.
  {
    const auto dir = test::tempDir("nisar_trunc");
    const std::string p = (dir / "envisat.h5").string();
    auto b = test::readBytes(test::dataPath("real/isce3/envisat.h5"));
    b.resize(b.size() / 3);
    test::writeBytes(p, b);
    test::expectError<Error>("truncated", [&] { io::importProduct(p, (dir / "out").string()); }, {p});
  }
  auto del = [](const std::string& path) { return [path](hid_t f) { EXPECT_GE(H5Ldelete(f, path.c_str(), H5P_DEFAULT), 0); }; };
  struct Case {
    std::string name, dataset;
  };
  for (const Case& c : std::vector<Case>{{"no_time", sw + "/zeroDopplerTime"},
                                         {"no_range", sw + "/frequencyA/slantRange"},
                                         {"no_velocity", kGroup + "/metadata/orbit/velocity"},
                                         {"no_frequency", sw + "/frequencyA/processedCenterFrequency"},
                                         {"no_look", "/science/LSAR/identification/lookDirection"}}) {
    const std::string p = corruptCopy(c.name, del(c.dataset));
    test::expectError<InvalidInput>(c.name, [&] { io::importProduct(p, fs::path(p).parent_path().string() + "/out"); },
                                    {p, c.dataset, "missing dataset"});
  }
  // No product group at all.
  {
    const std::string p = corruptCopy("no_group", del(kGroup));
    test::expectError<InvalidInput>("no group", [&] { io::importProduct(p, fs::path(p).parent_path().string() + "/out"); },
                                    {p, "/science/LSAR/SLC"});
  }
  // Unparsable time units.
  {
    const std::string ds = sw + "/zeroDopplerTime";
    const std::string p = corruptCopy("units", [&](hid_t f) {
      const hid_t d = H5Dopen2(f, ds.c_str(), H5P_DEFAULT);
      H5Adelete(d, "units");
      const hid_t t = H5Tcopy(H5T_C_S1);
      const std::string u = "days since the launch";
      H5Tset_size(t, u.size());
      const hid_t sp = H5Screate(H5S_SCALAR);
      const hid_t a = H5Acreate2(d, "units", t, sp, H5P_DEFAULT, H5P_DEFAULT);
      H5Awrite(a, t, u.c_str());
      H5Aclose(a);
      H5Sclose(sp);
      H5Tclose(t);
      H5Dclose(d);
    });
    test::expectError<InvalidInput>("units", [&] { io::importProduct(p, fs::path(p).parent_path().string() + "/out"); },
                                    {p, ds + "@units", "days since the launch"});
  }
  // A slant-range axis that does not match the image width.
  {
    const std::string ds = sw + "/frequencyA/slantRange";
    const std::string p = corruptCopy("short_range", [&](hid_t f) {
      H5Ldelete(f, ds.c_str(), H5P_DEFAULT);
      std::vector<double> r(499);
      for (std::size_t i = 0; i < r.size(); ++i) r[i] = 826988.69 + 7.8 * static_cast<double>(i);
      hsize_t n = r.size();
      const hid_t sp = H5Screate_simple(1, &n, nullptr);
      const hid_t d = H5Dcreate2(f, ds.c_str(), H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, r.data());
      H5Dclose(d);
      H5Sclose(sp);
    });
    test::expectError<InvalidInput>("short range", [&] { io::importProduct(p, fs::path(p).parent_path().string() + "/out"); },
                                    {p, ds, "499"});
  }
  // A non-finite orbit position.
  {
    const std::string ds = kGroup + "/metadata/orbit/position";
    const std::string p = corruptCopy("nan_orbit", [&](hid_t f) {
      const hid_t d = H5Dopen2(f, ds.c_str(), H5P_DEFAULT);
      std::vector<double> v(33);
      H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
      v[7] = std::nan("");
      H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
      H5Dclose(d);
    });
    test::expectError<InvalidInput>("nan orbit", [&] { io::importProduct(p, fs::path(p).parent_path().string() + "/out"); },
                                    {p, ds, "index 7"});
  }
}

TEST(ImportNisar, UnknownInputs) {
  const auto dir = test::tempDir("nisar_unknown");
  const std::string junk = (dir / "junk.bin").string();
  test::writeBytes(junk, std::vector<unsigned char>(100, 7));
  test::expectError<InvalidInput>("junk", [&] { io::importProduct(junk, (dir / "out").string()); }, {junk, "unknown product format"});
  const std::string zip = (dir / "p.zip").string();
  test::writeBytes(zip, {'P', 'K', 3, 4, 0, 0, 0, 0});
  test::expectError<InvalidInput>("zip", [&] { io::importProduct(zip, (dir / "out").string()); }, {zip, "unpack"});
  test::expectError<IoError>("missing", [&] { io::importProduct((dir / "nope.h5").string(), (dir / "out").string()); }, {"nope.h5"});
  test::expectError<InvalidInput>("empty folder", [&] { io::importProduct(dir.string(), (dir / "out").string()); }, {dir.string()});
}

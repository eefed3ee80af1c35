// ALOS PALSAR CEOS import: the real ALOS-2 L1.5 leader against its summary.txt, Level 1.1 image
// files assembled here from the documented record layout, and corrupted copies.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "import_test_util.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/io/import.hpp"
#include "orthotrack/io/import_ceos.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "test_data.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

namespace {

const std::string kZip = "real/pyrosar/0000022708_001001_ALOS2015976960-140909.zip";
const std::string kScene = "ALOS2015976960-140909-FBDR1.5GUA";
constexpr double kC = 299792458.0;

// Unzips the real product once per test into a fresh folder; "" if it cannot be unzipped.
std::string unpackAlos2(const std::string& name) {
  const auto dir = test::tempDir("ceos_" + name);
  if (!test::unzipTo(test::dataPath(kZip), dir.string())) return "";
  return dir.string();
}

std::map<std::string, std::string> readSummary(const std::string& path) {
  std::map<std::string, std::string> m;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string v = line.substr(eq + 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.pop_back();
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
    m[line.substr(0, eq)] = v;
  }
  return m;
}

// "20140909 04:33:47.052" -> DateTime
DateTime summaryTime(const std::string& s) {
  return DateTime::parse(s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" + s.substr(9));
}

Vec3 wgs84(double latDeg, double lonDeg, double h) {
  const double a = 6378137.0, e2 = 0.0066943799901413165;
  const double lat = latDeg * M_PI / 180, lon = lonDeg * M_PI / 180;
  const double n = a / std::sqrt(1 - e2 * std::sin(lat) * std::sin(lat));
  return {(n + h) * std::cos(lat) * std::cos(lon), (n + h) * std::cos(lat) * std::sin(lon), (n * (1 - e2) + h) * std::sin(lat)};
}

// Offsets of the records of a CEOS file, by walking the 12-byte headers (plain reference).
std::vector<std::pair<std::size_t, int>> recordOffsets(const std::vector<unsigned char>& b) {
  std::vector<std::pair<std::size_t, int>> out;
  std::size_t off = 0;
  while (off + 12 <= b.size()) {
    const std::size_t len = (std::size_t(b[off + 8]) << 24) | (std::size_t(b[off + 9]) << 16) | (std::size_t(b[off + 10]) << 8) | b[off + 11];
    out.emplace_back(off, b[off + 5]);
    if (len < 12) break;
    off += len;
  }
  return out;
}
std::size_t recordOffset(const std::vector<unsigned char>& b, int type) {
  for (const auto& [off, t] : recordOffsets(b))
    if (t == type) return off;
  ADD_FAILURE() << "no record of type " << type;
  return 0;
}

// Fortran-style E22.15 field.
std::string e22(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%22.15E", v);
  return buf;
}

// A synthetic Level 1.1 SLC image file, written from the documented layout (JAXA PALSAR/PALSAR-2
// Level 1.1 format: 720-byte ASCII file descriptor, then one signal data record per line with a
// 412-byte big-endian prefix and big-endian IEEE float I, Q samples).
struct SyntheticImg {
  int lines = 7, width = 5;
  DateTime start = DateTime(2014, 9, 9, 4, 33, 42.0523456);
  double prfMilliHz = 2122318.0;  // integer mHz in the prefix
  std::uint32_t slantRange = 850123;
  static cfloat pixel(int i, int j) { return {static_cast<float>(i * 1000 + j) + 0.25f, -0.5f * static_cast<float>(j) - static_cast<float>(i)}; }
  DateTime lineTime(int i) const { return start.plusSeconds(i / (prfMilliHz * 1e-3)); }

  std::vector<unsigned char> bytes() const {
    const int prefix = 412, rec = prefix + 8 * width;
    std::vector<unsigned char> b(720 + static_cast<std::size_t>(lines * rec), 0);
    // File descriptor record.
    test::putBE32(b, 0, 1);
    b[4] = 50; b[5] = 192; b[6] = 18; b[7] = 18;
    test::putBE32(b, 8, 720);
    for (std::size_t k = 12; k < 720; ++k) b[k] = ' ';
    test::putText(b, 0, 13, "A ");
    test::putText(b, 0, 17, "CEOS-SAR    ");
    test::putText(b, 0, 181, test::rjust(std::to_string(lines), 6));
    test::putText(b, 0, 187, test::rjust(std::to_string(rec), 6));
    test::putText(b, 0, 217, "  32   2   8");
    test::putText(b, 0, 233, "   1");
    test::putText(b, 0, 237, test::rjust(std::to_string(lines), 8));
    test::putText(b, 0, 245, "   0");
    test::putText(b, 0, 249, test::rjust(std::to_string(width), 8));
    test::putText(b, 0, 257, "   0   0   0BSQ  1 1");
    test::putText(b, 0, 277, test::rjust(std::to_string(prefix), 4));
    test::putText(b, 0, 281, test::rjust(std::to_string(8 * width), 8));
    test::putText(b, 0, 289, "   0");
    test::putText(b, 0, 401, test::ljust("COMPLEX*8", 28));
    test::putText(b, 0, 429, "C*8 ");
    const DateTime jan1(2014, 1, 1);
    for (int i = 0; i < lines; ++i) {
      const std::size_t o = 720 + static_cast<std::size_t>(i * rec);
      test::putBE32(b, o, static_cast<std::uint32_t>(i + 2));
      b[o + 4] = 50; b[o + 5] = 10; b[o + 6] = 18; b[o + 7] = 20;
      test::putBE32(b, o + 8, static_cast<std::uint32_t>(rec));
      test::putBE32(b, o + 12, static_cast<std::uint32_t>(i + 1));  // line number
      test::putBE32(b, o + 16, static_cast<std::uint32_t>(i + 1));  // record index
      test::putBE32(b, o + 24, static_cast<std::uint32_t>(width));  // data pixels
      const DateTime t = lineTime(i);
      const std::int64_t nsOfYear = t.nanoseconds() - jan1.nanoseconds();
      const std::int64_t doy = nsOfYear / 86'400'000'000'000 + 1;
      const std::int64_t nsOfDay = nsOfYear % 86'400'000'000'000;
      test::putBE32(b, o + 36, 2014);
      test::putBE32(b, o + 40, static_cast<std::uint32_t>(doy));
      test::putBE32(b, o + 44, static_cast<std::uint32_t>(nsOfDay / 1'000'000));
      test::putBE32(b, o + 56, static_cast<std::uint32_t>(prfMilliHz));
      const std::uint64_t us = static_cast<std::uint64_t>(nsOfDay / 1000);
      test::putBE32(b, o + 84, static_cast<std::uint32_t>(us >> 32));
      test::putBE32(b, o + 88, static_cast<std::uint32_t>(us & 0xffffffffu));
      test::putBE32(b, o + 116, slantRange);
      for (int j = 0; j < width; ++j) {
        const cfloat v = pixel(i, j);
        test::putBE32(b, o + prefix + 8 * j, std::bit_cast<std::uint32_t>(v.real()));
        test::putBE32(b, o + prefix + 8 * j + 4, std::bit_cast<std::uint32_t>(v.imag()));
      }
    }
    return b;
  }
};

// A Level 1.1 product folder: the real ALOS-2 leader relabelled Level 1.1 + a synthetic IMG-HH.
struct L11Product {
  std::string dir, led, img;
  std::vector<unsigned char> ledBytes, imgBytes;
  SyntheticImg syn;
  void write() const {
    test::writeBytes(led, ledBytes);
    test::writeBytes(img, imgBytes);
  }
};

L11Product makeL11(const std::string& name) {
  L11Product p;
  const std::string real = unpackAlos2(name);
  if (real.empty()) return p;
  p.dir = (fs::path(real) / "l11").string();
  fs::create_directories(p.dir);
  p.led = p.dir + "/LED-TEST-L11";
  p.img = p.dir + "/IMG-HH-TEST-L11";
  p.ledBytes = test::readBytes(real + "/LED-" + kScene);
  const std::size_t dss = recordOffset(p.ledBytes, 10);
  test::putText(p.ledBytes, dss, 1095, test::ljust("        1.1", 16));
  p.imgBytes = p.syn.bytes();
  p.write();
  return p;
}

#define OT_NEED_ZIP(dirvar)                                                                 \
  OT_SKIP_WITHOUT_DATA(kZip);                                                               \
  if ((dirvar).empty()) GTEST_SKIP() << "neither unzip nor python3 can unpack " << kZip

}  // namespace

TEST(ImportCeos, RealAlos2LeaderMatchesSummary) {
  OT_SKIP_WITHOUT_DATA(kZip);
  const std::string dir = unpackAlos2("leader");
  OT_NEED_ZIP(dir);
  const auto sum = readSummary(dir + "/summary.txt");
  const auto L = io::readCeosLeader(dir + "/LED-" + kScene);

  EXPECT_EQ(L.mission, "ALOS2");
  EXPECT_EQ(L.platform, "PALSAR-2");
  EXPECT_EQ(L.mission, sum.at("Lbi_Satellite"));
  // Radiometric data record: CF = -83 dB (JAXA's PALSAR-2 calibration factor); Level 1.5: K = CF.
  ASSERT_TRUE(L.calibrationFactorDb.has_value());
  EXPECT_EQ(*L.calibrationFactorDb, -83.0);
  EXPECT_EQ(L.calibrationConstantDb().value_or(0.0), -83.0);
  EXPECT_EQ(L.productLevel, sum.at("Lbi_ProcessLevel"));
  EXPECT_EQ(L.sceneCentreTime, summaryTime(sum.at("Img_SceneCenterDateTime")));
  EXPECT_NEAR(L.sceneCentreLat, std::stod(sum.at("Img_FrameSceneCenterLatitude")), 6e-4);
  EXPECT_NEAR(L.sceneCentreLon, std::stod(sum.at("Img_FrameSceneCenterLongitude")), 6e-4);
  EXPECT_NEAR(L.lineSpacing, std::stod(sum.at("Pds_PixelSpacing")), 1e-9);
  EXPECT_NEAR(L.pixelSpacing, std::stod(sum.at("Pds_PixelSpacing")), 1e-9);
  EXPECT_NEAR(L.offNadirAngle, std::stod(sum.at("Img_OffNadirAngle")), 0.05);
  // PALSAR-2 centre frequency 1236.5 MHz.
  EXPECT_NEAR(L.wavelength, kC / 1236.5e6, 1e-6);
  // Product id "FBDR1.5GUA": observation direction R (right-looking); clock angle +90.
  EXPECT_EQ(sum.at("Pds_ProductID")[3], 'R');
  EXPECT_EQ(L.lookSide, LookSide::Right);
  EXPECT_NEAR(L.clockAngle, 90.0, 1e-9);
  EXPECT_NEAR(L.prf, 2122.3184485180, 1e-9);
  EXPECT_NEAR(L.rangeSamplingRate, 34.9305319e6, 1e-3);
  EXPECT_GT(L.records.size(), 7u);

  // Orbit: 28 vectors 60 s apart from 04:20:00, Earth-fixed, covering the scene.
  ASSERT_EQ(L.stateVectors.size(), 28u);
  EXPECT_EQ(L.orbitFrame, "ECR");
  EXPECT_EQ(L.orbitInterval, 60.0);
  EXPECT_EQ(L.stateVectors.front().time, DateTime(2014, 9, 9, 4, 20, 0.0));
  EXPECT_EQ(L.stateVectors.back().time, DateTime(2014, 9, 9, 4, 47, 0.0));
  // First vector, read from the record's text independently (fields of 22 characters).
  {
    const auto b = test::readBytes(dir + "/LED-" + kScene);
    const std::size_t o = recordOffset(b, 30);
    for (int j = 0; j < 6; ++j) {
      const std::string field(reinterpret_cast<const char*>(b.data()) + o + 386 + 22 * j, 22);
      const double v = std::stod(field);
      const double got = j < 3 ? L.stateVectors[0].position[j] : L.stateVectors[0].velocity[j - 3];
      EXPECT_EQ(got, v) << j;
    }
  }
  const Orbit orbit = L.orbit();
  const DateTime t0 = summaryTime(sum.at("Img_SceneStartDateTime")), t1 = summaryTime(sum.at("Img_SceneEndDateTime"));
  EXPECT_TRUE(orbit.covers(orbit.toSeconds(t0), orbit.toSeconds(t1)));

  // Geometry at the scene centre: the frame centre is seen at zero Doppler within 0.5 s of the
  // stated centre time, about 36.6° off nadir, to the right, on an ascending pass ("...GUA").
  const Vec3 target = wgs84(std::stod(sum.at("Img_FrameSceneCenterLatitude")), std::stod(sum.at("Img_FrameSceneCenterLongitude")), 0.0);
  auto doppler = [&](double t) {
    Vec3 p, v;
    EXPECT_EQ(orbit.interpolate(t, p, v), Status::Ok);
    return (target - p).dot(v);
  };
  const double tc = orbit.toSeconds(L.sceneCentreTime);
  double a = tc - 30, b = tc + 30;
  ASSERT_LT(doppler(a) * doppler(b), 0.0);
  for (int k = 0; k < 60; ++k) {
    const double m = 0.5 * (a + b);
    (doppler(a) * doppler(m) <= 0 ? b : a) = m;
  }
  EXPECT_NEAR(0.5 * (a + b), tc, 0.5);
  Vec3 p, v;
  orbit.interpolate(tc, p, v);
  const Vec3 los = (target - p).normalized();
  const double offNadir = std::acos(los.dot(-p.normalized())) * 180 / M_PI;
  EXPECT_NEAR(offNadir, std::stod(sum.at("Img_OffNadirAngle")), 0.5);
  EXPECT_LT(v.cross(los).dot(p.normalized()), 0.0);  // right of the flight direction
  EXPECT_EQ(sum.at("Pds_ProductID").back(), 'A');
  EXPECT_GT(v.z(), 0.0);  // northbound
  const double altitude = p.norm() - 6378137.0;
  EXPECT_GT(altitude, 600e3);
  EXPECT_LT(altitude, 660e3);  // ALOS-2 flies at about 628 km

  // Smoothness: the interpolated velocity is the derivative of the interpolated position.
  double worst = 0;
  for (double t = orbit.startTime() + 200; t < orbit.endTime() - 200; t += 17.3) {
    Vec3 p0, v0, pm, vm, pp, vp;
    orbit.interpolate(t, p0, v0);
    orbit.interpolate(t - 0.05, pm, vm);
    orbit.interpolate(t + 0.05, pp, vp);
    worst = std::max(worst, ((pp - pm) / 0.1 - v0).norm());
  }
  EXPECT_LT(worst, 1e-3) << "m/s";
}

TEST(ImportCeos, RealAlos2ImageDescriptorAndLevel15) {
  OT_SKIP_WITHOUT_DATA(kZip);
  const std::string dir = unpackAlos2("l15");
  OT_NEED_ZIP(dir);
  const auto sum = readSummary(dir + "/summary.txt");
  const std::string img = dir + "/IMG-HH-" + kScene;
  const auto d = io::readCeosImageDescriptor(img);
  EXPECT_EQ(d.numRecords, std::stoll(sum.at("Pdi_NoOfLines_0")));
  EXPECT_EQ(d.numLines, std::stoll(sum.at("Pdi_NoOfLines_0")));
  EXPECT_EQ(d.numPixels, std::stoll(sum.at("Pdi_NoOfPixels_0")));
  EXPECT_EQ(d.bitsPerSample, std::stoi(sum.at("Pdi_BitPixel")));
  EXPECT_EQ(d.prefixBytes, 192);
  EXPECT_EQ(d.recordLength, 192 + 2 * d.numPixels);
  EXPECT_EQ(d.dataFormat, "IU2");
  EXPECT_EQ(d.interleaving, "BSQ");
  // The sample holds the header only: the data records are missing.
  test::expectError<IoError>("truncated", [&] { io::checkCeosImageComplete(d); }, {img, "SAR data record 1", "truncated"});
  // Level 1.5 is refused with the reason, naming the leader's field.
  test::expectError<InvalidInput>("level 1.5", [&] { io::importProduct(dir, dir + "/out"); },
                                  {"LED-" + kScene, "product level", "1.5"});
  EXPECT_EQ(io::detectFormat(dir), io::ProductFormat::AlosCeos);
  EXPECT_EQ(io::detectFormat(img), io::ProductFormat::AlosCeos);
}

TEST(ImportCeos, Level11ImagePixelsAndGrid) {
  OT_SKIP_WITHOUT_DATA(kZip);
  L11Product p = makeL11("l11");
  OT_NEED_ZIP(p.dir);
  io::ImportParams params;
  params.blockLines = 3;  // 7 lines: blocks of 3, 3, 1
  const auto scenes = io::importProduct(p.dir, p.dir + "/out", params);
  ASSERT_EQ(scenes.size(), 1u);
  const auto& s = scenes[0];
  EXPECT_EQ(s.platform, "PALSAR-2");
  EXPECT_EQ(s.polarization, "HH");
  EXPECT_EQ(s.id, "PALSAR2_20140909_HH");
  EXPECT_EQ(s.grid.length, p.syn.lines);
  EXPECT_EQ(s.grid.width, p.syn.width);
  // µs time stamp of the first line (PALSAR-2).
  EXPECT_EQ(s.grid.sensingStart, DateTime::fromNanoseconds(p.syn.start.nanoseconds() / 1000 * 1000));
  EXPECT_NEAR(s.grid.azimuthTimeInterval, 1.0 / 2122.3184485180, 1e-15);
  EXPECT_EQ(s.grid.startingRange, static_cast<double>(p.syn.slantRange));
  EXPECT_NEAR(s.grid.rangePixelSpacing, kC / (2 * 34.9305319e6), 1e-9);
  EXPECT_NEAR(s.grid.rangePixelSpacing, 4.2912, 1e-3);
  EXPECT_NEAR(s.grid.wavelength, 0.2424525, 1e-9);
  EXPECT_EQ(s.grid.lookSide, LookSide::Right);
  EXPECT_EQ(s.orbit.size(), 28u);
  // Level 1.1: σ0 = 10·log10(I² + Q²) + CF − 32 with the leader's CF = -83 dB.
  ASSERT_TRUE(s.calibrationConstantDb.has_value());
  EXPECT_EQ(*s.calibrationConstantDb, -115.0);
  // Doppler: constant + linear in range pixel from the leader (-18.5767897 Hz, -0.0243354 Hz/pixel).
  ASSERT_FALSE(s.doppler.empty());
  const double t = s.grid.azimuthTime(3, s.doppler.epoch());
  EXPECT_NEAR(s.doppler.eval(t, s.grid.slantRange(0)), -18.5767897, 1e-9);
  EXPECT_NEAR(s.doppler.eval(t, s.grid.slantRange(4)), -18.5767897 - 4 * 0.0243354, 1e-9);
  EXPECT_NEAR(s.doppler.eval(t, s.grid.slantRange(2.5)), -18.5767897 - 2.5 * 0.0243354, 1e-9);
  // Pixels: big-endian floats read back exactly.
  io::RasterReader r(s.image);
  const auto img = r.readAll<cfloat>();
  for (int i = 0; i < p.syn.lines; ++i)
    for (int j = 0; j < p.syn.width; ++j) EXPECT_EQ(img(i, j), SyntheticImg::pixel(i, j)) << i << "," << j;
  // The reader gives the same lines directly, and the line times of the prefixes.
  io::CeosSlcReader reader(p.img, true);
  std::vector<cfloat> two(2 * 5);
  std::vector<io::CeosLinePrefix> pre;
  reader.readLines(5, 2, two.data(), &pre);
  EXPECT_EQ(two[5 + 3], SyntheticImg::pixel(6, 3));
  ASSERT_EQ(pre.size(), 2u);
  EXPECT_EQ(pre[1].lineNumber, 7);
  EXPECT_EQ(pre[1].time, DateTime::fromNanoseconds(p.syn.lineTime(6).nanoseconds() / 1000 * 1000));
  EXPECT_NEAR(pre[0].prf, 2122.318, 1e-9);

  // PALSAR-1 leaders: the time comes from the millisecond field.
  const std::size_t dss = recordOffset(p.ledBytes, 10);
  test::putText(p.ledBytes, dss, 397, test::ljust("ALOS", 16));
  p.write();
  const auto s1 = io::importProduct(p.dir, p.dir + "/out1");
  ASSERT_EQ(s1.size(), 1u);
  EXPECT_EQ(s1[0].platform, "PALSAR-1");
  EXPECT_EQ(s1[0].grid.sensingStart, DateTime::fromNanoseconds(p.syn.start.nanoseconds() / 1'000'000 * 1'000'000));
}

TEST(ImportCeos, InertialOrbitInMillimetresPerSecondIsConverted) {
  OT_SKIP_WITHOUT_DATA(kZip);
  L11Product p = makeL11("eci");
  OT_NEED_ZIP(p.dir);
  const auto ref = io::readCeosLeader(p.led);
  // Rewrite the vectors in an inertial frame (rotation by the Greenwich hour angle θ(t) = θ0 + ω t,
  // velocity + ω × r), velocities in mm/s, as older leaders do.
  const double th0deg = 123.456, w = 7.2921158553e-5;
  const std::size_t o = recordOffset(p.ledBytes, 30);
  test::putText(p.ledBytes, o, 205, test::ljust("ECI", 64));
  test::putText(p.ledBytes, o, 269, e22(th0deg));
  for (std::size_t k = 0; k < ref.stateVectors.size(); ++k) {
    const Vec3& r = ref.stateVectors[k].position;
    const Vec3 ve = ref.stateVectors[k].velocity + Vec3(0, 0, w).cross(r);  // inertial velocity, ECEF axes
    const double th = th0deg * M_PI / 180 + w * 60.0 * static_cast<double>(k);
    const double c = std::cos(th), s = std::sin(th);
    const Vec3 ri(c * r.x() - s * r.y(), s * r.x() + c * r.y(), r.z());
    const Vec3 vi(c * ve.x() - s * ve.y(), s * ve.x() + c * ve.y(), ve.z());
    const double vals[6] = {ri.x(), ri.y(), ri.z(), vi.x() * 1e3, vi.y() * 1e3, vi.z() * 1e3};
    for (int j = 0; j < 6; ++j) test::putText(p.ledBytes, o, 387 + static_cast<int>(k) * 132 + 22 * j, e22(vals[j]));
  }
  p.write();
  const auto L = io::readCeosLeader(p.led);
  ASSERT_EQ(L.stateVectors.size(), ref.stateVectors.size());
  for (std::size_t k = 0; k < L.stateVectors.size(); ++k) {
    EXPECT_LT((L.stateVectors[k].position - ref.stateVectors[k].position).norm(), 1e-6) << k;
    EXPECT_LT((L.stateVectors[k].velocity - ref.stateVectors[k].velocity).norm(), 1e-6) << k;
  }
}

TEST(ImportCeos, CorruptedFilesAreClearErrors) {
  OT_SKIP_WITHOUT_DATA(kZip);
  L11Product base = makeL11("corrupt");
  OT_NEED_ZIP(base.dir);
  const std::string out = base.dir + "/out";
  auto run = [&](const L11Product& q) { return [q, out] { q.write(); io::importProduct(q.dir, out); }; };

  {  // truncated image: the last record is short
    L11Product q = base;
    q.imgBytes.resize(q.imgBytes.size() - 10);
    test::expectError<IoError>("truncated image", run(q), {q.img, "SAR data record 7", "truncated"});
  }
  {  // wrong record length in the header of record 3
    L11Product q = base;
    test::putBE32(q.imgBytes, 720 + 2 * 452 + 8, 999);
    test::expectError<InvalidInput>("record length", run(q), {q.img, "SAR data record 3", "wrong record length", "999"});
  }
  {  // file descriptor record length not matching prefix + data
    L11Product q = base;
    test::putText(q.imgBytes, 0, 187, "   460");
    test::expectError<InvalidInput>("fdr length", run(q), {q.img, "SAR data record length", "460"});
  }
  {  // line numbers out of order
    L11Product q = base;
    test::putBE32(q.imgBytes, 720 + 4 * 452 + 12, 9);
    test::expectError<InvalidInput>("line number", run(q), {q.img, "SAR data record 5", "line number"});
  }
  {  // unknown data format (not complex float)
    L11Product q = base;
    test::putText(q.imgBytes, 0, 429, "IU2 ");
    test::expectError<InvalidInput>("format", run(q), {q.img, "SAR data format", "IU2"});
  }
  {  // a header announcing an absurd image: refused before any allocation
    L11Product q = base;
    test::putText(q.imgBytes, 0, 181, "999999");
    test::putText(q.imgBytes, 0, 237, "  999999");
    test::expectError<IoError>("absurd", run(q), {q.img, "truncated"});
    io::ImportParams tiny;
    tiny.maxImageGiB = 1e-9;
    base.write();
    test::expectError<InvalidInput>("max size", [&] { io::importProduct(base.dir, out, tiny); }, {base.img, "max_image_gib"});
  }
  {  // a slant range that changes along the image
    L11Product q = base;
    test::putBE32(q.imgBytes, 720 + 6 * 452 + 116, base.syn.slantRange + 30);
    test::expectError<InvalidInput>("range change", run(q), {q.img, "SAR data record 7", "slant range"});
  }
  {  // truncated leader (inside the platform position record)
    L11Product q = base;
    q.ledBytes.resize(recordOffset(base.ledBytes, 30) + 1000);
    test::expectError<IoError>("truncated leader", run(q), {q.led, "platform position data record", "truncated"});
  }
  {  // file descriptor of the leader announcing another DSS record length
    L11Product q = base;
    test::putText(q.ledBytes, 0, 187, "  4000");
    test::expectError<InvalidInput>("dss length", run(q), {q.led, "data set summary record", "wrong record length"});
  }
  {  // unparsable wavelength
    L11Product q = base;
    test::putText(q.ledBytes, recordOffset(base.ledBytes, 10), 501, "      0.24x4525 ");
    test::expectError<InvalidInput>("wavelength", run(q), {q.led, "radar wavelength", "0.24x4525"});
  }
  {  // unknown mode: Level 1.0 raw data
    L11Product q = base;
    test::putText(q.ledBytes, recordOffset(base.ledBytes, 10), 1095, test::ljust("        1.0", 16));
    test::expectError<InvalidInput>("level", run(q), {q.led, "product level", "1.0"});
  }
  {  // unknown mission
    L11Product q = base;
    test::putText(q.ledBytes, recordOffset(base.ledBytes, 10), 397, test::ljust("JERS1", 16));
    test::expectError<InvalidInput>("mission", run(q), {q.led, "mission identifier", "JERS1"});
  }
  {  // a state vector that is not an orbit
    L11Product q = base;
    for (int j = 0; j < 3; ++j) test::putText(q.ledBytes, recordOffset(base.ledBytes, 30), 387 + 5 * 132 + 22 * j, e22(12.5));
    test::expectError<InvalidInput>("orbit", run(q), {q.led, "data point 6 position"});
  }
  {  // look side neither right nor left
    L11Product q = base;
    test::putText(q.ledBytes, recordOffset(base.ledBytes, 10), 477, "  45.000");
    test::expectError<InvalidInput>("clock angle", run(q), {q.led, "clock angle", "45.000"});
  }
  {  // a requested polarization the product lacks
    base.write();
    io::ImportParams hv;
    hv.polarizations = {"HV"};
    test::expectError<InvalidInput>("pol", [&] { io::importProduct(base.dir, out, hv); }, {base.dir, "IMG-HV-*"});
  }
}

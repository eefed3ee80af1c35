#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <thread>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/mintpy_h5.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "test_data.hpp"

using namespace orthotrack;

TEST(MintpyH5, WritesWhatMintpyReads) {
  const auto dir = test::tempDir("mintpy_h5");
  const std::int64_t L = 5, W = 7;
  std::vector<DateTime> dates{DateTime(2007, 1, 2), DateTime(2010, 2, 25), DateTime(2015, 7, 27)};
  std::vector<Raster<float>> cube;
  for (std::size_t k = 0; k < dates.size(); ++k) {
    Raster<float> r(L, W, 0.0f);
    if (k > 0)
      for (std::int64_t i = 0; i < L; ++i)
        for (std::int64_t j = 0; j < W; ++j) r(i, j) = static_cast<float>(static_cast<double>(k) + 0.001 * i + 1e-6 * j);
    cube.push_back(r);
  }
  cube[1](0, 0) = std::nanf("");
  Raster<float> v(L, W, 0.0f), s(L, W, 0.0f);
  v(2, 3) = 2.5f;
  s(2, 3) = 0.1f;
  const auto ts = (dir / "timeseries.h5").string(), vel = (dir / "velocity.h5").string();
  io::writeMintpyTimeseries(ts, dates, cube, {0.0f, 120.0f, 28000.0f}, {{"mintpy.networkInversion.weightFunc", "var"}});
  io::writeMintpyVelocity(vel, v, s, dates.front(), dates.back());
  EXPECT_TRUE(std::filesystem::exists(ts));
  EXPECT_FALSE(std::filesystem::exists(ts + ".tmp"));
  // The Debian python3-h5py lives with /usr/bin/python3 (a pyenv python3 on PATH may lack it).
  std::string py;
  for (const char* cand : {"/usr/bin/python3", "python3"})
    if (std::system((std::string(cand) + " -c 'import h5py' > /dev/null 2>&1").c_str()) == 0) {
      py = cand;
      break;
    }
  if (py.empty()) GTEST_SKIP() << "no python3 with h5py (install python3-h5py)";
  const std::string cmd = py + " " + std::string(ORTHOTRACK_SOURCE_DIR) + "/tests/timeseries/check_mintpy_h5.py " + ts +
                          " " + vel + " 3 5 7 20070102 20150727";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  // Mismatched sizes are rejected naming the dataset.
  cube[2].resize(4, 7);
  try {
    io::writeMintpyTimeseries(ts, dates, cube);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "timeseries[2]");
  }
  EXPECT_THROW(io::writeMintpyTimeseries((dir / "no_such_dir" / "x.h5").string(), {dates[0]}, {cube[0]}), IoError);
  std::filesystem::remove_all(dir);
}

// The same data written twice, more than a second apart, give the same bytes (no object
// modification times in the file): reruns, resumed and distributed runs can be compared by checksum.
TEST(MintpyH5, SameDataSameBytes) {
  const auto dir = test::tempDir("mintpy_h5_bytes");
  const std::vector<DateTime> dates{DateTime(2007, 1, 2), DateTime(2010, 2, 25)};
  std::vector<Raster<float>> cube{Raster<float>(3, 4, 0.0f), Raster<float>(3, 4, 1.5f)};
  const auto a = (dir / "a.h5").string(), b = (dir / "b.h5").string();
  io::writeMintpyTimeseries(a, dates, cube, {0.0f, 100.0f});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  io::writeMintpyTimeseries(b, dates, cube, {0.0f, 100.0f});
  EXPECT_EQ(io::readTextFile(a), io::readTextFile(b));
}

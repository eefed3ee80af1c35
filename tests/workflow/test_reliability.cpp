// Reliability of `orthotrack run` as a user's process meets it: SIGKILL at random moments and a rerun
// give the products of an uninterrupted run; a second run on the same folder is refused; products
// that no longer match their recorded checksum are rebuilt; an unwritable folder gives exit 3.
//
// The stack: six scenes (three per platform) of the simulated small stack (build/sim_small, shared
// with the end-to-end test), coarse offsets (one 64 px window every 64 px), about 20 s a run on two
// cores. The `tiny` size cannot be used: its 256 px master multi-looks to 64 px, smaller than the
// DEM co-registration's 48 px window with ±12 px search.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "orthotrack/io/raster_io.hpp"
#include "child_process.hpp"
#include "six_scene_stack.hpp"
#include "test_data.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// Starts the CLI with `args`, stdout and stderr to `log`; returns its pid.
pid_t startCli(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv{ORTHOTRACK_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::startLogged(argv, log);
}

/// Exit code of a finished child; -signal when it was killed.
int waitCli(pid_t pid) { return test::waitExit(pid); }

struct Run {
  int code = -1;
  std::string out;
};
Run runCli(const std::vector<std::string>& args, const std::string& log) {
  Run r;
  r.code = waitCli(startCli(args, log));
  r.out = io::readTextFile(log);
  return r;
}

/// FNV-1a 64 of a file, byte by byte (the reference for the manifest's checksums).
std::string fnv1a64(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::uint64_t h = 14695981039346656037ull;
  char c;
  while (in.get(c)) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

/// Every step the manifest records complete has every output present with the recorded size and
/// checksum: nothing partial is taken as done. Returns the number of complete steps.
int checkCompleteStepsVerify(const fs::path& run, const std::string& when) {
  const fs::path m = run / "manifest.json";
  if (!fs::exists(m)) return 0;
  const json j = json::parse(io::readTextFile(m.string()));  // written atomically: always parses
  int complete = 0;
  for (const auto& [name, s] : j.at("steps").items()) {
    if (s.value("status", "") != "complete") continue;
    ++complete;
    for (const auto& [rel, rec] : s.at("outputs").items()) {
      const fs::path p = run / rel;
      EXPECT_TRUE(fs::exists(p)) << when << ": step " << name << " complete but " << rel << " missing";
      if (!fs::is_regular_file(p)) continue;
      EXPECT_EQ(static_cast<std::int64_t>(fs::file_size(p)), rec.at("bytes").get<std::int64_t>()) << when << ": " << rel;
      EXPECT_EQ(fnv1a64(p), rec.at("fnv1a64").get<std::string>()) << when << ": " << rel;
    }
  }
  return complete;
}

/// Pixel values of every band of two rasters are identical (NaN equal to NaN).
void expectSameRaster(const fs::path& a, const fs::path& b) {
  io::RasterReader ra(a.string()), rb(b.string());
  ASSERT_EQ(ra.length(), rb.length()) << a;
  ASSERT_EQ(ra.width(), rb.width()) << a;
  ASSERT_EQ(ra.info().bands, rb.info().bands) << a;
  for (int band = 1; band <= ra.info().bands; ++band) {
    const auto va = ra.readAll<float>(band), vb = rb.readAll<float>(band);
    std::size_t differ = 0;
    for (std::size_t k = 0; k < va.size(); ++k) {
      const float x = va.data()[k], y = vb.data()[k];
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) ++differ;
    }
    EXPECT_EQ(differ, 0u) << a << " band " << band;
  }
}

class Reliability : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string sim = std::string(ORTHOTRACK_BINARY_DIR) + "/sim_small";
    if (!fs::exists(sim + "/stack.toml") || !fs::exists(sim + "/truth/truth.json")) {
      fs::remove_all(sim);
      const auto r = runCli({"simulate", "--out", sim, "--size", "small"}, (fs::temp_directory_path() / "ot_rel_sim.log").string());
      ASSERT_EQ(r.code, 0) << r.out;
    }
    dir_ = test::tempDir("reliability");
    stack_ = (dir_ / "stack.toml").string();
    test::writeSixSceneStack(stack_, sim, "reliability");
  }
  static void TearDownTestSuite() {
    if (::testing::UnitTest::GetInstance()->failed_test_count() == 0) fs::remove_all(dir_);
  }
  /// The uninterrupted reference run (once per suite); its wall time in seconds.
  static double reference() {
    if (refSeconds_ < 0) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto r = runCli({"run", stack_, "--out", (dir_ / "ref").string()}, (dir_ / "ref.log").string());
      refSeconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      EXPECT_EQ(r.code, 0) << r.out;
    }
    return refSeconds_;
  }
  static inline fs::path dir_;
  static inline std::string stack_;
  static inline double refSeconds_ = -1;
};

const char* const kProducts[] = {"timeseries/los.tif", "timeseries/azimuth.tif", "geo/los.tif", "geo/azimuth.tif",
                                 "geo/los_sigma.tif", "geo/azimuth_sigma.tif", "geo/rates.tif", "geo/quality.tif"};

TEST_F(Reliability, KilledRunsResumeToTheProductsOfAnUninterruptedRun) {
  const double T = reference();
  ASSERT_TRUE(fs::exists(dir_ / "ref/analysis/summary.json"));
  const fs::path run = dir_ / "killed";
  std::mt19937 rng(20261125);
  // Each kill waits for a log line of the run (a step starting), then a seeded random delay: early
  // co-registration, inside the offsets, in the short steps after the inversion, co-registration
  // again. Waiting for the step (not a fixed time) keeps the kills inside the run although a resumed
  // run skips what is done.
  struct Moment {
    const char* after;  // log text to wait for
    double maxDelay;    // s, uniform after it
  };
  const Moment moments[] = {{"step coregister: running", 0.3 * T}, {"step offsets: running", 2.0},
                            {"step geocode: running", 0.3}, {"step report: running", 0.2}};
  int killed = 0;
  for (const auto& m : moments) {
    const double delay = std::uniform_real_distribution<double>(0.0, m.maxDelay)(rng);
    const std::string log = (dir_ / "killed.log").string();
    const pid_t pid = startCli({"run", stack_, "--out", run.string()}, log);
    int st = 0;
    bool exited = false;
    // Poll the log until the step starts (or the run ends).
    for (;;) {
      if (::waitpid(pid, &st, WNOHANG) == pid) {
        exited = true;
        break;
      }
      if (fs::exists(log) && io::readTextFile(log).find(m.after) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!exited) {
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
      ::kill(pid, SIGKILL);
      killed += waitCli(pid) == -SIGKILL;
    }
    checkCompleteStepsVerify(run, std::string("after a SIGKILL ") + std::to_string(delay) + " s after '" + m.after + "'");
    // The lock died with the process: the next run is not refused.
  }
  std::printf("%d of 4 runs killed (reference run %.1f s)\n", killed, T);
  EXPECT_GE(killed, 3) << "the runs finished before the kills (reference run " << T << " s)";
  const auto r = runCli({"run", stack_, "--out", run.string()}, (dir_ / "final.log").string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(checkCompleteStepsVerify(run, "after the final run"), 7);
  for (const char* p : kProducts) expectSameRaster(dir_ / "ref" / p, run / p);
  for (const char* p : {"timeseries/los.tif", "timeseries/azimuth.tif"})
    EXPECT_EQ(fnv1a64(dir_ / "ref" / p), fnv1a64(run / p)) << p << " not byte-identical";
  EXPECT_EQ(json::parse(io::readTextFile((dir_ / "ref/analysis/summary.json").string())),
            json::parse(io::readTextFile((run / "analysis/summary.json").string())));
}

TEST_F(Reliability, SecondRunOnTheSameFolderIsRefused) {
  const fs::path run = dir_ / "locked";
  const pid_t first = startCli({"run", stack_, "--out", run.string()}, (dir_ / "first.log").string());
  // Wait until the first run holds the lock (it writes its pid into the lock file).
  for (int k = 0; k < 200 && !(fs::exists(run / ".lock") && fs::file_size(run / ".lock") > 0); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto t0 = std::chrono::steady_clock::now();
  const auto second = runCli({"run", stack_, "--out", run.string()}, (dir_ / "second.log").string());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::kill(first, SIGKILL);
  EXPECT_EQ(waitCli(first), -SIGKILL) << "the first run ended before the second was tried";
  EXPECT_EQ(second.code, 3) << second.out;
  EXPECT_NE(second.out.find(run.string()), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("another orthotrack process (pid " + std::to_string(first) + ")"), std::string::npos) << second.out;
  EXPECT_LT(secs, 5.0) << "refused only after " << secs << " s";
  // Also the one-step verbs of the same folder.
  const pid_t again = startCli({"run", stack_, "--out", run.string()}, (dir_ / "again.log").string());
  for (int k = 0; k < 200 && io::readTextFile((run / ".lock").string()) != std::to_string(again) + "\n"; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto inv = runCli({"invert", run.string()}, (dir_ / "invert.log").string());
  ::kill(again, SIGKILL);
  waitCli(again);
  EXPECT_EQ(inv.code, 3) << inv.out;
  EXPECT_NE(inv.out.find("another orthotrack process"), std::string::npos) << inv.out;
}

TEST_F(Reliability, AProductAlteredAfterItsStepIsRebuilt) {
  reference();
  const fs::path run = dir_ / "altered";
  fs::copy(dir_ / "ref", run, fs::copy_options::recursive);
  const fs::path los = run / "timeseries/los.tif";
  const std::string before = fnv1a64(los);
  {
    // Same size, one byte changed near the end (pixel data): only the checksum can tell.
    std::fstream f(los, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-100, std::ios::end);
    const char c = static_cast<char>(f.get());
    f.seekp(-100, std::ios::end);
    f.put(static_cast<char>(c ^ 0x5a));
  }
  ASSERT_NE(fnv1a64(los), before);
  const auto r = runCli({"run", stack_, "--out", run.string()}, (dir_ / "altered.log").string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("step coregister: complete, skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("step offsets: complete, skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("step invert: recorded complete but timeseries/los.tif: checksum"), std::string::npos) << r.out;
  EXPECT_EQ(fnv1a64(los), before);
  // A truncated product: the size tells.
  fs::resize_file(run / "geo/los.tif", fs::file_size(run / "geo/los.tif") / 2);
  const auto r2 = runCli({"run", stack_, "--out", run.string()}, (dir_ / "truncated.log").string());
  ASSERT_EQ(r2.code, 0) << r2.out;
  EXPECT_NE(r2.out.find("step geocode: recorded complete but geo/los.tif:"), std::string::npos) << r2.out;
  expectSameRaster(dir_ / "ref/geo/los.tif", run / "geo/los.tif");
}

TEST_F(Reliability, UnwritableRunFolderIsAnIoErrorNamingIt) {
  if (::geteuid() == 0) {
    // Root ignores file permissions; /proc/self is a folder nobody can create files in.
    const auto r = runCli({"run", stack_, "--out", "/proc/self"}, (dir_ / "proc.log").string());
    EXPECT_EQ(r.code, 3) << r.out;
    EXPECT_NE(r.out.find("/proc/self/.lock"), std::string::npos) << r.out;
    const auto r2 = runCli({"run", stack_, "--out", "/proc/self/orthotrack_run"}, (dir_ / "proc2.log").string());
    EXPECT_EQ(r2.code, 3) << r2.out;
    EXPECT_NE(r2.out.find("/proc/self/orthotrack_run"), std::string::npos) << r2.out;
    GTEST_SKIP() << "running as root: the read-only geo/ folder case (earlier products intact) needs a normal user";
  }
  reference();
  const fs::path run = dir_ / "readonly";
  fs::copy(dir_ / "ref", run, fs::copy_options::recursive);
  const std::string losBefore = fnv1a64(run / "timeseries/los.tif"), geoBefore = fnv1a64(run / "geo/los.tif");
  fs::permissions(run / "geo", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
  const auto r = runCli({"run", stack_, "--out", run.string(), "--from", "geocode"}, (dir_ / "readonly.log").string());
  fs::permissions(run / "geo", fs::perms::owner_all, fs::perm_options::add);
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find((run / "geo").string()), std::string::npos) << r.out;
  EXPECT_EQ(fnv1a64(run / "timeseries/los.tif"), losBefore);
  EXPECT_EQ(fnv1a64(run / "geo/los.tif"), geoBefore);
}

}  // namespace

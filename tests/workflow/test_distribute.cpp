// `orthotrack run` beyond one process (docs/cluster.md): under `mpirun -np 2` and as two
// `--shard i/n` jobs followed by a plain run, the products are those of one process, byte for byte;
// an error on one rank ends every rank with its message; a resumed run recomputes only what is not
// done (a truncated pair product is computed again, nothing else).
//
// The stack: the six-scene subset of the simulated small stack that test_reliability uses (coarse
// offsets: one 64 px window every 64 px; about 45 s a run on two cores). Products compared: every
// file of the run folder except the manifest, the done markers, the lock, the scratch folder and
// the report page (it holds its creation time); rasters, CSV and PNG byte for byte, JSON as JSON
// without the `seconds` timings, HDF5 files dataset by dataset (HDF5 stores the objects'
// modification times in the file, so their bytes differ between any two runs).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
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

/// Starts `sh -c cmd` with stdout and stderr to `log`; returns its pid.
pid_t start(const std::string& cmd, const std::string& log) { return test::startLogged({"/bin/sh", "-c", cmd}, log); }
int finish(pid_t pid) { return test::waitExit(pid); }
struct Proc {
  int code = -1;
  std::string out;
  double seconds = 0;
};
Proc runCmd(const std::string& cmd, const std::string& log) {
  const auto t0 = std::chrono::steady_clock::now();
  Proc r;
  r.code = finish(start(cmd, log));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.out = io::readTextFile(log);
  return r;
}
std::string cli() { return ORTHOTRACK_CLI; }
std::string mpirun(int n) { return "mpirun -np " + std::to_string(n) + " --oversubscribe " + cli(); }
bool haveMpirun() { return std::system("command -v mpirun > /dev/null 2>&1") == 0; }

std::string bytesOf(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void dropSeconds(json& j) {
  if (j.is_object()) {
    j.erase("seconds");
    for (auto& [k, v] : j.items()) dropSeconds(v);
  } else if (j.is_array()) {
    for (auto& v : j) dropSeconds(v);
  }
}
/// Every dataset of the root group of an HDF5 file: name → raw bytes in the file's type.
std::map<std::string, std::string> h5Datasets(const fs::path& p) {
  std::map<std::string, std::string> out;
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return out;
  H5G_info_t gi;
  H5Gget_info(f, &gi);
  for (hsize_t k = 0; k < gi.nlinks; ++k) {
    char name[256] = {0};
    H5Lget_name_by_idx(f, ".", H5_INDEX_NAME, H5_ITER_INC, k, name, sizeof name - 1, H5P_DEFAULT);
    H5O_info_t oi;
#if H5_VERSION_GE(1, 12, 0)
    H5Oget_info_by_name3(f, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT);
#else
    H5Oget_info_by_name(f, name, &oi, H5P_DEFAULT);
#endif
    if (oi.type != H5O_TYPE_DATASET) continue;
    const hid_t d = H5Dopen2(f, name, H5P_DEFAULT), t = H5Dget_type(d), s = H5Dget_space(d);
    std::string buf(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)) * H5Tget_size(t), '\0');
    H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
    out[name] = std::move(buf);
    H5Sclose(s);
    H5Tclose(t);
    H5Dclose(d);
  }
  H5Fclose(f);
  return out;
}

/// The products of `other` are those of `ref` (see the file comment); returns the files compared.
int expectSameProducts(const fs::path& ref, const fs::path& other) {
  int compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(ref)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), ref).string();
    if (rel == "manifest.json" || rel == ".lock" || rel.rfind(".work/", 0) == 0 || rel.ends_with(".done.json") ||
        rel == "report/report.html" || rel.ends_with(".part"))
      continue;
    const fs::path o = other / rel;
    if (!fs::exists(o)) {
      ADD_FAILURE() << rel << " missing in " << other;
      continue;
    }
    ++compared;
    if (rel.ends_with(".json")) {
      json a = json::parse(bytesOf(e.path())), b = json::parse(bytesOf(o));
      dropSeconds(a);
      dropSeconds(b);
      EXPECT_EQ(a, b) << rel;
    } else if (rel.ends_with(".h5")) {
      const auto a = h5Datasets(e.path()), b = h5Datasets(o);
      EXPECT_FALSE(a.empty()) << rel;
      EXPECT_TRUE(a == b) << rel << ": datasets differ";
    } else {
      EXPECT_TRUE(bytesOf(e.path()) == bytesOf(o)) << rel << " is not byte-identical";
    }
  }
  return compared;
}

json manifestOf(const fs::path& run) { return json::parse(bytesOf(run / "manifest.json")); }

class Distribute : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);  // OpenMPI refuses root otherwise (containers, CI)
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    ::setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
    const std::string sim = std::string(ORTHOTRACK_BINARY_DIR) + "/sim_small";
    dir_ = test::tempDir("distribute");
    if (!fs::exists(sim + "/stack.toml") || !fs::exists(sim + "/truth/truth.json")) {
      fs::remove_all(sim);
      const auto r = runCmd(cli() + " simulate --out " + sim + " --size small", (dir_ / "sim.log").string());
      ASSERT_EQ(r.code, 0) << r.out;
    }
    // The stack and the single-process reference live in the build folder, kept between the test
    // processes (ctest runs each test alone) while the CLI binary is the same one.
    fs::create_directories(refHome());
    stack_ = (refHome() / "stack.toml").string();
    test::writeSixSceneStack(stack_, sim, "distribute");
  }
  static void TearDownTestSuite() {
    if (::testing::UnitTest::GetInstance()->failed_test_count() == 0) fs::remove_all(dir_);
  }
  static fs::path refHome() { return fs::path(ORTHOTRACK_BINARY_DIR) / "distribute_ref"; }
  static fs::path refDir() { return refHome() / "run"; }
  /// The single-process run (two threads), reused while the CLI binary (size, time) is unchanged.
  static const Proc& reference() {
    if (ref_.code >= 0) return ref_;
    const auto bin = fs::path(cli());
    const std::string stamp = std::to_string(fs::file_size(bin)) + " " +
                              std::to_string(fs::last_write_time(bin).time_since_epoch().count());
    const fs::path stampFile = refHome() / "stamp";
    if (fs::exists(stampFile) && fs::exists(refDir() / "report/report.html")) {
      std::istringstream in(bytesOf(stampFile));
      std::string a, b;
      double secs = 0;
      in >> a >> b >> secs;
      if (a + " " + b == stamp) {
        ref_.code = 0;
        ref_.seconds = secs;
        return ref_;
      }
    }
    fs::remove(stampFile);
    fs::remove_all(refDir());
    ref_ = runCmd(cli() + " run " + stack_ + " --out " + refDir().string() + " --threads 2", (refHome() / "ref.log").string());
    EXPECT_EQ(ref_.code, 0) << ref_.out;
    if (ref_.code == 0) std::ofstream(stampFile) << stamp << " " << ref_.seconds << "\n";
    return ref_;
  }
  static int pairCount() { return static_cast<int>(json::parse(bytesOf(refDir() / "network/network.json")).at("pairs").size()); }
  static inline fs::path dir_;
  static inline std::string stack_;
  static inline Proc ref_;
};

TEST_F(Distribute, TwoMpiRanksGiveTheProductsOfOneProcessByteForByte) {
  if (!ORTHOTRACK_WITH_MPI) GTEST_SKIP() << "built without MPI (ORTHOTRACK_WITH_MPI off)";
  if (!haveMpirun()) GTEST_SKIP() << "no mpirun (apt-get install openmpi-bin)";
  const Proc& ref = reference();
  ASSERT_EQ(ref.code, 0);
  const fs::path run = dir_ / "mpi";
  const auto r = runCmd(mpirun(2) + " run " + stack_ + " --out " + run.string() + " --threads 1", (dir_ / "mpi.log").string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::printf("single process (2 threads) %.1f s, mpirun -np 2 (1 thread each) %.1f s\n", ref.seconds, r.seconds);
  EXPECT_GT(expectSameProducts(refDir(), run), 60);
  const json m = manifestOf(run);
  EXPECT_EQ(m.at("ranks"), 2);
  EXPECT_EQ(m.at("steps").at("offsets").at("ranks"), 2);
  EXPECT_EQ(m.at("steps").at("coregister").at("scenes_computed"), 6);
  EXPECT_EQ(m.at("steps").at("offsets").at("pairs_computed"), pairCount());
  // The manifest's quality records are those of one process (whoever computed what).
  EXPECT_EQ(m["steps"]["offsets"]["quality"], manifestOf(refDir())["steps"]["offsets"]["quality"]);
  EXPECT_EQ(m["steps"]["coregister"]["quality"], manifestOf(refDir())["steps"]["coregister"]["quality"]);
  // Rank 1 shares the work (its count is logged) but logs no progress or information.
  EXPECT_NE(r.out.find("[rank 1] [offsets] warning: rank 1: computed"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("[rank 1] [run] info"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(run / ".work") && fs::directory_iterator(run / ".work") != fs::directory_iterator())
      << "scratch folders left behind";
}

TEST_F(Distribute, AnErrorOnOneRankEndsEveryRankWithItsMessage) {
  if (!ORTHOTRACK_WITH_MPI) GTEST_SKIP() << "built without MPI (ORTHOTRACK_WITH_MPI off)";
  if (!haveMpirun()) GTEST_SKIP() << "no mpirun (apt-get install openmpi-bin)";
  // The run folder is locked by "another run" (this test): rank 0 fails alone at the lock, rank 1
  // must not wait for it.
  const fs::path run = dir_ / "locked";
  fs::create_directories(run);
  const int fd = ::open((run / ".lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  const auto r = runCmd("timeout 60 " + mpirun(2) + " run " + stack_ + " --out " + run.string(), (dir_ / "locked.log").string());
  ::close(fd);
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_LT(r.seconds, 30.0) << r.out;
  const auto first = r.out.find("another orthotrack process");
  ASSERT_NE(first, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("another orthotrack process", first + 1), std::string::npos) << "printed by more than one rank:\n" << r.out;
  // --shard is for independent jobs, not for ranks: every rank refuses it, exit 2.
  const auto s = runCmd("timeout 60 " + mpirun(2) + " run " + stack_ + " --out " + run.string() + " --shard 1/2",
                        (dir_ / "shard_mpi.log").string());
  EXPECT_EQ(s.code, 2) << s.out;
  EXPECT_NE(s.out.find("--shard"), std::string::npos) << s.out;
}

TEST_F(Distribute, TwoShardJobsThenAPlainRunComputeEverythingOnce) {
  const Proc& ref = reference();
  ASSERT_EQ(ref.code, 0);
  const fs::path run = dir_ / "sharded";
  // Both jobs at once, as a job array runs them; they share the folder (a shared lock).
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t a = start(cli() + " run " + stack_ + " --out " + run.string() + " --shard 1/2 --threads 1", (dir_ / "shard1.log").string());
  const pid_t b = start(cli() + " run " + stack_ + " --out " + run.string() + " --shard 2/2 --threads 1", (dir_ / "shard2.log").string());
  for (int k = 0; k < 400 && !(fs::exists(run / ".lock") && fs::file_size(run / ".lock") > 0); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // A plain run is refused while shard jobs hold the folder.
  int st = 0;
  const bool running = ::waitpid(a, &st, WNOHANG) == 0 && ::waitpid(b, &st, WNOHANG) == 0;
  const auto plain = runCmd(cli() + " run " + stack_ + " --out " + run.string(), (dir_ / "refused.log").string());
  if (running) {
    EXPECT_EQ(plain.code, 3) << plain.out;
    EXPECT_NE(plain.out.find("another orthotrack process"), std::string::npos) << plain.out;
  }
  const int ca = finish(a), cb = finish(b);
  const double shardSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(ca, 0) << io::readTextFile((dir_ / "shard1.log").string());
  ASSERT_EQ(cb, 0) << io::readTextFile((dir_ / "shard2.log").string());
  EXPECT_FALSE(fs::exists(run / "manifest.json")) << "a shard job wrote the manifest";
  // Every scene and every pair is done once the two jobs have finished: the plain run computes none.
  const auto fin = runCmd(cli() + " run " + stack_ + " --out " + run.string() + " --threads 2", (dir_ / "final.log").string());
  ASSERT_EQ(fin.code, 0) << fin.out;
  std::printf("single process %.1f s; two shard jobs at once %.1f s, then the plain run %.1f s\n", ref.seconds, shardSeconds, fin.seconds);
  const json m = manifestOf(run);
  EXPECT_EQ(m.at("steps").at("coregister").at("scenes_computed"), 0) << fin.out;
  EXPECT_EQ(m.at("steps").at("offsets").at("pairs_computed"), 0) << fin.out;
  EXPECT_NE(fin.out.find("0 scenes computed"), std::string::npos) << fin.out;
  EXPECT_NE(fin.out.find("0 pairs computed"), std::string::npos) << fin.out;
  EXPECT_GT(expectSameProducts(refDir(), run), 60);
  for (const auto& e : fs::directory_iterator(run / ".work"))
    EXPECT_TRUE(e.path().filename() == "claims" || e.path().filename() == "publish.lock") << "left behind: " << e.path();
}

TEST_F(Distribute, AResumedRunComputesOnlyWhatIsNotDone) {
  ASSERT_EQ(reference().code, 0);
  const fs::path run = dir_ / "resumed";
  fs::copy(refDir(), run, fs::copy_options::recursive);
  // As if the run had been killed in the offsets step with one product cut short: no manifest
  // record for the steps, one truncated pair product.
  fs::remove(run / "manifest.json");
  const auto net = json::parse(bytesOf(run / "network/network.json"));
  const auto& p = net.at("pairs").at(1);
  const std::string pair = net["scenes"][p.at("ref").get<int>()]["id"].get<std::string>() + "__" +
                           net["scenes"][p.at("sec").get<int>()]["id"].get<std::string>();
  fs::resize_file(run / "offsets" / (pair + ".tif"), fs::file_size(run / "offsets" / (pair + ".tif")) / 2);
  const auto r = runCmd(cli() + " run " + stack_ + " --out " + run.string(), (dir_ / "resumed.log").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const json m = manifestOf(run);
  EXPECT_EQ(m.at("steps").at("coregister").at("scenes_computed"), 0) << r.out;
  EXPECT_EQ(m.at("steps").at("offsets").at("pairs_computed"), 1) << r.out;
  EXPECT_GT(expectSameProducts(refDir(), run), 60);
  // --from offsets computes every pair again.
  const auto f = runCmd(cli() + " run " + stack_ + " --out " + run.string() + " --from offsets", (dir_ / "from.log").string());
  ASSERT_EQ(f.code, 0) << f.out;
  EXPECT_EQ(manifestOf(run).at("steps").at("offsets").at("pairs_computed"), pairCount());
}

}  // namespace

// Hostile input and failing disks: declared sizes that would need absurd memory are refused before
// anything is allocated (core/limits.hpp), with an InvalidInput naming the file, the key and the
// value; the regressions of what fuzzing found (fuzz/regressions) as named cases; writes that fail
// because the disk is full (RLIMIT_FSIZE in a child process: works without root and as root) or the
// folder cannot be created give an IoError naming the file, leave no partial file and keep the
// previous product; and the CLI's exit code 3 for both.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>

#include "cli_runner.hpp"
#include "orthotrack/analysis/triggers.hpp"
#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/io/import_ceos.hpp"
#include "orthotrack/io/import_nisar.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/io/scene.hpp"
#include "test_data.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

namespace {

std::string seed(const std::string& rel) { return std::string(ORTHOTRACK_SOURCE_DIR) + "/fuzz/" + rel; }

std::vector<unsigned char> bytesOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `f` and expects E with every string of `parts` in its message.
template <class E>
void expectError(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const E& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "\"" << p << "\" not in: " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong error type: " << e.what();
  }
}

// Runs `f` in a child process whose files may not grow beyond `maxBytes` (RLIMIT_FSIZE, SIGXFSZ
// ignored, so a write past it fails with EFBIG as on a full disk). Returns what `f` returned, or a
// description of how the child failed.
std::string withFileSizeLimit(rlim_t maxBytes, const std::function<std::string()>& f) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{maxBytes, maxBytes};
    std::string out = setrlimit(RLIMIT_FSIZE, &lim) == 0 ? f() : "setrlimit failed";
    if (write(fds[1], out.data(), out.size()) < 0) _exit(2);
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return "child died (status " + std::to_string(st) + ")";
  return out;
}

// What an action threw: "IoError: <message>", "other: <message>" or "no error".
std::string outcome(const std::function<void()>& f) {
  try {
    f();
    return "no error";
  } catch (const IoError& e) {
    return std::string("IoError: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("other: ") + e.what();
  }
}

}  // namespace

// ---- declared sizes ----------------------------------------------------------------------------

TEST(HostileInput, SceneDeclaringAbsurdSizeIsRefused) {
  const auto dir = test::tempDir("hostile_scene");
  std::string text = io::readTextFile(seed("corpus/scene_json/plain.json"));
  text = std::regex_replace(text, std::regex("\"length\": 40"), "\"length\": 10000000");
  text = std::regex_replace(text, std::regex("\"width\": 30"), "\"width\": 10000000");
  const std::string p = (dir / "huge.json").string();
  io::writeFileAtomic(p, text);
  expectError<InvalidInput>([&] { io::readSceneMetadata(p); }, {p, "radar_grid.length/width", "10000000x10000000", "exceeds"});
  // A Doppler table declaring 10^5 x 10^5 nodes for its 6 values.
  text = std::regex_replace(io::readTextFile(seed("corpus/scene_json/doppler_lut.json")), std::regex("\\[\\s*2,\\s*3\\s*\\]"),
                            "[100000, 100000]");
  io::writeFileAtomic(p, text);
  expectError<InvalidInput>([&] { io::readSceneMetadata(p); }, {p, "doppler.shape", "100000"});
}

TEST(HostileInput, CeosImageDeclaringAbsurdSizeIsRefusedBeforeReading) {
  const auto dir = test::tempDir("hostile_ceos");
  auto b = bytesOf(seed("corpus/ceos_image/palsar2.img"));
  b.erase(b.begin());  // the fuzz target's layout byte
  const std::string line = "99999999", pixels = "99999999";
  std::copy(line.begin(), line.end(), b.begin() + 236);    // bytes 237-244: lines
  std::copy(pixels.begin(), pixels.end(), b.begin() + 248);  // bytes 249-256: pixels per line
  const std::string p = (dir / "IMG-HH-HUGE").string();
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  expectError<InvalidInput>([&] { io::readCeosImageDescriptor(p); }, {p, "number of lines per data set x pixels per line", "99999999x99999999"});
}

TEST(HostileInput, NisarImageWithAbsurdDimsIsRefusedBeforeReading) {
  const auto dir = test::tempDir("hostile_nisar");
  const std::string p = (dir / "huge.h5").string();
  // A product whose image declares 10^7 x 10^7 pixels (chunked, never written: the file stays small).
  const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const std::string img = "/science/LSAR/RSLC/swaths/frequencyA/HH";
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hsize_t dims[2] = {10000000, 10000000}, chunk[2] = {1, 1024};
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 2, chunk);
  const hid_t t = H5Tcreate(H5T_COMPOUND, 8);
  H5Tinsert(t, "r", 0, H5T_NATIVE_FLOAT);
  H5Tinsert(t, "i", 4, H5T_NATIVE_FLOAT);
  const hid_t sp = H5Screate_simple(2, dims, nullptr);
  const hid_t d = H5Dcreate2(f, img.c_str(), t, sp, lcpl, dcpl, H5P_DEFAULT);
  ASSERT_GE(d, 0);
  H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(t);
  H5Pclose(dcpl);
  H5Pclose(lcpl);
  H5Fclose(f);
  EXPECT_LT(fs::file_size(p), 1u << 20);
  expectError<InvalidInput>([&] { io::readNisarMetadata(p, "A", "HH"); }, {p, img, "10000000x10000000", "exceeds"});
}

TEST(HostileInput, RasterAllocationIsGuarded) {
  expectError<InvalidInput>([] { Raster<float> r(10000000, 10000000); }, {"raster size", "10000000x10000000"});
  expectError<InvalidInput>([] { Raster<float> r(-3, 5); }, {"raster size", "-3x5", "negative"});
  Raster<float> ok;
  expectError<InvalidInput>([&] { ok.resize(1, std::int64_t(1) << 40); }, {"raster size"});
  ok.resize(3, 4);
  EXPECT_EQ(ok.size(), 12u);
}

TEST(HostileInput, TextInputsMustBeRegularFiles) {
  // A stack naming /dev/zero as a scene would otherwise be read forever.
  expectError<IoError>([] { io::readTextFile("/dev/zero"); }, {"/dev/zero", "not a regular file"});
  expectError<IoError>([] { io::readTextFile("/"); }, {"not a regular file"});
  expectError<IoError>([] { io::readTextFile("/nonexistent/x.json"); }, {"/nonexistent/x.json", "not found"});
}

// ---- what fuzzing found (inputs in fuzz/regressions; tests/fuzz replays them all) -------------------

TEST(HostileInput, FuzzFindingsAreClearErrors) {
  const auto dir = test::tempDir("hostile_fuzz");
  // Scene time in the year 8313: was a signed overflow of the nanosecond count (undefined behaviour).
  const std::string scene = seed("regressions/scene_json/year_beyond_datetime.json");
  expectError<InvalidInput>([&] { io::readSceneMetadata(scene); }, {scene, "orbit.state_vectors[2].time", "8313-01-05"});
  // CEOS scene centre time in 2409: the same overflow through the DateTime constructor.
  const std::string led = seed("regressions/ceos_leader/scene_time_year_2409.led");
  expectError<InvalidInput>([&] { io::readCeosLeader(led); }, {led, "input scene centre time", "24091009043347052"});
  // A key above the first [section] header was taken as a processing section and lost on rewrite.
  fs::copy_file(seed("regressions/stack_toml/key_outside_section.toml"), dir / "stack.toml");
  io::writeFileAtomic((dir / "dem.tif").string(), "x");
  expectError<InvalidInput>([&] { io::loadStack((dir / "stack.toml").string(), {false, false}); },
                            {"stack.toml", "'gem'", "outside any [section]"});
  // A misspelt [stack] key was silently ignored.
  io::writeFileAtomic((dir / "typo.toml").string(), "[stack]\ndem = \"dem.tif\"\nprecipitaton = \"rain.csv\"\nscenes = [\"a.json\"]\n");
  expectError<InvalidInput>([&] { io::loadStack((dir / "typo.toml").string(), {false, false}); }, {"typo.toml", "stack.precipitaton", "unknown key"});
  // A number beyond double (1e7550004): nlohmann's out_of_range escaped as an internal error (exit 1).
  const std::string big = seed("regressions/scene_json/number_overflow_1e7550004.json");
  expectError<InvalidInput>([&] { io::readSceneMetadata(big); }, {big, "not valid JSON", "number overflow"});
  // A precipitation year 1008: the month table's dates overflowed.
  const std::string csv = seed("regressions/precip_csv/year_1008.csv");
  expectError<InvalidInput>([&] { analysis::readPrecipCsv(csv); }, {csv, "line 3 column year", "1008", "1678..2261"});
  // Time arithmetic beyond the range of DateTime is refused, not wrapped.
  expectError<InvalidInput>([] { DateTime(2409, 10, 9); }, {"year", "2409"});
  expectError<OutOfDomain>([] { DateTime(2020, 1, 1).plusSeconds(1e300); }, {"seconds"});
  DateTime t;
  EXPECT_FALSE(DateTime::tryParse("8313-01-05T12:00:00", t));
  EXPECT_TRUE(DateTime::tryParse("2261-12-31T23:59:59", t));
  EXPECT_NEAR(DateTime(2261, 1, 1).secondsSince(DateTime(1678, 1, 1)), 583.0 * 365.2425 * 86400.0, 2.0 * 86400.0);
}

// ---- disk full and unwritable folders ------------------------------------------------------------

TEST(DiskFull, WriteFileAtomicReportsItAndKeepsThePreviousFile) {
  const auto dir = test::tempDir("diskfull_text");
  const std::string p = (dir / "manifest.json").string();
  io::writeFileAtomic(p, "previous content\n");
  const std::string r = withFileSizeLimit(4096, [&] { return outcome([&] { io::writeFileAtomic(p, std::string(1 << 20, 'x')); }); });
  EXPECT_EQ(r.rfind("IoError: ", 0), 0u) << r;
  EXPECT_NE(r.find(p), std::string::npos) << r;
  EXPECT_NE(r.find("disk full"), std::string::npos) << r;
  EXPECT_EQ(io::readTextFile(p), "previous content\n");
  EXPECT_FALSE(fs::exists(p + ".part"));
}

TEST(DiskFull, RasterWriterReportsItAndKeepsThePreviousProduct) {
  const auto dir = test::tempDir("diskfull_raster");
  const std::string p = (dir / "rates.tif").string();
  Raster<float> before(64, 64);
  for (std::size_t k = 0; k < before.size(); ++k) before.data()[k] = static_cast<float>(k) * 0.5f;
  io::writeRaster(p, before);
  const auto bytesBefore = bytesOf(p);
  for (const std::string compress : {"NONE", "DEFLATE"}) {
    const std::string r = withFileSizeLimit(64 * 1024, [&] {
      return outcome([&] {
        Raster<float> big(1024, 1024);
        for (std::size_t k = 0; k < big.size(); ++k) big.data()[k] = static_cast<float>((k * 2654435761u) % 1000003u);  // incompressible
        io::WriteOptions o;
        o.compress = compress;
        io::RasterWriter w(p, big.length(), big.width(), 1, io::DataType::Float32, nullptr, o);
        w.write(1, big);
        w.commit();
      });
    });
    EXPECT_EQ(r.rfind("IoError: ", 0), 0u) << compress << ": " << r;
    EXPECT_NE(r.find(p), std::string::npos) << r;
    EXPECT_NE(r.find("disk full"), std::string::npos) << r;
    EXPECT_FALSE(fs::exists(p + ".part")) << compress;
    EXPECT_EQ(bytesOf(p), bytesBefore) << compress << ": the previous product changed";
  }
}

TEST(DiskFull, OutputFolderThatCannotBeCreatedIsAnIoErrorNamingIt) {
  // A regular file where the output folder should be: refused even for root (chmod is not).
  const auto dir = test::tempDir("unwritable");
  io::writeFileAtomic((dir / "blocker").string(), "a file, not a folder\n");
  const std::string folder = (dir / "blocker" / "geo").string();
  expectError<IoError>([&] { io::writeFileAtomic(folder + "/summary.json", "{}"); }, {folder, "cannot create the output folder"});
  expectError<IoError>([&] { io::writeRaster(folder + "/rates.tif", Raster<float>(4, 4)); }, {folder, "cannot create the output folder"});
}

TEST(DiskFull, CliExitsWithCode3NamingTheFileAndKeepsEarlierProducts) {
  const auto dir = test::tempDir("diskfull_cli");
  // Four displacement rasters and their pair list (invert --pairs), then the products once.
  const std::vector<std::string> dates = {"2017-01-03", "2017-03-04", "2017-05-03", "2017-07-02"};
  std::string csv = "date1,date2,path\n";
  for (std::size_t i = 0; i + 1 < dates.size(); ++i)
    for (std::size_t j = i + 1; j < dates.size(); ++j) {
      Raster<float> d(16, 16, 0.01f * static_cast<float>(j - i));
      const std::string name = std::string(1, 'd').append(std::to_string(10 * i + j)).append(".tif");  // (GCC 12 -Wrestrict false positive on "d" + ...)
      io::writeRaster((dir / name).string(), d);
      csv += dates[i] + "," + dates[j] + "," + name + "\n";
    }
  io::writeFileAtomic((dir / "pairs.csv").string(), csv);
  const std::string out = (dir / "out").string();
  const auto ok = test::runCli("invert --pairs " + (dir / "pairs.csv").string() + " -o " + out);
  ASSERT_EQ(ok.code, 0) << ok.out;
  std::map<std::string, std::vector<unsigned char>> before;
  for (const auto& e : fs::directory_iterator(out)) before[e.path().filename().string()] = bytesOf(e.path().string());
  ASSERT_GE(before.size(), 4u);
  // Again with files limited to 1 KiB (ulimit -f counts 512-byte blocks; XFSZ ignored so that the
  // write fails with EFBIG, as on a full disk).
  const std::string cmd = "bash -c \"trap '' XFSZ; ulimit -f 2; exec " + std::string(ORTHOTRACK_CLI) + " invert --pairs " +
                          (dir / "pairs.csv").string() + " -o " + out + "\" 2>&1";
  std::string text;
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buf[4096];
  while (fgets(buf, sizeof buf, pipe)) text += buf;
  const int st = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(st)) << text;
  EXPECT_EQ(WEXITSTATUS(st), 3) << text;
  EXPECT_NE(text.find(out + "/"), std::string::npos) << text;
  EXPECT_NE(text.find("disk full"), std::string::npos) << text;
  for (const auto& [name, bytes] : before) EXPECT_EQ(bytesOf(out + "/" + name), bytes) << name << " changed";
  for (const auto& e : fs::directory_iterator(out)) EXPECT_NE(e.path().extension(), ".part") << e.path();
}

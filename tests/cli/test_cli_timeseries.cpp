// The time-series verbs as a user meets them: `pairs`, `invert --pairs` on rasters with a known
// truth, `invert`/`geocode` on a run directory, and every bad pair list (exit 2, naming the file,
// the line and column, and the value).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>

#include "orthotrack/io/raster_io.hpp"
#include "stack_fixture.hpp"
#include "test_data.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

namespace {

struct Cli {
  int code = -1;
  std::string out;  // stdout and stderr
  bool has(const std::string& s) const { return out.find(s) != std::string::npos; }
};

/// Runs the orthotrack binary with `args`, output captured through a file next to the test data.
Cli cli(const std::string& args, const fs::path& dir) {
  const fs::path log = dir / "cli_output.txt";
  const std::string cmd = std::string(ORTHOTRACK_CLI) + " " + args + " > '" + log.string() + "' 2>&1";
  const int st = std::system(cmd.c_str());
  Cli r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  r.out = ss.str();
  return r;
}

/// The path single-quoted for the shell.
std::string q(const fs::path& p) {
  std::string s(1, '\'');
  s += p.string();
  s += '\'';
  return s;
}

/// "<prefix><k>" (scene ids).
std::string sceneId(const char* prefix, std::size_t k) {
  std::string s(prefix);
  s += std::to_string(k);
  return s;
}

void writeText(const fs::path& p, const std::string& text) {
  std::ofstream f(p);
  f << text;
}

std::vector<std::string> csvLines(const fs::path& p) {
  std::ifstream f(p);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) lines.push_back(l);
  return lines;
}

double years(const DateTime& a, const DateTime& b) { return b.secondsSince(a) / (365.25 * 86400.0); }

/// A stack of scenes of two platforms at given dates (identical orbits: zero perpendicular baseline).
std::string twoPlatformStack(const fs::path& dir, const std::vector<DateTime>& p1, const std::vector<DateTime>& p2,
                             const std::string& extra = "") {
  test::fakeDem((dir / "dem.tif").string());
  io::Stack st;
  st.name = "pairs-test";
  st.dem = (dir / "dem.tif").string();
  st.outputDir = (dir / "run").string();
  for (std::size_t k = 0; k < p1.size(); ++k) st.scenes.push_back(test::fakeScene(dir.string(), sceneId("A", k), "PALSAR-1", p1[k], 8, 8));
  for (std::size_t k = 0; k < p2.size(); ++k) st.scenes.push_back(test::fakeScene(dir.string(), sceneId("B", k), "PALSAR-2", p2[k], 8, 8));
  const std::string p = (dir / "stack.toml").string();
  io::writeStack(p, st);
  if (!extra.empty()) {
    std::ofstream f(p, std::ios::app);
    f << "\n" << extra << "\n";
  }
  return p;
}

}  // namespace

// ---- orthotrack pairs ---------------------------------------------------------------------------

TEST(CliPairs, WritesThePaperRulePairsPlotAndEpochs) {
  const auto dir = test::tempDir("cli_pairs");
  const DateTime a0(2007, 1, 1, 16), b0(2015, 1, 1, 5);
  const std::vector<DateTime> p1{a0, a0.plusSeconds(151 * 86400.0), a0.plusSeconds(365 * 86400.0), a0.plusSeconds(578 * 86400.0)};
  const std::vector<DateTime> p2{b0, b0.plusSeconds(31 * 86400.0), b0.plusSeconds(120 * 86400.0), b0.plusSeconds(243 * 86400.0)};
  const auto stack = twoPlatformStack(dir, p1, p2);
  const auto r = cli("pairs " + q(stack) + " -o " + q(dir / "out" / "pairs.csv"), dir);
  ASSERT_EQ(r.code, 0) << r.out;
  // Reference, written plainly: same platform dt >= 300 d (PALSAR-1) / 70 d (PALSAR-2), and the
  // 3 x 3 bridging pairs between the last three PALSAR-1 and the first three PALSAR-2 scenes.
  int same1 = 0, same2 = 0;
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = i + 1; j < 4; ++j) {
      same1 += p1[j].secondsSince(p1[i]) / 86400.0 >= 300.0;
      same2 += p2[j].secondsSince(p2[i]) / 86400.0 >= 70.0;
    }
  ASSERT_EQ(same1, 3);
  ASSERT_EQ(same2, 5);
  const auto lines = csvLines(dir / "out" / "pairs.csv");
  ASSERT_EQ(lines.size(), 1u + 3 + 5 + 9);
  EXPECT_EQ(lines[0], "id1,id2,date1,date2,dt_days,bperp_m,category");
  int cross = 0;
  for (const auto& l : lines) cross += l.find(",cross_platform") != std::string::npos;
  EXPECT_EQ(cross, 9);
  EXPECT_TRUE(r.has("17: 8 same-platform, 9 cross-platform")) << r.out;
  EXPECT_TRUE(r.has("network  connected")) << r.out;
  // The plot is a PNG (RGB) and the epochs file has one row per scene, all connected.
  io::RasterReader png((dir / "out" / "network.png").string());
  EXPECT_EQ(png.info().bands, 3);
  EXPECT_GT(png.width(), 400);
  const auto ep = csvLines(dir / "out" / "pairs_epochs.csv");
  ASSERT_EQ(ep.size(), 9u);
  EXPECT_EQ(ep[0], "id,date,platform,bperp_m,pairs,component,connected_to_first,next_interval_spanned");
  EXPECT_EQ(ep[1].substr(0, 3), "A0,");
  EXPECT_NE(ep[1].find(",2,0,1,1"), std::string::npos) << ep[1];  // A0: two pairs (A0-A2, A0-A3)
  EXPECT_NE(ep[2].find(",4,0,1,1"), std::string::npos) << ep[2];  // A1: A1-A3 and three bridges
  fs::remove_all(dir);
}

TEST(CliPairs, DisconnectedNetworkIsAnErrorUnlessAllowedThenEpochsAreFlagged) {
  const auto dir = test::tempDir("cli_pairs_gap");
  const DateTime a0(2007, 1, 1, 16), b0(2015, 1, 1, 5);
  const std::vector<DateTime> p1{a0, a0.plusSeconds(365 * 86400.0), a0.plusSeconds(730 * 86400.0)};
  const std::vector<DateTime> p2{b0, b0.plusSeconds(100 * 86400.0), b0.plusSeconds(200 * 86400.0)};
  const auto stack = twoPlatformStack(dir, p1, p2, "[network]\nbridge_scenes = 0\n");
  auto r = cli("pairs " + q(stack) + " -o " + q(dir / "pairs.csv"), dir);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(r.has("stack.toml")) << r.out;
  EXPECT_TRUE(r.has("network.allow_disconnected")) << r.out;
  EXPECT_TRUE(r.has("--allow-disconnected")) << r.out;
  EXPECT_FALSE(fs::exists(dir / "pairs.csv"));
  r = cli("pairs " + q(stack) + " -o " + q(dir / "pairs.csv") + " --allow-disconnected", dir);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(r.has("DISCONNECTED")) << r.out;
  EXPECT_TRUE(r.has("flagged epoch 2015-01-01 (B0)")) << r.out;
  const auto ep = csvLines(dir / "pairs_epochs.csv");
  ASSERT_EQ(ep.size(), 7u);
  for (int k = 1; k <= 3; ++k) EXPECT_NE(ep[k].find(",0,1,"), std::string::npos) << ep[k];  // PALSAR-1: component 0
  EXPECT_NE(ep[3].find(",0,1,0"), std::string::npos) << ep[3];  // interval 2011 → 2015 spanned by no pair
  for (int k = 4; k <= 6; ++k) EXPECT_NE(ep[k].find(",1,0,"), std::string::npos) << ep[k];  // PALSAR-2: not tied to the first date
  // A bad [network] value names the key and the value.
  const auto bad = twoPlatformStack(dir, p1, p2, "[network]\nbridge_scenes = -2\n");
  r = cli("pairs " + q(bad), dir);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(r.has("network.bridge_scenes") && r.has("-2")) << r.out;
  fs::remove_all(dir);
}

// ---- orthotrack invert --pairs: known truth ----------------------------------------------------

namespace {
struct Synthetic {
  std::vector<DateTime> dates;
  std::vector<std::pair<int, int>> pairs;
  std::int64_t L = 6, W = 9;
  double sigma = 0.002;  // m, pair noise
  GeoGrid geo;
  /// Truth: d(t) = v·t + a·sin(2π t) (m, t in years since the first date), per pixel.
  double truth(int date, std::int64_t i, std::int64_t j) const {
    const double t = years(dates[0], dates[static_cast<std::size_t>(date)]);
    const double v = 0.1 * (static_cast<double>(i) - 0.3 * static_cast<double>(j));
    const double a = 0.01 * static_cast<double>(j % 3);
    return v * t + a * std::sin(2.0 * M_PI * t);
  }
};

/// Writes the pair rasters (every third pair as band 2 of a 2-band file), σ rasters, a nodata pixel
/// and one gross outlier, and the pair list; returns the synthetic truth.
Synthetic writePairList(const fs::path& dir, std::int64_t outlierPair, std::int64_t oi, std::int64_t oj) {
  Synthetic s;
  const DateTime d0(2016, 1, 1);
  for (double days : {0.0, 35.0, 70.0, 140.0, 210.0, 300.0, 400.0}) s.dates.push_back(d0.plusSeconds(days * 86400.0));
  for (int i = 0; i < 7; ++i)
    for (int j = i + 1; j < 7 && j <= i + 3; ++j) s.pairs.emplace_back(i, j);
  s.geo.transform = {100.0, 0.001, 0, 30.0, 0, -0.001};
  s.geo.length = s.L;
  s.geo.width = s.W;
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0.0, s.sigma);
  std::ofstream csv(dir / "pairs.csv");
  csv << "# pairs from a synthetic tracker\ndate1,date2,path,band,sigma_path\n";
  Raster<float> sig(s.L, s.W, static_cast<float>(s.sigma));
  io::writeRaster((dir / "sigma.tif").string(), sig, &s.geo);
  for (std::size_t k = 0; k < s.pairs.size(); ++k) {
    const auto [a, b] = s.pairs[k];
    Raster<float> d(s.L, s.W);
    for (std::int64_t i = 0; i < s.L; ++i)
      for (std::int64_t j = 0; j < s.W; ++j) d(i, j) = static_cast<float>(s.truth(b, i, j) - s.truth(a, i, j) + noise(rng));
    if (static_cast<std::int64_t>(k) == outlierPair) d(oi, oj) += 1.0f;  // a gross mismatch (500 σ)
    const std::string name = "pair" + std::to_string(k) + ".tif";
    int band = 1;
    if (k == 4) {
      d(1, 1) = -9999.0f;  // the file's nodata value: an invalid pair at this pixel
      io::writeRaster((dir / name).string(), d, &s.geo, "dx", "m", -9999.0);
    } else if (k % 3 == 2) {
      band = 2;  // displacement in band 2 of a two-band file (band 1 something else)
      io::RasterWriter w((dir / name).string(), s.L, s.W, 2, io::DataType::Float32, &s.geo);
      w.write(1, Raster<float>(s.L, s.W, 42.0f));
      w.write(2, d);
      w.commit();
    } else {
      io::writeRaster((dir / name).string(), d, &s.geo);
    }
    csv << s.dates[static_cast<std::size_t>(a)].isoDate() << "," << s.dates[static_cast<std::size_t>(b)].compactDate() << ","
        << name << "," << band << ",sigma.tif\n";
  }
  return s;
}

std::string findPython() {
  for (const char* cand : {"/usr/bin/python3", "python3"})
    if (std::system((std::string(cand) + " -c 'import h5py' > /dev/null 2>&1").c_str()) == 0) return cand;
  return "";
}
}  // namespace

TEST(CliInvertPairs, RecoversTheTruthWithinTheNoiseAndWritesEveryProduct) {
  const auto dir = test::tempDir("cli_invert_pairs");
  const std::int64_t outlierPair = 7, oi = 2, oj = 2;
  const auto s = writePairList(dir, outlierPair, oi, oj);
  const auto out = dir / "ts";
  auto r = cli("invert --pairs " + q(dir / "pairs.csv") + " -o " + q(out), dir);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(r.has("15 over 7 dates")) << r.out;
  for (const char* f : {"displacement.tif", "displacement_sigma.tif", "rates.tif", "quality.tif", "timeseries.h5", "velocity.h5"})
    EXPECT_TRUE(fs::exists(out / f)) << f;

  io::RasterReader disp((out / "displacement.tif").string()), sig((out / "displacement_sigma.tif").string()),
      rates((out / "rates.tif").string()), qual((out / "quality.tif").string());
  ASSERT_EQ(disp.info().bands, 7);
  EXPECT_EQ(disp.info().bandNames[3], "d_" + s.dates[3].compactDate());
  ASSERT_TRUE(disp.info().georeferenced);
  EXPECT_DOUBLE_EQ(disp.info().geo.transform[0], 100.0);
  EXPECT_DOUBLE_EQ(disp.info().geo.transform[5], -0.001);
  // Every date, every pixel but the outlier's: error within the noise. The predicted σ (a priori from
  // the pair σ) is checked to describe the error: normalized errors with RMS near 1.
  double sumN2 = 0, sumE2 = 0;
  int n = 0;
  for (int d = 0; d < 7; ++d) {
    const auto est = disp.readAll<double>(d + 1), sd = sig.readAll<double>(d + 1);
    for (std::int64_t i = 0; i < s.L; ++i)
      for (std::int64_t j = 0; j < s.W; ++j) {
        if (i == oi && j == oj) continue;
        const double e = est(i, j) - s.truth(d, i, j);
        if (d == 0) {
          EXPECT_EQ(est(i, j), 0.0);
          continue;
        }
        ASSERT_TRUE(std::isfinite(e)) << d << " " << i << " " << j;
        ASSERT_GT(sd(i, j), 0.0f);
        EXPECT_LT(std::abs(e), 4.5 * sd(i, j)) << "date " << d << " pixel " << i << "," << j;
        sumN2 += e * e / (sd(i, j) * sd(i, j));
        sumE2 += e * e;
        ++n;
      }
  }
  const double rmsNorm = std::sqrt(sumN2 / n), rmsErr = std::sqrt(sumE2 / n);
  EXPECT_GT(rmsNorm, 0.7);
  EXPECT_LT(rmsNorm, 1.3);
  EXPECT_LT(rmsErr, 2.0 * s.sigma);  // at the pair noise level
  // Quality: 15 pairs everywhere but the nodata pixel (14); the outlier pixel's plain solution is off.
  const int bUsed = qual.bandIndex("displacement_pairs_used");
  const auto used = qual.readAll<float>(bUsed);
  EXPECT_EQ(used(0, 0), 15.0f);
  EXPECT_EQ(used(1, 1), 14.0f);
  double worst = 0;
  for (int d = 1; d < 7; ++d) worst = std::max(worst, std::abs(disp.readAll<double>(d + 1)(oi, oj) - s.truth(d, oi, oj)));
  EXPECT_GT(worst, 0.1);
  std::printf("normalized error RMS %.2f, error RMS %.5f m (pair sigma %.3f m), plain error at the outlier pixel %.3f m\n", rmsNorm,
              rmsErr, s.sigma, worst);
  // Rate over the whole span: the least-squares slope of the truth, within its σ.
  const auto rate = rates.readAll<double>(rates.bandIndex("displacement_all"));
  const auto rateSig = rates.readAll<double>(rates.bandIndex("displacement_sigma_all"));
  for (std::int64_t i = 0; i < s.L; ++i)
    for (std::int64_t j = 0; j < s.W; ++j) {
      if (i == oi && j == oj) continue;
      double st = 0, sd = 0, stt = 0, std_ = 0;
      for (int d = 0; d < 7; ++d) {
        const double t = years(s.dates[0], s.dates[static_cast<std::size_t>(d)]), v = s.truth(d, i, j);
        st += t;
        sd += v;
        stt += t * t;
        std_ += t * v;
      }
      const double slope = (7 * std_ - st * sd) / (7 * stt - st * st);
      EXPECT_LT(std::abs(rate(i, j) - slope), 4.5 * rateSig(i, j)) << i << "," << j;
    }

  // The robust option (Tukey) brings the outlier pixel back to the noise level.
  r = cli("invert --pairs " + q(dir / "pairs.csv") + " -o " + q(dir / "ts_tukey") + " --robust tukey", dir);
  ASSERT_EQ(r.code, 0) << r.out;
  io::RasterReader robust((dir / "ts_tukey" / "displacement.tif").string()), robustSig((dir / "ts_tukey" / "displacement_sigma.tif").string());
  for (int d = 1; d < 7; ++d)
    EXPECT_LT(std::abs(robust.readAll<double>(d + 1)(oi, oj) - s.truth(d, oi, oj)), 4.5 * robustSig.readAll<double>(d + 1)(oi, oj)) << d;

  // MintPy layout, read back with h5py: datasets, dates, geocoding attributes.
  const std::string py = findPython();
  if (py.empty()) GTEST_SKIP() << "no python3 with h5py (install python3-h5py)";
  writeText(dir / "check.py",
            "import sys, h5py\n"
            "f = h5py.File(sys.argv[1], 'r')\n"
            "a = lambda k: f.attrs[k].decode() if isinstance(f.attrs[k], bytes) else str(f.attrs[k])\n"
            "assert f['timeseries'].shape == (7, 6, 9), f['timeseries'].shape\n"
            "assert [d.decode() for d in f['date'][:]][-1] == '20170204'\n"
            "assert a('FILE_TYPE') == 'timeseries' and a('REF_DATE') == '20160101' and a('X_FIRST') == '100'\n"
            "assert a('Y_STEP') == '-0.001' and a('EPSG') == '4326' and a('X_UNIT') == 'degrees'\n"
            "assert abs(f['timeseries'][6, 4, 5] - float(sys.argv[3])) < 1e-7 and f['timeseries'][0, 3, 3] == 0\n"
            "v = h5py.File(sys.argv[2], 'r')\n"
            "assert v['velocity'].shape == (6, 9) and v.attrs['DATE12'] in (b'20160101_20170204', '20160101_20170204')\n"
            "print('ok')\n");
  const std::string cmd = py + " " + q(dir / "check.py") + " " + q(out / "timeseries.h5") + " " + q(out / "velocity.h5") + " " +
                          std::to_string(disp.readAll<float>(7)(4, 5));
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  fs::remove_all(dir);
}

// ---- orthotrack invert --pairs: bad input -------------------------------------------------------

TEST(CliInvertPairs, EveryBadPairListNamesFileLineColumnAndValue) {
  const auto dir = test::tempDir("cli_invert_bad");
  Raster<float> a(4, 5, 0.01f), big(4, 6, 0.01f);
  io::writeRaster((dir / "a.tif").string(), a);
  io::writeRaster((dir / "b.tif").string(), a);
  io::writeRaster((dir / "big.tif").string(), big);
  const std::string good = "date1,date2,path\n2016-01-01,2016-02-01,a.tif\n2016-02-01,2016-03-01,b.tif\n";
  struct Case {
    std::string name, csv, key, value, message;
  };
  const std::vector<Case> cases{
      {"missing column", "2016-01-01,2016-02-01\n", "line 1.path", "2016-01-01,2016-02-01", "missing column 'path'"},
      {"too many columns", "2016-01-01,2016-02-01,a.tif,1,a.tif,x\n", "line 1", "2016-01-01,2016-02-01,a.tif,1,a.tif,x", "too many columns"},
      {"unparsable date1", good + "2016-13-45,2016-04-01,a.tif\n", "line 4.date1", "2016-13-45", "cannot parse the date"},
      {"unparsable date2", "2016-01-01,tomorrow,a.tif\n", "line 1.date2", "tomorrow", "cannot parse the date"},
      {"date1 after date2", "2016-03-01,2016-02-01,a.tif\n", "line 1.date2", "2016-03-01,2016-02-01", "earlier than date2"},
      {"equal dates", "20160301,2016-03-01,a.tif\n", "line 1.date2", "20160301,2016-03-01", "earlier than date2"},
      {"missing file", good + "2016-01-01,2016-03-01,nothere.tif\n", "line 4.path", "nothere.tif", "cannot open the raster"},
      {"different size", good + "2016-01-01,2016-03-01,big.tif\n", "line 4.path", "big.tif", "4 x 6 but the first pair's (line 2) is 4 x 5"},
      {"band out of range", good + "2016-01-01,2016-03-01,a.tif,2\n", "line 4.band", "2", "band out of range"},
      {"band zero", "2016-01-01,2016-03-01,a.tif,0\n", "line 1.band", "0", "band must be >= 1"},
      {"band not a number", "2016-01-01,2016-03-01,a.tif,two,a.tif\n", "line 1.band", "two", "band must be a positive integer"},
      {"missing sigma file", "2016-01-01,2016-03-01,a.tif,1,nosigma.tif\n", "line 1.sigma_path", "nosigma.tif", "cannot open the raster"},
      {"sigma of another size", "2016-01-01,2016-03-01,a.tif,big.tif\n", "line 1.sigma_path", "big.tif", "sigma raster is 4 x 6"},
      {"no pairs", "date1,date2,path\n# nothing\n", "", "", "the pair list has no pairs"},
  };
  for (const auto& c : cases) {
    writeText(dir / "list.csv", c.csv);
    const auto r = cli("invert --pairs " + q(dir / "list.csv") + " -o " + q(dir / "out"), dir);
    EXPECT_EQ(r.code, 2) << c.name << ": " << r.out;
    EXPECT_TRUE(r.has((dir / "list.csv").string())) << c.name << ": " << r.out;
    if (!c.key.empty()) {
      EXPECT_TRUE(r.has("'" + c.key + "'")) << c.name << ": " << r.out;
    }
    EXPECT_TRUE(r.has(c.value)) << c.name << ": " << r.out;
    EXPECT_TRUE(r.has(c.message)) << c.name << ": " << r.out;
    EXPECT_FALSE(fs::exists(dir / "out" / "timeseries.h5")) << c.name;
  }
  // The good list passes (the cases above differ from it in one thing each).
  writeText(dir / "list.csv", good);
  auto r = cli("invert --pairs " + q(dir / "list.csv") + " -o " + q(dir / "out"), dir);
  EXPECT_EQ(r.code, 0) << r.out;
  // A pair list that cannot be read is an I/O error (exit 3); options that need each other, exit 2.
  r = cli("invert --pairs " + q(dir / "none.csv") + " -o " + q(dir / "out"), dir);
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(r.has("none.csv")) << r.out;
  r = cli("invert --pairs " + q(dir / "list.csv"), dir);
  EXPECT_EQ(r.code, 2) << r.out;
  r = cli("invert --pairs " + q(dir / "list.csv") + " -o " + q(dir / "out") + " --robust cauchy", dir);
  EXPECT_EQ(r.code, 2) << r.out;
  r = cli("invert", dir);
  EXPECT_EQ(r.code, 2) << r.out;
  r = cli("invert " + q(dir) + " --robust tukey", dir);
  EXPECT_EQ(r.code, 2) << r.out;
  fs::remove_all(dir);
}

// ---- orthotrack invert / geocode RUN_DIR ---------------------------------------------------------

TEST(CliInvertRunDir, NeedsARunDirectoryWhoseEarlierStepsAreComplete) {
  const auto dir = test::tempDir("cli_invert_run");
  auto r = cli("invert " + q(dir / "norun"), dir);
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(r.has("no manifest.json")) << r.out;
  r = cli("geocode " + q(dir / "norun"), dir);
  EXPECT_EQ(r.code, 3) << r.out;
  // A run directory whose manifest names the stack but records no step: the first missing step is named.
  const auto stack = test::fakeStack(dir.string());
  fs::create_directories(dir / "run");
  writeText(dir / "run" / "manifest.json", "{\"stack\": \"" + stack + "\", \"steps\": {}}\n");
  for (const char* verb : {"invert", "geocode"}) {
    r = cli(std::string(verb) + " " + q(dir / "run"), dir);
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_TRUE(r.has("manifest.json")) << r.out;
    EXPECT_TRUE(r.has("'steps.coregister'")) << r.out;
    EXPECT_TRUE(r.has("--until coregister")) << r.out;
    EXPECT_FALSE(fs::exists(dir / "run" / "coreg")) << "an earlier step must not run";
  }
  fs::remove_all(dir);
}

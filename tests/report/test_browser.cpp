// Opens the report in headless Chromium: it must render, run its script without console errors and
// show every figure. Skips when no Chromium is installed (Debian package `chromium`).
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/report/report.hpp"
#include "synthetic.hpp"
#include "test_data.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

namespace {

std::string findChromium() {
  if (const char* env = std::getenv("OT_CHROMIUM"); env && *env && fs::exists(env)) return env;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
      if (fs::exists(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  return "";
}

std::string chromiumCommand(const std::string& exe, const fs::path& profile) {
  return "timeout 120 '" + exe + "' --headless --no-sandbox --disable-gpu --disable-background-networking "
         "--disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage "
         "--user-data-dir='" + profile.string() + "' --enable-logging=stderr --v=0 ";
}

}  // namespace

TEST(ReportBrowser, RendersWithoutConsoleErrors) {
  const std::string exe = findChromium();
  if (exe.empty()) GTEST_SKIP() << "chromium not installed (apt-get install chromium); browser test skipped";
  const auto dir = test::tempDir("report_browser");
  const report::ReportData data = test::syntheticReport();
  const auto summary = report::writeReport(data, (dir / "report").string());
  const std::string url = "file://" + fs::absolute(summary.htmlPath).string();

  // 1. Screenshot.
  const fs::path shot = dir / "screenshot.png", err1 = dir / "shot.stderr";
  const std::string cmd1 = chromiumCommand(exe, dir / "profile1") + "--window-size=1400,3000 --screenshot='" +
                           shot.string() + "' '" + url + "' > /dev/null 2> '" + err1.string() + "'";
  ASSERT_EQ(std::system(cmd1.c_str()), 0) << cmd1 << "\n" << io::readTextFile(err1.string());
  ASSERT_TRUE(fs::exists(shot)) << io::readTextFile(err1.string());
  // 2. The DOM after the page script ran.
  const fs::path dom = dir / "dom.html", err2 = dir / "dom.stderr";
  const std::string cmd2 = chromiumCommand(exe, dir / "profile2") + "--dump-dom '" + url + "' > '" + dom.string() +
                           "' 2> '" + err2.string() + "'";
  ASSERT_EQ(std::system(cmd2.c_str()), 0) << cmd2 << "\n" << io::readTextFile(err2.string());

  // No console output from the page (Chromium logs console messages as "CONSOLE" lines).
  for (const auto& e : {err1, err2}) {
    std::stringstream lines(io::readTextFile(e.string()));
    std::string line;
    while (std::getline(lines, line)) {
      EXPECT_EQ(line.find("CONSOLE"), std::string::npos) << line;
      EXPECT_EQ(line.find("Uncaught"), std::string::npos) << line;
    }
  }
  const std::string html = io::readTextFile(dom.string());
  EXPECT_NE(html.find("data-ot-ready=\"1\""), std::string::npos) << "the page script did not run to its end";
  for (const auto& id : {"rate_los_p1", "rate_az_p1", "rate_sigma", "ts_p2", "network"})
    EXPECT_NE(html.find(std::string("id=\"fig-") + id + "\""), std::string::npos) << id;
  EXPECT_EQ(html.find("<title>P2 LOS"), std::string::npos) << "native tooltips were not replaced";

  // The screenshot shows a page, not a blank window.
  io::RasterReader rd(shot.string());
  EXPECT_EQ(rd.width(), 1400);
  EXPECT_EQ(rd.length(), 3000);
  const auto R = rd.readAll<std::uint8_t>(1), G = rd.readAll<std::uint8_t>(2), B = rd.readAll<std::uint8_t>(3);
  std::size_t nonWhite = 0;
  std::set<int> colours;
  for (std::size_t i = 0; i < R.size(); ++i) {
    const int c = (R.data()[i] << 16) | (G.data()[i] << 8) | B.data()[i];
    if (c != 0xffffff) ++nonWhite;
    if (colours.size() < 5000) colours.insert(c);
  }
  EXPECT_GT(static_cast<double>(nonWhite) / static_cast<double>(R.size()), 0.03);
  EXPECT_GT(colours.size(), 200u);  // colour maps, text anti-aliasing, chart colours
  // Keep a copy for a person to look at.
  std::error_code ec;
  fs::copy_file(shot, fs::path(ORTHOTRACK_BINARY_DIR) / "report_screenshot.png", fs::copy_options::overwrite_existing, ec);
  std::cout << "screenshot: " << (fs::path(ORTHOTRACK_BINARY_DIR) / "report_screenshot.png").string() << "\n";
}

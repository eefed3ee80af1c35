// Opens the report in headless Chromium: it must render, run its script without console errors and
// show every figure. Skips when no Chromium is installed (Debian package `chromium`).
#include <cstdio>
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

namespace {
// Appended to a copy of the report: drives the page script like a user (wheel zoom on the P2 chart,
// hover on its first point and on a map, reset) and records what happened on <html> attributes,
// which --dump-dom then shows.
const char* kDriver = R"JS(<script>
(function () {
  var r = document.documentElement, svg = document.getElementById('svg-ts_p2');
  var plot = svg.querySelector('svg.ot-plot'), b = svg.getBoundingClientRect();
  function wheel() {
    svg.dispatchEvent(new WheelEvent('wheel', { deltaY: -100, clientX: b.left + b.width / 2,
      clientY: b.top + b.height / 2, bubbles: true, cancelable: true }));
  }
  wheel(); wheel();
  r.setAttribute('data-zoom-viewbox', plot.getAttribute('viewBox'));
  r.setAttribute('data-zoom-ticks', String(svg.querySelectorAll('g.ot-xaxis text').length));
  r.setAttribute('data-zoom-first-tick', svg.querySelector('g.ot-xaxis text').textContent);
  var tip = document.getElementById('ot-tip');
  svg.querySelector('path[data-tip]').dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: 5, clientY: 5 }));
  r.setAttribute('data-tip-display', tip.style.display);
  r.setAttribute('data-tip-text', tip.textContent.replace(/\n/g, '|'));
  var map = document.getElementById('svg-rate_los_p1'), mb = map.getBoundingClientRect();
  var d = map.dataset, s = mb.width / map.viewBox.baseVal.width;
  map.dispatchEvent(new MouseEvent('mousemove', { bubbles: true,
    clientX: mb.left + (+d.px + 0.5 * +d.pw) * s, clientY: mb.top + (+d.py + 0.5 * +d.ph) * s }));
  r.setAttribute('data-map-tip', tip.textContent.replace(/\n/g, '|'));
  svg.closest('figure').querySelector('.ot-reset').click();
  r.setAttribute('data-reset-viewbox', plot.getAttribute('viewBox'));
})();
</script>)JS";

std::string attr(const std::string& html, const std::string& name) {
  const std::string key = name + "=\"";
  const auto p = html.find(key);
  if (p == std::string::npos) return "<missing " + name + ">";
  const auto e = html.find('"', p + key.size());
  return html.substr(p + key.size(), e - p - key.size());
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
  // 3. Interaction: zoom, tooltips, map read-out, reset.
  std::string page = io::readTextFile(summary.htmlPath);
  page.insert(page.rfind("</body>"), kDriver);
  const fs::path driven = dir / "report" / "driven.html", dom3 = dir / "driven_dom.html", err3 = dir / "driven.stderr";
  io::writeFileAtomic(driven.string(), page);
  const std::string cmd3 = chromiumCommand(exe, dir / "profile3") + "--window-size=1400,3000 --dump-dom 'file://" +
                           fs::absolute(driven).string() + "' > '" + dom3.string() + "' 2> '" + err3.string() + "'";
  ASSERT_EQ(std::system(cmd3.c_str()), 0) << cmd3;
  const std::string d3 = io::readTextFile(dom3.string());
  EXPECT_EQ(io::readTextFile(err3.string()).find("CONSOLE"), std::string::npos) << io::readTextFile(err3.string());
  // viewBox = "x 0 width height" of the plot area.
  double zx = -1, zy = -1, zw = -1, zh = -1;
  ASSERT_EQ(std::sscanf(attr(d3, "data-zoom-viewbox").c_str(), "%lf %lf %lf %lf", &zx, &zy, &zw, &zh), 4)
      << attr(d3, "data-zoom-viewbox");
  double rx = -1, ry = -1, rw = -1, rh = -1;
  ASSERT_EQ(std::sscanf(attr(d3, "data-reset-viewbox").c_str(), "%lf %lf %lf %lf", &rx, &ry, &rw, &rh), 4);
  EXPECT_EQ(rx, 0);
  EXPECT_NEAR(zw, 0.64 * rw, 0.01 * rw);  // two wheel steps of 0.8 each → 64 % of the width
  EXPECT_EQ(zh, rh);
  EXPECT_GT(zx, 0);
  EXPECT_GE(std::stoi(attr(d3, "data-zoom-ticks")), 3);
  EXPECT_EQ(attr(d3, "data-tip-display"), "block");
  EXPECT_EQ(attr(d3, "data-tip-text").rfind("P2 LOS|2007-01-20|", 0), 0u) << attr(d3, "data-tip-text");
  EXPECT_NE(attr(d3, "data-tip-text").find(" \u00b1 "), std::string::npos);
  const std::string mapTip = attr(d3, "data-map-tip");
  EXPECT_NE(mapTip.find("\u00b0E"), std::string::npos) << mapTip;
  EXPECT_NE(mapTip.find("m/yr"), std::string::npos) << mapTip;

  // Keep a copy for a person to look at.
  std::error_code ec;
  fs::copy_file(shot, fs::path(ORTHOTRACK_BINARY_DIR) / "report_screenshot.png", fs::copy_options::overwrite_existing, ec);
  std::cout << "screenshot: " << (fs::path(ORTHOTRACK_BINARY_DIR) / "report_screenshot.png").string() << "\n";
}

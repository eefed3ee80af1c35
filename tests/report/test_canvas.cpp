// The figure scene, its SVG and pixel backends, the bitmap font and the axis tick helpers.
#include <set>

#include <gtest/gtest.h>

#include "canvas.hpp"
#include "figures.hpp"
#include "font.hpp"

using namespace orthotrack;
using namespace orthotrack::report;
using namespace orthotrack::report::detail;

namespace {
bool isWhite(const RgbImage& im, std::int64_t r, std::int64_t c) { return im.get(r, c) == Rgb{255, 255, 255}; }
int darkness(Rgb c) { return 765 - c.r - c.g - c.b; }
}  // namespace

TEST(Font, GlyphsAndUtf8) {
  const auto& q = glyph(U'?');
  for (char32_t c = 33; c < 127; ++c) {
    if (c == U'?') continue;
    EXPECT_NE(glyph(c), q) << "no glyph for '" << static_cast<char>(c) << "'";
  }
  EXPECT_EQ(glyph(U'\u4e00'), q);  // unknown → '?'
  // Distinct glyphs for characters that must not be confused in numbers.
  std::set<std::array<std::uint8_t, 7>> digits;
  for (char32_t c = U'0'; c <= U'9'; ++c) digits.insert(glyph(c));
  EXPECT_EQ(digits.size(), 10u);
  EXPECT_EQ(decodeUtf8("a\u00b1\u03c3"), (std::u32string{U'a', 0xB1, 0x3C3}));
  EXPECT_EQ(decodeUtf8(std::string("x\xff", 2)), (std::u32string{U'x', 0xFFFD}));
  EXPECT_EQ(decodeUtf8(std::string("\xe2\x80", 2)).size(), 2u);  // truncated sequence
  EXPECT_EQ(textWidth("abc"), 17);
  EXPECT_EQ(textWidth("\u00b1"), 5);
  EXPECT_EQ(textWidth(""), 0);
}

TEST(Canvas, RasterizesRectLineAndClip) {
  Canvas cv;
  cv.width = 100;
  cv.height = 50;
  cv.plotX = 50; cv.plotY = 0; cv.plotW = 50; cv.plotH = 50;
  cv.rect(10, 10, 20, 10, {255, 0, 0});
  cv.line({10, 90}, {40, 40}, {0, 0, 0}, 2);
  cv.line({-40, 40}, {5, 5}, {0, 0, 255}, 2, Layer::Plot);  // canvas x 10..90 at y 5, clipped to x >= 50
  const RgbImage im = rasterize(cv, 1);
  ASSERT_EQ(im.width(), 100);
  ASSERT_EQ(im.length(), 50);
  EXPECT_EQ(im.get(15, 20), (Rgb{255, 0, 0}));
  EXPECT_EQ(im.get(10, 10), (Rgb{255, 0, 0}));  // integer edges are exact
  EXPECT_TRUE(isWhite(im, 9, 20));
  EXPECT_TRUE(isWhite(im, 15, 30));
  EXPECT_EQ(im.get(39, 50), (Rgb{0, 0, 0}));  // 2 px line covers rows 39 and 40
  EXPECT_EQ(im.get(40, 50), (Rgb{0, 0, 0}));
  EXPECT_TRUE(isWhite(im, 37, 50));
  EXPECT_TRUE(isWhite(im, 5, 30));                 // clipped part of the plot-layer line
  EXPECT_EQ(im.get(5, 70), (Rgb{0, 0, 255}));      // visible part
  // Scale 2 doubles every coordinate.
  const RgbImage im2 = rasterize(cv, 2);
  EXPECT_EQ(im2.width(), 200);
  EXPECT_EQ(im2.get(30, 40), (Rgb{255, 0, 0}));
  EXPECT_TRUE(isWhite(im2, 19, 40));
}

TEST(Canvas, DashedLineHasGaps) {
  Canvas cv;
  cv.width = 200;
  cv.height = 20;
  cv.line({0, 200}, {10, 10}, {0, 0, 0}, 2).dashed = true;
  const RgbImage im = rasterize(cv, 1);
  int ink = 0;
  for (std::int64_t c = 0; c < 200; ++c) ink += darkness(im.get(10, c)) > 380;
  EXPECT_NEAR(ink / 200.0, 0.6, 0.08);  // 6 on, 4 off
}

TEST(Canvas, BitmapTextIsDrawnWhereAnchored) {
  Canvas cv;
  cv.width = 60;
  cv.height = 60;
  cv.text(20, 40, "I", Anchor::Start, 1, {0, 0, 0});  // baseline at y = 40: rows 33..39
  const RgbImage im = rasterize(cv, 1);
  EXPECT_EQ(im.get(33, 21), (Rgb{0, 0, 0}));  // ".###." top bar
  EXPECT_EQ(im.get(33, 23), (Rgb{0, 0, 0}));
  EXPECT_TRUE(isWhite(im, 33, 20));
  EXPECT_EQ(im.get(36, 22), (Rgb{0, 0, 0}));  // stem
  EXPECT_TRUE(isWhite(im, 36, 21));
  EXPECT_TRUE(isWhite(im, 40, 22));
  EXPECT_TRUE(isWhite(im, 32, 22));
  // Middle/end anchors shift by half/all of the width; vertical text is tall, not wide.
  Canvas v;
  v.width = 80;
  v.height = 80;
  v.text(40, 70, "HHHH", Anchor::Start, 1, {0, 0, 0}).vertical = true;
  const RgbImage vi = rasterize(v, 1);
  std::int64_t r0 = 99, r1 = -1, c0 = 99, c1 = -1;
  for (std::int64_t r = 0; r < 80; ++r)
    for (std::int64_t c = 0; c < 80; ++c)
      if (!isWhite(vi, r, c)) { r0 = std::min(r0, r); r1 = std::max(r1, r); c0 = std::min(c0, c); c1 = std::max(c1, c); }
  EXPECT_EQ(r1 - r0 + 1, textWidth("HHHH"));
  EXPECT_EQ(c1 - c0 + 1, 7);
  EXPECT_EQ(r1, 69);  // reads bottom to top from the anchor
  EXPECT_LT(c1, 40);
}

TEST(Canvas, ImageIsScaledNearestNeighbour) {
  Canvas cv;
  cv.width = 50;
  cv.height = 50;
  auto img = std::make_shared<RgbImage>(2, 2, Rgb{});
  img->set(0, 0, {255, 0, 0});
  img->set(0, 1, {0, 255, 0});
  img->set(1, 0, {0, 0, 255});
  img->set(1, 1, {10, 20, 30});
  cv.images.push_back(img);
  Prim p;
  p.kind = Prim::Kind::Image;
  p.image = 0;
  p.xs = {5, 40};
  p.ys = {5, 40};
  cv.prims.push_back(p);
  const RgbImage im = rasterize(cv, 1);
  EXPECT_EQ(im.get(10, 10), (Rgb{255, 0, 0}));
  EXPECT_EQ(im.get(10, 40), (Rgb{0, 255, 0}));
  EXPECT_EQ(im.get(40, 10), (Rgb{0, 0, 255}));
  EXPECT_EQ(im.get(44, 44), (Rgb{10, 20, 30}));
  EXPECT_TRUE(isWhite(im, 4, 4));
  EXPECT_TRUE(isWhite(im, 45, 45));
}

TEST(Canvas, SvgHasElementsEscapingAndPlotLayer) {
  Canvas cv;
  cv.width = 100;
  cv.height = 50;
  cv.svgClass = "ot-chart";
  cv.text(5, 20, "a<b & \"c\"");
  auto& m = cv.marker(3, 4, {1, 2, 3}, 3);
  m.tip = "P2\n2016-07-01";
  std::string svg = toSvg(cv, "svg-x");
  EXPECT_NE(svg.find("<svg id=\"svg-x\" class=\"ot-chart\" viewBox=\"0 0 100 50\""), std::string::npos);
  EXPECT_NE(svg.find(">a&lt;b &amp; &quot;c&quot;</text>"), std::string::npos);
  EXPECT_NE(svg.find("<circle cx=\"3\" cy=\"4\" r=\"3\" fill=\"#010203\""), std::string::npos);
  EXPECT_NE(svg.find("data-tip=\"P2\n2016-07-01\""), std::string::npos);
  EXPECT_EQ(svg.find("ot-plot"), std::string::npos);  // no plot-layer primitives, no nested plot
  cv.plotX = 10; cv.plotY = 5; cv.plotW = 80; cv.plotH = 40;
  cv.line({0, 80}, {0, 40}, {0, 0, 0}, 1, Layer::Plot);
  svg = toSvg(cv, "svg-x");
  EXPECT_NE(svg.find("<svg class=\"ot-plot\" x=\"10\" y=\"5\" width=\"80\" height=\"40\" viewBox=\"0 0 80 40\""),
            std::string::npos);
  EXPECT_NE(svg.find("vector-effect=\"non-scaling-stroke\""), std::string::npos);
  EXPECT_EQ(svg.find("http"), std::string::npos);
}

TEST(Canvas, Base64) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("M"), "TQ==");
  EXPECT_EQ(base64("Ma"), "TWE=");
  EXPECT_EQ(base64("Man"), "TWFu");
  EXPECT_EQ(base64(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Ticks, NiceTicks) {
  EXPECT_EQ(niceTicks(0, 1, 5), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0}));
  const auto t = niceTicks(-2.7, 2.7, 6);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_DOUBLE_EQ(t.front(), -2);
  EXPECT_DOUBLE_EQ(t.back(), 2);
  EXPECT_TRUE(niceTicks(1, 1, 5).empty());
  EXPECT_TRUE(niceTicks(2, 1, 5).empty());
  const auto s = niceTicks(98.68, 98.72, 4);
  ASSERT_GE(s.size(), 3u);
  EXPECT_NEAR(s[1] - s[0], 0.01, 1e-12);
}

TEST(Ticks, DateTicks) {
  const double t0 = unixMs(DateTime(2007, 1, 20)), t1 = unixMs(DateTime(2018, 8, 31));
  const auto yr = dateTicks(t0, t1, 9);
  ASSERT_GE(yr.size(), 4u);
  ASSERT_LE(yr.size(), 9u);
  EXPECT_EQ(yr.front().second, "2008");  // 2-year steps from the first even year after t0
  for (std::size_t i = 0; i < yr.size(); ++i) {
    EXPECT_GE(yr[i].first, t0);
    EXPECT_LE(yr[i].first, t1);
    EXPECT_EQ(yr[i].first, unixMs(DateTime(std::stoi(yr[i].second), 1, 1)));
  }
  const auto mo = dateTicks(unixMs(DateTime(2016, 1, 5)), unixMs(DateTime(2016, 9, 1)), 9);
  ASSERT_FALSE(mo.empty());
  EXPECT_EQ(mo.front().second, "2016-02");
  const auto dy = dateTicks(unixMs(DateTime(2018, 10, 1)), unixMs(DateTime(2018, 10, 31)), 9);
  ASSERT_FALSE(dy.empty());
  EXPECT_EQ(dy.front().second.size(), 10u);  // YYYY-MM-DD
  EXPECT_LE(dy.size(), 9u);
  EXPECT_TRUE(dateTicks(5, 5, 9).empty());
}

#include <cmath>

#include <gtest/gtest.h>

#include "orthotrack/report/colormap.hpp"

using namespace orthotrack::report;

TEST(Colormap, LabOfKnownColours) {
  // Reference CIELAB (D65) values of sRGB primaries and white.
  const Lab w = toLab({255, 255, 255});
  EXPECT_NEAR(w.L, 100.0, 0.01);
  EXPECT_NEAR(w.a, 0.0, 0.01);
  EXPECT_NEAR(w.b, 0.0, 0.01);
  const Lab r = toLab({255, 0, 0});
  EXPECT_NEAR(r.L, 53.24, 0.05);
  EXPECT_NEAR(r.a, 80.09, 0.1);
  EXPECT_NEAR(r.b, 67.20, 0.1);
  const Lab b = toLab({0, 0, 255});
  EXPECT_NEAR(b.L, 32.30, 0.05);
  EXPECT_NEAR(b.b, -107.86, 0.15);
  EXPECT_NEAR(toLab({0, 0, 0}).L, 0.0, 1e-9);
}

TEST(Colormap, LabRoundTrip) {
  for (int r = 0; r < 256; r += 51)
    for (int g = 0; g < 256; g += 51)
      for (int b = 0; b < 256; b += 51) {
        const Rgb c{static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g), static_cast<std::uint8_t>(b)};
        EXPECT_EQ(fromLab(toLab(c)), c) << c.hex();
      }
}

TEST(Colormap, SequentialLightnessIncreasesMonotonically) {
  // Strictly increasing at 1/64 steps; at 1/255 steps never decreasing by more than 8-bit
  // quantization can (0.1 L*).
  for (int i = 0; i < 64; ++i)
    EXPECT_GT(toLab(colormapColor(Colormap::Sequential, (i + 1) / 64.0)).L,
              toLab(colormapColor(Colormap::Sequential, i / 64.0)).L + 0.5)
        << "t = " << i / 64.0;
  double prev = -1;
  for (int i = 0; i <= 255; ++i) {
    const double L = toLab(colormapColor(Colormap::Sequential, i / 255.0)).L;
    EXPECT_GT(L, prev - 0.1) << "t = " << i / 255.0;
    prev = L;
  }
  // viridis spans dark purple to bright yellow.
  EXPECT_EQ(colormapColor(Colormap::Sequential, 0.0), (Rgb{0x44, 0x01, 0x54}));
  EXPECT_EQ(colormapColor(Colormap::Sequential, 1.0), (Rgb{0xfd, 0xe7, 0x25}));
  EXPECT_LT(toLab(colormapColor(Colormap::Sequential, 0.0)).L, 20);
  EXPECT_GT(toLab(colormapColor(Colormap::Sequential, 1.0)).L, 85);
  // Near-uniform steps: no 1/16 step more than 2.2× the smallest (perceptual uniformity).
  double minStep = 1e9, maxStep = 0;
  for (int i = 0; i < 16; ++i) {
    const double dL = toLab(colormapColor(Colormap::Sequential, (i + 1) / 16.0)).L -
                      toLab(colormapColor(Colormap::Sequential, i / 16.0)).L;
    minStep = std::min(minStep, dL);
    maxStep = std::max(maxStep, dL);
  }
  EXPECT_LT(maxStep / minStep, 2.2);
}

TEST(Colormap, DivergingIsSymmetric) {
  const Lab centre = toLab(colormapColor(Colormap::Diverging, 0.5));
  EXPECT_GT(centre.L, 95);  // near-white at zero
  for (int i = 0; i <= 50; ++i) {
    const double t = i / 100.0;
    const Lab lo = toLab(colormapColor(Colormap::Diverging, t)), hi = toLab(colormapColor(Colormap::Diverging, 1 - t));
    EXPECT_NEAR(lo.L, hi.L, 0.8) << "t = " << t;  // same lightness at ±v (up to 8-bit rounding)
    EXPECT_LE(lo.L, centre.L + 1e-9);
    if (i <= 40) {  // clearly coloured away from the centre
      EXPECT_LT(lo.b, -5) << "negative side is blue, t = " << t;
      EXPECT_GT(hi.a, 5) << "positive side is red, t = " << 1 - t;
    }
  }
  // Lightness falls monotonically away from the centre on both sides.
  for (int i = 0; i < 50; ++i) {
    EXPECT_LT(toLab(colormapColor(Colormap::Diverging, i / 100.0)).L,
              toLab(colormapColor(Colormap::Diverging, (i + 1) / 100.0)).L);
    EXPECT_GT(toLab(colormapColor(Colormap::Diverging, (50 + i) / 100.0)).L,
              toLab(colormapColor(Colormap::Diverging, (51 + i) / 100.0)).L);
  }
}

TEST(Colormap, ClampingNaNAndPalette) {
  EXPECT_EQ(colormapColor(Colormap::Sequential, -3.0), colormapColor(Colormap::Sequential, 0.0));
  EXPECT_EQ(colormapColor(Colormap::Diverging, 7.0), colormapColor(Colormap::Diverging, 1.0));
  EXPECT_EQ(colormapColor(Colormap::Diverging, std::nan("")), noDataColor());
  EXPECT_EQ(categoricalColor(0), categoricalColor(7));
  EXPECT_EQ(categoricalColor(-1), categoricalColor(6));
  for (int i = 0; i < 7; ++i)
    for (int j = i + 1; j < 7; ++j) EXPECT_NE(categoricalColor(i), categoricalColor(j));
  EXPECT_EQ((Rgb{0, 114, 178}).hex(), "#0072b2");
}

#include "orthotrack/report/colormap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace orthotrack::report {
namespace {

// viridis, 9 equally spaced control colours (t = 0, 1/8, ..., 1), as published with matplotlib.
constexpr std::array<Rgb, 9> kViridis{{{0x44, 0x01, 0x54}, {0x47, 0x2c, 0x7a}, {0x3b, 0x51, 0x8b},
                                       {0x2c, 0x71, 0x8e}, {0x21, 0x90, 0x8d}, {0x27, 0xad, 0x81},
                                       {0x5c, 0xc8, 0x63}, {0xaa, 0xdc, 0x32}, {0xfd, 0xe7, 0x25}}};
// ColorBrewer RdBu, 11 classes, reversed: dark blue (t = 0) ... near-white (0.5) ... dark red (1).
constexpr std::array<Rgb, 11> kBlueRed{{{0x05, 0x30, 0x61}, {0x21, 0x66, 0xac}, {0x43, 0x93, 0xc3},
                                        {0x92, 0xc5, 0xde}, {0xd1, 0xe5, 0xf0}, {0xf7, 0xf7, 0xf7},
                                        {0xfd, 0xdb, 0xc7}, {0xf4, 0xa5, 0x82}, {0xd6, 0x60, 0x4d},
                                        {0xb2, 0x18, 0x2b}, {0x67, 0x00, 0x1f}}};
// Okabe & Ito: blue, vermillion, bluish green, reddish purple, orange, sky blue, black.
constexpr std::array<Rgb, 7> kOkabeIto{{{0x00, 0x72, 0xb2}, {0xd5, 0x5e, 0x00}, {0x00, 0x9e, 0x73},
                                        {0xcc, 0x79, 0xa7}, {0xe6, 0x9f, 0x00}, {0x56, 0xb4, 0xe9},
                                        {0x00, 0x00, 0x00}}};

double srgbToLinear(double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); }
double linearToSrgb(double c) { return c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1.0 / 2.4) - 0.055; }
constexpr double kXn = 0.95047, kYn = 1.0, kZn = 1.08883;  // D65 white
double labF(double t) {
  constexpr double d = 6.0 / 29.0;
  return t > d * d * d ? std::cbrt(t) : t / (3 * d * d) + 4.0 / 29.0;
}
double labFInv(double f) {
  constexpr double d = 6.0 / 29.0;
  return f > d ? f * f * f : 3 * d * d * (f - 4.0 / 29.0);
}

template <std::size_t N>
Lab interpolate(const std::array<Rgb, N>& ctrl, double t) {
  t = std::clamp(t, 0.0, 1.0);
  const double x = t * static_cast<double>(N - 1);
  const auto k = std::min<std::size_t>(static_cast<std::size_t>(x), N - 2);
  const double u = x - static_cast<double>(k);
  const Lab a = toLab(ctrl[k]), b = toLab(ctrl[k + 1]);
  return {a.L + u * (b.L - a.L), a.a + u * (b.a - a.a), a.b + u * (b.b - a.b)};
}

}  // namespace

std::string Rgb::hex() const {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r, g, b);
  return buf;
}

Lab toLab(Rgb c) {
  const double R = srgbToLinear(c.r / 255.0), G = srgbToLinear(c.g / 255.0), B = srgbToLinear(c.b / 255.0);
  const double X = 0.4124564 * R + 0.3575761 * G + 0.1804375 * B;
  const double Y = 0.2126729 * R + 0.7151522 * G + 0.0721750 * B;
  const double Z = 0.0193339 * R + 0.1191920 * G + 0.9503041 * B;
  const double fx = labF(X / kXn), fy = labF(Y / kYn), fz = labF(Z / kZn);
  return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

Rgb fromLab(const Lab& lab) {
  const double fy = (lab.L + 16) / 116, fx = fy + lab.a / 500, fz = fy - lab.b / 200;
  const double X = kXn * labFInv(fx), Y = kYn * labFInv(fy), Z = kZn * labFInv(fz);
  const double R = 3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z;
  const double G = -0.9692660 * X + 1.8760108 * Y + 0.0415560 * Z;
  const double B = 0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z;
  const auto to8 = [](double v) {
    const double s = linearToSrgb(std::clamp(v, 0.0, 1.0));
    return static_cast<std::uint8_t>(std::lround(std::clamp(s, 0.0, 1.0) * 255.0));
  };
  return {to8(R), to8(G), to8(B)};
}

Rgb colormapColor(Colormap map, double t) {
  if (std::isnan(t)) return noDataColor();
  if (map == Colormap::Sequential) return fromLab(interpolate(kViridis, t));
  // RdBu's two arms differ by up to ~4 L*; use their mean lightness so that +v and −v are equally
  // prominent (hue and chroma stay those of the published colours).
  Lab lab = interpolate(kBlueRed, t);
  lab.L = 0.5 * (lab.L + interpolate(kBlueRed, 1.0 - std::clamp(t, 0.0, 1.0)).L);
  return fromLab(lab);
}

Rgb noDataColor() { return {0xdd, 0xdd, 0xdd}; }

Rgb categoricalColor(int k) {
  const int n = static_cast<int>(kOkabeIto.size());
  return kOkabeIto[static_cast<std::size_t>(((k % n) + n) % n)];
}

}  // namespace orthotrack::report

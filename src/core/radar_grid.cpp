#include "orthotrack/core/radar_grid.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "orthotrack/core/error.hpp"

namespace orthotrack {

LookSide parseLookSide(const std::string& text) {
  std::string s = text;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "left") return LookSide::Left;
  if (s == "right") return LookSide::Right;
  throw InvalidInput("look side must be \"left\" or \"right\"", {"", "look_side", text});
}

std::string toString(LookSide side) { return side == LookSide::Left ? "left" : "right"; }

RadarGrid RadarGrid::multilook(int az, int rg) const {
  if (az < 1 || rg < 1)
    throw InvalidInput("looks must be >= 1", {"", "looks", std::to_string(az) + "," + std::to_string(rg)});
  RadarGrid g = *this;
  g.length = length / az;
  g.width = width / rg;
  g.sensingStart = sensingStart.plusSeconds(0.5 * (az - 1) * azimuthTimeInterval);
  g.azimuthTimeInterval = azimuthTimeInterval * az;
  g.startingRange = startingRange + 0.5 * (rg - 1) * rangePixelSpacing;
  g.rangePixelSpacing = rangePixelSpacing * rg;
  return g;
}

RadarGrid RadarGrid::crop(std::int64_t line0, std::int64_t sample0, std::int64_t len, std::int64_t wid) const {
  RadarGrid g = *this;
  g.sensingStart = sensingStart.plusSeconds(static_cast<double>(line0) * azimuthTimeInterval);
  g.startingRange = slantRange(static_cast<double>(sample0));
  g.length = len;
  g.width = wid;
  return g;
}

void RadarGrid::validate(const std::string& where) const {
  auto bad = [&](const char* key, double v) {
    throw InvalidInput("radar grid value must be positive and finite", {where, key, std::to_string(v)});
  };
  if (!(azimuthTimeInterval > 0) || !std::isfinite(azimuthTimeInterval)) bad("azimuth_time_interval", azimuthTimeInterval);
  if (!(startingRange > 0) || !std::isfinite(startingRange)) bad("starting_range", startingRange);
  if (!(rangePixelSpacing > 0) || !std::isfinite(rangePixelSpacing)) bad("range_pixel_spacing", rangePixelSpacing);
  if (!(wavelength > 0) || !std::isfinite(wavelength)) bad("wavelength", wavelength);
  if (length <= 0) bad("length", static_cast<double>(length));
  if (width <= 0) bad("width", static_cast<double>(width));
}

}  // namespace orthotrack

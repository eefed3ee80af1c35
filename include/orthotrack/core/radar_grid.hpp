#pragma once
/// A radar image's sampling grid in zero-Doppler (or Doppler-centroid) geometry.
#include <cstdint>
#include <string>

#include "orthotrack/core/datetime.hpp"

namespace orthotrack {

/// Side the antenna looks to, relative to the flight direction. Values follow ISCE3 (+1 left).
enum class LookSide : int { Left = 1, Right = -1 };
LookSide parseLookSide(const std::string& text);  ///< "left"/"right" (any case); InvalidInput otherwise
std::string toString(LookSide side);

/// Line i (azimuth, rows) is sensed at sensingStart + i · azimuthTimeInterval; sample j (range,
/// columns) is at slant range startingRange + j · rangePixelSpacing. Pixel centres are at integer
/// (line, sample).
struct RadarGrid {
  DateTime sensingStart;            ///< UTC of line 0
  double azimuthTimeInterval = 0;   ///< s between lines (1/PRF for SLC)
  double startingRange = 0;         ///< m, slant range of sample 0
  double rangePixelSpacing = 0;     ///< m between samples (slant range)
  double wavelength = 0;            ///< m
  LookSide lookSide = LookSide::Right;
  std::int64_t length = 0;          ///< lines
  std::int64_t width = 0;           ///< samples

  /// Azimuth time of a (fractional) line, in seconds since `epoch`.
  double azimuthTime(double line, const DateTime& epoch) const {
    return sensingStart.secondsSince(epoch) + line * azimuthTimeInterval;
  }
  double slantRange(double sample) const { return startingRange + sample * rangePixelSpacing; }
  double sample(double range) const { return (range - startingRange) / rangePixelSpacing; }
  double line(double tSinceEpoch, const DateTime& epoch) const {
    return (tSinceEpoch - sensingStart.secondsSince(epoch)) / azimuthTimeInterval;
  }
  DateTime sensingMid() const { return sensingStart.plusSeconds(0.5 * (length - 1) * azimuthTimeInterval); }
  DateTime sensingStop() const { return sensingStart.plusSeconds((length - 1) * azimuthTimeInterval); }
  double endingRange() const { return slantRange(static_cast<double>(width - 1)); }
  double prf() const { return 1.0 / azimuthTimeInterval; }

  /// Grid of the multi-looked image: pixel k covers lines [k·az, (k+1)·az) and its centre is the
  /// mean of those lines' centres.
  RadarGrid multilook(int azLooks, int rgLooks) const;
  /// Sub-grid starting at (line0, sample0) with the given size.
  RadarGrid crop(std::int64_t line0, std::int64_t sample0, std::int64_t len, std::int64_t wid) const;
  /// InvalidInput (naming `where` and the field) if any field is non-positive or not finite.
  void validate(const std::string& where = "") const;
};

}  // namespace orthotrack

#pragma once
/// Limits on what an input may declare, checked before anything is allocated from it.
///
/// A header field, a metadata key or a dataset shape that announces an absurd size (a corrupted or
/// hostile file: 10^7 × 10^7 pixels, 2^40 orbit samples) must be an InvalidInput naming the file,
/// the key and the value, never an allocation failure or a crash. Every parser checks declared sizes
/// with these functions; the limits are far above any real product (a full ALOS-2 stripmap scene is
/// about 2·10^8 pixels, a NISAR orbit a few thousand state vectors).
#include <cstdint>
#include <limits>
#include <string>

#include "orthotrack/core/error.hpp"

namespace orthotrack::limits {

/// Largest raster an input may declare, in pixels: 2^33 (8.6·10^9 px, 64 GiB as complex64; ~40×
/// a full ALOS-2 scene).
inline constexpr std::int64_t kMaxRasterPixels = std::int64_t(1) << 33;
/// Largest side of a raster (lines or samples): GDAL addresses pixels with int.
inline constexpr std::int64_t kMaxRasterSide = std::numeric_limits<int>::max();
/// Largest metadata array read whole (orbit samples, look-up tables, per-line time axes), in
/// elements: 2^24 (16.7 M; 128 MiB of doubles).
inline constexpr std::int64_t kMaxMetadataElements = std::int64_t(1) << 24;
/// Largest number of orbit state vectors made by resampling (resampleHermite): 2^20, 12 days at 1 s.
inline constexpr std::int64_t kMaxOrbitSamples = std::int64_t(1) << 20;
/// Largest text input read whole (stack file, scene JSON, CSV, GeoJSON), in bytes: 256 MiB.
inline constexpr std::int64_t kMaxTextBytes = std::int64_t(256) << 20;

/// InvalidInput naming ctx.file and ctx.key, with "LENGTHxWIDTH" as the value, when a declared
/// raster shape is negative, has a side above kMaxRasterSide, or more than kMaxRasterPixels pixels.
/// `length` and `width` in pixels (lines, samples); 0 is allowed (empty).
inline void checkRasterShape(std::int64_t length, std::int64_t width, ErrorContext ctx) {
  const std::string shape = std::to_string(length) + "x" + std::to_string(width);
  if (length < 0 || width < 0) throw InvalidInput("raster size must not be negative", {ctx.file, ctx.key, shape});
  if (length > kMaxRasterSide || width > kMaxRasterSide)
    throw InvalidInput("raster side larger than " + std::to_string(kMaxRasterSide) + " pixels (corrupted header?)",
                       {ctx.file, ctx.key, shape});
  // Both sides are < 2^31 here, so the product fits in int64.
  if (length * width > kMaxRasterPixels)
    throw InvalidInput("declared raster of " + std::to_string(length * width) + " pixels exceeds the limit of " +
                           std::to_string(kMaxRasterPixels) + " (corrupted header?)",
                       {ctx.file, ctx.key, shape});
}

/// InvalidInput naming ctx.file and ctx.key, with the count as the value, when a declared number of
/// elements `n` exceeds `max` (default kMaxMetadataElements). `what` names the elements ("orbit
/// samples").
inline void checkElementCount(std::uint64_t n, const std::string& what, ErrorContext ctx,
                              std::uint64_t max = static_cast<std::uint64_t>(kMaxMetadataElements)) {
  if (n > max)
    throw InvalidInput("declares " + std::to_string(n) + " " + what + ", more than the limit of " + std::to_string(max) +
                           " (corrupted file?)",
                       {ctx.file, ctx.key, std::to_string(n)});
}

}  // namespace orthotrack::limits

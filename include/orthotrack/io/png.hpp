#pragma once
/// PNG encoding of 8-bit RGB images through GDAL's PNG driver (figures of the report). The PNG is
/// built in GDAL's in-memory file system, so encoding never touches the disk; writePng then stores
/// the bytes atomically (temporary name, then rename).
#include <cstdint>
#include <string>

#include "orthotrack/core/raster.hpp"

namespace orthotrack::io {

/// PNG file bytes of the RGB image (r, g, b), rows top to bottom. The three planes must have the
/// same, non-zero shape (InvalidInput naming the plane otherwise); IoError if GDAL fails.
/// Thread-safe (each call uses its own in-memory file).
std::string encodePng(const Raster<std::uint8_t>& r, const Raster<std::uint8_t>& g,
                      const Raster<std::uint8_t>& b);

/// Writes the RGB image as a PNG file at `path` (folders created; temp name + rename). IoError on
/// failure, InvalidInput on bad shapes.
void writePng(const std::string& path, const Raster<std::uint8_t>& r, const Raster<std::uint8_t>& g,
              const Raster<std::uint8_t>& b);

}  // namespace orthotrack::io

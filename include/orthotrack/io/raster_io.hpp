#pragma once
/// Raster I/O through GDAL (the only module that includes GDAL). Window reads so that a large scene
/// is never loaded whole unless asked; writers produce tiled, compressed GeoTIFFs under a temporary
/// name and rename them when complete, so a half-written file never looks finished.
///
/// GDAL handles are not shared between threads: read/write outside OpenMP regions, or give each
/// thread its own RasterReader.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "orthotrack/core/geogrid.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/core/tiling.hpp"

namespace orthotrack::io {

enum class DataType { Byte, Int16, UInt16, Int32, UInt32, Float32, Float64, CFloat32, CFloat64, Unknown };
std::string toString(DataType t);
bool isComplex(DataType t);

struct RasterInfo {
  std::string path;
  std::int64_t length = 0;  ///< rows
  std::int64_t width = 0;   ///< columns
  int bands = 0;
  DataType type = DataType::Unknown;  ///< type of band 1
  bool georeferenced = false;         ///< has a geotransform and a CRS
  GeoGrid geo;                        ///< valid when georeferenced (shape always set)
  std::vector<std::string> bandNames; ///< GDAL band descriptions ("" if none), size == bands
  std::vector<std::optional<double>> nodata;  ///< per band
  std::map<std::string, std::string> metadata;  ///< dataset metadata (default domain)
};

/// Registers GDAL drivers once (thread-safe). Called by every reader/writer.
void initGdal();

class RasterReader {
 public:
  /// Opens any GDAL raster. Throws IoError naming the path if it is missing or unreadable.
  explicit RasterReader(const std::string& path);
  ~RasterReader();
  RasterReader(RasterReader&&) noexcept;
  RasterReader& operator=(RasterReader&&) noexcept;

  const RasterInfo& info() const { return info_; }
  std::int64_t length() const { return info_.length; }
  std::int64_t width() const { return info_.width; }
  /// 1-based band index of the band whose description is `name`; throws InvalidInput if none.
  int bandIndex(const std::string& name) const;

  /// Reads a window of band `band` (1-based) into `out` (rows × cols, row-major), converting to T.
  /// Supported T: std::uint8_t, std::int16_t, std::int32_t, float, double, cfloat,
  /// std::complex<double>. Reading a complex band as a real T takes the magnitude (amplitude).
  /// Throws InvalidInput if the window leaves the raster.
  template <class T>
  void read(int band, std::int64_t row0, std::int64_t col0, std::int64_t rows, std::int64_t cols, T* out) const;
  template <class T>
  Raster<T> read(int band, const Block& b) const {
    Raster<T> r(b.rows, b.cols);
    read<T>(band, b.row0, b.col0, b.rows, b.cols, r.data());
    return r;
  }
  template <class T>
  Raster<T> readAll(int band = 1) const {
    return read<T>(band, Block{0, info_.length, 0, info_.width});
  }

 private:
  void* ds_ = nullptr;  // GDALDatasetH
  RasterInfo info_;
};

struct WriteOptions {
  bool tiled = true;
  int blockSize = 256;
  std::string compress = "DEFLATE";  ///< "NONE", "DEFLATE", "LZW", "ZSTD"
  bool bigTiff = false;              ///< IF_SAFER is used when false
  /// GeoTIFF predictor: 1 none, 2 horizontal differencing (integers), 3 floating point (smooth
  /// float fields such as lookups compress several times better). 0 = automatic (3 for float
  /// types when compressing, else none).
  int predictor = 0;
};

/// Writes a GeoTIFF to `path + ".part"` and renames it to `path` in commit(). A writer destroyed
/// without commit() removes its partial file.
class RasterWriter {
 public:
  /// `geo` may be null (pixel coordinates). Throws IoError naming the path if it cannot be created.
  RasterWriter(const std::string& path, std::int64_t length, std::int64_t width, int bands, DataType type,
               const GeoGrid* geo = nullptr, const WriteOptions& opts = {});
  ~RasterWriter();
  RasterWriter(const RasterWriter&) = delete;
  RasterWriter& operator=(const RasterWriter&) = delete;

  void setBandName(int band, const std::string& name);
  void setBandUnit(int band, const std::string& unit);
  void setNoData(int band, double value);
  void setMetadata(const std::string& key, const std::string& value);
  void setBandMetadata(int band, const std::string& key, const std::string& value);

  template <class T>
  void write(int band, std::int64_t row0, std::int64_t col0, std::int64_t rows, std::int64_t cols, const T* data);
  template <class T>
  void write(int band, const Raster<T>& r, std::int64_t row0 = 0, std::int64_t col0 = 0) {
    write<T>(band, row0, col0, r.length(), r.width(), r.data());
  }
  /// Flushes, closes and renames to the final path. Throws IoError (e.g. disk full) and leaves no
  /// file at the final path in that case.
  void commit();
  const std::string& path() const { return path_; }

 private:
  void* ds_ = nullptr;
  std::string path_, partPath_;
  bool committed_ = false;
};

/// One-call writer for a single-band raster.
template <class T>
void writeRaster(const std::string& path, const Raster<T>& r, const GeoGrid* geo = nullptr,
                 const std::string& bandName = "", const std::string& unit = "",
                 std::optional<double> nodata = std::nullopt,
                 const std::map<std::string, std::string>& metadata = {});

/// Writes `content` to `path` atomically (temp file + fsync + rename). Throws IoError.
void writeFileAtomic(const std::string& path, const std::string& content);
/// Reads a whole text file; IoError naming the path when missing/unreadable.
std::string readTextFile(const std::string& path);

}  // namespace orthotrack::io

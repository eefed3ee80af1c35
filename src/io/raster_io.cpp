#include "orthotrack/io/raster_io.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/limits.hpp"

namespace fs = std::filesystem;

namespace orthotrack::io {
namespace {

GDALDataType toGdal(DataType t) {
  switch (t) {
    case DataType::Byte: return GDT_Byte;
    case DataType::Int16: return GDT_Int16;
    case DataType::UInt16: return GDT_UInt16;
    case DataType::Int32: return GDT_Int32;
    case DataType::UInt32: return GDT_UInt32;
    case DataType::Float32: return GDT_Float32;
    case DataType::Float64: return GDT_Float64;
    case DataType::CFloat32: return GDT_CFloat32;
    case DataType::CFloat64: return GDT_CFloat64;
    default: return GDT_Unknown;
  }
}

DataType fromGdal(GDALDataType t) {
  switch (t) {
    case GDT_Byte: return DataType::Byte;
    case GDT_Int16: return DataType::Int16;
    case GDT_UInt16: return DataType::UInt16;
    case GDT_Int32: return DataType::Int32;
    case GDT_UInt32: return DataType::UInt32;
    case GDT_Float32: return DataType::Float32;
    case GDT_Float64: return DataType::Float64;
    case GDT_CInt16: case GDT_CInt32: case GDT_CFloat32: return DataType::CFloat32;
    case GDT_CFloat64: return DataType::CFloat64;
    default: return DataType::Unknown;
  }
}

template <class T> constexpr GDALDataType gdalTypeOf();
template <> constexpr GDALDataType gdalTypeOf<std::uint8_t>() { return GDT_Byte; }
template <> constexpr GDALDataType gdalTypeOf<std::int16_t>() { return GDT_Int16; }
template <> constexpr GDALDataType gdalTypeOf<std::int32_t>() { return GDT_Int32; }
template <> constexpr GDALDataType gdalTypeOf<float>() { return GDT_Float32; }
template <> constexpr GDALDataType gdalTypeOf<double>() { return GDT_Float64; }
template <> constexpr GDALDataType gdalTypeOf<cfloat>() { return GDT_CFloat32; }
template <> constexpr GDALDataType gdalTypeOf<std::complex<double>>() { return GDT_CFloat64; }

template <class T> constexpr bool isComplexT = false;
template <> constexpr bool isComplexT<cfloat> = true;
template <> constexpr bool isComplexT<std::complex<double>> = true;

std::string lastGdalError() {
  const char* m = CPLGetLastErrorMsg();
  return m && *m ? std::string(m) : std::string("unknown GDAL error");
}

}  // namespace

std::string toString(DataType t) {
  switch (t) {
    case DataType::Byte: return "Byte";
    case DataType::Int16: return "Int16";
    case DataType::UInt16: return "UInt16";
    case DataType::Int32: return "Int32";
    case DataType::UInt32: return "UInt32";
    case DataType::Float32: return "Float32";
    case DataType::Float64: return "Float64";
    case DataType::CFloat32: return "CFloat32";
    case DataType::CFloat64: return "CFloat64";
    default: return "Unknown";
  }
}

bool isComplex(DataType t) { return t == DataType::CFloat32 || t == DataType::CFloat64; }

void initGdal() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(CPLQuietErrorHandler);
  });
}

RasterReader::RasterReader(const std::string& path) {
  initGdal();
  if (!fs::exists(path)) throw IoError("file not found", {path, "", ""});
  CPLErrorReset();
  ds_ = GDALOpen(path.c_str(), GA_ReadOnly);
  if (!ds_) throw IoError("cannot open as a raster: " + lastGdalError(), {path, "", ""});
  auto ds = static_cast<GDALDatasetH>(ds_);
  info_.path = path;
  info_.length = GDALGetRasterYSize(ds);
  info_.width = GDALGetRasterXSize(ds);
  info_.bands = GDALGetRasterCount(ds);
  if (info_.bands < 1) {
    GDALClose(ds);
    ds_ = nullptr;
    throw IoError("raster has no bands", {path, "", ""});
  }
  info_.type = fromGdal(GDALGetRasterDataType(GDALGetRasterBand(ds, 1)));
  info_.geo.length = info_.length;
  info_.geo.width = info_.width;
  double gt[6];
  const char* wkt = GDALGetProjectionRef(ds);
  if (GDALGetGeoTransform(ds, gt) == CE_None && wkt && *wkt) {
    info_.georeferenced = true;
    for (int i = 0; i < 6; ++i) info_.geo.transform[static_cast<std::size_t>(i)] = gt[i];
    info_.geo.wkt = wkt;
    info_.geo.epsg = 0;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(wkt);
    if (srs) {
      OSRAutoIdentifyEPSG(srs);
      const char* code = OSRGetAuthorityCode(srs, nullptr);
      const char* auth = OSRGetAuthorityName(srs, nullptr);
      if (code && auth && std::string(auth) == "EPSG") info_.geo.epsg = std::atoi(code);
      OSRDestroySpatialReference(srs);
    }
  }
  for (int b = 1; b <= info_.bands; ++b) {
    GDALRasterBandH band = GDALGetRasterBand(ds, b);
    const char* d = GDALGetDescription(band);
    info_.bandNames.emplace_back(d ? d : "");
    int has = 0;
    const double nd = GDALGetRasterNoDataValue(band, &has);
    info_.nodata.push_back(has ? std::optional<double>(nd) : std::nullopt);
  }
  if (char** md = GDALGetMetadata(ds, nullptr)) {
    for (int i = 0; md[i]; ++i) {
      char* key = nullptr;
      const char* val = CPLParseNameValue(md[i], &key);
      if (key) {
        info_.metadata[key] = val ? val : "";
        CPLFree(key);
      }
    }
  }
}

RasterReader::~RasterReader() {
  if (ds_) GDALClose(static_cast<GDALDatasetH>(ds_));
}
RasterReader::RasterReader(RasterReader&& o) noexcept : ds_(o.ds_), info_(std::move(o.info_)) { o.ds_ = nullptr; }
RasterReader& RasterReader::operator=(RasterReader&& o) noexcept {
  if (this != &o) {
    if (ds_) GDALClose(static_cast<GDALDatasetH>(ds_));
    ds_ = o.ds_;
    info_ = std::move(o.info_);
    o.ds_ = nullptr;
  }
  return *this;
}

int RasterReader::bandIndex(const std::string& name) const {
  for (std::size_t i = 0; i < info_.bandNames.size(); ++i)
    if (info_.bandNames[i] == name) return static_cast<int>(i) + 1;
  throw InvalidInput("no band with this name", {info_.path, "band", name});
}

template <class T>
void RasterReader::read(int band, std::int64_t row0, std::int64_t col0, std::int64_t rows, std::int64_t cols, T* out) const {
  if (band < 1 || band > info_.bands)
    throw InvalidInput("band index out of range 1.." + std::to_string(info_.bands), {info_.path, "band", std::to_string(band)});
  if (row0 < 0 || col0 < 0 || rows < 0 || cols < 0 || row0 + rows > info_.length || col0 + cols > info_.width)
    throw InvalidInput("read window leaves the raster (" + std::to_string(info_.length) + " x " + std::to_string(info_.width) + ")",
                       {info_.path, "window", std::to_string(row0) + "," + std::to_string(col0) + "," +
                                                  std::to_string(rows) + "," + std::to_string(cols)});
  if (rows == 0 || cols == 0) return;
  GDALRasterBandH b = GDALGetRasterBand(static_cast<GDALDatasetH>(ds_), band);
  CPLErrorReset();
  CPLErr err;
  if constexpr (!isComplexT<T>) {
    if (isComplex(info_.type)) {
      // Complex band read as real: amplitude.
      std::vector<cfloat> tmp(static_cast<std::size_t>(rows * cols));
      err = GDALRasterIO(b, GF_Read, static_cast<int>(col0), static_cast<int>(row0), static_cast<int>(cols),
                         static_cast<int>(rows), tmp.data(), static_cast<int>(cols), static_cast<int>(rows), GDT_CFloat32, 0, 0);
      for (std::size_t i = 0; i < tmp.size(); ++i) out[i] = static_cast<T>(std::abs(tmp[i]));
      if (err != CE_None) throw IoError("read failed: " + lastGdalError(), {info_.path, "band " + std::to_string(band), ""});
      return;
    }
  }
  err = GDALRasterIO(b, GF_Read, static_cast<int>(col0), static_cast<int>(row0), static_cast<int>(cols),
                     static_cast<int>(rows), out, static_cast<int>(cols), static_cast<int>(rows), gdalTypeOf<T>(), 0, 0);
  if (err != CE_None) throw IoError("read failed: " + lastGdalError(), {info_.path, "band " + std::to_string(band), ""});
}

#define OT_INSTANTIATE_READ(T) \
  template void RasterReader::read<T>(int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, T*) const;
OT_INSTANTIATE_READ(std::uint8_t)
OT_INSTANTIATE_READ(std::int16_t)
OT_INSTANTIATE_READ(std::int32_t)
OT_INSTANTIATE_READ(float)
OT_INSTANTIATE_READ(double)
OT_INSTANTIATE_READ(cfloat)
OT_INSTANTIATE_READ(std::complex<double>)

RasterWriter::RasterWriter(const std::string& path, std::int64_t length, std::int64_t width, int bands, DataType type,
                           const GeoGrid* geo, const WriteOptions& opts)
    : path_(path), partPath_(path + ".part") {
  initGdal();
  if (length <= 0 || width <= 0 || bands <= 0)
    throw InvalidInput("raster to write must have a positive size", {path, "shape",
                       std::to_string(length) + "x" + std::to_string(width) + "x" + std::to_string(bands)});
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) throw IoError("cannot create the output folder: " + ec.message(), {parent.string(), "", ""});
  }
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  char** o = nullptr;
  if (opts.tiled && width >= 16 && length >= 16) {
    o = CSLSetNameValue(o, "TILED", "YES");
    o = CSLSetNameValue(o, "BLOCKXSIZE", std::to_string(opts.blockSize).c_str());
    o = CSLSetNameValue(o, "BLOCKYSIZE", std::to_string(opts.blockSize).c_str());
  }
  if (opts.compress != "NONE") {
    o = CSLSetNameValue(o, "COMPRESS", opts.compress.c_str());
    int pred = opts.predictor;
    if (pred == 0) pred = (type == DataType::Float32 || type == DataType::Float64) ? 3 : 1;
    if (pred > 1) o = CSLSetNameValue(o, "PREDICTOR", std::to_string(pred).c_str());
  }
  o = CSLSetNameValue(o, "BIGTIFF", opts.bigTiff ? "YES" : "IF_SAFER");
  if (bands > 1) o = CSLSetNameValue(o, "INTERLEAVE", "BAND");
  CPLErrorReset();
  ds_ = GDALCreate(drv, partPath_.c_str(), static_cast<int>(width), static_cast<int>(length), bands, toGdal(type), o);
  CSLDestroy(o);
  if (!ds_) throw IoError("cannot create file: " + lastGdalError(), {partPath_, "", ""});
  auto ds = static_cast<GDALDatasetH>(ds_);
  if (geo) {
    double gt[6];
    for (int i = 0; i < 6; ++i) gt[i] = geo->transform[static_cast<std::size_t>(i)];
    GDALSetGeoTransform(ds, gt);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
    OGRErr e = OGRERR_FAILURE;
    if (geo->epsg > 0) e = OSRImportFromEPSG(srs, geo->epsg);
    else if (!geo->wkt.empty()) {
      char* w = const_cast<char*>(geo->wkt.c_str());
      e = OSRImportFromWkt(srs, &w);
    }
    if (e == OGRERR_NONE) {
      OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
      char* wkt = nullptr;
      OSRExportToWkt(srs, &wkt);
      GDALSetProjection(ds, wkt);
      CPLFree(wkt);
    }
    OSRDestroySpatialReference(srs);
  }
}

RasterWriter::~RasterWriter() {
  if (!committed_) {
    if (ds_) GDALClose(static_cast<GDALDatasetH>(ds_));
    std::error_code ec;
    fs::remove(partPath_, ec);
  }
}

void RasterWriter::setBandName(int band, const std::string& name) {
  GDALSetDescription(GDALGetRasterBand(static_cast<GDALDatasetH>(ds_), band), name.c_str());
}
void RasterWriter::setBandUnit(int band, const std::string& unit) {
  GDALSetRasterUnitType(GDALGetRasterBand(static_cast<GDALDatasetH>(ds_), band), unit.c_str());
}
void RasterWriter::setNoData(int band, double value) {
  GDALSetRasterNoDataValue(GDALGetRasterBand(static_cast<GDALDatasetH>(ds_), band), value);
}
void RasterWriter::setMetadata(const std::string& key, const std::string& value) {
  GDALSetMetadataItem(static_cast<GDALDatasetH>(ds_), key.c_str(), value.c_str(), nullptr);
}
void RasterWriter::setBandMetadata(int band, const std::string& key, const std::string& value) {
  GDALSetMetadataItem(GDALGetRasterBand(static_cast<GDALDatasetH>(ds_), band), key.c_str(), value.c_str(), nullptr);
}

template <class T>
void RasterWriter::write(int band, std::int64_t row0, std::int64_t col0, std::int64_t rows, std::int64_t cols, const T* data) {
  if (committed_ || !ds_) throw IoError("write after commit", {path_, "", ""});
  auto ds = static_cast<GDALDatasetH>(ds_);
  if (band < 1 || band > GDALGetRasterCount(ds))
    throw InvalidInput("band index out of range", {path_, "band", std::to_string(band)});
  CPLErrorReset();
  const CPLErr err = GDALRasterIO(GDALGetRasterBand(ds, band), GF_Write, static_cast<int>(col0), static_cast<int>(row0),
                                  static_cast<int>(cols), static_cast<int>(rows), const_cast<T*>(data),
                                  static_cast<int>(cols), static_cast<int>(rows), gdalTypeOf<T>(), 0, 0);
  if (err != CE_None) throw IoError("write failed (disk full?): " + lastGdalError(), {path_, "band " + std::to_string(band), ""});
}

#define OT_INSTANTIATE_WRITE(T) \
  template void RasterWriter::write<T>(int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, const T*);
OT_INSTANTIATE_WRITE(std::uint8_t)
OT_INSTANTIATE_WRITE(std::int16_t)
OT_INSTANTIATE_WRITE(std::int32_t)
OT_INSTANTIATE_WRITE(float)
OT_INSTANTIATE_WRITE(double)
OT_INSTANTIATE_WRITE(cfloat)
OT_INSTANTIATE_WRITE(std::complex<double>)

void RasterWriter::commit() {
  if (committed_) return;
  auto ds = static_cast<GDALDatasetH>(ds_);
  CPLErrorReset();
  GDALFlushCache(ds);
  const bool flushErr = CPLGetLastErrorType() == CE_Failure;
  const std::string flushMsg = flushErr ? lastGdalError() : "";
  CPLErrorReset();
  GDALClose(ds);
  const bool closeErr = CPLGetLastErrorType() == CE_Failure;
  ds_ = nullptr;
  if (flushErr || closeErr) {
    std::error_code ec;
    fs::remove(partPath_, ec);
    committed_ = true;
    throw IoError("could not finish writing (disk full?): " + (flushErr ? flushMsg : lastGdalError()), {path_, "", ""});
  }
  std::error_code ec;
  fs::rename(partPath_, path_, ec);
  committed_ = true;
  if (ec) {
    fs::remove(partPath_, ec);
    throw IoError("could not move the finished file into place: " + ec.message(), {path_, "", ""});
  }
}

template <class T>
void writeRaster(const std::string& path, const Raster<T>& r, const GeoGrid* geo, const std::string& bandName,
                 const std::string& unit, std::optional<double> nodata, const std::map<std::string, std::string>& metadata) {
  DataType t = DataType::Float32;
  if constexpr (std::is_same_v<T, double>) t = DataType::Float64;
  else if constexpr (std::is_same_v<T, cfloat>) t = DataType::CFloat32;
  else if constexpr (std::is_same_v<T, std::uint8_t>) t = DataType::Byte;
  else if constexpr (std::is_same_v<T, std::int16_t>) t = DataType::Int16;
  else if constexpr (std::is_same_v<T, std::int32_t>) t = DataType::Int32;
  RasterWriter w(path, r.length(), r.width(), 1, t, geo);
  if (!bandName.empty()) w.setBandName(1, bandName);
  if (!unit.empty()) w.setBandUnit(1, unit);
  if (nodata) w.setNoData(1, *nodata);
  for (const auto& [k, v] : metadata) w.setMetadata(k, v);
  w.write(1, r);
  w.commit();
}

#define OT_INSTANTIATE_WRITERASTER(T)                                                                  \
  template void writeRaster<T>(const std::string&, const Raster<T>&, const GeoGrid*, const std::string&, \
                               const std::string&, std::optional<double>, const std::map<std::string, std::string>&);
OT_INSTANTIATE_WRITERASTER(std::uint8_t)
OT_INSTANTIATE_WRITERASTER(std::int16_t)
OT_INSTANTIATE_WRITERASTER(std::int32_t)
OT_INSTANTIATE_WRITERASTER(float)
OT_INSTANTIATE_WRITERASTER(double)
OT_INSTANTIATE_WRITERASTER(cfloat)

void writeFileAtomic(const std::string& path, const std::string& content) {
  const fs::path p(path);
  if (!p.parent_path().empty()) {
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (ec) throw IoError("cannot create the output folder: " + ec.message(), {p.parent_path().string(), "", ""});
  }
  const std::string tmp = path + ".part";
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw IoError("cannot create file", {tmp, "", ""});
    const std::size_t n = std::fwrite(content.data(), 1, content.size(), f);
    bool ok = n == content.size() && std::fflush(f) == 0;
    ok = (std::fclose(f) == 0) && ok;  // close can report a delayed write error (e.g. disk full on NFS)
    if (!ok) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw IoError("could not write the whole file (disk full?)", {path, "", ""});
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw IoError("could not move the finished file into place", {path, "", ""});
  }
}

std::string readTextFile(const std::string& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw IoError(ec && ec != std::errc::no_such_file_or_directory ? "file cannot be read: " + ec.message() : "file not found", {path, "", ""});
  // A folder, a FIFO or a device (/dev/zero) would never end or never be text.
  if (!fs::is_regular_file(st)) throw IoError("not a regular file", {path, "", ""});
  const auto size = fs::file_size(path, ec);
  if (!ec) limits::checkElementCount(size, "bytes of text", {path, "file size", ""}, static_cast<std::uint64_t>(limits::kMaxTextBytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("file cannot be read", {path, "", ""});
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError("read failed", {path, "", ""});
  return ss.str();
}

}  // namespace orthotrack::io

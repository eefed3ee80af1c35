#include "orthotrack/io/png.hpp"

#include <atomic>
#include <string>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace orthotrack::io {
namespace {

std::string gdalMessage() {
  const char* m = CPLGetLastErrorMsg();
  return m && *m ? std::string(m) : std::string("unknown GDAL error");
}

void checkShapes(const Raster<std::uint8_t>& r, const Raster<std::uint8_t>& g, const Raster<std::uint8_t>& b) {
  if (r.empty()) throw InvalidInput("PNG image is empty", {"", "red", "0x0"});
  const auto shape = [](const Raster<std::uint8_t>& x) {
    return std::to_string(x.length()) + "x" + std::to_string(x.width());
  };
  if (g.length() != r.length() || g.width() != r.width())
    throw InvalidInput("PNG planes differ in shape (red " + shape(r) + ")", {"", "green", shape(g)});
  if (b.length() != r.length() || b.width() != r.width())
    throw InvalidInput("PNG planes differ in shape (red " + shape(r) + ")", {"", "blue", shape(b)});
}

}  // namespace

std::string encodePng(const Raster<std::uint8_t>& r, const Raster<std::uint8_t>& g,
                      const Raster<std::uint8_t>& b) {
  checkShapes(r, g, b);
  initGdal();
  GDALDriverH mem = GDALGetDriverByName("MEM");
  GDALDriverH png = GDALGetDriverByName("PNG");
  if (!mem || !png) throw IoError("GDAL was built without the MEM or PNG driver", {"", "driver", "PNG"});
  static std::atomic<unsigned long long> counter{0};
  const std::string vsiPath = "/vsimem/orthotrack_png_" + std::to_string(counter.fetch_add(1)) + ".png";

  const int width = static_cast<int>(r.width()), length = static_cast<int>(r.length());
  GDALDatasetH src = GDALCreate(mem, "", width, length, 3, GDT_Byte, nullptr);
  if (!src) throw IoError("cannot create an in-memory image: " + gdalMessage(), {"", "", ""});
  const Raster<std::uint8_t>* planes[3] = {&r, &g, &b};
  const GDALColorInterp interp[3] = {GCI_RedBand, GCI_GreenBand, GCI_BlueBand};
  for (int k = 0; k < 3; ++k) {
    GDALRasterBandH band = GDALGetRasterBand(src, k + 1);
    GDALSetRasterColorInterpretation(band, interp[k]);
    // GDALRasterIO does not write through the pointer for GF_Write; the API is not const-correct.
    auto* data = const_cast<std::uint8_t*>(planes[k]->data());
    if (GDALRasterIO(band, GF_Write, 0, 0, width, length, data, width, length, GDT_Byte, 0, 0) != CE_None) {
      GDALClose(src);
      throw IoError("cannot fill the in-memory image: " + gdalMessage(), {"", "", ""});
    }
  }
  CPLErrorReset();
  GDALDatasetH out = GDALCreateCopy(png, vsiPath.c_str(), src, FALSE, nullptr, nullptr, nullptr);
  GDALClose(src);
  if (!out) {
    VSIUnlink(vsiPath.c_str());
    throw IoError("PNG encoding failed: " + gdalMessage(), {vsiPath, "", ""});
  }
  GDALClose(out);
  vsi_l_offset size = 0;
  GByte* buf = VSIGetMemFileBuffer(vsiPath.c_str(), &size, FALSE);
  if (!buf || size == 0) {
    VSIUnlink(vsiPath.c_str());
    throw IoError("PNG encoding produced no bytes", {vsiPath, "", ""});
  }
  std::string bytes(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(size));
  VSIUnlink(vsiPath.c_str());
  // GDAL's PNG driver may leave an .aux.xml beside the file; remove it if present.
  VSIUnlink((vsiPath + ".aux.xml").c_str());
  return bytes;
}

void writePng(const std::string& path, const Raster<std::uint8_t>& r, const Raster<std::uint8_t>& g,
              const Raster<std::uint8_t>& b) {
  writeFileAtomic(path, encodePng(r, g, b));
}

}  // namespace orthotrack::io

// Fuzz target of the NISAR/ISCE3 RSLC reader. Mutating HDF5 bytes would mostly fuzz libhdf5 (out of
// scope, like GDAL), so the input instead decides how each dataset and attribute the reader uses is
// written into a valid HDF5 file: as a correct value, absent, with another shape, with a replaced
// value (any double: NaN, infinities, negatives), with the wrong type, or with an absurd declared
// size (chunked and never written, so the file stays small). The all-zero input is a valid product.
#include <hdf5.h>

#include <cmath>
#include <string>
#include <vector>

#include "../fuzz_targets.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/io/import_nisar.hpp"

namespace orthotrack::fuzz {
namespace {

enum Mode : std::uint8_t { Valid = 0, Absent, Reshaped, Replaced, WrongType, Huge, kModes };

struct Writer {
  hid_t file;
  Bytes& b;

  void groups(const std::string& path) {  // creates every parent group of `path`
    for (std::size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
      const std::string g = path.substr(0, pos);
      if (H5Lexists(file, g.c_str(), H5P_DEFAULT) <= 0) H5Gclose(H5Gcreate2(file, g.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    }
  }
  void stringAttr(hid_t obj, const char* name, const std::string& value) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, value.empty() ? 1 : value.size());
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, value.empty() ? "" : value.c_str());
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
  }
  // A numeric dataset of `dims` and `values` as the mode says; `units` as a string attribute (mode
  // byte: valid, absent, or a string from the input).
  void numbers(const std::string& path, std::vector<hsize_t> dims, std::vector<double> values, const std::string& units = "") {
    const auto mode = static_cast<Mode>(b.u8() % kModes);
    if (mode == Absent) return;
    if (mode == WrongType) return text(path, b.str(24));
    groups(path);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    bool write = true;
    if (mode == Reshaped) {
      dims.resize(b.u8() % 4);
      for (auto& d : dims) d = b.u8() % 7;
      std::size_t n = 1;
      for (auto d : dims) n *= d;
      values.resize(n, 1.0);
    } else if (mode == Replaced && !values.empty()) {
      values[b.u8() % values.size()] = b.f64();
    } else if (mode == Huge) {
      if (dims.empty()) dims = {1};
      dims[0] = hsize_t(1) << (20 + b.u8() % 28);
      std::vector<hsize_t> chunk(dims.size(), 1);
      chunk[0] = 4096;
      H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
      write = false;
    }
    hid_t sp = dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    hid_t d = H5Dcreate2(file, path.c_str(), H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d >= 0) {
      if (write && !values.empty()) H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
      if (!units.empty()) {
        const std::uint8_t u = b.u8() % 4;
        if (u == 0 || u == 1) stringAttr(d, "units", units);
        else if (u == 2) stringAttr(d, "units", b.str(40));
      }
      H5Dclose(d);
    }
    H5Sclose(sp);
    H5Pclose(dcpl);
  }
  // A scalar string dataset (or, by mode, absent or a number).
  void text(const std::string& path, const std::string& value) {
    groups(path);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, value.empty() ? 1 : value.size());
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(file, path.c_str(), t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0) {
      H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, value.empty() ? "" : value.c_str());
      H5Dclose(d);
    }
    H5Sclose(sp);
    H5Tclose(t);
  }
  void string(const std::string& path, const std::string& valid) {
    const std::uint8_t m = b.u8() % 4;
    if (m == 1) return;
    if (m == 2) return text(path, b.str(24));
    if (m == 3) return numbers(path, {}, {1.0});
    text(path, valid);
  }
  // The complex image: lines x samples of {r, i} float32 (or absurd, chunked, unwritten).
  void image(const std::string& path, hsize_t lines, hsize_t samples) {
    const std::uint8_t m = b.u8() % 4;
    if (m == 1) return;
    groups(path);
    hsize_t dims[2] = {lines, samples};
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (m == 2) {  // absurd size
      dims[0] = hsize_t(1) << (20 + b.u8() % 24);
      dims[1] = hsize_t(1) << (10 + b.u8() % 24);
      hsize_t chunk[2] = {1, 1024};
      H5Pset_chunk(dcpl, 2, chunk);
    }
    hid_t t = H5Tcreate(H5T_COMPOUND, 8);
    H5Tinsert(t, "r", 0, H5T_NATIVE_FLOAT);
    H5Tinsert(t, "i", 4, H5T_NATIVE_FLOAT);
    hid_t sp = m == 3 ? H5Screate_simple(1, dims, nullptr) : H5Screate_simple(2, dims, nullptr);
    hid_t d = H5Dcreate2(file, path.c_str(), t, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
    H5Pclose(dcpl);
  }
};

std::vector<double> ramp(std::size_t n, double start, double step) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + step * static_cast<double>(i);
  return v;
}

}  // namespace

int nisarHdf5(const std::uint8_t* data, std::size_t size) {
  Bytes b(data, size);
  const std::string path = scratchDir() + "/rslc.h5";
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  {
    hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    check(f >= 0, "cannot create the scratch HDF5 file");
    Writer w{f, b};
    static const char* kGroups[] = {"/science/LSAR/RSLC", "/science/LSAR/SLC", "/science/SSAR/RSLC", "/science/LSAR/GSLC"};
    const std::string g = kGroups[b.u8() % 4];
    const std::string root = g.substr(0, g.rfind('/'));
    const hsize_t L = 6 + b.u8() % 8, W = 5 + b.u8() % 8;
    const std::string units = "seconds since 2020-01-01 00:00:00";
    const std::string fa = g + "/swaths/frequencyA";
    w.image(fa + "/HH", L, W);
    w.string(fa + "/listOfPolarizations", "HH");
    w.numbers(g + "/swaths/zeroDopplerTime", {L}, ramp(L, 3600.0, 1e-3), units);
    w.numbers(g + "/swaths/zeroDopplerTimeSpacing", {}, {1e-3});
    w.numbers(fa + "/slantRange", {W}, ramp(W, 8.5e5, 5.0));
    w.numbers(fa + "/slantRangeSpacing", {}, {5.0});
    w.numbers(fa + "/processedCenterFrequency", {}, {1.257e9});
    w.numbers(fa + "/processedRangeBandwidth", {}, {2e7});
    w.string(root + "/identification/lookDirection", "right");
    w.string(root + "/identification/missionId", "NISAR");
    // Orbit: 12 state vectors 10 s apart around the image, on a circular polar orbit.
    const std::size_t n = 12;
    std::vector<double> pos, vel;
    const double r = 7.071e6, om = 7300.0 / r;
    for (std::size_t k = 0; k < n; ++k) {
      const double a = om * 10.0 * static_cast<double>(k);
      pos.insert(pos.end(), {r * std::cos(a), 0.0, r * std::sin(a)});
      vel.insert(vel.end(), {-r * om * std::sin(a), 0.0, r * om * std::cos(a)});
    }
    const std::string ob = g + "/metadata/orbit";
    w.numbers(ob + "/time", {n}, ramp(n, 3550.0, 10.0), units);
    w.numbers(ob + "/position", {n, 3}, pos);
    w.numbers(ob + "/velocity", {n, 3}, vel);
    w.string(ob + "/interpMethod", "Hermite");
    const std::string par = g + "/metadata/processingInformation/parameters";
    w.numbers(par + "/frequencyA/dopplerCentroid", {3, 4}, ramp(12, 5.0, 0.5));
    w.numbers(par + "/zeroDopplerTime", {3}, ramp(3, 3590.0, 10.0), units);
    w.numbers(par + "/slantRange", {4}, ramp(4, 8.4e5, 100.0));
    H5Fclose(f);
  }
  try {
    const io::NisarProductInfo info = io::inspectNisar(path);
    for (const auto& [freq, pols] : info.images)
      for (const auto& pol : pols) {
        const io::SceneMetadata s = io::readNisarMetadata(path, freq, pol);
        check(s.grid.length >= 1 && s.grid.width >= 1 && s.orbit.size() >= 4, "accepted product without a grid or an orbit");
      }
  } catch (const Error& e) {
    refused(e);
  }
  return 0;
}

}  // namespace orthotrack::fuzz

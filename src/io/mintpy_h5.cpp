#include "orthotrack/io/mintpy_h5.hpp"

#include <filesystem>

#include <hdf5.h>

#include "orthotrack/core/error.hpp"

namespace orthotrack::io {
namespace {

constexpr const char* kConventions =
    "docs/conventions.md; displacement m, secondary minus reference date, 0 at the first date; "
    "LOS negative = away from the sensor; azimuth positive = opposite to the flight direction; rates m/year (365.25 d)";

/// Closes an HDF5 handle on scope exit.
struct H5Handle {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  H5Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  ~H5Handle() {
    if (id >= 0 && close) close(id);
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
};

void check(bool ok, const std::string& what, const std::string& path) {
  if (!ok) throw IoError("HDF5: " + what + " failed", {path, "", ""});
}

void writeAttr(hid_t loc, const std::string& key, const std::string& value, const std::string& path) {
  H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  check(type.id >= 0 && H5Tset_size(type.id, H5T_VARIABLE) >= 0 && H5Tset_cset(type.id, H5T_CSET_UTF8) >= 0, "string type", path);
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Handle attr(H5Acreate2(loc, key.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  check(attr.id >= 0, "attribute " + key, path);
  const char* p = value.c_str();
  check(H5Awrite(attr.id, type.id, &p) >= 0, "attribute " + key, path);
}

void writeFloatDataset(hid_t file, const std::string& name, const std::vector<hsize_t>& dims,
                       const std::vector<const float*>& slabs, hsize_t slabSize, const std::string& path) {
  H5Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  H5Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(plist.id, false);  // no modification times: the same data give the same bytes
  if (dims.size() == 3 && dims[1] > 0 && dims[2] > 0) {
    const hsize_t chunk[3] = {1, std::min<hsize_t>(dims[1], 128), std::min<hsize_t>(dims[2], 128)};
    H5Pset_chunk(plist.id, 3, chunk);
    H5Pset_deflate(plist.id, 4);
  }
  H5Handle ds(H5Dcreate2(file, name.c_str(), H5T_IEEE_F32LE, space.id, H5P_DEFAULT, plist.id, H5P_DEFAULT), H5Dclose);
  check(ds.id >= 0, "create dataset " + name, path);
  if (dims.size() == 3) {
    for (hsize_t k = 0; k < dims[0]; ++k) {
      const hsize_t start[3] = {k, 0, 0}, count[3] = {1, dims[1], dims[2]};
      H5Handle fs(H5Dget_space(ds.id), H5Sclose);
      H5Sselect_hyperslab(fs.id, H5S_SELECT_SET, start, nullptr, count, nullptr);
      H5Handle ms(H5Screate_simple(1, &slabSize, nullptr), H5Sclose);
      check(H5Dwrite(ds.id, H5T_NATIVE_FLOAT, ms.id, fs.id, H5P_DEFAULT, slabs[k]) >= 0, "write " + name, path);
    }
  } else {
    check(H5Dwrite(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, slabs[0]) >= 0, "write " + name, path);
  }
}

template <class F>
void atomicH5(const std::string& path, F&& body) {
  const std::string tmp = path + ".tmp";
  std::filesystem::remove(tmp);
  {
    H5Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    H5Pset_obj_track_times(fcpl.id, false);  // the root group without a modification time either
    H5Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.id, H5P_DEFAULT), H5Fclose);
    if (file.id < 0) throw IoError("cannot create HDF5 file", {tmp, "", ""});
    try {
      body(file.id, tmp);
    } catch (...) {
      H5Fclose(file.id);
      file.id = -1;
      std::filesystem::remove(tmp);
      throw;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw IoError("cannot rename " + tmp + ": " + ec.message(), {path, "", ""});
}

void commonAttrs(hid_t f, std::int64_t L, std::int64_t W, const std::string& tmp) {
  writeAttr(f, "LENGTH", std::to_string(L), tmp);
  writeAttr(f, "WIDTH", std::to_string(W), tmp);
  writeAttr(f, "DATA_TYPE", "float32", tmp);
  writeAttr(f, "PROCESSOR", "orthotrack", tmp);
  writeAttr(f, "CONVENTIONS", kConventions, tmp);
}

}  // namespace

void writeMintpyTimeseries(const std::string& path, const std::vector<DateTime>& dates,
                           const std::vector<Raster<float>>& displacement, const std::vector<float>& bperp,
                           const std::map<std::string, std::string>& extra) {
  if (dates.empty() || displacement.size() != dates.size())
    throw InvalidInput("one displacement raster per date is needed (" + std::to_string(dates.size()) + " dates)",
                       {path, "timeseries", std::to_string(displacement.size())});
  if (!bperp.empty() && bperp.size() != dates.size())
    throw InvalidInput("bperp must have one value per date", {path, "bperp", std::to_string(bperp.size())});
  const std::int64_t L = displacement[0].length(), W = displacement[0].width();
  for (std::size_t k = 0; k < displacement.size(); ++k)
    if (displacement[k].length() != L || displacement[k].width() != W)
      throw InvalidInput("raster size differs from date 0", {path, "timeseries[" + std::to_string(k) + "]",
                                                             std::to_string(displacement[k].length()) + "x" + std::to_string(displacement[k].width())});
  atomicH5(path, [&](hid_t f, const std::string& tmp) {
    std::vector<const float*> slabs;
    for (const auto& r : displacement) slabs.push_back(r.data());
    writeFloatDataset(f, "timeseries", {dates.size(), static_cast<hsize_t>(L), static_cast<hsize_t>(W)}, slabs,
                      static_cast<hsize_t>(L * W), tmp);
    // date: fixed-length 8-byte strings (numpy 'S8'), as MintPy writes them.
    std::string buf;
    for (const auto& d : dates) buf += d.compactDate();
    H5Handle st(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(st.id, 8);
    H5Tset_strpad(st.id, H5T_STR_NULLPAD);
    const hsize_t n = dates.size();
    H5Handle sp(H5Screate_simple(1, &n, nullptr), H5Sclose);
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_obj_track_times(dcpl.id, false);
    H5Handle ds(H5Dcreate2(f, "date", st.id, sp.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT), H5Dclose);
    check(ds.id >= 0 && H5Dwrite(ds.id, st.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) >= 0, "write date", tmp);
    std::vector<float> bp = bperp.empty() ? std::vector<float>(dates.size(), 0.0f) : bperp;
    writeFloatDataset(f, "bperp", {dates.size()}, {bp.data()}, n, tmp);
    std::map<std::string, std::string> attrs{{"FILE_TYPE", "timeseries"},
                                             {"UNIT", "m"},
                                             {"REF_DATE", dates.front().compactDate()},
                                             {"START_DATE", dates.front().compactDate()},
                                             {"END_DATE", dates.back().compactDate()}};
    for (const auto& [k, v] : extra) attrs[k] = v;
    commonAttrs(f, L, W, tmp);
    for (const auto& [k, v] : attrs)
      if (k != "LENGTH" && k != "WIDTH") writeAttr(f, k, v, tmp);
  });
}

void writeMintpyVelocity(const std::string& path, const Raster<float>& velocity, const Raster<float>& velocityStd,
                         const DateTime& start, const DateTime& end, const std::map<std::string, std::string>& extra) {
  if (velocityStd.length() != velocity.length() || velocityStd.width() != velocity.width())
    throw InvalidInput("velocityStd size differs from velocity", {path, "velocityStd",
                                                                  std::to_string(velocityStd.length()) + "x" + std::to_string(velocityStd.width())});
  const std::int64_t L = velocity.length(), W = velocity.width();
  atomicH5(path, [&](hid_t f, const std::string& tmp) {
    const hsize_t n = static_cast<hsize_t>(L * W);
    writeFloatDataset(f, "velocity", {static_cast<hsize_t>(L), static_cast<hsize_t>(W)}, {velocity.data()}, n, tmp);
    writeFloatDataset(f, "velocityStd", {static_cast<hsize_t>(L), static_cast<hsize_t>(W)}, {velocityStd.data()}, n, tmp);
    std::map<std::string, std::string> attrs{{"FILE_TYPE", "velocity"},
                                             {"UNIT", "m/year"},
                                             {"START_DATE", start.compactDate()},
                                             {"END_DATE", end.compactDate()},
                                             {"DATE12", start.compactDate() + "_" + end.compactDate()},
                                             {"REF_DATE", start.compactDate()}};
    for (const auto& [k, v] : extra) attrs[k] = v;
    commonAttrs(f, L, W, tmp);
    for (const auto& [k, v] : attrs)
      if (k != "LENGTH" && k != "WIDTH") writeAttr(f, k, v, tmp);
  });
}

}  // namespace orthotrack::io

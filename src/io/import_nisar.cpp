// NISAR / ISCE3 RSLC HDF5 reader (HDF5 C API). See include/orthotrack/io/import_nisar.hpp.
#include "orthotrack/io/import_nisar.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include <hdf5.h>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/limits.hpp"
#include "orthotrack/core/log.hpp"

namespace fs = std::filesystem;

namespace orthotrack::io {
namespace {

constexpr double kSpeedOfLight = 299792458.0;

// Owns an HDF5 identifier and closes it with the matching function.
class H5Id {
 public:
  H5Id() = default;
  H5Id(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {}
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  H5Id(H5Id&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = -1; }
  H5Id& operator=(H5Id&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      closer_ = o.closer_;
      o.id_ = -1;
    }
    return *this;
  }
  ~H5Id() { reset(); }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = -1;
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  herr_t (*closer_)(hid_t) = nullptr;
};

// Silences the HDF5 error stack printing while alive (errors become exceptions here).
class H5Quiet {
 public:
  H5Quiet() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~H5Quiet() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  H5Quiet(const H5Quiet&) = delete;
  H5Quiet& operator=(const H5Quiet&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Every link along `path` exists (H5Lexists needs each parent to exist).
bool linkExists(hid_t file, const std::string& path) {
  std::size_t pos = 1;
  while (true) {
    const std::size_t next = path.find('/', pos);
    const std::string part = path.substr(0, next);
    if (H5Lexists(file, part.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) return true;
    pos = next + 1;
  }
}

class H5File {
 public:
  explicit H5File(const std::string& path) : path_(path) {
    if (!fs::exists(path)) throw IoError("file not found", {path, "", ""});
    H5Quiet q;
    file_ = H5Id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file_.valid()) throw IoError("cannot open as HDF5 (corrupted or truncated file?)", {path, "", ""});
  }
  const std::string& path() const { return path_; }
  hid_t id() const { return file_.get(); }
  bool exists(const std::string& p) const {
    H5Quiet q;
    return linkExists(file_.get(), p);
  }

  H5Id openDataset(const std::string& p) const {
    H5Quiet q;
    if (!linkExists(file_.get(), p)) throw InvalidInput("missing dataset", {path_, p, ""});
    H5Id d(H5Dopen2(file_.get(), p.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.valid()) throw InvalidInput("not a readable dataset", {path_, p, ""});
    return d;
  }

  std::vector<hsize_t> shape(const std::string& p) const {
    H5Id d = openDataset(p);
    return shapeOf(d.get(), p);
  }
  std::vector<hsize_t> shapeOf(hid_t d, const std::string& p) const {
    H5Id sp(H5Dget_space(d), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(sp.get());
    if (rank < 0) throw InvalidInput("cannot read the dataset's shape", {path_, p, ""});
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0) H5Sget_simple_extent_dims(sp.get(), dims.data(), nullptr);
    return dims;
  }

  // Number of elements of a shape; InvalidInput when the product overflows 64 bits.
  std::size_t elementCount(const std::vector<hsize_t>& dims, const std::string& p) const {
    std::uint64_t n = 1;
    for (auto x : dims) {
      if (x != 0 && n > std::numeric_limits<std::uint64_t>::max() / x)
        throw InvalidInput("dataset shape overflows 64 bits (corrupted file?)", {path_, p, std::to_string(x)});
      n *= x;
    }
    return static_cast<std::size_t>(n);
  }

  // Whole numeric dataset as doubles (HDF5 converts integer/float types).
  std::vector<double> doubles(const std::string& p, std::vector<hsize_t>* dimsOut = nullptr) const {
    H5Quiet q;
    H5Id d = openDataset(p);
    H5Id t(H5Dget_type(d.get()), H5Tclose);
    const H5T_class_t cls = H5Tget_class(t.get());
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
      throw InvalidInput("expected a numeric dataset", {path_, p, "HDF5 class " + std::to_string(static_cast<int>(cls))});
    const auto dims = shapeOf(d.get(), p);
    const std::size_t n = elementCount(dims, p);
    limits::checkElementCount(n, "values (dataset read whole as metadata)", {path_, p, ""});
    std::vector<double> v(n);
    if (n > 0 && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      throw IoError("cannot read dataset (corrupted file?)", {path_, p, ""});
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(v[i])) throw InvalidInput("non-finite value at index " + std::to_string(i), {path_, p, std::to_string(v[i])});
    if (dimsOut) *dimsOut = dims;
    return v;
  }

  double scalar(const std::string& p) const {
    const auto v = doubles(p);
    if (v.size() != 1) throw InvalidInput("expected a scalar", {path_, p, std::to_string(v.size()) + " values"});
    return v[0];
  }

  // Scalar or 1-D string dataset (fixed-length or variable-length strings).
  std::vector<std::string> strings(const std::string& p) const {
    H5Quiet q;
    H5Id d = openDataset(p);
    H5Id t(H5Dget_type(d.get()), H5Tclose);
    if (H5Tget_class(t.get()) != H5T_STRING) throw InvalidInput("expected a string dataset", {path_, p, ""});
    const auto dims = shapeOf(d.get(), p);
    const std::size_t n = elementCount(dims, p);
    limits::checkElementCount(n, "strings", {path_, p, ""}, 4096);
    std::vector<std::string> out;
    if (H5Tis_variable_str(t.get()) > 0) {
      H5Id mt(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mt.get(), H5T_VARIABLE);
      std::vector<char*> buf(n, nullptr);
      if (H5Dread(d.get(), mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
        throw IoError("cannot read string dataset", {path_, p, ""});
      for (auto* s : buf) out.emplace_back(s ? s : "");
      H5Id sp(H5Dget_space(d.get()), H5Sclose);
      H5Dvlen_reclaim(mt.get(), sp.get(), H5P_DEFAULT, buf.data());
    } else {
      const std::size_t sz = H5Tget_size(t.get());
      H5Id mt(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mt.get(), sz);
      H5Tset_strpad(mt.get(), H5T_STR_NULLPAD);  // keep every character of fixed-length strings
      std::vector<char> buf(n * sz + 1, '\0');
      if (n > 0 && H5Dread(d.get(), mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
        throw IoError("cannot read string dataset", {path_, p, ""});
      for (std::size_t i = 0; i < n; ++i) {
        std::string s(buf.data() + i * sz, sz);
        s.erase(std::find(s.begin(), s.end(), '\0'), s.end());
        out.push_back(s);
      }
    }
    for (auto& s : out) {  // trim blanks
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
      std::size_t b = 0;
      while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
      s.erase(0, b);
    }
    return out;
  }
  std::string string(const std::string& p) const {
    auto v = strings(p);
    if (v.size() != 1) throw InvalidInput("expected a single string", {path_, p, std::to_string(v.size()) + " values"});
    return v[0];
  }

  // String attribute of a dataset (fixed or variable length); "" and false if absent.
  bool attribute(const std::string& p, const std::string& name, std::string& value) const {
    H5Quiet q;
    H5Id d = openDataset(p);
    if (H5Aexists(d.get(), name.c_str()) <= 0) return false;
    H5Id a(H5Aopen(d.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
    if (!a.valid()) return false;
    H5Id t(H5Aget_type(a.get()), H5Tclose);
    if (H5Tget_class(t.get()) != H5T_STRING) throw InvalidInput("attribute is not a string", {path_, p + "@" + name, ""});
    if (H5Tis_variable_str(t.get()) > 0) {
      H5Id mt(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mt.get(), H5T_VARIABLE);
      char* s = nullptr;
      if (H5Aread(a.get(), mt.get(), &s) < 0) throw IoError("cannot read attribute", {path_, p + "@" + name, ""});
      value = s ? s : "";
      H5free_memory(s);
    } else {
      const std::size_t sz = H5Tget_size(t.get());
      H5Id mt(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mt.get(), sz);
      H5Tset_strpad(mt.get(), H5T_STR_NULLPAD);  // keep every character of fixed-length strings
      std::vector<char> buf(sz + 1, '\0');
      if (H5Aread(a.get(), mt.get(), buf.data()) < 0) throw IoError("cannot read attribute", {path_, p + "@" + name, ""});
      value.assign(buf.data());
    }
    return true;
  }

 private:
  std::string path_;
  H5Id file_;
};

// "seconds since 2003-02-24 00:00:00" -> DateTime of the epoch.
DateTime unitsEpoch(const H5File& f, const std::string& dataset) {
  std::string units;
  if (!f.attribute(dataset, "units", units))
    throw InvalidInput("missing attribute \"units\" (expected \"seconds since YYYY-MM-DD HH:MM:SS\")", {f.path(), dataset, ""});
  const std::string prefix = "seconds since ";
  DateTime t;
  if (units.rfind(prefix, 0) != 0 || !DateTime::tryParse(units.substr(prefix.size()), t))
    throw InvalidInput("time units must read \"seconds since YYYY-MM-DD HH:MM:SS\"", {f.path(), dataset + "@units", units});
  return t;
}

std::string productGroup(const H5File& f) {
  for (const char* g : {"/science/LSAR/RSLC", "/science/LSAR/SLC", "/science/SSAR/RSLC", "/science/SSAR/SLC"})
    if (f.exists(g)) return g;
  throw InvalidInput("not a NISAR/ISCE3 RSLC product: no group /science/LSAR/SLC or /science/LSAR/RSLC", {f.path(), "/science/LSAR", ""});
}

std::string bandRoot(const std::string& group) {  // "/science/LSAR"
  return group.substr(0, group.rfind('/'));
}

// Regular axis: start and spacing; InvalidInput if the samples are not evenly spaced.
void regularAxis(const H5File& f, const std::string& p, const std::vector<double>& v, double& start, double& spacing) {
  if (v.size() < 2) throw InvalidInput("axis needs at least 2 values", {f.path(), p, std::to_string(v.size())});
  start = v.front();
  spacing = (v.back() - v.front()) / static_cast<double>(v.size() - 1);
  if (!(spacing > 0)) throw InvalidInput("axis must increase", {f.path(), p, std::to_string(spacing)});
  for (std::size_t i = 1; i < v.size(); ++i)
    if (std::abs(v[i] - (start + static_cast<double>(i) * spacing)) > 1e-3 * spacing)
      throw InvalidInput("axis is not evenly spaced at index " + std::to_string(i), {f.path(), p, std::to_string(v[i])});
}

std::string platformName(const std::string& mission) {
  if (mission.empty()) return "NISAR";
  return mission;
}

}  // namespace

bool isHdf5File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  // The superblock may sit at 0, 512, 1024, 2048, ... (user block).
  for (std::streamoff off : {0, 512, 1024, 2048, 4096}) {
    unsigned char b[8] = {};
    in.clear();
    in.seekg(off);
    if (!in.read(reinterpret_cast<char*>(b), 8)) return false;
    if (std::memcmp(b, sig, 8) == 0) return true;
  }
  return false;
}

NisarProductInfo inspectNisar(const std::string& path) {
  H5File f(path);
  NisarProductInfo info;
  info.path = path;
  info.group = productGroup(f);
  const std::string ident = bandRoot(info.group) + "/identification";
  if (f.exists(ident + "/missionId")) info.mission = f.string(ident + "/missionId");
  if (f.exists(ident + "/productType")) info.productType = f.string(ident + "/productType");
  for (const std::string freq : {"A", "B"}) {
    const std::string base = info.group + "/swaths/frequency" + freq;
    if (!f.exists(base)) continue;
    std::vector<std::string> pols;
    if (f.exists(base + "/listOfPolarizations")) {
      for (const auto& p : f.strings(base + "/listOfPolarizations"))
        if (!p.empty() && f.exists(base + "/" + p)) pols.push_back(p);
        else if (!p.empty())
          log::get("import")->warn("{}: polarization {} is listed in {} but has no image dataset", path, p, base);
    } else {
      for (const std::string p : {"HH", "HV", "VH", "VV", "RH", "RV", "LH", "LV"})
        if (f.exists(base + "/" + p)) pols.push_back(p);
    }
    if (!pols.empty()) info.images[freq] = pols;
  }
  if (info.images.empty())
    throw InvalidInput("no SLC image dataset (swaths/frequencyA|B/<pol>)", {path, info.group + "/swaths", ""});
  return info;
}

SceneMetadata readNisarMetadata(const std::string& path, const std::string& frequency, const std::string& pol) {
  H5File f(path);
  const std::string g = productGroup(f);
  const std::string ident = bandRoot(g) + "/identification";
  const std::string sw = g + "/swaths";
  const std::string fq = sw + "/frequency" + frequency;
  if (!f.exists(fq)) throw InvalidInput("no such frequency in the product", {path, fq, frequency});
  const std::string img = fq + "/" + pol;

  SceneMetadata s;
  const std::string mission = f.exists(ident + "/missionId") ? f.string(ident + "/missionId") : "";
  s.platform = platformName(mission);
  s.polarization = pol;
  s.sensor = (mission.empty() ? std::string("NISAR") : mission) + " RSLC frequency " + frequency;
  s.imageKind = ImageKind::Slc;

  // Image shape.
  const auto dims = f.shape(img);
  if (dims.size() != 2 || dims[0] < 1 || dims[1] < 1)
    throw InvalidInput("image dataset must be 2-D (lines x samples)", {path, img, std::to_string(dims.size()) + "-D"});
  if (dims[0] > static_cast<hsize_t>(limits::kMaxRasterSide) || dims[1] > static_cast<hsize_t>(limits::kMaxRasterSide))
    throw InvalidInput("raster side larger than " + std::to_string(limits::kMaxRasterSide) + " pixels (corrupted file?)",
                       {path, img, std::to_string(dims[0]) + "x" + std::to_string(dims[1])});
  s.grid.length = static_cast<std::int64_t>(dims[0]);
  s.grid.width = static_cast<std::int64_t>(dims[1]);
  limits::checkRasterShape(s.grid.length, s.grid.width, {path, img, ""});

  // Azimuth grid.
  const std::string zdt = sw + "/zeroDopplerTime";
  const DateTime tEpoch = unitsEpoch(f, zdt);
  // Shapes are checked before anything is read: a declared size that does not match is never allocated.
  const auto expectAxis = [&](const std::string& p, std::int64_t n, const char* what) {
    const auto d = f.shape(p);
    if (d.size() != 1 || static_cast<std::int64_t>(d[0]) != n)
      throw InvalidInput("must be 1-D with one value per image " + std::string(what) + " (" + std::to_string(n) + ")",
                         {path, p, d.size() == 1 ? std::to_string(d[0]) : std::to_string(d.size()) + "-D"});
  };
  expectAxis(zdt, s.grid.length, "line");
  std::vector<double> t = f.doubles(zdt);
  double dt = 0;
  if (f.exists(sw + "/zeroDopplerTimeSpacing")) dt = f.scalar(sw + "/zeroDopplerTimeSpacing");
  else if (t.size() >= 2) dt = (t.back() - t.front()) / static_cast<double>(t.size() - 1);
  if (!(dt > 0)) throw InvalidInput("azimuth time spacing must be positive", {path, sw + "/zeroDopplerTimeSpacing", std::to_string(dt)});
  if (t.size() >= 2 && std::abs((t.back() - t.front()) - dt * static_cast<double>(t.size() - 1)) > 0.01 * dt)
    throw InvalidInput("zero-Doppler times are not evenly spaced by zeroDopplerTimeSpacing", {path, zdt, std::to_string(dt)});
  s.grid.sensingStart = tEpoch.plusSeconds(t.front());
  s.grid.azimuthTimeInterval = dt;

  // Range grid.
  const std::string sr = fq + "/slantRange";
  expectAxis(sr, s.grid.width, "sample");
  std::vector<double> r = f.doubles(sr);
  double dr = 0;
  if (f.exists(fq + "/slantRangeSpacing")) dr = f.scalar(fq + "/slantRangeSpacing");
  else if (r.size() >= 2) dr = (r.back() - r.front()) / static_cast<double>(r.size() - 1);
  if (!(dr > 0)) throw InvalidInput("slant range spacing must be positive", {path, fq + "/slantRangeSpacing", std::to_string(dr)});
  if (r.size() >= 2 && std::abs((r.back() - r.front()) - dr * static_cast<double>(r.size() - 1)) > 0.01 * dr)
    throw InvalidInput("slant ranges are not evenly spaced by slantRangeSpacing", {path, sr, std::to_string(dr)});
  s.grid.startingRange = r.front();
  s.grid.rangePixelSpacing = dr;

  // Wavelength, bandwidths.
  const std::string fcPath = fq + "/processedCenterFrequency";
  const double fc = f.scalar(fcPath);
  if (!(fc > 0)) throw InvalidInput("centre frequency must be positive", {path, fcPath, std::to_string(fc)});
  s.grid.wavelength = kSpeedOfLight / fc;
  if (f.exists(fq + "/processedRangeBandwidth")) {
    const double b = f.scalar(fq + "/processedRangeBandwidth");
    if (b > 0) s.rangeBandwidth = b;
  }
  if (f.exists(fq + "/processedAzimuthBandwidth")) {
    const double b = f.scalar(fq + "/processedAzimuthBandwidth");
    if (b > 0) s.azimuthBandwidth = b;
  }

  // Look side.
  const std::string ld = ident + "/lookDirection";
  const std::string look = f.string(ld);
  try {
    s.grid.lookSide = parseLookSide(look);
  } catch (const InvalidInput&) {
    throw InvalidInput("look direction must be \"left\" or \"right\"", {path, ld, look});
  }

  // Orbit.
  const std::string ob = g + "/metadata/orbit";
  const DateTime oEpoch = unitsEpoch(f, ob + "/time");
  std::vector<hsize_t> pd, vd;
  const auto ot = f.doubles(ob + "/time");
  const auto pos = f.doubles(ob + "/position", &pd);
  const auto vel = f.doubles(ob + "/velocity", &vd);
  if (pd.size() != 2 || pd[1] != 3 || pd[0] != ot.size())
    throw InvalidInput("expected " + std::to_string(ot.size()) + " x 3 positions", {path, ob + "/position", ""});
  if (vd.size() != 2 || vd[1] != 3 || vd[0] != ot.size())
    throw InvalidInput("expected " + std::to_string(ot.size()) + " x 3 velocities", {path, ob + "/velocity", ""});
  std::vector<StateVector> svs;
  for (std::size_t i = 0; i < ot.size(); ++i)
    svs.push_back({oEpoch.plusSeconds(ot[i]), Vec3(pos[3 * i], pos[3 * i + 1], pos[3 * i + 2]),
                   Vec3(vel[3 * i], vel[3 * i + 1], vel[3 * i + 2])});
  try {
    s.orbit = Orbit(std::move(svs));
    // A product that declares Hermite interpolation (ISCE3/NISAR) gets its orbit resampled with that
    // interpolant every second, so the 8-point Lagrange of Orbit reproduces the product's own orbit.
    if (f.exists(ob + "/interpMethod") && f.string(ob + "/interpMethod").rfind("Hermite", 0) == 0)
      s.orbit = resampleHermite(s.orbit, 1.0);
  } catch (const InvalidInput& e) {
    throw InvalidInput(e.message(), {path, ob + " (" + e.context().key + ")", e.context().value});
  }

  // Doppler centroid LUT (optional: absent = zero Doppler).
  const std::string par = g + "/metadata/processingInformation/parameters";
  const std::string dop = par + "/frequency" + frequency + "/dopplerCentroid";
  if (f.exists(dop)) {
    std::vector<hsize_t> dd;
    auto v = f.doubles(dop, &dd);
    const std::string lt = par + "/zeroDopplerTime", lr = par + "/slantRange";
    const DateTime lEpoch = unitsEpoch(f, lt);
    const auto ly = f.doubles(lt);
    const auto lx = f.doubles(lr);
    if (dd.size() != 2 || dd[0] != ly.size() || dd[1] != lx.size())
      throw InvalidInput("Doppler LUT shape must be (" + std::to_string(ly.size()) + ", " + std::to_string(lx.size()) +
                             ") to match parameters/zeroDopplerTime and slantRange",
                         {path, dop, ""});
    const bool allZero = std::all_of(v.begin(), v.end(), [](double x) { return x == 0.0; });
    if (!allZero) {
      double x0, dx, y0, dy;
      regularAxis(f, lr, lx, x0, dx);
      regularAxis(f, lt, ly, y0, dy);
      const DateTime first = lEpoch.plusSeconds(y0);
      try {
        s.doppler = LUT2d(x0, dx, static_cast<int>(lx.size()), 0.0, dy, static_cast<int>(ly.size()), std::move(v), first);
      } catch (const InvalidInput& e) {
        throw InvalidInput(e.message(), {path, dop, e.context().value});
      }
    }
  }
  s.id = makeSceneId(s.platform, s.grid.sensingMid(), frequency, pol);
  try {
    s.grid.validate(path);
  } catch (const InvalidInput& e) {
    throw InvalidInput(e.message(), {path, g, e.context().value});
  }
  return s;
}

namespace {

// Streams one image dataset into a complex64 GeoTIFF, blockLines lines at a time.
void copyImage(const H5File& f, const std::string& dset, const SceneMetadata& s, const std::string& out,
               const ImportParams& p) {
  H5Quiet q;
  H5Id d = f.openDataset(dset);
  H5Id ft(H5Dget_type(d.get()), H5Tclose);
  if (H5Tget_class(ft.get()) != H5T_COMPOUND || H5Tget_nmembers(ft.get()) != 2)
    throw InvalidInput("image dataset must hold complex numbers (compound of r, i)", {f.path(), dset, ""});
  // Memory type: two native floats named like the file's members (HDF5 converts by name).
  char* n0 = H5Tget_member_name(ft.get(), 0);
  char* n1 = H5Tget_member_name(ft.get(), 1);
  const std::string re = n0 ? n0 : "r", im = n1 ? n1 : "i";
  H5free_memory(n0);
  H5free_memory(n1);
  H5Id mt(H5Tcreate(H5T_COMPOUND, 2 * sizeof(float)), H5Tclose);
  H5Tinsert(mt.get(), re.c_str(), 0, H5T_NATIVE_FLOAT);
  H5Tinsert(mt.get(), im.c_str(), sizeof(float), H5T_NATIVE_FLOAT);

  const std::int64_t L = s.grid.length, W = s.grid.width;
  const std::int64_t block = std::min<std::int64_t>(p.blockLines, L);
  std::vector<cfloat> buf(static_cast<std::size_t>(block * W));
  H5Id fs_(H5Dget_space(d.get()), H5Sclose);
  RasterWriter w(out, L, W, 1, DataType::CFloat32, nullptr, p.write);
  w.setBandName(1, s.polarization);
  w.setMetadata("SOURCE", f.path() + ":" + dset);
  for (std::int64_t r0 = 0; r0 < L; r0 += block) {
    const std::int64_t n = std::min(block, L - r0);
    hsize_t start[2] = {static_cast<hsize_t>(r0), 0}, count[2] = {static_cast<hsize_t>(n), static_cast<hsize_t>(W)};
    H5Sselect_hyperslab(fs_.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
    H5Id ms(H5Screate_simple(2, count, nullptr), H5Sclose);
    if (H5Dread(d.get(), mt.get(), ms.get(), fs_.get(), H5P_DEFAULT, buf.data()) < 0)
      throw IoError("cannot read lines " + std::to_string(r0) + ".." + std::to_string(r0 + n - 1) + " (corrupted file?)",
                    {f.path(), dset, ""});
    w.write(1, r0, 0, n, W, buf.data());
  }
  w.commit();
}

bool selected(const std::vector<std::string>& wanted, const std::string& v) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), v) != wanted.end();
}

}  // namespace

std::vector<SceneMetadata> importNisar(const std::string& path, const std::string& outDir, const ImportParams& p) {
  p.validate();
  const NisarProductInfo info = inspectNisar(path);
  for (const auto& fr : p.frequencies)
    if (!info.images.count(fr))
      throw InvalidInput("the product has no image for this frequency", {path, "import.frequencies", fr});
  std::vector<std::pair<std::string, std::string>> jobs;
  for (const auto& [fr, pols] : info.images) {
    if (!selected(p.frequencies, fr)) continue;
    for (const auto& pol : pols)
      if (selected(p.polarizations, pol)) jobs.emplace_back(fr, pol);
    for (const auto& want : p.polarizations)
      if (std::find(pols.begin(), pols.end(), want) == pols.end() && p.frequencies.size() == 1)
        throw InvalidInput("polarization not in the product", {path, info.group + "/swaths/frequency" + fr + "/" + want, want});
  }
  if (jobs.empty()) {
    std::string have;
    for (const auto& [fr, pols] : info.images)
      for (const auto& pol : pols) have += (have.empty() ? "" : ", ") + fr + "/" + pol;
    throw InvalidInput("no image matches the requested frequencies/polarizations (available: " + have + ")",
                       {path, "import.polarizations", ""});
  }
  if (!p.id.empty() && jobs.size() > 1)
    throw InvalidInput("an explicit scene id needs a single frequency and polarization", {path, "import.id", p.id});

  H5File f(path);
  std::vector<SceneMetadata> out;
  for (const auto& [fr, pol] : jobs) {
    SceneMetadata s = readNisarMetadata(path, fr, pol);
    if (!p.platform.empty()) {
      s.platform = p.platform;
      s.id = makeSceneId(s.platform, s.grid.sensingMid(), fr, pol);
    }
    if (!p.id.empty()) s.id = p.id;
    const double gib = static_cast<double>(s.grid.length) * static_cast<double>(s.grid.width) * 8.0 / (1024.0 * 1024.0 * 1024.0);
    if (gib > p.maxImageGiB || s.grid.width > std::numeric_limits<int>::max() || s.grid.length > std::numeric_limits<int>::max())
      throw InvalidInput("image of " + std::to_string(s.grid.length) + " x " + std::to_string(s.grid.width) +
                             " pixels exceeds import.max_image_gib",
                         {path, info.group + "/swaths/frequency" + fr + "/" + pol, std::to_string(gib) + " GiB"});
    const fs::path dir = fs::path(outDir) / s.id;
    const std::string img = fs::absolute(dir / (s.id + ".slc.tif")).string();
    const std::string meta = fs::absolute(dir / (s.id + ".json")).string();
    log::get("import")->info("importing {}:{} -> {}", path, info.group + "/swaths/frequency" + fr + "/" + pol, img);
    copyImage(f, info.group + "/swaths/frequency" + fr + "/" + pol, s, img, p);
    s.image = img;
    s.imageBand = 1;
    s.metadataPath = meta;
    writeSceneMetadata(meta, s);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace orthotrack::io

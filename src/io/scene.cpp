#include "orthotrack/io/scene.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/limits.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace orthotrack::io {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Absolute, normalized path of `p` (relative to baseDir). Never throws: a path the file system
// cannot resolve (too long, a loop) is kept as written, and the existence check then names it.
std::string resolve(const std::string& p, const std::string& baseDir) {
  if (p.empty()) return p;
  fs::path path(p);
  if (!path.is_absolute() && !baseDir.empty()) path = fs::path(baseDir) / path;
  std::error_code ec;
  const fs::path canon = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal().string() : canon.string();
}

// False for a missing file and for one whose status cannot be read (name too long, no access).
bool fileExists(const std::string& p) {
  std::error_code ec;
  return fs::exists(p, ec) && !ec;
}

// A JSON value for an error message: scalars as written, arrays and objects summarized (dumping a
// deeply nested value would recurse once per level).
std::string brief(const json& v) {
  const bool flat = std::none_of(v.begin(), v.end(), [](const json& x) { return x.is_structured(); });
  if (v.is_array() && !flat) return "[array of " + std::to_string(v.size()) + "]";
  if (v.is_object() && !flat) return "{object of " + std::to_string(v.size()) + " keys}";
  return v.dump().substr(0, 80);
}

std::string relativeIfBelow(const std::string& p, const std::string& baseDir) {
  if (baseDir.empty() || p.empty()) return p;
  std::error_code ec;
  const auto rel = fs::relative(p, baseDir, ec);
  if (ec || rel.empty() || rel.string().rfind("..", 0) == 0) return p;
  return rel.string();
}

// Typed access to a JSON object with errors naming the file and the dotted key.
struct J {
  const json& j;
  const std::string& file;
  std::string prefix;

  const json& at(const std::string& k) const {
    if (!j.is_object()) throw InvalidInput("expected an object", {file, prefix.empty() ? "(root)" : prefix, brief(j)});
    auto it = j.find(k);
    if (it == j.end()) throw InvalidInput("missing key", {file, key(k), ""});
    return *it;
  }
  bool has(const std::string& k) const { return j.is_object() && j.contains(k) && !j.at(k).is_null(); }
  std::string key(const std::string& k) const { return prefix.empty() ? k : prefix + "." + k; }
  J sub(const std::string& k) const { return J{at(k), file, key(k)}; }
  double num(const std::string& k) const {
    const auto& v = at(k);
    if (!v.is_number()) throw InvalidInput("expected a number", {file, key(k), brief(v)});
    const double d = v.get<double>();
    if (!std::isfinite(d)) throw InvalidInput("expected a finite number", {file, key(k), brief(v)});
    return d;
  }
  double positive(const std::string& k) const {
    const double d = num(k);
    if (!(d > 0)) throw InvalidInput("must be positive", {file, key(k), at(k).dump()});
    return d;
  }
  std::int64_t integer(const std::string& k) const {
    const auto& v = at(k);
    if (!v.is_number_integer()) throw InvalidInput("expected an integer", {file, key(k), brief(v)});
    return v.get<std::int64_t>();
  }
  std::string str(const std::string& k) const {
    const auto& v = at(k);
    if (!v.is_string()) throw InvalidInput("expected a string", {file, key(k), brief(v)});
    return v.get<std::string>();
  }
  std::string strOr(const std::string& k, const std::string& def) const { return has(k) ? str(k) : def; }
  DateTime time(const std::string& k) const {
    const std::string s = str(k);
    DateTime d;
    if (!DateTime::tryParse(s, d)) throw InvalidInput("not an ISO-8601 UTC time", {file, key(k), s});
    return d;
  }
  Vec3 vec3(const std::string& k) const {
    const auto& v = at(k);
    if (!v.is_array() || v.size() != 3 || !v[0].is_number() || !v[1].is_number() || !v[2].is_number())
      throw InvalidInput("expected an array of 3 numbers", {file, key(k), brief(v)});
    Vec3 out(v[0].get<double>(), v[1].get<double>(), v[2].get<double>());
    if (!out.allFinite()) throw InvalidInput("expected finite numbers", {file, key(k), brief(v)});
    return out;
  }
};

json vecJson(const Vec3& v) { return json::array({v.x(), v.y(), v.z()}); }

}  // namespace

ImageKind parseImageKind(const std::string& text) {
  const std::string s = lower(text);
  if (s == "slc") return ImageKind::Slc;
  if (s == "amplitude") return ImageKind::Amplitude;
  if (s == "intensity") return ImageKind::Intensity;
  throw InvalidInput("image kind must be \"slc\", \"amplitude\" or \"intensity\"", {"", "image.kind", text});
}

std::string toString(ImageKind k) {
  switch (k) {
    case ImageKind::Slc: return "slc";
    case ImageKind::Amplitude: return "amplitude";
    default: return "intensity";
  }
}

SceneMetadata sceneFromJson(const json& root, const std::string& file, const std::string& baseDir) {
  J j{root, file, ""};
  SceneMetadata s;
  s.metadataPath = file;
  s.id = j.str("id");
  if (s.id.empty()) throw InvalidInput("scene id must not be empty", {file, "id", ""});
  s.platform = j.str("platform");
  if (s.platform.empty()) throw InvalidInput("platform must not be empty", {file, "platform", ""});
  s.sensor = j.strOr("sensor", "");
  s.polarization = j.strOr("polarization", "");

  const J img = j.sub("image");
  s.image = resolve(img.str("path"), baseDir);
  const std::int64_t band = img.has("band") ? img.integer("band") : 1;
  if (band < 1 || band > 65535) throw InvalidInput("band must be within 1..65535", {file, "image.band", std::to_string(band)});
  s.imageBand = static_cast<int>(band);
  try {
    s.imageKind = parseImageKind(img.strOr("kind", "slc"));
  } catch (const InvalidInput&) {
    throw InvalidInput("image kind must be \"slc\", \"amplitude\" or \"intensity\"", {file, "image.kind", img.str("kind")});
  }

  const J g = j.sub("radar_grid");
  s.grid.sensingStart = g.time("sensing_start");
  s.grid.azimuthTimeInterval = g.positive("azimuth_time_interval");
  s.grid.startingRange = g.positive("starting_range");
  s.grid.rangePixelSpacing = g.positive("range_pixel_spacing");
  s.grid.wavelength = g.positive("wavelength");
  try {
    s.grid.lookSide = parseLookSide(g.str("look_side"));
  } catch (const InvalidInput&) {
    throw InvalidInput("look side must be \"left\" or \"right\"", {file, "radar_grid.look_side", g.str("look_side")});
  }
  s.grid.length = g.integer("length");
  s.grid.width = g.integer("width");
  if (s.grid.length <= 0) throw InvalidInput("must be positive", {file, "radar_grid.length", std::to_string(s.grid.length)});
  if (s.grid.width <= 0) throw InvalidInput("must be positive", {file, "radar_grid.width", std::to_string(s.grid.width)});
  limits::checkRasterShape(s.grid.length, s.grid.width, {file, "radar_grid.length/width", ""});

  if (j.has("range_bandwidth_hz")) s.rangeBandwidth = j.positive("range_bandwidth_hz");
  if (j.has("azimuth_bandwidth_hz")) s.azimuthBandwidth = j.positive("azimuth_bandwidth_hz");
  if (j.has("calibration_constant_db")) s.calibrationConstantDb = j.num("calibration_constant_db");

  const J o = j.sub("orbit");
  const std::int64_t order = o.has("interpolation_order") ? o.integer("interpolation_order") : 8;
  if (order < 4 || order > 16)
    throw InvalidInput("orbit interpolation order must be within 4..16", {file, "orbit.interpolation_order", std::to_string(order)});
  const auto& svj = o.at("state_vectors");
  if (!svj.is_array()) throw InvalidInput("expected an array", {file, "orbit.state_vectors", brief(svj)});
  std::vector<StateVector> svs;
  for (std::size_t i = 0; i < svj.size(); ++i) {
    J sv{svj[i], file, "orbit.state_vectors[" + std::to_string(i) + "]"};
    svs.push_back({sv.time("time"), sv.vec3("position"), sv.vec3("velocity")});
  }
  try {
    s.orbit = Orbit(std::move(svs), static_cast<int>(order));
  } catch (const InvalidInput& e) {
    throw InvalidInput(e.message(), {file, e.context().key, e.context().value});
  }

  if (j.has("doppler")) {
    const J d = j.sub("doppler");
    if (d.has("constant_hz")) {
      s.doppler = LUT2d(d.num("constant_hz"));
    } else {
      const auto& vals = d.at("values");
      const auto& shape = d.at("shape");
      if (!shape.is_array() || shape.size() != 2 || !shape[0].is_number_integer() || !shape[1].is_number_integer())
        throw InvalidInput("expected [rows, cols]", {file, "doppler.shape", brief(shape)});
      const auto rows = shape[0].get<std::int64_t>(), cols = shape[1].get<std::int64_t>();
      if (rows < 2 || cols < 2 || rows > limits::kMaxMetadataElements || cols > limits::kMaxMetadataElements ||
          !vals.is_array() || static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(cols) != vals.size())
        throw InvalidInput("expected [rows, cols], each >= 2, with rows x cols equal to the number of values (" +
                               std::to_string(vals.is_array() ? vals.size() : 0) + ")",
                           {file, "doppler.shape", shape.dump()});
      if (!vals.is_array()) throw InvalidInput("expected an array of numbers", {file, "doppler.values", brief(vals)});
      std::vector<double> v;
      for (const auto& x : vals) {
        if (!x.is_number()) throw InvalidInput("expected numbers", {file, "doppler.values", brief(x)});
        v.push_back(x.get<double>());
      }
      const DateTime t0 = d.time("time_start");
      try {
        s.doppler = LUT2d(d.num("range_start"), d.positive("range_spacing"), static_cast<int>(cols), 0.0,
                          d.positive("time_spacing"), static_cast<int>(rows), std::move(v), t0);
      } catch (const InvalidInput& e) {
        throw InvalidInput(e.message(), {file, "doppler", e.context().value});
      }
    }
  }
  return s;
}

json sceneToJson(const SceneMetadata& s, const std::string& baseDir) {
  json j;
  j["orthotrack_scene"] = 1;
  j["id"] = s.id;
  j["platform"] = s.platform;
  if (!s.sensor.empty()) j["sensor"] = s.sensor;
  if (!s.polarization.empty()) j["polarization"] = s.polarization;
  j["image"] = {{"path", relativeIfBelow(s.image, baseDir)}, {"band", s.imageBand}, {"kind", toString(s.imageKind)}};
  j["radar_grid"] = {{"sensing_start", s.grid.sensingStart.iso(9)},
                     {"azimuth_time_interval", s.grid.azimuthTimeInterval},
                     {"starting_range", s.grid.startingRange},
                     {"range_pixel_spacing", s.grid.rangePixelSpacing},
                     {"wavelength", s.grid.wavelength},
                     {"look_side", toString(s.grid.lookSide)},
                     {"length", s.grid.length},
                     {"width", s.grid.width}};
  if (s.rangeBandwidth > 0) j["range_bandwidth_hz"] = s.rangeBandwidth;
  if (s.azimuthBandwidth > 0) j["azimuth_bandwidth_hz"] = s.azimuthBandwidth;
  if (s.calibrationConstantDb) j["calibration_constant_db"] = *s.calibrationConstantDb;
  json svs = json::array();
  for (const auto& sv : s.orbit.stateVectors())
    svs.push_back({{"time", sv.time.iso(9)}, {"position", vecJson(sv.position)}, {"velocity", vecJson(sv.velocity)}});
  j["orbit"] = {{"state_vectors", svs}};
  if (!s.doppler.empty()) {
    j["doppler"] = {{"range_start", s.doppler.xStart()},
                    {"range_spacing", s.doppler.xSpacing()},
                    {"time_start", s.doppler.epoch().plusSeconds(s.doppler.yStart()).iso(9)},
                    {"time_spacing", s.doppler.ySpacing()},
                    {"shape", {s.doppler.ny(), s.doppler.nx()}},
                    {"values", s.doppler.data()}};
  } else if (s.doppler.constant() != 0.0) {
    j["doppler"] = {{"constant_hz", s.doppler.constant()}};
  }
  return j;
}

SceneMetadata readSceneMetadata(const std::string& path) {
  const std::string text = readTextFile(path);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers such as 1e99999 (fuzzing)
    throw InvalidInput(std::string("not valid JSON: ") + e.what(), {path, "", ""});
  }
  const std::string abs = fs::absolute(path).string();
  return sceneFromJson(j, abs, fs::path(abs).parent_path().string());
}

void writeSceneMetadata(const std::string& path, const SceneMetadata& s) {
  const std::string dir = fs::absolute(path).parent_path().string();
  writeFileAtomic(path, sceneToJson(s, dir).dump(2) + "\n");
}

const SceneMetadata& Stack::scene(const std::string& id) const {
  for (const auto& s : scenes)
    if (s.id == id) return s;
  throw InvalidInput("no scene with this id in the stack", {path, "scene", id});
}

std::vector<std::string> Stack::platforms() const {
  std::vector<std::string> out;
  for (const auto& s : scenes)
    if (std::find(out.begin(), out.end(), s.platform) == out.end()) out.push_back(s.platform);
  return out;
}

namespace {
json tomlToJson(const toml::node& n) {
  if (auto t = n.as_table()) {
    json o = json::object();
    for (const auto& [k, v] : *t) o[std::string(k.str())] = tomlToJson(v);
    return o;
  }
  if (auto a = n.as_array()) {
    json arr = json::array();
    for (const auto& v : *a) arr.push_back(tomlToJson(v));
    return arr;
  }
  if (auto v = n.as_string()) return v->get();
  if (auto v = n.as_integer()) return v->get();
  if (auto v = n.as_floating_point()) return v->get();
  if (auto v = n.as_boolean()) return v->get();
  std::ostringstream ss;
  if (auto v = n.as_date_time()) ss << *v;
  else if (auto d = n.as_date()) ss << *d;
  else if (auto t = n.as_time()) ss << *t;
  return ss.str();
}

}  // namespace

void checkSceneImage(const SceneMetadata& s) {
  if (!fileExists(s.image)) throw IoError("image file not found", {s.metadataPath, "image.path", s.image});
  RasterReader r(s.image);
  const auto& info = r.info();
  if (info.length != s.grid.length || info.width != s.grid.width)
    throw InvalidInput("image size " + std::to_string(info.length) + " x " + std::to_string(info.width) +
                           " does not match the metadata " + std::to_string(s.grid.length) + " x " + std::to_string(s.grid.width),
                       {s.metadataPath, "radar_grid.length/width", s.image});
  if (s.imageBand > info.bands)
    throw InvalidInput("image has only " + std::to_string(info.bands) + " band(s)", {s.metadataPath, "image.band", std::to_string(s.imageBand)});
  if (s.imageKind == ImageKind::Slc && !isComplex(info.type))
    throw InvalidInput("image kind is \"slc\" but the raster is not complex (" + toString(info.type) + ")",
                       {s.metadataPath, "image.kind", s.image});
  if (s.imageKind != ImageKind::Slc && isComplex(info.type))
    throw InvalidInput("image kind is \"" + toString(s.imageKind) + "\" but the raster is complex; use \"slc\"",
                       {s.metadataPath, "image.kind", s.image});
}

Stack loadStack(const std::string& path, const StackCheck& check) {
  const std::string abs = fs::absolute(path).string();
  const std::string text = readTextFile(abs);
  toml::table tbl;
  try {
    tbl = toml::parse(text, abs);
  } catch (const toml::parse_error& e) {
    std::ostringstream ss;
    ss << e.description() << " at line " << e.source().begin.line << ", column " << e.source().begin.column;
    throw InvalidInput("not valid TOML: " + ss.str(), {abs, "", ""});
  }
  const json root = tomlToJson(tbl);
  const std::string base = fs::path(abs).parent_path().string();
  Stack st;
  st.path = abs;
  J j{root, abs, ""};
  const J s = j.sub("stack");
  if (s.j.is_object())
    for (const auto& [k, v] : s.j.items())
      if (k != "name" && k != "dem" && k != "output" && k != "precipitation" && k != "truth" && k != "scenes")
        throw InvalidInput("unknown key (expected name, dem, output, precipitation, truth, scenes)", {abs, "stack." + k, brief(v)});
  // A key above the first [section] header would belong to no section (and be lost on rewrite).
  for (const auto& [k, v] : root.items())
    if (k != "stack" && !v.is_object()) throw InvalidInput("key outside any [section] (put it below its section header)", {abs, k, brief(v)});
  st.name = s.strOr("name", fs::path(abs).stem().string());
  st.dem = resolve(s.str("dem"), base);
  if (!fileExists(st.dem)) throw IoError("DEM file not found", {abs, "stack.dem", st.dem});
  st.outputDir = resolve(s.strOr("output", "run"), base);
  if (s.has("precipitation")) {
    st.precipitation = resolve(s.str("precipitation"), base);
    if (!fileExists(st.precipitation)) throw IoError("precipitation file not found", {abs, "stack.precipitation", st.precipitation});
  }
  if (s.has("truth")) st.truthDir = resolve(s.str("truth"), base);
  const auto& scenes = s.at("scenes");
  if (!scenes.is_array() || scenes.empty())
    throw InvalidInput("expected a non-empty array of scene metadata files", {abs, "stack.scenes", brief(scenes)});
  std::set<std::string> ids;
  for (std::size_t i = 0; i < scenes.size(); ++i) {
    const std::string key = "stack.scenes[" + std::to_string(i) + "]";
    if (!scenes[i].is_string()) throw InvalidInput("expected a path", {abs, key, brief(scenes[i])});
    const std::string sp = resolve(scenes[i].get<std::string>(), base);
    if (!fileExists(sp)) throw IoError("scene metadata file not found", {abs, key, sp});
    SceneMetadata sc = readSceneMetadata(sp);
    if (!ids.insert(sc.id).second) throw InvalidInput("duplicate scene id", {sp, "id", sc.id});
    if (check.orbitCoverage) {
      const double t0 = sc.orbit.toSeconds(sc.grid.sensingStart);
      const double t1 = sc.orbit.toSeconds(sc.grid.sensingStop());
      if (!sc.orbit.covers(t0, t1))
        throw InvalidInput("orbit (" + sc.orbit.startDateTime().iso(3) + " .. " + sc.orbit.endDateTime().iso(3) +
                               ") does not cover the sensing time " + sc.grid.sensingStart.iso(3) + " .. " +
                               sc.grid.sensingStop().iso(3),
                           {sp, "orbit.state_vectors", ""});
    }
    if (check.images) checkSceneImage(sc);
    st.scenes.push_back(std::move(sc));
  }
  std::stable_sort(st.scenes.begin(), st.scenes.end(),
                   [](const SceneMetadata& a, const SceneMetadata& b) { return a.acquisitionTime() < b.acquisitionTime(); });
  for (const auto& [k, v] : root.items())
    if (k != "stack") st.params[k] = v;
  return st;
}

namespace {
// A TOML key: bare when it only holds A-Z a-z 0-9 _ -, else a quoted basic string.
std::string tomlKey(const std::string& k) {
  const bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
  return bare ? k : json(k).dump();
}

// A JSON value as a TOML value: scalars and arrays as JSON spells them (JSON's string escapes are
// TOML's), non-finite floats as TOML's nan/inf, objects as inline tables.
std::string tomlValue(const json& v) {
  if (v.is_number_float() && !std::isfinite(v.get<double>())) {
    const double d = v.get<double>();
    return std::isnan(d) ? "nan" : d > 0 ? "inf" : "-inf";
  }
  if (v.is_object()) {
    std::string s = "{ ";
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      s += (first ? "" : ", ") + tomlKey(k) + " = " + tomlValue(x);
      first = false;
    }
    return s + " }";
  }
  if (v.is_array()) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + tomlValue(v[i]);
    return s + "]";
  }
  return v.dump();
}
}  // namespace

void writeStack(const std::string& path, const Stack& st) {
  const std::string dir = fs::absolute(path).parent_path().string();
  std::ostringstream o;
  auto q = [](const std::string& s) { return json(s).dump(); };
  o << "# orthotrack stack file (see README: Input format)\n[stack]\n";
  o << "name = " << q(st.name) << "\n";
  o << "dem = " << q(relativeIfBelow(st.dem, dir)) << "\n";
  o << "output = " << q(relativeIfBelow(st.outputDir, dir)) << "\n";
  if (!st.precipitation.empty()) o << "precipitation = " << q(relativeIfBelow(st.precipitation, dir)) << "\n";
  if (!st.truthDir.empty()) o << "truth = " << q(relativeIfBelow(st.truthDir, dir)) << "\n";
  o << "scenes = [\n";
  for (const auto& s : st.scenes) o << "  " << q(relativeIfBelow(s.metadataPath, dir)) << ",\n";
  o << "]\n";
  for (const auto& [sec, vals] : st.params.items()) {
    if (!vals.is_object()) continue;
    o << "\n[" << tomlKey(sec) << "]\n";
    for (const auto& [k, v] : vals.items()) o << tomlKey(k) << " = " << tomlValue(v) << "\n";
  }
  writeFileAtomic(path, o.str());
}

}  // namespace orthotrack::io

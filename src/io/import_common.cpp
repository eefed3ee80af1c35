// Format detection, importProduct dispatch, scene JSON validation and stack building.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/io/import.hpp"
#include "orthotrack/io/import_ceos.hpp"
#include "orthotrack/io/import_nisar.hpp"

namespace fs = std::filesystem;

namespace orthotrack::io {
namespace {

std::string firstBytes(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<std::size_t>(in.gcount()));
  return s;
}

bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

bool isSceneJsonText(const std::string& head) {
  for (char c : head) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    return c == '{';
  }
  return false;
}

}  // namespace

std::string toString(ProductFormat f) {
  switch (f) {
    case ProductFormat::NisarRslc: return "nisar-rslc";
    case ProductFormat::AlosCeos: return "alos-ceos";
    default: return "scene-json";
  }
}

void ImportParams::validate() const {
  if (blockLines < 1) throw InvalidInput("must be >= 1", {"", "import.block_lines", std::to_string(blockLines)});
  if (!(maxImageGiB > 0) || !std::isfinite(maxImageGiB))
    throw InvalidInput("must be positive", {"", "import.max_image_gib", std::to_string(maxImageGiB)});
  for (const auto& f : frequencies)
    if (f != "A" && f != "B") throw InvalidInput("frequency must be \"A\" or \"B\"", {"", "import.frequencies", f});
  for (const auto& p : polarizations)
    if (p.size() != 2) throw InvalidInput("polarization must be two letters such as \"HH\"", {"", "import.polarizations", p});
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      throw InvalidInput("scene id may only hold letters, digits, '_', '-' and '.'", {"", "import.id", id});
}

std::string makeSceneId(const std::string& platform, const DateTime& t, const std::string& frequency,
                        const std::string& polarization) {
  std::string tag;
  for (char c : platform)
    if (std::isalnum(static_cast<unsigned char>(c))) tag += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (tag.empty()) tag = "SCENE";
  std::string id = tag + "_" + t.compactDate();
  if (!frequency.empty() && frequency != "A") id += "_" + frequency;
  if (!polarization.empty()) id += "_" + polarization;
  return id;
}

ProductFormat detectFormat(const std::string& input) {
  if (!fs::exists(input)) throw IoError("input not found", {input, "", ""});
  if (fs::is_directory(input)) {
    for (const auto& e : fs::directory_iterator(input))
      if (e.is_regular_file() && startsWith(e.path().filename().string(), "LED-")) return ProductFormat::AlosCeos;
    throw InvalidInput("folder holds no recognized product (expected a CEOS leader LED-*)", {input, "", ""});
  }
  const std::string name = fs::path(input).filename().string();
  if (isHdf5File(input)) return ProductFormat::NisarRslc;
  if (startsWith(name, "LED-") || startsWith(name, "IMG-")) return ProductFormat::AlosCeos;
  const std::string head = firstBytes(input, 64);
  if (isSceneJsonText(head)) return ProductFormat::SceneJson;
  if (startsWith(head, "PK\x03\x04")) throw InvalidInput("a zip archive: unpack it and import the folder", {input, "", ""});
  throw InvalidInput("unknown product format (expected NISAR RSLC HDF5, ALOS CEOS LED-/IMG- files, or a scene JSON)",
                     {input, "", ""});
}

SceneMetadata validateSceneJson(const std::string& path) {
  SceneMetadata s = readSceneMetadata(path);
  checkSceneImage(s);
  return s;
}

std::vector<SceneMetadata> importProduct(const std::string& input, const std::string& outDir, const ImportParams& params) {
  params.validate();
  const ProductFormat fmt = detectFormat(input);
  log::get("import")->info("{}: format {}", input, toString(fmt));
  switch (fmt) {
    case ProductFormat::NisarRslc: return importNisar(input, outDir, params);
    case ProductFormat::AlosCeos: return importCeos(input, outDir, params);
    default: {
      SceneMetadata s = validateSceneJson(input);
      if (!params.polarizations.empty() && !s.polarization.empty() &&
          std::find(params.polarizations.begin(), params.polarizations.end(), s.polarization) == params.polarizations.end())
        throw InvalidInput("scene polarization is not among the requested ones", {s.metadataPath, "polarization", s.polarization});
      return {s};
    }
  }
}

std::vector<std::string> findSceneFiles(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  auto isScene = [](const fs::path& p) {
    if (p.extension() != ".json") return false;
    try {
      const auto j = nlohmann::json::parse(readTextFile(p.string()));
      return j.is_object() && j.contains("orthotrack_scene");
    } catch (const nlohmann::json::exception&) {
      return false;
    }
  };
  for (const auto& in : inputs) {
    if (!fs::exists(in)) throw IoError("input not found", {in, "", ""});
    if (!fs::is_directory(in)) {
      out.push_back(fs::absolute(in).lexically_normal().string());
      continue;
    }
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(in)) {
      if (e.is_regular_file() && isScene(e.path())) found.push_back(fs::absolute(e.path()).lexically_normal().string());
      if (e.is_directory())
        for (const auto& e2 : fs::directory_iterator(e.path()))
          if (e2.is_regular_file() && isScene(e2.path())) found.push_back(fs::absolute(e2.path()).lexically_normal().string());
    }
    if (found.empty()) throw InvalidInput("folder holds no scene JSON (key \"orthotrack_scene\")", {in, "", ""});
    out.insert(out.end(), found.begin(), found.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Stack buildStack(const std::vector<std::string>& inputs, const std::string& dem, const BuildStackParams& p) {
  if (inputs.empty()) throw InvalidInput("no scenes given", {"", "stack.scenes", ""});
  if (p.name.empty()) throw InvalidInput("stack name must not be empty", {"", "stack.name", ""});
  if (dem.empty() || !fs::exists(dem)) throw IoError("DEM file not found", {dem, "stack.dem", dem});
  const std::string stackPath = fs::absolute(p.stackPath.empty() ? std::string("stack.toml") : p.stackPath).string();
  Stack st;
  st.path = stackPath;
  st.name = p.name;
  st.dem = fs::weakly_canonical(fs::absolute(dem)).string();
  st.outputDir = p.outputDir.empty() ? (fs::path(stackPath).parent_path() / "run").string()
                                     : fs::absolute(p.outputDir).lexically_normal().string();
  for (const auto& file : findSceneFiles(inputs)) {
    SceneMetadata s = validateSceneJson(file);
    const double t0 = s.orbit.toSeconds(s.grid.sensingStart), t1 = s.orbit.toSeconds(s.grid.sensingStop());
    if (!s.orbit.covers(t0, t1))
      throw InvalidInput("orbit (" + s.orbit.startDateTime().iso(3) + " .. " + s.orbit.endDateTime().iso(3) +
                             ") does not cover the sensing time " + s.grid.sensingStart.iso(3) + " .. " + s.grid.sensingStop().iso(3),
                         {file, "orbit.state_vectors", ""});
    if (!p.platforms.empty() && std::find(p.platforms.begin(), p.platforms.end(), s.platform) == p.platforms.end()) continue;
    if (!p.polarization.empty() && s.polarization != p.polarization) continue;
    st.scenes.push_back(std::move(s));
  }
  if (st.scenes.empty()) throw InvalidInput("no scene left after the platform/polarization selection", {"", "stack.scenes", ""});

  // Platforms in order of first acquisition; scenes grouped by platform, by time within a platform.
  std::map<std::string, DateTime> first;
  for (const auto& s : st.scenes) {
    auto it = first.find(s.platform);
    if (it == first.end() || s.acquisitionTime() < it->second) first[s.platform] = s.acquisitionTime();
  }
  std::stable_sort(st.scenes.begin(), st.scenes.end(), [&](const SceneMetadata& a, const SceneMetadata& b) {
    if (a.platform != b.platform) {
      const auto& fa = first.at(a.platform);
      const auto& fb = first.at(b.platform);
      return fa != fb ? fa < fb : a.platform < b.platform;
    }
    return a.acquisitionTime() < b.acquisitionTime();
  });
  std::set<std::string> ids;
  std::set<std::tuple<std::string, std::string, std::int64_t>> acq;
  for (const auto& s : st.scenes) {
    if (!ids.insert(s.id).second) throw InvalidInput("duplicate scene id", {s.metadataPath, "id", s.id});
    if (!acq.insert({s.platform, s.polarization, s.acquisitionTime().nanoseconds()}).second)
      throw InvalidInput("two scenes of platform " + s.platform + " and polarization " + s.polarization +
                             " at the same time " + s.acquisitionTime().iso(3) + " (imported twice?)",
                         {s.metadataPath, "id", s.id});
  }
  log::get("import")->info("stack {}: {} scene(s), {} platform(s)", st.name, st.scenes.size(), first.size());
  return st;
}

}  // namespace orthotrack::io

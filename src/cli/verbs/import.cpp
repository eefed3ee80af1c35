// `orthotrack import PRODUCT -o DIR` and `orthotrack stack DIR... -o stack.toml --dem DEM.tif`
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/amplitude.hpp"
#include "orthotrack/io/import.hpp"
#include "verbs.hpp"

namespace orthotrack::cli {
namespace {

class ImportVerb : public Verb {
 public:
  std::string name() const override { return "import"; }
  std::string help() const override {
    return "Import a NISAR/ISCE3 RSLC HDF5, an ALOS PALSAR-1/2 CEOS L1.1 product or a scene JSON into scenes of a stack";
  }
  void setup(CLI::App& cmd) override {
    cmd.add_option("product", input_, "Product file or folder (HDF5, LED-/IMG- files or their folder, scene JSON)")->required();
    cmd.add_option("-o,--out", out_, "Output folder (one sub-folder per scene)")->required();
    cmd.add_option("--frequency", p_.frequencies, "NISAR frequencies to import (A, B; default all)");
    cmd.add_option("--pol", p_.polarizations, "Polarizations to import (default all)");
    cmd.add_option("--platform", p_.platform, "Platform name to write (default from the product)");
    cmd.add_option("--id", p_.id, "Scene id (single-scene imports only)");
    cmd.add_flag("--amplitude", amplitude_,
                 "Detect the SLC: the scene's image becomes <id>.amp.tif (float32 amplitude, calibrated to sqrt(sigma0) "
                 "where the product carries a constant) and the complex GeoTIFF is not kept");
    cmd.add_option("--oversample", amp_.oversample, "With --amplitude: 1 or 2, oversampling before detection")->default_val(1);
    cmd.add_option("--looks", looks_, "With --amplitude: multi-look factors AZ,RG of the (oversampled) grid")->default_val("1,1");
  }
  int run() override {
    if (!amplitude_ && (amp_.oversample != 1 || looks_ != "1,1"))
      throw InvalidInput("--oversample and --looks need --amplitude", {"", "--amplitude", ""});
    if (amplitude_) {
      std::stringstream ss(looks_);
      char comma = 0;
      if (!(ss >> amp_.azimuthLooks >> comma >> amp_.rangeLooks) || comma != ',' || !ss.eof())
        throw InvalidInput("looks must be two positive integers AZ,RG (e.g. 4,2)", {"", "--looks", looks_});
      amp_.validate();
    }
    const bool copied = io::detectFormat(input_) != io::ProductFormat::SceneJson;
    auto scenes = io::importProduct(input_, out_, p_);
    if (amplitude_)
      for (auto& s : scenes) {
        const std::string dir = (std::filesystem::absolute(out_) / s.id).string();
        std::filesystem::create_directories(dir);
        const std::string slc = s.image;
        io::SceneMetadata a = io::writeAmplitude(s, dir + "/" + s.id + ".amp.tif", amp_);
        a.metadataPath = dir + "/" + s.id + ".json";
        io::writeSceneMetadata(a.metadataPath, a);
        if (copied && slc != a.image) std::filesystem::remove(slc);
        s = a;
      }
    for (const auto& s : scenes)
      std::printf("%s  %s  %s  %lld x %lld  %s\n", s.id.c_str(), s.platform.c_str(), s.acquisitionTime().iso(3).c_str(),
                  static_cast<long long>(s.grid.length), static_cast<long long>(s.grid.width), s.metadataPath.c_str());
    return 0;
  }

 private:
  std::string input_, out_, looks_;
  io::ImportParams p_;
  bool amplitude_ = false;
  io::AmplitudeParams amp_;
};

class StackVerb : public Verb {
 public:
  std::string name() const override { return "stack"; }
  std::string help() const override { return "Build a stack.toml from imported scenes (sorted by date, grouped by platform)"; }
  void setup(CLI::App& cmd) override {
    cmd.add_option("scenes", inputs_, "Scene JSON files or folders of imported scenes")->required();
    cmd.add_option("-o,--out", p_.stackPath, "Stack file to write")->required();
    cmd.add_option("--dem", dem_, "DEM (any GDAL raster)")->required();
    cmd.add_option("--name", p_.name, "Stack name")->default_val("stack");
    cmd.add_option("--output-dir", p_.outputDir, "Run folder (default: <stack folder>/run)");
    cmd.add_option("--platform", p_.platforms, "Keep only these platforms");
    cmd.add_option("--pol", p_.polarization, "Keep only this polarization");
  }
  int run() override {
    const auto st = io::buildStack(inputs_, dem_, p_);
    io::writeStack(p_.stackPath, st);
    std::printf("stack %s: %zu scenes on %zu platform(s)\n", p_.stackPath.c_str(), st.scenes.size(), st.platforms().size());
    return 0;
  }

 private:
  std::vector<std::string> inputs_;
  std::string dem_;
  io::BuildStackParams p_;
};

}  // namespace

std::unique_ptr<Verb> makeImportVerb() { return std::make_unique<ImportVerb>(); }
std::unique_ptr<Verb> makeStackVerb() { return std::make_unique<StackVerb>(); }

}  // namespace orthotrack::cli

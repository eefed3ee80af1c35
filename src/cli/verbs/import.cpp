// `orthotrack import PRODUCT -o DIR` and `orthotrack stack DIR... -o stack.toml --dem DEM.tif`
#include <cstdio>

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
  }
  int run() override {
    const auto scenes = io::importProduct(input_, out_, p_);
    for (const auto& s : scenes)
      std::printf("%s  %s  %s  %lld x %lld  %s\n", s.id.c_str(), s.platform.c_str(), s.acquisitionTime().iso(3).c_str(),
                  static_cast<long long>(s.grid.length), static_cast<long long>(s.grid.width), s.metadataPath.c_str());
    return 0;
  }

 private:
  std::string input_, out_;
  io::ImportParams p_;
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

// `orthotrack info STACK.toml`: validates a stack and prints a summary.
#include <cstdio>
#include <iostream>
#include <map>

#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/scene.hpp"
#include "orthotrack/workflow/products.hpp"
#include "orthotrack/core/error.hpp"
#include "verbs.hpp"

namespace orthotrack::cli {
namespace {

class InfoVerb : public Verb {
 public:
  std::string name() const override { return "info"; }
  std::string help() const override { return "Validate a stack.toml and print a summary (scenes, dates, sizes, DEM)"; }
  void setup(CLI::App& cmd) override {
    cmd.add_option("stack", stack_, "Stack file (stack.toml)")->required();
  }
  int run() override {
    const io::Stack st = io::loadStack(stack_);
    std::map<std::string, std::vector<const io::SceneMetadata*>> byPlatform;
    for (const auto& s : st.scenes) byPlatform[s.platform].push_back(&s);
    std::printf("stack      %s (%s)\n", st.name.c_str(), st.path.c_str());
    std::printf("scenes     %zu on %zu platform(s), %s .. %s\n", st.scenes.size(), byPlatform.size(),
                st.scenes.front().acquisitionTime().isoDate().c_str(), st.scenes.back().acquisitionTime().isoDate().c_str());
    for (const auto& p : st.platforms()) {
      const auto& v = byPlatform[p];
      const auto& g = v.front()->grid;
      std::printf("  %-10s %2zu scenes  %s .. %s  %lld x %lld px  wavelength %.7f m  range spacing %.3f m  PRF %.2f Hz  look %s\n",
                  p.c_str(), v.size(), v.front()->acquisitionTime().isoDate().c_str(),
                  v.back()->acquisitionTime().isoDate().c_str(), static_cast<long long>(g.length),
                  static_cast<long long>(g.width), g.wavelength, g.rangePixelSpacing, g.prf(), toString(g.lookSide).c_str());
    }
    const auto b = io::rasterBoundsLonLat(st.dem);
    std::printf("dem        %s  lon %.4f..%.4f  lat %.4f..%.4f\n", st.dem.c_str(), b.lonMin, b.lonMax, b.latMin, b.latMax);
    const auto fp = workflow::stackFootprint(st);
    std::printf("heights    %.0f .. %.0f m over the scenes\n", fp.demMinHeight, fp.demMaxHeight);
    std::string uncovered;
    for (const auto& f : fp.scenes) {
      std::printf("  %-24s footprint lon %.4f..%.4f lat %.4f..%.4f  DEM %s\n", f.id.c_str(), f.bounds.lonMin, f.bounds.lonMax,
                  f.bounds.latMin, f.bounds.latMax, f.demCovers ? "covers" : "DOES NOT COVER");
      if (!f.demCovers) uncovered += (uncovered.empty() ? "" : ", ") + f.id;
    }
    std::printf("output     %s\n", st.outputDir.c_str());
    if (!uncovered.empty())
      throw OutOfDomain("the DEM does not cover the footprint of: " + uncovered, {st.dem, "stack.dem", uncovered});
    if (!st.precipitation.empty()) std::printf("rain       %s\n", st.precipitation.c_str());
    std::printf("valid      yes\n");
    return 0;
  }

 private:
  std::string stack_;
};

}  // namespace

std::unique_ptr<Verb> makeInfoVerb() { return std::make_unique<InfoVerb>(); }

}  // namespace orthotrack::cli

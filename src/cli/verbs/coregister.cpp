// `orthotrack coregister STACK.toml [--out RUN_DIR] [--method improved|traditional] [--scene ID ...]
//  [--force] [--compare] [--memory 3G]`
#include <cstdio>

#include "orthotrack/workflow/run.hpp"
#include "verbs.hpp"

namespace orthotrack::cli {
namespace {

class CoregisterVerb : public Verb {
 public:
  std::string name() const override { return "coregister"; }
  std::string help() const override {
    return "Ortho-rectify the scenes of a stack onto the master grid (the paper's steps i-iii); --compare writes the "
           "improved and the traditional offset maps of the paper's Figure 1";
  }
  void setup(CLI::App& cmd) override {
    cmd.add_option("stack", p_.stackPath, "Stack file (stack.toml)")->required();
    cmd.add_option("--out,-o", p_.outDir, "Run folder (default: the stack's output folder); products go to <out>/coreg/");
    cmd.add_option("--method", p_.method, "improved (ortho-rectified, default) or traditional (amplitude-only, no DEM)")
        ->check(CLI::IsMember({"improved", "traditional"}));
    cmd.add_option("--scene", p_.scenes, "Scene id(s) to rectify (default: all); the master is always done");
    cmd.add_flag("--force", p_.force, "Redo scenes that are already done");
    cmd.add_flag("--compare", p_.compare,
                 "Also rectify the --scene(s) (default: the other platform's scene with the largest B_perp) by the "
                 "traditional method and write both offset maps against the master to <out>/coreg/compare/");
    cmd.add_option("--threads", p_.threads, "Threads (0 = all cores)")->default_val(0);
    cmd.add_option("--memory", memory_, "Memory budget (e.g. 512M, 2G): blocks are sized to it")->default_val("3G");
  }
  int run() override {
    p_.memoryBytes = parseMemorySize(memory_);
    capGdalCache(p_.memoryBytes);
    const auto s = workflow::coregisterScenes(p_);
    std::printf("run folder  %s\nmaster      %s\n", s.runDir.c_str(), s.master.c_str());
    for (const auto& id : s.processed) std::printf("  rectified %s\n", id.c_str());
    for (const auto& id : s.skipped) std::printf("  already done %s\n", id.c_str());
    for (const auto& c : s.comparisons) {
      std::printf("Figure 1  %s / %s, B_perp %.0f m: stable-ground offsets RMS improved %.3f px (systematic "
                  "%.3f), traditional %.3f px (%.3f)\n",
                  c.at("reference").get<std::string>().c_str(), c.at("secondary").get<std::string>().c_str(),
                  c.at("perpendicular_baseline_m").get<double>(), c["improved"]["rms_px"].get<double>(),
                  c["improved"]["rms_systematic_px"].get<double>(), c["traditional"]["rms_px"].get<double>(),
                  c["traditional"]["rms_systematic_px"].get<double>());
      std::printf("          maps: %s/coreg/compare/%s.improved.tif, .traditional.tif\n", s.runDir.c_str(),
                  c.at("secondary").get<std::string>().c_str());
    }
    return 0;
  }

 private:
  workflow::CoregisterParams p_;
  std::string memory_;
};

}  // namespace

std::unique_ptr<Verb> makeCoregisterVerb() { return std::make_unique<CoregisterVerb>(); }

}  // namespace orthotrack::cli

// `orthotrack simulate --out DIR [--preset baige] [--size tiny|small|medium|full] [--seed N] [--scenes LIST]`
#include <cstdio>

#include "orthotrack/simulate/simulate.hpp"
#include "verbs.hpp"

namespace orthotrack::cli {
namespace {

class SimulateVerb : public Verb {
 public:
  std::string name() const override { return "simulate"; }
  std::string help() const override {
    return "Simulate a two-platform SAR stack of a Baige-like landslide (stack.toml + truth/)";
  }
  void setup(CLI::App& cmd) override {
    cmd.add_option("--out,-o", p_.outDir, "Output folder")->required();
    cmd.add_option("--preset", p_.preset, "Scenario preset")->default_val("baige");
    cmd.add_option("--size", size_,
                   "tiny (256x256 master px, tests), small (1000x1000), medium (3000x3000), full (10000x10000)")
        ->default_val("small")
        ->check(CLI::IsMember({"tiny", "small", "medium", "full"}));
    cmd.add_option("--seed", p_.seed, "Random seed (same seed, same stack)")->default_val(20181011);
    cmd.add_option("--scenes", p_.scenes,
                   "Only these scenes, comma-separated ids (ALOS1_20100225) or dates (20100225); the master "
                   "ALOS2_20161003 is always included. Default: all 28")
        ->delimiter(',');
    cmd.add_option("--threads", p_.threads, "Threads (0 = all cores)")->default_val(0);
    cmd.add_flag("--noise-free", p_.noiseFreeTexture, "No speckle and no thermal noise (texture only; for tests)");
  }
  int run() override {
    p_.size = simulate::parseSimSize(size_);
    const auto s = simulate::simulateStack(p_);
    std::printf("stack   %s\ntruth   %s\nmaster  %s\nscenes  %zu (%s .. %s)\ntime    %.1f s\n", s.stackPath.c_str(),
                s.truthDir.c_str(), s.masterId.c_str(), s.sceneIds.size(), s.dates.front().isoDate().c_str(),
                s.dates.back().isoDate().c_str(), s.seconds);
    return 0;
  }

 private:
  simulate::SimParams p_;
  std::string size_ = "small";
};

}  // namespace

std::unique_ptr<Verb> makeSimulateVerb() { return std::make_unique<SimulateVerb>(); }

}  // namespace orthotrack::cli

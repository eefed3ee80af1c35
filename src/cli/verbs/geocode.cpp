// `orthotrack geocode RUN_DIR [--force] [--threads N]`
#include "orthotrack/workflow/run.hpp"
#include "verbs.hpp"

namespace orthotrack::cli {
namespace {

class GeocodeVerb : public Verb {
 public:
  std::string name() const override { return "geocode"; }
  std::string help() const override {
    return "Geocode the time-series products of a run directory to its map grid ([geocode] posting_deg); the invert step "
           "must be complete";
  }
  void setup(CLI::App& cmd) override {
    cmd.add_option("run_dir", runDir_, "Run directory (holds manifest.json)")->required();
    cmd.add_flag("--force", force_, "Rerun the step even when it is complete");
    cmd.add_option("--threads", threads_, "Threads (0 = all cores)")->default_val(0);
  }
  int run() override {
    printStepRun(workflow::runStep(runDir_, "geocode", force_, threads_), "geocode");
    return 0;
  }

 private:
  std::string runDir_;
  bool force_ = false;
  int threads_ = 0;
};

}  // namespace

std::unique_ptr<Verb> makeGeocodeVerb() { return std::make_unique<GeocodeVerb>(); }

}  // namespace orthotrack::cli

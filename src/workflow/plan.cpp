// planNetwork: the pair network of a stack without running it (`orthotrack pairs`).
#include <filesystem>

#include "context.hpp"
#include "orthotrack/coreg/master.hpp"
#include "orthotrack/core/log.hpp"

namespace orthotrack::workflow {
using namespace detail;

NetworkPlan planNetwork(const std::string& stackPath, std::optional<bool> allowDisconnected) {
  Context ctx;
  ctx.rp.stackPath = stackPath;
  // Metadata suffice: the images are not opened (a stack of metadata can be planned).
  ctx.stack = io::loadStack(stackPath, io::StackCheck{false, true});
  ctx.run = ctx.stack.outputDir;
  ctx.cfg = std::make_unique<Config>(ctx.stack.params, ctx.stack.path);
  readConfig(ctx);
  if (allowDisconnected) ctx.netParams.allowDisconnected = *allowDisconnected;

  NetworkPlan plan;
  plan.master = coreg::selectMasters(ctx.stack.scenes, ctx.masterParams).finalMaster;
  const auto& master = ctx.stack.scene(plan.master);
  std::vector<network::Scene> scenes;
  for (const auto& s : ctx.stack.scenes) {
    double bperp = 0.0;
    if (s.id != master.id) {
      try {
        bperp = coreg::pairBaseline(master, s, ctx.masterParams.heightM).perpendicular;
      } catch (const OutOfDomain& e) {
        throw OutOfDomain("cannot compute the perpendicular baseline to the master " + master.id + ": " + e.message(),
                          {s.metadataPath, "orbit", s.id});
      }
    }
    scenes.push_back({s.id, s.platform, s.acquisitionTime(), bperp});
  }
  try {
    plan.network = network::buildNetwork(std::move(scenes), ctx.netParams);
  } catch (const InvalidInput& e) {
    if (!e.context().file.empty()) throw;
    throw InvalidInput(e.message(), {ctx.stack.path, e.context().key, e.context().value});
  }
  log::get("pairs")->info("{} pairs on {} scenes (master {})", plan.network.pairs.size(), plan.network.scenes.size(), plan.master);
  return plan;
}

}  // namespace orthotrack::workflow

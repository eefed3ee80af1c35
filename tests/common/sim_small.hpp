#pragma once
// The simulated small stack shared by the slow tests (`<build>/sim_small`, CTest RESOURCE_LOCK
// sim_small): simulated once, and again when it is missing, incomplete, or was written by another
// simulator version (truth.json's simulator_version). OT_SIM_SMALL overrides the folder.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/simulate/simulate.hpp"

namespace orthotrack::test {

inline std::string simSmallDir() {
  namespace fs = std::filesystem;
  const char* env = std::getenv("OT_SIM_SMALL");
  const std::string dir = env ? std::string(env) : std::string(ORTHOTRACK_BINARY_DIR) + "/sim_small";
  bool fresh = fs::exists(dir + "/stack.toml") && fs::exists(dir + "/truth/truth.json");
  if (fresh) {
    const auto t = nlohmann::json::parse(io::readTextFile(dir + "/truth/truth.json"), nullptr, false);
    fresh = !t.is_discarded() && t.value("simulator_version", 0) == simulate::kSimulatorVersion && t.contains("scenes") &&
            t["scenes"].size() == 28;
  }
  if (!fresh) {
    fs::remove_all(dir);
    simulate::SimParams p;
    p.outDir = dir;
    p.size = simulate::SimSize::Small;
    simulate::simulateStack(p);
  }
  return dir;
}

}  // namespace orthotrack::test

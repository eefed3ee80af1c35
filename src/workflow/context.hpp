#pragma once
// State shared by the steps of one run.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "manifest.hpp"
#include "orthotrack/coreg/coreg.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/range_doppler.hpp"
#include "orthotrack/io/scene.hpp"
#include "orthotrack/network/network.hpp"
#include "orthotrack/offsets/offsets.hpp"
#include "orthotrack/timeseries/sbas.hpp"
#include "orthotrack/workflow/run.hpp"

namespace orthotrack::workflow::detail {

struct NamedPoint {
  std::string name;
  double lon = 0, lat = 0;  // degrees
};

struct StepResult {
  std::vector<std::string> outputs;  // relative to the run directory
  nlohmann::json quality = nlohmann::json::object();
};

struct Context {
  RunParams rp;
  io::Stack stack;
  std::string run;  // absolute run directory
  std::unique_ptr<Config> cfg;
  coreg::CoregParams coregParams;
  coreg::MasterParams masterParams;
  network::NetworkParams netParams;
  offsets::OffsetParams offParams;
  timeseries::InversionParams invParams;
  double geoPostingDeg = 1.0 / 1800.0;
  double sigmaFloorPx = 0.05;
  std::vector<NamedPoint> points;
  std::string slidePolygon;  // GeoJSON path ("" = none)
  nlohmann::json stepParams = nlohmann::json::object();  // per step, what the manifest compares

  // Loaded lazily from the co-registration products.
  std::string masterId;
  geometry::SceneGeometry masterGeometry;  // corrected by the DEM co-registration
  void loadMaster();
  std::string rel(const std::string& abs) const;
  void progress(const std::string& step, std::int64_t done, std::int64_t total) const {
    if (rp.progress) rp.progress(step, done, total);
  }
};

/// Reads the processing sections of the stack into the context (validating every key).
void readConfig(Context& ctx);

StepResult stepCoregister(Context& ctx);
StepResult stepPairs(Context& ctx);
StepResult stepOffsets(Context& ctx);
StepResult stepInvert(Context& ctx);
StepResult stepGeocode(Context& ctx);
StepResult stepAnalysis(Context& ctx);
StepResult stepReport(Context& ctx);

/// Network of the run (from network/network.json).
struct RunNetwork {
  std::vector<std::string> ids, platforms;
  std::vector<DateTime> dates;
  std::vector<double> bperp;
  std::vector<std::pair<int, int>> pairs;
  std::vector<std::string> categories;
};
RunNetwork readRunNetwork(const Context& ctx);
std::string offsetsPath(const Context& ctx, const std::string& a, const std::string& b);

}  // namespace orthotrack::workflow::detail

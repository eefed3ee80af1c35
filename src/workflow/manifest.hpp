#pragma once
// The run manifest: one JSON file recording every step (parameters, outputs with sizes, timings,
// quality). Written atomically after every change.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace orthotrack::workflow::detail {

class Manifest {
 public:
  Manifest(const std::string& runDir, const nlohmann::json& header);
  /// True if `step` is recorded complete with the same parameters and all its outputs exist with the
  /// recorded sizes.
  bool isComplete(const std::string& step, const nlohmann::json& params) const;
  void invalidate(const std::string& step);
  /// Records a completed step; `outputs` are paths relative to the run directory.
  void complete(const std::string& step, const nlohmann::json& params, const std::vector<std::string>& outputs,
                double seconds, const nlohmann::json& quality);
  const nlohmann::json& json() const { return j_; }
  nlohmann::json step(const std::string& name) const;

 private:
  void save() const;
  std::string dir_, path_;
  nlohmann::json j_;
};

}  // namespace orthotrack::workflow::detail

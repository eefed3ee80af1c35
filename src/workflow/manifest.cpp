#include "manifest.hpp"

#include <filesystem>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace fs = std::filesystem;

namespace orthotrack::workflow::detail {

Manifest::Manifest(const std::string& runDir, const nlohmann::json& header) : dir_(runDir), path_(runDir + "/manifest.json") {
  if (fs::exists(path_)) {
    try {
      j_ = nlohmann::json::parse(io::readTextFile(path_));
    } catch (const nlohmann::json::exception&) {
      j_ = nlohmann::json::object();  // a corrupt manifest means nothing is trusted: everything reruns
    }
  }
  if (!j_.is_object()) j_ = nlohmann::json::object();
  for (const auto& [k, v] : header.items()) j_[k] = v;
  if (!j_.contains("steps") || !j_["steps"].is_object()) j_["steps"] = nlohmann::json::object();
  save();
}

bool Manifest::isComplete(const std::string& step, const nlohmann::json& params) const {
  const auto& steps = j_["steps"];
  if (!steps.contains(step)) return false;
  const auto& s = steps[step];
  if (s.value("status", "") != "complete") return false;
  if (s.value("params", nlohmann::json()) != params) return false;
  if (!s.contains("outputs")) return false;
  for (const auto& [rel, size] : s["outputs"].items()) {
    const fs::path p = fs::path(dir_) / rel;
    std::error_code ec;
    if (!fs::exists(p, ec)) return false;
    if (fs::is_regular_file(p) && static_cast<std::int64_t>(fs::file_size(p, ec)) != size.get<std::int64_t>()) return false;
  }
  return true;
}

void Manifest::invalidate(const std::string& step) {
  if (j_["steps"].contains(step)) {
    j_["steps"][step]["status"] = "invalidated";
    save();
  }
}

void Manifest::complete(const std::string& step, const nlohmann::json& params, const std::vector<std::string>& outputs,
                        double seconds, const nlohmann::json& quality) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& rel : outputs) {
    const fs::path p = fs::path(dir_) / rel;
    std::error_code ec;
    if (!fs::exists(p, ec)) throw IoError("step output missing after the step finished", {p.string(), step, ""});
    out[rel] = fs::is_regular_file(p) ? static_cast<std::int64_t>(fs::file_size(p)) : 0;
  }
  j_["steps"][step] = {{"status", "complete"},
                       {"finished", DateTime::fromNanoseconds(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch()).count()).iso(0) + "Z"},
                       {"seconds", seconds},
                       {"params", params},
                       {"outputs", out},
                       {"quality", quality}};
  save();
}

nlohmann::json Manifest::step(const std::string& name) const {
  return j_["steps"].contains(name) ? j_["steps"][name] : nlohmann::json();
}

void Manifest::save() const { io::writeFileAtomic(path_, j_.dump(1) + "\n"); }

}  // namespace orthotrack::workflow::detail

#pragma once
/// `orthotrack run`: the whole method of the paper on a stack, step by step, resumable.
///
/// Steps (in order): coregister (master selection, DEM co-registration, ortho-rectification of
/// every scene), pairs (network), offsets (every pair), invert (2-D SBAS time series), geocode,
/// analysis (points, stages, forecast, triggers, backscatter, 3-D), report. Each step writes its
/// products atomically and records itself in `<run>/manifest.json` (parameters, software version,
/// timings, outputs with sizes, quality figures). Rerunning skips steps whose record is complete,
/// whose parameters are unchanged and whose outputs are present with the recorded sizes; `fromStep`
/// forces a step and everything after it. The run directory layout is in docs/run_directory.md.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace orthotrack::workflow {

/// Step names in execution order.
const std::vector<std::string>& stepNames();

struct RunParams {
  std::string stackPath;
  std::string outDir;          ///< "" = the stack's output folder
  std::string method;          ///< "" = [coreg] method or "improved"; "improved" | "traditional"
  std::string fromStep;        ///< "" = resume; else force this step and the later ones
  std::string untilStep;       ///< "" = run to the end; else stop after this step
  int threads = 0;             ///< 0 = all cores
  /// Progress callback (step, done, total); the CLI draws a bar or log lines.
  std::function<void(const std::string&, std::int64_t, std::int64_t)> progress;
};

struct StepRecord {
  std::string name;
  bool skipped = false;  ///< already complete
  double seconds = 0;
};

struct RunSummary {
  std::string runDir;
  std::string reportPath;  ///< "" when the report step did not run
  std::vector<StepRecord> steps;
  nlohmann::json summary;  ///< analysis/summary.json (when the analysis step ran or was complete)
};

/// Runs (or resumes) a stack. Throws InvalidInput for bad configuration (naming the stack file,
/// key and value), IoError/OutOfDomain/NoConvergence from the steps.
RunSummary runStack(const RunParams& params);

/// Rewrites the report of an existing run directory (its manifest names the stack); earlier steps
/// that are complete are not rerun. IoError when RUN_DIR has no manifest.
RunSummary reportRun(const std::string& runDir);

}  // namespace orthotrack::workflow

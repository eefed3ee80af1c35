#pragma once
/// `orthotrack run`: the whole method of the paper on a stack, step by step, resumable.
///
/// Steps (in order): coregister (master selection, DEM co-registration, ortho-rectification of
/// every scene), pairs (network), offsets (every pair), invert (2-D SBAS time series), geocode,
/// analysis (points, stages, forecast, triggers, backscatter, 3-D), report. Each step writes its
/// products atomically and records itself in `<run>/manifest.json` (parameters, software version,
/// timings, outputs with sizes and FNV-1a checksums, quality figures). Rerunning skips steps whose
/// record is complete, whose parameters are unchanged and whose outputs match the recorded size and
/// checksum; `fromStep`
/// forces a step and everything after it. The run directory layout is in docs/run_directory.md.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orthotrack/network/network.hpp"
#include "orthotrack/workflow/team.hpp"

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
  /// Memory budget (bytes) of the steps (`--memory`): each step sizes its blocks of rows from it,
  /// so the peak resident memory follows it rather than the scene size (docs/benchmarks.md).
  std::size_t memoryBytes = std::size_t{3} << 30;
  /// Run only `untilStep`: every earlier step must already be complete (InvalidInput naming the
  /// first one that is not); set by runStep.
  bool requireEarlierComplete = false;
  /// `--shard i/n` (docs/cluster.md): co-register this job's share of the scenes and compute its
  /// share of the pairs (plus the scenes they need that no running job is doing), skipping items
  /// already done, then stop; shard jobs share the run folder and never write the manifest.
  Shard shard;
  /// The processes sharing the run: nullptr = processTeam() (the MPI world under mpirun, else this
  /// process alone). Rank 0 writes the manifest and every shared file.
  Team* team = nullptr;
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

/// `orthotrack invert RUN_DIR`, `orthotrack geocode RUN_DIR`: runs one step of an existing run
/// directory (its manifest names the stack). Every earlier step must be complete (InvalidInput
/// naming the first that is not); the step is skipped when it is complete with unchanged
/// parameters and outputs (StepRecord::skipped), unless `force`. IoError when RUN_DIR has no
/// manifest; InvalidInput for an unknown step.
RunSummary runStep(const std::string& runDir, const std::string& step, bool force = false, int threads = 0);

/// The pair network `orthotrack run` selects for a stack (the [network] section; the master from
/// [coreg] or automatic), with each scene's perpendicular baseline to the master computed from the
/// orbits (m, at the master scene centre on the ellipsoid; no co-registration needed).
/// `allowDisconnected` overrides network.allow_disconnected when set. Throws InvalidInput for bad
/// configuration or (unless allowed) a disconnected network.
struct NetworkPlan {
  network::Network network;
  std::string master;  ///< scene id the baselines refer to
};
NetworkPlan planNetwork(const std::string& stackPath, std::optional<bool> allowDisconnected = std::nullopt);

/// `orthotrack coregister`: master selection, DEM co-registration and ortho-rectification of the
/// scenes of a stack (all, or `scenes`) into `<out>/coreg/`, skipping scenes already done unless
/// `force`; with `compare`, also the paper's Figure 1 for each of `scenes` (default: the scene of
/// the other platform with the largest perpendicular baseline): the scene rectified by the
/// traditional method and the offsets of both against the master under `<out>/coreg/compare/`.
/// This does not touch the run manifest: a later `orthotrack run` redoes its coregister step.
struct CoregisterParams {
  std::string stackPath;
  std::string outDir;  ///< "" = the stack's output folder
  std::string method;  ///< "" = [coreg] method; "improved" | "traditional"
  std::vector<std::string> scenes;
  bool force = false;
  bool compare = false;
  int threads = 0;
  std::size_t memoryBytes = std::size_t{3} << 30;  ///< bytes; see RunParams::memoryBytes
};
struct CoregisterSummary {
  std::string runDir, master;
  std::vector<std::string> processed, skipped;
  nlohmann::json comparisons = nlohmann::json::array();  ///< coreg/compare/<id>.json of each comparison
};
CoregisterSummary coregisterScenes(const CoregisterParams& params);

}  // namespace orthotrack::workflow

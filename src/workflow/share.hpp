#pragma once
// How one process takes its share of a run's work items (docs/cluster.md, docs/run_directory.md):
// scenes of the coregister step, pairs of the offsets step and row blocks of the inversion, across
// the ranks of a Team (MPI) or as one `--shard i/n` of independent jobs; and the per-item done
// markers that let a resumed, sharded or distributed run skip finished items.
//
// Done marker of an item: `<product>.done.json` beside its products (coreg/<ID>.done.json,
// offsets/<ID1>__<ID2>.done.json) = {"item", "params" (FNV-1a 64 of the step's parameters and the
// item's inputs), "outputs" {path: {bytes, fnv1a64}}, "quality"}. An item is done when its marker
// has the current parameter hash and every output matches its record (size and checksum, read
// back): a truncated or altered product is never taken as done.
//
// Who writes what: products of an item are written only by the process that computes it (one rank,
// or the shard holding the item's claim); files shared by the run (coreg/master.json,
// network/*, timeseries/*, the manifest) only by the coordinator (rank 0 of a run that is not a
// shard). Processes that are not the coordinator co-register into a private scratch folder
// (`<run>/.work/<host>-<pid>/`) and move their scenes' products into place. Shard jobs publish
// master.json and the network from their scratch folder under `<run>/.work/publish.lock`, only when
// the bytes differ (they are a function of the stack and the parameters).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orthotrack/coreg/coreg.hpp"
#include "orthotrack/timeseries/sbas.hpp"
#include "orthotrack/workflow/team.hpp"

namespace orthotrack::workflow::detail {

struct Context;
struct StepResult;

/// Reads a marker and checks it: "" when it names `paramsHash` and every output (relative to
/// `runDir`) matches its record, else the reason ("no marker", "parameters changed", "<path>: …").
std::string checkDoneMarker(const std::string& runDir, const std::string& markerPath, const std::string& paramsHash);
/// Writes a marker (atomically) for `outputs` (relative to `runDir`; their records are read from
/// the files now), with `quality` kept for the step's manifest record.
void writeDoneMarker(const std::string& runDir, const std::string& markerPath, const std::string& item,
                     const std::string& paramsHash, const std::vector<std::string>& outputs,
                     const nlohmann::json& quality = nlohmann::json::object());
/// FNV-1a 64 of a JSON value's compact text (16 hex digits).
std::string hashJson(const nlohmann::json& j);

/// Rows [begin, end) of a raster of `length` rows that rank `rank` of `size` inverts: consecutive
/// blocks, cut at multiples of `blockRows` (the inversion's own blocks, so that pixels are grouped
/// as in one process and the results are bit-identical).
struct RowRange {
  std::int64_t begin = 0, end = 0;
};
RowRange rowShare(std::int64_t length, std::int64_t blockRows, int rank, int size);

/// An exclusive flock on `<run>/.work/claims/<name>.lock` while an item is computed by a shard
/// job; released on destruction or when the process dies.
class ItemClaim {
 public:
  /// Takes the claim; nullptr when another process holds it (wait = false), or after waiting for
  /// it to be released (wait = true, then a claim is always returned).
  static std::unique_ptr<ItemClaim> take(const std::string& runDir, const std::string& name, bool wait);
  ~ItemClaim();
  ItemClaim(const ItemClaim&) = delete;
  ItemClaim& operator=(const ItemClaim&) = delete;

 private:
  explicit ItemClaim(int fd) : fd_(fd) {}
  int fd_ = -1;
};

class WorkShare {
 public:
  WorkShare(Context& ctx, Team& team, Shard shard);
  ~WorkShare();
  WorkShare(const WorkShare&) = delete;
  WorkShare& operator=(const WorkShare&) = delete;

  Team& team() { return team_; }
  /// Rank 0 of a run that is not a shard: writes the shared files and the manifest.
  bool coordinator() const { return !shard_.active() && team_.isRoot(); }
  const Shard& shard() const { return shard_; }
  /// Set by the run for a step forced by --from: done items are computed again.
  bool forceItems = false;

  // ---- coregister ----------------------------------------------------------------------------
  /// Co-registers this process's share of the scenes that are not done (collective: every rank
  /// calls it), then, on the coordinator, returns the summary of the whole stack read back from
  /// coreg/master.json and the scene reports (the same whichever process did which scene);
  /// std::nullopt on the other processes.
  std::optional<coreg::StackCoregSummary> coregister();
  /// Shard jobs: co-registers (or waits for the job co-registering it) every scene that the pairs
  /// of this shard need, so that the job can compute its pairs without waiting for jobs that may
  /// not be running. Needs the network (network/network.json).
  void ensureScenesOfPairs();
  /// Shard jobs: the pair network (network/network.json, pairs.csv) computed in the scratch folder
  /// and published (stepPairs on the current coreg/master.json).
  void network();
  /// The master id chosen for the stack's parameters.
  const std::string& masterId();

  // ---- offsets -------------------------------------------------------------------------------
  /// Decides which pairs are this process's (collective). Called by the run before the offsets step.
  void planPairs();
  /// At the top of the offsets loop: first records the done marker of the pair taken before (the
  /// loop body ran to its end, so its product was written; stats.back() is its quality entry),
  /// then says whether pair `k` (network order) is this process's to compute.
  bool takePair(std::size_t k, const nlohmann::json& stats);
  /// After the offsets loop (collective): records the last pair's marker, waits for every rank and,
  /// on the coordinator, sets r.outputs and r.quality to those of every pair of the network.
  void endPairs(StepResult& r, const nlohmann::json& stats);
  /// Pairs computed by this process in the offsets step.
  int pairsComputed() const { return pairsComputed_; }
  int scenesComputed() const { return scenesComputed_; }

  // ---- invert --------------------------------------------------------------------------------
  /// This rank's rows of an offset grid of `length` rows (all rows in one process).
  RowRange rows(std::int64_t length) const;
  /// The noise filter of the inversion on this rank's rows: the field's noise from the whole field
  /// (fieldNoise), the filter on the rows and a halo of size/2 rows; other rows are left as they are.
  Raster<float> filterRows(const Raster<float>& v, int size, int minValid, double flatness) const;
  /// Gathers every rank's inverted rows into the full result on the coordinator (collective).
  /// False on the other ranks (they have nothing more to do in the step).
  bool gatherRows(timeseries::InversionResult& res, std::int64_t length, std::int64_t width);

 private:
  struct PairItem {
    std::string a, b, hash;
    bool done = false, mine = false;
  };
  std::string sceneHash(const std::string& id);
  std::string pairHash(const std::string& a, const std::string& b);
  /// Done-ness of items `0..n-1` by `check(i)` ("" = done), the checks spread over the ranks.
  std::vector<bool> doneItems(std::size_t n, const std::function<std::string(std::size_t)>& check);
  /// Co-registers `ids` (not done) here: into the run folder on the coordinator, else into the
  /// scratch folder and moved into place; writes their markers.
  void computeScenes(const std::vector<std::string>& ids, bool needMasterJson);
  void publishShared(const std::string& rel);
  bool masterJsonCurrent() const;
  std::string scratch();
  void finishTakenPair(const nlohmann::json& stats);

  Context& ctx_;
  Team& team_;
  Shard shard_;
  std::string masterId_, scratch_;
  std::vector<PairItem> pairs_;
  std::optional<std::size_t> taken_;
  std::unique_ptr<ItemClaim> takenClaim_;
  int pairsComputed_ = 0, scenesComputed_ = 0;
};

}  // namespace orthotrack::workflow::detail

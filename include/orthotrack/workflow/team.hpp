#pragma once
/// The processes that share one `orthotrack run`: a "team" of ranks (MPI under `mpirun`, one
/// process otherwise) and the `--shard i/n` share of independent jobs. The workflow sees only this
/// abstract interface; the MPI implementation lives in src/workflow/distribute_mpi.cpp and is built
/// only when CMake finds MPI (ORTHOTRACK_WITH_MPI). docs/cluster.md describes the design.
///
/// Failure rule: every data exchange (broadcast, gather) is preceded by `guard`, which runs some
/// work on every rank and then agrees on whether all succeeded. After a failure every rank leaves
/// by an exception (the failing rank's own error, a PeerFailure on the others) without another
/// collective call, so that no rank waits for a peer that will never come.
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace orthotrack::workflow {

/// One share of the work of independent jobs (`--shard i/n`): job `index` (1-based) of `count`.
/// Inactive (count 0) by default.
struct Shard {
  int index = 0;
  int count = 0;
  bool active() const { return count > 0; }
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};
/// Parses "i/n" with 1 <= i <= n <= 100000. Throws InvalidInput naming `--shard` and the value.
Shard parseShard(const std::string& text);

/// Thrown on the ranks that did not fail when another rank failed: the failing rank, its exit code
/// (2 bad input, 3 I/O, 4 out of domain, 5 no convergence, 1 internal) and its message.
class PeerFailure : public std::runtime_error {
 public:
  PeerFailure(int rank, int exitCode, const std::string& message);
  int rank() const { return rank_; }
  int exitCode() const { return code_; }

 private:
  int rank_, code_;
};

/// Exit code of an exception as the CLI maps it (InvalidInput 2, IoError 3, OutOfDomain 4,
/// NoConvergence 5, PeerFailure its own, anything else 1).
int exitCodeOf(const std::exception& e);

class Team {
 public:
  virtual ~Team() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Ranks of the team on this node (the default thread count is the cores divided by this).
  virtual int localSize() const = 0;
  /// Copies `bytes` of rank `root` into `bytes` of every rank.
  virtual void broadcast(std::string& bytes, int root) = 0;
  /// Every rank's `bytes`, in rank order, on `root`; an empty vector on the other ranks.
  virtual std::vector<std::string> gather(const std::string& bytes, int root) = 0;
  /// Every rank's `bytes`, in rank order, on every rank.
  virtual std::vector<std::string> allgather(const std::string& bytes) = 0;
  /// The largest of every rank's `value`, on every rank (also a barrier).
  virtual int allreduceMax(int value) = 0;

  bool isRoot() const { return rank() == 0; }
  void barrier() { (void)allreduceMax(0); }
  /// Runs `work` on this rank, then agrees with every rank on whether all succeeded. On success
  /// returns on every rank. On failure: the failing rank rethrows its exception, every other rank
  /// throws PeerFailure with the lowest failing rank's exit code and message; from then on guard
  /// rethrows at once (no further collective call).
  void guard(const std::function<void()>& work);
  /// True once a failure was agreed (every rank knows it): the process may end normally.
  bool failureAgreed() const { return failureAgreed_; }

 private:
  bool failureAgreed_ = false;
};

/// One process alone (rank 0 of 1): every collective is a copy.
class SerialTeam : public Team {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int localSize() const override { return 1; }
  void broadcast(std::string&, int) override {}
  std::vector<std::string> gather(const std::string& bytes, int) override { return {bytes}; }
  std::vector<std::string> allgather(const std::string& bytes) override { return {bytes}; }
  int allreduceMax(int value) override { return value; }
};

/// True when this binary was built with MPI.
bool builtWithMpi();
/// True when the environment says the process was started by an MPI launcher (mpirun, mpiexec,
/// srun with PMI/PMIx): OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_SIZE is set.
bool launchedByMpi();
/// The team of this process: the MPI world after initProcessTeam under a launcher, else a serial team.
Team& processTeam();
/// Initializes MPI when launchedByMpi() and builtWithMpi(); else (or when MPI is not wanted) the
/// process team stays serial. A binary without MPI started by mpirun runs as N independent serial
/// processes, so it refuses (InvalidInput) when the launcher says there is more than one rank.
Team& initProcessTeam(int& argc, char**& argv);
/// Ends the process team and returns `exitCode`: MPI_Finalize after success or an agreed failure;
/// MPI_Abort(exitCode) after an error that only this rank saw (no peer is left waiting).
int finishProcessTeam(int exitCode);

namespace detail {
/// Implemented in distribute_mpi.cpp when built with MPI (nullptr / no-ops otherwise).
Team* initMpiTeam(int& argc, char**& argv);
void finalizeMpi(bool abort, int exitCode);
}  // namespace detail

}  // namespace orthotrack::workflow

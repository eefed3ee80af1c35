// The serial team, the failure agreement shared by every team, `--shard` parsing and the choice of
// the process team (MPI under a launcher when built with MPI).
#include "orthotrack/workflow/team.hpp"

#include <cstdlib>
#include <exception>
#include <memory>

#include "orthotrack/core/error.hpp"

namespace orthotrack::workflow {

Shard parseShard(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return InvalidInput("expected i/n with 1 <= i <= n (this job's share of n independent jobs): " + why, {"", "--shard", text});
  };
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw bad("no '/'");
  auto number = [&](const std::string& s) {
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos) throw bad("'" + s + "' is not a number");
    return std::stoi(s);
  };
  Shard sh;
  sh.index = number(text.substr(0, slash));
  sh.count = number(text.substr(slash + 1));
  if (sh.count < 1 || sh.count > 100000) throw bad("n must be 1 to 100000");
  if (sh.index < 1 || sh.index > sh.count) throw bad("i must be 1 to n");
  return sh;
}

PeerFailure::PeerFailure(int rank, int exitCode, const std::string& message)
    : std::runtime_error(message), rank_(rank), code_(exitCode) {}

int exitCodeOf(const std::exception& e) {
  if (const auto* p = dynamic_cast<const PeerFailure*>(&e)) return p->exitCode();
  if (dynamic_cast<const InvalidInput*>(&e)) return 2;
  if (dynamic_cast<const IoError*>(&e)) return 3;
  if (dynamic_cast<const OutOfDomain*>(&e)) return 4;
  if (dynamic_cast<const NoConvergence*>(&e)) return 5;
  return 1;
}

void Team::guard(const std::function<void()>& work) {
  std::exception_ptr err;
  std::string report;  // "<exit code> <message>" of this rank's failure
  try {
    work();
  } catch (const std::exception& e) {
    if (failureAgreed_ || size() == 1) throw;  // already agreed (a nested guard), or nobody to tell
    err = std::current_exception();
    report = std::to_string(exitCodeOf(e)) + " " + e.what();
  } catch (...) {
    if (failureAgreed_ || size() == 1) throw;
    err = std::current_exception();
    report = "1 unknown error";
  }
  if (size() == 1) return;
  if (allreduceMax(err ? 1 : 0) == 0) return;
  failureAgreed_ = true;
  const std::vector<std::string> all = allgather(report);
  if (err) std::rethrow_exception(err);
  for (std::size_t r = 0; r < all.size(); ++r) {
    if (all[r].empty()) continue;
    const auto sp = all[r].find(' ');
    throw PeerFailure(static_cast<int>(r), std::atoi(all[r].substr(0, sp).c_str()), all[r].substr(sp + 1));
  }
  throw PeerFailure(-1, 1, "a rank failed without a message");  // not reached: some rank reported
}

bool builtWithMpi() {
#ifdef ORTHOTRACK_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool launchedByMpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

namespace {
Team*& current() {
  static SerialTeam serial;
  static Team* team = &serial;
  return team;
}
/// World size the launcher announces (1 when unknown).
int launcherSize() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"})
    if (const char* s = std::getenv(v)) return std::max(1, std::atoi(s));
  return 1;
}
}  // namespace

Team& processTeam() { return *current(); }

Team& initProcessTeam(int& argc, char**& argv) {
  if (!launchedByMpi()) return processTeam();
  if (!builtWithMpi()) {
    if (launcherSize() > 1)
      throw InvalidInput("this orthotrack was built without MPI, so " + std::to_string(launcherSize()) +
                             " ranks would each run the whole stack; rebuild with MPI (libopenmpi-dev) or use --shard i/n",
                         {"", "mpirun -np", std::to_string(launcherSize())});
    return processTeam();
  }
  if (Team* t = detail::initMpiTeam(argc, argv)) current() = t;
  return processTeam();
}

int finishProcessTeam(int exitCode) {
  const Team& t = processTeam();
  if (builtWithMpi()) detail::finalizeMpi(exitCode != 0 && !t.failureAgreed() && t.size() > 1, exitCode);
  return exitCode;
}

#ifndef ORTHOTRACK_HAVE_MPI
namespace detail {
Team* initMpiTeam(int&, char**&) { return nullptr; }
void finalizeMpi(bool, int) {}
}  // namespace detail
#endif

}  // namespace orthotrack::workflow

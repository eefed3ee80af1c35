// orthotrack command line: `orthotrack <verb> [options]`. Exit codes (documented in the README):
//   0 success, 1 internal error, 2 bad input (options, configuration, metadata), 3 I/O error,
//   4 out of domain (e.g. DEM or orbit not covering the scene), 5 no convergence.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/workflow/team.hpp"
#include "verb.hpp"

namespace {
/// Under mpirun: ranks other than 0 log with a "[rank N]" prefix, and only warnings unless
/// --verbose (rank 0 alone draws the progress and says what every step did).
void logAsRank(int rank, bool verbose) {
  using namespace orthotrack;
  for (const char* ch : {"analysis", "coreg", "geometry", "import", "network", "offsets", "pairs", "report", "run", "simulate", "timeseries"})
    (void)log::get(ch);
  const std::string pattern = "[%H:%M:%S] [rank " + std::to_string(rank) + "] [%n] %^%l%$: %v";
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_pattern(pattern); });
  if (!verbose) log::setLevel(spdlog::level::warn);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace orthotrack;
  // MPI starts first (it may take its own arguments out of argv); only under mpirun/srun.
  workflow::Team* team = nullptr;
  try {
    team = &workflow::initProcessTeam(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "orthotrack: error: " << e.what() << "\n";
    return workflow::exitCodeOf(e);
  }
  CLI::App app{"orthotrack: ortho-rectified SAR offset tracking for large, fast ground motion"};
  app.set_version_flag("--version", std::string("orthotrack ") + ORTHOTRACK_VERSION);
  app.require_subcommand(1);
  bool verbose = false, quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log debugging detail (to stderr)");
  app.add_flag("-q,--quiet", quiet, "Log only warnings and errors");
  auto verbs = cli::makeVerbs();
  std::vector<std::pair<CLI::App*, cli::Verb*>> subs;
  for (auto& v : verbs) {
    CLI::App* sub = app.add_subcommand(v->name(), v->help());
    v->setup(*sub);
    subs.emplace_back(sub, v.get());
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return workflow::finishProcessTeam(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return workflow::finishProcessTeam(app.exit(e));
  } catch (const CLI::ParseError& e) {
    if (team->isRoot()) app.exit(e);
    // Every rank parsed the same arguments: they all stop here, nobody waits.
    return workflow::finishProcessTeam(2);
  }
  log::setLevel(verbose ? spdlog::level::debug : quiet ? spdlog::level::warn : spdlog::level::info);
  if (team->size() > 1 && !team->isRoot()) logAsRank(team->rank(), verbose);
  // An error that every rank agreed on (Team::guard) ends every rank normally with its exit code;
  // one that only this rank saw aborts the MPI job (finishProcessTeam), so no rank hangs.
  int code = 1;
  try {
    for (auto& [sub, v] : subs)
      if (sub->parsed()) code = v->run();
  } catch (const workflow::PeerFailure& e) {
    if (team->isRoot()) std::cerr << "orthotrack: error on rank " << e.rank() << ": " << e.what() << "\n";
    code = e.exitCode();
  } catch (const InvalidInput& e) {
    std::cerr << "orthotrack: error: " << e.what() << "\n";
    code = 2;
  } catch (const IoError& e) {
    std::cerr << "orthotrack: I/O error: " << e.what() << "\n";
    code = 3;
  } catch (const OutOfDomain& e) {
    std::cerr << "orthotrack: error: " << e.what() << "\n";
    code = 4;
  } catch (const NoConvergence& e) {
    std::cerr << "orthotrack: error: " << e.what() << "\n";
    code = 5;
  } catch (const std::exception& e) {
    std::cerr << "orthotrack: internal error: " << e.what() << "\n";
    code = 1;
  }
  return workflow::finishProcessTeam(code);
}

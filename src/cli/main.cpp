// orthotrack command line: `orthotrack <verb> [options]`. Exit codes (documented in the README):
//   0 success, 1 internal error, 2 bad input (options, configuration, metadata), 3 I/O error,
//   4 out of domain (e.g. DEM or orbit not covering the scene), 5 no convergence.
#include <iostream>

#include <CLI/CLI.hpp>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "verb.hpp"

int main(int argc, char** argv) {
  using namespace orthotrack;
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
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  log::setLevel(verbose ? spdlog::level::debug : quiet ? spdlog::level::warn : spdlog::level::info);
  try {
    for (auto& [sub, v] : subs)
      if (sub->parsed()) return v->run();
  } catch (const InvalidInput& e) {
    std::cerr << "orthotrack: error: " << e.what() << "\n";
    return 2;
  } catch (const IoError& e) {
    std::cerr << "orthotrack: I/O error: " << e.what() << "\n";
    return 3;
  } catch (const OutOfDomain& e) {
    std::cerr << "orthotrack: error: " << e.what() << "\n";
    return 4;
  } catch (const NoConvergence& e) {
    std::cerr << "orthotrack: error: " << e.what() << "\n";
    return 5;
  } catch (const std::exception& e) {
    std::cerr << "orthotrack: internal error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}

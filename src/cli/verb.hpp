#pragma once
/// A CLI verb: a small class that declares its options on a CLI11 subcommand, maps them to the
/// library's params struct and calls the library. No science lives here.
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace orthotrack::cli {

class Verb {
 public:
  virtual ~Verb() = default;
  virtual std::string name() const = 0;
  virtual std::string help() const = 0;
  /// Declare options on the verb's subcommand.
  virtual void setup(CLI::App& cmd) = 0;
  /// Run after parsing; returns the process exit code. Library errors propagate as exceptions and
  /// are mapped to exit codes once, in main().
  virtual int run() = 0;
};

/// All verbs, in the order `--help` lists them.
std::vector<std::unique_ptr<Verb>> makeVerbs();

}  // namespace orthotrack::cli

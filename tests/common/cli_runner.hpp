#pragma once
// Runs the orthotrack CLI (path in the ORTHOTRACK_CLI compile definition of the test target) with
// arguments and captures its exit code and its stdout + stderr.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace orthotrack::test {

struct CliResult {
  int code = -1;    ///< exit status; -1 if it could not be started or did not exit normally
  std::string out;  ///< stdout and stderr together
};

inline CliResult runCli(const std::string& args) {
  const std::string cmd = std::string(ORTHOTRACK_CLI) + " " + args + " 2>&1";
  CliResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), p)) r.out += buf.data();
  const int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace orthotrack::test

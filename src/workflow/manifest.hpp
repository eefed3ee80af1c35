#pragma once
// The run manifest: one JSON file recording every step (parameters, outputs with sizes and
// checksums, timings, peak memory, quality). Written atomically after every change. And the run
// directory lock that keeps two runs out of one directory.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace orthotrack::workflow::detail {

/// FNV-1a 64-bit hash of a file's bytes (read in 1 MiB chunks), as 16 lower-case hex digits.
/// Stable across platforms and compilers. Throws IoError naming the file when it cannot be read.
std::string fileChecksum(const std::string& path);
/// The record of a file as the manifest and the done markers keep it: {"bytes": size, "fnv1a64":
/// fileChecksum}. IoError when the file cannot be read.
nlohmann::json fileRecord(const std::string& path);
/// "" when the file at `path` matches `rec` (size, then checksum; a bare number is a size-only
/// record of older manifests), else why not, starting with `label` (e.g. "offsets/A__B.tif: 1234
/// bytes, recorded 5678"; "…: missing").
std::string verifyFileRecord(const std::string& path, const nlohmann::json& rec, const std::string& label);

/// Peak resident memory of this process (bytes; VmHWM of /proc/self/status), 0 where unavailable.
std::int64_t peakRssBytes();
/// Resets the peak resident memory mark (writes 5 to /proc/self/clear_refs), so that the next
/// peakRssBytes() is the peak since now; false where the kernel does not allow it.
bool resetPeakRss();

/// An advisory lock (flock) on `<runDir>/.lock`, held until destruction. Exclusive for a run
/// (and the one-step verbs); shared for `--shard` jobs, which may run together but never beside an
/// exclusive holder. A conflicting holder, in this or another process, gets IoError (exit code 3)
/// naming the run directory and the process id written in the lock file by the holder. The lock
/// dies with its process (also on SIGKILL), so a killed run never leaves a stale lock.
class RunLock {
 public:
  explicit RunLock(const std::string& runDir, bool shared = false);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

class Manifest {
 public:
  Manifest(const std::string& runDir, const nlohmann::json& header);
  /// True if `step` is recorded complete with the same parameters and all its outputs exist with the
  /// recorded sizes and FNV-1a 64 checksums. When false and `why` is given, it receives the reason
  /// (e.g. "offsets/A__B.tif: 1234 bytes, recorded 5678").
  bool isComplete(const std::string& step, const nlohmann::json& params, std::string* why = nullptr) const;
  void invalidate(const std::string& step);
  /// Records a completed step; `outputs` are paths relative to the run directory (their size in
  /// bytes and checksum are recorded); `extra` members (timings, memory) are merged into the record.
  void complete(const std::string& step, const nlohmann::json& params, const std::vector<std::string>& outputs,
                double seconds, const nlohmann::json& quality, const nlohmann::json& extra = nlohmann::json::object());
  const nlohmann::json& json() const { return j_; }
  nlohmann::json step(const std::string& name) const;

 private:
  void save() const;
  std::string dir_, path_;
  nlohmann::json j_;
};

}  // namespace orthotrack::workflow::detail

#include "manifest.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace fs = std::filesystem;

namespace orthotrack::workflow::detail {

std::string fileChecksum(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw IoError(std::string("cannot read a step output to verify it: ") + std::strerror(errno), {path, "", ""});
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  std::vector<unsigned char> buf(1 << 20);
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0)
    for (std::size_t k = 0; k < n; ++k) h = (h ^ buf[k]) * 1099511628211ull;  // FNV prime
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) throw IoError("read error while verifying a step output", {path, "", ""});
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

nlohmann::json fileRecord(const std::string& path) {
  std::error_code ec;
  const auto bytes = fs::file_size(path, ec);
  if (ec) throw IoError("cannot read a product to record it: " + ec.message(), {path, "", ""});
  return {{"bytes", static_cast<std::int64_t>(bytes)}, {"fnv1a64", fileChecksum(path)}};
}

std::string verifyFileRecord(const std::string& path, const nlohmann::json& rec, const std::string& label) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return label + ": missing";
  const bool legacy = rec.is_number_integer();
  if (!legacy && !(rec.is_object() && rec.contains("bytes") && rec.contains("fnv1a64") && rec["bytes"].is_number_integer() &&
                   rec["fnv1a64"].is_string()))
    return label + ": malformed record";
  const std::int64_t want = legacy ? rec.get<std::int64_t>() : rec["bytes"].get<std::int64_t>();
  const auto have = static_cast<std::int64_t>(fs::file_size(path, ec));
  if (ec || have != want) return label + ": " + std::to_string(have) + " bytes, recorded " + std::to_string(want);
  if (legacy) return "";
  const std::string sum = fileChecksum(path);
  if (sum != rec["fnv1a64"].get<std::string>()) return label + ": checksum " + sum + ", recorded " + rec["fnv1a64"].get<std::string>();
  return "";
}

std::int64_t peakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // "VmHWM:   1234 kB"
  return 0;
}

bool resetPeakRss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

RunLock::RunLock(const std::string& runDir, bool shared) {
  const std::string path = runDir + "/.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw IoError(std::string("cannot create the run directory's lock file (is the folder writable?): ") + std::strerror(errno),
                  {path, "", ""});
  if (::flock(fd_, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {0};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("?");
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      throw IoError("another orthotrack process (pid " + pid + ") is running in this run directory" +
                        (shared ? " (--shard jobs share a folder only with other --shard jobs)" : "") +
                        "; wait for it to finish or choose another --out",
                    {runDir, "lock", path});
    }
    throw IoError(std::string("cannot lock the run directory: ") + std::strerror(err), {runDir, "lock", path});
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // The pid is informative only (the lock is the flock): a failed write is not an error. Shared
  // holders write theirs too (the last one wins).
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

Manifest::Manifest(const std::string& runDir, const nlohmann::json& header) : dir_(runDir), path_(runDir + "/manifest.json") {
  if (fs::exists(path_)) {
    try {
      j_ = nlohmann::json::parse(io::readTextFile(path_));
    } catch (const nlohmann::json::exception&) {
      j_ = nlohmann::json::object();  // a corrupt manifest means nothing is trusted: everything reruns
    }
  }
  if (!j_.is_object()) j_ = nlohmann::json::object();
  for (const auto& [k, v] : header.items()) j_[k] = v;
  if (!j_.contains("steps") || !j_["steps"].is_object()) j_["steps"] = nlohmann::json::object();
  save();
}

bool Manifest::isComplete(const std::string& step, const nlohmann::json& params, std::string* why) const {
  auto no = [&](const std::string& reason) {
    if (why) *why = reason;
    return false;
  };
  const auto& steps = j_["steps"];
  if (!steps.contains(step)) return no("not run yet");
  const auto& s = steps[step];
  if (!s.is_object() || s.value("status", "") != "complete") return no("status " + (s.is_object() ? s.value("status", "missing") : "missing"));
  if (s.value("params", nlohmann::json()) != params) return no("parameters changed");
  if (!s.contains("outputs") || !s["outputs"].is_object()) return no("no outputs recorded");
  for (const auto& [rel, rec] : s["outputs"].items()) {
    const fs::path p = fs::path(dir_) / rel;
    std::error_code ec;
    if (fs::exists(p, ec) && !fs::is_regular_file(p, ec)) continue;  // a folder output: present is enough
    if (std::string bad = verifyFileRecord(p.string(), rec, rel); !bad.empty()) return no(bad);
  }
  return true;
}

void Manifest::invalidate(const std::string& step) {
  if (j_["steps"].contains(step)) {
    j_["steps"][step]["status"] = "invalidated";
    save();
  }
}

void Manifest::complete(const std::string& step, const nlohmann::json& params, const std::vector<std::string>& outputs,
                        double seconds, const nlohmann::json& quality, const nlohmann::json& extra) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& rel : outputs) {
    const fs::path p = fs::path(dir_) / rel;
    std::error_code ec;
    if (!fs::exists(p, ec)) throw IoError("step output missing after the step finished", {p.string(), step, ""});
    if (fs::is_regular_file(p, ec))
      out[rel] = fileRecord(p.string());
    else
      out[rel] = {{"bytes", 0}};
  }
  nlohmann::json rec = {{"status", "complete"},
                        {"finished", DateTime::fromNanoseconds(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::system_clock::now().time_since_epoch()).count()).iso(0) + "Z"},
                        {"seconds", seconds},
                        {"params", params},
                        {"outputs", out},
                        {"quality", quality}};
  for (const auto& [k, v] : extra.items()) rec[k] = v;
  j_["steps"][step] = rec;
  save();
}

nlohmann::json Manifest::step(const std::string& name) const {
  return j_["steps"].contains(name) ? j_["steps"][name] : nlohmann::json();
}

void Manifest::save() const { io::writeFileAtomic(path_, j_.dump(1) + "\n"); }

}  // namespace orthotrack::workflow::detail

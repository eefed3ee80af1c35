// Shared helpers of the fuzz targets: scratch files and the byte reader.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "fuzz_targets.hpp"
#include "orthotrack/core/log.hpp"

namespace fs = std::filesystem;

namespace orthotrack::fuzz {
namespace {
std::string gScratch;
void removeScratch() {
  std::error_code ec;
  if (!gScratch.empty()) fs::remove_all(gScratch, ec);
}
}  // namespace

const std::string& scratchDir() {
  if (gScratch.empty()) {
    // /dev/shm keeps the per-input files in memory when it exists.
    const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    gScratch = (base / ("orthotrack_fuzz_" + std::to_string(::getpid()))).string();
    fs::create_directories(gScratch);
    std::atexit(removeScratch);
  }
  return gScratch;
}

std::string writeScratch(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const std::string path = scratchDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  check(static_cast<bool>(out), "cannot write the scratch file " + path);
  return path;
}

void writeScratch(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  check(static_cast<bool>(out), "cannot write the scratch file " + path);
}

void silenceLogs() { log::setLevel(spdlog::level::off); }

void refused(const std::exception& e) {
  static const bool verbose = std::getenv("OT_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
}

double Bytes::f64() {
  const std::uint64_t bits = u64();
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::string Bytes::str(std::size_t maxLen) {
  const std::size_t n = u8() % (maxLen + 1);
  std::string s;
  for (std::size_t i = 0; i < n && !empty(); ++i) s += static_cast<char>(u8());
  return s;
}

}  // namespace orthotrack::fuzz

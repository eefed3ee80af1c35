#pragma once
/// Where tests find the real data (CMake cache variable ORTHOTRACK_DATA_DIR, default ../shared/data).
/// Tests that need it call OT_REQUIRE_DATA("real/isce3/envisat.h5") first: it skips with a clear
/// message where the folder is absent (a user's clone) and returns the full path otherwise.
#include <filesystem>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

namespace orthotrack::test {
inline std::string dataPath(const std::string& rel) { return std::string(ORTHOTRACK_DATA_DIR) + "/" + rel; }
inline bool haveData(const std::string& rel) { return std::filesystem::exists(dataPath(rel)); }
/// A fresh, empty temporary folder for one test.
inline std::filesystem::path tempDir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / ("orthotrack_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}
}  // namespace orthotrack::test

#define OT_REQUIRE_DATA(rel)                                                                          \
  ([&]() {                                                                                             \
    if (!::orthotrack::test::haveData(rel)) return std::string();                                      \
    return ::orthotrack::test::dataPath(rel);                                                          \
  }())

#define OT_SKIP_WITHOUT_DATA(rel)                                                                     \
  if (!::orthotrack::test::haveData(rel))                                                              \
  GTEST_SKIP() << "real test data not found: " << ::orthotrack::test::dataPath(rel)                     \
               << " (set -DORTHOTRACK_DATA_DIR=<shared/data>)"

#pragma once
// Helpers shared by the import tests: expected-error checks, file copies and small file edits.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "orthotrack/core/error.hpp"

namespace orthotrack::test {

/// Runs `f` and expects an exception of type E whose message contains every string of `parts`.
template <class E>
void expectError(const std::string& what, const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << what << ": no error";
  } catch (const E& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << what << ": \"" << p << "\" not in: " << msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": wrong error type: " << e.what();
  }
}

inline std::vector<unsigned char> readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void writeBytes(const std::string& path, const std::vector<unsigned char>& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

/// Overwrites bytes [a, a + text.size()) (1-based a, as in format documents) at `offset` + a - 1.
inline void putText(std::vector<unsigned char>& b, std::size_t offset, int a, const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) b.at(offset + static_cast<std::size_t>(a) - 1 + i) = static_cast<unsigned char>(text[i]);
}
/// Right-aligned text of `width` characters.
inline std::string rjust(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}
inline std::string ljust(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}
inline void putBE32(std::vector<unsigned char>& b, std::size_t pos, std::uint32_t v) {
  b.at(pos) = static_cast<unsigned char>(v >> 24);
  b.at(pos + 1) = static_cast<unsigned char>(v >> 16);
  b.at(pos + 2) = static_cast<unsigned char>(v >> 8);
  b.at(pos + 3) = static_cast<unsigned char>(v);
}

/// Unzips `zip` into `dir` with the `unzip` tool or python3's zipfile; false if neither works.
inline bool unzipTo(const std::string& zip, const std::string& dir) {
  const std::string a = "unzip -q -o '" + zip + "' -d '" + dir + "' > /dev/null 2>&1";
  if (std::system(a.c_str()) == 0) return true;
  const std::string b = "python3 -c \"import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])\" '" + zip + "' '" + dir +
                        "' > /dev/null 2>&1";
  return std::system(b.c_str()) == 0;
}

}  // namespace orthotrack::test

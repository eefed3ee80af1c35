#pragma once
// The fuzz targets of orthotrack's parsers (fuzz/README.md). Each target takes arbitrary bytes,
// feeds them to one parser and checks what must hold for any input:
// - it returns or throws an orthotrack::Error (InvalidInput, IoError, OutOfDomain): a clear error;
// - anything else escaping (std::bad_alloc, std::out_of_range, nlohmann::json exceptions,
//   std::filesystem errors, a crash or a sanitizer report) is a bug;
// - where a parser has a writer, what it accepted is written and read back (FuzzFailure if not).
// Built two ways: with libFuzzer (clang, fuzz/CMakeLists.txt, one executable per target) and by
// the GoogleTest replay (tests/fuzz) that runs every target over fuzz/corpus and fuzz/regressions.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace orthotrack::fuzz {

using TargetFn = int (*)(const std::uint8_t* data, std::size_t size);

/// A property a target checks was violated (thrown past the target: a finding).
struct FuzzFailure : std::logic_error {
  using std::logic_error::logic_error;
};
inline void check(bool ok, const std::string& what) {
  if (!ok) throw FuzzFailure(what);
}

/// A target's input was refused with a clear error: printed when OT_FUZZ_VERBOSE is set (to see
/// whether seeds are accepted), else nothing.
void refused(const std::exception& e);

/// Turns orthotrack's logging off (hostile inputs make parsers warn; printing slows fuzzing down).
void silenceLogs();

/// A per-process scratch folder (created on first use, removed at exit).
const std::string& scratchDir();
/// Writes `size` bytes to scratchDir()/name and returns the path.
std::string writeScratch(const std::string& name, const std::uint8_t* data, std::size_t size);
void writeScratch(const std::string& path, const std::string& text);

/// Reads little-endian numbers from the fuzz input; past its end every value is 0, so the all-zero
/// input (and any short one) decodes to the target's defaults.
class Bytes {
 public:
  Bytes(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  std::uint8_t u8() { return pos_ < n_ ? d_[pos_++] : 0; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t(u8()) << (8 * i);
    return v;
  }
  std::uint64_t u64() { return std::uint64_t(u32()) | (std::uint64_t(u32()) << 32); }
  double f64();  ///< raw bit pattern: any double, NaN and infinities included
  /// A string of at most `maxLen` bytes (length byte, then the bytes).
  std::string str(std::size_t maxLen);
  bool empty() const { return pos_ >= n_; }

 private:
  const std::uint8_t* d_;
  std::size_t n_, pos_ = 0;
};

// The targets (fuzz/targets/<name>.cpp).
int stackToml(const std::uint8_t* data, std::size_t size);   ///< io::loadStack of a stack.toml
int sceneJson(const std::uint8_t* data, std::size_t size);   ///< io scene metadata JSON
int ceosLeader(const std::uint8_t* data, std::size_t size);  ///< ALOS CEOS leader file
int ceosImage(const std::uint8_t* data, std::size_t size);   ///< ALOS CEOS Level 1.1 image file
int nisarHdf5(const std::uint8_t* data, std::size_t size);   ///< NISAR RSLC HDF5 built from the input
int orbit(const std::uint8_t* data, std::size_t size);       ///< Orbit from arbitrary state vectors
int precipCsv(const std::uint8_t* data, std::size_t size);   ///< monthly precipitation CSV
int geoJson(const std::uint8_t* data, std::size_t size);     ///< GeoJSON polygons

struct Target {
  const char* name;  ///< folder name under fuzz/corpus and fuzz/regressions, executable fuzz_<name>
  TargetFn fn;
};
inline const std::vector<Target>& targets() {
  static const std::vector<Target> t = {{"stack_toml", stackToml}, {"scene_json", sceneJson}, {"ceos_leader", ceosLeader},
                                        {"ceos_image", ceosImage},  {"nisar_hdf5", nisarHdf5}, {"orbit", orbit},
                                        {"precip_csv", precipCsv},  {"geojson", geoJson}};
  return t;
}

}  // namespace orthotrack::fuzz

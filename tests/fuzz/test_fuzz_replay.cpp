// Replays every fuzz target (fuzz/fuzz_targets.hpp) over its seed corpus (fuzz/corpus/<target>) and
// the inputs of every finding fixed so far (fuzz/regressions/<target>): each input must be accepted
// or refused with an orthotrack::Error; anything else escaping (a std:: exception, a FuzzFailure of
// a round trip) fails the test and names the file. Under `make asan-core` the same replay runs with
// AddressSanitizer and UndefinedBehaviorSanitizer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <spdlog/spdlog.h>

#include "fuzz_targets.hpp"
#include "orthotrack/core/log.hpp"

namespace fs = std::filesystem;
using orthotrack::fuzz::Target;

namespace orthotrack::fuzz {
// Test names and messages show the target's name.
void PrintTo(const Target& t, std::ostream* os) { *os << t.name; }
}  // namespace orthotrack::fuzz

namespace {

std::vector<fs::path> inputs(const std::string& folder) {
  std::vector<fs::path> out;
  const fs::path dir = fs::path(ORTHOTRACK_SOURCE_DIR) / "fuzz" / folder;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class FuzzReplay : public ::testing::TestWithParam<Target> {
 protected:
  static void SetUpTestSuite() { orthotrack::log::setLevel(spdlog::level::off); }
};

TEST_P(FuzzReplay, CorpusAndRegressionsAreAcceptedOrClearErrors) {
  const Target& t = GetParam();
  const auto corpus = inputs(std::string("corpus/") + t.name);
  EXPECT_FALSE(corpus.empty()) << "no seeds in fuzz/corpus/" << t.name;
  auto all = corpus;
  for (const auto& p : inputs(std::string("regressions/") + t.name)) all.push_back(p);
  for (const auto& p : all) {
    std::ifstream in(p, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      t.fn(bytes.data(), bytes.size());
    } catch (const std::exception& e) {
      ADD_FAILURE() << t.name << ": " << p.string() << ": " << e.what();
    }
  }
  std::printf("%s: %zu input(s) replayed\n", t.name, all.size());
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(orthotrack::fuzz::targets()),
                         [](const ::testing::TestParamInfo<Target>& i) { return std::string(i.param.name); });

}  // namespace

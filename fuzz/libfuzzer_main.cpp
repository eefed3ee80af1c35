// libFuzzer entry of one target: compiled once per target with OT_FUZZ_TARGET set to its function
// (fuzz/CMakeLists.txt). Logging is silenced so that warnings about hostile inputs do not slow the
// fuzzer down.
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  orthotrack::fuzz::silenceLogs();
  orthotrack::fuzz::scratchDir();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return orthotrack::fuzz::OT_FUZZ_TARGET(data, size);
}

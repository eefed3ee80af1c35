#pragma once
/// The one tiling helper: every block- or index-parallel loop in orthotrack goes through here.
/// Exceptions thrown by the body are captured inside the OpenMP region and the first one (in block
/// order) is rethrown after it; results never depend on the thread count because blocks are fixed.
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <exception>
#include <vector>

namespace orthotrack {

struct Block {
  std::int64_t row0 = 0, rows = 0, col0 = 0, cols = 0;
};

/// Blocks of `blockRows` × `blockCols` covering length × width, row-major order. blockCols <= 0
/// means full width.
std::vector<Block> makeBlocks(std::int64_t length, std::int64_t width, std::int64_t blockRows,
                              std::int64_t blockCols = 0);

/// Number of threads the OpenMP loops will use.
int threadCount();
/// Set the OpenMP thread count for subsequent loops (n <= 0: leave the default).
void setThreadCount(int n);
/// Index of the calling thread inside a parallel loop (0 outside).
int threadIndex();

namespace detail {
void runParallel(std::int64_t n, void (*call)(void*, std::int64_t), void* ctx, bool dynamic);
}

/// Calls f(i) for i in [0, n) in parallel (dynamic schedule). The first exception is rethrown.
template <class F>
void parallelFor(std::int64_t n, F&& f, bool dynamic = true) {
  auto call = [](void* ctx, std::int64_t i) { (*static_cast<std::remove_reference_t<F>*>(ctx))(i); };
  detail::runParallel(n, call, &f, dynamic);
}

/// Calls f(block) for every block in parallel.
template <class F>
void parallelForBlocks(const std::vector<Block>& blocks, F&& f) {
  parallelFor(static_cast<std::int64_t>(blocks.size()), [&](std::int64_t i) { f(blocks[static_cast<std::size_t>(i)]); });
}

}  // namespace orthotrack

#include "orthotrack/core/tiling.hpp"

#include <mutex>

#include <omp.h>

namespace orthotrack {

std::vector<Block> makeBlocks(std::int64_t length, std::int64_t width, std::int64_t blockRows, std::int64_t blockCols) {
  std::vector<Block> out;
  if (length <= 0 || width <= 0) return out;
  if (blockRows <= 0) blockRows = length;
  if (blockCols <= 0) blockCols = width;
  for (std::int64_t r = 0; r < length; r += blockRows)
    for (std::int64_t c = 0; c < width; c += blockCols)
      out.push_back({r, std::min(blockRows, length - r), c, std::min(blockCols, width - c)});
  return out;
}

int threadCount() { return omp_get_max_threads(); }
void setThreadCount(int n) {
  if (n > 0) omp_set_num_threads(n);
}
int threadIndex() { return omp_get_thread_num(); }

namespace detail {
void runParallel(std::int64_t n, void (*call)(void*, std::int64_t), void* ctx, bool dynamic) {
  std::exception_ptr first;
  std::int64_t firstIndex = n;
  std::mutex mu;
  auto body = [&](std::int64_t i) {
    try {
      call(ctx, i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (i < firstIndex) {
        firstIndex = i;
        first = std::current_exception();
      }
    }
  };
  if (dynamic) {
#pragma omp parallel for schedule(dynamic, 1)
    for (std::int64_t i = 0; i < n; ++i) body(i);
  } else {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) body(i);
  }
  if (first) std::rethrow_exception(first);
}
}  // namespace detail

}  // namespace orthotrack

// Rectifying one secondary (lookup + step-ii refinement + final sinc resampling + residual
// offsets) on a synthetic cross-platform pair of N × N master pixels; reports pixels/s and the
// peak resident memory. Run: bench_coreg --benchmark_filter=... (threads via OMP_NUM_THREADS or
// the second argument of the benchmark).
#include <benchmark/benchmark.h>
#include <cstring>
#include <fstream>
#include <string>

#include <map>
#include <memory>

#include "orthotrack/core/tiling.hpp"
#include "orthotrack/coreg/coreg.hpp"
#include "synthetic.hpp"

using namespace orthotrack;
using namespace orthotrack::coreg;
using namespace coregtest;

namespace {
struct Pair {
  geometry::Dem dem;
  geometry::SceneGeometry master, sec;
  Raster<cfloat> ms, ss;
};

const Pair& pairOf(std::int64_t n) {
  static std::map<std::int64_t, std::unique_ptr<Pair>> cache;
  auto& p = cache[n];
  if (!p) {
    p = std::make_unique<Pair>();
    const double half = 0.02 + 1.3e-5 * static_cast<double>(n);  // degrees covering the scene
    p->dem = makeDem(1000.0, 0, 0, 0, 0, 20.0, 4.0, half * 1.4, half);
    p->master = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, n, n);
    p->sec = makeScene(palsar1(DateTime(2010, 2, 25, 5, 0, 0.0)), 1.2e-3, 7.0, n * 5 / 4 + 40, n * 5 / 4 + 40);
    const Texture tex(11, 48, 1.0);
    p->ms = render(p->master, p->dem, tex, {}, 0.1, 1);
    p->ss = render(p->sec, p->dem, tex, {}, 0.1, 2);
  }
  return *p;
}

// VmHWM / VmRSS of this process (MiB); resetPeak() restarts VmHWM (Linux ≥ 4.0, clear_refs 5).
double statusMiB(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(std::strlen(key) + 1)) / 1024.0;
  return 0.0;
}
void resetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

void BM_Rectify(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  setThreadCount(static_cast<int>(state.range(1)));
  const Pair& p = pairOf(n);
  const double rssBefore = statusMiB("VmRSS:");
  resetPeak();
  CoregParams prm;
  for (auto _ : state) {
    RectifyResult r = rectify(p.master, p.ms.cview(), secondaryFromMemory(p.sec, p.ss.cview()), p.dem, prm);
    benchmark::DoNotOptimize(r.slc.data());
  }
  state.counters["pixels_per_s"] = benchmark::Counter(static_cast<double>(n * n), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak_rss_MiB"] = statusMiB("VmHWM:");
  state.counters["rss_before_MiB"] = rssBefore;
}

void BM_LookupOnly(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  setThreadCount(static_cast<int>(state.range(1)));
  const Pair& p = pairOf(n);
  for (auto _ : state) {
    LookupStats st;
    Lookup lk = computeLookup(p.master, p.sec, p.dem, LookupParams{}, &st);
    benchmark::DoNotOptimize(lk.nodeLine().data());
    state.counters["step"] = st.step;
    state.counters["interp_err_px"] = st.interpolationError;
  }
  state.counters["pixels_per_s"] = benchmark::Counter(static_cast<double>(n * n), benchmark::Counter::kIsIterationInvariantRate);
}

// The lookup at the old fixed node step (8, tolerance 0), for the cost of the adaptive step: on
// this cross-platform pair the tolerance (0.01 px) halves the step, so LookupOnly / LookupFixedStep
// is the price of its accuracy.
void BM_LookupFixedStep(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  setThreadCount(static_cast<int>(state.range(1)));
  const Pair& p = pairOf(n);
  LookupParams prm;
  prm.tolerance = 0;
  for (auto _ : state) {
    LookupStats st;
    Lookup lk = computeLookup(p.master, p.sec, p.dem, prm, &st);
    benchmark::DoNotOptimize(lk.nodeLine().data());
    state.counters["step"] = st.step;
  }
  state.counters["pixels_per_s"] = benchmark::Counter(static_cast<double>(n * n), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ResampleOnly(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  setThreadCount(static_cast<int>(state.range(1)));
  const Pair& p = pairOf(n);
  const Lookup lk = computeLookup(p.master, p.sec, p.dem, LookupParams{});
  const SecondaryInput in = secondaryFromMemory(p.sec, p.ss.cview());
  for (auto _ : state) {
    Raster<cfloat> out = resampleWithLookup(lk, in, ResampleParams{}, 256);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["pixels_per_s"] = benchmark::Counter(static_cast<double>(n * n), benchmark::Counter::kIsIterationInvariantRate);
}
}  // namespace

BENCHMARK(BM_LookupOnly)->Args({1024, 2})->Args({2048, 2})->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_LookupFixedStep)->Args({1024, 2})->Args({2048, 2})->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_ResampleOnly)->Args({1024, 2})->Args({2048, 2})->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_Rectify)->Args({1024, 2})->Args({2048, 2})->Args({4000, 2})->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK_MAIN();

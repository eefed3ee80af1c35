// Per-pixel geometry throughput: topo layers over a radar grid, map → radar look-up over a DEM
// grid, radar → radar look-up; pixels/s on 1 and 2 threads (Arg = threads).
// The grid is 1024 × 1024 by default (OT_BENCH_SIZE=4096 for the full size); throughput
// per pixel does not depend on the size.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "orthotrack/core/tiling.hpp"
#include "orthotrack/geometry/geometry.hpp"
#include "synthetic.hpp"

using namespace orthotrack;
using namespace orthotrack::geometry;

namespace {
std::int64_t benchSize() {
  const char* s = std::getenv("OT_BENCH_SIZE");
  return s ? std::atoll(s) : 1024;
}
struct Fixture {
  Dem dem;
  SceneGeometry scene;
  GeoGrid mapGrid;
  Fixture() {
    const std::int64_t n = benchSize();
    DemOptions o;
    o.method = DemInterpolation::Bicubic;
    // 800 m relief, slopes up to ~55°, 1" spacing; PALSAR-1-like scene (4.7 m slant range,
    // 1/PRF azimuth; n × n pixels ≈ n·3.2 m × n·7.5 m on the ground).
    dem = test::makeRidgeDem(98.7, 31.1, 0.004 * static_cast<double>(n) / 100.0 + 0.05, 1.0 / 3600.0, 3000.0, 1600.0, 0.0, o);
    scene = test::makeScene(98.7, 31.1, 3000.0, LookSide::Right, PassDirection::Ascending, n, n, 1.0 / 2159.8, 4.684);
    mapGrid = dem.grid();
  }
};
Fixture& fx() {
  static Fixture f;
  return f;
}

void BM_TopoLayers(benchmark::State& st) {
  auto& f = fx();
  setThreadCount(static_cast<int>(st.range(0)));
  TopoParams p;
  p.layoverShadow = st.range(1) != 0;
  std::int64_t px = 0;
  for (auto _ : st) {
    const TopoLayers L = computeTopo(f.scene, f.dem, p);
    benchmark::DoNotOptimize(L.lon.data());
    px += L.lon.length() * L.lon.width();
  }
  st.counters["px/s"] = benchmark::Counter(static_cast<double>(px), benchmark::Counter::kIsRate);
}

void BM_MapToRadar(benchmark::State& st) {
  auto& f = fx();
  setThreadCount(static_cast<int>(st.range(0)));
  // A DEM-aligned map grid of n × n cells over the scene centre.
  const std::int64_t n = benchSize();
  GeoGrid g = GeoGrid::geographic(98.7 - 0.01, 98.7 + 0.01, 31.1 - 0.01, 31.1 + 0.01, 0.02 / static_cast<double>(n));
  std::int64_t px = 0;
  for (auto _ : st) {
    const MapLookup m = mapToRadar(f.scene, f.dem, g);
    benchmark::DoNotOptimize(m.line.data());
    px += g.length * g.width;
  }
  st.counters["px/s"] = benchmark::Counter(static_cast<double>(px), benchmark::Counter::kIsRate);
}

void BM_RadarToRadar(benchmark::State& st) {
  auto& f = fx();
  setThreadCount(static_cast<int>(st.range(0)));
  RadarGrid g2 = f.scene.grid();
  g2.sensingStart = g2.sensingStart.plusSeconds(0.01);
  const SceneGeometry sec(f.scene.orbit(), g2);
  std::int64_t px = 0;
  for (auto _ : st) {
    const auto m = radarToRadar<float>(f.scene, sec, f.dem);
    benchmark::DoNotOptimize(m.line.data());
    px += m.line.length() * m.line.width();
  }
  st.counters["px/s"] = benchmark::Counter(static_cast<double>(px), benchmark::Counter::kIsRate);
}
}  // namespace

BENCHMARK(BM_TopoLayers)->ArgsProduct({{1, 2}, {0, 1}})->ArgNames({"threads", "mask"})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_MapToRadar)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_RadarToRadar)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_MAIN();

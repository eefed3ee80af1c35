// Per-pixel geometry throughput: topo layers over a radar grid, map → radar look-up over a DEM
// grid, radar → radar look-up; pixels/s on 1 and 2 threads (Arg = threads).
// The radar grid is n × n (n = 1024 by default, OT_BENCH_SIZE=4096 for the full size); the
// map grid is n × n cells over the scene's footprint (≈ 8 m × 4 m cells at n = 4096, ≈ 30 m × 13 m
// at n = 1024: what geocoding asks for).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "orthotrack/core/tiling.hpp"
#include "orthotrack/geometry/geometry.hpp"
#include "synthetic.hpp"

using namespace orthotrack;
using namespace orthotrack::geometry;

namespace {
// Process CPU seconds (all threads): px / CPU s is the throughput per busy core, which other
// processes sharing the machine do not distort the way wall time is distorted.
double cpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }
void setRates(benchmark::State& st, std::int64_t px, double cpu) {
  st.counters["px/s"] = benchmark::Counter(static_cast<double>(px), benchmark::Counter::kIsRate);
  st.counters["px/cpu_s"] = static_cast<double>(px) / cpu;
}
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
    // Footprint of the scene on the DEM (corners and edge midpoints).
    double lonMin = 1e9, lonMax = -1e9, latMin = 1e9, latMax = -1e9;
    for (double a : {0.0, 0.5, 1.0})
      for (double b : {0.0, 0.5, 1.0}) {
        Rdr2GeoResult res;
        if (rdr2geo(scene, a * static_cast<double>(n - 1), b * static_cast<double>(n - 1), dem, res) != Status::Ok) continue;
        lonMin = std::min(lonMin, res.llh.lon / kDeg);
        lonMax = std::max(lonMax, res.llh.lon / kDeg);
        latMin = std::min(latMin, res.llh.lat / kDeg);
        latMax = std::max(latMax, res.llh.lat / kDeg);
      }
    mapGrid.epsg = 4326;
    mapGrid.length = mapGrid.width = n;
    mapGrid.transform = {lonMin, (lonMax - lonMin) / static_cast<double>(n), 0.0, latMax, 0.0,
                         -(latMax - latMin) / static_cast<double>(n)};
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
  const double cpu0 = cpuSeconds();
  for (auto _ : st) {
    const TopoLayers L = computeTopo(f.scene, f.dem, p);
    benchmark::DoNotOptimize(L.lon.data());
    px += L.lon.length() * L.lon.width();
  }
  setRates(st, px, cpuSeconds() - cpu0);
}

// The same layers streamed block by block into per-thread buffers (what `orthotrack geometry` does
// before writing each block): the per-pixel cost without allocating the whole-scene layers.
void BM_TopoStream(benchmark::State& st) {
  auto& f = fx();
  setThreadCount(static_cast<int>(st.range(0)));
  TopoParams p;
  p.layoverShadow = st.range(1) != 0;
  const std::int64_t L = f.scene.grid().length, W = f.scene.grid().width;
  const auto blocks = makeBlocks(L, W, p.blockLines);
  std::vector<TopoLayers> bufs(static_cast<std::size_t>(threadCount()));
  for (auto& b : bufs) {
    b.lon.resize(p.blockLines, W);
    b.lat.resize(p.blockLines, W);
    for (auto* r : {&b.height, &b.incidence, &b.localIncidence, &b.losE, &b.losN, &b.losU, &b.flightE, &b.flightN, &b.flightU})
      r->resize(p.blockLines, W);
    b.mask.resize(p.blockLines, W);
    b.status.resize(p.blockLines, W);
  }
  std::int64_t px = 0;
  const double cpu0 = cpuSeconds();
  for (auto _ : st) {
    parallelForBlocks(blocks, [&](const Block& b) {
      auto& buf = bufs[static_cast<std::size_t>(threadIndex())];
      computeTopoBlock(f.scene, f.dem, b, TopoViews::window(buf, Block{0, b.rows, 0, b.cols}), p);
      benchmark::DoNotOptimize(buf.lon.data());
    });
    px += L * W;
  }
  setRates(st, px, cpuSeconds() - cpu0);
}

void BM_MapToRadar(benchmark::State& st) {
  auto& f = fx();
  setThreadCount(static_cast<int>(st.range(0)));
  const GeoGrid& g = f.mapGrid;
  std::int64_t px = 0;
  const double cpu0 = cpuSeconds();
  for (auto _ : st) {
    const MapLookup m = mapToRadar(f.scene, f.dem, g);
    benchmark::DoNotOptimize(m.line.data());
    px += g.length * g.width;
  }
  setRates(st, px, cpuSeconds() - cpu0);
}

void BM_RadarToRadar(benchmark::State& st) {
  auto& f = fx();
  setThreadCount(static_cast<int>(st.range(0)));
  RadarGrid g2 = f.scene.grid();
  g2.sensingStart = g2.sensingStart.plusSeconds(0.01);
  const SceneGeometry sec(f.scene.orbit(), g2);
  std::int64_t px = 0;
  const double cpu0 = cpuSeconds();
  for (auto _ : st) {
    const auto m = radarToRadar<float>(f.scene, sec, f.dem);
    benchmark::DoNotOptimize(m.line.data());
    px += m.line.length() * m.line.width();
  }
  setRates(st, px, cpuSeconds() - cpu0);
}
}  // namespace

BENCHMARK(BM_TopoLayers)->ArgsProduct({{1, 2}, {0, 1}})->ArgNames({"threads", "mask"})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_TopoStream)->ArgsProduct({{1, 2}, {0, 1}})->ArgNames({"threads", "mask"})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_MapToRadar)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_RadarToRadar)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_MAIN();
